import { addMonths, fromParts } from '../shared/dates.ts';

// PURE: was the grading right? (DOMAIN.md §6) A grade says when a prospect can close: A within
// windowMonths.A (3), B within B (6), C within C (12). Each time a prospect got one of those
// grades (an *episode*, a row of grade_changes whose grade differs from the one before) is a
// prediction, judged by what became of the prospect:
//
//   hit      converted into a customer on or after the episode's day and on or before the day
//            + the grade's window (calendar months, as the grading itself counts them)
//   late     converted after the window: it closed, later than the grade said
//   lost     marked lost, and not converted
//   open     still open the day after the window ended: no close when the grade said
//   pending  still open with the window still running: not judged yet
//
// The hit rate is hit / (hit + late + lost + open); pending episodes are left out of it. An
// episode dated after the prospect's end (converted or lost) predicts nothing and is dropped. D
// says "not within the C window", which no close date can confirm as a hit, so D is not judged.
// Each episode is judged by the window of the policy version that gave the grade.

export const JUDGED_GRADES = ['A', 'B', 'C'] as const;
export type JudgedGrade = (typeof JUDGED_GRADES)[number];
export type Windows = Record<JudgedGrade, number>;

export const OUTCOMES = ['hit', 'late', 'lost', 'open', 'pending'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type EpisodeEnd = { kind: 'converted'; on: string } | { kind: 'lost'; on: string } | { kind: 'open' };

export type Episode = {
  grade: JudgedGrade;
  /** The day the prospect got the grade. */
  start: string;
  end: EpisodeEnd;
  policyVersion?: number | null;
  /** How many identical episodes this row stands for (the query groups them); 1 when absent. */
  n?: number;
};

export const windowEnd = (grade: JudgedGrade, start: string, windows: Windows) => addMonths(start, windows[grade]);

/** The outcome of one episode as of a day; null for an episode after the prospect's end. */
export function outcomeOf(ep: Episode, windows: Windows, asOf: string): Outcome | null {
  const end = windowEnd(ep.grade, ep.start, windows);
  switch (ep.end.kind) {
    case 'converted':
      if (ep.end.on < ep.start) return null;
      return ep.end.on <= end ? 'hit' : 'late';
    case 'lost':
      return ep.end.on < ep.start ? null : 'lost';
    case 'open':
      return asOf > end ? 'open' : 'pending';
  }
}

/** "2026-Q2" for any day of April to June 2026. */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

export const QUARTER = /^(\d{4})-Q([1-4])$/;

export function quarterStart(q: string): string {
  const m = QUARTER.exec(q);
  if (!m) throw new RangeError(`not a quarter: ${q}`);
  return fromParts(Number(m[1]), (Number(m[2]) - 1) * 3 + 1, 1);
}

/** The first day of the quarter after q. */
export const quarterAfter = (q: string) => addMonths(quarterStart(q), 3);

/** Every quarter from `from` to `to`, both included. */
export function quartersBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = quarterStart(from), end = quarterStart(to); d <= end; d = addMonths(d, 3)) out.push(quarterOf(d));
  return out;
}

export type Tally = Record<Outcome, number> & { episodes: number; decided: number; hitRate: number | null };

const emptyTally = (): Tally => ({ episodes: 0, hit: 0, late: 0, lost: 0, open: 0, pending: 0, decided: 0, hitRate: null });

function settle(t: Tally): Tally {
  t.decided = t.hit + t.late + t.lost + t.open;
  t.hitRate = t.decided ? t.hit / t.decided : null;
  return t;
}

export type Calibration = {
  asOf: string;
  quarters: string[];
  /** One row per quarter and grade, every quarter of the range, empty ones included. */
  rows: ({ quarter: string; grade: JudgedGrade } & Tally)[];
  /** Per grade over the whole range. */
  byGrade: ({ grade: JudgedGrade } & Tally)[];
  total: Tally;
};

/**
 * Tallies episodes per quarter of their day and per grade. `range` keeps the quarters from..to
 * (both included); without it, the quarters the episodes span.
 */
export function calibrate(episodes: readonly Episode[], windowsFor: (policyVersion: number | null | undefined) => Windows, asOf: string, range?: { from: string; to: string }): Calibration {
  const cells = new Map<string, Tally>();
  const byGrade = new Map<JudgedGrade, Tally>(JUDGED_GRADES.map((g) => [g, emptyTally()]));
  const total = emptyTally();
  let first: string | null = null, last: string | null = null;
  const lo = range ? quarterStart(range.from) : null, hi = range ? quarterAfter(range.to) : null;
  for (const ep of episodes) {
    if (lo !== null && (ep.start < lo || ep.start >= hi!)) continue;
    const outcome = outcomeOf(ep, windowsFor(ep.policyVersion), asOf);
    if (outcome === null) continue;
    const n = ep.n ?? 1;
    const q = quarterOf(ep.start);
    if (first === null || q < first) first = q;
    if (last === null || q > last) last = q;
    const key = `${q}|${ep.grade}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = emptyTally()));
    for (const t of [cell, byGrade.get(ep.grade)!, total]) {
      t[outcome] += n;
      t.episodes += n;
    }
  }
  const quarters = range ? quartersBetween(range.from, range.to) : first && last ? quartersBetween(first, last) : [];
  const rows = quarters.flatMap((quarter) => JUDGED_GRADES.map((grade) => ({ quarter, grade, ...settle(cells.get(`${quarter}|${grade}`) ?? emptyTally()) })));
  return { asOf, quarters, rows, byGrade: JUDGED_GRADES.map((grade) => ({ grade, ...settle(byGrade.get(grade)!) })), total: settle(total) };
}
