import type { Bands, TieringPolicy } from '../policy/policy.ts';
import { formatMoney, formatNumber } from '../grading/explain.ts';
import { addDays, addMonths } from '../shared/dates.ts';
import type { TierFactor, TierFactorScore, Tiering } from './tiering.ts';

// PURE: turns a tiering into sentences a rep can read, in the style of grading/explain.ts. Every
// threshold, band and weight is read from the policy; nothing here knows the default numbers.

export const TIER_FACTOR_LABELS: Record<TierFactor, string> = {
  sales12m: 'sales 12 m',
  lifetimeSales: 'lifetime',
  credit: 'credit',
  margin: 'margin',
  growth: 'growth',
};

const pct = (n: number) => `${formatNumber(n)} %`;
const signedPct = (n: number) => `${n > 0 ? '+' : ''}${pct(n)}`;
const days = (n: number) => `${formatNumber(n)} day${n === 1 ? '' : 's'}`;
/** A rescaled weight as shown: one decimal, in %. */
const share = (f: TierFactorScore) => pct(Math.round(f.share * 10) / 10);
/** "120 k from 1 won deal", "0, no won deal". */
const fromDeals = (money: number, n: number) => (n === 0 ? `${formatMoney(money)}, no won deal` : `${formatMoney(money)} from ${n} won deal${n === 1 ? '' : 's'}`);

/** The band a value falls in, as [lower bound or null for the base band, upper bound (exclusive) or null for the top band]. */
function bandOf(b: Bands, value: number): [number | null, number | null] {
  let i = -1;
  for (let k = 0; k < b.steps.length && value >= b.steps[k]!.from; k++) i = k;
  return [i < 0 ? null : b.steps[i]!.from, b.steps[i + 1]?.from ?? null];
}

/** "< 10 k", "10 k–50 k", "≥ 200 k" (DOMAIN.md's notation: the lower bound belongs to its band). */
function bandText(b: Bands, value: number, fmt: (n: number) => string, unit = ''): string {
  const [lo, hi] = bandOf(b, value);
  if (lo === null) return `< ${fmt(hi!)}${unit}`;
  if (hi === null) return `≥ ${fmt(lo)}${unit}`;
  return `${fmt(lo)}–${fmt(hi)}${unit}`;
}

/** Days are whole: "0 days", "1–30 days", "31–60 days", "over 60 days". */
function creditBandText(b: Bands, lateDays: number): string {
  const [lo, hi] = bandOf(b, lateDays);
  const from = lo === null ? 0 : Math.ceil(lo);
  if (hi === null) return `over ${days(from - 1)}`;
  const to = Math.ceil(hi) - 1;
  return from >= to ? days(from) : `${formatNumber(from)}–${days(to)}`;
}

const factor = (t: Tiering, f: TierFactor) => t.factors.find((x) => x.factor === f)!;

/** Whole days the bands read: a fraction of a day late counts as a day. */
const lateDays = (late: number) => Math.ceil(Math.max(0, late));

function scoreText(score: number | null): string {
  return score === null ? 'score unknown' : `score ${formatNumber(score)}`;
}

/** One line: the tier and each factor's points, for lists and badges. */
export function tierSummary(t: Tiering, policy: TieringPolicy): string {
  void policy;
  const parts = t.factors.map((f) => {
    switch (f.factor) {
      case 'sales12m':
      case 'lifetimeSales':
        return `${TIER_FACTOR_LABELS[f.factor]} ${formatMoney(f.value ?? 0)} → ${f.points}`;
      case 'credit':
        return f.points === null || f.value === null ? 'days late unknown' : `${days(f.value)} late → ${f.points}`;
      case 'margin':
        return f.points === null || f.value === null ? 'margin unknown' : `margin ${pct(f.value)} → ${f.points}`;
      case 'growth':
        if (f.source === 'prior_fit') return `growth from prior fit ${formatNumber(f.points!)}`;
        return f.points === null || f.value === null ? 'growth unknown' : `growth ${signedPct(f.value)} → ${f.points}`;
    }
  });
  return `${t.tier}: ${scoreText(t.score)}${t.incomplete ? ' (incomplete)' : ''} — ${parts.join(', ')}`;
}

/** Every reason, one sentence each: each factor's value, band, points and weight, the first-year rule, rescaling, the score and the tier threshold. */
export function explainTier(t: Tiering, policy: TieringPolicy): string[] {
  const out: string[] = [];
  const f = policy.factors;
  const months = policy.windowMonths;
  const start = addMonths(t.asOf, -months);
  const priorStart = addMonths(t.asOf, -2 * months);
  const window = `${addDays(start, 1)} to ${t.asOf}`;

  const s = factor(t, 'sales12m');
  out.push(
    `Sales, last ${months} months (${window}): ${fromDeals(t.sales12m, t.wonDeals12m)}, ` +
      `band ${bandText(f.sales12m, t.sales12m, formatMoney)} → ${s.points} × ${share(s)}.`,
  );

  const l = factor(t, 'lifetimeSales');
  out.push(
    `Lifetime sales: ${fromDeals(t.lifetimeSales, t.wonDeals)}, ` +
      `band ${bandText(f.lifetimeSales, t.lifetimeSales, formatMoney)} → ${l.points} × ${share(l)}.`,
  );

  const c = factor(t, 'credit');
  if (c.points === null || c.value === null) out.push('Credit left out: how late the customer pays is not known.');
  else {
    const whole = lateDays(c.value);
    const counted = whole === c.value ? '' : ` (counted as ${days(whole)})`;
    const paid = c.value === 0 ? 'paid on time (0 days late on average)' : `paid ${days(c.value)} late on average${counted}`;
    out.push(`Credit: ${paid}, band ${creditBandText(f.credit, whole)} → ${c.points} × ${share(c)}.`);
  }

  const m = factor(t, 'margin');
  if (m.points === null || m.value === null) {
    out.push(
      t.wonDeals12m === 0
        ? `Margin left out: no won deal in the last ${months} months.`
        : `Margin left out: no margin recorded on the won deals of the last ${months} months.`,
    );
  } else {
    const over = t.wonDeals12m === 1 ? `the won deal of the last ${months} months` : `the won deals of the last ${months} months, weighted by value`;
    out.push(`Margin: ${pct(m.value)} on ${over}, band ${bandText(f.margin, m.value, formatNumber, ' %')} → ${m.points} × ${share(m)}.`);
  }

  const g = factor(t, 'growth');
  const firstYear = `first year, no sales in the ${months} months before (${addDays(priorStart, 1)} to ${start})`;
  if (g.source === 'prior_fit') {
    out.push(`Growth: ${firstYear}, so the prospect's last fit ${formatNumber(g.points!)} stands in → ${formatNumber(g.points!)} × ${share(g)}.`);
  } else if (g.points === null || g.value === null) {
    out.push(`Growth left out: ${firstYear}, and no prospect fit to stand in.`);
  } else {
    out.push(
      `Growth: ${signedPct(g.value)} (${formatMoney(t.sales12m)} vs ${formatMoney(t.salesPrior12m)} in the ${months} months before), ` +
        `band ${bandText(f.growth, g.value, formatNumber, ' %')} → ${g.points} × ${share(g)}.`,
    );
  }

  if (t.incomplete) {
    const missing = t.factors.filter((x) => x.points === null).map((x) => TIER_FACTOR_LABELS[x.factor]);
    out.push(`Score incomplete: ${missing.join(', ')} left out; the other weights were scaled to sum to 100.`);
  }

  if (t.score === null) out.push('Score unknown: no factor carries any weight.');
  else {
    const terms = t.factors.filter((x) => x.points !== null).map((x) => `${formatNumber(x.points!)} × ${share(x)}`);
    out.push(`Score ${formatNumber(t.score)}: ${terms.join(' + ')}.`);
  }
  out.push(`${thresholdText(t, policy)}.`);
  out.push(`Tier ${t.tier} as of ${t.asOf}.`);
  return out;
}

/** "71.9 ≥ 60: Key (Strategic from 75)", or for the last tier, which catches the rest, "55 < 60: Standard". */
function thresholdText(t: Tiering, policy: TieringPolicy): string {
  const tiers = policy.tiers;
  const i = tiers.findIndex((x) => x.name === t.tier);
  const above = i > 0 ? tiers[i - 1]! : null;
  if (t.score === null) return above ? `Unknown score: below ${above.name}, ${t.tier}` : `Unknown score: ${t.tier}`;
  const score = formatNumber(t.score);
  if (i === tiers.length - 1 && above) return `${score} < ${formatNumber(above.minScore)}: ${t.tier}`;
  const reached = tiers[i]!;
  if (t.score < reached.minScore) return `${score}: ${t.tier}, the only tier`;
  return `${score} ≥ ${formatNumber(reached.minScore)}: ${t.tier}${above ? ` (${above.name} from ${formatNumber(above.minScore)})` : ''}`;
}
