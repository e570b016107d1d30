// A PostgreSQL cluster for the benchmarks whose data folder is KEPT between runs (under
// bench/.out/pg-<scale>/), so the generated database is built once. test/support/postgres-cluster.ts
// makes a throwaway cluster in a temp dir and deletes it on stop, which does not fit a cache; this
// one shares its approach: run as the postgres user when we are root (the server refuses root),
// listen on 127.0.0.1 only on a free port, and stop the server whatever way the run ends (finally,
// exit, signals, and a detached watchdog that stops it if this process is killed outright).

import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export type PgBin = { dir: string; version: string };

export function findPgBin(): PgBin {
  const candidates = [process.env.PIPEGRADE_PG_BIN, '/usr/lib/postgresql/15/bin'];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, v, 'bin'));
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) {
      const r = spawnSync(join(dir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
      return { dir, version: /\(PostgreSQL\)\s+(\S+)/.exec(r.stdout ?? '')?.[1] ?? '?' };
    }
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install -y postgresql-15, or set PIPEGRADE_PG_BIN.');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

function runPg(args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  const [cmd, ...rest] = isRoot() ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  return spawnSync(cmd!, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
}

function check(r: SpawnSyncReturns<string>, what: string, log?: string): void {
  if (r.status === 0) return;
  const tail = log && existsSync(log) ? `\n--- server log ---\n${readFileSync(log, 'utf8').slice(-3000)}` : '';
  throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout ?? ''}${r.stderr ?? ''}${tail}`);
}

/** Server settings: always 127.0.0.1, socket in the cluster folder. */
export type PgSettings = Record<string, string | number>;

/** Settings for the measurements: durable (fsync on), 1 GB shared buffers, otherwise defaults. */
export const MEASURE_SETTINGS: PgSettings = {
  shared_buffers: '1GB',
  // Per-statement server time for the reports (bench/pgstat.ts); its overhead is a few per cent at most.
  shared_preload_libraries: 'pg_stat_statements',
  effective_cache_size: '12GB',
  maintenance_work_mem: '512MB',
  max_wal_size: '4GB',
  max_connections: 100,
};

/** Settings for bulk generation only: no durability, minimal WAL, no autovacuum. */
export const LOAD_SETTINGS: PgSettings = {
  ...MEASURE_SETTINGS,
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  wal_level: 'minimal',
  max_wal_senders: 0,
  autovacuum: 'off',
  maintenance_work_mem: '1GB',
  max_wal_size: '16GB',
  checkpoint_timeout: '30min',
};

export type PgCluster = {
  bin: PgBin;
  /** The cluster folder (bench/.out/pg-<scale>), which holds data/, server.log and the socket. */
  dir: string;
  port: number;
  /** URL of a database in this cluster. */
  url(database?: string): string;
  /** Whether the data folder existed before this run (else it was just initdb'd). */
  existed: boolean;
  /** Restarts the server with other settings (e.g. from bulk-load to measurement settings). */
  restart(settings: PgSettings): Promise<void>;
  /** Stops the server (fast shutdown, so the cached data stay clean); safe to call more than once. */
  stop(): void;
};

export async function openCluster(dir: string, settings: PgSettings): Promise<PgCluster> {
  const bin = findPgBin();
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = join(bin.dir, 'pg_ctl');
  mkdirSync(dir, { recursive: true });
  if (isRoot()) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid)) throw new Error('Running as root and there is no "postgres" user to run the server as.');
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);

  const existed = existsSync(join(data, 'PG_VERSION'));
  if (!existed) {
    rmSync(data, { recursive: true, force: true });
    check(runPg([join(bin.dir, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']), 'initdb');
  } else if (runPg([pgCtl, '-D', data, 'status']).status === 0) {
    // Left running by a run that was killed before its watchdog fired.
    runPg([pgCtl, '-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
  }

  let port = 0;
  let running = false;
  let watchdog: ChildProcess | undefined;

  const start = async (s: PgSettings) => {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const opts = [`-p ${port}`, "-c listen_addresses='127.0.0.1'", `-k ${dir}`, ...Object.entries(s).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
      const r = runPg([pgCtl, '-D', data, '-l', log, '-w', '-t', '300', '-o', opts, 'start'], 330_000);
      if (r.status === 0) break;
      if (attempt >= 3) check(r, 'pg_ctl start', log);
    }
    running = true;
  };
  const stopServer = () => {
    if (!running) return;
    running = false;
    runPg([pgCtl, '-D', data, '-m', 'fast', '-w', '-t', '300', 'stop'], 330_000);
  };

  const removeHooks = exitHooks(() => cluster.stop());
  const cluster: PgCluster = {
    bin,
    dir,
    get port() {
      return port;
    },
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    existed,
    async restart(s) {
      stopServer();
      await start(s);
    },
    stop() {
      stopServer();
      removeHooks();
      if (watchdog?.pid && watchdog.exitCode === null) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };

  // If this process dies without running its hooks (SIGKILL), stop the server anyway.
  const prefix = isRoot() ? 'runuser -u postgres -- ' : '';
  watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${prefix}"${pgCtl}" -D "${data}" -m fast -w -t 300 stop >/dev/null 2>&1`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  try {
    await start(settings);
  } catch (e) {
    cluster.stop();
    throw e;
  }
  return cluster;
}

function exitHooks(cleanup: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    remove();
    process.kill(process.pid, signal);
  };
  const onExit = () => cleanup();
  const remove = () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
  };
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);
  return remove;
}
