import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreFit, type Firmographics } from '../../src/grading/fit.ts';
import { FLAGS, gradeProspect, makeGrader, type ProspectFacts, type SignalFact } from '../../src/grading/grading.ts';
import { defaultPolicy, GRADES, NEEDS, SIGNAL_TYPES, TIMING_SIGNALS, type Grade, type GradingPolicy } from '../../src/policy/policy.ts';

const DAY = 86_400_000;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / DAY;
const rank = (g: Grade) => GRADES.indexOf(g);

// Dates over a few years around the as-of window, so signals fall before, on and after as-of.
const dateArb = fc.integer({ min: day('2022-01-01'), max: day('2029-12-31') }).map(iso);
const asOfArb = fc.integer({ min: day('2024-01-01'), max: day('2027-12-31') }).map(iso);

const missing = fc.constantFrom(undefined, null);
const employeesArb = fc.oneof(missing, fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(49, 50, 249, 250, 999, 1000));
const revenueArb = fc.oneof(
  missing,
  fc.double({ min: 0, max: 1e9, noNaN: true }),
  fc.constantFrom(999_999, 1_000_000, 9_999_999, 10_000_000, 99_999_999, 100_000_000),
);
const growthArb = fc.oneof(missing, fc.double({ min: -100, max: 500, noNaN: true }), fc.constantFrom(-0.1, 0, 9.9, 10, 24.9, 25));
const needArb = fc.oneof(missing, fc.constantFrom(...NEEDS));

const prospectArb: fc.Arbitrary<ProspectFacts> = fc.record(
  { employees: employeesArb, revenue: revenueArb, growthPct: growthArb, need: needArb, addedOn: fc.oneof(missing, dateArb) },
  { requiredKeys: [] },
);

const signalArb: fc.Arbitrary<SignalFact> = fc.record(
  { type: fc.constantFrom<string>(...SIGNAL_TYPES), date: dateArb, expectedDate: fc.oneof(fc.constant(null), dateArb) },
  { requiredKeys: ['type', 'date'] },
);
const signalsArb = fc.array(signalArb, { maxLength: 10 });

// Any valid policy: windows widen A ≤ B ≤ C, every threshold anywhere in its range.
const policyArb: fc.Arbitrary<GradingPolicy> = fc
  .record({
    windows: fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 24 })).map((w) => w.sort((a, b) => a - b)),
    eventLeadMonths: fc.integer({ min: 0, max: 12 }),
    requalifyMonths: fc.integer({ min: 0, max: 36 }),
    staleDays: fc.integer({ min: 1, max: 365 }),
    floor: fc.integer({ min: 0, max: 100 }),
    fitOnlyC: fc.integer({ min: 0, max: 100 }),
  })
  .map((r) => {
    const p = defaultPolicy().grading;
    p.windowMonths = { A: r.windows[0]!, B: r.windows[1]!, C: r.windows[2]! };
    p.eventLeadMonths = r.eventLeadMonths;
    p.requalifyMonths = r.requalifyMonths;
    p.staleDays = r.staleDays;
    p.fit.floor = r.floor;
    p.fit.fitOnlyC = r.fitOnlyC;
    return p;
  });
const anyPolicyArb = fc.oneof(fc.constant(defaultPolicy().grading), policyArb);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const RUNS = { numRuns: 500 };

describe('grading properties', () => {
  it('(a) fit never promotes: the grade is never better than the window grade, and never better than C without timing', () => {
    fc.assert(
      fc.property(prospectArb, signalsArb, asOfArb, anyPolicyArb, (p, signals, asOf, policy) => {
        const g = gradeProspect(p, signals, policy, asOf);
        if (g.windowGrade !== null) {
          expect(rank(g.grade)).toBeGreaterThanOrEqual(rank(g.windowGrade));
          // and at most one letter below it
          expect(rank(g.grade) - rank(g.windowGrade)).toBeLessThanOrEqual(1);
        } else {
          expect(['C', 'D']).toContain(g.grade);
        }
      }),
      RUNS,
    );
  });

  it('(a) a perfect fit gives no better grade than the window (or C) does', () => {
    fc.assert(
      fc.property(signalsArb, asOfArb, anyPolicyArb, (signals, asOf, policy) => {
        const perfect = gradeProspect({ employees: 5000, revenue: 1e9, growthPct: 50, need: 'critical' }, signals, policy, asOf);
        expect(perfect.grade).toBe(perfect.windowGrade ?? (100 >= policy.fit.fitOnlyC ? 'C' : 'D'));
      }),
      RUNS,
    );
  });

  it('(b) logging a timing signal dated before the latest timing signal never changes the grade or close-by', () => {
    fc.assert(
      fc.property(
        prospectArb,
        signalsArb,
        asOfArb,
        anyPolicyArb,
        fc.record({
          type: fc.constantFrom<string>(...TIMING_SIGNALS),
          daysBefore: fc.integer({ min: 1, max: 1500 }),
          expectedDate: fc.oneof(fc.constant(null), dateArb),
          at: fc.nat(),
        }),
        (p, signals, asOf, policy, extra) => {
          const grader = makeGrader(policy, asOf);
          const latest = grader.summarize(signals).latestTiming;
          fc.pre(latest !== null);
          const older: SignalFact = { type: extra.type, date: iso(day(latest!.date) - extra.daysBefore), expectedDate: extra.expectedDate };
          const at = extra.at % (signals.length + 1);
          const more = [...signals.slice(0, at), older, ...signals.slice(at)];
          const before = grader.grade(p, signals);
          const after = grader.grade(p, more);
          expect(after.grade).toBe(before.grade);
          expect(after.closeBy).toBe(before.closeBy);
          expect(after.windowGrade).toBe(before.windowGrade);
          expect(after.timing).toEqual(before.timing);
          expect(after.flags).toEqual(before.flags);
        },
      ),
      RUNS,
    );
  });

  it('(c) grading is deterministic for a fixed as-of and does not mutate its input', () => {
    fc.assert(
      fc.property(prospectArb, signalsArb, asOfArb, anyPolicyArb, (p, signals, asOf, policy) => {
        const copies = structuredClone({ p, signals, policy });
        deepFreeze(p);
        deepFreeze(signals);
        deepFreeze(policy);
        const first = gradeProspect(p, signals, policy, asOf);
        const second = gradeProspect(p, signals, policy, asOf);
        const third = makeGrader(policy, asOf).grade(p, signals);
        expect(second).toEqual(first);
        expect(third).toEqual(first);
        expect({ p, signals, policy }).toEqual(copies);
      }),
      RUNS,
    );
  });

  it('(d) gradeSummary(p, summarize(signals)) equals grade(p, signals)', () => {
    fc.assert(
      fc.property(prospectArb, signalsArb, asOfArb, anyPolicyArb, (p, signals, asOf, policy) => {
        const grader = makeGrader(policy, asOf);
        const summary = structuredClone(grader.summarize(signals)); // as if stored and read back
        expect(makeGrader(policy, asOf).gradeSummary(p, summary)).toEqual(grader.grade(p, signals));
      }),
      RUNS,
    );
  });

  it('(e) a higher value for any single firmographic factor never lowers the fit', () => {
    const policy = defaultPolicy().grading;
    const score = (f: Firmographics) => scoreFit(f, policy).score!;
    const pair = <T>(arb: fc.Arbitrary<T>, cmp: (a: T, b: T) => number) =>
      fc.tuple(arb, arb).map(([a, b]): [T, T] => (cmp(a, b) <= 0 ? [a, b] : [b, a]));
    const byNum = (a: number, b: number) => a - b;
    const needRank = (n: (typeof NEEDS)[number]) => NEEDS.indexOf(n);
    fc.assert(
      fc.property(
        prospectArb,
        pair(fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(49, 50, 249, 250, 999, 1000)), byNum),
        pair(fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(999_999, 1_000_000, 10_000_000, 100_000_000)), byNum),
        pair(fc.oneof(fc.double({ min: -100, max: 500, noNaN: true }), fc.constantFrom(-0.1, 0, 9.9, 10, 24.9, 25)), byNum),
        pair(fc.constantFrom(...NEEDS), (a, b) => needRank(a) - needRank(b)),
        (p, [e1, e2], [r1, r2], [g1, g2], [n1, n2]) => {
          expect(score({ ...p, employees: e2 })).toBeGreaterThanOrEqual(score({ ...p, employees: e1 }));
          expect(score({ ...p, revenue: r2 })).toBeGreaterThanOrEqual(score({ ...p, revenue: r1 }));
          expect(score({ ...p, growthPct: g2 })).toBeGreaterThanOrEqual(score({ ...p, growthPct: g1 }));
          expect(score({ ...p, need: n2 })).toBeGreaterThanOrEqual(score({ ...p, need: n1 }));
        },
      ),
      RUNS,
    );
  });

  it('(f) grades are letters A–D, the fit is 0–100 with one decimal or null, and flags agree with the grading', () => {
    fc.assert(
      fc.property(prospectArb, signalsArb, asOfArb, anyPolicyArb, (p, signals, asOf, policy) => {
        const g = gradeProspect(p, signals, policy, asOf);
        expect(GRADES).toContain(g.grade);
        if (g.windowGrade !== null) expect(GRADES).toContain(g.windowGrade);
        const s = g.fit.score;
        if (s === null) {
          expect([p.employees, p.revenue, p.growthPct, p.need].every((v) => v === null || v === undefined)).toBe(true);
        } else {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(100);
          expect(Math.round(s * 10) / 10).toBe(s);
        }
        expect(new Set(g.flags).size).toBe(g.flags.length);
        for (const f of g.flags) expect(FLAGS).toContain(f);
        expect(g.flags.includes('slipped')).toBe(g.slipped);
        expect(g.flags.includes('requalify')).toBe(g.requalify);
        expect(g.flags.includes('no_timing')).toBe(g.windowGrade === null);
        expect(g.flags.includes('incomplete')).toBe(g.fit.incomplete);
        expect(g.slipCount).toBeGreaterThanOrEqual(g.slipped ? 1 : 0);
        if (g.closeBy !== null && !g.slipped) expect(g.closeBy >= asOf).toBe(true);
        if (g.slipped) expect(g.closeBy! < asOf).toBe(true);
      }),
      RUNS,
    );
  });

  it('a timing signal logged on the as-of day without an expected date grades its catalogue window (default policy)', () => {
    const policy = defaultPolicy().grading;
    fc.assert(
      fc.property(asOfArb, fc.constantFrom(...TIMING_SIGNALS), signalsArb, (asOf, type, earlier) => {
        const before = earlier.filter((s) => s.date < asOf);
        const g = gradeProspect({}, [...before, { type, date: asOf }], policy, asOf);
        expect(g.windowGrade).toBe(policy.catalogue[type].window);
        expect(g.slipped).toBe(false);
      }),
      RUNS,
    );
  });
});
