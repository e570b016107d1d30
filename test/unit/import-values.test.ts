import { describe, expect, it } from 'vitest';
import { isBlank, readDate, readDealStatus, readNeed, readNumber, readSituation, slashedDateOrder } from '../../src/import/values.ts';

const num = (s: string, decimalComma = false) => {
  const r = readNumber(s, { decimalComma });
  return r.ok ? r.value : `bad: ${r.problem}`;
};
const date = (s: string, order: 'mdy' | 'dmy' = 'mdy') => {
  const r = readDate(s, order);
  return r.ok ? r.value : `bad: ${r.problem}`;
};

describe('blank cells say nothing', () => {
  it.each(['', '   ', 'n/a', 'N/A', 'NA', 'n.a.', '-', '--', '—', 'null', 'NULL', '#N/A', 'unknown', 'Select', 'NaN', '?', 'TBD'])('"%s" is blank', (s) => {
    expect(isBlank(s)).toBe(true);
    expect(readNumber(s)).toEqual({ ok: true, value: null });
    expect(readDate(s)).toEqual({ ok: true, value: null });
  });

  it.each(['none', '0', 'Nana Corp', 'Selection Ltd', 'n/a corp'])('"%s" is not blank', (s) => expect(isBlank(s)).toBe(false));
});

describe('money and numbers as exports write them', () => {
  it.each([
    ['$22,700.00', 22_700, 'Zoho money: a dollar sign and thousands separators'],
    ['"$22,700.00"'.slice(1, -1), 22_700, 'the same once the CSV quotes are gone'],
    ['18.3 MM', 18_300_000, 'Inc. 5000 revenue: MM is millions'],
    ['18.3MM', 18_300_000, 'MM without a space'],
    ['40M', 40_000_000, 'M is millions'],
    ['2.5 million', 2_500_000, 'the word million'],
    ['950K', 950_000, 'K is thousands'],
    ['1.2 bn', 1_200_000_000, 'bn is billions'],
    ['1,234,567', 1_234_567, 'comma thousands separators'],
    ['1,234,567.89', 1_234_567.89, 'comma thousands and a decimal point'],
    ['1.234.567,89', 1_234_567.89, 'dot thousands and a decimal comma'],
    ['1 234 567', 1_234_567, 'space thousands separators'],
    ['1\u00a0234', 1_234, 'a non-breaking space as separator'],
    ["1'234.50", 1_234.5, 'Swiss apostrophes'],
    ['€ 1.000,50', 1_000.5, 'a euro amount'],
    ['1000 EUR', 1_000, 'a currency code after'],
    ['USD 1,000', 1_000, 'a currency code before'],
    ['(500)', -500, 'accounting negatives'],
    ['-5', -5, 'a minus sign'],
    ['−5', -5, 'a Unicode minus'],
    ['15 %', 15, 'a percent sign'],
    ['15.3%', 15.3, 'a decimal percent'],
    ['12,5', 12.5, 'a lone comma before one or two digits is a decimal comma'],
    ['0', 0, 'zero'],
    ['.5', 0.5, 'a leading decimal point'],
    ['51-200', 51, 'a range reads as its lower bound'],
    ['1,001 – 5,000', 1_001, 'a range with separators and an en dash'],
    ['10,001+', 10_001, 'an open range'],
    ['10 to 50', 10, 'a range in words'],
  ])('%s → %s (%s)', (s, expected) => expect(num(s)).toBe(expected));

  it('in a semicolon file a lone comma is the decimal point and a dot groups thousands', () => {
    expect(num('1,234', true)).toBe(1.234);
    expect(num('1.234', true)).toBe(1_234);
    expect(num('950.000', true)).toBe(950_000);
    expect(num('12.500.000,50 €', true)).toBe(12_500_000.5);
    // In a comma file the same cells read the other way.
    expect(num('1,234')).toBe(1_234);
    expect(num('1.234')).toBe(1.234);
  });

  it.each(['abc', 'lots', '12abc', '1,23,4', '1.2.3', '$', '5 apples', '1e5', '12 MMM'])('"%s" is not a number', (s) => {
    expect(num(s)).toMatch(/^bad: ".*" is not a number$/);
  });
});

describe('dates in the three shapes exports use', () => {
  it.each([
    ['2026-03-01', '2026-03-01', 'ISO'],
    ['2020-12-22T21:16:01Z', '2020-12-22', 'an ISO timestamp (Salesforce API): the date part'],
    ['2026-03-01 23:59:59', '2026-03-01', 'a date and time'],
    ['03/01/2026', '2026-03-01', 'US month first'],
    ['3/1/2026', '2026-03-01', 'US without leading zeros'],
    ['03/01/26', '2026-03-01', 'a two-digit year'],
    ['15/04/2021', '2021-04-15', 'a first part above 12 is the day'],
    ['15.04.2021', '2021-04-15', 'dots: German, day first'],
    ['03.01.2026', '2026-01-03', 'dots are always day first'],
    ['15 Apr, 2021 00:02:00', '2021-04-15', 'Zoho'],
    ['15 Apr 2021', '2021-04-15', 'day month year'],
    ['15-Apr-2021', '2021-04-15', 'day-month-year'],
    ['1 September 2025', '2025-09-01', 'a full month name'],
    ['Apr 15, 2021', '2021-04-15', 'month day, year'],
    ['April 15, 2021 3:04 PM', '2021-04-15', 'with a 12-hour time'],
  ])('%s → %s (%s)', (s, expected) => expect(date(s)).toBe(expected));

  it('a column that shows the day first reads ambiguous dates day first', () => {
    expect(date('03/01/2026', 'dmy')).toBe('2026-01-03');
    expect(date('03/01/2026', 'mdy')).toBe('2026-03-01');
    expect(slashedDateOrder('15/04/2021')).toBe('dmy');
    expect(slashedDateOrder('04/15/2021')).toBe('mdy');
    expect(slashedDateOrder('03/01/2026')).toBeNull();
  });

  it.each(['2026-13-45', '2026-02-30', '31/31/2026', '30 Feb, 2026', 'yesterday', '2026', '15 Foo, 2021', "eval:DateTime.now() - relativedelta(days=8)"])('"%s" is refused', (s) => {
    expect(date(s)).toMatch(/^bad: ".*" is not a (real )?date$/);
  });
});

describe('picklists', () => {
  it.each([
    ['High', 'high'], ['critical', 'critical'], ['URGENT', 'critical'], ['med', 'medium'], ['None', 'none'], ['low', 'low'],
  ])('need "%s" → %s', (s, v) => expect(readNeed(s)).toEqual({ ok: true, value: v }));

  it('an unknown need names the levels', () => {
    expect(readNeed('very much')).toEqual({ ok: false, problem: '"very much" is not a need (none, low, medium, high or critical)' });
  });

  it.each([['Greenfield', 'greenfield'], ['incumbent', 'incumbent'], ['replacement', 'incumbent']])('situation "%s" → %s', (s, v) =>
    expect(readSituation(s)).toEqual({ ok: true, value: v }),
  );

  it.each([
    ['Closed Won', 'won'], ['Closed/Won', 'won'], ['Won', 'won'], ['closed_won', 'won'],
    ['Closed Lost', 'lost'], ['Lost', 'lost'], ['Qualification', 'open'], ['Negotiation/Review', 'open'], ['Engaging', 'open'],
  ])('deal stage "%s" → %s', (s, v) => expect(readDealStatus(s)).toEqual({ ok: true, value: v }));
});
