// A throwaway PostgreSQL cluster for the test run: initdb in a temp dir, started on a free
// 127.0.0.1 port with durability off, stopped (immediate) and deleted when the run ends,
// whatever the way it ends (teardown, failure, signal, or a watchdog if the runner is killed).

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Missing } from './requirements.ts';

export const POSTGRES_REQUIREMENT = {
  name: 'PostgreSQL',
  requireEnv: 'PIPEGRADE_REQUIRE_POSTGRES',
  skips: 'the "postgres" test project',
} as const;

export type PgBin = { dir: string; version: string };

/**
 * Finds initdb and pg_ctl: in $PIPEGRADE_PG_BIN if it is set (only there: set it to a missing dir
 * to run as if PostgreSQL were not installed), else the newest /usr/lib/postgresql/<version>/bin
 * (Debian/Ubuntu), else on $PATH. Returns the reasons when none is found.
 */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): PgBin | { missing: Missing } {
  const tried: string[] = [];
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const version = (dir: string) => {
    const r = spawnSync(join(dir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
    return /\(PostgreSQL\)\s+(\S+)/.exec(r.stdout ?? '')?.[1] ?? '?';
  };

  if (env.PIPEGRADE_PG_BIN) {
    // Told where: look nowhere else.
    if (has(env.PIPEGRADE_PG_BIN)) return { dir: env.PIPEGRADE_PG_BIN, version: version(env.PIPEGRADE_PG_BIN) };
    tried.push(`PIPEGRADE_PG_BIN=${env.PIPEGRADE_PG_BIN} has no initdb and pg_ctl`);
  } else {
    const found = searchPostgresBin(tried, env, has);
    if (found) return { dir: found, version: version(found) };
  }
  return {
    missing: {
      ...POSTGRES_REQUIREMENT,
      why: ['PostgreSQL server binaries (initdb, pg_ctl) were not found:', ...tried.map((t) => `  - ${t}`)],
      fix: [
        'Debian/Ubuntu:  apt-get update && apt-get install -y postgresql',
        'elsewhere:      install PostgreSQL 15+ and put its bin/ on PATH or in PIPEGRADE_PG_BIN,',
        'or point TEST_DATABASE_URL at a server where this user may CREATE DATABASE.',
      ],
    },
  };
}

function searchPostgresBin(tried: string[], env: NodeJS.ProcessEnv, has: (dir: string) => boolean): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian).filter((v) => has(join(debian, v, 'bin'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(debian, versions[0], 'bin');
  tried.push(`no ${debian}/<version>/bin/initdb`);
  const onPath = (env.PATH ?? '').split(delimiter).find((dir) => dir && has(dir));
  if (onPath) return onPath;
  tried.push('no initdb and pg_ctl on $PATH');
  return undefined;
}

/** A free TCP port on 127.0.0.1 (for a throwaway server). */
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

export type Cluster = {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (immediate) and deletes its directory; safe to call more than once. */
  stop(): void;
};

export const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL command as the postgres user when we are root (the server refuses root), else as us. */
export function runPg(args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  const [cmd, ...rest] = isRoot() ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  return spawnSync(cmd!, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
}

function check(r: SpawnSyncReturns<string>, what: string, log?: string): void {
  if (r.status === 0) return;
  const logTail = log && existsSync(log) ? `\n--- server log ---\n${readFileSync(log, 'utf8').slice(-4000)}` : '';
  throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout ?? ''}${r.stderr ?? ''}${logTail}`);
}

function postgresIds(): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('Running as root, and there is no "postgres" user to run the server as (PostgreSQL refuses to run as root).');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** initdb + pg_ctl start in a new temp dir; the caller must stop() it. */
export async function startCluster(bin: PgBin): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pipegrade-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  let watchdog: ReturnType<typeof spawn> | undefined;
  let stopped = false;

  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(data, 'postmaster.pid'))) {
      runPg([join(bin.dir, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
    }
    rmSync(dir, { recursive: true, force: true });
    if (watchdog?.pid && watchdog.exitCode === null) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  try {
    if (isRoot()) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    check(
      runPg([join(bin.dir, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']),
      'initdb',
    );

    // If the runner dies without running teardown (SIGKILL, crash), this stops the server and deletes the dir.
    const pgCtl = join(bin.dir, 'pg_ctl');
    const prefix = isRoot() ? 'runuser -u postgres -- ' : '';
    watchdog = spawn(
      'sh',
      [
        '-c',
        `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
          `${prefix}"${pgCtl}" -D "${data}" -m immediate -w stop >/dev/null 2>&1; rm -rf "${dir}"`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        '-F',
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-k ${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      const r = runPg([pgCtl, '-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start']);
      if (r.status === 0) break;
      if (attempt >= 3) check(r, 'pg_ctl start', log);
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Calls `cleanup` (synchronous) on process exit and on SIGINT/SIGTERM/SIGHUP; after a signal,
 * if nobody else handles it, re-raises it so the process still ends as it would have.
 * Returns a function that removes the hooks.
 */
export function cleanupOnExit(cleanup: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    remove();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
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
