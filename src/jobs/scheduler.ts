import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jobRuns } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';

export type Job = {
  name: string;
  /** The run this moment belongs to (e.g. the day); one run per key across all instances. */
  runKey(today: string): string;
  run(db: Db, today: string): Promise<unknown>;
};

const STALE_CLAIM_MINUTES = 120;

/**
 * Claims a job's run for its key so that, behind a load balancer, one instance runs it.
 * A claim left 'running' by a crashed instance is taken over after STALE_CLAIM_MINUTES.
 */
export async function runJobOnce(db: Db, job: Job, today: string, log: (m: string) => void = () => {}): Promise<'ran' | 'skipped'> {
  const key = job.runKey(today);
  await db
    .delete(jobRuns)
    .where(and(eq(jobRuns.job, job.name), eq(jobRuns.runKey, key), eq(jobRuns.status, 'running'), lt(jobRuns.startedAt, sql`now() - make_interval(mins => ${STALE_CLAIM_MINUTES})`)));
  const claimed = await db.insert(jobRuns).values({ job: job.name, runKey: key }).onConflictDoNothing().returning({ id: jobRuns.id });
  if (!claimed.length) return 'skipped';
  const id = claimed[0]!.id;
  try {
    const stats = await job.run(db, today);
    await db.update(jobRuns).set({ status: 'done', stats: stats as object, finishedAt: sql`now()` }).where(eq(jobRuns.id, id));
    log(`[job] ${job.name} ${key} done ${JSON.stringify(stats)}`);
    return 'ran';
  } catch (err) {
    // Release the claim so the next tick (here or on another instance) retries.
    await db.delete(jobRuns).where(eq(jobRuns.id, id)).catch(() => {});
    throw err;
  }
}

export type Scheduler = { stop(): Promise<void>; tick(): Promise<void> };

/** Checks every `everyMs` whether a job's current run is due; stop() waits for a run in progress. */
export function startScheduler(db: Db, clock: Clock, jobs: Job[], opts: { everyMs?: number; log?: (m: string) => void } = {}): Scheduler {
  const log = opts.log ?? ((m: string) => console.log(m));
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    if (stopped || running) return running ?? undefined;
    running = (async () => {
      for (const job of jobs) {
        if (stopped) break;
        try {
          await runJobOnce(db, job, clock.today(), log);
        } catch (err) {
          log(`[job] ${job.name} failed: ${(err as Error).message}`);
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
      if (running) await running;
    },
  };
}
