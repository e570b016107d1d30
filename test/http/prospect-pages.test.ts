import { beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, auditLog, gradeChanges, signals } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const acme = { name: 'Acme Corp', domain: 'https://www.Acme.com/about', employees: '600', revenue: '40,000,000', growthPct: '15', need: 'high' };

describe('adding a prospect', () => {
  it('grades it at once and redirects to its page, which explains the grade', async () => {
    const t = testApp(db);
    const res = await t.form('/prospects', acme);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/prospects\/\d+\?added=1$/);
    const page = await t.get(location);
    expect(page.status).toBe(200);
    const body = text(await page.text());
    expect(body).toContain('Acme Corp');
    expect(body).toContain('acme.com');
    expect(body).toContain('Prospect added and graded.');
    // No timing yet: fit 79.5 ≥ 70 grades C.
    expect(body).toContain('no timing evidence; fit 79.5 ≥ 70');
    const [row] = await db.select().from(accounts);
    expect(row).toMatchObject({ grade: 'C', fit: 79.5, domain: 'acme.com', flags: ['no_timing'] });
    const history = await db.select().from(gradeChanges);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ fromGrade: null, toGrade: 'C', cause: 'created' });
  });

  it('returns the same form with 422, the values kept and a message for each bad field, and stores nothing', async () => {
    const t = testApp(db);
    const res = await t.form('/prospects', { name: ' ', domain: 'not a domain', employees: 'many', revenue: '-5', growthPct: '12', need: 'huge' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-name-err">Name is required');
    expect(html).toContain('id="f-domain-err">must be a website domain');
    expect(html).toContain('id="f-employees-err">must be a number');
    expect(html).toContain('id="f-revenue-err">must be at least 0');
    expect(html).toContain('id="f-need-err">must be one of');
    expect(inputValue(html, 'employees')).toBe('many');
    expect(inputValue(html, 'growthPct')).toBe('12');
    expect(inputValue(html, 'domain')).toBe('not a domain');
    expect(await db.select().from(accounts)).toHaveLength(0);
  });

  it('refuses a second prospect with the same website domain, naming the first', async () => {
    const t = testApp(db);
    await insertProspect(db, { name: 'Acme Corp', domain: 'acme.com' });
    const res = await t.form('/prospects', { ...acme, name: 'Acme again' });
    expect(res.status).toBe(422);
    expect(text(await res.text())).toContain('already used by Acme Corp');
    expect(await db.select().from(accounts)).toHaveLength(1);
  });

  it('refuses an added-on date in the future', async () => {
    const res = await testApp(db).form('/prospects', { ...acme, addedOn: '2026-07-01' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('cannot be in the future');
  });
});

describe('logging a signal', () => {
  it('without JavaScript posts, redirects and the page shows the new grade and the signal', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    const res = await t.form(`/prospects/${p.id}/signals`, { type: 'selection_started', date: '2026-06-01', note: 'RFP out' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/prospects/${p.id}?logged=1#grade`);
    const body = text(await (await t.get(`/prospects/${p.id}`)).text());
    expect(body).toContain('Close by 2026-09-01');
    expect(body).toContain('Selection started 2026-06-01, close by 2026-09-01; fit 79.5');
    expect(body).toContain('RFP out');
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row!.grade).toBe('A');
  });

  it('with htmx answers the signals panel alone, with the new grade and an empty form', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    const res = await t.form(`/prospects/${p.id}/signals`, { type: 'incumbent_failing', date: '2026-01-10' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="signals-panel">')).toBe(true);
    expect(html).not.toContain('<html');
    expect(html).toContain('aria-label="Grade A"');
    expect(text(html)).toContain('Close by 2026-07-10 · 10 days left');
  });

  it('answers 422 with the form and values kept when the signal is invalid, and stores nothing', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    const res = await t.form(`/prospects/${p.id}/signals`, { type: 'waiting_on_event', date: '2026-07-02', expectedDate: '2026-05-01' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-date-err">cannot be in the future');
    expect(html).toContain('id="f-event-err">name the event');
    expect(inputValue(html, 'expectedDate')).toBe('2026-05-01');
    expect(await db.select().from(signals)).toHaveLength(0);
  });

  it('records each grade change with its cause and who caused it', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    await t.form(`/prospects/${p.id}/signals`, { type: 'need_no_urgency', date: '2026-06-20' });
    await t.form(`/prospects/${p.id}/signals`, { type: 'selection_started', date: '2026-06-25' });
    await t.form(`/prospects/${p.id}/signals`, { type: 'call', date: '2026-06-29' });
    const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, p.id)).orderBy(gradeChanges.id);
    expect(history.map((h) => [h.fromGrade, h.toGrade, h.cause])).toEqual([
      [null, 'C', 'created'],
      ['C', 'C', 'signal'], // flags changed: no_timing cleared
      ['C', 'A', 'signal'],
    ]);
    expect(history[2]!.actor).toBe('web');
    const page = text(await (await t.get(`/prospects/${p.id}`)).text());
    expect(page).toContain('signal logged by web');
  });
});

describe('times on the prospect page', () => {
  it('are in the organisation’s time zone (TZ_ORG): when a signal was logged, and the activity trail', async () => {
    const p = await insertProspect(db, { name: 'Zone Ltd' });
    const { signal } = await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-30', note: 'Zoned' });
    // Logged at 02:30 UTC on July 1, which is 22:30 on June 30 in New York (UTC−4 in summer); the
    // prospect added at 14:05 UTC, 10:05 there.
    await db.update(signals).set({ loggedAt: new Date('2026-07-01T02:30:00Z') }).where(eq(signals.id, signal.id));
    await db.update(auditLog).set({ at: new Date('2026-07-01T14:05:00Z') }).where(and(eq(auditLog.accountId, p.id), eq(auditLog.action, 'created'), eq(auditLog.entity, 'account')));
    const ny = text(await (await testApp(db, '2026-06-30', undefined, { env: { TZ_ORG: 'America/New_York' } }).get(`/prospects/${p.id}`)).text());
    expect(ny).toContain('Zoned logged 2026-06-30 22:30 by test');
    expect(ny).toMatch(/2026-07-01 10:05 · account created by test/);
    expect(ny).not.toContain('2026-07-01 02:30');
    expect(ny).not.toContain('14:05');
    // With TZ_ORG unset (UTC) the same instants read as UTC.
    const utc = text(await (await testApp(db).get(`/prospects/${p.id}`)).text());
    expect(utc).toContain('Zoned logged 2026-07-01 02:30 by test');
    expect(utc).toContain('2026-07-01 14:05 · account created by test');
  });
});

describe('editing a prospect', () => {
  it('saves an edit made on the current version and re-grades', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    const form = await (await t.get(`/prospects/${p.id}/edit`)).text();
    expect(inputValue(form, 'version')).toBe('1');
    const res = await t.form(`/prospects/${p.id}`, { ...acme, domain: 'acme.com', employees: '20', revenue: '100000', growthPct: '-3', need: 'low', version: '1' });
    expect(res.status).toBe(303);
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row).toMatchObject({ version: 2, employees: 20, fit: 21, grade: 'D' });
  });

  it('refuses an edit based on an old version with 409, keeping what the user typed and saying what changed', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    expect((await t.form(`/prospects/${p.id}`, { ...acme, employees: '700', version: '1' })).status).toBe(303);
    const stale = await t.form(`/prospects/${p.id}`, { ...acme, employees: '900', industry: 'Retail', version: '1' });
    expect(stale.status).toBe(409);
    const html = await stale.text();
    expect(text(html)).toContain('was changed by someone else');
    expect(text(html)).toContain('employees 700');
    expect(inputValue(html, 'employees')).toBe('900');
    expect(inputValue(html, 'industry')).toBe('Retail');
    expect(inputValue(html, 'version')).toBe('2');
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row).toMatchObject({ employees: 700, version: 2, industry: null });
  });
});

describe('status', () => {
  it('disqualifying needs a reason; a disqualified prospect leaves the open list and can be reopened', async () => {
    const t = testApp(db);
    const p = await insertProspect(db, { name: 'Globex' });
    const bad = await t.form(`/prospects/${p.id}/disqualification`, { reason: '', version: '1' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('id="dq-reason-err"');
    expect((await t.form(`/prospects/${p.id}/disqualification`, { reason: 'No budget, ever', version: '1' })).status).toBe(303);
    expect(text(await (await t.get('/prospects')).text())).not.toContain('Globex');
    const all = text(await (await t.get('/prospects?status=disqualified')).text());
    expect(all).toContain('Globex');
    expect((await t.form(`/prospects/${p.id}/reopening`, { version: '2' })).status).toBe(303);
    expect(text(await (await t.get('/prospects')).text())).toContain('Globex');
  });

  it('refuses a status change made on an old version', async () => {
    const t = testApp(db);
    const p = await insertProspect(db);
    await t.form(`/prospects/${p.id}/loss`, { reason: 'Went with a rival', version: '1' });
    const res = await t.form(`/prospects/${p.id}/reopening`, { version: '1' });
    expect(res.status).toBe(409);
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row!.status).toBe('lost');
  });
});

describe('unknown ids', () => {
  it.each(['/prospects/999999', '/prospects/abc', '/prospects/0/edit', '/prospects/99999999999999'])('GET %s is a real 404 page', async (path) => {
    const res = await testApp(db).get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(text(await res.text())).toContain('not found');
  });

  it('posting a signal to an unknown prospect is a 404 and stores nothing', async () => {
    const res = await testApp(db).form('/prospects/4242/signals', { type: 'call' });
    expect(res.status).toBe(404);
    expect(await db.select().from(signals)).toHaveLength(0);
  });

  it('an unknown page is a 404 page, an unknown API route a JSON 404', async () => {
    const t = testApp(db);
    expect((await t.get('/nope')).status).toBe(404);
    const api = await t.get('/api/nope');
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: 'not found' });
  });
});

describe('the prospects list', () => {
  async function seed() {
    const a = await insertProspect(db, { name: 'Alpha Analytics', domain: 'alpha.io' });
    await insertSignal(db, a.id, { type: 'selection_started', date: '2026-06-01' });
    const b = await insertProspect(db, { name: 'Beta Builders', domain: 'beta.io' });
    await insertSignal(db, b.id, { type: 'selection_started', date: '2026-02-01' }); // slipped → B
    const c = await insertProspect(db, { name: 'Gamma Grocers', domain: 'gamma.io', employees: 2000, revenue: 5e8, growthPct: 30, need: 'critical' });
    const d = await insertProspect(db, { name: 'Delta Dental', domain: 'delta.io', employees: null, revenue: null, growthPct: null, need: 'medium' });
    return { a, b, c, d };
  }

  it('shows counts per grade and rows sorted by grade then fit, each with its one-line reason', async () => {
    await seed();
    const html = await (await testApp(db).get('/prospects')).text();
    const body = text(html);
    expect(body).toMatch(/All 4/);
    expect(html).toMatch(/aria-label="Grade A">A<\/span> <span class="n">1</);
    expect(html).toMatch(/aria-label="Grade D">D<\/span> <span class="n">1</);
    const order = ['Alpha Analytics', 'Beta Builders', 'Gamma Grocers', 'Delta Dental'].map((n) => body.indexOf(n));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(body).toContain('Selection started 2026-02-01, close by 2026-05-01 passed: slipped A → B');
  });

  it('filters by grade, flag and search, and sorts by close-by date', async () => {
    await seed();
    const t = testApp(db);
    const onlyB = text(await (await t.get('/prospects?grade=B')).text());
    expect(onlyB).toContain('Beta Builders');
    expect(onlyB).not.toContain('Alpha Analytics');
    const slipped = text(await (await t.get('/prospects?flag=slipped')).text());
    expect(slipped).toContain('Beta Builders');
    expect(slipped).not.toContain('Gamma Grocers');
    const incomplete = text(await (await t.get('/prospects?flag=incomplete')).text());
    expect(incomplete).toContain('Delta Dental');
    expect(incomplete).not.toContain('Alpha Analytics');
    const search = text(await (await t.get('/prospects?q=gamma')).text());
    expect(search).toContain('Gamma Grocers');
    expect(search).not.toContain('Beta Builders');
    const byDomain = text(await (await t.get('/prospects?q=alpha.io')).text());
    expect(byDomain).toContain('Alpha Analytics');
    // A website as people paste it finds its account; a domain is searched by its start.
    const pasted = text(await (await t.get(`/prospects?q=${encodeURIComponent('https://www.Alpha.io/pricing')}`)).text());
    expect(pasted).toContain('Alpha Analytics');
    expect(pasted).not.toContain('Gamma Grocers');
    const middle = text(await (await t.get('/prospects?q=lpha.i')).text());
    expect(middle).not.toContain('Alpha Analytics');
    const byClose = text(await (await t.get('/prospects?sort=close_by')).text());
    expect(byClose.indexOf('Beta Builders')).toBeLessThan(byClose.indexOf('Alpha Analytics'));
  });

  it('paginates 50 to a page', async () => {
    for (let i = 0; i < 53; i++) await insertProspect(db, { name: `Firm ${String(i).padStart(2, '0')}`, domain: `firm${i}.com` });
    const t = testApp(db);
    const p1 = await (await t.get('/prospects?sort=name')).text();
    expect(p1.match(/<tr>/g)!.length - 1).toBe(50);
    expect(text(p1)).toContain('page 1 of 2');
    const p2 = text(await (await t.get('/prospects?sort=name&page=2')).text());
    expect(p2).toContain('Firm 52');
    expect(p2).not.toContain('Firm 49');
  });

  it('pages on with a cursor in the default order: the next page is exactly what the offset gives', async () => {
    for (let i = 0; i < 120; i++) await insertProspect(db, { name: `Firm ${i}`, domain: `f${i}.com`, employees: (i * 37) % 1500, need: i % 7 === 0 ? null : 'high' });
    const t = testApp(db);
    const p1 = await (await t.get('/prospects')).text();
    const next = p1.match(/href="([^"]*after=[^"]*)" rel="next"/)![1]!.replace(/&amp;/g, '&');
    expect(next).toMatch(/^\/prospects\?page=2&after=/);
    const names = (html: string) => [...html.matchAll(/<a href="\/prospects\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
    const viaCursor = names(await (await t.get(next)).text());
    const viaOffset = names(await (await t.get('/prospects?page=2')).text());
    expect(viaCursor).toHaveLength(50);
    expect(viaCursor).toEqual(viaOffset);
    const p3 = await (await t.get(next)).text();
    const third = p3.match(/href="([^"]*after=[^"]*)" rel="next"/)![1]!.replace(/&amp;/g, '&');
    expect(names(await (await t.get(third)).text())).toEqual(names(await (await t.get('/prospects?page=3')).text()));
    expect(names(await (await t.get(third)).text())).toHaveLength(20);
  });

  it('ignores a malformed query string rather than failing', async () => {
    const res = await testApp(db).get('/prospects?grade=Z&page=-3&sort=evil');
    expect(res.status).toBe(200);
  });

  it('exports the filtered list as CSV', async () => {
    await seed();
    const res = await testApp(db).get('/prospects.csv?flag=slipped');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('id,name,domain,industry,status,grade,fit,close_by,flags,slip_count,last_signal_on,reason');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Beta Builders');
  });

  it('escapes what a user typed: a script in a name is shown, never run', async () => {
    await insertProspect(db, { name: '<script>alert(1)</script>', domain: 'xss.io' });
    const html = await (await testApp(db).get('/prospects')).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('pages', () => {
  it('serve htmx from the app itself and send security headers', async () => {
    const t = testApp(db);
    const page = await t.get('/prospects');
    expect(await page.text()).toContain('<script src="/assets/htmx.min.js"');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await t.get('/assets/htmx.min.js');
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(10_000);
  });
});
