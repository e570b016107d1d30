import { describe, expect, it } from 'vitest';
import { closeByOf, stateAsOf, type CurrentAccount, type GradeEvent, type History } from '../../src/review/backfill.ts';

const account = (over: Partial<CurrentAccount> = {}): CurrentAccount => ({
  id: 7,
  kind: 'prospect',
  status: 'open',
  grade: 'B',
  fit: 79.5,
  tier: null,
  tierScore: null,
  ownerId: 3,
  closeBy: '2026-09-01',
  flags: [],
  slipCount: 1,
  addedOn: '2026-03-02',
  convertedOn: null,
  updatedOn: '2026-06-20',
  ...over,
});

const g = (asOf: string, fromGrade: string | null, toGrade: string, flags: string[] = [], closeBy: string | null = null, cause = 'daily'): GradeEvent => ({ asOf, cause, fromGrade, toGrade, fit: 79.5, flags, closeBy });
const none: History = { grades: [], tiers: [], statuses: [], deals: [] };

describe('an account as it stood on a past Monday', () => {
  const history: History = {
    ...none,
    grades: [
      g('2026-03-02', null, 'C', ['no_timing'], null, 'created'),
      g('2026-03-20', 'C', 'A', [], '2026-05-10', 'signal'),
      g('2026-05-11', 'A', 'B', ['slipped'], '2026-05-10'),
      g('2026-06-10', 'B', 'A', [], '2026-09-01', 'signal'),
      g('2026-06-20', 'A', 'B', ['stale'], '2026-09-01'),
    ],
  };

  it('did not exist before it was added', () => {
    expect(stateAsOf(account(), history, '2026-02-23')).toBeNull();
  });

  it('has the grade, flags and close-by date of the last change on or before the week', () => {
    expect(stateAsOf(account(), history, '2026-03-02')).toMatchObject({ grade: 'C', flags: ['no_timing'], closeBy: null, slipCount: 0 });
    expect(stateAsOf(account(), history, '2026-04-06')).toMatchObject({ grade: 'A', flags: [], closeBy: '2026-05-10', slipCount: 0 });
    expect(stateAsOf(account(), history, '2026-05-11')).toMatchObject({ grade: 'B', flags: ['slipped'], slipCount: 1 });
    expect(stateAsOf(account(), history, '2026-06-15')).toMatchObject({ grade: 'A', flags: [], closeBy: '2026-09-01', slipCount: 1 });
    expect(stateAsOf(account(), history, '2026-06-22')).toMatchObject({ grade: 'B', flags: ['stale'], kind: 'prospect', status: 'open', ownerId: 3 });
  });

  it('keeps the slips an account came with, so the count ends at today’s', () => {
    const imported = account({ slipCount: 3 });
    expect(stateAsOf(imported, history, '2026-04-06')!.slipCount).toBe(2);
    expect(stateAsOf(imported, history, '2026-06-22')!.slipCount).toBe(3);
  });

  it('before the first recorded change, has the grade that change came from', () => {
    const later: History = { ...none, grades: [g('2026-05-04', 'D', 'C', [], null, 'edit')] };
    expect(stateAsOf(account({ addedOn: '2026-01-05' }), later, '2026-04-06')).toMatchObject({ grade: 'D', fit: null, flags: [] });
  });

  it('without any history, is as it is today', () => {
    expect(stateAsOf(account(), none, '2026-04-06')).toMatchObject({ grade: 'B', fit: 79.5, closeBy: '2026-09-01', slipCount: 1 });
  });

  it('is a customer from its conversion, with the tier of the last tier change by then', () => {
    const customer = account({ kind: 'customer', convertedOn: '2026-05-15', tier: 'Key', tierScore: 64 });
    const h: History = {
      ...history,
      grades: [...history.grades.slice(0, 3), g('2026-05-15', 'B', 'B', ['slipped'], null, 'converted')],
      tiers: [
        { asOf: '2026-05-15', toTier: 'Standard', score: 55 },
        { asOf: '2026-06-01', toTier: 'Key', score: 64 },
      ],
    };
    expect(stateAsOf(customer, h, '2026-05-11')).toMatchObject({ kind: 'prospect', tier: null, grade: 'B' });
    expect(stateAsOf(customer, h, '2026-05-18')).toMatchObject({ kind: 'customer', status: 'open', tier: 'Standard', tierScore: 55, grade: 'B', closeBy: '2026-05-10' });
    expect(stateAsOf(customer, h, '2026-06-01')).toMatchObject({ tier: 'Key', tierScore: 64 });
  });

  it('has the status of the last recorded status change by then', () => {
    const lost = account({ status: 'lost' });
    const h: History = {
      ...history,
      statuses: [
        { on: '2026-04-01', from: 'open', to: 'lost' },
        { on: '2026-04-20', from: 'lost', to: 'open' },
        { on: '2026-06-01', from: 'open', to: 'lost' },
      ],
    };
    expect(stateAsOf(lost, h, '2026-03-30')!.status).toBe('open');
    expect(stateAsOf(lost, h, '2026-04-06')!.status).toBe('lost');
    expect(stateAsOf(lost, h, '2026-04-27')!.status).toBe('open');
    expect(stateAsOf(lost, h, '2026-06-01')!.status).toBe('lost');
  });

  it('without a recorded status change, counts a closed prospect closed from its last update', () => {
    const lost = account({ status: 'disqualified', updatedOn: '2026-05-20' });
    expect(stateAsOf(lost, history, '2026-05-18')!.status).toBe('open');
    expect(stateAsOf(lost, history, '2026-05-25')!.status).toBe('disqualified');
  });

  it('counts the deals open that week: entered by then, not won or lost by then', () => {
    const h: History = {
      ...history,
      deals: [
        { value: 100, status: 'open', createdOn: '2026-04-01', closedOn: null },
        { value: 200, status: 'won', createdOn: '2026-04-01', closedOn: '2026-05-05' },
        { value: 400, status: 'lost', createdOn: '2026-05-01', closedOn: '2026-06-03' },
        { value: 800, status: 'open', createdOn: '2026-06-10', closedOn: null },
      ],
    };
    expect(stateAsOf(account(), h, '2026-03-30')!.openValue).toBe(0);
    expect(stateAsOf(account(), h, '2026-05-04')!.openValue).toBe(700);
    expect(stateAsOf(account(), h, '2026-05-11')!.openValue).toBe(500);
    expect(stateAsOf(account(), h, '2026-06-15')!.openValue).toBe(900);
  });
});

describe('the close-by date of a grade change', () => {
  it('is read from its explanation', () => {
    expect(closeByOf(['Latest timing signal: Selection started on 2026-06-01 (catalogue window A).', 'Expected to close by 2026-09-01: 2026-06-01 + 3 months.'])).toBe('2026-09-01');
    expect(closeByOf(['No timing signal yet: the grade comes from fit alone.'])).toBeNull();
    expect(closeByOf(null)).toBeNull();
  });
});
