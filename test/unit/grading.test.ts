import { describe, expect, it } from 'vitest';
import { explain, summaryLine } from '../../src/grading/explain.ts';
import { gradeProspect, makeGrader, type ProspectFacts, type SignalFact } from '../../src/grading/grading.ts';
import { defaultPolicy, type GradingPolicy } from '../../src/policy/policy.ts';

const AS_OF = '2026-06-30';
const policy = (): GradingPolicy => defaultPolicy().grading;
/** Fit 79.5: well above every threshold, so only timing decides. */
const strong: ProspectFacts = { employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high' };
const sig = (type: string, date: string, expectedDate?: string): SignalFact => (expectedDate ? { type, date, expectedDate } : { type, date });
const grade = (signals: SignalFact[], o: { prospect?: ProspectFacts; asOf?: string; policy?: GradingPolicy } = {}) =>
  gradeProspect(o.prospect ?? strong, signals, o.policy ?? policy(), o.asOf ?? AS_OF);

describe('close-by date from the catalogue window of the latest timing signal', () => {
  it.each([
    ['selection_started', 'A', '2026-09-15', 'A'],
    ['replacement_selection_started', 'A', '2026-09-15', 'A'],
    ['waiting_on_event', 'B', '2026-12-15', 'B'],
    ['incumbent_failing', 'B', '2026-12-15', 'B'],
    ['self_built_unmaintained', 'B', '2026-12-15', 'B'],
    ['need_no_urgency', 'C', '2027-06-15', 'C'],
    ['incumbent_aging', 'C', '2027-06-15', 'C'],
    ['need_denied', 'D', null, 'D'],
    ['incumbent_satisfied', 'D', null, 'D'],
    ['recently_signed', 'D', null, 'D'],
    ['self_build_in_progress', 'D', null, 'D'],
  ] as const)('%s logged 2026-06-15 (window %s) closes by %s and grades %s', (type, window, closeBy, wg) => {
    const g = grade([sig(type, '2026-06-15')]);
    expect(g.timing).toMatchObject({ type, catalogueWindow: window, closeBySource: closeBy ? 'signal' : 'none' });
    expect(g.closeBy).toBe(closeBy);
    expect(g.windowGrade).toBe(wg);
    expect(g.grade).toBe(wg);
    expect(g.flags).toEqual([]);
  });

  it('a close-by from the signal date clamps at a short month end (2026-05-31 + 3 → 2026-08-31, 2025-08-31 + 6 → 2026-02-28)', () => {
    expect(grade([sig('selection_started', '2026-05-31')]).closeBy).toBe('2026-08-31');
    expect(grade([sig('incumbent_failing', '2025-08-31')], { asOf: '2025-09-01' }).closeBy).toBe('2026-02-28');
  });
});

describe('an expected date overrides the catalogue window', () => {
  it.each([
    ['an A signal expected in 9 months grades C', 'selection_started', '2027-03-01', '2027-03-01', 'C'],
    ['a C signal expected next month grades A', 'incumbent_aging', '2026-08-01', '2026-08-01', 'A'],
    ['a B signal expected in 5 months stays B', 'incumbent_failing', '2026-11-30', '2026-11-30', 'B'],
    ['D evidence with an expected date in 7 months grades C', 'recently_signed', '2027-01-15', '2027-01-15', 'C'],
    ['an A signal expected beyond 12 months grades D', 'selection_started', '2027-07-01', '2027-07-01', 'D'],
  ] as const)('%s', (_rule, type, expected, closeBy, wg) => {
    const g = grade([sig(type, '2026-06-15', expected)]);
    expect(g.closeBy).toBe(closeBy);
    expect(g.timing?.closeBySource).toBe('expected');
    expect(g.windowGrade).toBe(wg);
  });

  it.each([
    ['an event next month closes 3 months after it: A', '2026-07-01', '2026-10-01', 'B'],
    ['an event two weeks ago closes 3 months after it: A', '2026-06-15', '2026-09-15', 'A'],
    ['an event at the end of November closes by the end of February (clamped)', '2026-11-30', '2027-02-28', 'C'],
    ['an event exactly 3 months ago closes today: A, not slipped', '2026-03-30', '2026-06-30', 'A'],
  ])('waiting_on_event: %s', (_rule, event, closeBy, wg) => {
    const g = grade([sig('waiting_on_event', '2026-02-01', event)]);
    expect(g.closeBy).toBe(closeBy);
    expect(g.timing?.closeBySource).toBe('event');
    expect(g.windowGrade).toBe(wg);
    expect(g.slipped).toBe(false);
  });

  it('waiting_on_event without an event date falls back to its B window', () => {
    const g = grade([sig('waiting_on_event', '2026-06-15')]);
    expect(g.closeBy).toBe('2026-12-15');
    expect(g.timing?.closeBySource).toBe('signal');
  });
});

describe('the window grade is read from the close-by date as of the day of grading', () => {
  // as-of 2026-06-30: + 3 months = 2026-09-30, + 6 = 2026-12-30 (June 30 → December 30: calendar months), + 12 = 2027-06-30.
  it.each([
    ['2026-06-30', 'A', 'close-by on the as-of day'],
    ['2026-09-30', 'A', 'close-by exactly as-of + 3 months'],
    ['2026-10-01', 'B', 'close-by the day after as-of + 3 months'],
    ['2026-12-30', 'B', 'close-by exactly as-of + 6 months'],
    ['2026-12-31', 'C', 'close-by the day after as-of + 6 months'],
    ['2027-06-30', 'C', 'close-by exactly as-of + 12 months'],
    ['2027-07-01', 'D', 'close-by the day after as-of + 12 months'],
  ] as const)('close-by %s grades %s (%s)', (closeBy, wg, _rule) => {
    const g = grade([sig('selection_started', '2026-06-01', closeBy)]);
    expect(g.windowGrade).toBe(wg);
    expect(g.slipped).toBe(false);
  });

  it.each([
    // as-of 2026-11-30: + 3 months clamps to 2027-02-28; as-of 2026-08-31: + 3 months clamps to 2026-11-30.
    ['2026-11-30', '2027-02-28', 'A'],
    ['2026-11-30', '2027-03-01', 'B'],
    ['2026-08-31', '2026-11-30', 'A'],
    ['2026-08-31', '2026-12-01', 'B'],
    ['2026-08-31', '2027-02-28', 'B'],
    ['2026-08-31', '2027-03-01', 'C'],
  ] as const)('as of %s the bounds clamp to the month end: close-by %s grades %s', (asOf, closeBy, wg) => {
    expect(grade([sig('selection_started', '2026-06-01', closeBy)], { asOf }).windowGrade).toBe(wg);
  });

  it.each([
    ['a B signal logged four months ago now grades A', 'incumbent_failing', '2026-02-28', 'A'],
    ['a B signal logged exactly three months ago grades A (close-by on the A bound)', 'incumbent_failing', '2026-03-31', 'A'],
    ['a B signal logged a day less than three months ago still grades B', 'incumbent_failing', '2026-04-01', 'B'],
    ['a C signal logged six months ago now grades B', 'need_no_urgency', '2025-12-30', 'B'],
    ['a C signal logged nine months ago now grades A', 'incumbent_aging', '2025-09-30', 'A'],
    ['a C signal logged a day less than six months ago still grades C', 'need_no_urgency', '2025-12-31', 'C'],
  ] as const)('%s', (_rule, type, date, wg) => {
    expect(grade([sig(type, date)]).windowGrade).toBe(wg);
  });
});

describe('slipped: the close-by date passed with no deal', () => {
  it('a close-by on the as-of day has not passed: A, not slipped', () => {
    const g = grade([sig('selection_started', '2026-03-30')]);
    expect(g.closeBy).toBe('2026-06-30');
    expect(g).toMatchObject({ windowGrade: 'A', grade: 'A', slipped: false, slipCount: 0 });
    expect(g.flags).not.toContain('slipped');
  });

  it('a close-by the day before the as-of day has passed: slipped A → B', () => {
    const g = grade([sig('selection_started', '2026-03-29')]);
    expect(g.closeBy).toBe('2026-06-29');
    expect(g).toMatchObject({ windowGrade: 'B', grade: 'B', slipped: true, slipCount: 1 });
    expect(g.flags).toContain('slipped');
  });

  it.each([
    ['an A signal slips to B', [sig('selection_started', '2026-03-29')], 'B', '2026-06-29'],
    ['an incumbent A signal slips to B', [sig('replacement_selection_started', '2025-01-01')], 'B', '2025-04-01'],
    ['a B signal slips to C', [sig('incumbent_failing', '2025-12-29')], 'C', '2026-06-29'],
    ['a C signal slips to D', [sig('need_no_urgency', '2025-06-29')], 'D', '2026-06-29'],
    ['a waiting_on_event whose event + 3 months passed slips to C', [sig('waiting_on_event', '2026-01-01', '2026-03-29')], 'C', '2026-06-29'],
    ['an A signal with a passed expected date slips to B', [sig('selection_started', '2026-01-01', '2026-06-01')], 'B', '2026-06-01'],
    ['a C signal with a passed expected date slips to D', [sig('incumbent_aging', '2026-01-01', '2026-06-01')], 'D', '2026-06-01'],
    ['D evidence with a passed expected date stays D, flagged slipped', [sig('recently_signed', '2026-01-01', '2026-06-01')], 'D', '2026-06-01'],
  ] as const)('slipped window is one below the catalogue window: %s', (_rule, signals, wg, closeBy) => {
    const g = grade([...signals]);
    expect(g.closeBy).toBe(closeBy);
    expect(g.windowGrade).toBe(wg);
    expect(g.slipped).toBe(true);
    expect(g.flags).toContain('slipped');
  });

  it('a slipped A stays B however long ago its close-by passed (one letter, not read from the date)', () => {
    const g = grade([sig('selection_started', '2024-01-01')]);
    expect(g.windowGrade).toBe('B');
  });

  it('a newer timing signal clears slipped', () => {
    const g = grade([sig('selection_started', '2026-02-01'), sig('incumbent_failing', '2026-06-01')]);
    expect(g).toMatchObject({ slipped: false, closeBy: '2026-12-01', windowGrade: 'B', slipCount: 1 });
    expect(g.flags).not.toContain('slipped');
  });

  it('a newer touch signal does not clear slipped', () => {
    const g = grade([sig('selection_started', '2026-02-01'), sig('meeting', '2026-06-25')]);
    expect(g).toMatchObject({ slipped: true, windowGrade: 'B', closeBy: '2026-05-01' });
    expect(g.flags).toEqual(['slipped']);
  });
});

describe('slip count: how many times a close-by date passed', () => {
  it.each([
    ['none when the only close-by is ahead', [sig('selection_started', '2026-06-01')], 0],
    ['one for the latest signal slipping', [sig('selection_started', '2026-02-01')], 1],
    [
      'one per earlier close-by that passed before the next timing signal arrived',
      [sig('selection_started', '2025-01-01'), sig('selection_started', '2025-06-01'), sig('incumbent_failing', '2026-01-01')],
      2,
    ],
    [
      'earlier slips plus the latest one',
      [sig('selection_started', '2025-01-01'), sig('selection_started', '2025-06-01'), sig('selection_started', '2026-01-01')],
      3,
    ],
    ['none when the next signal arrives before the close-by', [sig('selection_started', '2026-01-01'), sig('incumbent_failing', '2026-03-01')], 0],
    ['none when the next signal arrives exactly on the close-by', [sig('selection_started', '2026-01-01'), sig('incumbent_failing', '2026-04-01')], 0],
    ['one when the next signal arrives the day after the close-by', [sig('selection_started', '2026-01-01'), sig('incumbent_failing', '2026-04-02')], 1],
    ['none for D evidence, which has no close-by', [sig('need_denied', '2024-01-01'), sig('selection_started', '2026-06-01')], 0],
    ['touch signals are not timing signals and do not count', [sig('call', '2025-01-01'), sig('call', '2025-06-01'), sig('selection_started', '2026-06-01')], 0],
    [
      'counted in date order whatever the log order',
      [sig('incumbent_failing', '2026-01-01'), sig('selection_started', '2025-06-01'), sig('selection_started', '2025-01-01')],
      2,
    ],
    ['signals after the as-of day do not count', [sig('selection_started', '2026-06-01'), sig('selection_started', '2026-12-01')], 0],
  ] as const)('%s', (_rule, signals, n) => {
    expect(grade([...signals]).slipCount).toBe(n);
  });
});

describe('requalify: D evidence older than 12 months is no timing evidence', () => {
  it.each(['need_denied', 'incumbent_satisfied', 'recently_signed', 'self_build_in_progress'] as const)(
    '%s exactly 12 months old still grades D',
    (type) => {
      const g = grade([sig(type, '2025-06-30')]);
      expect(g).toMatchObject({ windowGrade: 'D', grade: 'D', requalify: false });
      expect(g.flags).not.toContain('requalify');
    },
  );

  it.each(['need_denied', 'incumbent_satisfied', 'recently_signed', 'self_build_in_progress'] as const)(
    '%s 12 months and a day old leaves the prospect without timing (fit 79.5 → C)',
    (type) => {
      const g = grade([sig(type, '2025-06-29')]);
      expect(g).toMatchObject({ windowGrade: null, grade: 'C', requalify: true, closeBy: null });
      expect([...g.flags].sort()).toEqual(['no_timing', 'requalify', 'stale']);
      expect(g.timing?.type).toBe(type);
    },
  );

  it('old D evidence with a low fit requalifies to D on fit alone', () => {
    const g = grade([sig('need_denied', '2025-01-01')], { prospect: { employees: 30, need: 'low' } });
    expect(g).toMatchObject({ windowGrade: null, grade: 'D', requalify: true });
  });

  it('old C evidence does not requalify: it slips to D', () => {
    const g = grade([sig('need_no_urgency', '2025-06-29')]);
    expect(g).toMatchObject({ requalify: false, slipped: true, windowGrade: 'D' });
  });

  it('as of a month end the 12 months clamp (as of 2025-02-28, D evidence of 2024-02-28 counts, of 2024-02-27 does not)', () => {
    expect(grade([sig('need_denied', '2024-02-28')], { asOf: '2025-02-28' }).requalify).toBe(false);
    expect(grade([sig('need_denied', '2024-02-27')], { asOf: '2025-02-28' }).requalify).toBe(true);
  });
});

describe('the grade without timing comes from fit alone', () => {
  const needPts = (medium: number): GradingPolicy => {
    const p = policy();
    p.fit.need.points.medium = medium;
    return p;
  };
  it.each([
    ['fit 70 grades C', { growthPct: 15 }, policy(), 70, 'C'],
    ['fit 69.9 grades D', { need: 'medium' }, needPts(69.9), 69.9, 'D'],
    ['fit 69.5 (2000 staff, 2 M, −1 %, critical) grades D', { employees: 2000, revenue: 2_000_000, growthPct: -1, need: 'critical' }, policy(), 69.5, 'D'],
    ['fit 100 grades C, never better', { employees: 2000, revenue: 5e8, growthPct: 30, need: 'critical' }, policy(), 100, 'C'],
    ['unknown fit grades D', {}, policy(), null, 'D'],
  ] as const)('%s', (_rule, prospect, p, fit, g) => {
    const r = grade([], { prospect: prospect as ProspectFacts, policy: p });
    expect(r.fit.score).toBe(fit);
    expect(r.grade).toBe(g);
    expect(r.windowGrade).toBeNull();
    expect(r.flags).toContain('no_timing');
    expect(r.lowFit).toBe(false);
  });

  it('touch signals alone are no timing evidence', () => {
    const r = grade([sig('call', '2026-06-29'), sig('visit', '2026-06-28')]);
    expect(r).toMatchObject({ windowGrade: null, grade: 'C', timing: null, closeBy: null });
    expect(r.flags).toEqual(['no_timing']);
  });

  it('a signal type outside the catalogue counts only as contact', () => {
    const r = grade([sig('webinar', '2026-06-29')]);
    expect(r).toMatchObject({ windowGrade: null, timing: null, lastSignalOn: '2026-06-29' });
  });
});

describe('fit below the floor demotes one letter, never below D', () => {
  const needOnly = (points: number): [ProspectFacts, GradingPolicy] => {
    const p = policy();
    p.fit.need.points.medium = points;
    return [{ need: 'medium' }, p];
  };
  it.each([
    ['fit 39.9 demotes A → B', 39.9, 'A', 'B', true],
    ['fit 40 does not demote A', 40, 'A', 'A', false],
    ['fit 40.1 does not demote A', 40.1, 'A', 'A', false],
  ] as const)('%s', (_rule, points, wg, g, low) => {
    const [prospect, p] = needOnly(points);
    const r = grade([sig('selection_started', '2026-06-15')], { prospect, policy: p });
    expect(r.fit.score).toBe(points);
    expect(r.windowGrade).toBe(wg);
    expect(r.grade).toBe(g);
    expect(r.lowFit).toBe(low);
  });

  it.each([
    ['A → B', 'selection_started', 'B'],
    ['B → C', 'incumbent_failing', 'C'],
    ['C → D', 'need_no_urgency', 'D'],
  ] as const)('a fit of 21 demotes %s', (_rule, type, g) => {
    const r = grade([sig(type, '2026-06-15')], { prospect: { employees: 30, revenue: 500_000, growthPct: -5, need: 'low' } });
    expect(r.grade).toBe(g);
    expect(r.lowFit).toBe(true);
  });

  it('a slipped window is demoted again for low fit (A → B slipped → C)', () => {
    const r = grade([sig('selection_started', '2026-02-01')], { prospect: { employees: 30, need: 'low' } });
    expect(r).toMatchObject({ windowGrade: 'B', grade: 'C', slipped: true, lowFit: true });
  });

  it('an unknown (null) fit counts as below the floor and demotes', () => {
    const r = grade([sig('selection_started', '2026-06-15')], { prospect: {} });
    expect(r.fit.score).toBeNull();
    expect(r).toMatchObject({ windowGrade: 'A', grade: 'B', lowFit: true });
    expect(r.flags).toEqual(['incomplete']);
  });

  it('never below D: D evidence with a low fit stays D and records no demotion', () => {
    const r = grade([sig('need_denied', '2026-06-15')], { prospect: { employees: 30 } });
    expect(r).toMatchObject({ windowGrade: 'D', grade: 'D', lowFit: false });
  });

  it('never below D: no timing with an unknown fit stays D and records no demotion', () => {
    const r = grade([], { prospect: {} });
    expect(r).toMatchObject({ grade: 'D', lowFit: false });
  });
});

describe('stale: the latest signal of any kind is 30 or more days old', () => {
  it.each([
    ['a signal exactly 30 days old is stale', [sig('selection_started', '2026-05-31')], 30, true],
    ['a signal 29 days old is not stale', [sig('selection_started', '2026-06-01')], 29, false],
    ['a signal logged today is not stale', [sig('call', '2026-06-30')], 0, false],
    ['a touch signal 29 days old keeps an old timing signal fresh', [sig('incumbent_failing', '2026-03-15'), sig('call', '2026-06-01')], 29, false],
    ['a touch signal 30 days old does not', [sig('incumbent_failing', '2026-03-15'), sig('email', '2026-05-31')], 30, true],
    ['the latest signal counts whatever the log order', [sig('note', '2026-06-20'), sig('incumbent_failing', '2026-03-15')], 10, false],
    ['a signal after the as-of day does not count', [sig('incumbent_failing', '2026-03-15'), sig('call', '2026-07-05')], 107, true],
  ] as const)('%s', (_rule, signals, quiet, stale) => {
    const r = grade([...signals], { prospect: { ...strong, addedOn: '2026-06-29' } });
    expect(r.quietDays).toBe(quiet);
    expect(r.flags.includes('stale')).toBe(stale);
  });

  it.each([
    ['added exactly 30 days ago with no signal is stale', '2026-05-31', 30, true],
    ['added 29 days ago with no signal is not stale', '2026-06-01', 29, false],
    ['added after the as-of day: unknown, not stale', '2026-07-01', null, false],
    ['no added date and no signal: unknown, not stale', null, null, false],
  ] as const)('%s', (_rule, addedOn, quiet, stale) => {
    const r = grade([], { prospect: { ...strong, addedOn } });
    expect(r.quietDays).toBe(quiet);
    expect(r.flags.includes('stale')).toBe(stale);
  });

  it('with signals, the added date does not count', () => {
    const r = grade([sig('call', '2026-06-20')], { prospect: { ...strong, addedOn: '2020-01-01' } });
    expect(r.quietDays).toBe(10);
    expect(r.flags).not.toContain('stale');
  });

  it('stale never changes the grade', () => {
    const fresh = grade([sig('incumbent_failing', '2026-03-15'), sig('call', '2026-06-29')]);
    const stale = grade([sig('incumbent_failing', '2026-03-15')]);
    expect(stale.flags).toEqual(['stale']);
    expect(fresh.flags).toEqual([]);
    expect(stale.grade).toBe(fresh.grade);
    expect(stale.closeBy).toBe(fresh.closeBy);
  });
});

describe('touch signals never change the window', () => {
  it.each(['call', 'meeting', 'email', 'visit', 'note'])('a touch signal (%s) after a timing signal leaves its window and close-by', (touch) => {
    const before = grade([sig('incumbent_failing', '2026-03-15')]);
    const after = grade([sig('incumbent_failing', '2026-03-15'), sig(touch, '2026-06-29')]);
    expect(after.timing).toEqual(before.timing);
    expect(after.closeBy).toBe(before.closeBy);
    expect(after.windowGrade).toBe(before.windowGrade);
    expect(after.lastSignalOn).toBe('2026-06-29');
  });
});

describe('only the latest timing signal counts', () => {
  it.each([
    ['the later date wins though logged first', [sig('incumbent_failing', '2026-06-10'), sig('selection_started', '2026-06-01')], 'incumbent_failing'],
    ['the later date wins when logged last', [sig('selection_started', '2026-06-01'), sig('incumbent_failing', '2026-06-10')], 'incumbent_failing'],
    ['on the same date the one logged later wins (D after A)', [sig('selection_started', '2026-06-10'), sig('need_denied', '2026-06-10')], 'need_denied'],
    ['on the same date the one logged later wins (A after D)', [sig('need_denied', '2026-06-10'), sig('selection_started', '2026-06-10')], 'selection_started'],
    ['a touch signal logged later on the same date does not displace it', [sig('need_denied', '2026-06-10'), sig('call', '2026-06-10')], 'need_denied'],
    ['a timing signal dated after the as-of day is ignored', [sig('selection_started', '2026-06-10'), sig('need_denied', '2026-07-01')], 'selection_started'],
  ] as const)('%s', (_rule, signals, type) => {
    expect(grade([...signals]).timing?.type).toBe(type);
  });

  it('with only signals after the as-of day, there is no timing and staleness comes from the added date', () => {
    const r = grade([sig('selection_started', '2026-07-01')], { prospect: { ...strong, addedOn: '2026-05-01' } });
    expect(r).toMatchObject({ timing: null, windowGrade: null, lastSignalOn: null, quietDays: 60 });
    expect([...r.flags].sort()).toEqual(['no_timing', 'stale']);
  });

  it('the same history graded on a later day reads the later signal once it is dated on or before as-of', () => {
    const signals = [sig('selection_started', '2026-06-10'), sig('need_denied', '2026-07-01')];
    expect(grade(signals, { asOf: '2026-06-30' }).grade).toBe('A');
    expect(grade(signals, { asOf: '2026-07-01' }).grade).toBe('D');
  });
});

describe('every number comes from the policy', () => {
  const with_ = (edit: (p: GradingPolicy) => void): GradingPolicy => {
    const p = policy();
    edit(p);
    return p;
  };

  it('a floor of 50 demotes a fit of 45 that the default floor of 40 keeps', () => {
    const prospect = { employees: 30, revenue: 5_000_000, growthPct: 15 }; // fit 45
    const s = [sig('selection_started', '2026-06-15')];
    expect(grade(s, { prospect }).grade).toBe('A');
    expect(grade(s, { prospect, policy: with_((p) => (p.fit.floor = 50)) }).grade).toBe('B');
  });

  it('windowMonths A = 2 moves an A signal\'s close-by and the A bound', () => {
    const p = with_((p) => (p.windowMonths.A = 2));
    expect(grade([sig('selection_started', '2026-06-15')], { policy: p }).closeBy).toBe('2026-08-15');
    // close-by 2026-09-30 is on the default A bound but past the 2-month one (2026-08-30).
    expect(grade([sig('incumbent_failing', '2026-03-31')]).windowGrade).toBe('A');
    expect(grade([sig('incumbent_failing', '2026-03-31')], { policy: p }).windowGrade).toBe('B');
  });

  it('windowMonths B and C move the B and C bounds', () => {
    const p = with_((p) => {
      p.windowMonths.B = 9;
      p.windowMonths.C = 18;
    });
    // as-of + 9 months = 2027-03-30, + 18 = 2027-12-30.
    const wg = (closeBy: string, pol?: GradingPolicy) => grade([sig('selection_started', '2026-06-01', closeBy)], { policy: pol }).windowGrade;
    expect([wg('2027-03-30', p), wg('2027-03-31', p), wg('2027-12-30', p), wg('2027-12-31', p)]).toEqual(['B', 'C', 'C', 'D']);
    expect([wg('2027-03-30'), wg('2027-03-31'), wg('2027-12-30'), wg('2027-12-31')]).toEqual(['C', 'C', 'D', 'D']);
    expect(grade([sig('need_no_urgency', '2026-06-30')], { policy: p }).closeBy).toBe('2027-12-30');
  });

  it('fitOnlyC of 60 grades a fit of 60 without timing C instead of D', () => {
    const prospect = { need: 'medium' as const };
    expect(grade([], { prospect }).grade).toBe('D');
    expect(grade([], { prospect, policy: with_((p) => (p.fit.fitOnlyC = 60)) }).grade).toBe('C');
  });

  it('staleDays of 7 makes a 10-day-old signal stale', () => {
    const s = [sig('selection_started', '2026-06-20')];
    expect(grade(s).flags).not.toContain('stale');
    expect(grade(s, { policy: with_((p) => (p.staleDays = 7)) }).flags).toContain('stale');
  });

  it('requalifyMonths of 6 requalifies D evidence seven months old', () => {
    const s = [sig('need_denied', '2025-11-30')];
    expect(grade(s).requalify).toBe(false);
    expect(grade(s, { policy: with_((p) => (p.requalifyMonths = 6)) }).requalify).toBe(true);
  });

  it('eventLeadMonths of 1 closes a month after the event', () => {
    const s = [sig('waiting_on_event', '2026-06-01', '2026-07-15')];
    expect(grade(s).closeBy).toBe('2026-10-15');
    expect(grade(s, { policy: with_((p) => (p.eventLeadMonths = 1)) }).closeBy).toBe('2026-08-15');
  });

  it('the catalogue sets each signal\'s window', () => {
    const p = with_((p) => (p.catalogue.selection_started.window = 'B'));
    const r = grade([sig('selection_started', '2026-06-15')], { policy: p });
    expect(r).toMatchObject({ closeBy: '2026-12-15', windowGrade: 'B' });
    expect(r.timing?.catalogueWindow).toBe('B');
  });

  it('fit bands and weights come from the policy', () => {
    const p = with_((p) => (p.fit.size.steps[0]!.from = 20)); // 30 staff now earn 50 points
    expect(grade([], { prospect: { employees: 30 }, policy: p }).fit.score).toBe(50);
  });
});

describe('makeGrader summaries', () => {
  it('gradeSummary(summarize(signals)) is grade(signals)', () => {
    const g = makeGrader(policy(), AS_OF);
    const s = [sig('selection_started', '2025-01-01'), sig('call', '2026-06-01'), sig('incumbent_failing', '2026-01-10')];
    expect(g.gradeSummary(strong, g.summarize(s))).toEqual(g.grade(strong, s));
    expect(g.summarize(s)).toEqual({
      latestTiming: { type: 'incumbent_failing', date: '2026-01-10', expectedDate: null },
      lastSignalOn: '2026-06-01',
      priorSlips: 1,
    });
  });
});

describe('explain() and summaryLine() say why in words', () => {
  const p = policy();
  const lines = (signals: SignalFact[], prospect: ProspectFacts = strong, pol = p) => {
    const g = gradeProspect(prospect, signals, pol, AS_OF);
    return { g, text: explain(g, pol).join('\n'), line: summaryLine(g, pol) };
  };

  it('names the signal, its date, the close-by date, the fit and each factor', () => {
    const { text, line } = lines([sig('selection_started', '2026-06-01')]);
    expect(line).toContain('Selection started 2026-06-01');
    expect(line).toContain('close by 2026-09-01');
    expect(line).toContain('fit 79.5');
    expect(text).toContain('Latest timing signal: Selection started on 2026-06-01 (catalogue window A).');
    expect(text).toContain('Expected to close by 2026-09-01: 2026-06-01 + 3 months.');
    expect(text).toContain('Window A: 2026-09-01 is within 3 months of 2026-06-30.');
    expect(text).toContain('Fit 79.5: size 600 staff → 80 × 25 %, revenue 40 M → 80 × 25 %, growth +15 % → 70 × 20 %, need high → 85 × 30 %.');
    expect(text).toContain('Grade A as of 2026-06-30.');
    expect(line).not.toContain('demotes');
    expect(text).not.toContain('Low fit');
  });

  it('explains an event date + 3 months', () => {
    const { text, line } = lines([sig('waiting_on_event', '2026-02-15', '2026-05-20')]);
    expect(text).toContain('Expected to close by 2026-08-20: the event on 2026-05-20 + 3 months.');
    expect(line).toContain('Waiting on an event 2026-02-15, close by 2026-08-20');
  });

  it('explains an expected date override', () => {
    const { text } = lines([sig('incumbent_aging', '2026-06-01', '2026-08-01')]);
    expect(text).toContain('Expected to close by 2026-08-01: the expected date given with the signal.');
  });

  it('explains a low-fit demotion', () => {
    const { text, line } = lines([sig('selection_started', '2026-06-01')], { employees: 30, revenue: 500_000, growthPct: -5, need: 'low' });
    expect(line).toContain('fit < 40 demotes A → B');
    expect(text).toContain('Low fit: fit 21 is below the floor 40, so the grade drops one letter to B.');
  });

  it('explains an unknown-fit demotion', () => {
    const { text, line } = lines([sig('selection_started', '2026-06-01')], {});
    expect(line).toContain('fit unknown');
    expect(line).toContain('unknown fit demotes A → B');
    expect(text).toContain('Fit unknown');
    expect(text).toContain('Low fit: unknown fit is below the floor 40, so the grade drops one letter to B.');
  });

  it('explains a slip and its count', () => {
    const { text, line } = lines([sig('selection_started', '2026-02-01')]);
    expect(line).toContain('close by 2026-05-01 passed: slipped A → B');
    expect(text).toContain('Slipped: 2026-05-01 passed before 2026-06-30');
    expect(text).toContain('to B.');
    expect(text).toContain('Close-by dates passed 1 time so far.');
  });

  it('explains no timing, fit alone, and an incomplete fit', () => {
    const { text, line } = lines([], { need: 'medium' });
    expect(line).toContain('no timing evidence');
    expect(line).toContain('fit 60 (incomplete) < 70');
    expect(text).toContain('No timing signal yet');
    expect(text).toContain('Fit incomplete: size, revenue, growth unknown');
    expect(text).toContain('No timing: fit 60 (incomplete) < 70 grades D.');
  });

  it('explains a fit-only C', () => {
    const { text, line } = lines([], { employees: 2000, revenue: 5e8, growthPct: 30, need: 'critical' });
    expect(line).toContain('fit 100 ≥ 70');
    expect(text).toContain('No timing: fit 100 ≥ 70 grades C.');
  });

  it('explains requalify', () => {
    const { text, line } = lines([sig('need_denied', '2025-01-01')]);
    expect(line).toContain('Need denied is over 12 months old: requalify');
    expect(text).toContain('Requalify: D evidence older than 12 months');
  });

  it('explains D evidence with no date, with the C bound from the policy', () => {
    const pol = policy();
    pol.windowMonths.C = 18;
    const { text, line } = lines([sig('recently_signed', '2026-06-01')], strong, pol);
    expect(line).toContain('Recently signed elsewhere 2026-06-01, no close date');
    expect(text).toContain('no close within 18 months');
    expect(text).not.toContain('12 months');
  });

  it('explains staleness from the last signal or the added date', () => {
    expect(lines([sig('waiting_on_event', '2026-02-15', '2026-05-20')]).line).toContain('stale: no signal since 2026-02-15');
    expect(lines([], { ...strong, addedOn: '2026-05-01' }).line).toContain('stale: no signal yet');
    expect(lines([sig('selection_started', '2026-06-01')]).line).not.toContain('stale');
    expect(lines([sig('waiting_on_event', '2026-02-15', '2026-05-20')]).text).toContain(
      'Stale: the last signal was on 2026-02-15, 135 days ago (limit 30).',
    );
    expect(lines([], { ...strong, addedOn: '2026-05-01' }).text).toContain('Stale: no signal since the prospect was added 60 days ago (limit 30).');
  });

  it('uses the policy numbers in its sentences (floor 50)', () => {
    const pol = policy();
    pol.fit.floor = 50;
    const { text, line } = lines([sig('selection_started', '2026-06-01')], { employees: 30, revenue: 5_000_000, growthPct: 15 }, pol);
    expect(line).toContain('fit < 50 demotes A → B');
    expect(text).toContain('below the floor 50');
  });
});
