// Per-statement time inside PostgreSQL, from pg_stat_statements (loaded by the bench cluster):
// which query dominates a page or the re-grade, measured on the server, whatever the app does.

import postgres from 'postgres';

export type StatementStat = { query: string; calls: number; totalMs: number; meanMs: number; rows: number };

export async function resetStatements(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select pg_stat_statements_reset()`;
  } finally {
    await sql.end();
  }
}

/** Statements of this database since the last reset, most total time first (the stats queries themselves left out). */
export async function topStatements(url: string, n = 8): Promise<StatementStat[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ query: string; calls: string; total: number; mean: number; rows: string }[]>`
      select query, calls, total_exec_time as total, mean_exec_time as mean, rows
      from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
        and query not ilike '%pg_stat_statements%'
      order by total_exec_time desc limit ${n}`;
    return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').trim(), calls: Number(r.calls), totalMs: r.total, meanMs: r.mean, rows: Number(r.rows) }));
  } finally {
    await sql.end();
  }
}

/** A statement shortened for a table cell. */
export function shortSql(q: string, max = 110): string {
  const s = q
    .replace(/"accounts"\./g, '')
    .replace(/"/g, '')
    .replace(/select (id|grade), .{40,}? from/i, (m, first: string) => `select ${first}, … from`)
    .replace(/\|/g, '\\|');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Cancels the statements still running in this database (requests the load generator abandoned
 * at its deadline keep running in the server), and waits until none is left, so they do not run
 * into the next measurement. Returns how many were cancelled.
 */
export async function quiesce(url: string, maxWaitMs = 30_000): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const cancelled = await sql`
      select pg_cancel_backend(pid) from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and state = 'active'`;
    const until = performance.now() + maxWaitMs;
    while (performance.now() < until) {
      const [{ n }] = (await sql`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
          and backend_type in ('client backend', 'parallel worker')`) as unknown as [{ n: number }];
      if (!n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return cancelled.length;
  } finally {
    await sql.end();
  }
}
