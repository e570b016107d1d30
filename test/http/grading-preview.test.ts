import { beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { accounts, gradeChanges, jobRuns, policies, signals } from '../../src/db/schema.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const asOf = '2026-06-30';
const strong = { employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high', addedOn: '2026-01-05' };
const weak = { employees: 30, revenue: 500_000, growthPct: -5, need: 'low', addedOn: '2026-01-05' };
const best = { employees: 2000, revenue: 500_000_000, growthPct: 30, need: 'critical', addedOn: '2026-06-20' };
const selection = { type: 'selection_started' as const, date: '2026-06-01', expectedDate: null };

const preview = (body: unknown) => testApp(db).json('POST', '/api/grading/preview', body);

async function issuePaths(res: Response): Promise<string[]> {
  expect(res.status).toBe(422);
  const body = await res.json();
  expect(body.error).toBe('validation failed');
  return body.issues.map((i: { path: string }) => i.path);
}

describe('POST /api/grading/preview', () => {
  it('answers the contract of the issue: grade, fit, close-by date, flags and reasons', async () => {
    const res = await preview({ asOf, prospect: { employees: 600, revenue: 40000000, growthPct: 15, need: 'high', addedOn: '2026-01-05' }, signals: [selection] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.json();
    expect(body).toMatchObject({ grade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: [] });
    expect(body.reasons).toEqual(
      expect.arrayContaining([
        'Latest timing signal: Selection started on 2026-06-01 (catalogue window A).',
        'Expected to close by 2026-09-01: 2026-06-01 + 3 months.',
        'Window A: 2026-09-01 is within 3 months of 2026-06-30.',
        'Fit 79.5: size 600 staff → 80 × 25 %, revenue 40 M → 80 × 25 %, growth +15 % → 70 × 20 %, need high → 85 × 30 %.',
        'Grade A as of 2026-06-30.',
      ]),
    );
    for (const r of body.reasons) expect(typeof r).toBe('string');
    expect(body).toMatchObject({ asOf, windowGrade: 'A', slipCount: 0, policyVersion: 1, summary: 'Selection started 2026-06-01, close by 2026-09-01; fit 79.5' });
  });

  // DOMAIN.md §1 "Worked examples (as of 2026-06-30, default policy)", one row each.
  const examples = [
    { why: 'selection started 2026-06-01: closes by 2026-09-01, within 3 months; fit 79.5', prospect: strong, signals: [selection], grade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: [] },
    {
      why: 'waiting on an event of 2026-05-20: closes by 2026-08-20',
      prospect: strong,
      signals: [{ type: 'waiting_on_event', date: '2026-02-15', expectedDate: '2026-05-20' }],
      grade: 'A', fit: 79.5, closeBy: '2026-08-20', flags: ['stale'],
    },
    {
      why: 'incumbent failing since 2026-01-10: closes by 2026-07-10, 10 days left',
      prospect: strong,
      signals: [{ type: 'incumbent_failing', date: '2026-01-10' }],
      grade: 'A', fit: 79.5, closeBy: '2026-07-10', flags: ['stale'],
    },
    { why: 'window A, fit 21 < 40 demotes to B', prospect: weak, signals: [selection], grade: 'B', fit: 21, closeBy: '2026-09-01', flags: [] },
    {
      why: 'closed by 2026-05-01 passed: slipped A → B',
      prospect: strong,
      signals: [{ type: 'selection_started', date: '2026-02-01' }],
      grade: 'B', fit: 79.5, closeBy: '2026-05-01', flags: ['slipped', 'stale'],
    },
    { why: 'no timing; fit 100 ≥ 70 grades C', prospect: best, signals: [], grade: 'C', fit: 100, closeBy: null, flags: ['no_timing'] },
    { why: 'no timing; need medium only, fit 60 (incomplete) < 70 grades D', prospect: { need: 'medium' }, signals: [], grade: 'D', fit: 60, closeBy: null, flags: ['incomplete', 'no_timing'] },
  ];

  it.each(examples.map((e) => [e.why, e] as const))('worked example: %s', async (_why, e) => {
    const res = await preview({ asOf, prospect: e.prospect, signals: e.signals });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect({ grade: body.grade, fit: body.fit, closeBy: body.closeBy, flags: [...body.flags].sort() }).toEqual({
      grade: e.grade,
      fit: e.fit,
      closeBy: e.closeBy,
      flags: e.flags,
    });
    expect(body.reasons.at(-1)).toBe(`Grade ${e.grade} as of ${asOf}.`);
  });

  it('explains a fit demotion and a slip in its reasons', async () => {
    const low = await (await preview({ asOf, prospect: weak, signals: [selection] })).json();
    expect(low.reasons).toContain('Low fit: fit 21 is below the floor 40, so the grade drops one letter to B.');
    const slipped = await (await preview({ asOf, prospect: strong, signals: [{ type: 'selection_started', date: '2026-02-01' }] })).json();
    expect(slipped.reasons).toContain("Slipped: 2026-05-01 passed before 2026-06-30 with no deal, so the window drops one letter below the signal's A, to B.");
  });

  describe('any prospect field missing or null', () => {
    const withOut = (field: string, value: null | undefined) => {
      const p: Record<string, unknown> = { ...strong };
      if (value === undefined) delete p[field];
      else p[field] = value;
      return p;
    };
    // The other weights are scaled to sum to 100.
    const cases: [string, number][] = [
      ['employees', 79.3], // (80·25 + 70·20 + 85·30) / 75
      ['revenue', 79.3],
      ['growthPct', 81.9], // (80·25 + 80·25 + 85·30) / 80
      ['need', 77.1], // (80·25 + 80·25 + 70·20) / 70
    ];
    it.each(cases.flatMap(([f, fit]) => [[f, 'null', null, fit] as const, [f, 'missing', undefined, fit] as const]))(
      '%s %s: the fit is rescaled over the rest and flagged incomplete',
      async (field, _how, value, fit) => {
        const res = await preview({ asOf, prospect: withOut(field, value), signals: [selection] });
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body).toMatchObject({ grade: 'A', fit, closeBy: '2026-09-01', flags: ['incomplete'] });
        expect(body.reasons.join(' ')).toContain('Fit incomplete');
      },
    );

    it('addedOn null or missing: without signals the prospect cannot be stale', async () => {
      for (const addedOn of [null, undefined]) {
        const body = await (await preview({ asOf, prospect: { ...strong, addedOn } })).json();
        expect(body).toMatchObject({ grade: 'C', fit: 79.5, flags: ['no_timing'] });
      }
      const old = await (await preview({ asOf, prospect: strong })).json();
      expect(old.flags).toEqual(['no_timing', 'stale']);
    });

    it('every field null, or no prospect at all: fit unknown, grade D', async () => {
      const nulls = { employees: null, revenue: null, growthPct: null, need: null, addedOn: null };
      for (const prospect of [nulls, {}, undefined]) {
        const res = await preview({ asOf, prospect, signals: [selection] });
        expect(res.status).toBe(200);
        const body = await res.json();
        // Window A; unknown fit counts as below the floor and demotes to B.
        expect(body).toMatchObject({ grade: 'B', fit: null, closeBy: '2026-09-01', flags: ['incomplete'] });
        expect(body.reasons).toContain('Fit unknown: no size, revenue, growth or need recorded; counts as below the floor.');
      }
      const none = await (await preview({ asOf })).json();
      expect(none).toMatchObject({ grade: 'D', fit: null, closeBy: null, flags: ['no_timing', 'incomplete'] });
    });
  });

  describe('signals', () => {
    it('count in the order given: on the same date the later one wins', async () => {
      const denied = { type: 'need_denied', date: '2026-06-01' };
      const deniedLast = await (await preview({ asOf, prospect: strong, signals: [selection, denied] })).json();
      expect(deniedLast).toMatchObject({ grade: 'D', closeBy: null });
      expect(deniedLast.reasons[0]).toContain('Need denied on 2026-06-01');
      const selectionLast = await (await preview({ asOf, prospect: strong, signals: [denied, selection] })).json();
      expect(selectionLast).toMatchObject({ grade: 'A', closeBy: '2026-09-01' });
    });

    it('an earlier date never wins, whatever the order given', async () => {
      const older = { type: 'need_no_urgency', date: '2026-05-01' };
      for (const list of [[selection, older], [older, selection]]) {
        expect(await (await preview({ asOf, prospect: strong, signals: list })).json()).toMatchObject({ grade: 'A', closeBy: '2026-09-01' });
      }
    });

    it('touch signals count for staleness but never set the window', async () => {
      const body = await (await preview({ asOf, prospect: strong, signals: [{ type: 'call', date: '2026-06-25' }] })).json();
      expect(body).toMatchObject({ grade: 'C', closeBy: null, flags: ['no_timing'] });
    });

    it('an expected date overrides the window', async () => {
      const body = await (await preview({ asOf, prospect: strong, signals: [{ type: 'need_no_urgency', date: '2026-06-01', expectedDate: '2026-08-15' }] })).json();
      expect(body).toMatchObject({ grade: 'A', closeBy: '2026-08-15' });
    });
  });

  describe('policy overrides', () => {
    it('a higher fit floor demotes', async () => {
      const body = await (await preview({ asOf, prospect: strong, signals: [selection], policy: { grading: { fit: { floor: 80 } } } })).json();
      expect(body).toMatchObject({ grade: 'B', fit: 79.5, closeBy: '2026-09-01' });
      expect(body.reasons).toContain('Low fit: fit 79.5 is below the floor 80, so the grade drops one letter to B.');
      expect(body.policyVersion).toBeNull();
    });

    it('a narrower A window changes the grade; the other windows are kept from the current policy', async () => {
      const signal = { type: 'selection_started', date: '2026-06-10', expectedDate: '2026-09-15' };
      const plain = await (await preview({ asOf, prospect: strong, signals: [signal] })).json();
      expect(plain).toMatchObject({ grade: 'A', closeBy: '2026-09-15' });
      const res = await preview({ asOf, prospect: strong, signals: [signal], policy: { grading: { windowMonths: { A: 2 } } } });
      expect(res.status).toBe(200);
      const narrow = await res.json();
      expect(narrow).toMatchObject({ grade: 'B', closeBy: '2026-09-15', windowGrade: 'B' });
      expect(narrow.reasons).toContain('Window B: 2026-09-15 is within 2–6 months of 2026-06-30.');
    });

    it('are merged over the current stored policy, not the default one', async () => {
      const stored = defaultPolicy();
      stored.grading.staleDays = 200;
      await db.insert(policies).values({ body: stored, note: 'lenient staleness' });
      const old = { type: 'incumbent_failing', date: '2026-01-10' };
      const current = await (await preview({ asOf, prospect: strong, signals: [old] })).json();
      expect(current).toMatchObject({ grade: 'A', flags: [], policyVersion: 2 });
      const overridden = await (await preview({ asOf, prospect: strong, signals: [old], policy: { grading: { fit: { floor: 80 } } } })).json();
      expect(overridden).toMatchObject({ grade: 'B', flags: [], policyVersion: null });
    });

    it('an invalid override is a 422 whose issue paths start with policy.', async () => {
      const bad = [
        { grading: { fit: { floor: -5 } } },
        { grading: { windowMonths: { A: 9 } } },
        { grading: { windowMonths: { A: 'soon' } } },
        { grading: { catalogue: { selection_started: { window: 'Z' } } } },
        { grading: 'lenient' },
      ];
      for (const policy of bad) {
        const paths = await issuePaths(await preview({ asOf, prospect: strong, signals: [selection], policy }));
        expect(paths.length).toBeGreaterThan(0);
        for (const p of paths) expect(p.startsWith('policy.')).toBe(true);
      }
      expect(await issuePaths(await preview({ asOf, policy: { grading: { fit: { floor: -5 } } } }))).toEqual(['policy.grading.fit.floor']);
      expect(await issuePaths(await preview({ asOf, policy: { grading: { windowMonths: { A: 9 } } } }))).toEqual(['policy.grading.windowMonths']);
    });
  });

  describe('bad input', () => {
    it.each([
      ['asOf', { asOf: '2026-02-30' }],
      ['asOf', { asOf: '30/06/2026' }],
      ['signals.0.date', { asOf, signals: [{ type: 'call', date: '2026-02-30' }] }],
      ['signals.1.date', { asOf, signals: [selection, { type: 'call', date: '2026-06-31' }] }],
      ['signals.0.date', { asOf, signals: [{ type: 'call' }] }],
      ['signals.0.expectedDate', { asOf, signals: [{ type: 'selection_started', date: '2026-06-01', expectedDate: '2026-13-01' }] }],
      ['signals.0.type', { asOf, signals: [{ type: 'rumour', date: '2026-06-01' }] }],
      ['prospect.addedOn', { asOf, prospect: { addedOn: '2026-02-29' } }],
      ['prospect.employees', { asOf, prospect: { employees: '600' } }],
      ['prospect.revenue', { asOf, prospect: { revenue: -1 } }],
      ['prospect.need', { asOf, prospect: { need: 'huge' } }],
      ['signals', { asOf, signals: { type: 'call' } }],
    ])('names %s', async (path, body) => {
      expect(await issuePaths(await preview(body))).toEqual([path]);
    });

    it('names every bad field at once', async () => {
      const paths = await issuePaths(await preview({ asOf: '2026-02-30', prospect: { need: 'huge' }, signals: [{ type: 'rumour', date: '2026-02-30' }] }));
      expect(paths.sort()).toEqual(['asOf', 'prospect.need', 'signals.0.date', 'signals.0.type']);
    });

    it('malformed JSON is a 400, a form post a 415', async () => {
      const res = await preview('{"asOf": ');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'the body is not valid JSON' });
      expect((await testApp(db).form('/api/grading/preview', { asOf })).status).toBe(415);
    });
  });

  it('without asOf grades as of today', async () => {
    const body = await (await testApp(db, '2026-07-15').json('POST', '/api/grading/preview', { prospect: strong, signals: [selection] })).json();
    expect(body.asOf).toBe('2026-07-15');
    expect(body.reasons.at(-1)).toBe('Grade A as of 2026-07-15.');
  });

  it('stores nothing', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, selection);
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const [name, table] of Object.entries({ accounts, signals, gradeChanges, policies, jobRuns })) {
        out[name] = (await db.select({ n: count() }).from(table))[0]!.n;
      }
      return out;
    };
    const before = await counts();
    const rows = await db.select().from(accounts);
    expect(before).toMatchObject({ accounts: 1, signals: 1, policies: 1 });
    const t = testApp(db);
    expect((await t.json('POST', '/api/grading/preview', { asOf, prospect: strong, signals: [selection, selection] })).status).toBe(200);
    expect((await t.json('POST', '/api/grading/preview', { asOf, prospect: strong, policy: { grading: { fit: { floor: 90 } } } })).status).toBe(200);
    expect((await t.json('POST', '/api/grading/preview', { asOf, policy: { grading: { fit: { floor: -1 } } } })).status).toBe(422);
    expect(await counts()).toEqual(before);
    expect(await db.select().from(accounts)).toEqual(rows);
  });
});
