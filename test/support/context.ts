// What the global setups hand to the test workers (vitest `provide` / `inject`), and names both use.

export const TEMPLATE_DB = 'pipegrade_template';
export const WORKER_DB_PREFIX = 'pipegrade_w';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export type PostgresTestServer = {
  /** A URL of the server's maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** The migrated database each worker's database is cloned from. */
  template: string;
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the gzipped PGlite data dir (migrated, empty) that each worker loads in memory. */
    pgliteTemplate: string;
    postgres: PostgresTestServer;
  }
}
