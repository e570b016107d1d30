import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { accounts, gradeChanges, jobRuns, policies, signals } from '../../src/db/schema.ts';
import { applyGrading, factsOf, gradeColumns } from '../../src/grading/apply-grading.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { gradeProspect, makeGrader } from '../../src/grading/grading.ts';
import { dailyRegradeJob } from '../../src/grading/jobs.ts';
import { runJobOnce, type Job } from '../../src/jobs/scheduler.ts';
import { changeStatus } from '../../src/prospects/actions.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import type { SignalType } from '../../src/policy/policy.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}
const allAccounts = () => db.select().from(accounts).orderBy(asc(accounts.id));
const allChanges = () => db.select().from(gradeChanges).orderBy(asc(gradeChanges.id));
const dailyChanges = async (id?: number) => (await allChanges()).filter((c) => c.cause === 'daily' && (id === undefined || c.accountId === id));

/** A prospect added on `day` with one signal logged that day (graded as of that day). */
async function prospectWith(day: string, signal: { type: SignalType; date?: string; expectedDate?: string; event?: string }, over: Record<string, unknown> = {}) {
  const p = await insertProspect(db, { addedOn: day, ...over }, day);
  await insertSignal(db, p.id, { date: day, ...signal }, day);
  return row(p.id);
}

/** What a full grading from the stored signals gives as of `asOf`, in the columns an account keeps. */
async function fresh(d: Db, id: number, asOf: string) {
  const { version, policy } = await currentPolicy(d);
  const acct = (await d.select().from(accounts).where(eq(accounts.id, id)))[0]!;
  const list = await d.select().from(signals).where(eq(signals.accountId, id)).orderBy(asc(signals.loggedAt), asc(signals.id));
  const g = gradeProspect(factsOf(acct), list, policy.grading, asOf);
  const s = makeGrader(policy.grading, asOf).summarize(list);
  // graded_on is left out: the daily re-grade writes only rows whose grade, reason or dates moved.
  const { gradedOn: _gradedOn, ...columns } = gradeColumns(g, policy, version);
  return {
    ...columns,
    latestTimingType: s.latestTiming?.type ?? null,
    latestTimingDate: s.latestTiming?.date ?? null,
    latestTimingExpected: s.latestTiming?.expectedDate ?? null,
    lastSignalOn: s.lastSignalOn,
    priorSlips: s.priorSlips,
  };
}

describe('regradeOpenProspects: grades move as days pass', () => {
  it('a B signal grades B on its day, A once its close-by date is within 3 months, and slips one letter below its catalogue window (C) once that date passes', async () => {
    const p = await prospectWith('2026-01-10', { type: 'incumbent_failing' });
    expect(p).toMatchObject({ grade: 'B', closeBy: '2026-07-10', flags: [], gradedOn: '2026-01-10' });

    expect(await regradeOpenProspects(db, { asOf: '2026-04-09' })).toMatchObject({ scanned: 1, changed: 1 }); // stale only
    expect(await row(p.id)).toMatchObject({ grade: 'B', flags: ['stale'], gradedOn: '2026-04-09' });

    expect(await regradeOpenProspects(db, { asOf: '2026-04-10' })).toMatchObject({ scanned: 1, updated: 1, changed: 1 });
    expect(await row(p.id)).toMatchObject({ grade: 'A', closeBy: '2026-07-10', flags: ['stale'], gradedOn: '2026-04-10' });

    await regradeOpenProspects(db, { asOf: '2026-04-15' });
    expect(await row(p.id)).toMatchObject({ grade: 'A', closeBy: '2026-07-10' });

    await regradeOpenProspects(db, { asOf: '2026-07-10' });
    expect(await row(p.id)).toMatchObject({ grade: 'A', slipCount: 0 }); // the close-by day itself has not passed

    expect(await regradeOpenProspects(db, { asOf: '2026-07-11' })).toMatchObject({ updated: 1, changed: 1 });
    const slipped = await row(p.id);
    expect(slipped).toMatchObject({ grade: 'C', closeBy: '2026-07-10', flags: ['slipped', 'stale'], slipCount: 1, gradedOn: '2026-07-11' });
    expect(slipped.reason).toContain('Incumbent failing 2026-01-10, close by 2026-07-10 passed: slipped B → C');

    expect((await dailyChanges(p.id)).map((c) => [c.fromGrade, c.toGrade, c.flags, c.asOf])).toEqual([
      ['B', 'B', ['stale'], '2026-04-09'],
      ['B', 'A', ['stale'], '2026-04-10'],
      ['A', 'C', ['slipped', 'stale'], '2026-07-11'],
    ]);
  });

  it('an A signal slips to B the day after its close-by date', async () => {
    const p = await prospectWith('2026-01-10', { type: 'selection_started' });
    expect(p).toMatchObject({ grade: 'A', closeBy: '2026-04-10' });
    await regradeOpenProspects(db, { asOf: '2026-04-10' });
    expect(await row(p.id)).toMatchObject({ grade: 'A', flags: ['stale'] });
    await regradeOpenProspects(db, { asOf: '2026-04-11' });
    expect(await row(p.id)).toMatchObject({ grade: 'B', flags: ['slipped', 'stale'], slipCount: 1 });
  });

  it('records a grade change, with cause daily, only when the grade or the flags really move', async () => {
    const p = await prospectWith('2026-01-10', { type: 'incumbent_failing' });
    const before = await allChanges();
    expect(await regradeOpenProspects(db, { asOf: '2026-01-10' })).toMatchObject({ scanned: 1, updated: 0, changed: 0 });
    expect(await regradeOpenProspects(db, { asOf: '2026-01-20' })).toMatchObject({ scanned: 1, updated: 0, changed: 0 });
    expect(await allChanges()).toEqual(before);
    // Row unchanged: not even the graded-on date moved, since nothing the grade shows moved.
    expect(await row(p.id)).toMatchObject({ gradedOn: '2026-01-10' });

    expect(await regradeOpenProspects(db, { asOf: '2026-02-09' })).toMatchObject({ updated: 1, changed: 1 }); // 30 days: stale
    const [change] = await dailyChanges(p.id);
    expect(change).toMatchObject({ fromGrade: 'B', toGrade: 'B', flags: ['stale'], cause: 'daily', actor: 'daily re-grade', asOf: '2026-02-09', policyVersion: 1 });
    expect(change!.reasons).toEqual(expect.arrayContaining(['Grade B as of 2026-02-09.']));
  });

  it('a new policy version is written to every row, without a grade change where nothing moved', async () => {
    await prospectWith('2026-06-01', { type: 'selection_started' });
    await prospectWith('2026-06-02', { type: 'need_no_urgency' });
    const before = await allChanges();
    const { policy } = await currentPolicy(db);
    await db.insert(policies).values({ body: policy, note: 'same numbers' });
    expect(await regradeOpenProspects(db, { asOf: '2026-06-02' })).toMatchObject({ policyVersion: 2, scanned: 2, updated: 2, changed: 0 });
    expect((await allAccounts()).map((a) => a.policyVersion)).toEqual([2, 2]);
    expect(await allChanges()).toEqual(before);
  });

  it('running it twice for the same day changes nothing the second time', async () => {
    await prospectWith('2026-01-10', { type: 'incumbent_failing' });
    await prospectWith('2026-02-01', { type: 'selection_started' });
    await prospectWith('2026-03-01', { type: 'waiting_on_event', expectedDate: '2026-09-01', event: 'Budget' });
    await prospectWith('2026-05-01', { type: 'call' });
    const first = await regradeOpenProspects(db, { asOf: '2026-07-11' });
    expect(first).toMatchObject({ scanned: 4, updated: 4 });
    expect(first.changed).toBeGreaterThan(0);
    const rows = await allAccounts();
    const changes = await allChanges();
    const second = await regradeOpenProspects(db, { asOf: '2026-07-11' });
    expect(second).toMatchObject({ scanned: 4, updated: 0, changed: 0 });
    expect(await allAccounts()).toEqual(rows);
    expect(await allChanges()).toEqual(changes);
  });

  it('leaves disqualified and lost prospects alone', async () => {
    const open = await prospectWith('2026-01-10', { type: 'selection_started' });
    const dq = await prospectWith('2026-01-10', { type: 'selection_started' });
    const lost = await prospectWith('2026-01-10', { type: 'selection_started' });
    const ctx = { today: '2026-01-10', actor: { name: 'test' } };
    expect((await changeStatus(db, dq.id, { status: 'disqualified', reason: 'No budget' }, ctx)).ok).toBe(true);
    expect((await changeStatus(db, lost.id, { status: 'lost', reason: 'Rival' }, ctx)).ok).toBe(true);
    const closed = await db.select().from(accounts).where(inArray(accounts.id, [dq.id, lost.id])).orderBy(asc(accounts.id));
    const changes = await allChanges();
    expect(await regradeOpenProspects(db, { asOf: '2026-07-11' })).toMatchObject({ scanned: 1, updated: 1, changed: 1 });
    expect(await row(open.id)).toMatchObject({ grade: 'B', gradedOn: '2026-07-11' });
    expect(await db.select().from(accounts).where(inArray(accounts.id, [dq.id, lost.id])).orderBy(asc(accounts.id))).toEqual(closed);
    expect((await allChanges()).filter((c) => c.accountId !== open.id)).toEqual(changes.filter((c) => c.accountId !== open.id));
  });

  describe('gives what a full grading from the signals gives', () => {
    async function variety() {
      const ids: number[] = [];
      const add = async (day: string, over: Record<string, unknown>, list: { type: SignalType; date: string; expectedDate?: string; event?: string; on?: string }[]) => {
        const p = await insertProspect(db, { addedOn: day, ...over }, day);
        for (const { on, ...s } of list) await insertSignal(db, p.id, s, on ?? s.date);
        ids.push(p.id);
      };
      await add('2025-06-01', {}, [{ type: 'selection_started', date: '2025-06-01' }, { type: 'incumbent_failing', date: '2026-01-10' }]); // a prior slip
      await add('2026-01-05', {}, [{ type: 'selection_started', date: '2026-06-01' }, { type: 'need_denied', date: '2026-06-01' }]); // same day: later wins
      await add('2026-01-05', {}, [{ type: 'need_denied', date: '2026-06-01' }, { type: 'selection_started', date: '2026-06-01' }]);
      await add('2026-02-01', {}, [{ type: 'waiting_on_event', date: '2026-02-15', expectedDate: '2026-05-20', event: 'Funding round' }]);
      await add('2025-01-01', {}, [{ type: 'incumbent_satisfied', date: '2025-03-01' }, { type: 'call', date: '2026-06-10' }]); // D evidence ages out: requalify
      await add('2026-01-05', { employees: 30, revenue: 500_000, growthPct: -5, need: 'low' }, [{ type: 'selection_started', date: '2026-06-01' }]); // low fit
      await add('2026-06-20', { employees: 2000, revenue: 5e8, growthPct: 30, need: 'critical' }, []); // no timing, C
      await add('2026-06-20', { employees: null, revenue: null, growthPct: null, need: 'medium' }, []); // incomplete, D
      await add('2026-06-20', { employees: null, revenue: null, growthPct: null, need: null }, [{ type: 'incumbent_aging', date: '2026-06-25' }]); // fit unknown
      await add('2026-03-01', {}, [{ type: 'recently_signed', date: '2026-03-01', expectedDate: '2027-03-01' }]); // contract end
      await add('2026-04-01', {}, [{ type: 'selection_started', date: '2026-05-01' }, { type: 'selection_started', date: '2026-04-01', on: '2026-05-02' }]); // logged late, older date
      return ids;
    }

    it.each(['2026-06-30', '2026-09-30', '2027-03-02'])('as of %s: every summary and grade column equals a fresh grading', async (asOf) => {
      const ids = await variety();
      const stats = await regradeOpenProspects(db, { asOf });
      expect(stats.scanned).toBe(ids.length);
      for (const id of ids) expect(await row(id)).toMatchObject({ id, ...(await fresh(db, id, asOf)) });
      // A full applyGrading of each finds nothing to change (but the graded-on date).
      const withoutGradedOn = async () => (await allAccounts()).map(({ gradedOn: _g, ...r }) => r);
      const before = await withoutGradedOn();
      const { version, policy } = await currentPolicy(db);
      for (const id of ids) {
        const r = await db.transaction((tx) => applyGrading(tx, id, { policy, policyVersion: version, asOf, cause: 'daily', actor: 'check' }));
        expect({ id, changed: r!.changed }).toEqual({ id, changed: false });
      }
      expect(await withoutGradedOn()).toEqual(before);
    });

    it('across batch boundaries: 10 prospects in batches of 3, closed ones and an unchanged first batch included', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) {
        const day = i < 3 ? '2026-07-11' : '2026-01-10';
        const p = await insertProspect(db, { addedOn: '2026-01-10', employees: 100 * (i + 1) }, day);
        await insertSignal(db, p.id, { type: i % 2 ? 'incumbent_failing' : 'selection_started', date: '2026-01-10' }, day);
        ids.push(p.id);
      }
      for (const i of [4, 8]) expect((await changeStatus(db, ids[i]!, { status: 'lost', reason: 'Rival' }, { today: '2026-01-10', actor: { name: 'test' } })).ok).toBe(true);
      const closed = await db.select().from(accounts).where(inArray(accounts.id, [ids[4]!, ids[8]!])).orderBy(asc(accounts.id));
      const firstThree = await db.select().from(accounts).where(inArray(accounts.id, ids.slice(0, 3))).orderBy(asc(accounts.id));

      const stats = await regradeOpenProspects(db, { asOf: '2026-07-11', batchSize: 3 });
      expect(stats).toMatchObject({ scanned: 8, updated: 5 });
      for (const [i, id] of ids.entries()) {
        if (i === 4 || i === 8) continue;
        expect({ i, ...(await row(id)) }).toMatchObject({ i, gradedOn: '2026-07-11', ...(await fresh(db, id, '2026-07-11')) });
      }
      expect(await db.select().from(accounts).where(inArray(accounts.id, ids.slice(0, 3))).orderBy(asc(accounts.id))).toEqual(firstThree);
      expect(await db.select().from(accounts).where(inArray(accounts.id, [ids[4]!, ids[8]!])).orderBy(asc(accounts.id))).toEqual(closed);
      expect(await regradeOpenProspects(db, { asOf: '2026-07-11', batchSize: 3 })).toMatchObject({ scanned: 8, updated: 0, changed: 0 });
      // The same as one batch would give.
      const byBatches = await allAccounts();
      expect(await regradeOpenProspects(db, { asOf: '2026-07-11' })).toMatchObject({ updated: 0 });
      expect(await allAccounts()).toEqual(byBatches);
    });
  });
});

describe('runJobOnce', () => {
  const countingJob = (name = 'counting'): Job & { runs: string[] } => {
    const runs: string[] = [];
    return {
      name,
      runs,
      runKey: (today) => today,
      run: async (_db, today) => {
        runs.push(today);
        await new Promise((r) => setTimeout(r, 50));
        return { today };
      },
    };
  };

  it('runs a job once per run key, even when called twice at the same time', async () => {
    const job = countingJob();
    const results = await Promise.all([runJobOnce(db, job, '2026-07-11'), runJobOnce(db, job, '2026-07-11')]);
    expect(results.sort()).toEqual(['ran', 'skipped']);
    expect(job.runs).toEqual(['2026-07-11']);
    expect(await runJobOnce(db, job, '2026-07-11')).toBe('skipped');
    expect(job.runs).toHaveLength(1);
    const [claim] = await db.select().from(jobRuns);
    expect(claim).toMatchObject({ job: 'counting', runKey: '2026-07-11', status: 'done', stats: { today: '2026-07-11' } });
    expect(claim!.finishedAt).toBeInstanceOf(Date);
    expect(await runJobOnce(db, job, '2026-07-12')).toBe('ran');
    expect(job.runs).toEqual(['2026-07-11', '2026-07-12']);
  });

  it('the daily re-grade job, started twice at once, re-grades once', async () => {
    const p = await prospectWith('2026-01-10', { type: 'incumbent_failing' });
    const results = await Promise.all([runJobOnce(db, dailyRegradeJob, '2026-04-15'), runJobOnce(db, dailyRegradeJob, '2026-04-15')]);
    expect(results.sort()).toEqual(['ran', 'skipped']);
    expect(await row(p.id)).toMatchObject({ grade: 'A', gradedOn: '2026-04-15' });
    expect(await dailyChanges(p.id)).toHaveLength(1);
    const [claim] = await db.select().from(jobRuns);
    expect(claim).toMatchObject({ job: 'daily-regrade', runKey: '2026-04-15', status: 'done', stats: { scanned: 1, updated: 1, changed: 1 } });
  });

  it('a failed run releases its claim, so the next call runs it again', async () => {
    let calls = 0;
    const job: Job = { name: 'flaky', runKey: (t) => t, run: async () => { if (++calls === 1) throw new Error('boom'); return { calls }; } };
    await expect(runJobOnce(db, job, '2026-07-11')).rejects.toThrow('boom');
    expect(await db.select().from(jobRuns)).toEqual([]);
    expect(await runJobOnce(db, job, '2026-07-11')).toBe('ran');
    expect(calls).toBe(2);
  });

  it('takes over a claim left running for over two hours, not a recent one', async () => {
    const job = countingJob('crashed');
    await db.insert(jobRuns).values({ job: 'crashed', runKey: '2026-07-11', startedAt: new Date(Date.now() - 3 * 3600_000) });
    await db.insert(jobRuns).values({ job: 'crashed', runKey: '2026-07-12', startedAt: new Date(Date.now() - 10 * 60_000) });
    expect(await runJobOnce(db, job, '2026-07-11')).toBe('ran');
    expect(await runJobOnce(db, job, '2026-07-12')).toBe('skipped');
    expect(job.runs).toEqual(['2026-07-11']);
  });
});
