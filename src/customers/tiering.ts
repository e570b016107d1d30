import { addMonths } from '../shared/dates.ts';
import { bandPoints } from '../grading/fit.ts';
import type { TieringPolicy } from '../policy/policy.ts';

// PURE: a customer's value score and tier from its deals, payment record, prior fit, policy and
// an as-of date (DOMAIN.md §2). No I/O, no clock.

export type DealFact = {
  value: number;
  marginPct?: number | null;
  status: 'open' | 'won' | 'lost' | string;
  closedOn?: string | null;
};

export type CustomerFacts = {
  /** Average days paid late; null when unknown. */
  daysPaidLate?: number | null;
  /** The prospect's last fit, which stands in for growth in the customer's first year. */
  priorFit?: number | null;
};

export const TIER_FACTORS = ['sales12m', 'lifetimeSales', 'credit', 'margin', 'growth'] as const;
export type TierFactor = (typeof TIER_FACTORS)[number];

export type TierFactorScore = {
  factor: TierFactor;
  /** The measured value (money, days, %), or null when unknown. */
  value: number | null;
  points: number | null;
  weight: number;
  /** Weight after rescaling for missing factors, in % (0 when missing). */
  share: number;
  /** How growth was scored: from sales, from the prior fit (first year), or missing. */
  source?: 'sales' | 'prior_fit' | 'missing';
};

export type Tiering = {
  asOf: string;
  tier: string;
  score: number | null;
  incomplete: boolean;
  factors: TierFactorScore[];
  /** Won deals counted, and the sales sums the factors came from. */
  sales12m: number;
  salesPrior12m: number;
  lifetimeSales: number;
  wonDeals12m: number;
  wonDeals: number;
};

/** The sums a tiering is scored from: won deals closed on or before as-of, by window. */
export type DealTotals = {
  sales12m: number;
  salesPrior12m: number;
  lifetimeSales: number;
  wonDeals12m: number;
  wonDeals: number;
  /** Value of the won deals of the last window that have a margin, and that value times the margin. */
  marginValue: number;
  marginWeighted: number;
};

/** Scores one customer. Open and lost deals count for nothing; won deals count from their close date. */
export function scoreCustomer(customer: CustomerFacts, deals: readonly DealFact[], policy: TieringPolicy, asOf: string): Tiering {
  return scoreTotals(customer, dealTotals(deals, policy, asOf), policy, asOf);
}

/** The sums of a customer's deals as of a day (the batch re-tier computes the same sums in SQL). */
export function dealTotals(deals: readonly DealFact[], policy: TieringPolicy, asOf: string): DealTotals {
  const start12 = addMonths(asOf, -policy.windowMonths);
  const start24 = addMonths(asOf, -2 * policy.windowMonths);
  let sales12m = 0, salesPrior12m = 0, lifetimeSales = 0, wonDeals12m = 0, wonDeals = 0;
  let marginValue = 0, marginWeighted = 0;
  for (const d of deals) {
    if (d.status !== 'won' || !d.closedOn || d.closedOn > asOf) continue;
    wonDeals++;
    lifetimeSales += d.value;
    if (d.closedOn > start12) {
      sales12m += d.value;
      wonDeals12m++;
      if (typeof d.marginPct === 'number' && Number.isFinite(d.marginPct)) {
        marginValue += d.value;
        marginWeighted += d.value * d.marginPct;
      }
    } else if (d.closedOn > start24) salesPrior12m += d.value;
  }
  return { sales12m, salesPrior12m, lifetimeSales, wonDeals12m, wonDeals, marginValue, marginWeighted };
}

/** Scores one customer from the sums of its deals. */
export function scoreTotals(customer: CustomerFacts, totals: DealTotals, policy: TieringPolicy, asOf: string): Tiering {
  const { sales12m, salesPrior12m, lifetimeSales, wonDeals12m, wonDeals, marginValue, marginWeighted } = totals;
  const f = policy.factors;
  // Days are whole numbers in the bands (1–30, 31–60, > 60): a fraction of a day late counts as a day.
  const late = customer.daysPaidLate;
  const lateDays = typeof late === 'number' && Number.isFinite(late) ? Math.ceil(Math.max(0, late)) : null;
  // Percentages are banded as shown, to one decimal: the number shown is the number compared, and
  // floating-point noise cannot push an exact boundary below its band (+10 % on 1,000.10 computes
  // as 9.999…; 9.9 % and 10.1 % on two deals of 1,000.01 average 9.999…).
  const margin = marginValue > 0 ? oneDecimal(marginWeighted / marginValue) : null;
  let growth: TierFactorScore;
  if (salesPrior12m > 0) {
    const pct = oneDecimal(((sales12m - salesPrior12m) / salesPrior12m) * 100);
    growth = { factor: 'growth', value: pct, points: bandPoints(f.growth, pct), weight: f.growth.weight, share: 0, source: 'sales' };
  } else if (typeof customer.priorFit === 'number' && Number.isFinite(customer.priorFit)) {
    growth = { factor: 'growth', value: null, points: customer.priorFit, weight: f.growth.weight, share: 0, source: 'prior_fit' };
  } else growth = { factor: 'growth', value: null, points: null, weight: f.growth.weight, share: 0, source: 'missing' };

  const factors: TierFactorScore[] = [
    { factor: 'sales12m', value: sales12m, points: bandPoints(f.sales12m, sales12m), weight: f.sales12m.weight, share: 0 },
    { factor: 'lifetimeSales', value: lifetimeSales, points: bandPoints(f.lifetimeSales, lifetimeSales), weight: f.lifetimeSales.weight, share: 0 },
    { factor: 'credit', value: late ?? null, points: lateDays === null ? null : bandPoints(f.credit, lateDays), weight: f.credit.weight, share: 0 },
    { factor: 'margin', value: margin, points: margin === null ? null : bandPoints(f.margin, margin), weight: f.margin.weight, share: 0 },
    growth,
  ];
  let weights = 0, sum = 0, missing = 0;
  for (const x of factors) {
    if (x.points === null) missing++;
    else {
      weights += x.weight;
      sum += x.points * x.weight;
    }
  }
  for (const x of factors) if (x.points !== null && weights > 0) x.share = (x.weight / weights) * 100;
  const score = weights > 0 ? Math.round((sum / weights) * 10) / 10 : null;
  return { asOf, tier: tierFor(score, policy), score, incomplete: missing > 0, factors, sales12m, salesPrior12m, lifetimeSales, wonDeals12m, wonDeals };
}

/** Rounded to one decimal; never -0 (a -0.04 % growth shows and bands as 0 %). */
function oneDecimal(x: number): number {
  return Math.round(x * 10) / 10 || 0;
}

/** The first tier (best first) whose lower bound the score reaches; the last tier catches the rest. */
export function tierFor(score: number | null, policy: TieringPolicy): string {
  const tiers = policy.tiers;
  if (score !== null) for (const t of tiers) if (score >= t.minScore) return t.name;
  return tiers[tiers.length - 1]!.name;
}
