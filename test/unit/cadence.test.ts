import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dueLine, lastTouchesOf, nextDue, touchesDue, type CadenceAccount, type LastTouches } from '../../src/cadence/cadence.ts';
import { defaultPolicy, type CadencePolicy } from '../../src/policy/policy.ts';
import { addDays, daysBetween } from '../../src/shared/dates.ts';

const AS_OF = '2026-06-30';
const policy = (): CadencePolicy => defaultPolicy().cadence;
const none: LastTouches = { call: null, visit: null, touch: null };
const prospect = (grade: string, over: Partial<CadenceAccount> = {}): CadenceAccount => ({ kind: 'prospect', status: 'open', grade, tier: null, addedOn: '2026-01-01', convertedOn: null, ...over });
const customer = (tier: string, over: Partial<CadenceAccount> = {}): CadenceAccount => ({ kind: 'customer', status: 'open', grade: 'A', tier, addedOn: '2025-01-01', convertedOn: '2026-01-01', ...over });

describe("DOMAIN.md §5's default intervals", () => {
  it.each([
    ['Strategic', 30, 90],
    ['Key', 90, 180],
    ['Standard', 180, 365],
  ] as const)('a %s customer is due a call every %i days and a visit every %i', (tier, callDays, visitDays) => {
    const dues = touchesDue(customer(tier), { call: '2026-06-01', visit: '2026-06-01', touch: '2026-06-01' }, policy(), AS_OF);
    expect(dues.map((d) => [d.kind, d.everyDays, d.dueOn])).toEqual([
      ['call', callDays, addDays('2026-06-01', callDays)],
      ['visit', visitDays, addDays('2026-06-01', visitDays)],
    ]);
  });

  it.each([
    ['A', 7],
    ['B', 14],
    ['C', 30],
    ['D', 90],
  ] as const)('an open %s prospect is due a touch every %i days', (grade, days) => {
    const [d, ...rest] = touchesDue(prospect(grade), { ...none, touch: '2026-06-01' }, policy(), AS_OF);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'touch', everyDays: days, lastOn: '2026-06-01', dueOn: addDays('2026-06-01', days) });
  });
});

describe('days overdue', () => {
  it('is 0 on the due day itself and 1 the day after', () => {
    // A: 7 days. Touched 2026-06-23 → due 2026-06-30.
    expect(touchesDue(prospect('A'), { ...none, touch: '2026-06-23' }, policy(), AS_OF)[0]).toMatchObject({ dueOn: '2026-06-30', daysOverdue: 0 });
    expect(touchesDue(prospect('A'), { ...none, touch: '2026-06-22' }, policy(), AS_OF)[0]).toMatchObject({ dueOn: '2026-06-29', daysOverdue: 1 });
  });

  it('a Strategic customer last called 45 days ago is 15 days overdue for the call; its visit 60 days ago is not due yet', () => {
    const [call, visit] = touchesDue(customer('Strategic'), { call: '2026-05-16', visit: '2026-05-01', touch: '2026-05-16' }, policy(), AS_OF);
    expect(call).toMatchObject({ kind: 'call', dueOn: '2026-06-15', daysOverdue: 15 });
    expect(visit).toMatchObject({ kind: 'visit', dueOn: '2026-07-30', daysOverdue: 0 });
  });
});

describe('an account never touched', () => {
  it('is due from the day a prospect was added', () => {
    expect(touchesDue(prospect('B', { addedOn: '2026-06-01' }), none, policy(), AS_OF)[0]).toMatchObject({ lastOn: null, since: '2026-06-01', dueOn: '2026-06-15', daysOverdue: 15 });
  });

  it('is due from the day a customer converted, not the day it was added', () => {
    const [call] = touchesDue(customer('Strategic', { addedOn: '2024-01-01', convertedOn: '2026-06-10' }), none, policy(), AS_OF);
    expect(call).toMatchObject({ since: '2026-06-10', dueOn: '2026-07-10', daysOverdue: 0 });
  });

  it('a touch before the account started counts from the start (a customer called as a prospect is not overdue the day it converts)', () => {
    const [call] = touchesDue(customer('Strategic', { convertedOn: '2026-06-20' }), { call: '2025-01-01', visit: null, touch: '2025-01-01' }, policy(), AS_OF);
    expect(call).toMatchObject({ lastOn: '2025-01-01', since: '2026-06-20', daysOverdue: 0 });
  });
});

describe('accounts with no cadence', () => {
  it.each([
    ['a lost prospect', prospect('A', { status: 'lost' })],
    ['a disqualified prospect', prospect('A', { status: 'disqualified' })],
    ['an ungraded prospect', prospect('A', { grade: null })],
    ['a customer of a tier the policy gives no cadence', customer('Platinum')],
    ['a customer without a tier', customer('Key', { tier: null })],
  ])('%s', (_, account) => {
    expect(touchesDue(account, none, policy(), AS_OF)).toEqual([]);
  });
});

describe('the intervals come from the policy', () => {
  it('a longer A interval makes the same prospect not overdue', () => {
    const p = { ...policy(), byGrade: { ...policy().byGrade, A: 21 } };
    expect(touchesDue(prospect('A'), { ...none, touch: '2026-06-15' }, policy(), AS_OF)[0]!.daysOverdue).toBe(8);
    expect(touchesDue(prospect('A'), { ...none, touch: '2026-06-15' }, p, AS_OF)[0]!.daysOverdue).toBe(0);
  });

  it('a renamed tier gets the cadence the policy gives it', () => {
    const p = { ...policy(), byTier: { Gold: { callDays: 10, visitDays: 20 } } };
    expect(touchesDue(customer('Gold'), none, p, AS_OF).map((d) => d.dueOn)).toEqual(['2026-01-11', '2026-01-21']);
  });
});

describe('last touches from signals', () => {
  const signals = [
    { type: 'email', date: '2026-06-20' },
    { type: 'call', date: '2026-05-01' },
    { type: 'meeting', date: '2026-04-01' },
    { type: 'visit', date: '2026-02-01' },
    { type: 'selection_started', date: '2026-06-25' },
    { type: 'call', date: '2026-07-05' },
  ];

  it('a call is the latest of the policy call types, a visit of its visit types, a touch of any contact signal; timing signals and later dates do not count', () => {
    // Default policy: calls are call, meeting, visit; visits are visit, meeting.
    expect(lastTouchesOf(signals, policy(), AS_OF)).toEqual({ call: '2026-05-01', visit: '2026-04-01', touch: '2026-06-20' });
  });

  it('follows the policy: with only "visit" as a visit type the meeting does not count as one', () => {
    expect(lastTouchesOf(signals, { ...policy(), visitTypes: ['visit'] }, AS_OF).visit).toBe('2026-02-01');
  });
});

describe('what to show first', () => {
  it('the most overdue, else the soonest due, in words', () => {
    const dues = touchesDue(customer('Key'), { call: '2026-02-01', visit: '2026-03-01', touch: '2026-03-01' }, policy(), AS_OF);
    const first = nextDue(dues)!;
    expect(first.kind).toBe('call');
    expect(dueLine(first, AS_OF)).toBe('Call overdue by 59 days (due 2026-05-02; every 90 days; last 2026-02-01)');
    expect(dueLine(dues[1]!, AS_OF)).toBe('Next visit due 2026-08-28 (in 59 days; every 180 days; last 2026-03-01)');
    expect(nextDue([])).toBeNull();
  });
});

describe('properties', () => {
  const day = fc.integer({ min: 0, max: 2000 }).map((n) => addDays('2023-01-01', n));
  it('a touch on as-of is never overdue, and overdue days equal as-of minus the due date when positive', () => {
    fc.assert(
      fc.property(day, day, fc.constantFrom('A', 'B', 'C', 'D'), (added, asOf, grade) => {
        const [onDay] = touchesDue(prospect(grade, { addedOn: added }), { ...none, touch: asOf }, policy(), asOf);
        expect(onDay!.daysOverdue).toBe(0);
        const [d] = touchesDue(prospect(grade, { addedOn: added }), none, policy(), asOf);
        expect(d!.daysOverdue).toBe(Math.max(0, daysBetween(d!.dueOn, asOf)));
        expect(d!.dueOn).toBe(addDays(added, policy().byGrade[grade]));
      }),
    );
  });
});
