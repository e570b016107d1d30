import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, daysInMonth, isIsoDate } from '../../src/shared/dates.ts';

describe('addMonths', () => {
  it.each([
    // [from, months, expected, rule]
    ['2026-01-31', 1, '2026-02-28', 'Jan 31 + 1 clamps to Feb 28 in a common year'],
    ['2024-01-31', 1, '2024-02-29', 'Jan 31 + 1 clamps to Feb 29 in a leap year'],
    ['2000-01-31', 1, '2000-02-29', 'a year divisible by 400 is leap'],
    ['2100-01-31', 1, '2100-02-28', 'a century not divisible by 400 is not leap'],
    ['2026-08-31', 3, '2026-11-30', 'Aug 31 + 3 clamps to Nov 30'],
    ['2026-03-31', 1, '2026-04-30', 'Mar 31 + 1 clamps to Apr 30'],
    ['2026-01-30', 1, '2026-02-28', 'Jan 30 + 1 clamps to Feb 28'],
    ['2026-01-28', 1, '2026-02-28', 'a day that exists in the target month is kept'],
    ['2026-01-31', 2, '2026-03-31', 'clamping only applies to the target month'],
    ['2026-06-15', 0, '2026-06-15', 'zero months is the same day'],
    ['2026-06-01', 3, '2026-09-01', 'a plain forward move keeps the day'],
    ['2026-11-15', 3, '2027-02-15', 'a forward move rolls over the year'],
    ['2026-12-31', 2, '2027-02-28', 'a forward move rolls over the year and clamps'],
    ['2026-10-31', 4, '2027-02-28', 'October + 4 lands in next February'],
    ['2026-06-30', 12, '2027-06-30', '+12 is the same day next year'],
    ['2024-02-29', 12, '2025-02-28', 'Feb 29 + 12 clamps to Feb 28'],
    ['2024-02-29', 48, '2028-02-29', 'Feb 29 + 48 lands on the next leap day'],
    ['2026-03-31', -1, '2026-02-28', 'Mar 31 - 1 clamps to Feb 28'],
    ['2024-03-31', -1, '2024-02-29', 'Mar 31 - 1 clamps to Feb 29 in a leap year'],
    ['2026-01-15', -1, '2025-12-15', 'a backward move rolls back the year'],
    ['2026-06-30', -12, '2025-06-30', '-12 is the same day last year'],
    ['2026-02-10', -14, '2024-12-10', 'a backward move over more than a year'],
    ['2024-02-29', -12, '2023-02-28', 'Feb 29 - 12 clamps to Feb 28'],
    ['2026-05-31', -3, '2026-02-28', 'May 31 - 3 clamps to Feb 28'],
    ['2026-01-01', -1, '2025-12-01', 'January - 1 is December of the year before'],
    ['2026-12-01', 1, '2027-01-01', 'December + 1 is January of the year after'],
  ])('%s plus %s months is %s (%s)', (from, months, expected) => {
    expect(addMonths(from, months)).toBe(expected);
  });

  it('applying +1 twice can differ from +2 once, because each step clamps', () => {
    expect(addMonths(addMonths('2026-01-31', 1), 1)).toBe('2026-03-28');
    expect(addMonths('2026-01-31', 2)).toBe('2026-03-31');
  });

  it('always returns a valid ISO date', () => {
    for (let m = -30; m <= 30; m++) {
      for (const d of ['2024-01-31', '2025-08-31', '2026-02-28', '2026-12-31']) {
        expect(isIsoDate(addMonths(d, m)), `${d} ${m}`).toBe(true);
      }
    }
  });
});

describe('isIsoDate', () => {
  it.each(['2026-02-28', '2024-02-29', '2000-02-29', '2026-12-31', '2026-01-01', '2026-04-30', '0001-01-01'])(
    'accepts %s',
    (s) => expect(isIsoDate(s)).toBe(true),
  );

  it.each([
    ['2026-02-29', 'Feb 29 in a common year'],
    ['2026-02-30', 'Feb 30'],
    ['2100-02-29', 'Feb 29 in a non-leap century'],
    ['2026-04-31', 'Apr 31'],
    ['2026-06-31', 'Jun 31'],
    ['2026-09-31', 'Sep 31'],
    ['2026-11-31', 'Nov 31'],
    ['2026-01-32', 'day 32'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-01-00', 'day 0'],
    ['2026-1-05', 'a one-digit month'],
    ['2026-01-5', 'a one-digit day'],
    ['26-01-05', 'a two-digit year'],
    ['2026/01/05', 'slashes'],
    ['20260105', 'no separators'],
    ['2026-01-05T00:00:00Z', 'a timestamp'],
    [' 2026-01-05', 'leading space'],
    ['2026-01-05 ', 'trailing space'],
    ['', 'the empty string'],
  ])('rejects %s (%s)', (s) => expect(isIsoDate(s)).toBe(false));

  it.each([[null], [undefined], [20260105], [new Date('2026-01-05')], [{}]])('rejects the non-string %s', (v) => {
    expect(isIsoDate(v)).toBe(false);
  });
});

describe('daysInMonth', () => {
  it.each([
    [2026, 1, 31], [2026, 2, 28], [2024, 2, 29], [2000, 2, 29], [2100, 2, 28], [2026, 4, 30],
    [2026, 6, 30], [2026, 7, 31], [2026, 9, 30], [2026, 11, 30], [2026, 12, 31],
  ])('%i-%i has %i days', (y, m, n) => expect(daysInMonth(y, m)).toBe(n));
});

describe('daysBetween', () => {
  it.each([
    ['2026-06-30', '2026-06-30', 0, 'the same day is 0'],
    ['2026-06-01', '2026-06-30', 29, 'within a month'],
    ['2026-06-30', '2026-06-01', -29, 'negative when b is earlier'],
    ['2026-05-31', '2026-06-30', 30, 'across a month end'],
    ['2026-02-28', '2026-03-01', 1, 'over Feb 28 in a common year'],
    ['2024-02-28', '2024-03-01', 2, 'over Feb 29 in a leap year'],
    ['2025-12-31', '2026-01-01', 1, 'over a year end'],
    ['2026-01-01', '2027-01-01', 365, 'a common year'],
    ['2024-01-01', '2025-01-01', 366, 'a leap year'],
    ['2026-02-15', '2026-06-30', 135, 'the stale gap of a worked example'],
    ['2026-03-29', '2026-03-30', 1, 'over a daylight-saving change (no time zone drift)'],
    ['2026-10-24', '2026-10-26', 2, 'over the autumn clock change'],
  ])('%s → %s is %s days (%s)', (a, b, n) => expect(daysBetween(a, b)).toBe(n));

  it('is the inverse of addDays', () => {
    for (const n of [-400, -31, -1, 0, 1, 29, 30, 365, 366, 1000]) {
      expect(daysBetween('2024-02-29', addDays('2024-02-29', n))).toBe(n);
    }
  });
});
