import { describe, expect, it } from 'vitest';
import { calibrate, outcomeOf, quarterOf, quartersBetween, type Episode, type Windows } from '../../src/calibration/calibration.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';

const AS_OF = '2026-06-30';
const windows: Windows = defaultPolicy().grading.windowMonths;
const ep = (grade: Episode['grade'], start: string, end: Episode['end'], over: Partial<Episode> = {}): Episode => ({ grade, start, end, ...over });
const converted = (on: string) => ({ kind: 'converted' as const, on });
const lost = (on: string) => ({ kind: 'lost' as const, on });
const open = { kind: 'open' as const };

describe('the outcome of one grade episode (default windows: A 3, B 6, C 12 months)', () => {
  it.each([
    ['an A converted on its last day (2026-01-15 + 3 months) is a hit', ep('A', '2026-01-15', converted('2026-04-15')), 'hit'],
    ['an A converted the day after is late', ep('A', '2026-01-15', converted('2026-04-16')), 'late'],
    ['an A converted the day it was graded is a hit', ep('A', '2026-01-15', converted('2026-01-15')), 'hit'],
    ['a B converted in month 5 is a hit', ep('B', '2025-11-01', converted('2026-04-01')), 'hit'],
    ['a B converted in month 7 is late', ep('B', '2025-08-01', converted('2026-03-01')), 'late'],
    ['a C converted 12 months to the day later is a hit', ep('C', '2025-06-30', converted('2026-06-30')), 'hit'],
    ['the window clamps at a month end: an A of 2025-11-30 runs to 2026-02-28', ep('A', '2025-11-30', converted('2026-02-28')), 'hit'],
    ['… and not to 2026-03-01', ep('A', '2025-11-30', converted('2026-03-01')), 'late'],
    ['an A lost inside its window is lost', ep('A', '2026-05-01', lost('2026-05-20')), 'lost'],
    ['an A lost after its window is lost', ep('A', '2025-01-01', lost('2026-05-20')), 'lost'],
    ['an A still open past its window is open (a miss)', ep('A', '2026-03-29', open), 'open'],
    ['an A still open on its window’s last day is pending', ep('A', '2026-03-30', open), 'pending'],
    ['a C still open inside 12 months is pending', ep('C', '2025-07-01', open), 'pending'],
  ] as const)('%s', (_, episode, outcome) => {
    expect(outcomeOf(episode, windows, AS_OF)).toBe(outcome);
  });

  it('an episode dated after the prospect converted or was lost is dropped', () => {
    expect(outcomeOf(ep('A', '2026-05-01', converted('2026-04-30')), windows, AS_OF)).toBeNull();
    expect(outcomeOf(ep('B', '2026-05-01', lost('2026-04-30')), windows, AS_OF)).toBeNull();
  });

  it('follows the windows it is given: with A = 1 month a close in month 2 is late', () => {
    expect(outcomeOf(ep('A', '2026-01-15', converted('2026-03-01')), { ...windows, A: 1 }, AS_OF)).toBe('late');
    expect(outcomeOf(ep('A', '2026-01-15', converted('2026-03-01')), windows, AS_OF)).toBe('hit');
  });
});

describe('quarters', () => {
  it('name the calendar quarter of a day, and list a range', () => {
    expect(['2026-01-01', '2026-03-31', '2026-04-01', '2026-12-31'].map(quarterOf)).toEqual(['2026-Q1', '2026-Q1', '2026-Q2', '2026-Q4']);
    expect(quartersBetween('2025-Q3', '2026-Q2')).toEqual(['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2']);
    expect(quartersBetween('2026-Q2', '2025-Q3')).toEqual([]);
  });
});

describe('the tally per quarter and grade', () => {
  // A hand-built history of five prospects:
  //   P1: A on 2025-10-05 → converted 2025-12-01 (hit)
  //   P2: B on 2025-10-20, A on 2026-01-10 → converted 2026-02-01 (B: hit, 3.5 months; A: hit)
  //   P3: A on 2025-11-01 → lost 2026-03-01 (lost)
  //   P4: C on 2025-08-01, B on 2025-12-15, still open (C pending to 2026-08-01; B open, its window ended 2026-06-15)
  //   P5: A on 2025-10-01 → converted 2026-05-01 (late)
  const history: Episode[] = [
    ep('A', '2025-10-05', converted('2025-12-01')),
    ep('B', '2025-10-20', converted('2026-02-01')),
    ep('A', '2026-01-10', converted('2026-02-01')),
    ep('A', '2025-11-01', lost('2026-03-01')),
    ep('C', '2025-08-01', open),
    ep('B', '2025-12-15', open),
    ep('A', '2025-10-01', converted('2026-05-01')),
  ];
  const result = calibrate(history, () => windows, AS_OF);
  const row = (quarter: string, grade: string) => result.rows.find((r) => r.quarter === quarter && r.grade === grade)!;

  it('counts each outcome in the quarter the grade was given', () => {
    expect(result.quarters).toEqual(['2025-Q3', '2025-Q4', '2026-Q1']);
    expect(row('2025-Q4', 'A')).toMatchObject({ episodes: 3, hit: 1, late: 1, lost: 1, open: 0, pending: 0, decided: 3 });
    expect(row('2025-Q4', 'A').hitRate).toBeCloseTo(1 / 3);
    expect(row('2025-Q4', 'B')).toMatchObject({ episodes: 2, hit: 1, open: 1, decided: 2, hitRate: 0.5 });
    expect(row('2026-Q1', 'A')).toMatchObject({ episodes: 1, hit: 1, hitRate: 1 });
    expect(row('2025-Q3', 'C')).toMatchObject({ episodes: 1, pending: 1, decided: 0, hitRate: null });
  });

  it('lists every quarter and grade, empty ones with no hit rate', () => {
    expect(result.rows).toHaveLength(9);
    expect(row('2025-Q3', 'A')).toMatchObject({ episodes: 0, hitRate: null });
  });

  it('sums per grade and in total; pending episodes are outside the hit rate', () => {
    expect(result.byGrade.find((g) => g.grade === 'A')).toMatchObject({ episodes: 4, hit: 2, late: 1, lost: 1, hitRate: 0.5 });
    expect(result.total).toMatchObject({ episodes: 7, hit: 3, late: 1, lost: 1, open: 1, pending: 1, decided: 6, hitRate: 0.5 });
  });

  it('a range keeps only its quarters, empty ones included', () => {
    const r = calibrate(history, () => windows, AS_OF, { from: '2026-Q1', to: '2026-Q2' });
    expect(r.quarters).toEqual(['2026-Q1', '2026-Q2']);
    expect(r.total).toMatchObject({ episodes: 1, hit: 1 });
    expect(r.rows.filter((x) => x.quarter === '2026-Q2').every((x) => x.episodes === 0)).toBe(true);
  });

  it('a grouped row counts n times', () => {
    const r = calibrate([ep('B', '2026-01-05', converted('2026-03-01'), { n: 4 }), ep('B', '2026-01-05', lost('2026-02-01'), { n: 1 })], () => windows, AS_OF);
    expect(r.byGrade.find((g) => g.grade === 'B')).toMatchObject({ episodes: 5, hit: 4, lost: 1, hitRate: 0.8 });
  });

  it('judges each episode by the windows of the policy version that gave it', () => {
    // Version 1 said A = 3 months; version 2 says A = 1 month. The same close, two months on.
    const eps = [ep('A', '2026-01-10', converted('2026-03-10'), { policyVersion: 1 }), ep('A', '2026-01-10', converted('2026-03-10'), { policyVersion: 2 })];
    const r = calibrate(eps, (v) => (v === 2 ? { ...windows, A: 1 } : windows), AS_OF);
    expect(r.byGrade[0]).toMatchObject({ grade: 'A', hit: 1, late: 1 });
  });

  it('nothing to judge gives no quarters and no rate', () => {
    const r = calibrate([], () => windows, AS_OF);
    expect(r.quarters).toEqual([]);
    expect(r.total).toMatchObject({ episodes: 0, hitRate: null });
  });
});
