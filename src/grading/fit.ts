import type { Bands, GradingPolicy, Need } from '../policy/policy.ts';

// PURE: firmographic fit from banded factors. No I/O, no clock.

export type Firmographics = {
  employees?: number | null;
  revenue?: number | null;
  growthPct?: number | null;
  need?: Need | null;
};

export const FIT_FACTORS = ['size', 'revenue', 'growth', 'need'] as const;
export type FitFactor = (typeof FIT_FACTORS)[number];

export type FactorScore = {
  factor: FitFactor;
  /** The prospect's value, or null when unknown. */
  value: number | string | null;
  /** Band points, or null when the factor is missing. */
  points: number | null;
  /** Policy weight, and the weight actually used after rescaling (0 when missing). */
  weight: number;
  share: number;
};

export type Fit = {
  /** 0–100 rounded to one decimal (the number shown is the number compared), or null with no factor known. */
  score: number | null;
  incomplete: boolean;
  factors: FactorScore[];
};

/** Points of the band a value falls in; a lower bound belongs to its band. */
export function bandPoints(bands: Bands, value: number): number {
  let p = bands.base;
  for (const s of bands.steps) {
    if (value >= s.from) p = s.points;
    else break;
  }
  return p;
}

const known = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function scoreFit(f: Firmographics, policy: GradingPolicy): Fit {
  const fp = policy.fit;
  const factors: FactorScore[] = [
    { factor: 'size', value: f.employees ?? null, points: known(f.employees) ? bandPoints(fp.size, f.employees) : null, weight: fp.size.weight, share: 0 },
    { factor: 'revenue', value: f.revenue ?? null, points: known(f.revenue) ? bandPoints(fp.revenue, f.revenue) : null, weight: fp.revenue.weight, share: 0 },
    { factor: 'growth', value: f.growthPct ?? null, points: known(f.growthPct) ? bandPoints(fp.growth, f.growthPct) : null, weight: fp.growth.weight, share: 0 },
    { factor: 'need', value: f.need ?? null, points: f.need ? fp.need.points[f.need] : null, weight: fp.need.weight, share: 0 },
  ];
  let weights = 0, sum = 0, missing = 0;
  for (const x of factors) {
    if (x.points === null) missing++;
    else {
      weights += x.weight;
      sum += x.points * x.weight;
    }
  }
  if (weights === 0) return { score: null, incomplete: missing > 0, factors };
  for (const x of factors) if (x.points !== null) x.share = (x.weight / weights) * 100;
  return { score: Math.round((sum / weights) * 10) / 10, incomplete: missing > 0, factors };
}
