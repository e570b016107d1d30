// Deterministic synthetic prospects for the benchmarks: varied firmographics, 5–10 signals each
// dated over the two years before DATA_AS_OF, graded with the app's own pure grader (so the
// stored grade and summary columns look exactly as if the app had written them), and a grade
// history for about a quarter of the accounts. One seeded PRNG stream: the same scale always
// gives the same data.

import { explain, summaryLine } from '../src/grading/explain.ts';
import { makeGrader, type Grader, type Grading, type SignalFact, type SignalSummary } from '../src/grading/grading.ts';
import type { Need, Policy, SignalType, TimingSignalType } from '../src/policy/policy.ts';
import { addDays, daysBetween } from '../src/shared/dates.ts';
import { nameKey } from '../src/prospects/validation.ts';

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Weighted<T> = readonly (readonly [T, number])[];

function picker<T>(rand: () => number, items: Weighted<T>): () => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of items) cum.push((acc += w / total));
  return () => {
    const r = rand();
    for (let i = 0; i < cum.length; i++) if (r < cum[i]!) return items[i]![0];
    return items[items.length - 1]![0];
  };
}

const ADJ = ['North', 'Blue', 'Summit', 'Bright', 'Iron', 'Silver', 'Green', 'Harbor', 'Pioneer', 'Atlas', 'Nova', 'Cedar', 'Granite', 'Apex', 'Union', 'Crescent', 'Vertex', 'Delta', 'Orbit', 'Maple'];
const NOUN = ['Logistics', 'Foods', 'Systems', 'Health', 'Motors', 'Textiles', 'Energy', 'Pharma', 'Retail', 'Builders', 'Analytics', 'Freight', 'Dental', 'Media', 'Plastics', 'Farms', 'Capital', 'Robotics', 'Labs', 'Hotels'];
const SUFFIX = ['GmbH', 'Ltd', 'Inc.', 'AG', 'S.A.', 'B.V.', 'LLC', 'Group', 'Co.', 'Holding'];
const INDUSTRIES = ['Manufacturing', 'Wholesale', 'Retail', 'Healthcare', 'Logistics', 'Construction', 'Software', 'Finance', 'Hospitality', 'Food & beverage', 'Energy', 'Public sector'];
const EVENTS = ['budget 2027 approved', 'series B closes', 'move to the new site', 'new CFO starts', 'contract with the incumbent ends', 'merger completes'];
const NOTES = ['Spoke with the head of operations', 'Sent the case study', 'Asked for a demo next quarter', 'CFO wants numbers first', 'Follow-up after the trade fair', 'Intro through a partner'];
const REPS = ['web', 'anna', 'ben', 'chloe', 'david', 'emma', 'felix', 'api'];

export type GenSignal = SignalFact & { type: SignalType; expectedDate: string | null; event: string | null; note: string | null; loggedBy: string; loggedAt: string };

export type GenChange = { fromGrade: string | null; toGrade: string; flags: string[]; reason: string; reasons: string[]; cause: string; actor: string; asOf: string; at: string };

export type GenAccount = {
  id: number;
  kind: 'prospect' | 'customer';
  name: string;
  nameKey: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  revenue: number | null;
  growthPct: number | null;
  need: Need | null;
  situation: string | null;
  status: 'open' | 'disqualified' | 'lost';
  statusReason: string | null;
  ownerId: number | null;
  addedOn: string;
  version: number;
  /** In logged order (oldest first). */
  signals: GenSignal[];
  summary: SignalSummary;
  grading: Grading;
  reason: string;
  changes: GenChange[];
};

export type Generator = { next(): GenAccount; grader: Grader; policy: Policy };

/**
 * Accounts numbered from `firstId`, graded as of `asOf` with `policy` (policy version 1).
 * `withText`: build the one-line reason and the history (skip for in-memory grading benchmarks).
 */
export function generator(opts: { seed: number; asOf: string; policy: Policy; firstId?: number; withText?: boolean }): Generator {
  const rand = prng(opts.seed);
  const { asOf, policy } = opts;
  const withText = opts.withText ?? true;
  const grader = makeGrader(policy.grading, asOf);
  let id = (opts.firstId ?? 1) - 1;

  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const normal = () => {
    // Box–Muller
    const u = 1 - rand(), v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const need = picker<Need | null>(rand, [['none', 10], ['low', 20], ['medium', 30], ['high', 20], ['critical', 8], [null, 12]]);
  const situation = picker<string | null>(rand, [['greenfield', 45], ['incumbent', 45], [null, 10]]);
  const status = picker<'open' | 'disqualified' | 'lost'>(rand, [['open', 85], ['disqualified', 9], ['lost', 6]]);
  const touch = picker<SignalType>(rand, [['call', 30], ['email', 35], ['meeting', 20], ['visit', 8], ['note', 7]]);
  const timing = picker<TimingSignalType>(rand, [
    ['selection_started', 10],
    ['replacement_selection_started', 6],
    ['waiting_on_event', 10],
    ['incumbent_failing', 8],
    ['self_built_unmaintained', 4],
    ['need_no_urgency', 14],
    ['incumbent_aging', 14],
    ['need_denied', 8],
    ['incumbent_satisfied', 12],
    ['recently_signed', 6],
    ['self_build_in_progress', 4],
  ]);
  const cat = policy.grading.catalogue as Record<string, { window: string }>;

  function signalsFor(addedOn: string): GenSignal[] {
    const n = int(5, 10);
    // Most accounts were touched recently; a long tail has gone quiet (exponential, mean 40 days).
    const quiet = Math.min(700, daysBetween(addedOn, asOf), Math.floor(-Math.log(1 - rand()) * 40));
    const end = addDays(asOf, -quiet);
    const startOffset = Math.min(730, daysBetween(addedOn, end));
    const touchOnly = rand() < 0.08;
    const days: number[] = [];
    for (let i = 0; i < n; i++) days.push(int(0, startOffset));
    days.sort((a, b) => b - a); // oldest first
    days[days.length - 1] = 0; // the last one is on `end`
    const out: GenSignal[] = [];
    for (let i = 0; i < n; i++) {
      const date = addDays(end, -days[i]!);
      const isTiming = !touchOnly && rand() < 0.35;
      const type = isTiming ? timing() : touch();
      let expectedDate: string | null = null;
      let event: string | null = null;
      if (isTiming) {
        const w = cat[type]!.window;
        if (type === 'waiting_on_event') {
          if (rand() < 0.6) {
            expectedDate = addDays(date, int(30, 300));
            event = pick(EVENTS);
          }
        } else if (w === 'D' ? rand() < 0.1 : rand() < 0.25) {
          expectedDate = addDays(date, w === 'D' ? int(365, 700) : int(20, 400));
        }
      }
      out.push({
        type,
        date,
        expectedDate,
        event,
        note: rand() < 0.4 ? pick(NOTES) : null,
        loggedBy: pick(REPS),
        loggedAt: `${date} ${String(8 + (i % 10)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:00+00`,
      });
    }
    return out;
  }

  function next(): GenAccount {
    id++;
    const kind = rand() < 0.97 ? 'prospect' : 'customer';
    const base = `${pick(ADJ)} ${pick(NOUN)}`;
    const name = `${base} ${id} ${pick(SUFFIX)}`;
    const domain = rand() < 0.92 ? `${base.toLowerCase().replace(/ /g, '-')}-${id}.example.com` : null;
    const employees = rand() < 0.08 ? null : Math.max(1, Math.min(200_000, Math.round(Math.exp(4.5 + 1.5 * normal()))));
    const revenue = rand() < 0.15 ? null : Math.round((employees ?? 50) * Math.exp(11.5 + 0.7 * normal()));
    const growthPct = rand() < 0.2 ? null : Math.round((8 + 15 * normal()) * 10) / 10;
    const st = kind === 'prospect' ? status() : 'open';
    const addedOn = addDays(asOf, -int(20, 1000));
    const signals = signalsFor(addedOn);
    const facts = { employees, revenue, growthPct, need: need(), addedOn };
    const summary = grader.summarize(signals);
    const grading = grader.gradeSummary(facts, summary);
    const reason = withText ? summaryLine(grading, policy.grading) : '';
    const changes: GenChange[] = [];
    if (withText && rand() < 0.25) {
      // A short history ending in the current grade: created, then a signal or a daily re-grade.
      const reasons = explain(grading, policy.grading);
      const n = int(1, 3);
      let from: string | null = null;
      for (let k = 0; k < n; k++) {
        const last = k === n - 1;
        const to = last ? grading.grade : pick(['A', 'B', 'C', 'D']);
        const day = last ? asOf : addDays(addedOn, k * 30);
        changes.push({
          fromGrade: from,
          toGrade: to,
          flags: last ? grading.flags : [],
          reason,
          reasons,
          cause: k === 0 ? 'created' : rand() < 0.5 ? 'signal' : 'daily',
          actor: k === 0 ? 'web' : 'daily re-grade',
          asOf: day,
          at: `${day} 06:00:00+00`,
        });
        from = to;
      }
    }
    return {
      id,
      kind,
      name,
      nameKey: nameKey(name),
      domain,
      industry: rand() < 0.05 ? null : pick(INDUSTRIES),
      employees,
      revenue,
      growthPct,
      need: facts.need,
      situation: situation(),
      status: st,
      statusReason: st === 'open' ? null : st === 'lost' ? 'Chose a competitor' : 'No budget',
      ownerId: rand() < 0.2 ? null : int(1, 200),
      addedOn,
      version: 1 + (signals.length > 7 ? 1 : 0),
      signals,
      summary,
      grading,
      reason,
      changes,
    };
  }

  return { next, grader, policy };
}

// ---- COPY text encoding (PostgreSQL text format) ----

const NEEDS_ESCAPE = /[\\\t\n\r]/;
function t(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}
const arr = (xs: readonly string[]) => `{${xs.join(',')}}`;

export const ACCOUNT_COLUMNS = [
  'id', 'kind', 'name', 'name_key', 'domain', 'industry', 'employees', 'revenue', 'growth_pct', 'need', 'situation',
  'status', 'status_reason', 'owner_id', 'added_on', 'version', 'created_at', 'updated_at',
  'grade', 'fit', 'close_by', 'flags', 'reason', 'graded_on', 'policy_version', 'slip_count',
  'latest_timing_type', 'latest_timing_date', 'latest_timing_expected', 'last_signal_on', 'prior_slips',
] as const;
export const SIGNAL_COLUMNS = ['account_id', 'type', 'date', 'expected_date', 'event', 'note', 'logged_by', 'logged_at'] as const;
export const CHANGE_COLUMNS = ['account_id', 'from_grade', 'to_grade', 'fit', 'flags', 'reason', 'reasons', 'cause', 'actor', 'policy_version', 'as_of', 'at'] as const;

/** One account row, graded as the app's gradeColumns() + summary columns would store it. */
export function accountLine(a: GenAccount, gradedOn: string, policyVersion: number): string {
  const g = a.grading;
  const lt = a.summary.latestTiming;
  const ts = `${a.addedOn} 12:00:00+00`;
  return [
    a.id, a.kind, t(a.name), t(a.nameKey), t(a.domain), t(a.industry), t(a.employees), t(a.revenue), t(a.growthPct), t(a.need), t(a.situation),
    a.status, t(a.statusReason), t(a.ownerId), a.addedOn, a.version, ts, ts,
    g.grade, t(g.fit.score), t(g.closeBy), arr(g.flags), t(a.reason), gradedOn, policyVersion, g.slipCount,
    t(lt?.type), t(lt?.date), t(lt?.expectedDate), t(a.summary.lastSignalOn), a.summary.priorSlips,
  ].join('\t') + '\n';
}

export function signalLines(a: GenAccount): string {
  let out = '';
  for (const s of a.signals) out += `${a.id}\t${s.type}\t${s.date}\t${t(s.expectedDate)}\t${t(s.event)}\t${t(s.note)}\t${s.loggedBy}\t${s.loggedAt}\n`;
  return out;
}

export function changeLines(a: GenAccount, policyVersion: number): string {
  let out = '';
  for (const c of a.changes) {
    out += [a.id, t(c.fromGrade), c.toGrade, t(a.grading.fit.score), arr(c.flags), t(c.reason), t(JSON.stringify(c.reasons)), c.cause, t(c.actor), policyVersion, c.asOf, c.at].join('\t') + '\n';
  }
  return out;
}
