import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { backup, BackupError, formatOf, restore, type Target } from '../../src/backup/backup.ts';
import { openPglite, openPostgres, query, type Database } from '../../src/db/client.ts';
import { ensureDefaultPolicy } from '../../src/policy/store.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { withDatabase } from '../support/context.ts';
import { testDb } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// A round trip on the database of this project: backup → restore into a fresh database → the
// same rows in every table; restore refuses a database with data unless --force. The scripts are
// run as `npm run backup/restore` runs them (tsx), with the environment the app would have.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'pipegrade-backup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every public table's rows, hashed in a stable order: equal hashes, equal rows. */
async function fingerprint(database: Database): Promise<Record<string, string>> {
  const tables = await query<{ name: string }>(database.db, sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [r] = await query<{ n: number; h: string }>(
      database.db,
      sql`select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\n' order by x::text), '')) as h from ${sql.identifier(name)} x`,
    );
    out[name] = `${r!.n}:${r!.h}`;
  }
  return out;
}

/** Some of everything: people, prospects graded through the app's actions, signals, grade changes, audit rows. */
async function seed(database: Database) {
  const db = database.db;
  await ensureDefaultPolicy(db);
  await ensureUser(db, PEOPLE.manager);
  await ensureUser(db, PEOPLE.rep);
  for (let i = 0; i < 5; i++) {
    const p = await insertProspect(db, { name: `Backup ${i}`, domain: `backup-${i}.example.com`, need: i % 2 ? 'high' : 'low' });
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    await insertSignal(db, p.id, { type: 'call', date: '2026-06-20', note: `note ${i} with "quotes", a tab\tand ünïcode` });
  }
}

function script(name: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', `${name}.ts`), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const counts = async (database: Database) => Object.fromEntries((await query<{ t: string; n: number }>(database.db, sql`select 'accounts' as t, count(*)::int as n from accounts union all select 'signals', count(*)::int from signals`)).map((r) => [r.t, r.n]));

describe.runIf(testDb() === 'pglite')('backup and restore of the embedded database', () => {
  const source = join(work, 'source');
  const file = join(work, 'embedded.backup');
  let before: Record<string, string>;

  beforeAll(async () => {
    // The migrated template of this run, unpacked to a folder: quicker than a new PGlite database.
    const database = await openPglite({ dataDir: source, loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) });
    try {
      await seed(database);
      before = await fingerprint(database);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('npm run backup writes a PGlite dump; restoring it into a new folder gives the same rows', async () => {
    const b = script('backup', [file], { DATA_DIR: source });
    expect(b.out).toContain('Backed up the embedded database');
    expect(b.code).toBe(0);
    expect(formatOf(file)).toBe('pglite');

    const target = join(work, 'fresh');
    const r = script('restore', [file], { DATA_DIR: target });
    expect(r.out).toContain('Restored');
    expect(r.code).toBe(0);
    const restored = await openPglite({ dataDir: target });
    try {
      expect(await fingerprint(restored)).toEqual(before);
      expect(await counts(restored)).toEqual({ accounts: 5, signals: 10 });
      // Sequences came along: a new account does not collide with a restored id.
      const p = await insertProspect(restored.db, { name: 'After restore', domain: 'after-restore.example.com' });
      expect(p.id).toBe(6);
    } finally {
      await restored.close();
    }
  }, 120_000);

  it('restore refuses a folder with data unless --force, and then moves the old folder aside', async () => {
    const target: Target = { kind: 'pglite', dataDir: join(work, 'fresh') }; // has 6 accounts now
    await expect(restore(target, file)).rejects.toThrow(/is not empty \(.*accounts 6.*\).*--force/);
    const forced = await restore(target, file, { force: true });
    expect(forced.replaced).toContain('accounts 6');
    expect(forced.movedAside && existsSync(forced.movedAside)).toBeTruthy();
    const restored = await openPglite({ dataDir: target.dataDir });
    try {
      expect(await fingerprint(restored)).toEqual(before);
    } finally {
      await restored.close();
    }
  }, 120_000);

  it('neither backs up nor restores a folder the app has open', async () => {
    const open = await openPglite({ dataDir: source });
    try {
      await expect(backup({ kind: 'pglite', dataDir: source }, join(work, 'busy.backup'))).rejects.toThrow(/in use by process \d+/);
      await expect(restore({ kind: 'pglite', dataDir: source }, file, { force: true })).rejects.toThrow(/in use by process/);
      expect(existsSync(join(work, 'busy.backup'))).toBe(false);
    } finally {
      await open.close();
    }
  }, 60_000);

  it('a file that is no backup, or one of the other database, is refused before anything changes', async () => {
    const junk = join(work, 'junk.backup');
    writeFileSync(junk, 'hello');
    await expect(restore({ kind: 'pglite', dataDir: join(work, 'never') }, junk)).rejects.toThrow(BackupError);
    await expect(restore({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:9/none' }, file)).rejects.toThrow(/backup of the embedded database.*DATABASE_URL is set/);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });
});

describe.runIf(testDb() === 'postgres')('backup and restore of PostgreSQL', () => {
  const server = testDb() === 'postgres' ? inject('postgres') : undefined;
  const suffix = `${process.env.VITEST_POOL_ID ?? '1'}_${process.pid}`;
  const names = { source: `pipegrade_bk_src_${suffix}`, target: `pipegrade_bk_dst_${suffix}` };
  const url = (name: string) => withDatabase(server!.adminUrl, name);
  const file = join(work, 'postgres.backup');
  let before: Record<string, string>;

  async function admin(statements: string[]) {
    const { default: postgres } = await import('postgres');
    const s = postgres(server!.adminUrl, { max: 1, onnotice: () => {} });
    try {
      for (const st of statements) await s.unsafe(st);
    } finally {
      await s.end({ timeout: 5 });
    }
  }

  beforeAll(async () => {
    await admin([`drop database if exists ${names.source} with (force)`, `create database ${names.source} template ${server!.template}`]);
    const database = await openPostgres(url(names.source), { max: 2 });
    try {
      await seed(database);
      before = await fingerprint(database);
    } finally {
      await database.close();
    }
  }, 60_000);
  afterAll(() => admin(Object.values(names).map((n) => `drop database if exists ${n} with (force)`)));

  it('npm run backup writes a pg_dump custom-format file; restoring it into a new database gives the same rows', async () => {
    const b = script('backup', [file], { DATABASE_URL: url(names.source) });
    expect(b.out).toContain('Backed up PostgreSQL');
    expect(b.code).toBe(0);
    expect(formatOf(file)).toBe('postgres');

    await admin([`drop database if exists ${names.target} with (force)`, `create database ${names.target}`]);
    const r = script('restore', [file], { DATABASE_URL: url(names.target) });
    expect(r.out).toContain('Restored');
    expect(r.code).toBe(0);
    const restored = await openPostgres(url(names.target), { max: 2 });
    try {
      expect(await fingerprint(restored)).toEqual(before);
      expect(await counts(restored)).toEqual({ accounts: 5, signals: 10 });
      const p = await insertProspect(restored.db, { name: 'After restore', domain: 'after-restore.example.com' });
      expect(p.id).toBe(6);
    } finally {
      await restored.close();
    }
  }, 120_000);

  it('restore refuses a database with data unless --force, then replaces it whole', async () => {
    const target: Target = { kind: 'postgres', url: url(names.target) }; // 6 accounts and the migrations
    const refused = script('restore', [file], { DATABASE_URL: target.url });
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is not empty \(.*accounts 6.*\).*--force/);
    const forced = await restore(target, file, { force: true });
    expect(forced.replaced).toContain('accounts 6');
    const restored = await openPostgres(target.url, { max: 1 });
    try {
      expect(await fingerprint(restored)).toEqual(before);
      // The migrations journal came with it: the app's start applies nothing twice.
      await restored.migrate();
    } finally {
      await restored.close();
    }
  }, 120_000);

  it('a failed restore leaves the database as it was', async () => {
    const target: Target = { kind: 'postgres', url: url(names.target) };
    const broken = join(work, 'broken.backup');
    const whole = readFileSync(file);
    writeFileSync(broken, whole.subarray(0, Math.floor(whole.length * 0.6))); // a cut-off copy
    await expect(restore(target, broken, { force: true })).rejects.toThrow(/left as it was/);
    const still = await openPostgres(target.url, { max: 1 });
    try {
      expect(await fingerprint(still)).toEqual(before);
    } finally {
      await still.close();
    }
  }, 120_000);

  it('a PostgreSQL backup is refused by the embedded database', async () => {
    await expect(restore({ kind: 'pglite', dataDir: join(work, 'never') }, file)).rejects.toThrow(/PostgreSQL backup, but DATABASE_URL is not set/);
  });
});
