import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { count, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type { AppEnv } from '../../src/app-env.ts';
import { parseConfig } from '../../src/config.ts';
import { tieringApi } from '../../src/customers/api.ts';
import * as schema from '../../src/db/schema.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

// Not mounted in src/app.tsx yet: a small app with the same dependencies carries the router.
function tieringApp(today = '2026-06-30') {
  const deps = { db, config: parseConfig({}), clock: fixedClock(today) };
  const app = new Hono<AppEnv>();
  app.use('*', (c, next) => {
    c.set('deps', deps);
    c.set('actor', { name: 'test' });
    return next();
  });
  app.route('/api', tieringApi());
  return app;
}

const asOf = '2026-06-30';
const post = (body: unknown, opts: { today?: string; type?: string } = {}) =>
  tieringApp(opts.today).request('/api/tiering/preview', {
    method: 'POST',
    headers: { 'content-type': opts.type ?? 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const preview = async (body: unknown) => {
  const res = await post(body);
  expect(res.status).toBe(200);
  return res.json();
};

async function issuePaths(res: Response): Promise<string[]> {
  expect(res.status).toBe(422);
  const body = await res.json();
  expect(body.error).toBe('validation failed');
  for (const i of body.issues) expect(typeof i.message).toBe('string');
  return body.issues.map((i: { path: string }) => i.path);
}

const issueDeal = { value: 120000, marginPct: 32, status: 'won', closedOn: '2026-03-02' };
const issueBody = { asOf, customer: { daysPaidLate: 12, priorFit: 72 }, deals: [issueDeal] };

describe('POST /api/tiering/preview', () => {
  it('answers the contract of the issue: tier, score and reasons', async () => {
    const res = await post(issueBody);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.json();
    expect(body).toMatchObject({ tier: 'Key', score: 71.9, incomplete: false, asOf, policyVersion: 1 });
    expect(body.reasons).toEqual(
      expect.arrayContaining([
        'Sales, last 12 months (2025-07-01 to 2026-06-30): 120 k from 1 won deal, band 50 k–200 k → 80 × 30 %.',
        'Lifetime sales: 120 k from 1 won deal, band 50 k–250 k → 50 × 15 %.',
        'Credit: paid 12 days late on average, band 1–30 days → 70 × 20 %.',
        'Margin: 32 % on the won deal of the last 12 months, band 25–40 % → 80 × 15 %.',
        "Growth: first year, no sales in the 12 months before (2024-07-01 to 2025-06-30), so the prospect's last fit 72 stands in → 72 × 20 %.",
        '71.9 ≥ 60: Key (Strategic from 75).',
      ]),
    );
    expect(body.reasons.at(-1)).toBe('Tier Key as of 2026-06-30.');
    expect(body.summary).toBe('Key: score 71.9 — sales 12 m 120 k → 80, lifetime 120 k → 50, 12 days late → 70, margin 32 % → 80, growth from prior fit 72');
    expect(body).toMatchObject({ sales12m: 120000, salesPrior12m: 0, lifetimeSales: 120000, wonDeals12m: 1, wonDeals: 1 });
    expect(body.factors.map((f: { factor: string; points: number | null }) => [f.factor, f.points])).toEqual([
      ['sales12m', 80],
      ['lifetimeSales', 50],
      ['credit', 70],
      ['margin', 80],
      ['growth', 72],
    ]);
  });

  // The worked examples of README.md "The tiering rules" (also rows of test/unit/tiering.test.ts).
  const deal = (value: number, closedOn: string, marginPct: number | null = 30) => ({ value, marginPct, status: 'won', closedOn });
  it.each([
    ['a growing customer: 97, Strategic', { daysPaidLate: 0 }, [deal(240000, '2026-01-15', 42), deal(150000, '2025-03-15'), deal(210000, '2023-03-15')], 'Strategic', 97],
    ['a big but shrinking customer: 75, Strategic', { daysPaidLate: 5 }, [deal(250000, '2026-03-02'), deal(900000, '2025-03-01', 25)], 'Strategic', 75],
    ['a small steady customer: 60, Key', { daysPaidLate: 10 }, [deal(36000, '2026-03-02', 20), deal(30000, '2025-03-01', 20)], 'Key', 60],
    ['a first year without a fit: 73.8, Key (growth left out)', { daysPaidLate: 0 }, [deal(60000, '2026-01-15', 22)], 'Key', 73.8],
    ['a lapsed customer with no payment record: 26.9, Standard', {}, [deal(80000, '2025-05-01')], 'Standard', 26.9],
    ['a first year after an old deal, prior fit 79.5: 59.9, Standard', { daysPaidLate: 10, priorFit: 79.5 }, [deal(30000, '2023-01-10', 20), deal(36000, '2026-03-02', 20)], 'Standard', 59.9],
  ])('worked example: %s', async (_why, customer, deals, tier, score) => {
    const body = await preview({ asOf, customer, deals });
    expect({ tier: body.tier, score: body.score }).toEqual({ tier, score });
    expect(body.reasons.at(-1)).toBe(`Tier ${tier} as of ${asOf}.`);
  });

  it('explains the first-year rule and rescaling when growth and credit are left out', async () => {
    const body = await preview({ asOf, customer: {}, deals: [issueDeal] });
    // (80·30 + 50·15 + 80·15) / 60 = 4350 / 60 = 72.5
    expect(body).toMatchObject({ tier: 'Key', score: 72.5, incomplete: true });
    expect(body.reasons).toContain('Growth left out: first year, no sales in the 12 months before (2024-07-01 to 2025-06-30), and no prospect fit to stand in.');
    expect(body.reasons).toContain('Score incomplete: credit, growth left out; the other weights were scaled to sum to 100.');
    expect(body.reasons).toContain('Score 72.5: 80 × 50 % + 50 × 25 % + 80 × 25 %.');
  });

  it('open and lost deals count for nothing', async () => {
    const big = { value: 5_000_000, marginPct: 90, closedOn: '2026-05-01' };
    const body = await preview({ ...issueBody, deals: [issueDeal, { ...big, status: 'open' }, { ...big, status: 'lost' }, { value: 900000, status: 'open' }] });
    expect(body).toMatchObject({ tier: 'Key', score: 71.9, sales12m: 120000, lifetimeSales: 120000, wonDeals: 1 });
  });

  it('a won deal closed after the as-of day counts for nothing; on the as-of day it counts', async () => {
    const later = await preview({ ...issueBody, deals: [issueDeal, { ...issueDeal, value: 500000, closedOn: '2026-07-01' }] });
    expect(later).toMatchObject({ score: 71.9, sales12m: 120000 });
    const today = await preview({ ...issueBody, deals: [issueDeal, { ...issueDeal, value: 500000, closedOn: asOf }] });
    expect(today).toMatchObject({ sales12m: 620000, lifetimeSales: 620000, wonDeals12m: 2 });
  });

  it('no customer and no deals: sales of 0 still score, the rest is left out', async () => {
    const body = await preview({ asOf });
    // sales 20 × 30 + lifetime 20 × 15, rescaled over 45: 20
    expect(body).toMatchObject({ tier: 'Standard', score: 20, incomplete: true, sales12m: 0, wonDeals: 0 });
    expect(body.reasons).toContain('20 < 60: Standard.');
  });

  it('without asOf scores as of today', async () => {
    const res = await post({ customer: issueBody.customer, deals: [issueDeal] }, { today: '2026-07-15' });
    const body = await res.json();
    expect(body.asOf).toBe('2026-07-15');
    expect(body.reasons.at(-1)).toBe('Tier Key as of 2026-07-15.');
    expect(body.reasons[0]).toContain('(2025-07-16 to 2026-07-15)');
  });

  describe('policy overrides', () => {
    it('tier names and thresholds come from the policy', async () => {
      const tiers = [
        { name: 'Gold', minScore: 70 },
        { name: 'Silver', minScore: 40 },
        { name: 'Bronze', minScore: 0 },
      ];
      const body = await preview({ ...issueBody, policy: { tiering: { tiers } } });
      expect(body).toMatchObject({ tier: 'Gold', score: 71.9, policyVersion: null });
      expect(body.reasons).toContain('71.9 ≥ 70: Gold.');
      expect(body.summary).toMatch(/^Gold: score 71.9 — /);
    });

    it('a weight changed, the rest kept from the current policy', async () => {
      const body = await preview({ ...issueBody, policy: { tiering: { factors: { lifetimeSales: { weight: 200 } } } } });
      // (80·30 + 50·200 + 70·20 + 80·15 + 72·20) / 285 = 57.7
      expect(body).toMatchObject({ tier: 'Standard', score: 57.7 });
      expect(body.reasons).toContain('Lifetime sales: 120 k from 1 won deal, band 50 k–250 k → 50 × 70.2 %.');
    });

    it('are merged over the current stored policy, not the default one', async () => {
      const stored = defaultPolicy();
      stored.tiering.tiers[1]!.minScore = 72;
      await db.insert(schema.policies).values({ body: stored, note: 'stricter Key' });
      const current = await preview(issueBody);
      expect(current).toMatchObject({ tier: 'Standard', score: 71.9, policyVersion: 2 });
      expect(current.reasons).toContain('71.9 < 72: Standard.');
      const overridden = await preview({ ...issueBody, policy: { tiering: { windowMonths: 6 } } });
      expect(overridden).toMatchObject({ tier: 'Standard', policyVersion: null });
      expect(overridden.reasons[0]).toContain('Sales, last 6 months');
    });

    it('an invalid override is a 422 whose issue paths start with policy.', async () => {
      const bad = [
        { tiering: { tiers: [] } },
        { tiering: { tiers: [{ name: 'Low', minScore: 10 }, { name: 'High', minScore: 90 }] } },
        { tiering: { tiers: [{ name: 'Same', minScore: 60 }, { name: 'same', minScore: 0 }] } },
        { tiering: { factors: { margin: { weight: -1 } } } },
        { tiering: { factors: { credit: { steps: [{ from: 31, points: 40 }, { from: 1, points: 70 }] } } } },
        { tiering: { windowMonths: 'a year' } },
        { tiering: 'generous' },
      ];
      for (const policy of bad) {
        const paths = await issuePaths(await post({ ...issueBody, policy }));
        expect(paths.length).toBeGreaterThan(0);
        for (const p of paths) expect(p.startsWith('policy.tiering')).toBe(true);
      }
      expect(await issuePaths(await post({ ...issueBody, policy: { tiering: { factors: { margin: { weight: -1 } } } } }))).toEqual(['policy.tiering.factors.margin.weight']);
      expect(await issuePaths(await post({ ...issueBody, policy: { tiering: { tiers: [] } } }))).toEqual(['policy.tiering.tiers']);
    });
  });

  describe('bad input', () => {
    const withDeal = (d: Record<string, unknown>) => ({ asOf, deals: [issueDeal, { ...issueDeal, ...d }] });
    it.each([
      ['asOf', { asOf: '2026-02-30' }],
      ['asOf', { asOf: '30/06/2026' }],
      ['customer.daysPaidLate', { asOf, customer: { daysPaidLate: -1 } }],
      ['customer.daysPaidLate', { asOf, customer: { daysPaidLate: '12' } }],
      ['customer.priorFit', { asOf, customer: { priorFit: 101 } }],
      ['customer.priorFit', { asOf, customer: { priorFit: -0.5 } }],
      ['customer', { asOf, customer: 'big' }],
      ['deals', { asOf, deals: issueDeal }],
      ['deals.1.value', withDeal({ value: -1 })],
      ['deals.1.value', withDeal({ value: '120000' })],
      ['deals.1.value', withDeal({ value: null })],
      ['deals.1.marginPct', withDeal({ marginPct: 100.5 })],
      ['deals.1.marginPct', withDeal({ marginPct: -1 })],
      ['deals.1.status', withDeal({ status: 'pending' })],
      ['deals.1.status', withDeal({ status: undefined })],
      ['deals.1.closedOn', withDeal({ closedOn: '2026-02-30' })],
      ['deals.1.closedOn', withDeal({ closedOn: '2026-13-01' })],
      ['deals.1.closedOn', withDeal({ closedOn: null })], // a won deal needs its close date
    ])('names %s', async (path, body) => {
      expect(await issuePaths(await post(body))).toEqual([path]);
    });

    it('an open deal needs no close date', async () => {
      expect((await post({ asOf, deals: [{ value: 1000, status: 'open' }] })).status).toBe(200);
    });

    it('names every bad field at once', async () => {
      const paths = await issuePaths(
        await post({
          asOf: '2026-02-30',
          customer: { daysPaidLate: -3, priorFit: 150 },
          deals: [{ value: -5, marginPct: 120, status: 'maybe', closedOn: '2026-02-30' }],
        }),
      );
      expect(paths.sort()).toEqual(['asOf', 'customer.daysPaidLate', 'customer.priorFit', 'deals.0.closedOn', 'deals.0.marginPct', 'deals.0.status', 'deals.0.value']);
    });

    it('malformed JSON is a 400, a form post a 415', async () => {
      const res = await post('{"asOf": ');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'the body is not valid JSON' });
      expect((await post('asOf=2026-06-30', { type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    });
  });

  it('stores nothing', async () => {
    await insertProspect(db);
    const tables = Object.values(schema as Record<string, unknown>).filter((t): t is PgTable => is(t, PgTable));
    expect(tables.length).toBeGreaterThanOrEqual(10);
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const t of tables) out[getTableName(t)] = (await db.select({ n: count() }).from(t))[0]!.n;
      return out;
    };
    const before = await counts();
    expect(before).toMatchObject({ accounts: 1, policies: 1, deals: 0, tier_changes: 0 });
    expect((await post(issueBody)).status).toBe(200);
    expect((await post({ ...issueBody, policy: { tiering: { windowMonths: 6 } } })).status).toBe(200);
    expect((await post({ ...issueBody, policy: { tiering: { tiers: [] } } })).status).toBe(422);
    expect((await post({ asOf, deals: [{ value: -1, status: 'won' }] })).status).toBe(422);
    expect(await counts()).toEqual(before);
  });
});
