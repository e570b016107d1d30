import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** Either driver's database (or a transaction on it): queries take this as their first argument. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Runs migrations from drizzle/ (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

// postgres.js 3.4.9 (the latest) has a bug that bites exactly when PostgreSQL goes away: a write
// it deferred with setImmediate can run after the connection closed (an uncaught TypeError on a
// null socket: the process dies), and a connection that closed with a deferred write pending
// keeps a stale timer, so it never sends anything again (the pool stays broken after the server
// is back). Upstream: porsager/postgres issues 1154 and 1208. Until a release fixes it, its
// connection module is patched as it loads: a write without a socket is dropped and the deferred
// write is reset when the connection closes. test/http/crash-postgres.test.ts fails without it.
// Also, a COPY FROM STDIN that the server refuses part way (a constraint, a trigger) never ends:
// the error reaches neither the query nor the stream once it is finishing, so the stream's final
// callback is given the error (test/http/import.test.ts, "a dry run that fails during the upload").
// And its sockets keep Nagle's algorithm on: the few bytes that end a COPY wait for the server's
// delayed acknowledgement of the data before them (40 ms a COPY on Linux), so they are sent at once.
const POSTGRES_JS_PATCH = `
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!/[\\/]postgres[\\/]src[\\/]connection\\.js$/.test(url) || result.source == null) return result;
  const text = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
  const guarded = text.replace('const x = socket.write(chunk, fn)', 'if (!socket) { nextWriteTimer !== null && clearImmediate(nextWriteTimer); chunk = nextWriteTimer = null; return false }\\n    const x = socket.write(chunk, fn)');
  const reset = guarded.replaceAll('clearImmediate(nextWriteTimer)\\n', 'clearImmediate(nextWriteTimer), chunk = nextWriteTimer = null\\n');
  const copied = reset.replace('stream && (stream.destroy(err), stream = null)', 'stream && (stream.destroy(err), stream = null)\\n    final && (final(err), final = null)');
  const source = copied.replace("socket.on('data', data)\\n", "socket.on('data', data)\\n      socket.setNoDelay && socket.setNoDelay(true)\\n");
  // Markers for the tests: the changes applied (a new postgres.js may no longer need them).
  const marker = (guarded !== text && reset !== guarded ? '\\nglobalThis.__pipegradePostgresJsPatched = true;\\n' : '') + (copied !== reset ? '\\nglobalThis.__pipegradePostgresJsCopyPatched = true;\\n' : '') + (source !== copied ? '\\nglobalThis.__pipegradePostgresJsNoDelayPatched = true;\\n' : '');
  return { ...result, source: source + marker };
}`;
let patched = false;
function patchPostgresJs(): void {
  if (patched || typeof register !== 'function') return;
  patched = true;
  register(`data:text/javascript,${encodeURIComponent(POSTGRES_JS_PATCH)}`);
}
patchPostgresJs(); // before anything imports postgres (this module imports it lazily)

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
    // Fail fast during an outage instead of queueing requests forever.
    idle_timeout: 30,
    // Wait at most a second before retrying a refused connection. The default backoff grows to
    // 10–20 s after a few failures (its count is shared by the whole pool), so in a long outage
    // each request would wait that long for its 503.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    migrate: () => migrate(db as never, { migrationsFolder }),
    close: () => client.end({ timeout: 5 }),
  };
}

export type PgliteOptions = { dataDir?: string; loadDataDir?: Blob | File };

export async function openPglite(opts: PgliteOptions = {}): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const unlock = opts.dataDir ? lockDataDir(opts.dataDir) : () => {};
  let client;
  try {
    client = await PGlite.create({
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      extensions: { pg_trgm },
    });
  } catch (err) {
    unlock();
    throw err;
  }
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    migrate: () => migrate(db as never, { migrationsFolder }),
    close: () => client.close().finally(unlock),
  };
}

export class DataDirInUse extends Error {
  override name = 'DataDirInUse';
}

const LOCK_FILE = 'pipegrade.lock';
const heldLocks = new Set<string>();

/**
 * PGlite does not stop a second process from opening the same folder, and two would corrupt it:
 * a lock file naming the holding process does. A lock whose process is gone (killed, crashed) is
 * taken over. Returns the function that releases it.
 */
function lockDataDir(dir: string): () => void {
  const file = join(resolve(dir), LOCK_FILE);
  const me = `${process.pid}\n${hostname()}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      heldLocks.add(file);
      return () => {
        if (heldLocks.delete(file)) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const [pid, host] = readFileSync(file, 'utf8').split('\n');
    const holder = Number(pid);
    const mine = holder === process.pid && heldLocks.has(file);
    if (mine || (host === hostname() && Number.isInteger(holder) && holder > 0 && processAlive(holder) && holder !== process.pid)) {
      throw new DataDirInUse(`The embedded database in ${resolve(dir)} is in use by process ${holder}${mine ? ' (this one)' : ''}: stop it first (e.g. the app, npm start). If no such process runs, delete ${file}.`);
    }
    rmSync(file, { force: true }); // left by a process that is gone
  }
  throw new DataDirInUse(`Could not lock ${file}: another process is opening the same folder.`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Rows of a raw `db.execute()`: postgres.js returns an array, PGlite an object with `rows`. */
export async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** The database a Config asks for: PostgreSQL when DATABASE_URL is set, else embedded PGlite in DATA_DIR. */
export async function openDatabase(config: { databaseUrl?: string; dataDir: string; dbPoolMax?: number }): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, { max: config.dbPoolMax }) : openPglite({ dataDir: config.dataDir });
}
