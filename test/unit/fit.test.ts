import { describe, expect, it } from 'vitest';
import { bandPoints, scoreFit, type Firmographics } from '../../src/grading/fit.ts';
import { defaultPolicy, NEEDS, type GradingPolicy } from '../../src/policy/policy.ts';

const policy = defaultPolicy().grading;
const fit = (f: Firmographics, p: GradingPolicy = policy) => scoreFit(f, p);

// With a single factor known, its weight is rescaled to 100 %, so the fit equals that factor's band points.
describe('every band boundary (a lower bound belongs to its band)', () => {
  it.each([
    [0, 20], [1, 20], [49, 20], [50, 50], [51, 50], [249, 50], [250, 80], [251, 80], [999, 80], [1000, 100], [1001, 100], [250_000, 100],
  ])('%s employees score %s points', (employees, points) => {
    expect(fit({ employees }).score).toBe(points);
  });

  it.each([
    [0, 20], [999_999, 20], [999_999.99, 20], [1_000_000, 50], [1_000_001, 50], [9_999_999, 50], [10_000_000, 80], [10_000_001, 80],
    [99_999_999, 80], [100_000_000, 100], [100_000_001, 100], [5e10, 100],
  ])('revenue %s scores %s points', (revenue, points) => {
    expect(fit({ revenue }).score).toBe(points);
  });

  it.each([
    [-100, 10], [-0.1, 10], [0, 40], [0.1, 40], [9.9, 40], [10, 70], [10.1, 70], [24.9, 70], [25, 100], [25.1, 100], [400, 100],
  ])('growth of %s percent scores %s points', (growthPct, points) => {
    expect(fit({ growthPct }).score).toBe(points);
  });

  it('negative zero growth sits in the 0–10 band', () => {
    expect(fit({ growthPct: -0 }).score).toBe(40);
  });

  it.each([
    ['none', 0], ['low', 30], ['medium', 60], ['high', 85], ['critical', 100],
  ] as const)('need %s scores %s points', (need, points) => {
    expect(fit({ need }).score).toBe(points);
  });

  it('bandPoints returns the base below the first bound and each step from its bound up', () => {
    const bands = { weight: 1, base: 5, steps: [{ from: 10, points: 15 }, { from: 20, points: 25 }] };
    expect([9.99, 10, 19.99, 20, 1e9].map((v) => bandPoints(bands, v))).toEqual([5, 15, 15, 25, 25]);
  });
});

// Factor points used below: 30 staff → 20 (w 25), 5 M → 50 (w 25), +15 % → 70 (w 20), need high → 85 (w 30).
const all: Firmographics = { employees: 30, revenue: 5_000_000, growthPct: 15, need: 'high' };
const without = (...keys: (keyof Firmographics)[]): Firmographics => {
  const f = { ...all };
  for (const k of keys) delete f[k];
  return f;
};

describe('weights are rescaled over the known factors', () => {
  it.each([
    ['nothing missing', [], 57, false], //                 (500 + 1250 + 1400 + 2550) / 100
    ['size missing', ['employees'], 69.3, true], //         (1250 + 1400 + 2550) / 75 = 69.33
    ['revenue missing', ['revenue'], 59.3, true], //        (500 + 1400 + 2550) / 75 = 59.33
    ['growth missing', ['growthPct'], 53.8, true], //       (500 + 1250 + 2550) / 80 = 53.75
    ['need missing', ['need'], 45, true], //                (500 + 1250 + 1400) / 70
    ['size and revenue missing', ['employees', 'revenue'], 79, true], //  (1400 + 2550) / 50
    ['growth and need missing', ['growthPct', 'need'], 35, true], //     (500 + 1250) / 50
    ['size and need missing', ['employees', 'need'], 58.9, true], //     (1250 + 1400) / 45 = 58.89
    ['revenue and growth missing', ['revenue', 'growthPct'], 55.5, true], // (500 + 2550) / 55 = 55.45
    ['size and growth missing', ['employees', 'growthPct'], 69.1, true], //  (1250 + 2550) / 55 = 69.09
    ['revenue and need missing', ['revenue', 'need'], 42.2, true], //       (500 + 1400) / 45 = 42.22
    ['only size known', ['revenue', 'growthPct', 'need'], 20, true],
    ['only revenue known', ['employees', 'growthPct', 'need'], 50, true],
    ['only growth known', ['employees', 'revenue', 'need'], 70, true],
    ['only need known', ['employees', 'revenue', 'growthPct'], 85, true],
  ] as const)('%s: fit %s', (_rule, missing, score, incomplete) => {
    const f = fit(without(...missing));
    expect(f.score).toBe(score);
    expect(f.incomplete).toBe(incomplete);
  });

  it('the shares of the known factors sum to 100 and a missing factor has no points and no share', () => {
    const f = fit(without('employees'));
    const byFactor = Object.fromEntries(f.factors.map((x) => [x.factor, x]));
    expect(byFactor.size).toMatchObject({ points: null, share: 0, weight: 25, value: null });
    expect(byFactor.revenue!.share).toBeCloseTo(100 / 3, 10);
    expect(byFactor.growth!.share).toBeCloseTo(80 / 3, 10);
    expect(byFactor.need!.share).toBeCloseTo(40, 10);
    expect(f.factors.reduce((s, x) => s + x.share, 0)).toBeCloseTo(100, 10);
  });

  it('with every factor known the shares are the policy weights', () => {
    expect(fit(all).factors.map((x) => [x.factor, x.points, x.share])).toEqual([
      ['size', 20, 25], ['revenue', 50, 25], ['growth', 70, 20], ['need', 85, 30],
    ]);
  });

  it('with no factor at all the fit is unknown (null) and incomplete', () => {
    const f = fit({});
    expect(f.score).toBeNull();
    expect(f.incomplete).toBe(true);
    expect(f.factors.every((x) => x.points === null && x.share === 0)).toBe(true);
  });

  it.each([
    ['null', { employees: null, revenue: null, growthPct: null, need: null }],
    ['NaN', { employees: NaN, revenue: NaN, growthPct: NaN }],
    ['infinite', { employees: Infinity, revenue: -Infinity, growthPct: Infinity }],
  ] as const)('%s values count as missing', (_k, f) => {
    expect(fit(f as Firmographics).score).toBeNull();
  });

  it('need "none" is a known factor worth 0 points, not a missing one', () => {
    const f = fit({ growthPct: 15, need: 'none' });
    expect(f.score).toBe(28); // (70 × 20 + 0 × 30) / 50
    expect(f.factors.find((x) => x.factor === 'need')!.points).toBe(0);
  });
});

describe('the fit is rounded to one decimal', () => {
  it.each([
    ['600 staff, 40 M, +15 %, need high', { employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high' }, 79.5],
    ['half a tenth rounds up (53.75 → 53.8)', without('growthPct'), 53.8],
    ['less than half a tenth rounds down (42.22 → 42.2)', without('revenue', 'need'), 42.2],
    ['more than half a tenth rounds up (69.09 → 69.1)', without('employees', 'growthPct'), 69.1],
    ['30 staff, 0.5 M, −5 %, need low', { employees: 30, revenue: 500_000, growthPct: -5, need: 'low' }, 21],
  ] as const)('%s', (_rule, f, score) => {
    expect(fit(f as Firmographics).score).toBe(score);
  });

  it('every combination of bands gives a score with at most one decimal, within 0–100', () => {
    for (const employees of [undefined, 10, 100, 500, 2000])
      for (const revenue of [undefined, 1, 2e6, 2e7, 2e8])
        for (const growthPct of [undefined, -1, 5, 15, 30])
          for (const need of [undefined, ...NEEDS]) {
            const s = fit({ employees, revenue, growthPct, need }).score;
            if (s === null) continue;
            expect(Math.round(s * 10) / 10).toBe(s);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(100);
          }
  });
});

describe('the fit reads bands, points and weights from the policy', () => {
  it('changed bands change the points', () => {
    const p = defaultPolicy().grading;
    p.fit.size = { weight: 25, base: 0, steps: [{ from: 100, points: 60 }] };
    expect(fit({ employees: 99 }, p).score).toBe(0);
    expect(fit({ employees: 100 }, p).score).toBe(60);
  });

  it('changed weights change the mix', () => {
    const p = defaultPolicy().grading;
    p.fit.need.weight = 70; // (20 × 25 + 85 × 70) / 95 = 67.89
    expect(fit({ employees: 30, need: 'high' }, p).score).toBe(67.9);
    expect(fit({ employees: 30, need: 'high' }).score).toBe(55.5); // default: (500 + 2550) / 55 = 55.45
  });

  it('changed need points change the score', () => {
    const p = defaultPolicy().grading;
    p.fit.need.points.medium = 39.9;
    expect(fit({ need: 'medium' }, p).score).toBe(39.9);
  });
});
