import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHANGE_LISTS, changeLists, changeListsOf, matrixCell, movesOf, placeOf, tierRanks, unmoved, type ListItem, type Place, type SnapState } from '../../src/review/diff.ts';
import { isMonday, mondayOf, shortDate, weeksBefore } from '../../src/review/weeks.ts';
import { dateIn } from '../../src/shared/dates.ts';

const tiers = tierRanks([{ name: 'Strategic' }, { name: 'Key' }, { name: 'Standard' }]);
const open = (grade: string | null, over: Partial<SnapState> = {}): SnapState => ({ kind: 'prospect', status: 'open', grade, tier: null, flags: [], slipCount: 0, ...over });
const customer = (tier: string | null): SnapState => ({ kind: 'customer', status: 'open', grade: 'A', tier, flags: [], slipCount: 0 });
const closed = (status: 'lost' | 'disqualified', grade = 'B'): SnapState => ({ kind: 'prospect', status, grade, tier: null, flags: [], slipCount: 0 });

describe('review weeks', () => {
  it('names a week by its Monday', () => {
    expect(mondayOf('2026-06-29')).toBe('2026-06-29'); // a Monday
    expect(mondayOf('2026-07-05')).toBe('2026-06-29'); // the Sunday after
    expect(mondayOf('2026-01-01')).toBe('2025-12-29'); // across a year
    expect(isMonday('2026-06-29')).toBe(true);
    expect(isMonday('2026-06-30')).toBe(false);
    expect(isMonday('2026-02-30')).toBe(false);
    expect(weeksBefore('2026-06-29', 3)).toEqual(['2026-06-08', '2026-06-15', '2026-06-22']);
    expect(shortDate('2026-06-08')).toBe('8 Jun');
    expect(shortDate('2026-06-08', true)).toBe('8 Jun 2026');
  });

  it('is the Monday in the org’s time zone: Sunday evening in UTC is already Monday in Auckland', () => {
    const instant = new Date('2026-06-28T13:00:00Z');
    expect(mondayOf(dateIn('UTC', instant))).toBe('2026-06-22');
    expect(mondayOf(dateIn('Pacific/Auckland', instant))).toBe('2026-06-29');
  });
});

describe('where an account stands', () => {
  it.each([
    [null, 'absent'],
    [open('B'), 'B'],
    [open(null), 'none'],
    [customer('Key'), 'customer'],
    [closed('lost'), 'closed'],
    [closed('disqualified'), 'closed'],
  ] as [SnapState | null, Place][])('%j is %s', (s, place) => expect(placeOf(s)).toBe(place));
});

describe('the movement matrix', () => {
  it.each([
    ['B', 'A', { row: 'B', col: 'A' }],
    ['A', 'A', { row: 'A', col: 'A' }],
    ['absent', 'C', { row: 'new', col: 'C' }],
    ['closed', 'B', { row: 'new', col: 'B' }], // reopened
    ['customer', 'D', { row: 'new', col: 'D' }], // a conversion undone
    ['A', 'customer', { row: 'A', col: 'converted' }],
    ['absent', 'customer', { row: 'new', col: 'converted' }],
    ['closed', 'customer', { row: 'new', col: 'converted' }],
    ['C', 'closed', { row: 'C', col: 'lost' }],
    ['customer', 'customer', null],
    ['closed', 'closed', null],
    ['B', 'absent', null],
  ] as [Place, Place, unknown][])('%s → %s', (from, to, cell) => expect(matrixCell(from, to)).toEqual(cell));
});

describe('the change lists an account is in', () => {
  it.each([
    ['a better grade is upgraded', open('B'), open('A'), ['upgraded']],
    ['a worse grade is downgraded', open('A'), open('C'), ['downgraded']],
    ['the same grade is in no list', open('B'), open('B'), []],
    ['a better tier is upgraded', customer('Standard'), customer('Key'), ['upgraded']],
    ['a worse tier is downgraded', customer('Strategic'), customer('Key'), ['downgraded']],
    ['an added prospect is new', null, open('C'), ['new']],
    ['a reopened prospect is new', closed('lost'), open('B'), ['new']],
    ['a won deal converts', open('A'), customer('Key'), ['converted']],
    ['added and won in one week is new and converted', null, customer('Key'), ['new', 'converted']],
    ['lost is lost', open('B'), closed('lost'), ['lost']],
    ['disqualified counts as lost', open('D'), closed('disqualified'), ['lost']],
    ['staying lost is nothing', closed('lost'), closed('lost'), []],
    ['a close-by date passing is slipped (and a downgrade)', open('A', { slipCount: 0 }), open('B', { flags: ['slipped'], slipCount: 1 }), ['downgraded', 'slipped']],
    ['slipping again is slipped', open('B', { flags: ['slipped'], slipCount: 1 }), open('C', { flags: ['slipped'], slipCount: 2 }), ['downgraded', 'slipped']],
    ['still slipped from before is not', open('B', { flags: ['slipped'], slipCount: 1 }), open('B', { flags: ['slipped'], slipCount: 1 }), []],
    ['a new timing signal clears the flag: not slipped', open('B', { flags: ['slipped'], slipCount: 1 }), open('A', { slipCount: 1 }), ['upgraded']],
    ['gone this week is in no list', open('A'), null, []],
  ] as [string, SnapState | null, SnapState | null, string[]][])('%s', (_, prev, cur, lists) => expect(changeListsOf(prev, cur, tiers)).toEqual(lists));

  const state = fc.record({
    kind: fc.constantFrom('prospect', 'customer'),
    status: fc.constantFrom('open', 'lost', 'disqualified'),
    grade: fc.constantFrom('A', 'B', 'C', 'D', null),
    tier: fc.constantFrom('Strategic', 'Key', 'Standard', null),
    flags: fc.subarray(['slipped', 'stale', 'no_timing']),
    slipCount: fc.integer({ min: 0, max: 4 }),
  });

  it('puts an account that did not move (as derive.ts reads it in SQL) in no change list', () => {
    fc.assert(
      fc.property(fc.option(state, { nil: null }), fc.option(state, { nil: null }), (prev, cur) => {
        if (unmoved(prev, cur)) expect(changeListsOf(prev, cur, tiers)).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(state, (s) => {
        expect(changeListsOf(s, { ...s, flags: [...s.flags] }, tiers)).toEqual([]);
      }),
    );
  });

  it('never lists an account as both upgraded and downgraded, and counts every matrix move once', () => {
    fc.assert(
      fc.property(fc.option(state, { nil: null }), state, (prev, cur) => {
        const l = changeListsOf(prev, cur, tiers);
        expect(l.includes('upgraded') && l.includes('downgraded')).toBe(false);
        const cell = matrixCell(placeOf(prev), placeOf(cur));
        // An upgrade or downgrade of a prospect is always off the matrix diagonal, between grades.
        if (cur.kind === 'prospect' && (l.includes('upgraded') || l.includes('downgraded'))) expect(cell && cell.row !== cell.col && cell.row !== 'new').toBe(true);
      }),
    );
  });
});

describe('the moves of a week from its counts and the accounts that moved', () => {
  const state = fc.record({
    kind: fc.constantFrom('prospect', 'customer'),
    status: fc.constantFrom('open', 'lost'),
    grade: fc.constantFrom('A', 'B', 'C', 'D', null),
    tier: fc.constantFrom('Key', 'Standard', null),
    flags: fc.subarray(['slipped', 'stale']),
    slipCount: fc.integer({ min: 0, max: 2 }),
  });
  const account = fc.record({ owner: fc.constantFrom(1, 2, null), prev: fc.option(state, { nil: null }), cur: fc.option(state, { nil: null }) });

  it('equal the moves of a full comparison of both weeks, in every cell of the matrix', () => {
    fc.assert(
      fc.property(fc.array(account, { maxLength: 40 }), (accounts) => {
        // Brute force: every account of either week, from its place last week to this week's.
        const full = new Map<string, number>();
        for (const a of accounts) {
          const cell = matrixCell(placeOf(a.prev), placeOf(a.cur));
          if (cell) full.set(`${a.owner}|${cell.row}|${cell.col}`, (full.get(`${a.owner}|${cell.row}|${cell.col}`) ?? 0) + 1);
        }
        const present = accounts.filter((a) => a.cur);
        const counts = present.map((a) => ({ ownerId: a.owner, kind: a.cur!.kind, status: a.cur!.status, grade: a.cur!.grade, n: 1 }));
        const moved = present.filter((a) => !unmoved(a.prev, a.cur)).map((a) => ({ ownerId: a.owner, prev: a.prev, cur: a.cur! }));
        const got = new Map<string, number>();
        for (const m of movesOf(counts, moved)) {
          expect(m.n).toBeGreaterThan(0);
          const cell = matrixCell(m.fromKey, m.toKey);
          if (cell) got.set(`${m.ownerId}|${cell.row}|${cell.col}`, (got.get(`${m.ownerId}|${cell.row}|${cell.col}`) ?? 0) + m.n);
        }
        expect(Object.fromEntries(got)).toEqual(Object.fromEntries(full));
      }),
    );
  });
});

describe('the order of each list', () => {
  const item = (id: number, nameKey: string, prev: SnapState | null, cur: SnapState): ListItem => ({ accountId: id, nameKey, prev, cur });

  it('shows the best grade first, then by name; lost by the grade it had; slipped by slips', () => {
    const items = [
      item(1, 'zeta', open('C'), open('B')),
      item(2, 'alpha', open('B'), open('A')),
      item(3, 'beta', open('D'), open('B')),
      item(4, 'acme', open('C'), closed('lost', 'C')),
      item(5, 'bolt', open('A'), closed('lost', 'A')),
      item(6, 'cero', open('A'), open('B', { flags: ['slipped'], slipCount: 1 })),
      item(7, 'dino', open('B', { slipCount: 2 }), open('C', { flags: ['slipped'], slipCount: 3 })),
      item(8, 'echo', customer('Standard'), customer('Strategic')),
    ];
    const lists = changeLists(items, tiers);
    expect(lists.upgraded.map((i) => i.accountId)).toEqual([2, 3, 1, 8]);
    expect(lists.lost.map((i) => i.accountId)).toEqual([5, 4]);
    expect(lists.slipped.map((i) => i.accountId)).toEqual([7, 6]);
    expect(lists.downgraded.map((i) => i.accountId)).toEqual([6, 7]);
    expect(Object.keys(lists)).toEqual([...CHANGE_LISTS]);
  });
});
