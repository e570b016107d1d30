import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { jobRuns } from '../../src/db/schema.ts';
import { claimSettings, JobInterrupted, runJobOnce, type Job } from '../../src/jobs/scheduler.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';

// A run left 'running' by a process that died must not block its job: taken over at once when
// that process was on this machine, else once its heartbeat is stale; a live claim never is.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const job = (runs: string[], ms = 0): Job => ({
  name: 'claims',
  runKey: (t) => t,
  run: async (_db, today) => {
    runs.push(today);
    if (ms) await new Promise((r) => setTimeout(r, ms));
    return { today };
  },
});
const claim = (holder: Record<string, unknown> | null, startedAt = new Date()) =>
  db.insert(jobRuns).values({ job: 'claims', runKey: '2026-07-11', startedAt, stats: holder ? { claim: holder } : null });
const thisMachine = async () => {
  // The holder this process writes, read back from a claim of its own.
  await runJobOnce(db, { name: 'probe', runKey: (t) => t, run: async (d) => (await d.select().from(jobRuns).where(eq(jobRuns.job, 'probe')))[0]!.stats }, 'x');
  const [row] = await db.select().from(jobRuns).where(eq(jobRuns.job, 'probe'));
  return (row!.stats as { claim: { host: string; pid: number; boot: string } }).claim;
};

describe('job claims left by dead processes', () => {
  it('a claim of this machine whose process is gone is taken over at once', async () => {
    const me = await thisMachine();
    await claim({ ...me, pid: 2 ** 22 + 7, boot: 'other', beatAt: new Date().toISOString() }); // no such pid
    const runs: string[] = [];
    expect(await runJobOnce(db, job(runs), '2026-07-11')).toBe('ran');
    expect(runs).toEqual(['2026-07-11']);
  });

  it('a claim of this very process from an earlier life (same pid, another start) is taken over too', async () => {
    const me = await thisMachine();
    await claim({ ...me, boot: 'an earlier start', beatAt: new Date().toISOString() });
    expect(await runJobOnce(db, job([]), '2026-07-11')).toBe('ran');
  });

  it('another machine’s claim is kept while its heartbeat is fresh, and taken once it is stale', async () => {
    const other = { host: 'elsewhere/boot', pid: 1, boot: 'x' };
    await claim({ ...other, beatAt: new Date().toISOString() });
    const runs: string[] = [];
    expect(await runJobOnce(db, job(runs), '2026-07-11')).toBe('skipped');
    await db.delete(jobRuns);
    await claim({ ...other, beatAt: new Date(Date.now() - claimSettings.staleMs - 60_000).toISOString() });
    expect(await runJobOnce(db, job(runs), '2026-07-11')).toBe('ran');
    expect(runs).toEqual(['2026-07-11']);
  });

  it('a live run keeps its claim fresh, so a long job is never run twice', async () => {
    const saved = { ...claimSettings };
    Object.assign(claimSettings, { heartbeatMs: 50, staleMs: 400 });
    try {
      const runs: string[] = [];
      const first = runJobOnce(db, job(runs, 1200), '2026-07-11');
      await new Promise((r) => setTimeout(r, 800)); // longer than staleMs: only the heartbeat keeps it
      expect(await runJobOnce(db, job(runs), '2026-07-11')).toBe('skipped');
      expect(await first).toBe('ran');
      expect(runs).toEqual(['2026-07-11']);
    } finally {
      Object.assign(claimSettings, saved);
    }
  });

  it('a job stopped by a shutdown releases its claim after its current transaction', async () => {
    const stop = new AbortController();
    let batches = 0;
    const batched: Job = {
      name: 'claims',
      runKey: (t) => t,
      run: async (d) => {
        for (let i = 0; i < 5; i++) {
          await d.transaction(async () => {
            batches++;
            if (i === 1) stop.abort(); // the shutdown arrives during the second batch
          });
        }
        return { batches };
      },
    };
    await expect(runJobOnce(db, batched, '2026-07-11', () => {}, { signal: stop.signal })).rejects.toBeInstanceOf(JobInterrupted);
    expect(batches).toBe(2); // the one in flight finished; no third began
    expect(await db.select().from(jobRuns)).toEqual([]);
  });
});
