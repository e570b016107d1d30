import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, auditLog, gradeChanges, policies } from '../../src/db/schema.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';

// Calibration (DOMAIN.md §6) over a constructed history, as of 2026-06-30, default windows
// (A 3, B 6, C 12 months).

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

type Acct = { name: string; kind?: 'prospect' | 'customer'; status?: string; convertedOn?: string; updatedAt?: Date };

async function account(a: Acct, grades: [string | null, string, string, number?][]) {
  const [row] = await db
    .insert(accounts)
    .values({ name: a.name, nameKey: a.name.toLowerCase(), kind: a.kind ?? 'prospect', status: a.status ?? 'open', addedOn: '2025-01-01', convertedOn: a.convertedOn ?? null, grade: grades.at(-1)?.[1] ?? null, ...(a.updatedAt ? { updatedAt: a.updatedAt } : {}) })
    .returning();
  for (const [from, to, asOf, version] of grades)
    await db.insert(gradeChanges).values({ accountId: row!.id, fromGrade: from, toGrade: to, flags: [], reasons: [], cause: 'signal', actor: 'test', asOf, policyVersion: version ?? 1 });
  return row!;
}

/**
 *   X1 customer, converted 2026-02-15: C on 2025-07-10 (hit, by 2026-07-10), A on 2026-01-05 (hit, by 2026-04-05)
 *   X2 customer, converted 2026-06-01: A on 2025-10-01 (late: its window ended 2026-01-01)
 *   X3 lost on 2026-03-01 (audit trail): B on 2025-11-20 (lost); C on 2026-04-01, after the loss (dropped)
 *   X4 lost, no audit row, last updated 2026-02-01: A on 2025-12-01 (lost)
 *   X5 open: B on 2025-10-15 (open: window ended 2026-04-15), A on 2026-06-01 (pending to 2026-09-01)
 *   X6 disqualified: A on 2025-11-01 (left out)
 *   X7 open: D on 2025-09-01 (D is not judged), and a flags-only change A → A (not a new grade)
 */
async function history() {
  await account({ name: 'X1', kind: 'customer', convertedOn: '2026-02-15' }, [[null, 'C', '2025-07-10'], ['C', 'A', '2026-01-05']]);
  await account({ name: 'X2', kind: 'customer', convertedOn: '2026-06-01' }, [[null, 'A', '2025-10-01']]);
  const x3 = await account({ name: 'X3', status: 'lost' }, [[null, 'B', '2025-11-20'], ['B', 'C', '2026-04-01']]);
  await db.insert(auditLog).values({ at: new Date('2026-03-01T15:00:00Z'), actor: 'Rita Rep', entity: 'account', entityId: x3.id, accountId: x3.id, action: 'lost' });
  await account({ name: 'X4', status: 'lost', updatedAt: new Date('2026-02-01T17:00:00Z') }, [[null, 'A', '2025-12-01']]);
  await account({ name: 'X5' }, [[null, 'B', '2025-10-15'], ['B', 'A', '2026-06-01']]);
  await account({ name: 'X6', status: 'disqualified' }, [[null, 'A', '2025-11-01']]);
  await account({ name: 'X7' }, [[null, 'D', '2025-09-01'], ['D', 'A', '2025-09-02'], ['A', 'A', '2025-09-03']]);
}

type T = { grade: string; quarter?: string; episodes: number; hit: number; late: number; lost: number; open: number; pending: number; decided: number; hitRate: number | null };
const cell = (rows: T[], quarter: string, grade: string) => rows.find((r) => r.quarter === quarter && r.grade === grade)!;

describe('GET /api/calibration', () => {
  it('counts each grade’s outcomes per quarter and overall, with the hit rate of the decided ones', async () => {
    await history();
    const res = await testApp(db).get('/api/calibration');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ asOf: '2026-06-30', from: '2024-Q3', to: '2026-Q2', windows: { A: 3, B: 6, C: 12 }, policyVersion: 1 });
    expect(body.quarters).toHaveLength(8);
    const byGrade = Object.fromEntries(body.byGrade.map((g: T) => [g.grade, g]));
    // A: X1 hit, X2 late, X4 lost, X5 pending, X7 (A on 2025-09-02, still open) open.
    expect(byGrade.A).toEqual({ grade: 'A', episodes: 5, hit: 1, late: 1, lost: 1, open: 1, pending: 1, decided: 4, hitRate: 0.25 });
    expect(byGrade.B).toEqual({ grade: 'B', episodes: 2, hit: 0, late: 0, lost: 1, open: 1, pending: 0, decided: 2, hitRate: 0 });
    expect(byGrade.C).toEqual({ grade: 'C', episodes: 1, hit: 1, late: 0, lost: 0, open: 0, pending: 0, decided: 1, hitRate: 1 });
    expect(cell(body.rows, '2025-Q3', 'C')).toMatchObject({ episodes: 1, hit: 1 });
    expect(cell(body.rows, '2025-Q3', 'A')).toMatchObject({ episodes: 1, open: 1 });
    expect(cell(body.rows, '2025-Q4', 'A')).toMatchObject({ episodes: 2, late: 1, lost: 1, hitRate: 0 });
    expect(cell(body.rows, '2025-Q4', 'B')).toMatchObject({ episodes: 2, lost: 1, open: 1 });
    expect(cell(body.rows, '2026-Q1', 'A')).toMatchObject({ episodes: 1, hit: 1, hitRate: 1 });
    expect(cell(body.rows, '2026-Q2', 'A')).toMatchObject({ episodes: 1, pending: 1, hitRate: null });
    expect(cell(body.rows, '2026-Q2', 'C')).toMatchObject({ episodes: 0 });
    expect(body.total).toMatchObject({ episodes: 8, hit: 2, decided: 7, hitRate: 0.2857 });
  });

  it('keeps only the quarters asked for', async () => {
    await history();
    const body = await (await testApp(db).get('/api/calibration?from=2026-Q1&to=2026-Q2')).json();
    expect(body.quarters).toEqual(['2026-Q1', '2026-Q2']);
    expect(body.total).toMatchObject({ episodes: 2, hit: 1, pending: 1 });
  });

  it('judges a grade by the window of the policy version that gave it', async () => {
    const { policy } = await currentPolicy(db);
    await db.insert(policies).values({ body: { ...policy, grading: { ...policy.grading, windowMonths: { A: 1, B: 6, C: 12 } } }, note: 'A within a month' });
    // Both closed two months after their A: a hit by version 1's 3 months, late by version 2's 1 month.
    await account({ name: 'Old A', kind: 'customer', convertedOn: '2026-03-10' }, [[null, 'A', '2026-01-10', 1]]);
    await account({ name: 'New A', kind: 'customer', convertedOn: '2026-03-10' }, [[null, 'A', '2026-01-10', 2]]);
    const body = await (await testApp(db).get('/api/calibration')).json();
    expect(body).toMatchObject({ policyVersion: 2, windows: { A: 1 } });
    expect(body.byGrade[0]).toMatchObject({ grade: 'A', hit: 1, late: 1 });
  });

  it.each([
    ['from=2026Q1', 'from', 'must be a quarter such as 2026-Q1'],
    ['to=2026-Q5', 'to', 'must be a quarter such as 2026-Q1'],
    ['from=2026-Q2&to=2026-Q1', 'from', 'must not be after "to"'],
    ['from=2010-Q1&to=2026-Q1', 'from', 'a range of at most 40 quarters'],
  ])('answers ?%s with 422 naming the parameter', async (qs, path, message) => {
    const res = await testApp(db).get(`/api/calibration?${qs}`);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'validation failed', issues: [{ path, message }] });
  });
});

describe('GET /calibration', () => {
  it('shows the definition with the policy’s windows, the charts and the tables', async () => {
    await history();
    const res = await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/calibration?from=2025-Q3&to=2026-Q2');
    expect(res.status).toBe(200);
    const html = await res.text();
    const body = text(html);
    expect(body).toContain('A closes within 3 months, B within 6, C within 12');
    expect(body).toContain('Grades given from 2025-Q3 to 2026-Q2');
    expect(body).toContain('judged as of 2026-06-30: 8 grades given, 7 decided, 2 closed within their window (29 %)');
    expect(html).toContain('<svg');
    expect(html).toContain('id="hit-rate"');
    const perGrade = text(html.slice(html.indexOf('data-testid="per-grade"'), html.indexOf('</table>', html.indexOf('data-testid="per-grade"'))));
    expect(perGrade).toContain('A within 3 months 5 1 1 1 1 1 25 % of 4');
    expect(perGrade).toContain('B within 6 months 2 0 0 1 1 0 0 % of 2');
    const perQuarter = text(html.slice(html.indexOf('data-testid="per-quarter"')));
    expect(perQuarter).toContain('2025-Q4 A within 3 months 2 0 1 1 0 0 0 % of 2');
    expect(perQuarter).toContain('2026-Q2 A within 3 months 1 0 0 0 0 1 –');
    expect(html).toContain('<option value="2025-Q3" selected="">2025-Q3</option>');
    expect(html).toContain('href="/calibration.csv?from=2025-Q3&amp;to=2026-Q2"');
  });

  it('with nothing to judge says so', async () => {
    const body = text(await (await testApp(db).get('/calibration')).text());
    expect(body).toContain('No A, B or C grades were given in these quarters.');
  });

  it('answers a bad range with 422 and what is wrong', async () => {
    const res = await testApp(db).get('/calibration?from=last-year');
    expect(res.status).toBe(422);
    expect(text(await res.text())).toContain('"from" must be a quarter such as 2026-Q1. Quarters are written like 2026-Q1.');
  });
});

describe('GET /calibration.csv', () => {
  it('has a row per quarter and grade, then one per grade for the whole range', async () => {
    await history();
    const res = await testApp(db).get('/calibration.csv?from=2025-Q4&to=2026-Q1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="calibration-2025-Q4-2026-Q1.csv"');
    const lines = (await res.text()).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toEqual([
      'quarter,grade,window_months,episodes,hit,closed_later,lost,still_open,pending,decided,hit_rate',
      '2025-Q4,A,3,2,0,1,1,0,0,2,0',
      '2025-Q4,B,6,2,0,0,1,1,0,2,0',
      '2025-Q4,C,12,0,0,0,0,0,0,0,',
      '2026-Q1,A,3,1,1,0,0,0,0,1,1',
      '2026-Q1,B,6,0,0,0,0,0,0,0,',
      '2026-Q1,C,12,0,0,0,0,0,0,0,',
      'all,A,3,3,1,1,1,0,0,3,0.3333',
      'all,B,6,2,0,0,1,1,0,2,0',
      'all,C,12,0,0,0,0,0,0,0,',
    ]);
  });

  it('answers a bad range with 422', async () => {
    const res = await testApp(db).get('/calibration.csv?to=soon');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('to must be a quarter such as 2026-Q1');
  });
});
