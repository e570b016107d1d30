// 1. Pure grading throughput on one core (this process's main thread): prospects per second for
// makeGrader(policy, asOf).grade(prospect, signals) over pre-generated prospects with 5–10
// signals each; gradeSummary() over pre-computed summaries (what the daily re-grade does per
// row); grade() + summaryLine() + explain() (what a page or a grade change builds); and
// gradeProspect(), which builds a grader per call. Warm-up first, then several timed runs; the
// median run is reported.

import { explain, summaryLine } from '../src/grading/explain.ts';
import { gradeProspect, makeGrader, type ProspectFacts, type SignalFact, type SignalSummary } from '../src/grading/grading.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { BENCH_AS_OF, DATA_AS_OF, type Scale } from './config.ts';
import { generator } from './datagen.ts';
import { fmt, fmtInt, goal, log, median, table } from './stats.ts';

export type GradingResult = {
  prospects: number;
  signalsPerProspect: number;
  runs: number;
  runMs: number;
  variants: { name: string; what: string; perSecond: number[]; median: number }[];
};

export function runGradingBench(scale: Scale): GradingResult {
  const policy = defaultPolicy();
  const gen = generator({ seed: 7, asOf: DATA_AS_OF, policy, withText: false });
  const facts: ProspectFacts[] = [];
  const signals: SignalFact[][] = [];
  let totalSignals = 0;
  for (let i = 0; i < scale.gradingProspects; i++) {
    const a = gen.next();
    facts.push({ employees: a.employees, revenue: a.revenue, growthPct: a.growthPct, need: a.need, addedOn: a.addedOn });
    // Plain objects shaped like the rows the app reads (type, date, expectedDate).
    signals.push(a.signals.map((s) => ({ type: s.type, date: s.date, expectedDate: s.expectedDate })));
    totalSignals += a.signals.length;
  }
  const grader = makeGrader(policy.grading, BENCH_AS_OF);
  const summaries: SignalSummary[] = signals.map((s) => grader.summarize(s));
  const n = facts.length;
  let sink = 0;

  type Variant = { name: string; what: string; one(i: number): void };
  const variants: Variant[] = [
    {
      name: 'grade',
      what: '`makeGrader(policy, asOf).grade(prospect, signals)` (one grader, reused)',
      one: (i) => {
        sink += grader.grade(facts[i]!, signals[i]!).slipCount;
      },
    },
    {
      name: 'gradeSummary',
      what: '`grader.gradeSummary(prospect, summary)` (the daily re-grade path)',
      one: (i) => {
        sink += grader.gradeSummary(facts[i]!, summaries[i]!).slipCount;
      },
    },
    {
      name: 'grade+explain',
      what: '`grade()` + `summaryLine()` + `explain()` (the strings a page shows)',
      one: (i) => {
        const g = grader.grade(facts[i]!, signals[i]!);
        sink += summaryLine(g, policy.grading).length + explain(g, policy.grading).length;
      },
    },
    {
      name: 'gradeProspect',
      what: '`gradeProspect(prospect, signals, policy, asOf)` (a new grader per call)',
      one: (i) => {
        sink += gradeProspect(facts[i]!, signals[i]!, policy.grading, BENCH_AS_OF).slipCount;
      },
    },
  ];

  const result: GradingResult = { prospects: n, signalsPerProspect: totalSignals / n, runs: scale.gradingRuns, runMs: scale.gradingRunMs, variants: [] };
  for (const v of variants) {
    // Warm-up: a full pass, then half a run's time more, so the JIT has settled.
    for (let i = 0; i < n; i++) v.one(i);
    const warmEnd = performance.now() + scale.gradingRunMs / 2;
    for (let i = 0; performance.now() < warmEnd; i = (i + 1) % n) for (let k = 0; k < 1000; k++) v.one((i + k) % n);
    const perSecond: number[] = [];
    for (let r = 0; r < scale.gradingRuns; r++) {
      let done = 0;
      const start = performance.now();
      const end = start + scale.gradingRunMs;
      let now = start;
      while (now < end) {
        // Check the clock every 1,000 prospects, so timing costs nothing measurable.
        for (let k = 0; k < 1000; k++) v.one((done + k) % n);
        done += 1000;
        now = performance.now();
      }
      perSecond.push((done / (now - start)) * 1000);
    }
    const m = median(perSecond);
    log(`  ${v.name}: median ${fmtInt(m)}/s (runs ${perSecond.map((x) => fmtInt(x)).join(', ')})`);
    result.variants.push({ name: v.name, what: v.what, perSecond, median: m });
  }
  if (sink === -1) console.log('unreachable');
  return result;
}

export function gradingMarkdown(r: GradingResult): string {
  const main = r.variants.find((v) => v.name === 'grade')!;
  const rows = r.variants.map((v) => [
    v.what,
    `**${fmtInt(v.median)}**`,
    `${fmtInt(Math.min(...v.perSecond))} – ${fmtInt(Math.max(...v.perSecond))}`,
    fmt(1e6 / v.median, 2),
  ]);
  return [
    '### 1. Pure grading throughput (one core)',
    '',
    `${fmtInt(r.prospects)} prospects pre-generated in memory, ${fmt(r.signalsPerProspect, 1)} signals each on average (5–10), as-of ${BENCH_AS_OF}. ` +
      `Each variant: a warm-up pass, then ${r.runs} timed runs of ${r.runMs / 1000} s on the main thread; the median run is reported.`,
    '',
    table(['what', 'prospects/s (median)', 'range over runs', 'µs per prospect'], rows),
    '',
    `Goal ≥ 1,000,000 grades/s for \`grade()\`: ${goal(main.median >= 1_000_000)} (${fmtInt(main.median)}/s).`,
  ].join('\n');
}
