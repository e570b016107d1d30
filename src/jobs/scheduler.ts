import { and, eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { query, type Db } from '../db/client.ts';
import { jobRuns } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';

export type Job = {
  name: string;
  /** The run this moment belongs to (e.g. the day); one run per key across all instances. */
  runKey(today: string): string;
  /** `signal` aborts on shutdown; the scheduler also refuses the job new transactions from then on. */
  run(db: Db, today: string, signal?: AbortSignal): Promise<unknown>;
};

/** Settings a test may change. A live claim is marked every `heartbeatMs`; one unmarked for `staleMs` is taken over. */
export const claimSettings = { heartbeatMs: 30_000, staleMs: 3 * 60_000 };
/** Claims without a heartbeat (older releases, or one a job's own stats replaced): the old rule. */
const LEGACY_STALE_MINUTES = 120;

/** This machine as hostname and kernel boot (two hosts may share a name); a claim of it whose process is gone (or is this process, restarted) is stale at once. */
function machineId(): string {
  try {
    return `${hostname()}/${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return hostname();
  }
}
const INSTANCE = { host: machineId(), pid: process.pid, boot: randomUUID() };
type Holder = { host?: string; pid?: number; boot?: string };

/** A job stopped at a transaction boundary because the process is shutting down; its claim is released. */
export class JobInterrupted extends Error {
  override name = 'JobInterrupted';
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function deadHere(h: Holder | null): boolean {
  if (!h || h.host !== INSTANCE.host || typeof h.pid !== 'number') return false;
  return h.pid === INSTANCE.pid ? h.boot !== INSTANCE.boot : processGone(h.pid);
}

/** Deletes this run's claim if it was left 'running' by a process that is gone. */
async function releaseStaleClaim(db: Db, job: string, key: string): Promise<void> {
  const staleSeconds = claimSettings.staleMs / 1000;
  const rows = await query<{ id: number; holder: Holder | null; stale: boolean }>(
    db,
    sql`select id, stats->'claim' as holder,
          coalesce((stats->'claim'->>'beatAt')::timestamptz < now() - make_interval(secs => ${staleSeconds}),
                   started_at < now() - make_interval(mins => ${LEGACY_STALE_MINUTES})) as stale
        from ${jobRuns} where job = ${job} and run_key = ${key} and status = 'running'`,
  );
  const stale = rows.filter((r) => r.stale || deadHere(r.holder));
  // Only if still the same claim and still running: another instance may have taken it meanwhile.
  for (const r of stale) await db.delete(jobRuns).where(and(eq(jobRuns.id, r.id), eq(jobRuns.status, 'running')));
}

/** Marks the claim alive, merged into stats so a job's own progress there is kept. */
function heartbeat(db: Db, id: number) {
  const claim = JSON.stringify({ ...INSTANCE, beatAt: new Date().toISOString() });
  return db
    .update(jobRuns)
    .set({ stats: sql`coalesce(${jobRuns.stats}, '{}'::jsonb) || jsonb_build_object('claim', ${claim}::jsonb)` })
    .where(and(eq(jobRuns.id, id), eq(jobRuns.status, 'running')));
}

/** The database as a job sees it: once `signal` aborts, a new transaction is refused (the one running commits). */
function interruptible(db: Db, signal: AbortSignal): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (...args: unknown[]) => {
          if (signal.aborted) return Promise.reject(new JobInterrupted('shutting down'));
          return (target.transaction as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * Claims a job's run for its key so that, behind a load balancer, one instance runs it. The claim
 * is kept alive by a heartbeat; one left 'running' by a dead process is taken over: at once when
 * that process was on this host, else once its heartbeat is `claimSettings.staleMs` old. With
 * `signal`, a shutdown stops the job at its next transaction, releases the claim (the next start
 * runs it again; the jobs are idempotent) and throws JobInterrupted.
 */
export async function runJobOnce(db: Db, job: Job, today: string, log: (m: string) => void = () => {}, opts: { signal?: AbortSignal } = {}): Promise<'ran' | 'skipped'> {
  const key = job.runKey(today);
  await releaseStaleClaim(db, job.name, key);
  const claimed = await db
    .insert(jobRuns)
    .values({ job: job.name, runKey: key, stats: { claim: { ...INSTANCE, beatAt: new Date().toISOString() } } })
    .onConflictDoNothing()
    .returning({ id: jobRuns.id });
  if (!claimed.length) return 'skipped';
  const id = claimed[0]!.id;
  const beat = setInterval(() => void heartbeat(db, id).catch(() => {}), claimSettings.heartbeatMs);
  beat.unref();
  try {
    const stats = await job.run(opts.signal ? interruptible(db, opts.signal) : db, today, opts.signal);
    clearInterval(beat);
    await db.update(jobRuns).set({ status: 'done', stats: stats as object, finishedAt: sql`now()` }).where(eq(jobRuns.id, id));
    log(`[job] ${job.name} ${key} done ${JSON.stringify(stats)}`);
    return 'ran';
  } catch (err) {
    clearInterval(beat);
    // Release the claim so the next tick (here or on another instance) retries.
    await db.delete(jobRuns).where(eq(jobRuns.id, id)).catch(() => {});
    if (opts.signal?.aborted) throw new JobInterrupted(`${job.name} ${key} stopped by the shutdown after its current transaction; it runs again on the next start`, { cause: err });
    throw err;
  }
}

export type Scheduler = { stop(): Promise<void>; tick(): Promise<void> };

/** Checks every `everyMs` whether a job's current run is due; stop() lets a running job finish its current transaction, then waits for it. */
export function startScheduler(db: Db, clock: Clock, jobs: Job[], opts: { everyMs?: number; log?: (m: string) => void } = {}): Scheduler {
  const log = opts.log ?? ((m: string) => console.log(m));
  let running: Promise<void> | null = null;
  let stopped = false;
  const shutdown = new AbortController();
  const tick = async () => {
    if (stopped || running) return running ?? undefined;
    running = (async () => {
      for (const job of jobs) {
        if (stopped) break;
        try {
          await runJobOnce(db, job, clock.today(), log, { signal: shutdown.signal });
        } catch (err) {
          log(err instanceof JobInterrupted ? `[job] ${err.message}` : `[job] ${job.name} failed: ${(err as Error).message}`);
        }
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void tick(), opts.everyMs ?? 10 * 60_000);
  timer.unref();
  void tick();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      shutdown.abort();
      if (running) await running;
    },
  };
}
