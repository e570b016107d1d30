import { addMonths, daysBetween } from '../shared/dates.ts';
import type { Grade, GradingPolicy, SignalType, TimingSignalType } from '../policy/policy.ts';
import { scoreFit, type Firmographics, type Fit } from './fit.ts';

// PURE: a prospect's grade from its firmographics, its signals, the policy and an as-of date.
// No I/O, no clock, no globals: the same input always gives the same grade.

export const FLAGS = ['slipped', 'requalify', 'no_timing', 'incomplete', 'stale'] as const;
export type Flag = (typeof FLAGS)[number];

export type ProspectFacts = Firmographics & { addedOn?: string | null };

export type SignalFact = {
  type: SignalType | string;
  date: string;
  expectedDate?: string | null;
};

/** What the grade needs from the signal history; the database keeps it so a daily re-grade reads no signals. */
export type SignalSummary = {
  latestTiming: { type: TimingSignalType; date: string; expectedDate: string | null } | null;
  lastSignalOn: string | null;
  /** Close-by dates of earlier timing signals that passed before a newer one arrived. */
  priorSlips: number;
};

export type Timing = {
  type: TimingSignalType;
  date: string;
  expectedDate: string | null;
  catalogueWindow: Grade;
  /** Where the close-by date came from. */
  closeBySource: 'signal' | 'expected' | 'event' | 'none';
};

export type Grading = {
  asOf: string;
  grade: Grade;
  /** The grade timing alone gives, before any fit demotion; null without timing evidence. */
  windowGrade: Grade | null;
  fit: Fit;
  closeBy: string | null;
  timing: Timing | null;
  flags: Flag[];
  slipped: boolean;
  slipCount: number;
  requalify: boolean;
  /** Demoted one letter for fit below the floor (reason `low_fit`). */
  lowFit: boolean;
  lastSignalOn: string | null;
  /** Days since the last signal (or since the prospect was added), when known. */
  quietDays: number | null;
};

const NEXT: Record<Grade, Grade> = { A: 'B', B: 'C', C: 'D', D: 'D' };

export type Grader = {
  grade(prospect: ProspectFacts, signals: readonly SignalFact[]): Grading;
  gradeSummary(prospect: ProspectFacts, summary: SignalSummary): Grading;
  summarize(signals: readonly SignalFact[]): SignalSummary;
};

/** Builds a grader for one policy and as-of date; bounds derived from them are computed once. */
export function makeGrader(policy: GradingPolicy, asOf: string): Grader {
  const cat = policy.catalogue as Record<string, { window: Grade } | undefined>;
  const wm = policy.windowMonths;
  const boundA = addMonths(asOf, wm.A), boundB = addMonths(asOf, wm.B), boundC = addMonths(asOf, wm.C);
  const requalifyBefore = addMonths(asOf, -policy.requalifyMonths);

  const monthsFor = (w: Grade): number | null => (w === 'D' ? null : wm[w]);

  /** Close-by date of a timing signal and where it came from; null for D evidence without a date. */
  function closeByOf(type: string, date: string, expected: string | null | undefined, w: Grade): [string | null, Timing['closeBySource']] {
    if (expected) return type === 'waiting_on_event' ? [addMonths(expected, policy.eventLeadMonths), 'event'] : [expected, 'expected'];
    const m = monthsFor(w);
    return m === null ? [null, 'none'] : [addMonths(date, m), 'signal'];
  }

  function summarize(signals: readonly SignalFact[]): SignalSummary {
    // Latest by signal date; on the same date the one logged later (later in the list) wins.
    // Signals usually arrive in date order: then one pass also counts the close-by dates that
    // passed before the next timing signal; otherwise the timing signals are sorted first.
    let latest: SignalFact | null = null;
    let lastSignalOn: string | null = null;
    let priorSlips = 0;
    let prevCloseBy: string | null = null;
    let inOrder = true;
    let timingCount = 0;
    for (const s of signals) {
      if (s.date > asOf) continue;
      if (lastSignalOn === null || s.date > lastSignalOn) lastSignalOn = s.date;
      const entry = cat[s.type];
      if (entry === undefined) continue;
      timingCount++;
      if (latest !== null) {
        if (s.date < latest.date) inOrder = false;
        else if (prevCloseBy !== null && prevCloseBy < s.date) priorSlips++;
      }
      if (latest === null || s.date >= latest.date) {
        latest = s;
        prevCloseBy = closeByOf(s.type, s.date, s.expectedDate, entry.window)[0];
      }
    }
    if (!inOrder && timingCount > 1) priorSlips = slipsOutOfOrder(signals);
    return {
      latestTiming: latest ? { type: latest.type as TimingSignalType, date: latest.date, expectedDate: latest.expectedDate ?? null } : null,
      lastSignalOn,
      priorSlips,
    };
  }

  function slipsOutOfOrder(signals: readonly SignalFact[]): number {
    const timing = stableByDate(signals.filter((s) => s.date <= asOf && cat[s.type] !== undefined));
    let slips = 0;
    for (let i = 0; i < timing.length - 1; i++) {
      const s = timing[i]!;
      const [cb] = closeByOf(s.type, s.date, s.expectedDate, cat[s.type]!.window);
      if (cb !== null && cb < timing[i + 1]!.date) slips++;
    }
    return slips;
  }

  function gradeSummary(p: ProspectFacts, sum: SignalSummary): Grading {
    const fit = scoreFit(p, policy);
    const flags: Flag[] = [];
    let windowGrade: Grade | null = null;
    let closeBy: string | null = null;
    let timing: Timing | null = null;
    let slipped = false;
    let requalify = false;

    const lt = sum.latestTiming;
    const entry = lt ? cat[lt.type] : undefined;
    if (lt && entry) {
      const w = entry.window;
      const [cb, source] = closeByOf(lt.type, lt.date, lt.expectedDate, w);
      timing = { type: lt.type, date: lt.date, expectedDate: lt.expectedDate, catalogueWindow: w, closeBySource: source };
      if (w === 'D' && lt.date < requalifyBefore) {
        requalify = true;
      } else {
        closeBy = cb;
        if (cb === null) windowGrade = 'D';
        else if (cb < asOf) {
          slipped = true;
          windowGrade = NEXT[w];
        } else windowGrade = cb <= boundA ? 'A' : cb <= boundB ? 'B' : cb <= boundC ? 'C' : 'D';
      }
    }

    let grade: Grade;
    const fitScore = fit.score;
    if (windowGrade === null) {
      grade = fitScore !== null && fitScore >= policy.fit.fitOnlyC ? 'C' : 'D';
      flags.push('no_timing');
    } else grade = windowGrade;
    let lowFit = false;
    if (fitScore === null || fitScore < policy.fit.floor) {
      const demoted = NEXT[grade];
      if (demoted !== grade) {
        lowFit = true;
        grade = demoted;
      }
    }
    if (slipped) flags.push('slipped');
    if (requalify) flags.push('requalify');
    if (fit.incomplete) flags.push('incomplete');

    const since = sum.lastSignalOn ?? (p.addedOn && p.addedOn <= asOf ? p.addedOn : null);
    const quietDays = since === null ? null : daysBetween(since, asOf);
    if (quietDays !== null && quietDays >= policy.staleDays) flags.push('stale');

    return {
      asOf,
      grade,
      windowGrade,
      fit,
      closeBy,
      timing,
      flags,
      slipped,
      slipCount: sum.priorSlips + (slipped ? 1 : 0),
      requalify,
      lowFit,
      lastSignalOn: sum.lastSignalOn,
      quietDays,
    };
  }

  return {
    summarize,
    gradeSummary,
    grade: (p, signals) => gradeSummary(p, summarize(signals)),
  };
}

function stableByDate(list: SignalFact[]): SignalFact[] {
  return list
    .map((s, i) => [s, i] as const)
    .sort((a, b) => (a[0].date < b[0].date ? -1 : a[0].date > b[0].date ? 1 : a[1] - b[1]))
    .map(([s]) => s);
}

/** Grades one prospect: the rule of DOMAIN.md §1 as a function of data, policy and as-of date. */
export function gradeProspect(prospect: ProspectFacts, signals: readonly SignalFact[], policy: GradingPolicy, asOf: string): Grading {
  return makeGrader(policy, asOf).grade(prospect, signals);
}
