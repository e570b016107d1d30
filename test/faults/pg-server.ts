// A throwaway PostgreSQL cluster that a test can stop and start again on the same port, keeping
// its data (test/support/postgres-cluster.ts deletes its folder on stop). Run as the postgres
// user when we are root; 127.0.0.1 only; stopped and deleted however the test process ends.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOnExit, freePort, isRoot, runPg as runPgAs, type PgBin } from '../support/postgres-cluster.ts';

const runPg = (args: string[]) => runPgAs(args, 120_000);

export type StoppableCluster = {
  /** URL of a database in it. */
  url(database?: string): string;
  port: number;
  /** `immediate`: as if the server crashed (no checkpoint; recovery on the next start). */
  stop(mode?: 'immediate' | 'fast'): void;
  start(): void;
  /** Stops it and deletes its folder; safe to call more than once. */
  destroy(): void;
};

export async function startStoppableCluster(bin: PgBin): Promise<StoppableCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pipegrade-pgfault-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = join(bin.dir, 'pg_ctl');
  if (isRoot()) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  chmodSync(dir, 0o700);
  const fail = (r: SpawnSyncReturns<string>, what: string) => {
    const tail = existsSync(log) ? `\n--- server log ---\n${readFileSync(log, 'utf8').slice(-3000)}` : '';
    return new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stdout}${r.stderr}${tail}`);
  };
  let destroyed = false;
  const stop = (mode: 'immediate' | 'fast' = 'fast') => {
    if (existsSync(join(data, 'postmaster.pid'))) runPg([pgCtl, '-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  };
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    stop('immediate');
    rmSync(dir, { recursive: true, force: true });
    removeHooks();
  };
  const removeHooks = cleanupOnExit(destroy);
  // Should the test process be killed outright, stop the server anyway.
  const prefix = isRoot() ? 'runuser -u postgres -- ' : '';
  spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${prefix}"${pgCtl}" -D "${data}" -m immediate -w stop >/dev/null 2>&1; rm -rf "${dir}"`], {
    detached: true,
    stdio: 'ignore',
  }).unref();

  const init = runPg([join(bin.dir, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (init.status !== 0) {
    destroy();
    throw fail(init, 'initdb');
  }
  const port = await freePort();
  const start = () => {
    const opts = [`-p ${port}`, "-c listen_addresses='127.0.0.1'", `-k ${dir}`, '-c fsync=off', '-c max_connections=100'].join(' ');
    const r = runPg([pgCtl, '-D', data, '-l', log, '-w', '-t', '60', '-o', opts, 'start']);
    if (r.status !== 0) throw fail(r, 'pg_ctl start');
  };
  try {
    start();
  } catch (err) {
    destroy();
    throw err;
  }
  return { url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`, port, stop, start, destroy };
}
