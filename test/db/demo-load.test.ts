import { asc, count, eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accounts, deals, gradeChanges, jobRuns, signals, tierChanges } from '../../src/db/schema.ts';
import { customerFacts } from '../../src/customers/apply-tiering.ts';
import { tierSummary } from '../../src/customers/explain-tier.ts';
import { previewRetier } from '../../src/customers/retier.ts';
import { scoreCustomer } from '../../src/customers/tiering.ts';
import { DEMO_CUSTOMER_MONTHS, DEMO_MONTHS, DEMO_REPS } from '../../src/demo/generate.ts';
import { DemoRefusedError, loadDemo } from '../../src/demo/load-demo.ts';
import { applyGrading, factsOf } from '../../src/grading/apply-grading.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { summaryLine } from '../../src/grading/explain.ts';
import { gradeProspect, makeGrader } from '../../src/grading/grading.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { addMonths } from '../../src/shared/dates.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';

const database = await testDatabase();
const { db } = database;
const today = '2026-11-24';

/** Map.groupBy is Node 21+; the project runs on Node 20. */
function groupBy<T, K>(list: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of list) {
    const k = key(t);
    const group = out.get(k);
    if (group) group.push(t);
    else out.set(k, [t]);
  }
  return out;
}

async function tableCounts() {
  const [a] = await db.select({ n: count() }).from(accounts);
  const [k] = await db.select({ n: count() }).from(accounts).where(eq(accounts.kind, 'customer'));
  const [s] = await db.select({ n: count() }).from(signals);
  const [c] = await db.select({ n: count() }).from(gradeChanges);
  const [d] = await db.select({ n: count() }).from(deals);
  const [t] = await db.select({ n: count() }).from(tierChanges);
  return { prospects: a!.n, customers: k!.n, signals: s!.n, gradeChanges: c!.n, deals: d!.n, tierChanges: t!.n };
}

// Loaded once; the tests of this block only read (applyGrading rewrites identical values).
describe(`the demo loaded into an empty database (${testDb()})`, () => {
  let loaded: Awaited<ReturnType<typeof loadDemo>>;
  let ms = 0;
  beforeAll(async () => {
    await resetDatabase(database);
    const started = performance.now();
    loaded = await loadDemo(db, { today });
    ms = performance.now() - started;
  });

  it('is written in one go, in a few seconds, and the counts reported are the rows written', async () => {
    expect(ms).toBeLessThan(8000); // about 1–1.5 s on an idle machine; generous for a busy one
    expect(loaded).toEqual({ ...(await tableCounts()), skipped: 0 });
    expect(loaded.prospects).toBe(300);
    expect(loaded.signals).toBeGreaterThan(1500);
    expect(loaded.gradeChanges).toBeGreaterThan(loaded.prospects);
    expect(loaded.customers).toBeGreaterThanOrEqual(40);
    expect(loaded.deals).toBeGreaterThan(loaded.customers * 3);
    expect(loaded.tierChanges).toBeGreaterThan(loaded.customers);
  });

  it('stores the grade a fresh grading of each account gives: as of today when open, as of the day it was closed otherwise', async () => {
    const { policy, version } = await currentPolicy(db);
    const rows = await db.select().from(accounts).orderBy(asc(accounts.id));
    const sigs = await db.select().from(signals).orderBy(asc(signals.loggedAt), asc(signals.id));
    const byAccount = groupBy(sigs, (s) => s.accountId);
    for (const a of rows) {
      if (a.kind === 'customer') expect(a.gradedOn).toBe(a.convertedOn); // frozen as it closed
      else if (a.status === 'open') expect(a.gradedOn).toBe(today);
      else expect(a.gradedOn! < today && a.gradedOn! >= a.addedOn).toBe(true);
      const own = byAccount.get(a.id) ?? [];
      const g = gradeProspect(factsOf(a), own, policy.grading, a.gradedOn!);
      const summary = makeGrader(policy.grading, a.gradedOn!).summarize(own);
      expect(
        { type: a.latestTimingType, date: a.latestTimingDate, expected: a.latestTimingExpected, lastSignalOn: a.lastSignalOn, priorSlips: a.priorSlips },
        a.name,
      ).toEqual({
        type: summary.latestTiming?.type ?? null,
        date: summary.latestTiming?.date ?? null,
        expected: summary.latestTiming?.expectedDate ?? null,
        lastSignalOn: summary.lastSignalOn,
        priorSlips: summary.priorSlips,
      });
      expect(
        { grade: a.grade, fit: a.fit, closeBy: a.closeBy, flags: a.flags, slipCount: a.slipCount, reason: a.reason, policyVersion: a.policyVersion },
        a.name,
      ).toEqual({ grade: g.grade, fit: g.fit.score, closeBy: g.closeBy, flags: g.flags, slipCount: g.slipCount, reason: summaryLine(g, policy.grading), policyVersion: version });
    }
  });

  it("leaves nothing for applyGrading or today's daily re-grade to change", async () => {
    const { policy, version } = await currentPolicy(db);
    const before = await db.select().from(accounts).orderBy(asc(accounts.id));
    const changesBefore = (await tableCounts()).gradeChanges;

    const open = before.filter((a) => a.kind === 'prospect' && a.status === 'open');
    expect(open.length).toBeGreaterThan(220); // the rest are closed, or customers
    expect(await regradeOpenProspects(db, { asOf: today })).toMatchObject({ scanned: open.length, updated: 0, changed: 0 });
    // applyGrading reads every signal row: a sample of a quarter of the accounts keeps this quick.
    await db.transaction(async (tx) => {
      for (const a of open.filter((_, i) => i % 4 === 0)) {
        const r = await applyGrading(tx, a.id, { policy, policyVersion: version, asOf: today, cause: 'daily', actor: 'test' });
        expect(r!.changed, a.name).toBe(false);
      }
    });
    expect(await db.select().from(accounts).orderBy(asc(accounts.id))).toEqual(before);
    expect((await tableCounts()).gradeChanges).toBe(changesBefore);
  }, 30_000);

  it('keeps a grade history that starts when each prospect was added, chains grade to grade, and ends at the stored grade', async () => {
    const rows = await db.select().from(accounts);
    const changes = await db.select().from(gradeChanges).orderBy(asc(gradeChanges.at), asc(gradeChanges.id));
    const byAccount = groupBy(changes, (c) => c.accountId);
    const causes = new Set<string>();
    for (const a of rows) {
      const history = byAccount.get(a.id)!;
      const earliest = addMonths(today, a.kind === 'customer' ? -DEMO_CUSTOMER_MONTHS : -DEMO_MONTHS);
      expect(history[0]).toMatchObject({ cause: 'created', fromGrade: null, asOf: a.addedOn });
      history.forEach((c, i) => {
        causes.add(c.cause);
        expect(c.asOf >= earliest && c.asOf <= today, `${a.name} ${c.asOf}`).toBe(true);
        expect(c.at.toISOString().slice(0, 10)).toBe(c.asOf);
        if (i > 0) expect(c.fromGrade).toBe(history[i - 1]!.toGrade);
        if (c.cause === 'signal') expect(DEMO_REPS).toContain(c.actor);
        expect(Array.isArray(c.reasons)).toBe(true);
      });
      expect({ grade: history.at(-1)!.toGrade, flags: history.at(-1)!.flags }).toEqual({ grade: a.grade, flags: a.flags });
    }
    expect(causes).toEqual(new Set(['created', 'signal', 'daily', 'converted']));
    // Days passing move grades: windows draw nearer, close-by dates pass, prospects go stale.
    const daily = changes.filter((c) => c.cause === 'daily');
    expect(daily.some((c) => c.flags.includes('slipped'))).toBe(true);
    expect(daily.some((c) => c.flags.includes('stale'))).toBe(true);
    expect(daily.some((c) => c.fromGrade === 'B' && c.toGrade === 'A')).toBe(true);
  });

  it('converts about 15 % into customers across every tier: closed at the grade they had, with the tier their deals give', async () => {
    const { policy, version } = await currentPolicy(db);
    const customers = await db.select().from(accounts).where(eq(accounts.kind, 'customer')).orderBy(asc(accounts.id));
    const allDeals = groupBy(await db.select().from(deals).orderBy(asc(deals.id)), (d) => d.accountId);
    const changes = groupBy(await db.select().from(gradeChanges).orderBy(asc(gradeChanges.at), asc(gradeChanges.id)), (c) => c.accountId);
    expect(new Set(customers.map((c) => c.tier))).toEqual(new Set(policy.tiering.tiers.map((t) => t.name)));
    for (const c of customers) {
      const own = allDeals.get(c.id)!;
      const firstWon = own.find((d) => d.status === 'won')!;
      expect(c, c.name).toMatchObject({ status: 'open', convertedOn: firstWon.closedOn, closedGrade: c.grade, tierPolicyVersion: version });
      expect(['A', 'B']).toContain(c.closedGrade);
      // The conversion closes its grade history.
      expect(changes.get(c.id)!.at(-1), c.name).toMatchObject({ cause: 'converted', fromGrade: c.closedGrade, toGrade: c.closedGrade, asOf: c.convertedOn, reason: `converted: closed at grade ${c.closedGrade} on ${c.convertedOn}` });
      // Its stored tier is what scoring as of the day it was last tiered gives.
      const t = scoreCustomer(customerFacts(c), own, policy.tiering, c.tieredOn!);
      expect({ tier: c.tier, score: c.tierScore, reason: c.tierReason }, c.name).toEqual({ tier: t.tier, score: t.score, reason: tierSummary(t, policy.tiering) });
      expect(c.tieredOn! >= c.convertedOn! && c.tieredOn! <= today).toBe(true);
    }
    const prospects = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.kind, 'prospect'));
    for (const p of prospects) expect((allDeals.get(p.id) ?? []).every((d) => d.status !== 'won')).toBe(true);
    expect(prospects.some((p) => (allDeals.get(p.id) ?? []).some((d) => d.status === 'open'))).toBe(true);
    expect(prospects.some((p) => (allDeals.get(p.id) ?? []).some((d) => d.status === 'lost'))).toBe(true);
  });

  it('keeps a tier history from each conversion: re-scored at deals, payments and quarterly, chaining tier to tier, ending at the stored tier', async () => {
    const customers = await db.select().from(accounts).where(eq(accounts.kind, 'customer'));
    const history = groupBy(await db.select().from(tierChanges).orderBy(asc(tierChanges.at), asc(tierChanges.id)), (t) => t.accountId);
    const causes = new Set<string>();
    for (const c of customers) {
      const own = history.get(c.id)!;
      expect(own[0], c.name).toMatchObject({ cause: 'converted', fromTier: null, asOf: c.convertedOn });
      own.forEach((t, i) => {
        causes.add(t.cause);
        if (i > 0) expect(t.fromTier, c.name).toBe(own[i - 1]!.toTier);
        if (i > 0) expect(t.toTier, c.name).not.toBe(t.fromTier);
        expect(t.at.toISOString().slice(0, 10)).toBe(t.asOf);
        expect(t.reasons).toEqual(expect.arrayContaining([`Tier ${t.toTier} as of ${t.asOf}.`]));
      });
      expect(own.at(-1)!.toTier, c.name).toBe(c.tier);
    }
    expect(causes).toContain('quarterly');
    expect(causes).toContain('converted');
    expect([...causes].every((x) => ['converted', 'deal', 'payment', 'quarterly'].includes(x))).toBe(true);
    expect(customers.filter((c) => history.get(c.id)!.length > 1).length).toBeGreaterThan(3);
  });

  it("claims this quarter's re-tier as done, and the re-tier preview works on it", async () => {
    const runs = await db.select().from(jobRuns);
    expect(runs).toEqual([expect.objectContaining({ job: 'quarterly-retier', runKey: '2026-Q4', status: 'done' })]);
    const p = await previewRetier(db, { asOf: today });
    expect(p.scanned).toBe(loaded.customers);
  });

  it('stamps each signal as logged at midday of its date, in the order logged', async () => {
    const sigs = await db.select().from(signals).orderBy(asc(signals.accountId), asc(signals.loggedAt), asc(signals.id));
    for (const s of sigs) {
      expect(s.loggedAt.toISOString().slice(0, 10)).toBe(s.date);
      expect(s.loggedAt.getUTCHours()).toBeGreaterThanOrEqual(12);
    }
    const ordered = groupBy(sigs, (s) => s.accountId);
    for (const list of ordered.values()) expect(list.map((s) => s.date)).toEqual(list.map((s) => s.date).sort());
  });

});

describe(`loading the demo again (${testDb()})`, () => {
  beforeEach(() => resetDatabase(database));

  it('refuses a second load without force and changes nothing', async () => {
    await loadDemo(db, { today });
    const counts = await tableCounts();
    await expect(loadDemo(db, { today })).rejects.toThrow(DemoRefusedError);
    await expect(loadDemo(db, { today, seed: 2 })).rejects.toThrow(/already holds 300 accounts.*--force/);
    expect(await tableCounts()).toEqual(counts);
  }, 30_000);

  it('refuses when any account exists, and with force adds only the prospects whose domain and name are new', async () => {
    await db.insert(accounts).values({ name: 'Someone Else', nameKey: 'someone else', domain: 'someone-else.com', addedOn: '2026-01-05' });
    await expect(loadDemo(db, { today })).rejects.toThrow(/already holds 1 account:/);

    const first = await loadDemo(db, { today, force: true });
    expect(first).toMatchObject({ prospects: 300, skipped: 0 });
    const again = await loadDemo(db, { today, force: true });
    expect(again).toEqual({ prospects: 0, customers: 0, signals: 0, gradeChanges: 0, deals: 0, tierChanges: 0, skipped: 300 });

    const other = await loadDemo(db, { today, seed: 2, force: true });
    expect(other.prospects + other.skipped).toBe(300);
    expect(other.prospects).toBeGreaterThan(200);
    const [dupes] = await db.select({ n: count() }).from(accounts).where(eq(accounts.domain, 'someone-else.com'));
    expect(dupes!.n).toBe(1);
    expect((await tableCounts()).prospects).toBe(1 + 300 + other.prospects);
  }, 30_000);
});
