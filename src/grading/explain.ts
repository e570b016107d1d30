import type { Grade, GradingPolicy, SignalType } from '../policy/policy.ts';
import type { FactorScore } from './fit.ts';
import type { Flag, Grading } from './grading.ts';

// PURE: turns a grading into sentences a rep can read. Kept apart from grading so the hot path
// (daily re-grade, benchmarks) builds no strings; pages and the API call this.

export const SIGNAL_LABELS: Record<SignalType, string> = {
  selection_started: 'Selection started',
  replacement_selection_started: 'Replacement selection started',
  waiting_on_event: 'Waiting on an event',
  incumbent_failing: 'Incumbent failing',
  self_built_unmaintained: 'Self-built system unmaintained',
  need_no_urgency: 'Need, no urgency',
  incumbent_aging: 'Incumbent aging',
  need_denied: 'Need denied',
  incumbent_satisfied: 'Incumbent satisfied',
  recently_signed: 'Recently signed elsewhere',
  self_build_in_progress: 'Building in-house',
  call: 'Call',
  meeting: 'Meeting',
  email: 'Email',
  visit: 'Visit',
  note: 'Note',
};

export const SIGNAL_HINTS: Record<SignalType, string> = {
  selection_started: 'Selection under way, or starting soon',
  replacement_selection_started: 'Selection to replace or extend the current system under way, or starting soon',
  waiting_on_event: 'Convinced of the need, waits for a named event (budget, funding, move, new executive)',
  incumbent_failing: 'Very dissatisfied; the current vendor could not fix it after repeated requests',
  self_built_unmaintained: 'Own system whose builder has left; hard to maintain',
  need_no_urgency: 'Industry and size call for it and they agree, but no urgency or confidence',
  incumbent_aging: 'Current system works but its limits show; no plan yet',
  need_denied: 'Industry and size call for it, but they deny the need',
  incumbent_satisfied: 'Satisfied with the current system and its support',
  recently_signed: 'Just signed with another vendor; implementation under way',
  self_build_in_progress: 'Building it in-house; work under way',
  call: 'Phone call',
  meeting: 'Meeting',
  email: 'Email',
  visit: 'On-site visit',
  note: 'Note',
};

export const FLAG_LABELS: Record<Flag, string> = {
  slipped: 'slipped',
  requalify: 'requalify',
  no_timing: 'no timing',
  incomplete: 'incomplete',
  stale: 'stale',
};

const FACTOR_LABELS = { size: 'size', revenue: 'revenue', growth: 'growth', need: 'need' } as const;

// Built once: toLocaleString builds a formatter per call (tens of µs), which a bulk re-grade feels.
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatNumber(n: number): string {
  // Small whole numbers read the same either way, and String() is far cheaper than Intl.
  if (Number.isInteger(n) && n > -1000 && n < 1000) return String(n);
  return ONE_DECIMAL.format(n);
}

function factorValue(f: FactorScore): string {
  if (f.value === null) return 'unknown';
  if (f.factor === 'size') return `${formatNumber(f.value as number)} staff`;
  if (f.factor === 'revenue') return formatMoney(f.value as number);
  if (f.factor === 'growth') return `${(f.value as number) > 0 ? '+' : ''}${formatNumber(f.value as number)} %`;
  return String(f.value);
}

export function formatMoney(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${formatNumber(Math.round(n / 1e8) / 10)} bn`;
  if (abs >= 1e6) return `${formatNumber(Math.round(n / 1e5) / 10)} M`;
  if (abs >= 1e3) return `${formatNumber(Math.round(n / 1e2) / 10)} k`;
  return formatNumber(n);
}

export function fitText(g: Grading): string {
  if (g.fit.score === null) return 'fit unknown';
  return `fit ${formatNumber(g.fit.score)}${g.fit.incomplete ? ' (incomplete)' : ''}`;
}

/** One line: the grade and why, for lists and badges. */
export function summaryLine(g: Grading, policy: GradingPolicy): string {
  const parts: string[] = [];
  const t = g.timing;
  if (g.windowGrade === null) {
    parts.push(g.requalify && t ? `${SIGNAL_LABELS[t.type]} is over ${policy.requalifyMonths} months old: requalify` : 'no timing evidence');
    parts.push(`${fitText(g)} ${g.fit.score !== null && g.fit.score >= policy.fit.fitOnlyC ? '≥' : '<'} ${policy.fit.fitOnlyC}`);
  } else if (t) {
    const when = g.closeBy ? `close by ${g.closeBy}` : 'no close date';
    if (g.slipped) parts.push(`${SIGNAL_LABELS[t.type]} ${t.date}, ${when} passed: slipped ${t.catalogueWindow} → ${g.windowGrade}`);
    else parts.push(`${SIGNAL_LABELS[t.type]} ${t.date}, ${when}`);
    parts.push(fitText(g));
  }
  if (g.lowFit) parts.push(`${g.fit.score === null ? 'unknown fit' : `fit < ${policy.fit.floor}`} demotes ${g.windowGrade ?? gradeBefore(g)} → ${g.grade}`);
  if (g.flags.includes('stale')) parts.push(g.lastSignalOn ? `stale: no signal since ${g.lastSignalOn}` : 'stale: no signal yet');
  return parts.join('; ');
}

function gradeBefore(g: Grading): Grade {
  return (['A', 'B', 'C', 'D'] as const)[Math.max(0, 'ABCD'.indexOf(g.grade) - 1)]!;
}

/** Every reason, one sentence each: the signal that set the window, its dates, the fit and each factor, every demotion and flag. */
export function explain(g: Grading, policy: GradingPolicy): string[] {
  const out: string[] = [];
  const t = g.timing;
  if (!t) out.push('No timing signal yet: the grade comes from fit alone.');
  else {
    out.push(`Latest timing signal: ${SIGNAL_LABELS[t.type]} on ${t.date} (catalogue window ${t.catalogueWindow}).`);
    if (g.requalify) {
      out.push(`Requalify: ${t.catalogueWindow} evidence older than ${policy.requalifyMonths} months no longer counts as timing; the grade comes from fit alone.`);
    } else if (t.closeBySource === 'none') {
      out.push(`D evidence with no expected date: no close within ${policy.windowMonths.C} months is in sight (window D).`);
    } else {
      const how =
        t.closeBySource === 'event'
          ? `the event on ${t.expectedDate} + ${policy.eventLeadMonths} months`
          : t.closeBySource === 'expected'
            ? `the expected date given with the signal`
            : `${t.date} + ${policy.windowMonths[t.catalogueWindow as 'A' | 'B' | 'C']} months`;
      out.push(`Expected to close by ${g.closeBy}: ${how}.`);
      if (g.slipped) {
        out.push(`Slipped: ${g.closeBy} passed before ${g.asOf} with no deal, so the window drops one letter below the signal's ${t.catalogueWindow}, to ${g.windowGrade}.`);
      } else if (g.windowGrade) {
        out.push(`Window ${g.windowGrade}: ${g.closeBy} is ${windowPhrase(g.windowGrade, policy)} of ${g.asOf}.`);
      }
    }
  }
  if (g.slipCount > 0) out.push(`Close-by dates passed ${g.slipCount} time${g.slipCount === 1 ? '' : 's'} so far.`);

  const f = g.fit;
  if (f.score === null) out.push('Fit unknown: no size, revenue, growth or need recorded; counts as below the floor.');
  else {
    const known = f.factors.filter((x) => x.points !== null);
    const terms = known.map((x) => `${FACTOR_LABELS[x.factor]} ${factorValue(x)} → ${x.points} × ${formatNumber(Math.round(x.share * 10) / 10)} %`);
    out.push(`Fit ${formatNumber(f.score)}: ${terms.join(', ')}.`);
    if (f.incomplete) {
      const missing = f.factors.filter((x) => x.points === null).map((x) => FACTOR_LABELS[x.factor]);
      out.push(`Fit incomplete: ${missing.join(', ')} unknown; the other weights were scaled to sum to 100.`);
    }
  }
  if (g.windowGrade === null) {
    out.push(
      g.fit.score !== null && g.fit.score >= policy.fit.fitOnlyC
        ? `No timing: fit ${formatNumber(g.fit.score)} ≥ ${policy.fit.fitOnlyC} grades C.`
        : `No timing: ${fitText(g)} < ${policy.fit.fitOnlyC} grades D.`,
    );
  }
  if (g.lowFit) {
    out.push(`Low fit: ${g.fit.score === null ? 'unknown fit' : `fit ${formatNumber(g.fit.score)}`} is below the floor ${policy.fit.floor}, so the grade drops one letter to ${g.grade}.`);
  }
  if (g.flags.includes('stale')) {
    out.push(
      g.lastSignalOn
        ? `Stale: the last signal was on ${g.lastSignalOn}, ${g.quietDays} days ago (limit ${policy.staleDays}).`
        : `Stale: no signal since the prospect was added ${g.quietDays} days ago (limit ${policy.staleDays}).`,
    );
  }
  out.push(`Grade ${g.grade} as of ${g.asOf}.`);
  return out;
}

function windowPhrase(w: Grade, p: GradingPolicy): string {
  if (w === 'A') return `within ${p.windowMonths.A} months`;
  if (w === 'B') return `within ${p.windowMonths.A}–${p.windowMonths.B} months`;
  if (w === 'C') return `within ${p.windowMonths.B}–${p.windowMonths.C} months`;
  return `more than ${p.windowMonths.C} months out`;
}
