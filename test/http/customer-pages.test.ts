import { beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { accounts, auditLog, deals, gradeChanges, tierChanges } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}
const allDeals = () => db.select().from(deals).orderBy(asc(deals.id));
async function everything() {
  return {
    accounts: await db.select().from(accounts).orderBy(asc(accounts.id)),
    deals: await allDeals(),
    gradeChanges: await db.select().from(gradeChanges).orderBy(asc(gradeChanges.id)),
    tierChanges: await db.select().from(tierChanges).orderBy(asc(tierChanges.id)),
    audit: await db.select().from(auditLog).orderBy(asc(auditLog.id)),
  };
}

async function hotProspect(over: Record<string, unknown> = {}) {
  const p = await insertProspect(db, { name: 'Acme Corp', domain: 'acme.com', ...over });
  await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
  return row(p.id);
}

describe('the deal form on a prospect page', () => {
  it('shows a Deals card with the form, which posts without JavaScript', async () => {
    const p = await hotProspect();
    const html = await (await testApp(db).get(`/prospects/${p.id}`)).text();
    expect(html).toContain('id="deals-panel"');
    expect(html).toContain(`action="/accounts/${p.id}/deals"`);
    expect(html).toContain(`hx-post="/accounts/${p.id}/deals"`);
    expect(text(html)).toContain('No deals yet. The first won deal makes this account a customer.');
  });

  it('without JavaScript adds an open deal and redirects back to the prospect, which lists it', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    const res = await t.form(`/accounts/${p.id}/deals`, { title: 'Pilot project', value: '45,000', marginPct: '32', expectedCloseOn: '2026-09-01', status: 'open' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/prospects/${p.id}?deal=added#deals`);
    const body = text(await (await t.get(`/prospects/${p.id}?deal=added`)).text());
    expect(body).toContain('Deal added.');
    expect(body).toContain('Pilot project · 45 k · margin 32 % · open');
    expect(body).toContain('expected to close 2026-09-01');
    expect(await allDeals()).toEqual([expect.objectContaining({ title: 'Pilot project', value: 45_000, marginPct: 32, status: 'open', createdBy: 'web' })]);
  });

  it('with htmx answers the deals panel alone, with the new deal and an empty form', async () => {
    const p = await hotProspect();
    const res = await testApp(db).form(`/accounts/${p.id}/deals`, { title: 'Pilot project', value: '45000' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="deals-panel">')).toBe(true);
    expect(html).not.toContain('<html');
    expect(text(html)).toContain('Deal added.');
    expect(text(html)).toContain('Pilot project');
    expect(inputValue(html, 'title')).toBe('');
  });

  it('a won deal converts the prospect: no-JS redirects to the customer page, htmx is told to go there', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    const res = await t.form(`/accounts/${p.id}/deals`, { title: 'Licences', value: '20000', marginPct: '30', status: 'won', closedOn: '2026-06-20' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/customers/${p.id}?deal=converted#deals`);
    const page = text(await (await t.get(`/customers/${p.id}?deal=converted`)).text());
    expect(page).toContain('Deal won: Acme Corp is now a customer, closed at grade A on 2026-06-20.');

    const q = await hotProspect({ name: 'Beta', domain: 'beta.com' });
    const hx = await t.form(`/accounts/${q.id}/deals`, { title: 'Licences', value: '20000', status: 'won' }, { 'HX-Request': 'true' });
    expect(hx.status).toBe(200);
    expect(hx.headers.get('hx-redirect')).toBe(`/customers/${q.id}?deal=converted`);
    expect(await row(q.id)).toMatchObject({ kind: 'customer', convertedOn: '2026-06-30' });
  });

  it('answers 422 with the form, the values kept and a message for each bad field, and stores nothing', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    const before = await everything();
    const res = await t.form(`/accounts/${p.id}/deals`, { title: ' ', value: '-5', marginPct: '140', status: 'won', closedOn: '2026-07-05' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<html'); // the whole prospect page, without JavaScript
    expect(html).toContain('id="f-title-err">Title is required');
    expect(html).toContain('id="f-value-err">must be at least 0');
    expect(html).toContain('id="f-marginPct-err">must be at most 100');
    expect(html).toContain('id="f-closedOn-err">a won deal cannot close in the future');
    expect(inputValue(html, 'value')).toBe('-5');
    expect(inputValue(html, 'marginPct')).toBe('140');
    expect(inputValue(html, 'closedOn')).toBe('2026-07-05');
    const hx = await t.form(`/accounts/${p.id}/deals`, { title: 'Lost one', value: '10', status: 'lost' }, { 'HX-Request': 'true' });
    expect(hx.status).toBe(422);
    const fragment = await hx.text();
    expect(fragment.startsWith('<div id="deals-panel">')).toBe(true);
    expect(fragment).toContain('id="f-lostReason-err">give the reason the deal was lost');
    expect(await everything()).toEqual(before);
  });

  it('posting a deal to an unknown account is a 404 and stores nothing', async () => {
    const res = await testApp(db).form('/accounts/4242/deals', { title: 'x', value: '1' });
    expect(res.status).toBe(404);
    expect(await allDeals()).toEqual([]);
  });
});

describe('deal actions from the page', () => {
  it('win, loss and reopening post without JS and redirect to the account page with a notice', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db, { name: 'Acme Corp' });
    const open = (await insertDeal(db, c.id, { title: 'Upsell', value: 100_000 })).deal!;
    const lost = await t.form(`/deals/${open.id}/loss`, { lostReason: 'Budget cut', version: '1' });
    expect(lost.status).toBe(303);
    expect(lost.headers.get('location')).toBe(`/customers/${c.id}?deal=lost#deals`);
    expect(text(await (await t.get(`/customers/${c.id}?deal=lost`)).text())).toContain('Deal marked lost.');
    expect((await t.form(`/deals/${open.id}/reopening`, { version: '2' })).headers.get('location')).toBe(`/customers/${c.id}?deal=reopened#deals`);
    const won = await t.form(`/deals/${open.id}/win`, { closedOn: '2026-06-29', version: '3' });
    expect(won.headers.get('location')).toBe(`/customers/${c.id}?deal=won#deals`);
    expect(await row(c.id)).toMatchObject({ tier: 'Key', tierScore: 74.3 });
    expect((await allDeals()).find((d) => d.id === open.id)).toMatchObject({ status: 'won', closedOn: '2026-06-29', version: 4 });
  });

  it('with htmx a win on a customer answers the panel with the re-scored tier', async () => {
    const c = await insertCustomer(db);
    const open = (await insertDeal(db, c.id, { title: 'Upsell', value: 100_000 })).deal!;
    const res = await testApp(db).form(`/deals/${open.id}/win`, { closedOn: '2026-06-30', version: '1' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="deals-panel">')).toBe(true);
    expect(html).toContain('aria-label="Tier Key, score 74.3"');
    expect(text(html)).toContain('Deal won; the tier is re-scored.');
  });

  it('refuses to win a lost deal (422) and a stale version (409), showing why next to the deal, changing nothing', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    const d = (await insertDeal(db, p.id, { status: 'lost', lostReason: 'Price' })).deal!;
    const before = await everything();
    const lostWin = await t.form(`/deals/${d.id}/win`, { version: '1' });
    expect(lostWin.status).toBe(422);
    expect(text(await lostWin.text())).toContain('This deal was lost: reopen it before marking it won.');
    const stale = await t.form(`/deals/${d.id}/reopening`, { version: '7' }, { 'HX-Request': 'true' });
    expect(stale.status).toBe(409);
    const html = await stale.text();
    expect(html.startsWith('<div id="deals-panel">')).toBe(true);
    expect(html).toContain(`id="deal-${d.id}-err"`);
    expect(text(html)).toContain('changed while you were looking at it');
    const future = await t.form(`/deals/${d.id}/loss`, { lostReason: '', version: '1' });
    expect(future.status).toBe(422);
    expect(text(await future.text())).toContain('give the reason the deal was lost');
    expect(await everything()).toEqual(before);
  });

  it('deleting the only won deal sends the page back to the prospect, saying why', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db, { name: 'Acme Corp' });
    const [d] = await allDeals();
    const res = await t.form(`/deals/${d!.id}/deletion`, { version: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/prospects/${c.id}?deal=reversed#deals`);
    const page = text(await (await t.get(`/prospects/${c.id}?deal=reversed`)).text());
    expect(page).toContain('The only won deal was undone: Acme Corp is a prospect again, open and re-graded as of today.');
    expect(page).toContain('conversion reversed by web');
  });

  it('unknown deals are 404s', async () => {
    const t = testApp(db);
    for (const path of ['/deals/4242/win', '/deals/4242/loss', '/deals/4242/reopening', '/deals/4242/deletion', '/deals/abc/win']) expect((await t.form(path, {})).status).toBe(404);
    expect((await t.get('/deals/4242/edit')).status).toBe(404);
    const hx = await t.form('/deals/4242/win', {}, { 'HX-Request': 'true' });
    expect(hx.status).toBe(404);
    expect(hx.headers.get('hx-retarget')).toBe('#flash');
  });

  it('edits a deal on its current version, and refuses an old one with 409, keeping what was typed', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const [d] = await allDeals();
    const form = await (await t.get(`/deals/${d!.id}/edit`)).text();
    expect(inputValue(form, 'version')).toBe('1');
    expect(inputValue(form, 'value')).toBe('20000');
    const ok = await t.form(`/deals/${d!.id}`, { title: 'Licences', value: '100000', marginPct: '30', version: '1' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/customers/${c.id}?deal=saved#deals`);
    expect(await row(c.id)).toMatchObject({ tier: 'Key' });
    const stale = await t.form(`/deals/${d!.id}`, { title: 'Licences', value: '5', version: '1' });
    expect(stale.status).toBe(409);
    const html = await stale.text();
    expect(text(html)).toContain('changed by someone else');
    expect(inputValue(html, 'value')).toBe('5');
    expect(inputValue(html, 'version')).toBe('2');
    const bad = await t.form(`/deals/${d!.id}`, { title: 'Licences', value: '-1', version: '2' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('id="f-value-err">must be at least 0');
    expect((await allDeals())[0]).toMatchObject({ value: 100_000, version: 2 });
  });

  it('writes an audit row for every change, with who', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    await t.form(`/accounts/${p.id}/deals`, { title: 'Pilot', value: '1000' });
    const [d] = await allDeals();
    await t.form(`/deals/${d!.id}/win`, { version: '1' });
    await t.form(`/customers/${p.id}/payment`, { daysPaidLate: '12', version: String((await row(p.id)).version) });
    await t.form(`/deals/${d!.id}/reopening`, {});
    const audit = (await db.select().from(auditLog).orderBy(asc(auditLog.id))).filter((a) => a.actor !== 'test'); // not the fixtures' prospect and signal rows
    expect(audit.map((a) => [a.entity, a.action, a.actor])).toEqual([
      ['deal', 'created', 'web'],
      ['deal', 'won', 'web'],
      ['account', 'converted', 'web'],
      ['account', 'payment', 'web'],
      ['deal', 'reopened', 'web'],
      ['account', 'conversion_reversed', 'web'],
    ]);
    expect(audit[1]).toMatchObject({ before: expect.objectContaining({ status: 'open' }), after: expect.objectContaining({ status: 'won' }) });
  });
});

describe('the customer page', () => {
  it('shows the tier with its one-line reason and full explanation, closed at grade, deals, tier history and account history', async () => {
    const p = await hotProspect();
    await insertDeal(db, p.id, { title: 'Licences', status: 'won', closedOn: '2026-06-20' });
    const html = await (await testApp(db).get(`/customers/${p.id}`)).text();
    const body = text(html);
    expect(html).toContain('aria-label="Tier Standard, score 57.4"');
    expect(body).toContain('Closed at grade A on 2026-06-20');
    expect(body).toMatch(/Standard: score 57\.4 \(incomplete\) — sales 12 m 20 k → 50/);
    expect(body).toContain('Why Standard?');
    expect(body).toContain("Growth: first year, no sales in the 12 months before");
    expect(body).toContain('Tier Standard as of 2026-06-30.');
    expect(body).toContain('Licences · 20 k · margin 30 % · won');
    expect(body).toContain('converted by test'); // tier history and account history
    expect(body).toContain('closed at grade A on 2026-06-20'); // the conversion in the account history
    expect(body).toContain('deal created “Licences” by test'); // the activity from the audit log
    expect(body).toContain('account converted by test');
    expect(html).toContain(`action="/customers/${p.id}/payment"`);
  });

  it('scores the tier live as of today, and notes a stored tier that is out of date', async () => {
    const c = await insertCustomer(db, { name: 'Fading Foods', addedOn: '2025-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2025-06-15' }], '2025-06-15');
    const html = await (await testApp(db, '2026-07-01').get(`/customers/${c.id}`)).text();
    expect(html).toContain('aria-label="Tier Standard, score 33.8"');
    expect(text(html)).toContain('Stored tier Strategic (as of 2025-06-15); as of today it scores Standard.');
  });

  it('records days paid late, re-scoring the tier; refuses a bad value with 422 and an old version with 409', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const bad = await t.form(`/customers/${c.id}/payment`, { daysPaidLate: '-3', version: String(c.version) });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('id="f-daysPaidLate-err">must be at least 0');
    expect(inputValue(badHtml, 'daysPaidLate')).toBe('-3');
    const ok = await t.form(`/customers/${c.id}/payment`, { daysPaidLate: '0', version: String(c.version) });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/customers/${c.id}?saved=payment#payment`);
    expect(await row(c.id)).toMatchObject({ daysPaidLate: 0, tier: 'Key', tierScore: 65.9 });
    expect(text(await (await t.get(`/customers/${c.id}?saved=payment`)).text())).toContain('Payment record saved; the tier is re-scored.');
    const stale = await t.form(`/customers/${c.id}/payment`, { daysPaidLate: '45', version: String(c.version) });
    expect(stale.status).toBe(409);
    expect(text(await stale.text())).toContain('changed by someone else');
    expect(await row(c.id)).toMatchObject({ daysPaidLate: 0 });
  });

  it('shows the activity trail’s times in the organisation’s time zone (TZ_ORG), as the audit trail does', async () => {
    const c = await insertCustomer(db, { name: 'Zone Foods' }, [{ title: 'Zoned' }]);
    // The deal created at 02:30 UTC on July 1, which is 22:30 on June 30 in New York (UTC−4 in
    // summer); the conversion at 14:05 UTC, 10:05 there.
    await db.update(auditLog).set({ at: new Date('2026-07-01T02:30:00Z') }).where(and(eq(auditLog.accountId, c.id), eq(auditLog.entity, 'deal')));
    await db.update(auditLog).set({ at: new Date('2026-07-01T14:05:00Z') }).where(and(eq(auditLog.accountId, c.id), eq(auditLog.action, 'converted')));
    const ny = text(await (await testApp(db, '2026-06-30', undefined, { env: { TZ_ORG: 'America/New_York' } }).get(`/customers/${c.id}`)).text());
    expect(ny).toContain('2026-06-30 22:30 · deal created “Zoned” by test');
    expect(ny).toContain('2026-07-01 10:05 · account converted by test');
    expect(ny).not.toContain('2026-07-01 02:30');
    expect(ny).not.toContain('14:05');
    // With TZ_ORG unset (UTC) the same instants read as UTC.
    const utc = text(await (await testApp(db).get(`/customers/${c.id}`)).text());
    expect(utc).toContain('2026-07-01 02:30 · deal created “Zoned” by test');
    expect(utc).toContain('2026-07-01 14:05 · account converted by test');
  });

  it('a converted account lives at /customers/:id: its prospect address redirects there, and the other way round', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const p = await insertProspect(db);
    const toCustomer = await t.get(`/prospects/${c.id}`);
    expect(toCustomer.status).toBe(303);
    expect(toCustomer.headers.get('location')).toBe(`/customers/${c.id}`);
    const toProspect = await t.get(`/customers/${p.id}`);
    expect(toProspect.status).toBe(303);
    expect(toProspect.headers.get('location')).toBe(`/prospects/${p.id}`);
    for (const path of ['/customers/4242', '/customers/abc', '/prospects/4242']) expect((await t.get(path)).status).toBe(404);
  });
});

describe('the customers list', () => {
  async function seed() {
    const strategic = await insertCustomer(db, { name: 'Summit Steel', domain: 'summit.io' }, [{ value: 250_000, marginPct: 45 }]); // 91.1
    const key = await insertCustomer(db, { name: 'Keystone Kitchens', domain: 'keystone.io' }, [{ value: 100_000 }]); // 74.3
    const standard = await insertCustomer(db, { name: 'Alder Apparel', domain: 'alder.io' }, [{ value: 20_000 }]); // 57.4
    const old = await insertCustomer(db, { name: 'Old Oak', domain: 'oak.io', addedOn: '2025-01-01' }, [{ value: 20_000, closedOn: '2025-02-01' }], '2025-02-01'); // tiered 2025-02-01
    await insertProspect(db, { name: 'Prospect Pete', domain: 'pete.io' });
    return { strategic, key, standard, old };
  }

  it('shows counts per tier and customers sorted by score, each with its one-line reason; prospects are not listed', async () => {
    await seed();
    const html = await (await testApp(db).get('/customers')).text();
    const body = text(html);
    expect(body).toMatch(/All 4/);
    expect(html).toMatch(/data-tier="Strategic"><span class="tier t-strategic"[^>]*>Strategic<\/span> <span class="n">1</);
    expect(html).toMatch(/data-tier="Standard"><span class="tier t-standard"[^>]*>Standard<\/span> <span class="n">2</);
    const order = ['Summit Steel', 'Keystone Kitchens', 'Alder Apparel', 'Old Oak'].map((n) => body.indexOf(n));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(body).not.toContain('Prospect Pete');
    expect(body).toMatch(/Key: score 74\.3/);
  });

  it('filters by tier, by a tier change in the last N days, and by name or domain; sorts by name', async () => {
    await seed();
    const t = testApp(db);
    const key = text(await (await t.get('/customers?tier=Key')).text());
    expect(key).toContain('Keystone Kitchens');
    expect(key).not.toContain('Summit Steel');
    const recent = text(await (await t.get('/customers?changedDays=30')).text());
    expect(recent).toContain('Alder Apparel');
    expect(recent).not.toContain('Old Oak');
    expect(text(await (await t.get('/customers?changedDays=365')).text())).not.toContain('Old Oak');
    expect(text(await (await t.get('/customers?changedDays=3650')).text())).toContain('Old Oak');
    const search = text(await (await t.get('/customers?q=summit.io')).text());
    expect(search).toContain('Summit Steel');
    expect(search).not.toContain('Alder Apparel');
    const byName = text(await (await t.get('/customers?sort=name')).text());
    expect(byName.indexOf('Alder Apparel')).toBeLessThan(byName.indexOf('Summit Steel'));
    expect(byName.indexOf('Old Oak')).toBeLessThan(byName.indexOf('Summit Steel'));
    const lowFirst = text(await (await t.get('/customers?dir=asc')).text());
    expect(lowFirst.indexOf('Alder Apparel')).toBeLessThan(lowFirst.indexOf('Summit Steel'));
  });

  it('answers an htmx filter request with the results fragment only', async () => {
    await seed();
    const res = await testApp(db).get('/customers?tier=Strategic', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
    expect(res.headers.get('vary')).toContain('HX-Request');
    const html = await res.text();
    expect(html.startsWith('<div id="results">')).toBe(true);
    expect(text(html)).toContain('Summit Steel');
  });

  it('paginates 50 to a page', async () => {
    for (let i = 0; i < 52; i++) await insertCustomer(db, { name: `Firm ${String(i).padStart(2, '0')}`, domain: `firm${i}.com` });
    const t = testApp(db);
    const p1 = await (await t.get('/customers?sort=name')).text();
    expect(p1.match(/<tr>/g)!.length - 1).toBe(50);
    expect(text(p1)).toContain('page 1 of 2');
    const p2 = text(await (await t.get('/customers?sort=name&page=2')).text());
    expect(p2).toContain('Firm 51');
    expect(p2).not.toContain('Firm 49');
  });

  it('exports the filtered list as CSV', async () => {
    await seed();
    const res = await testApp(db).get('/customers.csv?tier=Standard');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('id,name,domain,industry,tier,score,reason,tiered_on,converted_on,closed_grade,days_paid_late');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d+,Alder Apparel,alder\.io,,Standard,57\.4,"?Standard: score 57\.4/);
    expect(lines[2]).toContain('Old Oak');
  });

  it('ignores a malformed query string rather than failing', async () => {
    expect((await testApp(db).get('/customers?changedDays=-3&page=0&sort=evil')).status).toBe(200);
  });
});

describe('the re-tier page', () => {
  it('previews the changes without writing, and applies them with one button', async () => {
    const fading = await insertCustomer(db, { name: 'Fading Foods', addedOn: '2025-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2025-06-15' }], '2025-06-15');
    await insertCustomer(db, { name: 'Steady Steel' }, [{ value: 250_000, marginPct: 45, closedOn: '2026-06-01' }], '2026-06-01');
    const t = testApp(db, '2026-07-01');
    const before = await everything();
    const html = await (await t.get('/tiering')).text();
    const body = text(html);
    expect(body).toContain('1 of 2 customers would change tier');
    expect(html).toContain(`data-move="${fading.id}"`);
    expect(body).toMatch(/Fading Foods Strategic Standard 91\.1 → 33\.8/);
    expect(body).not.toMatch(/Steady Steel Strategic/);
    expect(await everything()).toEqual(before);

    const applied = await t.form('/tiering/runs', {});
    expect(applied.status).toBe(303);
    expect(applied.headers.get('location')).toBe('/tiering?applied=1&updated=1');
    expect(text(await (await t.get('/tiering?applied=1&updated=1')).text())).toContain('Re-tier applied: 1 tier change recorded, 1 customers re-scored.');
    expect(await row(fading.id)).toMatchObject({ tier: 'Standard' });
    expect((await db.select().from(tierChanges)).filter((c) => c.cause === 'manual')).toEqual([expect.objectContaining({ accountId: fading.id, actor: 'web' })]);
    expect(text(await (await t.get('/tiering')).text())).toContain('0 of 2 customers would change tier');
  });

  it('is linked from every page', async () => {
    const html = await (await testApp(db).get('/prospects')).text();
    expect(html).toContain('<a href="/customers"');
    expect(html).toContain('<a href="/tiering"');
  });
});
