import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { accounts, auditLog, deals, jobRuns, policies, tierChanges } from '../../src/db/schema.ts';
import { applyTiering } from '../../src/customers/apply-tiering.ts';
import { quarterlyRetierJob } from '../../src/customers/jobs.ts';
import { dealTotalsByAccount, previewRetier, quarterOf, retierCustomers } from '../../src/customers/retier.ts';
import { dealTotals, type DealFact } from '../../src/customers/tiering.ts';
import { recordPayment } from '../../src/customers/deal-actions.ts';
import { runJobOnce } from '../../src/jobs/scheduler.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const allAccounts = () => db.select().from(accounts).orderBy(asc(accounts.id));
const allTierChanges = () => db.select().from(tierChanges).orderBy(asc(tierChanges.id));
const everything = async () => ({ accounts: await allAccounts(), tierChanges: await allTierChanges(), audit: await db.select().from(auditLog).orderBy(asc(auditLog.id)) });
async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}

/**
 * Fading: 250 k won 2025-06-15 (Strategic then); by 2026-07-01 that sale is in the 12 months
 * before, nothing since: sales 0 → 20, lifetime 250 k → 80, margin unknown, growth −100 % → 20: 33.8, Standard.
 * Steady: 250 k won 2026-06-01, Strategic 91.1 then and on 2026-07-01.
 */
async function fadingAndSteady() {
  const fading = await insertCustomer(db, { name: 'Fading Foods', addedOn: '2025-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2025-06-15' }], '2025-06-15');
  const steady = await insertCustomer(db, { name: 'Steady Steel', addedOn: '2026-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2026-06-01' }], '2026-06-01');
  const prospect = await insertProspect(db, { name: 'Still Prospecting' }, '2026-06-01');
  await insertDeal(db, prospect.id, { title: 'Open pilot' }, '2026-06-01');
  expect(fading).toMatchObject({ tier: 'Strategic', tierScore: 91.1 });
  expect(steady).toMatchObject({ tier: 'Strategic', tierScore: 91.1 });
  return { fading, steady, prospect };
}

describe('previewRetier', () => {
  it('writes nothing and lists exactly the customers whose tier would change, from → to with scores', async () => {
    const { fading } = await fadingAndSteady();
    const before = await everything();
    const p = await previewRetier(db, { asOf: '2026-07-01' });
    expect(p).toEqual({
      asOf: '2026-07-01',
      policyVersion: 1,
      scanned: 2,
      changes: 1,
      rescored: 0,
      byMove: [{ from: 'Strategic', to: 'Standard', n: 1 }],
      moves: [{ id: fading.id, name: 'Fading Foods', from: 'Strategic', to: 'Standard', fromScore: 91.1, score: 33.8 }],
      truncated: false,
    });
    expect(await everything()).toEqual(before);
  });

  it('counts every change but lists only up to the limit', async () => {
    await fadingAndSteady();
    await insertCustomer(db, { name: 'Fading Two', addedOn: '2025-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2025-06-15' }], '2025-06-15');
    const p = await previewRetier(db, { asOf: '2026-07-01', limit: 1 });
    expect(p).toMatchObject({ changes: 2, truncated: true, byMove: [{ from: 'Strategic', to: 'Standard', n: 2 }] });
    expect(p.moves).toHaveLength(1);
  });
});

describe('retierCustomers', () => {
  it('writes each tier change once, with from, to, score, reasons, cause and who; a second run for the same day writes nothing', async () => {
    const { fading, steady, prospect } = await fadingAndSteady();
    const steadyBefore = await row(steady.id);
    const prospectBefore = await row(prospect.id);
    const stats = await retierCustomers(db, { asOf: '2026-07-01', cause: 'manual', actor: 'Lena Novak' });
    expect(stats).toMatchObject({ asOf: '2026-07-01', policyVersion: 1, scanned: 2, updated: 1, changed: 1 });
    expect(await row(fading.id)).toMatchObject({ tier: 'Standard', tierScore: 33.8, tieredOn: '2026-07-01', tierPolicyVersion: 1 });
    expect((await row(fading.id)).tierReason).toMatch(/^Standard: score 33\.8/);
    expect(await row(steady.id)).toEqual(steadyBefore);
    expect(await row(prospect.id)).toEqual(prospectBefore);
    const change = (await allTierChanges()).at(-1)!;
    expect(change).toMatchObject({ accountId: fading.id, fromTier: 'Strategic', toTier: 'Standard', score: 33.8, cause: 'manual', actor: 'Lena Novak', asOf: '2026-07-01', policyVersion: 1 });
    expect(change.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^Growth: −?-?100 %/), 'Tier Standard as of 2026-07-01.']));
    expect((await db.select().from(auditLog)).at(-1)).toMatchObject({ entity: 'account', action: 'retier_manual', actor: 'Lena Novak', after: expect.objectContaining({ changed: 1, updated: 1 }) });

    const after = await everything();
    expect(await retierCustomers(db, { asOf: '2026-07-01', cause: 'manual', actor: 'Lena Novak' })).toMatchObject({ scanned: 2, updated: 0, changed: 0 });
    expect(await everything()).toEqual(after);
    expect(await previewRetier(db, { asOf: '2026-07-01' })).toMatchObject({ changes: 0, rescored: 0, moves: [] });
  });

  it('applies what the preview listed, and a new policy version re-scores every customer', async () => {
    const a = await insertCustomer(db, { name: 'A' }, [{ value: 20_000 }]); // 57.4 Standard
    const b = await insertCustomer(db, { name: 'B' }, [{ value: 100_000 }]); // 74.3 Key
    const c = await insertCustomer(db, { name: 'C' }, [{ value: 5_000, marginPct: 5 }]); // Standard
    await recordPayment(db, b.id, { daysPaidLate: 0 }, { today: '2026-06-30', actor: { name: 'test' } }); // 79.4 Strategic
    const policy = structuredClone((await currentPolicy(db)).policy);
    policy.tiering.tiers = [
      { name: 'Strategic', minScore: 80 },
      { name: 'Key', minScore: 55 },
      { name: 'Standard', minScore: 0 },
    ];
    await db.insert(policies).values({ body: policy, note: 'lower Key' });
    const preview = await previewRetier(db, { asOf: '2026-06-30' });
    expect(preview).toMatchObject({ policyVersion: 2, scanned: 3, changes: 2, rescored: 1 });
    expect(preview.moves.map((m) => [m.id, m.from, m.to])).toEqual([
      [a.id, 'Standard', 'Key'],
      [b.id, 'Strategic', 'Key'],
    ]);
    const before = (await allTierChanges()).length;
    expect(await retierCustomers(db, { asOf: '2026-06-30', cause: 'manual', actor: 'm' })).toMatchObject({ scanned: 3, updated: 3, changed: 2 });
    const applied = (await allTierChanges()).slice(before);
    expect(applied.map((t) => ({ id: t.accountId, from: t.fromTier, to: t.toTier, score: t.score }))).toEqual(preview.moves.map((m) => ({ id: m.id, from: m.from, to: m.to, score: m.score })));
    expect((await allAccounts()).map((x) => x.tierPolicyVersion)).toEqual([2, 2, 2]);
    expect(await row(c.id)).toMatchObject({ tier: 'Standard' });
  });

  it('gives the same result in batches of 2 as a fresh score of each customer, and leaves prospects alone', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const day = i % 2 ? '2025-06-15' : '2026-03-01';
      const c = await insertCustomer(db, { name: `Customer ${i}`, addedOn: '2025-01-01' }, [{ value: 10_000 * (i + 1) ** 2, marginPct: 5 * i, closedOn: day }], day);
      ids.push(c.id);
      if (i === 3) await insertProspect(db, { name: 'In between' });
    }
    const stats = await retierCustomers(db, { asOf: '2026-07-01', cause: 'quarterly', actor: 'q', batchSize: 2 });
    expect(stats.scanned).toBe(7);
    // tiered_on is left out: a run writes only rows whose tier, score or reason moved.
    const withoutTieredOn = async () => (await allAccounts()).map(({ tieredOn: _t, ...r }) => r);
    const stored = await withoutTieredOn();
    const { version, policy } = await currentPolicy(db);
    // applyTiering scores one customer from its own deals: the batch gives the same columns.
    await db.transaction(async (tx) => {
      for (const id of ids) {
        const r = await applyTiering(tx, id, { policy, policyVersion: version, asOf: '2026-07-01', cause: 'manual', actor: 'check' });
        expect({ id, changed: r!.changed }).toEqual({ id, changed: false });
      }
    });
    expect(await withoutTieredOn()).toEqual(stored);
    expect(stored.find((a) => a.name === 'In between')).toMatchObject({ kind: 'prospect', tier: null });
    expect(await retierCustomers(db, { asOf: '2026-07-01', cause: 'quarterly', actor: 'q', batchSize: 2 })).toMatchObject({ scanned: 7, updated: 0, changed: 0 });
  });
});

const r = (x: number) => Math.round(x * 1e6) / 1e6;

describe('the batch deal totals (summed in SQL)', () => {
  it('equal dealTotals over the same rows: window edges, later, open and lost deals, null margins, other windows', async () => {
    // As of 2026-06-30: the last 12 months start after 2025-06-30, the 12 before after 2024-06-30.
    const a = await insertProspect(db, { name: 'Edges' });
    const b = await insertProspect(db, { name: 'Margins' });
    const c = await insertProspect(db, { name: 'Nothing won' });
    const d = await insertProspect(db, { name: 'No deals' });
    const e = await insertProspect(db, { name: 'Month end' });
    const spec: [number, number, number | null, 'open' | 'won' | 'lost', string | null][] = [
      [a.id, 50_000, 30, 'won', '2025-06-30'], // exactly as-of − 12 months: the 12 before
      [a.id, 40_000, 20, 'won', '2025-07-01'], // the day after: the last 12
      [a.id, 30_000, 10, 'won', '2026-06-30'], // on as-of
      [a.id, 90_000, 90, 'won', '2026-07-01'], // after as-of: nothing
      [a.id, 20_000, 40, 'won', '2024-06-30'], // exactly as-of − 24 months: lifetime only
      [a.id, 10_000, 40, 'won', '2024-07-01'], // the day after: the 12 before
      [a.id, 70_000, 50, 'open', '2026-03-01'],
      [a.id, 80_000, 50, 'lost', '2026-03-01'],
      [b.id, 1_000.01, 9.9, 'won', '2026-03-02'],
      [b.id, 1_000.01, 10.1, 'won', '2026-04-02'],
      [b.id, 300_000, null, 'won', '2026-05-01'], // no margin: sales only
      [b.id, 120_000, null, 'won', '2025-01-15'],
      [c.id, 50_000, 30, 'open', null],
      [c.id, 50_000, 30, 'lost', '2026-01-01'],
      [c.id, 50_000, 30, 'won', '2027-01-01'],
      [e.id, 5_000, 25, 'won', '2027-02-28'],
      [e.id, 6_000, 35, 'won', '2027-03-01'],
      [e.id, 7_000, null, 'won', '2026-02-28'],
    ];
    await db.insert(deals).values(spec.map(([accountId, value, marginPct, status, closedOn], i) => ({ accountId, title: `D${i}`, value, marginPct, status, closedOn })));
    const { policy } = await currentPolicy(db);
    const ids = [a.id, b.id, c.id, d.id, e.id];
    for (const asOf of ['2026-06-30', '2028-02-29']) {
      for (const windowMonths of [12, 6]) {
        const p = { ...policy.tiering, windowMonths };
        const got = await dealTotalsByAccount(db, Math.min(...ids), Math.max(...ids), p, asOf);
        for (const id of ids) {
          const own: DealFact[] = spec.filter((r) => r[0] === id).map(([, value, marginPct, status, closedOn]) => ({ value, marginPct, status, closedOn }));
          const want = dealTotals(own, p, asOf);
          const sums = got.get(id) ?? { sales12m: 0, salesPrior12m: 0, lifetimeSales: 0, wonDeals12m: 0, wonDeals: 0, marginValue: 0, marginWeighted: 0 };
          // Sums of doubles may add in another order in SQL: equal to a millionth, counts exactly.
          const r6 = (t: typeof want) => ({ ...t, sales12m: r(t.sales12m), salesPrior12m: r(t.salesPrior12m), lifetimeSales: r(t.lifetimeSales), marginValue: r(t.marginValue), marginWeighted: r(t.marginWeighted) });
          expect({ id, asOf, windowMonths, ...r6(sums) }).toEqual({ id, asOf, windowMonths, ...r6(want) });
        }
        if (asOf === '2026-06-30' && windowMonths === 12) {
          expect(got.get(a.id)).toEqual({ sales12m: 70_000, salesPrior12m: 60_000, lifetimeSales: 150_000, wonDeals12m: 2, wonDeals: 5, marginValue: 70_000, marginWeighted: 40_000 * 20 + 30_000 * 10 });
          expect(got.has(c.id)).toBe(false);
          expect(got.has(d.id)).toBe(false);
        }
      }
    }
  });
});

describe('the quarterly re-tier job', () => {
  it.each([
    ['2026-01-01', '2026-Q1'],
    ['2026-03-31', '2026-Q1'],
    ['2026-04-01', '2026-Q2'],
    ['2026-09-30', '2026-Q3'],
    ['2026-12-31', '2026-Q4'],
  ])('%s belongs to run key %s', (day, key) => {
    expect(quarterOf(day)).toBe(key);
    expect(quarterlyRetierJob.runKey(day)).toBe(key);
  });

  it('runs once per quarter, even when started twice at once, and records its changes as quarterly', async () => {
    const { fading } = await fadingAndSteady();
    const results = await Promise.all([runJobOnce(db, quarterlyRetierJob, '2026-07-01'), runJobOnce(db, quarterlyRetierJob, '2026-07-01')]);
    expect(results.sort()).toEqual(['ran', 'skipped']);
    expect(await runJobOnce(db, quarterlyRetierJob, '2026-08-15')).toBe('skipped');
    expect(await row(fading.id)).toMatchObject({ tier: 'Standard', tieredOn: '2026-07-01' });
    const quarterly = (await allTierChanges()).filter((t) => t.cause === 'quarterly');
    expect(quarterly).toEqual([expect.objectContaining({ accountId: fading.id, fromTier: 'Strategic', toTier: 'Standard', actor: 'quarterly re-tier', asOf: '2026-07-01' })]);
    expect(await runJobOnce(db, quarterlyRetierJob, '2026-10-01')).toBe('ran');
    const runs = await db.select().from(jobRuns).orderBy(asc(jobRuns.id));
    expect(runs.map((r) => [r.job, r.runKey, r.status])).toEqual([
      ['quarterly-retier', '2026-Q3', 'done'],
      ['quarterly-retier', '2026-Q4', 'done'],
    ]);
    expect(runs[0]!.stats).toMatchObject({ scanned: 2, changed: 1 });
  });
});
