import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { accounts, gradeChanges, signals } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const acme = { name: 'Acme Corp', domain: 'https://www.Acme.com/about', employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high' };

/** Everything stored, to prove a rejected request changed nothing. */
async function everything() {
  return {
    accounts: await db.select().from(accounts).orderBy(asc(accounts.id)),
    signals: await db.select().from(signals).orderBy(asc(signals.id)),
    gradeChanges: await db.select().from(gradeChanges).orderBy(asc(gradeChanges.id)),
  };
}

async function stored(id: number) {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row!;
}

describe('POST /api/prospects', () => {
  it('creates and grades the prospect: 201, a Location header and the stored prospect with its grade', async () => {
    const t = testApp(db);
    const res = await t.json('POST', '/api/prospects', acme);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.json();
    expect(res.headers.get('location')).toBe(`/api/prospects/${body.id}`);
    expect(body).toMatchObject({
      name: 'Acme Corp',
      domain: 'acme.com',
      employees: 600,
      revenue: 40_000_000,
      growthPct: 15,
      need: 'high',
      status: 'open',
      addedOn: '2026-06-30',
      version: 1,
      grade: 'C',
      fit: 79.5,
      closeBy: null,
      flags: ['no_timing'],
      reason: 'no timing evidence; fit 79.5 ≥ 70',
      gradedOn: '2026-06-30',
      slipCount: 0,
    });
    expect(typeof body.id).toBe('number');
    expect(await stored(body.id)).toMatchObject({ grade: 'C', fit: 79.5, domain: 'acme.com', version: 1 });
    const history = await db.select().from(gradeChanges);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ accountId: body.id, fromGrade: null, toGrade: 'C', cause: 'created', actor: 'api' });
  });

  it('answers 422 with a field-level issue naming each bad field, and stores nothing', async () => {
    const res = await testApp(db).json('POST', '/api/prospects', {
      name: ' ',
      domain: 'not a domain',
      employees: 'many',
      revenue: -5,
      growthPct: 12,
      need: 'huge',
      addedOn: '2026-02-30',
    });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error).toBe('validation failed');
    for (const issue of body.issues) expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
    const byPath = Object.fromEntries(body.issues.map((i: { path: string; message: string }) => [i.path, i.message]));
    expect(Object.keys(byPath).sort()).toEqual(['addedOn', 'domain', 'employees', 'name', 'need', 'revenue']);
    expect(byPath.name).toBe('Name is required');
    expect(byPath.domain).toMatch(/website domain/);
    expect(byPath.employees).toMatch(/number/);
    expect(byPath.revenue).toBe('must be at least 0');
    expect(byPath.need).toMatch(/must be one of/);
    expect(byPath.addedOn).toMatch(/real date/);
    expect(await db.select().from(accounts)).toHaveLength(0);
  });

  it('refuses an added-on date in the future and a domain already used, naming the field', async () => {
    const t = testApp(db);
    await insertProspect(db, { name: 'Acme Corp', domain: 'acme.com' });
    const future = await t.json('POST', '/api/prospects', { ...acme, domain: 'other.com', addedOn: '2026-07-01' });
    expect(future.status).toBe(422);
    expect((await future.json()).issues).toEqual([{ path: 'addedOn', message: 'cannot be in the future' }]);
    const dup = await t.json('POST', '/api/prospects', { ...acme, name: 'Acme again' });
    expect(dup.status).toBe(422);
    expect((await dup.json()).issues).toEqual([{ path: 'domain', message: expect.stringContaining('already used by Acme Corp') }]);
    expect(await db.select().from(accounts)).toHaveLength(1);
  });

  it('answers malformed JSON with 400 and a clear error', async () => {
    const res = await testApp(db).json('POST', '/api/prospects', '{"name": "Acme",');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'the body is not valid JSON' });
  });

  it('answers a body that is not JSON with 415', async () => {
    const res = await testApp(db).form('/api/prospects', { name: 'Acme' });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatch(/application\/json/);
    const none = await testApp(db).app.request('/api/prospects', { method: 'POST', body: JSON.stringify(acme) });
    expect(none.status).toBe(415);
  });

  it('answers a body over 1 MiB with 413, whether or not it declares its length', async () => {
    const t = testApp(db);
    const huge = JSON.stringify({ ...acme, industry: 'x'.repeat(1024 * 1024) });
    const declared = await t.json('POST', '/api/prospects', huge, { 'content-length': String(Buffer.byteLength(huge)) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error).toMatch(/too large/);
    const undeclared = await t.json('POST', '/api/prospects', huge);
    expect(undeclared.status).toBe(413);
    expect(await db.select().from(accounts)).toHaveLength(0);
  });
});

describe('GET /api/prospects', () => {
  async function seed() {
    const a = await insertProspect(db, { name: 'Alpha Analytics', domain: 'alpha.io' });
    await insertSignal(db, a.id, { type: 'selection_started', date: '2026-06-01' });
    const b = await insertProspect(db, { name: 'Beta Builders', domain: 'beta.io' });
    await insertSignal(db, b.id, { type: 'selection_started', date: '2026-02-01' }); // slipped → B
    const c = await insertProspect(db, { name: 'Gamma Grocers', domain: 'gamma.io', employees: 2000, revenue: 5e8, growthPct: 30, need: 'critical' });
    const d = await insertProspect(db, { name: 'Delta Dental', domain: 'delta.io', employees: null, revenue: null, growthPct: null, need: 'medium' });
    const e = await insertProspect(db, { name: 'Epsilon Energy', domain: 'epsilon.io' });
    await insertSignal(db, e.id, { type: 'selection_started', date: '2026-06-20' });
    const t = testApp(db);
    expect((await t.json('POST', `/api/prospects/${e.id}/disqualification`, { reason: 'No budget' })).status).toBe(200);
    return { a, b, c, d, e };
  }
  const names = (body: { prospects: { name: string }[] }) => body.prospects.map((p) => p.name);

  it('lists open prospects sorted by grade then fit, with counts per grade, total and pages', async () => {
    await seed();
    const res = await testApp(db).get('/api/prospects');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.counts).toEqual({ A: 1, B: 1, C: 1, D: 1, none: 0 });
    expect(body).toMatchObject({ total: 4, page: 1, pages: 1 });
    expect(names(body)).toEqual(['Alpha Analytics', 'Beta Builders', 'Gamma Grocers', 'Delta Dental']);
    expect(body.prospects[1]).toMatchObject({
      grade: 'B',
      fit: 79.5,
      closeBy: '2026-05-01',
      flags: ['slipped', 'stale'],
      slipCount: 1,
      status: 'open',
      reason: expect.stringContaining('slipped A → B'),
    });
  });

  it('filters by grade, keeping the counts of every grade', async () => {
    await seed();
    const body = await (await testApp(db).get('/api/prospects?grade=B&grade=C')).json();
    expect(names(body)).toEqual(['Beta Builders', 'Gamma Grocers']);
    expect(body.counts).toEqual({ A: 1, B: 1, C: 1, D: 1, none: 0 });
    expect(body.total).toBe(2);
    const comma = await (await testApp(db).get('/api/prospects?grade=A,D')).json();
    expect(names(comma)).toEqual(['Alpha Analytics', 'Delta Dental']);
  });

  it('filters by flag, status and search text', async () => {
    await seed();
    const t = testApp(db);
    expect(names(await (await t.get('/api/prospects?flag=slipped')).json())).toEqual(['Beta Builders']);
    expect(names(await (await t.get('/api/prospects?flag=incomplete')).json())).toEqual(['Delta Dental']);
    expect(names(await (await t.get('/api/prospects?flag=no_timing&flag=incomplete')).json())).toEqual(['Delta Dental']);
    const dq = await (await t.get('/api/prospects?status=disqualified')).json();
    expect(names(dq)).toEqual(['Epsilon Energy']);
    expect(dq.prospects[0]).toMatchObject({ status: 'disqualified' });
    expect(dq.counts).toEqual({ A: 1, B: 0, C: 0, D: 0, none: 0 });
    expect((await (await t.get('/api/prospects?status=all')).json()).total).toBe(5);
    expect(names(await (await t.get('/api/prospects?q=GAMMA')).json())).toEqual(['Gamma Grocers']);
    expect(names(await (await t.get('/api/prospects?q=alpha.io')).json())).toEqual(['Alpha Analytics']);
    const none = await (await t.get('/api/prospects?q=100%25')).json();
    expect(none).toMatchObject({ total: 0, prospects: [] });
  });

  it('sorts by close-by date, fit and name, in either direction', async () => {
    await seed();
    const t = testApp(db);
    expect(names(await (await t.get('/api/prospects?sort=close_by')).json())).toEqual(['Beta Builders', 'Alpha Analytics', 'Gamma Grocers', 'Delta Dental']);
    expect(names(await (await t.get('/api/prospects?sort=fit')).json())[0]).toBe('Gamma Grocers');
    expect(names(await (await t.get('/api/prospects?sort=name')).json())).toEqual(['Alpha Analytics', 'Beta Builders', 'Delta Dental', 'Gamma Grocers']);
    expect(names(await (await t.get('/api/prospects?sort=name&dir=desc')).json())).toEqual(['Gamma Grocers', 'Delta Dental', 'Beta Builders', 'Alpha Analytics']);
  });

  it('pages 50 at a time', async () => {
    for (let i = 0; i < 53; i++) await insertProspect(db, { name: `Firm ${String(i).padStart(2, '0')}`, domain: `firm${i}.com` });
    const t = testApp(db);
    const p1 = await (await t.get('/api/prospects?sort=name')).json();
    expect(p1).toMatchObject({ total: 53, page: 1, pages: 2 });
    expect(p1.prospects).toHaveLength(50);
    const p2 = await (await t.get('/api/prospects?sort=name&page=2')).json();
    expect(p2).toMatchObject({ total: 53, page: 2, pages: 2 });
    expect(names(p2)).toEqual(['Firm 50', 'Firm 51', 'Firm 52']);
  });

  it('answers a malformed query with 422 naming each bad parameter', async () => {
    const res = await testApp(db).get('/api/prospects?grade=Z&page=0&sort=evil&flag=shiny&status=gone');
    expect(res.status).toBe(422);
    const paths = (await res.json()).issues.map((i: { path: string }) => i.path.split('.')[0]).sort();
    expect(paths).toEqual(['flag', 'grade', 'page', 'sort', 'status']);
  });
});

describe('GET /api/prospects/:id', () => {
  it('answers the prospect with its grading explained: reasons and each fit factor', async () => {
    const p = await insertProspect(db, { name: 'Acme Corp', domain: 'acme.com' });
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    const res = await testApp(db).get(`/api/prospects/${p.id}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: p.id, name: 'Acme Corp', grade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: [], version: 1 });
    expect(body.grading).toMatchObject({ asOf: '2026-06-30', grade: 'A', windowGrade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: [], slipCount: 0 });
    expect(body.grading.summary).toBe('Selection started 2026-06-01, close by 2026-09-01; fit 79.5');
    expect(body.grading.reasons).toEqual(
      expect.arrayContaining([
        'Latest timing signal: Selection started on 2026-06-01 (catalogue window A).',
        'Expected to close by 2026-09-01: 2026-06-01 + 3 months.',
        'Fit 79.5: size 600 staff → 80 × 25 %, revenue 40 M → 80 × 25 %, growth +15 % → 70 × 20 %, need high → 85 × 30 %.',
        'Grade A as of 2026-06-30.',
      ]),
    );
    expect(body.grading.fitFactors).toEqual([
      { factor: 'size', value: 600, points: 80, weight: 25, share: 25 },
      { factor: 'revenue', value: 40_000_000, points: 80, weight: 25, share: 25 },
      { factor: 'growth', value: 15, points: 70, weight: 20, share: 20 },
      { factor: 'need', value: 'high', points: 85, weight: 30, share: 30 },
    ]);
  });
});

describe('PATCH /api/prospects/:id', () => {
  it('applies an edit made on the current version: 200, the version goes up and the prospect is re-graded', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    const res = await testApp(db).json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 30, revenue: 500_000, growthPct: -5, need: 'low' });
    expect(res.status).toBe(200);
    const body = await res.json();
    // Window A, fit 21 < 40 demotes to B.
    expect(body).toMatchObject({ id: p.id, version: 2, employees: 30, fit: 21, grade: 'B', reason: expect.stringContaining('fit < 40 demotes A → B') });
    expect(body.name).toBe(p.name); // fields not sent are kept
    expect(await stored(p.id)).toMatchObject({ version: 2, employees: 30, need: 'low', fit: 21, grade: 'B' });
    const [last] = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, p.id)).orderBy(asc(gradeChanges.id)).offset(2);
    expect(last).toMatchObject({ fromGrade: 'A', toGrade: 'B', cause: 'edit', actor: 'api' });
  });

  it('PUT is the same update', async () => {
    const p = await insertProspect(db);
    const res = await testApp(db).json('PUT', `/api/prospects/${p.id}`, { version: 1, industry: 'Retail' });
    expect(res.status).toBe(200);
    expect(await stored(p.id)).toMatchObject({ version: 2, industry: 'Retail' });
  });

  it('refuses an edit based on an old version with 409 and the current version, changing nothing', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    expect((await t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 700 })).status).toBe(200);
    const before = await everything();
    const res = await t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 20, need: 'none' });
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.error).toMatch(/conflict/);
    expect(body.currentVersion).toBe(2);
    expect(body.current).toMatchObject({ id: p.id, version: 2, employees: 700 });
    expect(await everything()).toEqual(before);
  });

  it('refuses a field it does not know with 422 (the body is strict), naming it', async () => {
    const p = await insertProspect(db);
    const res = await testApp(db).json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 700, colour: 'red' });
    expect(res.status).toBe(422);
    expect((await res.json()).issues).toEqual([{ path: 'colour', message: 'unknown field' }]);
    const two = await testApp(db).json('PATCH', `/api/prospects/${p.id}`, { version: 1, colour: 'red', size: 'L' });
    expect((await two.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(['colour', 'size']);
    expect(await stored(p.id)).toMatchObject({ version: 1, employees: 600 });
  });

  it('needs the version it was based on, and valid values', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    const noVersion = await t.json('PATCH', `/api/prospects/${p.id}`, { employees: 700 });
    expect(noVersion.status).toBe(422);
    expect((await noVersion.json()).issues.map((i: { path: string }) => i.path)).toEqual(['version']);
    const bad = await t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, employees: -1, need: 'lots' });
    expect(bad.status).toBe(422);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(['employees', 'need']);
    expect(await stored(p.id)).toMatchObject({ version: 1, employees: 600, need: 'high' });
  });
});

describe('signals and history', () => {
  it('logging a signal answers 201 with the signal and the re-graded prospect', async () => {
    const p = await insertProspect(db);
    const res = await testApp(db).json('POST', `/api/prospects/${p.id}/signals`, { type: 'selection_started', date: '2026-06-01', note: 'RFP out' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.signal).toMatchObject({ type: 'selection_started', date: '2026-06-01', expectedDate: null, note: 'RFP out', loggedBy: 'api' });
    expect(typeof body.signal.id).toBe('number');
    expect(new Date(body.signal.loggedAt).toString()).not.toBe('Invalid Date');
    expect(body.prospect).toMatchObject({ id: p.id, grade: 'A', closeBy: '2026-09-01', flags: [], lastSignalOn: '2026-06-01', version: 1 });
    expect(await stored(p.id)).toMatchObject({ grade: 'A', closeBy: '2026-09-01' });
  });

  it('a signal without a date is dated today', async () => {
    const p = await insertProspect(db);
    const res = await testApp(db).json('POST', `/api/prospects/${p.id}/signals`, { type: 'call' });
    expect(res.status).toBe(201);
    expect((await res.json()).signal.date).toBe('2026-06-30');
  });

  it('an invalid signal answers 422 naming each bad field, and stores nothing', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    const before = await everything();
    const res = await t.json('POST', `/api/prospects/${p.id}/signals`, { type: 'waiting_on_event', date: '2026-07-02', expectedDate: '2026-13-01', event: 'Budget' });
    expect(res.status).toBe(422);
    const paths = (await res.json()).issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['date', 'expectedDate']);
    const unknown = await t.json('POST', `/api/prospects/${p.id}/signals`, { type: 'rumour', date: '2026-06-01' });
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).issues).toEqual([{ path: 'type', message: 'choose a signal type' }]);
    const noEvent = await t.json('POST', `/api/prospects/${p.id}/signals`, { type: 'waiting_on_event', date: '2026-06-01' });
    expect((await noEvent.json()).issues).toEqual([{ path: 'event', message: 'name the event they are waiting for' }]);
    expect(await everything()).toEqual(before);
  });

  it('lists the signals newest first', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, { type: 'call', date: '2026-06-10' });
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-20' });
    await insertSignal(db, p.id, { type: 'meeting', date: '2026-06-15' });
    const res = await testApp(db).get(`/api/prospects/${p.id}/signals`);
    expect(res.status).toBe(200);
    const { signals: list } = await res.json();
    expect(list.map((s: { type: string; date: string }) => [s.type, s.date])).toEqual([
      ['selection_started', '2026-06-20'],
      ['meeting', '2026-06-15'],
      ['call', '2026-06-10'],
    ]);
  });

  it('lists the grade history newest first, each change with its cause and actor', async () => {
    const t = testApp(db);
    const created = await (await t.json('POST', '/api/prospects', acme)).json();
    await t.json('POST', `/api/prospects/${created.id}/signals`, { type: 'selection_started', date: '2026-06-01' });
    await t.json('PATCH', `/api/prospects/${created.id}`, { version: 1, employees: 30, revenue: 500_000, growthPct: -5, need: 'low' });
    await t.json('POST', `/api/prospects/${created.id}/loss`, { reason: 'Went with a rival' });
    const res = await t.get(`/api/prospects/${created.id}/history`);
    expect(res.status).toBe(200);
    const { history } = await res.json();
    expect(history.map((h: { from: string | null; to: string; cause: string }) => [h.from, h.to, h.cause])).toEqual([
      ['A', 'B', 'edit'],
      ['C', 'A', 'signal'],
      [null, 'C', 'created'],
    ]);
    expect(history[0]).toMatchObject({ actor: 'api', asOf: '2026-06-30', fit: 21, policyVersion: 1, reason: expect.stringContaining('demotes A → B') });
    expect(history[0].reasons).toEqual(expect.arrayContaining(['Grade B as of 2026-06-30.']));
    // The loss kept the grade and flags: no change row for it.
    expect(history).toHaveLength(3);
  });
});

describe('status: disqualification, loss and reopening', () => {
  it('disqualifying needs a reason (422), then answers the prospect disqualified with the reason kept', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    const before = await everything();
    const none = await t.json('POST', `/api/prospects/${p.id}/disqualification`, {});
    expect(none.status).toBe(422);
    expect((await none.json()).issues).toEqual([{ path: 'reason', message: 'give a reason' }]);
    const blank = await t.json('POST', `/api/prospects/${p.id}/disqualification`, { reason: '   ' });
    expect(blank.status).toBe(422);
    expect(await everything()).toEqual(before);
    const ok = await t.json('POST', `/api/prospects/${p.id}/disqualification`, { reason: 'No budget, ever', version: 1 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: p.id, status: 'disqualified', statusReason: 'No budget, ever', version: 2 });
    expect(await stored(p.id)).toMatchObject({ status: 'disqualified', statusReason: 'No budget, ever' });
  });

  it('marking lost needs a reason; a lost prospect cannot be lost again', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    expect((await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: '' })).status).toBe(422);
    expect((await stored(p.id)).status).toBe('open');
    const lost = await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Went with a rival' });
    expect(lost.status).toBe(200);
    expect(await lost.json()).toMatchObject({ status: 'lost', statusReason: 'Went with a rival' });
    const again = await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Twice' });
    expect(again.status).toBe(422);
    expect((await again.json()).issues).toEqual([{ path: 'status', message: 'This prospect is already lost.' }]);
    expect(await stored(p.id)).toMatchObject({ status: 'lost', statusReason: 'Went with a rival', version: 2 });
  });

  it('reopening returns the prospect to the open list, re-graded as of today; an empty body will do', async () => {
    const p = await insertProspect(db, { name: 'Globex' });
    const t = testApp(db);
    await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Went with a rival' });
    expect((await (await t.get('/api/prospects')).json()).total).toBe(0);
    const res = await t.app.request(`/api/prospects/${p.id}/reopening`, { method: 'POST', headers: { 'content-length': '0' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'open', statusReason: null, version: 3, grade: 'C', gradedOn: '2026-06-30' });
    const list = await (await t.get('/api/prospects')).json();
    expect(list.prospects.map((r: { name: string }) => r.name)).toEqual(['Globex']);
  });

  it('refuses a status change made on an old version with 409, changing nothing', async () => {
    const p = await insertProspect(db);
    const t = testApp(db);
    await t.json('PATCH', `/api/prospects/${p.id}`, { version: 1, industry: 'Retail' });
    const before = await everything();
    const res = await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Went with a rival', version: 1 });
    expect(res.status).toBe(409);
    expect((await res.json()).currentVersion).toBe(2);
    const bad = await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Went with a rival', version: 'two' });
    expect(bad.status).toBe(422);
    expect((await bad.json()).issues).toEqual([{ path: 'version', message: 'must be a whole number' }]);
    expect(await everything()).toEqual(before);
  });
});

describe('unknown ids', () => {
  const requests: [string, string, unknown][] = [
    ['GET', '/api/prospects/999999', undefined],
    ['GET', '/api/prospects/abc', undefined],
    ['GET', '/api/prospects/0', undefined],
    ['GET', '/api/prospects/1.5', undefined],
    ['GET', '/api/prospects/99999999999999', undefined],
    ['GET', '/api/prospects/999999/signals', undefined],
    ['GET', '/api/prospects/abc/signals', undefined],
    ['GET', '/api/prospects/999999/history', undefined],
    ['GET', '/api/prospects/abc/history', undefined],
    ['PATCH', '/api/prospects/999999', { version: 1, employees: 5 }],
    ['PATCH', '/api/prospects/abc', { version: 1, employees: 5 }],
    ['PUT', '/api/prospects/-1', { version: 1, employees: 5 }],
    ['POST', '/api/prospects/999999/signals', { type: 'call', date: '2026-06-01' }],
    ['POST', '/api/prospects/abc/signals', { type: 'call', date: '2026-06-01' }],
    ['POST', '/api/prospects/999999/disqualification', { reason: 'x' }],
    ['POST', '/api/prospects/abc/loss', { reason: 'x' }],
    ['POST', '/api/prospects/999999/reopening', {}],
  ];

  it.each(requests)('%s %s is a JSON 404 and stores nothing', async (method, path, body) => {
    await insertProspect(db);
    const before = await everything();
    const res = await testApp(db).json(method, path, body);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ error: 'prospect not found' });
    expect(await everything()).toEqual(before);
  });
});

describe('rejected requests', () => {
  it('store nothing, whatever the reason they were refused', async () => {
    const t = testApp(db);
    const p = await insertProspect(db, { name: 'Acme Corp', domain: 'acme.com' });
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    const attempts: [string, string, unknown, number][] = [
      ['POST', '/api/prospects', { name: '' }, 422],
      ['POST', '/api/prospects', { ...acme, name: 'Dup' }, 422],
      ['POST', '/api/prospects', '{not json', 400],
      ['POST', '/api/prospects', JSON.stringify({ ...acme, domain: 'big.com', note: 'x'.repeat(1_100_000) }), 413],
      ['PATCH', `/api/prospects/${p.id}`, { version: 7, employees: 1 }, 409],
      ['PATCH', `/api/prospects/${p.id}`, { version: 1, employees: 1, extra: true }, 422],
      ['PATCH', `/api/prospects/${p.id}`, { version: 1, domain: 'acme.com', employees: 'x' }, 422],
      ['PATCH', `/api/prospects/${p.id}`, '[1,', 400],
      ['POST', `/api/prospects/${p.id}/signals`, { type: 'call', date: '2026-07-01' }, 422],
      ['POST', `/api/prospects/${p.id}/signals`, { type: 'call', expectedDate: '2026-08-01' }, 422],
      ['POST', `/api/prospects/${p.id}/disqualification`, { reason: '' }, 422],
      ['POST', `/api/prospects/${p.id}/reopening`, {}, 422],
    ];
    const before = await everything();
    for (const [method, path, body, status] of attempts) {
      const res = await t.json(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
      expect(await everything()).toEqual(before);
    }
    const wrongType = await t.form(`/api/prospects/${p.id}/signals`, { type: 'call' });
    expect(wrongType.status).toBe(415);
    expect(await everything()).toEqual(before);
  });
});
