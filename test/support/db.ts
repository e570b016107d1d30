// The database of DB tests (test/db, test/http). The "pglite" and "postgres" vitest projects run
// the same files with TEST_DB set; each worker process gets one database, created on first use
// from the template of its project's global setup and then reused by every file the worker runs:
//   pglite:   the migrated template dump, loaded in memory;
//   postgres: CREATE DATABASE pipegrade_w<VITEST_POOL_ID> TEMPLATE pipegrade_template.
// Tests call resetDatabase() (typically in beforeEach) to start from an empty database holding
// only the default policy.
//
//   import { beforeEach } from 'vitest';
//   import { resetDatabase, testDatabase } from '../support/db.ts';
//   const database = await testDatabase();
//   beforeEach(() => resetDatabase(database));

import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { openPglite, openPostgres, type Database, type Db } from '../../src/db/client.ts';
import { ensureDefaultPolicy } from '../../src/policy/store.ts';
import { WORKER_DB_PREFIX, withDatabase } from './context.ts';

export type TestDb = 'pglite' | 'postgres';

/** Which database this worker tests against (set per vitest project). */
export function testDb(): TestDb {
  const kind = process.env.TEST_DB;
  if (kind === 'pglite' || kind === 'postgres') return kind;
  throw new Error(
    `TEST_DB is ${kind === undefined ? 'not set' : `"${kind}"`}: database tests run in the "pglite" and "postgres" ` +
      'vitest projects (npm test, or npx vitest run --project pglite); put them under test/db or test/http.',
  );
}

// Kept on globalThis so that every test file of a worker (the DB projects do not isolate files)
// and any re-evaluation of this module share one database.
const CACHE = Symbol.for('pipegrade.testDatabase');
type Cache = { [CACHE]?: Promise<Database> };

/** This worker's database, created on first call and cached for the life of the worker. */
export function testDatabase(): Promise<Database> {
  const g = globalThis as Cache;
  g[CACHE] ??= openTestDatabase().catch((error: unknown) => {
    delete g[CACHE];
    throw error;
  });
  return g[CACHE];
}

async function openTestDatabase(): Promise<Database> {
  const started = performance.now();
  const database = testDb() === 'pglite' ? await openPgliteWorker() : await openPostgresWorker();
  await ensureDefaultPolicy(database.db);
  if (process.env.PIPEGRADE_TEST_TIMINGS) {
    const ms = (performance.now() - started).toFixed(0);
    console.log(`[${database.driver}] worker ${process.env.VITEST_POOL_ID} database opened in ${ms} ms`);
  }
  return database;
}

async function openPgliteWorker(): Promise<Database> {
  const dump = await readFile(inject('pgliteTemplate'));
  return openPglite({ loadDataDir: new Blob([dump]) });
}

/** Another pool on this worker's PostgreSQL database (e.g. of one connection); PostgreSQL runs only. */
export async function openWorkerPostgres(opts: { max: number }): Promise<Database> {
  const server = inject('postgres');
  return openPostgres(withDatabase(server.adminUrl, `${WORKER_DB_PREFIX}${process.env.VITEST_POOL_ID ?? '1'}`), opts);
}

async function openPostgresWorker(): Promise<Database> {
  const server = inject('postgres');
  const name = `${WORKER_DB_PREFIX}${process.env.VITEST_POOL_ID ?? '1'}`;
  const { default: postgres } = await import('postgres');
  const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  try {
    // WITH (FORCE): a previous worker with this pool id may not have closed its connections yet.
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}" template "${server.template}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return openPostgres(withDatabase(server.adminUrl, name), { max: 5 });
}

/**
 * Empties every table of the public schema (found in the catalog, so new tables are covered;
 * drizzle's migration journal lives in the "drizzle" schema and is kept), restarts identities,
 * then re-inserts the default policy.
 */
export async function resetDatabase(target: Database | Db): Promise<void> {
  const db = 'driver' in target && 'migrate' in target ? target.db : (target as Db);
  await db.execute(sql`do $$
    declare tables text;
    begin
      select string_agg(format('%I.%I', schemaname, tablename), ', ') into tables
        from pg_tables
        where schemaname = 'public' and tablename <> '__drizzle_migrations';
      if tables is not null then
        execute 'truncate table ' || tables || ' restart identity cascade';
      end if;
    end $$`);
  await ensureDefaultPolicy(db);
}
