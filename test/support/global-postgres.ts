// Global setup of the "postgres" project: a throwaway cluster (or the server of
// TEST_DATABASE_URL), one migrated template database, cloned per worker by test/support/db.ts.

import type { TestProject } from 'vitest/node';
import { openPostgres } from '../../src/db/client.ts';
import { TEMPLATE_DB, WORKER_DB_PREFIX, withDatabase } from './context.ts';
import { cleanupOnExit, findPostgresBin, startCluster, type Cluster } from './postgres-cluster.ts';
import { reportMissing } from './requirements.ts';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function admin<T>(url: string, fn: (sql: import('postgres').Sql) => Promise<T>): Promise<T> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function dropTestDatabases(url: string): Promise<void> {
  await admin(url, async (sql) => {
    const rows = await sql<{ datname: string }[]>`
      select datname from pg_database where datname = ${TEMPLATE_DB} or datname like ${`${WORKER_DB_PREFIX}%`}`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists ${ident(datname)} with (force)`);
  });
}

export default async function setup(project: TestProject) {
  const t = (since: number) => `${(performance.now() - since).toFixed(0)} ms`;
  const log = (m: string) => process.env.PIPEGRADE_TEST_TIMINGS && console.log(`[postgres] ${m}`);
  let cluster: Cluster | undefined;
  let removeHooks = () => {};
  let adminUrl = process.env.TEST_DATABASE_URL;

  if (!adminUrl) {
    const bin = findPostgresBin();
    if ('missing' in bin) {
      reportMissing(bin.missing); // throws when required; otherwise the config has left this project out
      return;
    }
    const started = performance.now();
    cluster = await startCluster(bin);
    removeHooks = cleanupOnExit(cluster.stop);
    adminUrl = cluster.url;
    log(`cluster ${bin.version} from ${bin.dir} started on port ${cluster.port} in ${t(started)}`);
  }

  try {
    const started = performance.now();
    await dropTestDatabases(adminUrl);
    await admin(adminUrl, (sql) => sql.unsafe(`create database ${ident(TEMPLATE_DB)}`));
    const template = await openPostgres(withDatabase(adminUrl, TEMPLATE_DB), { max: 1 });
    try {
      await template.migrate();
    } finally {
      await template.close(); // CREATE DATABASE ... TEMPLATE needs it without connections
    }
    log(`template migrated in ${t(started)}`);
  } catch (error) {
    cluster?.stop();
    removeHooks();
    throw error;
  }

  project.provide('postgres', { adminUrl, template: TEMPLATE_DB });

  return async () => {
    try {
      // A throwaway cluster goes as a whole; on someone's server, drop what we created.
      if (!cluster) await dropTestDatabases(adminUrl);
    } finally {
      cluster?.stop();
      removeHooks();
    }
  };
}
