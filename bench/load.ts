// Builds (or reuses) the benchmark databases: a PostgreSQL database "pipegrade" in the bench
// cluster and a PGlite data folder, each migrated by the app's own migrations, filled by COPY
// with generated prospects graded as of DATA_AS_OF, indexed, vacuumed and analysed.
//
// Bulk load: migrate, drop the secondary indexes and foreign keys of the three big tables (their
// definitions are read from the catalog, so they are exactly what the migrations made), disable
// their user triggers (the account_counts triggers: an AFTER ... FOR EACH STATEMENT trigger
// would hold the whole COPY's rows in a transition table), COPY, re-enable the triggers and fill
// the tables they maintain with the migrations' own backfill statements, then re-create the
// indexes and keys and VACUUM ANALYZE. A JSON file beside the data records how long it took;
// when it matches the generator version and size, the data are reused: migrations added since
// are applied on top (their backfills run on the existing rows), followed by ANALYZE, and the
// record notes it. Either way the trigger-kept counters are checked against the rows.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import postgres from 'postgres';
import { sql as dsql } from 'drizzle-orm';
import { migrationsFolder, openPglite, openPostgres, query, type Database } from '../src/db/client.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { ACCOUNT_COLUMNS, CHANGE_COLUMNS, SIGNAL_COLUMNS, accountLine, changeLines, generator, signalLines } from './datagen.ts';
import { DATA_AS_OF, GENERATOR_VERSION, OUT } from './config.ts';
import { LOAD_SETTINGS, MEASURE_SETTINGS, type PgCluster } from './pg-cluster.ts';
import { log } from './stats.ts';

export const PG_DATABASE = 'pipegrade';
const SEED = 20260331;
const BIG_TABLES = ['accounts', 'signals', 'grade_changes'];

export type LoadInfo = {
  generatorVersion: number;
  accounts: number;
  prospects: number;
  openProspects: number;
  signals: number;
  gradeChanges: number;
  dataAsOf: string;
  generatedAt: string;
  /** Seconds: generating + COPY, index and FK re-creation, VACUUM ANALYZE, total. */
  copySeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
  indexTimes: Record<string, number>;
  sizes: Record<string, string>;
  settingsNote: string;
  /** Migrations added after generation and applied to the cached data when reused (latest first). */
  migratedOnReuse?: { at: string; tags: string[]; seconds: number; analyzeSeconds: number }[];
};

export type Exec = (statement: string) => Promise<Record<string, unknown>[]>;

const secondsSince = (t: number) => Math.round((performance.now() - t) / 100) / 10;

// ---------------------------------------------------------------- migrations, triggers, counters

type Migration = { tag: string; when: number; statements: string[] };

/** The app's migrations in journal order, each split into its statements (comment lines dropped). */
export function migrations(): Migration[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  return journal.entries.map((e) => ({
    tag: e.tag,
    when: e.when,
    statements: readFileSync(join(migrationsFolder, `${e.tag}.sql`), 'utf8')
      .split('--> statement-breakpoint')
      .map((st) => st.split('\n').filter((l) => !/^\s*--/.test(l)).join('\n').trim())
      .filter(Boolean),
  }));
}

const insertTarget = (statement: string) => /^\s*insert\s+into\s+(?:\w+\.)?"?(\w+)"?/i.exec(statement)?.[1];

type Trigger = { tbl: string; name: string; maintains: string[] };
type Backfill = { table: string; statement: string; from: string };

/**
 * The user triggers on the big tables and the tables they write to (read from their function
 * bodies), with each such table's backfill: the last migration statement that inserts into it
 * from a big table (for account_counts, the INSERT ... SELECT at the end of 0004). Triggers whose
 * tables have no backfill are left enabled during the load, so the counters are right either way.
 */
export async function triggersAndBackfills(exec: Exec): Promise<{ disable: string[]; keep: Trigger[]; backfills: Backfill[] }> {
  const list = `(${BIG_TABLES.map((t) => `'${t}'`).join(',')})`;
  const rows = (await exec(`
    select t.tgrelid::regclass::text as tbl, t.tgname as name, pg_get_functiondef(t.tgfoid) as body
    from pg_trigger t where not t.tgisinternal and t.tgrelid::regclass::text in ${list}`)) as { tbl: string; name: string; body: string }[];
  const triggers: Trigger[] = rows.map((r) => ({
    tbl: r.tbl,
    name: r.name,
    maintains: [...new Set([...r.body.matchAll(/insert\s+into\s+(?:\w+\.)?"?(\w+)"?/gi)].map((m) => m[1]!))],
  }));
  const found = new Map<string, Backfill>();
  for (const m of migrations()) {
    for (const st of m.statements) {
      const table = insertTarget(st);
      if (table && !BIG_TABLES.includes(table) && BIG_TABLES.some((b) => new RegExp(`\\bfrom\\s+"?${b}"?\\b`, 'i').test(st))) found.set(table, { table, statement: st, from: m.tag });
    }
  }
  const covered = (t: Trigger) => t.maintains.every((table) => found.has(table));
  const disable = [...new Set(triggers.map((t) => t.tbl))].filter((tbl) => triggers.filter((t) => t.tbl === tbl).every(covered));
  const keep = triggers.filter((t) => !disable.includes(t.tbl));
  const needed = new Set(triggers.filter((t) => disable.includes(t.tbl)).flatMap((t) => t.maintains));
  return { disable, keep, backfills: [...found.values()].filter((b) => needed.has(b.table)) };
}

/** Empties each maintained table and runs its backfill; seconds per table. */
export async function runBackfills(exec: Exec, backfills: Backfill[], times: Record<string, number>): Promise<void> {
  for (const b of backfills) {
    const t = performance.now();
    await exec(`truncate ${b.table}`);
    await exec(b.statement);
    times[`${b.table} backfill (${b.from})`] = secondsSince(t);
    log(`  ${b.table} filled by the backfill of ${b.from} in ${secondsSince(t)} s`);
  }
}

/** Fails unless the trigger-kept counts per (kind, status, grade) agree with the accounts themselves. */
export async function checkCounts(exec: Exec, where: string): Promise<void> {
  const [has] = (await exec(`select to_regclass('account_counts') is not null as ok`)) as { ok: boolean }[];
  if (!has?.ok) return;
  const diff = (await exec(`
    select coalesce(a.kind, c.kind) as kind, coalesce(a.status, c.status) as status, coalesce(a.grade, c.grade) as grade, a.n as rows, c.n as counted
    from (select kind, status, coalesce(grade, '') as grade, count(*)::bigint as n from accounts group by 1, 2, 3) a
    full join (select kind, status, grade, sum(n)::bigint as n from account_counts where flag = '' group by 1, 2, 3) c
      using (kind, status, grade)
    where coalesce(a.n, 0) <> coalesce(c.n, 0)`)) as Record<string, unknown>[];
  const [tot] = (await exec(`select (select count(*) from accounts)::bigint as rows, (select coalesce(sum(n), 0) from account_counts where flag = '')::bigint as counted`)) as { rows: string; counted: string }[];
  if (diff.length || String(tot!.rows) !== String(tot!.counted)) {
    throw new Error(`${where}: account_counts does not match accounts (${tot!.counted} counted, ${tot!.rows} rows): ${JSON.stringify(diff.slice(0, 10))}`);
  }
  log(`  ${where}: account_counts agrees with accounts (${Number(tot!.rows).toLocaleString('en-US')} rows)`);
}

/**
 * Reuse: applies the migrations the cached data do not have yet, then ANALYZE (a new expression
 * index has no statistics until then) and the counters check; notes it in the record.
 */
async function migrateCached(database: Database, info: LoadInfo, infoFile: string, where: string): Promise<LoadInfo> {
  const exec: Exec = (q) => query<Record<string, unknown>>(database.db, dsql.raw(q));
  const appliedBefore = async () => {
    const [r] = (await exec(`select coalesce(max(created_at), 0)::text as last from drizzle.__drizzle_migrations`).catch(() => [{ last: '0' }])) as { last: string }[];
    return Number(r!.last);
  };
  const last = await appliedBefore();
  const pending = migrations().filter((m) => m.when > last).map((m) => m.tag);
  let out = info;
  if (pending.length) {
    log(`${where}: applying ${pending.length} new migration(s) to the cached data: ${pending.join(', ')}`);
    const t = performance.now();
    await database.migrate();
    const seconds = secondsSince(t);
    const a = performance.now();
    await exec('analyze');
    const analyzeSeconds = secondsSince(a);
    log(`  migrated in ${seconds} s, analyzed in ${analyzeSeconds} s`);
    const sizes = await sizesOf(exec);
    // Index builds of indexes a migration has since dropped are left out of the record.
    const now = await indexNames(exec);
    const indexTimes = Object.fromEntries(Object.entries(info.indexTimes).filter(([k]) => /\s/.test(k) || now.has(k)));
    out = { ...info, sizes, indexTimes, migratedOnReuse: [{ at: new Date().toISOString(), tags: pending, seconds, analyzeSeconds }, ...(info.migratedOnReuse ?? [])] };
    writeFileSync(infoFile, JSON.stringify(out, null, 2));
  } else {
    await database.migrate();
  }
  await checkCounts(exec, where);
  return out;
}

export async function sizesOf(exec: Exec): Promise<Record<string, string>> {
  const sizes: Record<string, string> = {};
  for (const r of (await exec(`select relname, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class where relname in ('accounts','signals','grade_changes') and relkind = 'r' order by relname`)) as { relname: string; size: string }[]) sizes[r.relname] = r.size;
  const [db] = (await exec(`select pg_size_pretty(pg_database_size(current_database())) as size`)) as { size: string }[];
  sizes.database = db!.size;
  return sizes;
}

/** Current index names of the big tables (to leave dropped ones out of the generation record). */
async function indexNames(exec: Exec): Promise<Set<string>> {
  const rows = (await exec(`select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid where t.relname in (${BIG_TABLES.map((t) => `'${t}'`).join(',')})`)) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

async function secondaryObjects(exec: Exec) {
  const list = `(${BIG_TABLES.map((t) => `'${t}'`).join(',')})`;
  const indexes = (await exec(`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
    where t.relname in ${list} and not i.indisprimary
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
    order by pg_relation_size(i.indrelid) desc, c.relname`)) as { name: string; def: string }[];
  const fks = (await exec(`
    select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
    from pg_constraint where contype = 'f' and conrelid::regclass::text in ${list}`)) as { tbl: string; name: string; def: string }[];
  return { indexes, fks };
}

/** Generates `n` accounts and hands COPY text to `write` every `every` accounts. */
async function generate(n: number, every: number, write: (a: string, s: string, c: string) => Promise<void>) {
  const policy = defaultPolicy();
  const gen = generator({ seed: SEED, asOf: DATA_AS_OF, policy });
  let a = '', s = '', c = '';
  let signals = 0, changes = 0, prospects = 0, open = 0;
  const started = performance.now();
  for (let i = 1; i <= n; i++) {
    const acct = gen.next();
    signals += acct.signals.length;
    changes += acct.changes.length;
    if (acct.kind === 'prospect') {
      prospects++;
      if (acct.status === 'open') open++;
    }
    a += accountLine(acct, DATA_AS_OF, 1);
    s += signalLines(acct);
    if (acct.changes.length) c += changeLines(acct, 1);
    if (i % every === 0 || i === n) {
      await write(a, s, c);
      a = s = c = '';
    }
    if (i % 100_000 === 0) log(`  generated ${i.toLocaleString('en-US')} accounts (${secondsSince(started)} s)`);
  }
  return { signals, changes, prospects, open };
}

function readInfo(file: string, accounts: number): LoadInfo | null {
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LoadInfo;
    return info.generatorVersion === GENERATOR_VERSION && info.accounts === accounts ? info : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** The PostgreSQL bench database at this size, generating it when the cache does not match. */
export async function ensurePgData(cluster: PgCluster, accounts: number, opts: { regen?: boolean } = {}): Promise<LoadInfo> {
  const infoFile = `${cluster.dir}.json`;
  const cached = !opts.regen && cluster.existed ? readInfo(infoFile, accounts) : null;
  if (cached) {
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    const [exists] = await admin`select 1 from pg_database where datname = ${PG_DATABASE}`;
    await admin.end();
    if (exists) {
      log(`PostgreSQL: reusing the generated database (${accounts.toLocaleString('en-US')} accounts, generated ${cached.generatedAt} in ${cached.totalSeconds} s)`);
      const database = await openPostgres(cluster.url(PG_DATABASE), { max: 1 });
      try {
        return await migrateCached(database, cached, infoFile, 'PostgreSQL');
      } finally {
        await database.close();
      }
    }
  }
  rmSync(infoFile, { force: true });
  log(`PostgreSQL: generating ${accounts.toLocaleString('en-US')} accounts (bulk-load settings: fsync off, wal_level minimal)`);
  await cluster.restart(LOAD_SETTINGS);
  const started = performance.now();
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${PG_DATABASE} with (force)`);
  await admin.unsafe(`create database ${PG_DATABASE}`);
  await admin.end();

  const database = await openPostgres(cluster.url(PG_DATABASE), { max: 1 });
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  await database.close();

  const sql = postgres(cluster.url(PG_DATABASE), { max: 4, onnotice: () => {}, idle_timeout: 0 });
  try {
    const exec: Exec = (q) => sql.unsafe(q) as unknown as Promise<Record<string, unknown>[]>;
    const { indexes, fks } = await secondaryObjects(exec);
    for (const fk of fks) await exec(`alter table ${fk.tbl} drop constraint ${fk.name}`);
    for (const ix of indexes) await exec(`drop index ${ix.name}`);
    const triggers = await triggersAndBackfills(exec);
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} disable trigger user`);
    if (triggers.keep.length) log(`  triggers left on during COPY (no backfill found for what they maintain): ${triggers.keep.map((t) => t.name).join(', ')}`);

    const copyStarted = performance.now();
    const open = async (table: string, cols: readonly string[]) => {
      const w = (await sql.unsafe(`copy ${table} (${cols.join(', ')}) from stdin`).writable()) as Writable;
      const done = finished(w);
      done.catch(() => {}); // observed by put() and at the end
      return { w, done };
    };
    const wa = await open('accounts', ACCOUNT_COLUMNS);
    const ws = await open('signals', SIGNAL_COLUMNS);
    const wc = await open('grade_changes', CHANGE_COLUMNS);
    const put = async (x: { w: Writable; done: Promise<void> }, chunk: string) => {
      // `done` rejects if the stream fails, so a failed COPY cannot leave us waiting for 'drain'.
      if (chunk && !x.w.write(chunk)) await Promise.race([once(x.w, 'drain'), x.done]);
    };
    const counts = await generate(accounts, 1000, async (a, s, c) => {
      await Promise.all([put(wa, a), put(ws, s), put(wc, c)]);
    });
    for (const x of [wa, ws, wc]) x.w.end();
    await Promise.all([wa.done, ws.done, wc.done]);
    await exec(`select setval('accounts_id_seq', (select max(id) from accounts))`);
    const copySeconds = secondsSince(copyStarted);
    log(`  COPY done in ${copySeconds} s; re-creating ${indexes.length} indexes and ${fks.length} foreign keys`);

    const indexStarted = performance.now();
    const indexTimes: Record<string, number> = {};
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} enable trigger user`);
    await runBackfills(exec, triggers.backfills, indexTimes);
    // Two at a time: the machine has two cores and GIN builds are single-threaded.
    const queue = [...indexes];
    await Promise.all(
      [0, 1].map(async () => {
        for (let ix = queue.shift(); ix; ix = queue.shift()) {
          const t = performance.now();
          await sql.begin(async (tx) => {
            await tx.unsafe(`set local maintenance_work_mem = '512MB'`);
            await tx.unsafe(ix.def);
          });
          indexTimes[ix.name] = secondsSince(t);
          log(`  ${ix.name}: ${indexTimes[ix.name]} s`);
        }
      }),
    );
    for (const fk of fks) {
      const t = performance.now();
      await exec(`alter table ${fk.tbl} add constraint ${fk.name} ${fk.def}`);
      indexTimes[`${fk.name} (foreign key check)`] = secondsSince(t);
    }
    const indexSeconds = secondsSince(indexStarted);
    const vacuumStarted = performance.now();
    await exec('vacuum analyze');
    await exec('checkpoint');
    const vacuumSeconds = secondsSince(vacuumStarted);
    const sizes = await sizesOf(exec);
    await checkCounts(exec, 'PostgreSQL');

    const info: LoadInfo = {
      generatorVersion: GENERATOR_VERSION,
      accounts,
      prospects: counts.prospects,
      openProspects: counts.open,
      signals: counts.signals,
      gradeChanges: counts.changes,
      dataAsOf: DATA_AS_OF,
      generatedAt: new Date().toISOString(),
      copySeconds,
      indexSeconds,
      vacuumSeconds,
      totalSeconds: secondsSince(started),
      indexTimes,
      sizes,
      settingsNote: 'generated with fsync=off, synchronous_commit=off, full_page_writes=off, wal_level=minimal, autovacuum=off; measured with fsync on',
    };
    writeFileSync(infoFile, JSON.stringify(info, null, 2));
    log(`PostgreSQL: generated in ${info.totalSeconds} s (COPY ${copySeconds} s, indexes ${indexSeconds} s, vacuum ${vacuumSeconds} s), database ${sizes.database}`);
    return info;
  } finally {
    await sql.end({ timeout: 5 });
    await cluster.restart(MEASURE_SETTINGS);
  }
}

// ---------------------------------------------------------------- PGlite

export function pgliteDir(scaleName: string): string {
  return join(OUT, `pglite-${scaleName}`);
}

/** The PGlite data folder at this size (bench/.out/pglite-<scale>/data), generating it when needed. */
export async function ensurePgliteData(scaleName: string, accounts: number, opts: { regen?: boolean } = {}): Promise<LoadInfo & { dataDir: string }> {
  const dir = pgliteDir(scaleName);
  const dataDir = join(dir, 'data');
  const infoFile = `${dir}.json`;
  const cached = !opts.regen && existsSync(join(dataDir, 'PG_VERSION')) ? readInfo(infoFile, accounts) : null;
  if (cached) {
    log(`PGlite: reusing the generated data folder (${accounts.toLocaleString('en-US')} accounts, generated in ${cached.totalSeconds} s)`);
    const database = await openPglite({ dataDir });
    try {
      return { ...(await migrateCached(database, cached, infoFile, 'PGlite')), dataDir };
    } finally {
      await database.close();
    }
  }
  rmSync(infoFile, { force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`PGlite: generating ${accounts.toLocaleString('en-US')} accounts in ${dataDir}`);
  const started = performance.now();

  // Our own PGlite handle (the app's openPglite gives only the drizzle wrapper) for COPY from a blob.
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const { migrationsFolder } = await import('../src/db/client.ts');
  const client = await PGlite.create({ dataDir, extensions: { pg_trgm } });
  try {
    const db = drizzle(client);
    await migrate(db, { migrationsFolder });
    await ensureDefaultPolicy(db as never);
    const exec: Exec = async (q) => (await client.query<Record<string, unknown>>(q)).rows;
    const { indexes, fks } = await secondaryObjects(exec);
    for (const fk of fks) await exec(`alter table ${fk.tbl} drop constraint ${fk.name}`);
    for (const ix of indexes) await exec(`drop index ${ix.name}`);
    const triggers = await triggersAndBackfills(exec);
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} disable trigger user`);
    if (triggers.keep.length) log(`  triggers left on during COPY (no backfill found for what they maintain): ${triggers.keep.map((t) => t.name).join(', ')}`);

    const copyStarted = performance.now();
    const copy = async (table: string, cols: readonly string[], text: string) => {
      if (text) await client.query(`copy ${table} (${cols.join(', ')}) from '/dev/blob'`, [], { blob: new Blob([text]) });
    };
    const counts = await generate(accounts, 10_000, async (a, s, c) => {
      await copy('accounts', ACCOUNT_COLUMNS, a);
      await copy('signals', SIGNAL_COLUMNS, s);
      await copy('grade_changes', CHANGE_COLUMNS, c);
    });
    await exec(`select setval('accounts_id_seq', (select max(id) from accounts))`);
    const copySeconds = secondsSince(copyStarted);

    const indexStarted = performance.now();
    const indexTimes: Record<string, number> = {};
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} enable trigger user`);
    await runBackfills(exec, triggers.backfills, indexTimes);
    await exec(`set maintenance_work_mem = '256MB'`);
    for (const ix of indexes) {
      const t = performance.now();
      await exec(ix.def);
      indexTimes[ix.name] = secondsSince(t);
    }
    for (const fk of fks) {
      const t = performance.now();
      await exec(`alter table ${fk.tbl} add constraint ${fk.name} ${fk.def}`);
      indexTimes[`${fk.name} (foreign key check)`] = secondsSince(t);
    }
    const indexSeconds = secondsSince(indexStarted);
    const vacuumStarted = performance.now();
    await exec('vacuum analyze');
    await exec('checkpoint');
    const vacuumSeconds = secondsSince(vacuumStarted);
    const sizes = await sizesOf(exec);
    await checkCounts(exec, 'PGlite');
    const info: LoadInfo = {
      generatorVersion: GENERATOR_VERSION,
      accounts,
      prospects: counts.prospects,
      openProspects: counts.open,
      signals: counts.signals,
      gradeChanges: counts.changes,
      dataAsOf: DATA_AS_OF,
      generatedAt: new Date().toISOString(),
      copySeconds,
      indexSeconds,
      vacuumSeconds,
      totalSeconds: secondsSince(started),
      indexTimes,
      sizes,
      settingsNote: 'PGlite defaults',
    };
    writeFileSync(infoFile, JSON.stringify(info, null, 2));
    log(`PGlite: generated in ${info.totalSeconds} s (COPY ${copySeconds} s, indexes ${indexSeconds} s), database ${sizes.database}`);
    return { ...info, dataDir };
  } finally {
    await client.close();
  }
}
