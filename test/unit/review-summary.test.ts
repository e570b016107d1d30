import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { countLines, gradeTrend, matrixOf, repLines, repMatches, totalsOf, valueByMonth, type CountRow, type RepInfo } from '../../src/review/summary.ts';

const W = '2026-06-29', P = '2026-06-22';
const row = (over: Partial<CountRow>): CountRow => ({ week: W, ownerId: 1, kind: 'prospect', status: 'open', grade: 'A', tier: null, stale: false, n: 1, openValue: 0, ...over });
const TIERS = ['Strategic', 'Key', 'Standard'];
const policy = defaultPolicy();

describe('totals and their change', () => {
  const cur = totalsOf(
    [
      row({ grade: 'A', n: 3, openValue: 1000 }),
      row({ grade: 'A', n: 2, stale: true, ownerId: 2 }),
      row({ grade: 'C', n: 4 }),
      row({ kind: 'customer', grade: 'B', tier: 'Key', n: 2, openValue: 500 }),
      row({ status: 'lost', grade: 'B', n: 5, openValue: 99 }),
    ],
    TIERS,
  );
  const prev = totalsOf([row({ week: P, grade: 'A', n: 4 }), row({ week: P, grade: 'B', n: 6 }), row({ week: P, kind: 'customer', tier: 'Key', n: 1 })], TIERS);

  it('counts open prospects by grade, customers by tier, and closed ones apart', () => {
    expect(cur.grades).toEqual({ A: 5, B: 0, C: 4, D: 0, none: 0 });
    expect(cur.tiers).toEqual({ Strategic: 0, Key: 2, Standard: 0 });
    expect(cur).toMatchObject({ openProspects: 9, customers: 2, closed: 5, stale: 2 });
    // Lost prospects' deals are no pipeline.
    expect(cur.openValue).toBe(1500);
  });

  it('gives each grade and tier this week, the week before and the change', () => {
    const lines = countLines(cur, prev);
    const by = Object.fromEntries(lines.map((l) => [l.key, l]));
    expect(by.A).toMatchObject({ now: 5, before: 4, change: 1 });
    expect(by.B).toMatchObject({ now: 0, before: 6, change: -6 });
    expect(by['tier:Key']).toMatchObject({ now: 2, before: 1, change: 1 });
    expect(by.open).toMatchObject({ now: 9, before: 10, change: -1 });
    expect(lines.map((l) => l.key).slice(0, 4)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('has no change for the first week taken', () => {
    expect(countLines(cur, null).every((l) => l.before === null && l.change === null)).toBe(true);
  });
});

describe('the matrix from the moves', () => {
  it('folds places into rows (last week) and columns (this week), with totals', () => {
    const m = matrixOf([
      { ownerId: 1, fromKey: 'A', toKey: 'A', n: 10 },
      { ownerId: 2, fromKey: 'A', toKey: 'A', n: 5 },
      { ownerId: 1, fromKey: 'B', toKey: 'A', n: 2 },
      { ownerId: 1, fromKey: 'absent', toKey: 'C', n: 3 },
      { ownerId: 1, fromKey: 'closed', toKey: 'C', n: 1 },
      { ownerId: 1, fromKey: 'C', toKey: 'customer', n: 4 },
      { ownerId: 1, fromKey: 'D', toKey: 'closed', n: 6 },
      { ownerId: 1, fromKey: 'customer', toKey: 'customer', n: 50 },
      { ownerId: 1, fromKey: 'closed', toKey: 'closed', n: 70 },
    ]);
    expect(m.cells.A.A).toBe(15);
    expect(m.cells.B.A).toBe(2);
    expect(m.cells.new.C).toBe(4);
    expect(m.cells.C.converted).toBe(4);
    expect(m.cells.D.lost).toBe(6);
    expect(m.rowTotals).toEqual({ A: 15, B: 2, C: 4, D: 6, new: 4 });
    expect(m.colTotals).toEqual({ A: 17, B: 0, C: 4, D: 0, converted: 4, lost: 6 });
    expect(m.total).toBe(31);
  });
});

describe('one line per rep', () => {
  const people: RepInfo[] = [
    { id: 1, name: 'Maya', role: 'rep', level: 3, capacity: 100, region: 'North', state: 'active' },
    { id: 2, name: 'Jonas', role: 'rep', level: 1, capacity: 20, region: 'South', state: 'active' },
    { id: 3, name: 'Idle', role: 'rep', level: 2, capacity: 100, region: 'North', state: 'active' },
    { id: 4, name: 'Gone', role: 'rep', level: 2, capacity: 100, region: null, state: 'deactivated' },
    { id: 9, name: 'Dana', role: 'manager', level: null, capacity: 100, region: null, state: 'active' },
  ];
  const rows = [
    row({ ownerId: 1, grade: 'A', n: 5 }), // 5 × 4 points
    row({ ownerId: 1, grade: 'B', n: 2, stale: true }), // 2 × 3
    row({ ownerId: 1, kind: 'customer', tier: 'Strategic', n: 1 }), // 10
    row({ ownerId: 1, status: 'lost', grade: 'C', n: 7 }), // no load, not counted
    row({ ownerId: 2, grade: 'D', n: 30 }), // 30 × 1 over a capacity of 20
    row({ ownerId: 9, grade: 'C', n: 1 }),
    row({ ownerId: null, grade: 'B', n: 4 }),
  ];

  it('adds the load of their accounts under the ownership policy, and utilization', () => {
    const lines = repLines(rows, people, new Map([[1, 3]]), policy.ownership);
    expect(lines.map((l) => l.name)).toEqual(['Dana', 'Idle', 'Jonas', 'Maya', 'Unassigned']);
    const maya = lines.find((l) => l.ownerId === 1)!;
    expect(maya).toMatchObject({ grades: { A: 5, B: 2, C: 0, D: 0 }, customers: 1, accounts: 8, stale: 2, load: 36, capacity: 100, overdue: 3 });
    expect(maya.utilization).toBeCloseTo(0.36);
    expect(lines.find((l) => l.ownerId === 2)!.utilization).toBeCloseTo(1.5);
    expect(lines.find((l) => l.ownerId === 3)).toMatchObject({ accounts: 0, load: 0, utilization: 0 });
    expect(lines.at(-1)).toMatchObject({ ownerId: null, accounts: 4, capacity: null, utilization: null });
    // A deactivated rep owning nothing is left out.
    expect(lines.some((l) => l.ownerId === 4)).toBe(false);
  });

  it('shows only the reps the filters keep', () => {
    expect(repMatches(people[0]!, { region: 'North', level: 3 })).toBe(true);
    expect(repMatches(people[0]!, { region: 'South' })).toBe(false);
    const north = repLines(rows.filter((r) => r.ownerId === 1 || r.ownerId === 3), people, new Map(), policy.ownership, { region: 'North' });
    expect(north.map((l) => l.name)).toEqual(['Idle', 'Maya']);
  });
});

describe('charts data', () => {
  it('counts open prospects by grade for each week of the trend, in order', () => {
    const weeks = ['2026-06-15', P, W];
    const t = gradeTrend(
      [
        { week: W, grade: 'A', n: 3 },
        { week: '2026-06-15', grade: 'A', n: 1 },
        { week: P, grade: 'B', n: 2 },
        { week: P, grade: null, n: 9 },
        { week: '2020-01-06', grade: 'A', n: 99 },
      ],
      weeks,
    );
    expect(t).toEqual({ A: [1, 0, 3], B: [0, 2, 0], C: [0, 0, 0], D: [0, 0, 0] });
  });

  it('buckets the pipeline by close month: overdue first, twelve months, later, no date', () => {
    const b = valueByMonth(
      [
        { month: '2026-05', n: 1, openValue: 100 },
        { month: '2026-06', n: 2, openValue: 200 },
        { month: '2026-08', n: 1, openValue: 50 },
        { month: '2027-05', n: 1, openValue: 70 },
        { month: '2027-06', n: 1, openValue: 30 },
        { month: '', n: 1, openValue: 5 },
      ],
      W,
    );
    expect(b[0]).toMatchObject({ key: 'before', label: 'Overdue', value: 100 });
    expect(b.slice(1, 13).map((x) => x.key)).toEqual(['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05']);
    expect(b[1]).toMatchObject({ label: 'Jun 2026', value: 200, n: 2 });
    expect(b[12]).toMatchObject({ value: 70 });
    expect(b.slice(13)).toEqual([
      { key: 'later', label: 'Later', value: 30, n: 1 },
      { key: 'none', label: 'No date', value: 5, n: 1 },
    ]);
    // Empty edges are left out.
    expect(valueByMonth([], W).map((x) => x.key)).not.toContain('before');
  });
});
