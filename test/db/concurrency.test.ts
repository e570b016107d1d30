import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { accounts, gradeChanges, signals } from '../../src/db/schema.ts';
import { factsOf, gradeColumns } from '../../src/grading/apply-grading.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { gradeProspect, makeGrader } from '../../src/grading/grading.ts';
import { changeStatus, logSignal, updateProspect } from '../../src/prospects/actions.ts';
import { signalSchema } from '../../src/prospects/validation.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// PGlite has one connection (transactions run one after the other); PostgreSQL has a pool, so
// there the same calls really overlap. Both must end in the same consistent state.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}

/** The grade columns and signal summary a full grading of every stored signal gives as of `asOf`. */
async function fresh(d: Db, id: number, asOf: string) {
  const { version, policy } = await currentPolicy(d);
  const acct = await row(id);
  const list = await d.select().from(signals).where(eq(signals.accountId, id)).orderBy(asc(signals.loggedAt), asc(signals.id));
  const { gradedOn: _g, ...columns } = gradeColumns(gradeProspect(factsOf(acct), list, policy.grading, asOf), policy, version);
  const s = makeGrader(policy.grading, asOf).summarize(list);
  return {
    ...columns,
    latestTimingType: s.latestTiming?.type ?? null,
    latestTimingDate: s.latestTiming?.date ?? null,
    latestTimingExpected: s.latestTiming?.expectedDate ?? null,
    lastSignalOn: s.lastSignalOn,
    priorSlips: s.priorSlips,
  };
}

/** Each grade change starts from the grade the one before it ended at: no change was lost. */
async function expectUnbrokenHistory(id: number) {
  const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, id)).orderBy(asc(gradeChanges.id));
  for (let i = 1; i < history.length; i++) expect({ i, from: history[i]!.fromGrade }).toEqual({ i, from: history[i - 1]!.toGrade });
  return history;
}

const ctx = (today = '2026-06-30') => ({ today, actor: { name: 'test' } });

/**
 * `d` for a long-running job, where other work lands just as the job starts its first transaction:
 * `meanwhile` runs (on the plain database, to completion) before that transaction begins.
 */
function interrupted(d: Db, meanwhile: () => Promise<unknown>) {
  let fired = false;
  const proxy = new Proxy(d, {
    get(target, key, receiver) {
      if (key !== 'transaction') return Reflect.get(target, key, receiver);
      return async (...args: Parameters<Db['transaction']>) => {
        if (!fired) {
          fired = true;
          await meanwhile();
        }
        return target.transaction(...args);
      };
    },
  });
  return { db: proxy, fired: () => fired };
}

/** 12 open prospects whose selection of 2026-01-10 has slipped by 2026-07-11 (grade B). */
async function slippedProspects(n = 12) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = await insertProspect(db, { addedOn: '2026-01-10' }, '2026-01-10');
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-01-10' }, '2026-01-10');
    ids.push(p.id);
  }
  return ids;
}

describe(`no lost updates (${testDb()})`, () => {
  it('two edits of one prospect based on the same version: exactly one wins, the other gets a conflict, the row holds the winner’s values', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    const edits = [
      { employees: 20, revenue: 100_000, growthPct: -3, need: 'low' as const },
      { employees: 5000, industry: 'Retail', need: 'critical' as const },
    ];
    const results = await Promise.all(edits.map((e) => updateProspect(db, p.id, 1, e, ctx())));
    const winners = results.filter((r) => r.ok);
    const losers = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = winners[0]!;
    const loser = losers[0]!;
    expect(loser.reason).toBe('conflict');
    const won = edits[results.indexOf(winner)]!;
    const stored = await row(p.id);
    expect(stored).toMatchObject({ ...won, version: 2 });
    expect(stored).toEqual(winner.account);
    if (loser.reason === 'conflict') expect(loser.current).toMatchObject({ ...won, version: 2 });
    expect(stored).toMatchObject(await fresh(db, p.id, '2026-06-30'));
    expect((await expectUnbrokenHistory(p.id)).filter((h) => h.cause === 'edit').length).toBeLessThanOrEqual(1);
  });

  it('ten edits at once on the same version: one succeeds, nine conflict, the version goes up by one', async () => {
    const p = await insertProspect(db);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => updateProspect(db, p.id, 1, { employees: 100 + i }, ctx())));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'conflict')).toHaveLength(9);
    const winner = results.findIndex((r) => r.ok);
    expect(await row(p.id)).toMatchObject({ employees: 100 + winner, version: 2 });
  });

  it('two PATCHes on the same version through the API: one 200, one 409', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    const res = await Promise.all([
      t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 700 }),
      t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 900 }),
    ]);
    expect(res.map((r) => r.status).sort()).toEqual([200, 409]);
    const ok = await res.find((r) => r.status === 200)!.json();
    const conflict = await res.find((r) => r.status === 409)!.json();
    expect(conflict).toMatchObject({ currentVersion: 2, current: { employees: ok.employees } });
    expect(await row(p.id)).toMatchObject({ version: 2, employees: ok.employees });
  });

  it('20 signals logged at once on one prospect are all stored, and the stored grade is a fresh grade of all of them', async () => {
    const p = await insertProspect(db);
    const types = ['selection_started', 'need_denied', 'incumbent_failing', 'call', 'need_no_urgency', 'waiting_on_event', 'incumbent_satisfied', 'meeting', 'incumbent_aging', 'email'];
    const inputs = Array.from({ length: 20 }, (_, i) => {
      const type = types[i % types.length]!;
      // Many on one date, so which was logged last decides the grade.
      return signalSchema('2026-06-30').parse({ type, date: i % 3 ? '2026-06-20' : '2026-05-10', ...(type === 'waiting_on_event' ? { event: 'Budget', expectedDate: '2026-09-01' } : {}) });
    });
    const results = await Promise.all(inputs.map((s) => logSignal(db, p.id, s, ctx())));
    expect(results.every((r) => r.ok)).toBe(true);
    const stored = await db.select().from(signals).where(eq(signals.accountId, p.id));
    expect(stored).toHaveLength(20);
    expect(new Set(stored.map((s) => s.id)).size).toBe(20);
    expect(await row(p.id)).toMatchObject(await fresh(db, p.id, '2026-06-30'));
    await expectUnbrokenHistory(p.id);
  });

  describe('the daily re-grade and a signal or edit at the same time', () => {
    const today = '2026-07-11';
    const denied = signalSchema(today).parse({ type: 'need_denied', date: today });
    const weak = { employees: 30, revenue: 500_000, growthPct: -5, need: 'low' as const };

    async function expectConsistent(ids: number[], expected: Record<string, unknown>) {
      for (const id of ids) {
        expect(await row(id)).toMatchObject({ id, ...expected, gradedOn: today, ...(await fresh(db, id, today)) });
        await expectUnbrokenHistory(id);
      }
      // A second run that day finds nothing left to do.
      expect(await regradeOpenProspects(db, { asOf: today })).toMatchObject({ updated: 0, changed: 0 });
    }

    it('signals logged as the re-grade starts writing are not overwritten by it', async () => {
      const ids = await slippedProspects();
      const run = interrupted(db, () => Promise.all(ids.map((id) => logSignal(db, id, denied, ctx(today)))));
      const stats = await regradeOpenProspects(run.db, { asOf: today, batchSize: 5 });
      expect(run.fired()).toBe(true);
      expect(stats.scanned).toBe(12);
      // need_denied today: window D.
      await expectConsistent(ids, { grade: 'D', closeBy: null, latestTimingType: 'need_denied' });
    });

    it('edits made as the re-grade starts writing are graded with their new values', async () => {
      const ids = await slippedProspects();
      const run = interrupted(db, () => Promise.all(ids.map((id) => updateProspect(db, id, 1, weak, ctx(today)))));
      await regradeOpenProspects(run.db, { asOf: today, batchSize: 5 });
      expect(run.fired()).toBe(true);
      // Slipped A → B, then fit 21 < 40 demotes to C.
      await expectConsistent(ids, { ...weak, version: 2, grade: 'C', fit: 21 });
    });

    it('a prospect disqualified as the re-grade starts writing is left as disqualified', async () => {
      const ids = await slippedProspects(3);
      const run = interrupted(db, () => changeStatus(db, ids[0]!, { status: 'disqualified', reason: 'No budget' }, ctx(today)));
      await regradeOpenProspects(run.db, { asOf: today });
      expect(run.fired()).toBe(true);
      expect(await row(ids[0]!)).toMatchObject({ status: 'disqualified', grade: 'B', gradedOn: today });
      expect((await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, ids[0]!))).filter((c) => c.cause === 'daily')).toEqual([]);
    });

    it('signals logged at random moments of a run leave every grade consistent', async () => {
      const ids = await slippedProspects();
      const [stats, ...logged] = await Promise.all([
        regradeOpenProspects(db, { asOf: today, batchSize: 1 }),
        ...ids.map(async (id, i) => {
          await new Promise((r) => setTimeout(r, i));
          return logSignal(db, id, denied, ctx(today));
        }),
      ]);
      expect(stats.scanned).toBe(12);
      expect(logged.every((r) => r.ok)).toBe(true);
      await expectConsistent(ids, { grade: 'D' });
    });

    it('edits made at random moments of a run are graded with their new values', async () => {
      const ids = await slippedProspects();
      const [, ...edited] = await Promise.all([
        regradeOpenProspects(db, { asOf: today, batchSize: 1 }),
        ...ids.map(async (id, i) => {
          await new Promise((r) => setTimeout(r, i));
          return updateProspect(db, id, 1, weak, ctx(today));
        }),
      ]);
      expect(edited.every((r) => r.ok)).toBe(true);
      await expectConsistent(ids, { ...weak, grade: 'C', fit: 21 });
    });
  });
});
