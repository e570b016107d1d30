import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainTier, tierSummary } from '../../src/customers/explain-tier.ts';
import { dealTotals, scoreCustomer, scoreTotals, TIER_FACTORS, type CustomerFacts, type DealFact, type TierFactor, type Tiering } from '../../src/customers/tiering.ts';
import { defaultPolicy, type TieringPolicy } from '../../src/policy/policy.ts';

// DOMAIN.md §2: a customer's value score (0–100) from five banded, weighted factors, and its tier.
const AS_OF = '2026-06-30'; // last 12 months: closed 2025-07-01 … 2026-06-30; the 12 before: 2024-07-01 … 2025-06-30
const policy = (): TieringPolicy => defaultPolicy().tiering;
const won = (value: number, closedOn = '2026-03-02', marginPct: number | null = 32): DealFact => ({ value, marginPct, status: 'won', closedOn });
const score = (customer: CustomerFacts, deals: DealFact[], o: { policy?: TieringPolicy; asOf?: string } = {}) =>
  scoreCustomer(customer, deals, o.policy ?? policy(), o.asOf ?? AS_OF);
const factor = (t: Tiering, f: TierFactor) => t.factors.find((x) => x.factor === f)!;
const points = (t: Tiering, f: TierFactor) => factor(t, f).points;
const shares = (t: Tiering) => Object.fromEntries(t.factors.map((f) => [f.factor, Math.round(f.share * 100) / 100]));

/** The issue's example: 12 days late, prior fit 72, one won deal of 120,000 at 32 % closed 2026-03-02. */
const issueCustomer: CustomerFacts = { daysPaidLate: 12, priorFit: 72 };
const issueDeals: DealFact[] = [won(120_000, '2026-03-02', 32)];

describe('band boundaries: a lower bound belongs to its band', () => {
  it.each([
    [0, 20],
    [9_999, 20],
    [10_000, 50],
    [49_999, 50],
    [50_000, 80],
    [199_999, 80],
    [200_000, 100],
  ])('sales in the last 12 months of %d score %d', (value, p) => {
    const t = score({}, [won(value)]);
    expect(t.sales12m).toBe(value);
    expect(points(t, 'sales12m')).toBe(p);
  });

  it.each([
    [49_999, 20],
    [50_000, 50],
    [249_999, 50],
    [250_000, 80],
    [999_999, 80],
    [1_000_000, 100],
  ])('lifetime sales of %d (all of it years ago) score %d', (value, p) => {
    const t = score({}, [won(value, '2023-01-10')]);
    expect(t.lifetimeSales).toBe(value);
    expect(points(t, 'lifetimeSales')).toBe(p);
    expect(points(t, 'sales12m')).toBe(20);
  });

  it.each([
    [0, 100],
    [0.5, 70], // a fraction of a day late counts as a day
    [1, 70],
    [30, 70],
    [30.5, 40], // counts as 31 days
    [31, 40],
    [60, 40],
    [60.5, 0],
    [61, 0],
    [365, 0],
  ])('paying %d days late on average scores %d for credit', (daysPaidLate, p) => {
    expect(points(score({ daysPaidLate }, [won(100_000)]), 'credit')).toBe(p);
  });

  it.each([
    [0, 20],
    [9.9, 20],
    [10, 50],
    [24.9, 50],
    [25, 80],
    [39.9, 80],
    [40, 100],
    [100, 100],
  ])('a margin of %d %% scores %d', (marginPct, p) => {
    const t = score({}, [won(50_000, '2026-03-02', marginPct)]);
    expect(factor(t, 'margin')).toMatchObject({ value: marginPct, points: p });
  });

  // 100,000 in the 12 months before, then this much in the last 12.
  it.each([
    [99_900, -0.1, 20],
    [100_000, 0, 50],
    [109_900, 9.9, 50],
    [110_000, 10, 80],
    [129_900, 29.9, 80],
    [130_000, 30, 100],
    [0, -100, 20],
  ])('sales of %d after 100,000 the year before: growth %d %% scores %d', (now, pct, p) => {
    const t = score({ priorFit: 5 }, [won(100_000, '2025-03-01'), won(now, '2026-03-02')]);
    expect(factor(t, 'growth')).toMatchObject({ value: pct, points: p, source: 'sales' });
  });

  it('an exact boundary computed from money with cents stays in its band (+10 % of 1,000.10; a 9.9 % / 10.1 % margin pair)', () => {
    const growth = score({}, [won(1_000.1, '2025-03-01'), won(1_100.11, '2026-03-02')]);
    expect(factor(growth, 'growth')).toMatchObject({ value: 10, points: 80 });
    const margin = score({}, [won(1_000.01, '2026-03-02', 9.9), won(1_000.01, '2026-04-02', 10.1)]);
    expect(factor(margin, 'margin')).toMatchObject({ value: 10, points: 50 });
  });
});

describe('tier thresholds', () => {
  // Only growth carries weight, so the score is the prior fit itself.
  const growthOnly = (): TieringPolicy => {
    const p = policy();
    for (const f of ['sales12m', 'lifetimeSales', 'credit', 'margin'] as const) p.factors[f].weight = 0;
    return p;
  };
  it.each([
    [0, 'Standard'],
    [59.9, 'Standard'],
    [60, 'Key'],
    [74.9, 'Key'],
    [75, 'Strategic'],
    [100, 'Strategic'],
  ])('a score of %d is %s', (fit, tier) => {
    const t = score({ priorFit: fit }, [won(120_000)], { policy: growthOnly() });
    expect(t.score).toBe(fit);
    expect(t.tier).toBe(tier);
  });

  // The same thresholds reached by real inputs under the default policy.
  it.each([
    ['first year, prior fit 79.5: (50·30 + 50·15 + 70·20 + 50·15 + 79.5·20) / 100 = 59.9', { daysPaidLate: 10, priorFit: 79.5 }, [won(30_000, '2023-01-10'), won(36_000, '2026-03-02', 20)], 59.9, 'Standard'],
    ['first year, prior fit 80: 60', { daysPaidLate: 10, priorFit: 80 }, [won(30_000, '2023-01-10'), won(36_000, '2026-03-02', 20)], 60, 'Key'],
    ['first year, prior fit 19.5: (100·30 + 100·15 + 70·20 + 80·15 + 19.5·20) / 100 = 74.9', { daysPaidLate: 5, priorFit: 19.5 }, [won(800_000, '2023-05-01'), won(250_000, '2026-03-02', 30)], 74.9, 'Key'],
    ['first year, prior fit 20: 75', { daysPaidLate: 5, priorFit: 20 }, [won(800_000, '2023-05-01'), won(250_000, '2026-03-02', 30)], 75, 'Strategic'],
  ] as const)('%s → %s', (_why, customer, deals, s, tier) => {
    const t = score(customer, [...deals]);
    expect(t.score).toBe(s);
    expect(t.tier).toBe(tier);
  });
});

describe('the 12-month window (as of 2026-06-30)', () => {
  it.each([
    ['closed exactly as-of − 12 months is in the 12 before, not the last 12', '2025-06-30', { sales12m: 0, salesPrior12m: 50_000, lifetimeSales: 50_000, wonDeals12m: 0, wonDeals: 1 }],
    ['closed the day after as-of − 12 months is in the last 12', '2025-07-01', { sales12m: 50_000, salesPrior12m: 0, lifetimeSales: 50_000, wonDeals12m: 1, wonDeals: 1 }],
    ['closed on the as-of day is in the last 12', '2026-06-30', { sales12m: 50_000, salesPrior12m: 0, lifetimeSales: 50_000, wonDeals12m: 1, wonDeals: 1 }],
    ['closed after the as-of day counts for nothing', '2026-07-01', { sales12m: 0, salesPrior12m: 0, lifetimeSales: 0, wonDeals12m: 0, wonDeals: 0 }],
    ['closed exactly as-of − 24 months counts for lifetime only', '2024-06-30', { sales12m: 0, salesPrior12m: 0, lifetimeSales: 50_000, wonDeals12m: 0, wonDeals: 1 }],
    ['closed the day after as-of − 24 months is in the 12 before', '2024-07-01', { sales12m: 0, salesPrior12m: 50_000, lifetimeSales: 50_000, wonDeals12m: 0, wonDeals: 1 }],
  ])('a won deal %s', (_rule, closedOn, sums) => {
    expect(score({}, [won(50_000, closedOn)])).toMatchObject(sums);
  });

  it('the window clamps at a month end: as of 2028-02-29 the last 12 months start after 2027-02-28', () => {
    const asOf = '2028-02-29';
    expect(score({}, [won(50_000, '2027-02-28')], { asOf })).toMatchObject({ sales12m: 0, salesPrior12m: 50_000 });
    expect(score({}, [won(50_000, '2027-03-01')], { asOf })).toMatchObject({ sales12m: 50_000, salesPrior12m: 0 });
  });

  it.each([
    ['open', { value: 500_000, marginPct: 90, status: 'open', closedOn: '2026-03-02' }],
    ['lost', { value: 500_000, marginPct: 90, status: 'lost', closedOn: '2026-03-02' }],
    ['open without a close date', { value: 500_000, status: 'open' }],
    ['won without a close date', { value: 500_000, marginPct: 90, status: 'won', closedOn: null }],
  ])('a deal %s counts for nothing', (_what, deal) => {
    const base = score(issueCustomer, issueDeals);
    const t = score(issueCustomer, [...issueDeals, deal as DealFact]);
    expect(t).toEqual(base);
    expect(t).toMatchObject({ sales12m: 120_000, lifetimeSales: 120_000, wonDeals: 1 });
  });
});

describe('margin: value-weighted over the won deals of the last 12 months', () => {
  it('weighs each deal by its value: 300,000 at 5 % and 100,000 at 45 % average 15 % (50), not 25 % (80)', () => {
    const t = score({}, [won(300_000, '2026-01-10', 5), won(100_000, '2026-04-10', 45)]);
    expect(factor(t, 'margin')).toMatchObject({ value: 15, points: 50 });
  });

  it('deals outside the last 12 months do not count, and a deal without a margin counts for sales only', () => {
    const t = score({}, [won(100_000, '2026-02-01', 30), won(100_000, '2026-03-01', null), won(900_000, '2025-03-01', 90)]);
    expect(factor(t, 'margin')).toMatchObject({ value: 30, points: 80 });
    expect(t).toMatchObject({ sales12m: 200_000, wonDeals12m: 2 });
  });

  it('no won deal in the last 12 months: margin is left out and the rest rescaled', () => {
    // (20·30 + 50·15 + 100·20 + 20·20) / 85 = 3750 / 85 = 44.1
    const t = score({ daysPaidLate: 0 }, [won(80_000, '2025-03-01', 30)]);
    expect(factor(t, 'margin')).toMatchObject({ value: null, points: null, share: 0 });
    expect(t.score).toBe(44.1);
    expect(t.incomplete).toBe(true);
    expect(shares(t)).toEqual({ sales12m: 35.29, lifetimeSales: 17.65, credit: 23.53, margin: 0, growth: 23.53 });
  });

  it('won deals in the last 12 months with no margin recorded: margin is left out', () => {
    const t = score({ daysPaidLate: 0 }, [won(80_000, '2026-03-02', null)]);
    expect(points(t, 'margin')).toBeNull();
    expect(t.incomplete).toBe(true);
  });
});

describe('sales of 0', () => {
  it('still score the base points for sales and lifetime: (20·30 + 20·15 + 100·20) / 65 = 44.6', () => {
    const t = score({ daysPaidLate: 0 }, []);
    expect(t.factors.map((f) => [f.factor, f.points])).toEqual([
      ['sales12m', 20],
      ['lifetimeSales', 20],
      ['credit', 100],
      ['margin', null],
      ['growth', null],
    ]);
    expect(t.score).toBe(44.6);
    expect(t.tier).toBe('Standard');
  });
});

describe('growth, and the first-year rule', () => {
  it('no sales in the 12 months before: the prior fit stands in as the growth points', () => {
    const t = score({ daysPaidLate: 12, priorFit: 72 }, [won(120_000)]);
    expect(factor(t, 'growth')).toMatchObject({ value: null, points: 72, source: 'prior_fit', share: 20 });
    expect(t.incomplete).toBe(false);
  });

  it('sales only more than 24 months ago: the 12 months before had none, so the prior fit still stands in', () => {
    expect(factor(score({ priorFit: 40 }, [won(500_000, '2023-01-10'), won(120_000)]), 'growth')).toMatchObject({ points: 40, source: 'prior_fit' });
  });

  it('first year without a fit: growth is left out and the rest rescaled', () => {
    const t = score({ daysPaidLate: 12 }, issueDeals);
    expect(factor(t, 'growth')).toMatchObject({ points: null, source: 'missing', share: 0 });
    // (80·30 + 50·15 + 70·20 + 80·15) / 80 = 5750 / 80 = 71.875
    expect(t.score).toBe(71.9);
    expect(t.incomplete).toBe(true);
  });

  it('with sales in the 12 months before, growth comes from sales and the prior fit is ignored', () => {
    const t = score({ priorFit: 10 }, [won(100_000, '2025-03-01'), won(150_000, '2026-03-02')]);
    expect(factor(t, 'growth')).toMatchObject({ value: 50, points: 100, source: 'sales' });
    expect(t.salesPrior12m).toBe(100_000);
  });
});

describe('rescaling for missing factors', () => {
  it('no payment record: the other weights are scaled to sum to 100', () => {
    // (80·30 + 50·15 + 80·15 + 72·20) / 80 = 5790 / 80 = 72.375
    const t = score({ priorFit: 72 }, issueDeals);
    expect(points(t, 'credit')).toBeNull();
    expect(t.score).toBe(72.4);
    expect(shares(t)).toEqual({ sales12m: 37.5, lifetimeSales: 18.75, credit: 0, margin: 18.75, growth: 25 });
    expect(t.incomplete).toBe(true);
  });

  it('nothing missing: the shares are the weights', () => {
    const t = score(issueCustomer, issueDeals);
    expect(shares(t)).toEqual({ sales12m: 30, lifetimeSales: 15, credit: 20, margin: 15, growth: 20 });
    expect(t.incomplete).toBe(false);
  });
});

describe("the issue's example", () => {
  it('12 days late, prior fit 72, one won deal of 120,000 at 32 % on 2026-03-02: 71.9, Key', () => {
    const t = score(issueCustomer, issueDeals);
    expect(t.factors.map((f) => [f.factor, f.points])).toEqual([
      ['sales12m', 80],
      ['lifetimeSales', 50],
      ['credit', 70],
      ['margin', 80],
      ['growth', 72],
    ]);
    // 80·.30 + 50·.15 + 70·.20 + 80·.15 + 72·.20 = 24 + 7.5 + 14 + 12 + 14.4 = 71.9 (the issue's "68.5" was illustrative)
    expect(t).toMatchObject({ score: 71.9, tier: 'Key', incomplete: false, sales12m: 120_000, salesPrior12m: 0, lifetimeSales: 120_000, wonDeals12m: 1, wonDeals: 1, asOf: AS_OF });
  });
});

// README.md "The tiering rules": each worked example there is one row here.
describe('README worked examples (as of 2026-06-30, default policy)', () => {
  it.each([
    ["the issue's customer: 80·.30 + 50·.15 + 70·.20 + 80·.15 + 72·.20 = 71.9", issueCustomer, issueDeals, 71.9, 'Key'],
    [
      'a growing customer: 100·.30 + 80·.15 + 100·.20 + 100·.15 + 100·.20 = 97',
      { daysPaidLate: 0 },
      [won(240_000, '2026-01-15', 42), won(150_000, '2025-03-15', 30), won(210_000, '2023-03-15', 30)],
      97,
      'Strategic',
    ],
    [
      'a big but shrinking customer: 100·.30 + 100·.15 + 70·.20 + 80·.15 + 20·.20 = 75',
      { daysPaidLate: 5 },
      [won(250_000, '2026-03-02', 30), won(900_000, '2025-03-01', 25)],
      75,
      'Strategic',
    ],
    ['a small steady customer: 50·.30 + 50·.15 + 70·.20 + 50·.15 + 80·.20 = 60', { daysPaidLate: 10 }, [won(36_000, '2026-03-02', 20), won(30_000, '2025-03-01', 20)], 60, 'Key'],
    [
      'a first year without a fit, growth left out: (80·30 + 50·15 + 100·20 + 50·15) / 80 = 73.75',
      { daysPaidLate: 0 },
      [won(60_000, '2026-01-15', 22)],
      73.8,
      'Key',
    ],
    [
      'a lapsed customer, no payment record, credit and margin left out: (20·30 + 50·15 + 20·20) / 65 = 26.9',
      {},
      [won(80_000, '2025-05-01', 30)],
      26.9,
      'Standard',
    ],
    [
      'a first year after an old deal, prior fit 79.5: 50·.30 + 50·.15 + 70·.20 + 50·.15 + 79.5·.20 = 59.9',
      { daysPaidLate: 10, priorFit: 79.5 },
      [won(30_000, '2023-01-10', 20), won(36_000, '2026-03-02', 20)],
      59.9,
      'Standard',
    ],
  ] as const)('%s → %s', (_why, customer, deals, s, tier) => {
    const t = score(customer, [...deals]);
    expect(t.score).toBe(s);
    expect(t.tier).toBe(tier);
  });
});

describe('policy changes are respected', () => {
  it('different tier names and thresholds', () => {
    const p = policy();
    p.tiers = [
      { name: 'Gold', minScore: 70 },
      { name: 'Silver', minScore: 40 },
      { name: 'Bronze', minScore: 0 },
    ];
    const t = score(issueCustomer, issueDeals, { policy: p });
    expect(t.tier).toBe('Gold');
    expect(explainTier(t, p)).toContain('71.9 ≥ 70: Gold.');
    p.tiers[0]!.minScore = 72;
    expect(score(issueCustomer, issueDeals, { policy: p }).tier).toBe('Silver');
  });

  it('a lower Strategic threshold', () => {
    const p = policy();
    p.tiers[0]!.minScore = 70;
    expect(score(issueCustomer, issueDeals, { policy: p }).tier).toBe('Strategic');
  });

  it('different weights: lifetime weighted 200 gives (80·30 + 50·200 + 70·20 + 80·15 + 72·20) / 285 = 57.7, Standard', () => {
    const p = policy();
    p.factors.lifetimeSales.weight = 200;
    const t = score(issueCustomer, issueDeals, { policy: p });
    expect(t.score).toBe(57.7);
    expect(t.tier).toBe('Standard');
    expect(factor(t, 'lifetimeSales').share).toBeCloseTo(70.18, 2);
  });

  it('different bands: sales from 100,000 score 100', () => {
    const p = policy();
    p.factors.sales12m.steps = [
      { from: 10_000, points: 50 },
      { from: 50_000, points: 80 },
      { from: 100_000, points: 100 },
    ];
    const t = score(issueCustomer, issueDeals, { policy: p });
    expect(points(t, 'sales12m')).toBe(100);
    expect(t.score).toBe(77.9);
    expect(explainTier(t, p).join('\n')).toContain('band ≥ 100 k → 100 × 30 %');
  });

  it('a 6-month window: a deal of 2025-10-01 falls in the period before, and growth comes from sales', () => {
    const p = policy();
    p.windowMonths = 6;
    const t = score({ priorFit: 72 }, [won(120_000, '2026-03-02'), won(100_000, '2025-10-01')], { policy: p });
    expect(t).toMatchObject({ sales12m: 120_000, salesPrior12m: 100_000 });
    expect(factor(t, 'growth')).toMatchObject({ value: 20, points: 80, source: 'sales' });
    const text = explainTier(t, p).join('\n');
    expect(text).toContain('Sales, last 6 months (2025-12-31 to 2026-06-30)');
    expect(text).toContain('in the 6 months before');
    expect(text).not.toContain('12 months');
  });
});

describe('explanations', () => {
  const lines = (customer: CustomerFacts, deals: DealFact[], p = policy()) => {
    const t = score(customer, deals, { policy: p });
    return { t, text: explainTier(t, p), line: tierSummary(t, p) };
  };

  it('one line: the tier, the score and each factor', () => {
    expect(lines(issueCustomer, issueDeals).line).toBe(
      'Key: score 71.9 — sales 12 m 120 k → 80, lifetime 120 k → 50, 12 days late → 70, margin 32 % → 80, growth from prior fit 72',
    );
    expect(lines({}, [won(80_000, '2025-05-01')]).line).toBe(
      'Standard: score 26.9 (incomplete) — sales 12 m 0 → 20, lifetime 80 k → 50, days late unknown, margin unknown, growth -100 % → 20',
    );
  });

  it("the issue's example, one sentence per factor with value, band, points and rescaled weight", () => {
    expect(lines(issueCustomer, issueDeals).text).toEqual([
      'Sales, last 12 months (2025-07-01 to 2026-06-30): 120 k from 1 won deal, band 50 k–200 k → 80 × 30 %.',
      'Lifetime sales: 120 k from 1 won deal, band 50 k–250 k → 50 × 15 %.',
      'Credit: paid 12 days late on average, band 1–30 days → 70 × 20 %.',
      'Margin: 32 % on the won deal of the last 12 months, band 25–40 % → 80 × 15 %.',
      "Growth: first year, no sales in the 12 months before (2024-07-01 to 2025-06-30), so the prospect's last fit 72 stands in → 72 × 20 %.",
      'Score 71.9: 80 × 30 % + 50 × 15 % + 70 × 20 % + 80 × 15 % + 72 × 20 %.',
      '71.9 ≥ 60: Key (Strategic from 75).',
      'Tier Key as of 2026-06-30.',
    ]);
  });

  it.each([
    ['a fraction of a day late', { daysPaidLate: 0.5 }, issueDeals, 'Credit: paid 0.5 days late on average (counted as 1 day), band 1–30 days → 70'],
    ['paid on time', { daysPaidLate: 0 }, issueDeals, 'Credit: paid on time (0 days late on average), band 0 days → 100'],
    ['very late', { daysPaidLate: 61 }, issueDeals, 'band over 60 days → 0'],
    ['no payment record', {}, issueDeals, 'Credit left out: how late the customer pays is not known.'],
    ['several deals weighted', {}, [won(300_000, '2026-01-10', 5), won(100_000, '2026-04-10', 45)], 'Margin: 15 % on the won deals of the last 12 months, weighted by value, band 10–25 % → 50'],
    ['no deal in 12 months', {}, [won(80_000, '2025-05-01')], 'Margin left out: no won deal in the last 12 months.'],
    ['no margin recorded', {}, [won(80_000, '2026-05-01', null)], 'Margin left out: no margin recorded on the won deals of the last 12 months.'],
    ['no sales at all', {}, [], 'Sales, last 12 months (2025-07-01 to 2026-06-30): 0, no won deal, band < 10 k → 20'],
    ['growth from sales', { daysPaidLate: 0 }, [won(100_000, '2025-03-01'), won(150_000, '2026-03-02')], 'Growth: +50 % (150 k vs 100 k in the 12 months before), band ≥ 30 % → 100 × 20 %.'],
    ['shrinking', {}, [won(100_000, '2025-03-01'), won(99_900, '2026-03-02')], 'Growth: -0.1 % (99.9 k vs 100 k in the 12 months before), band < 0 % → 20'],
    ['first year without a fit', { daysPaidLate: 3 }, issueDeals, 'Growth left out: first year, no sales in the 12 months before (2024-07-01 to 2025-06-30), and no prospect fit to stand in.'],
    ['rescaled', { priorFit: 72 }, issueDeals, 'Score incomplete: credit left out; the other weights were scaled to sum to 100.'],
    ['rescaled shares in the sum', { priorFit: 72 }, issueDeals, 'Score 72.4: 80 × 37.5 % + 50 × 18.8 % + 80 × 18.8 % + 72 × 25 %.'],
    ['Strategic', { daysPaidLate: 0 }, [won(240_000, '2026-01-15', 42), won(150_000, '2025-03-15', 30), won(210_000, '2023-03-15', 30)], '97 ≥ 75: Strategic.'],
    ['Standard', {}, [won(80_000, '2025-05-01')], '26.9 < 60: Standard.'],
    ['lifetime over several deals', { daysPaidLate: 0 }, [won(240_000, '2026-01-15', 42), won(150_000, '2025-03-15', 30), won(210_000, '2023-03-15', 30)], 'Lifetime sales: 600 k from 3 won deals, band 250 k–1 M → 80 × 15 %.'],
  ] as const)('%s', (_case, customer, deals, sentence) => {
    expect(lines(customer, [...deals]).text.join('\n')).toContain(sentence);
  });

  it('reads every threshold, band and weight from the policy', () => {
    const p = policy();
    p.tiers = [
      { name: 'Platinum', minScore: 90 },
      { name: 'Gold', minScore: 65 },
      { name: 'Basic', minScore: 0 },
    ];
    p.factors.credit.steps = [
      { from: 8, points: 60 },
      { from: 45, points: 10 },
    ];
    p.factors.margin.weight = 45;
    const { text, line } = lines(issueCustomer, issueDeals, p);
    // (80·30 + 50·15 + 60·20 + 80·45 + 72·20) / 130 = 9390 / 130 = 72.2
    expect(line).toMatch(/^Gold: score 72.2 — /);
    expect(text).toContain('Credit: paid 12 days late on average, band 8–44 days → 60 × 15.4 %.');
    expect(text).toContain('72.2 ≥ 65: Gold (Platinum from 90).');
    expect(text.join('\n')).not.toMatch(/Key|Strategic|1–30/);
  });
});

// ---- properties ----

const DAY = 86_400_000;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / DAY;
const dateArb = fc.integer({ min: day('2020-01-01'), max: day('2029-12-31') }).map(iso);
const asOfArb = fc.integer({ min: day('2024-01-01'), max: day('2027-12-31') }).map(iso);
const missing = fc.constantFrom(undefined, null);
const moneyArb = fc.oneof(
  fc.double({ min: 0, max: 5e6, noNaN: true }),
  fc.constantFrom(0, 9_999, 10_000, 49_999, 50_000, 199_999, 200_000, 249_999, 250_000, 999_999, 1_000_000, 1_000.1, 1_100.11, 1_000.01),
);
const dealArb: fc.Arbitrary<DealFact> = fc.record(
  {
    value: moneyArb,
    marginPct: fc.oneof(missing, fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(9.9, 10, 24.9, 25, 39.9, 40)),
    status: fc.constantFrom('open', 'won', 'won', 'lost'),
    closedOn: fc.oneof(fc.constant(null), dateArb),
  },
  { requiredKeys: ['value', 'status'] },
);
const dealsArb = fc.array(dealArb, { maxLength: 12 });
const customerArb: fc.Arbitrary<CustomerFacts> = fc.record(
  {
    daysPaidLate: fc.oneof(missing, fc.double({ min: 0, max: 400, noNaN: true }), fc.constantFrom(0, 0.5, 1, 30, 30.5, 31, 60, 61)),
    priorFit: fc.oneof(missing, fc.double({ min: 0, max: 100, noNaN: true })),
  },
  { requiredKeys: [] },
);
// Any valid policy: weights 0–100 (all zero included), three thresholds anywhere, windows of 1–24 months.
const policyArb: fc.Arbitrary<TieringPolicy> = fc
  .record({
    weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
    thresholds: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 2 }),
    windowMonths: fc.integer({ min: 1, max: 24 }),
  })
  .map((r) => {
    const p = policy();
    TIER_FACTORS.forEach((f, i) => (p.factors[f].weight = r.weights[i]!));
    const [hi, lo] = [...r.thresholds].sort((a, b) => b - a);
    p.tiers = [
      { name: 'Top', minScore: hi! },
      { name: 'Middle', minScore: lo! },
      { name: 'Rest', minScore: 0 },
    ];
    p.windowMonths = r.windowMonths;
    return p;
  });
const anyPolicyArb = fc.oneof(fc.constant(policy()), policyArb);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const RUNS = { numRuns: 500 };

describe('tiering properties', () => {
  it('the score is 0–100 with one decimal, or null only when no known factor carries weight; the tier is one of the policy', () => {
    fc.assert(
      fc.property(customerArb, dealsArb, asOfArb, anyPolicyArb, (c, deals, asOf, p) => {
        const t = scoreCustomer(c, deals, p, asOf);
        const known = t.factors.filter((f) => f.points !== null);
        if (t.score === null) expect(known.every((f) => f.weight === 0)).toBe(true);
        else {
          expect(t.score).toBeGreaterThanOrEqual(0);
          expect(t.score).toBeLessThanOrEqual(100);
          expect(Math.round(t.score * 10) / 10).toBe(t.score);
          expect(known.reduce((s, f) => s + f.share, 0)).toBeCloseTo(100, 6);
        }
        expect(p.tiers.map((x) => x.name)).toContain(t.tier);
        const text = explainTier(t, p);
        expect(text.at(-1)).toBe(`Tier ${t.tier} as of ${asOf}.`);
        expect(tierSummary(t, p).startsWith(`${t.tier}: `)).toBe(true);
      }),
      RUNS,
    );
  });

  it('adding a won deal closed on or before as-of never lowers lifetime sales or its points', () => {
    fc.assert(
      fc.property(customerArb, dealsArb, asOfArb, anyPolicyArb, moneyArb, fc.integer({ min: 0, max: 4000 }), (c, deals, asOf, p, value, back) => {
        const before = scoreCustomer(c, deals, p, asOf);
        const after = scoreCustomer(c, [...deals, { value, status: 'won', closedOn: iso(day(asOf) - back) }], p, asOf);
        expect(after.lifetimeSales).toBeGreaterThanOrEqual(before.lifetimeSales);
        expect(points(after, 'lifetimeSales')!).toBeGreaterThanOrEqual(points(before, 'lifetimeSales')!);
        expect(after.wonDeals).toBe(before.wonDeals + 1);
      }),
      RUNS,
    );
  });

  it('scoring the deal totals is scoring the deals (the batch re-tier sums deals in SQL)', () => {
    fc.assert(
      fc.property(customerArb, dealsArb, asOfArb, anyPolicyArb, (c, deals, asOf, p) => {
        expect(scoreTotals(c, dealTotals(deals, p, asOf), p, asOf)).toStrictEqual(scoreCustomer(c, deals, p, asOf));
      }),
      RUNS,
    );
  });

  it('is deterministic and does not mutate its input', () => {
    fc.assert(
      fc.property(customerArb, dealsArb, asOfArb, anyPolicyArb, (c, deals, asOf, p) => {
        const copies = structuredClone({ c, deals, p });
        deepFreeze(c);
        deepFreeze(deals);
        deepFreeze(p);
        const first = scoreCustomer(c, deals, p, asOf);
        expect(scoreCustomer(c, deals, p, asOf)).toEqual(first);
        expect(explainTier(first, p)).toEqual(explainTier(scoreCustomer(c, deals, p, asOf), p));
        expect({ c, deals, p }).toEqual(copies);
      }),
      RUNS,
    );
  });
});
