import { describe, expect, it } from 'vitest';
import { gradeProspect, type Flag, type ProspectFacts, type SignalFact } from '../../src/grading/grading.ts';
import { defaultPolicy, type Grade } from '../../src/policy/policy.ts';

// DOMAIN.md §1 "Worked examples (as of 2026-06-30, default policy)", one row each.
// Staleness is decided per row: a row whose latest signal is 30+ days before 2026-06-30 is stale;
// rows without signals are given a recent `addedOn` (or none), so they are not.
const asOf = '2026-06-30';
const strong: ProspectFacts = { employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high', addedOn: '2025-11-01' };
const weak: ProspectFacts = { employees: 30, revenue: 500_000, growthPct: -5, need: 'low', addedOn: '2025-11-01' };
const best: ProspectFacts = { employees: 2000, revenue: 500_000_000, growthPct: 30, need: 'critical', addedOn: '2026-06-20' };
const needOnly: ProspectFacts = { need: 'medium' };

type Row = {
  why: string;
  prospect: ProspectFacts;
  signals: SignalFact[];
  grade: Grade;
  windowGrade: Grade | null;
  fit: number | null;
  closeBy: string | null;
  flags: Flag[];
};

const rows: Row[] = [
  {
    why: 'a selection started this month closes by 2026-09-01, within 3 months: A (fit 79.5; signal 29 days old, not stale)',
    prospect: strong,
    signals: [{ type: 'selection_started', date: '2026-06-01' }],
    grade: 'A', windowGrade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: [],
  },
  {
    why: 'waiting on an event on 2026-05-20 closes by 2026-08-20: A (signal 135 days old: stale)',
    prospect: strong,
    signals: [{ type: 'waiting_on_event', date: '2026-02-15', expectedDate: '2026-05-20' }],
    grade: 'A', windowGrade: 'A', fit: 79.5, closeBy: '2026-08-20', flags: ['stale'],
  },
  {
    why: 'a B signal of 2026-01-10 closes by 2026-07-10, 10 days left: A (stale)',
    prospect: strong,
    signals: [{ type: 'incumbent_failing', date: '2026-01-10' }],
    grade: 'A', windowGrade: 'A', fit: 79.5, closeBy: '2026-07-10', flags: ['stale'],
  },
  {
    why: 'window A, but fit 21 < 40 demotes to B (signal 29 days old, not stale)',
    prospect: weak,
    signals: [{ type: 'selection_started', date: '2026-06-01' }],
    grade: 'B', windowGrade: 'A', fit: 21, closeBy: '2026-09-01', flags: [],
  },
  {
    why: 'close-by 2026-05-01 passed: slipped A → B (and stale)',
    prospect: strong,
    signals: [{ type: 'selection_started', date: '2026-02-01' }],
    grade: 'B', windowGrade: 'B', fit: 79.5, closeBy: '2026-05-01', flags: ['slipped', 'stale'],
  },
  {
    why: 'no timing, fit 100 ≥ 70: C (added 10 days ago, not stale)',
    prospect: best,
    signals: [],
    grade: 'C', windowGrade: null, fit: 100, closeBy: null, flags: ['no_timing'],
  },
  {
    why: 'no timing, need medium only: fit 60 incomplete < 70: D (no added date, not stale)',
    prospect: needOnly,
    signals: [],
    grade: 'D', windowGrade: null, fit: 60, closeBy: null, flags: ['no_timing', 'incomplete'],
  },
];

describe('DOMAIN.md §1 worked examples, as of 2026-06-30 with the default policy', () => {
  it.each(rows.map((r) => [r.why, r] as const))('%s', (_why, row) => {
    const g = gradeProspect(row.prospect, row.signals, defaultPolicy().grading, asOf);
    expect({
      grade: g.grade,
      windowGrade: g.windowGrade,
      fit: g.fit.score,
      closeBy: g.closeBy,
      flags: [...g.flags].sort(),
    }).toEqual({
      grade: row.grade,
      windowGrade: row.windowGrade,
      fit: row.fit,
      closeBy: row.closeBy,
      flags: [...row.flags].sort(),
    });
    expect(g.slipped).toBe(row.flags.includes('slipped'));
    expect(g.lowFit).toBe(row.grade !== (row.windowGrade ?? (row.fit !== null && row.fit >= 70 ? 'C' : 'D')));
  });

  it('the first rows fit is 80 × .25 + 80 × .25 + 70 × .20 + 85 × .30 = 79.5, factor by factor', () => {
    const g = gradeProspect(strong, [], defaultPolicy().grading, asOf);
    expect(g.fit.factors.map((f) => [f.factor, f.points, f.share])).toEqual([
      ['size', 80, 25], ['revenue', 80, 25], ['growth', 70, 20], ['need', 85, 30],
    ]);
  });

  it('the slipped row counts one slip', () => {
    const g = gradeProspect(strong, rows[4]!.signals, defaultPolicy().grading, asOf);
    expect(g.slipCount).toBe(1);
  });

  it('the event row takes its close-by from the event date + 3 months', () => {
    const g = gradeProspect(strong, rows[1]!.signals, defaultPolicy().grading, asOf);
    expect(g.timing?.closeBySource).toBe('event');
    expect(g.quietDays).toBe(135);
  });
});
