// Backups of either database, and restoring them (npm run backup / restore):
//   PostgreSQL: pg_dump in its custom format; restored with pg_restore piped into psql, in one
//     transaction that first empties the target, so a failed restore changes nothing.
//   PGlite: its own dump of the data folder (dumpDataDir, a gzipped tar); restored into a new
//     folder that replaces the old one only once it opens.
// The embedded database must not be open elsewhere meanwhile: openPglite's lock refuses then.

import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { openPglite, openPostgres, query, type Db } from '../db/client.ts';

export type Target = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
export type BackupFormat = 'postgres' | 'pglite';

export class BackupError extends Error {
  override name = 'BackupError';
}

// ---------------------------------------------------------------- what is in a database

/** Rows per table of the public schema. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = await query<{ name: string }>(db, sql`select tablename as name from pg_tables where schemaname = 'public' order by tablename`);
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    const [r] = await query<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(name)}`);
    out[name] = Number(r!.n);
  }
  return out;
}

/**
 * Rows that make a database worth keeping: every table but the trigger-kept counters, where the
 * default policy (written at every start) does not count. An empty list: an empty database.
 */
export function dataRows(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .filter(([t, n]) => (t === 'policies' ? n > 1 : t !== 'account_counts' && t !== 'account_touches' && n > 0))
    .map(([t, n]) => `${t} ${n}`);
}

// ---------------------------------------------------------------- PostgreSQL tools

/** pg_dump, pg_restore or psql: in `binDir` if given, else the newest /usr/lib/postgresql/<v>/bin (a newer pg_dump reads older servers), else PATH. */
export function findPgTool(name: 'pg_dump' | 'pg_restore' | 'psql', binDir?: string): string {
  const dirs: string[] = [];
  if (binDir) dirs.push(binDir);
  else {
    const debian = '/usr/lib/postgresql';
    if (existsSync(debian)) for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) dirs.push(join(debian, v, 'bin'));
    dirs.push(...(process.env.PATH ?? '').split(':').filter(Boolean));
  }
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  throw new BackupError(`${name} was not found (looked in ${binDir ?? '/usr/lib/postgresql/*/bin and PATH'}). Install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client), or set PIPEGRADE_PG_BIN to their folder.`);
}

/** The URL without its password, which goes in PGPASSWORD instead (not on a command line others can see). */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}), PGCONNECT_TIMEOUT: '10' } };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new BackupError(`${basename(cmd)} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout).trim()}`);
}

// ---------------------------------------------------------------- files

/** What a backup file holds, from its first bytes. */
export function formatOf(file: string): BackupFormat | 'unknown' {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    readSync(fd, head, 0, 5, 0);
    if (head.toString('latin1') === 'PGDMP') return 'postgres';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'pglite';
    return 'unknown';
  } finally {
    closeSync(fd);
  }
}

const partialOf = (file: string) => join(dirname(resolve(file)), `.${basename(file)}.${process.pid}.partial`);

// ---------------------------------------------------------------- backup

export type BackupResult = { format: BackupFormat; file: string; bytes: number; ms: number; rows: Record<string, number> };

/** Writes a backup of `target` to `file` (written whole or not at all). */
export async function backup(target: Target, file: string, opts: { binDir?: string } = {}): Promise<BackupResult> {
  const started = performance.now();
  const partial = partialOf(file);
  try {
    let rows: Record<string, number>;
    if (target.kind === 'postgres') {
      const database = await openPostgres(target.url, { max: 1 });
      try {
        rows = await tableCounts(database.db);
      } finally {
        await database.close();
      }
      const { dbname, env } = connection(target.url);
      // One consistent snapshot, taken while the app keeps running.
      run(findPgTool('pg_dump', opts.binDir), ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${dbname}`], env);
      run(findPgTool('pg_restore', opts.binDir), ['--list', partial], env); // readable as a whole
    } else {
      if (!existsSync(join(target.dataDir, 'PG_VERSION'))) throw new BackupError(`There is no embedded database in ${resolve(target.dataDir)} to back up.`);
      const database = await openPglite({ dataDir: target.dataDir });
      try {
        rows = await tableCounts(database.db);
        const client = (database.db as unknown as { $client: { dumpDataDir(c: 'gzip'): Promise<Blob> } }).$client;
        writeFileSync(partial, Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer()));
      } finally {
        await database.close();
      }
    }
    renameSync(partial, file);
    return { format: target.kind, file: resolve(file), bytes: statSync(file).size, ms: Math.round(performance.now() - started), rows };
  } finally {
    rmSync(partial, { force: true });
  }
}

// ---------------------------------------------------------------- restore

export type RestoreResult = { format: BackupFormat; ms: number; rows: Record<string, number>; replaced: string[]; movedAside?: string };

/**
 * Restores `file` into `target`. Refuses a database that holds data (anything but the default
 * policy) unless `force`; then its contents are replaced whole (PostgreSQL: in the same
 * transaction; PGlite: the old folder is moved aside, not deleted).
 */
export async function restore(target: Target, file: string, opts: { force?: boolean; binDir?: string } = {}): Promise<RestoreResult> {
  const started = performance.now();
  if (!existsSync(file)) throw new BackupError(`${resolve(file)} does not exist.`);
  const format = formatOf(file);
  if (format === 'unknown') throw new BackupError(`${resolve(file)} is not a pipegrade backup (neither a pg_dump custom-format file nor a PGlite data-folder dump).`);
  if (format !== target.kind) {
    throw new BackupError(
      format === 'postgres'
        ? `${basename(file)} is a PostgreSQL backup, but DATABASE_URL is not set (the target is the embedded database). Set DATABASE_URL to restore into PostgreSQL.`
        : `${basename(file)} is a backup of the embedded database (PGlite), but DATABASE_URL is set. Unset it (and set DATA_DIR) to restore into the embedded database.`,
    );
  }
  return target.kind === 'postgres' ? restorePostgres(target.url, file, opts, started) : restorePglite(target.dataDir, file, opts, started);
}

function refuse(where: string, rows: string[]): never {
  throw new BackupError(`${where} is not empty (${rows.join(', ')}): not overwriting it. Restore into an empty database, or add --force to replace everything in it with the backup.`);
}

async function restorePostgres(url: string, file: string, opts: { force?: boolean; binDir?: string }, started: number): Promise<RestoreResult> {
  const database = await openPostgres(url, { max: 1 });
  let before: string[];
  try {
    before = dataRows(await tableCounts(database.db));
  } finally {
    await database.close();
  }
  if (before.length && !opts.force) refuse(`The database ${new URL(url).pathname.slice(1)}`, before);

  const { dbname, env } = connection(url);
  const pgRestore = findPgTool('pg_restore', opts.binDir);
  const psql = findPgTool('psql', opts.binDir);
  // pg_restore writes the whole SQL first (a damaged file fails here, before anything changes);
  // psql then runs it after emptying the schemas, all in one transaction.
  const scratch = mkdtempSync(join(tmpdir(), 'pipegrade-restore-'));
  try {
    const script = join(scratch, 'restore.sql');
    try {
      run(pgRestore, ['--no-owner', '--no-privileges', `--file=${script}`, file], env);
    } catch (err) {
      throw new BackupError(`Restore failed; the database was left as it was. ${(err as Error).message}`);
    }
    try {
      run(psql, ['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1', `--dbname=${dbname}`, '-c', 'set client_min_messages = warning; drop schema if exists drizzle cascade; drop schema if exists public cascade; create schema public;', '-f', script], env);
    } catch (err) {
      throw new BackupError(`Restore failed; the database was left as it was (rolled back). ${(err as Error).message}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const after = await openPostgres(url, { max: 1 });
  try {
    return { format: 'postgres', ms: Math.round(performance.now() - started), rows: await tableCounts(after.db), replaced: before };
  } finally {
    await after.close();
  }
}

async function restorePglite(dataDir: string, file: string, opts: { force?: boolean }, started: number): Promise<RestoreResult> {
  const dir = resolve(dataDir);
  let before: string[] = [];
  const exists = existsSync(join(dir, 'PG_VERSION'));
  if (exists) {
    // Also refuses (DataDirInUse) while the app has it open.
    const current = await openPglite({ dataDir: dir });
    try {
      before = dataRows(await tableCounts(current.db));
    } finally {
      await current.close();
    }
    if (before.length && !opts.force) refuse(`The embedded database in ${dir}`, before);
  } else if (existsSync(dir) && readdirSync(dir).length) {
    throw new BackupError(`${dir} is not an embedded database but is not empty either: choose an empty or new folder for DATA_DIR.`);
  }

  // Unpacked next to it and opened once, so a bad file never replaces a working folder.
  const fresh = `${dir}.restoring-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  let rows: Record<string, number>;
  try {
    const restored = await openPglite({ dataDir: fresh, loadDataDir: new Blob([readFileSync(file)]) });
    try {
      rows = await tableCounts(restored.db);
    } finally {
      await restored.close();
    }
    rmSync(join(fresh, 'pipegrade.lock'), { force: true }); // the backing-up process's lock, if the dump holds it
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err instanceof BackupError ? err : new BackupError(`${basename(file)} could not be opened as an embedded database; nothing was changed: ${(err as Error).message}`);
  }

  let movedAside: string | undefined;
  if (existsSync(dir)) {
    if (before.length) {
      movedAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dir, movedAside);
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  renameSync(fresh, dir);
  return { format: 'pglite', ms: Math.round(performance.now() - started), rows, replaced: before, ...(movedAside ? { movedAside } : {}) };
}
