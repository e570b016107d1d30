import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, auditLog, tierChanges, type UserRow } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer } from '../support/customers.ts';

// A rep's home (GET /home, and its JSON twin GET /api/home), as of 2026-06-30 with the default
// policy: customers are due a call and a visit by tier, open prospects a touch by grade.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const own = (id: number, owner: UserRow) => db.update(accounts).set({ ownerId: owner.id }).where(eq(accounts.id, id));

/**
 * Rita's accounts, by how overdue they are:
 *   Gamma Ltd   Strategic customer converted 2026-03-01, never touched since: call due 03-31 (91 days), visit due 05-30 (31)
 *   Alpha Inc   C (no timing, fit 79.5), last call 2026-05-01: touch due 05-31 (30 days); quiet 60 days: stale
 *   Beta GmbH   A (selection started 2026-06-01), last email 2026-06-13: due 06-20 (10 days)
 *   Delta SA    C, called 2026-06-20: due 07-20, not overdue
 * and Otto's Omega plc: C, added 2026-01-01 and never touched: due 01-31 (150 days); stale.
 */
async function pipeline() {
  const rita = await ensureUser(db, PEOPLE.rep);
  const otto = await ensureUser(db, PEOPLE.otherRep);
  const gamma = await insertCustomer(db, { name: 'Gamma Ltd', addedOn: '2025-06-01' }, [{ closedOn: '2026-03-01' }]);
  await db.update(accounts).set({ tier: 'Strategic' }).where(eq(accounts.id, gamma.id));
  const alpha = await insertProspect(db, { name: 'Alpha Inc', addedOn: '2026-01-01' });
  await insertSignal(db, alpha.id, { type: 'call', date: '2026-05-01' });
  const beta = await insertProspect(db, { name: 'Beta GmbH', addedOn: '2026-01-01' });
  await insertSignal(db, beta.id, { type: 'selection_started', date: '2026-06-01' });
  await insertSignal(db, beta.id, { type: 'email', date: '2026-06-13' });
  const delta = await insertProspect(db, { name: 'Delta SA', addedOn: '2026-01-01' });
  await insertSignal(db, delta.id, { type: 'call', date: '2026-06-20' });
  const omega = await insertProspect(db, { name: 'Omega plc', addedOn: '2026-01-01' });
  for (const a of [gamma, alpha, beta, delta]) await own(a.id, rita);
  await own(omega.id, otto);
  return { rita, otto, gamma, alpha, beta, delta, omega };
}

/** The text of the table (or list) marked data-testid="…" on a page. */
function section(html: string, testid: string): string {
  const at = html.indexOf(`data-testid="${testid}"`);
  if (at < 0) return '';
  const start = html.indexOf('>', at) + 1;
  const end = html.indexOf(testid === 'changes' ? '</ol>' : '</table>', start);
  return text(html.slice(start, end));
}

describe('a rep’s home', () => {
  it('lists only their overdue touches, most overdue first, with what is due and by how many days', async () => {
    await pipeline();
    const res = await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/home');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(text(html)).toContain('Home · Rita Rep');
    const overdue = section(html, 'overdue');
    expect(overdue).not.toContain('Omega plc');
    expect(overdue).not.toContain('Delta SA');
    const order = ['Gamma Ltd Strategic call', 'Gamma Ltd Strategic visit', 'Alpha Inc C touch', 'Beta GmbH A touch'].map((s) => overdue.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(overdue).toContain('call every 30 days, due 2026-03-31 91 days never');
    expect(overdue).toContain('touch every 30 days, due 2026-05-31 30 days 2026-05-01');
    expect(overdue).toContain('touch every 7 days, due 2026-06-20 10 days 2026-06-13');
    // A rep sees no owner column and no picker of reps.
    expect(html).not.toContain('name="rep"');
  });

  it('the JSON twin answers the same, for the token’s own rep', async () => {
    const { rita, gamma, alpha, beta } = await pipeline();
    const res = await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/api/home');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rep).toEqual({ id: rita.id, name: 'Rita Rep' });
    expect(body.overdue.total).toBe(4);
    expect(body.overdue.rows.map((r: { accountId: number; touch: string; daysOverdue: number }) => [r.accountId, r.touch, r.daysOverdue])).toEqual([
      [gamma.id, 'call', 91],
      [gamma.id, 'visit', 31],
      [alpha.id, 'touch', 30],
      [beta.id, 'touch', 10],
    ]);
    expect(body.stale.rows.map((r: { name: string }) => r.name)).toEqual(['Alpha Inc']);
    expect(body.aList.rows).toEqual([expect.objectContaining({ id: beta.id, name: 'Beta GmbH', closeBy: '2026-09-01' })]);
  });

  it('shows their A list with close-by dates and their stale prospects, not anyone else’s', async () => {
    await pipeline();
    const html = await (await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/home')).text();
    expect(section(html, 'a-list')).toContain('Beta GmbH');
    expect(section(html, 'a-list')).toContain('2026-09-01 63 days left');
    expect(section(html, 'stale')).toContain('Alpha Inc');
    expect(section(html, 'stale')).toContain('quiet 60 days');
    expect(section(html, 'stale')).not.toContain('Omega plc');
  });

  it('may not look at another rep’s home, on the page or through the API', async () => {
    const { otto } = await pipeline();
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const page = await t.get(`/home?rep=${otto.id}`);
    expect(page.status).toBe(403);
    expect(text(await page.text())).toContain('Reps see their own home');
    expect((await t.get('/home?rep=team')).status).toBe(403);
    const api = await t.get(`/api/home?rep=${otto.id}`);
    expect(api.status).toBe(403);
    expect((await api.json()).error).toContain('Reps see their own home');
  });

  it('GET / leads to the home page', async () => {
    const res = await testApp(db).get('/?rep=7');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/home?rep=7');
  });
});

describe('a manager’s home', () => {
  it('shows the whole team by default, with owners, and a picker of reps', async () => {
    await pipeline();
    const html = await (await testApp(db).get('/home')).text();
    expect(text(html)).toContain('Team home');
    const overdue = section(html, 'overdue');
    expect(overdue.indexOf('Omega plc')).toBeGreaterThanOrEqual(0);
    expect(overdue.indexOf('Omega plc')).toBeLessThan(overdue.indexOf('Gamma Ltd'));
    expect(overdue).toContain('Otto Rep');
    expect(overdue).toContain('Rita Rep');
    expect(html).toMatch(/<select id="f-rep" name="rep">/);
    expect(html).toContain('>Otto Rep</option>');
    expect(html).toContain('>Rita Rep</option>');
  });

  it('can pick a rep: then only that rep’s accounts show, and the picker keeps the choice', async () => {
    const { otto } = await pipeline();
    const res = await testApp(db).get(`/home?rep=${otto.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(text(html)).toContain('Home · Otto Rep');
    const overdue = section(html, 'overdue');
    expect(overdue).toContain('Omega plc');
    expect(overdue).not.toContain('Gamma Ltd');
    expect(html).toContain(`<option value="${otto.id}" selected="">Otto Rep</option>`);
    const api = await (await testApp(db).get(`/api/home?rep=${otto.id}`)).json();
    expect(api.overdue.rows.map((r: { name: string }) => r.name)).toEqual(['Omega plc']);
    expect(api.stale.rows.map((r: { name: string }) => r.name)).toEqual(['Omega plc']);
  });

  it('answers a bad or unknown rep with 4xx and a clear message', async () => {
    await pipeline();
    const t = testApp(db);
    const bad = await t.get('/home?rep=abc');
    expect(bad.status).toBe(422);
    expect(text(await bad.text())).toContain('rep must be a person’s number, or empty for the whole team');
    const unknown = await t.get('/home?rep=99999');
    expect(unknown.status).toBe(404);
    expect(text(await unknown.text())).toContain('There is no person number 99999');
    const api = await t.get('/api/home?rep=-3');
    expect(api.status).toBe(422);
    expect(await api.json()).toMatchObject({ error: 'validation failed', issues: [{ path: 'rep' }] });
  });
});

describe('what changed since last week', () => {
  it('lists the week’s grade, tier and owner changes, new accounts and conversions on the rep’s accounts, newest first, and nothing older', async () => {
    const rita = await ensureUser(db, PEOPLE.rep);
    const otto = await ensureUser(db, PEOPLE.otherRep);
    // Graded C on 2026-06-10 (created), A on 2026-06-28: only the move to A is this week's.
    const hot = await insertProspect(db, { name: 'Hot Co', addedOn: '2026-06-10' }, '2026-06-10');
    await insertSignal(db, hot.id, { type: 'selection_started', date: '2026-06-28' }, '2026-06-28');
    // Moved to C on 2026-06-15: before the week.
    const old = await insertProspect(db, { name: 'Old News', addedOn: '2026-06-01' }, '2026-06-01');
    await insertSignal(db, old.id, { type: 'need_no_urgency', date: '2026-06-15' }, '2026-06-15');
    const fresh = await insertProspect(db, { name: 'Fresh Co', addedOn: '2026-06-27' });
    const won = await insertCustomer(db, { name: 'Won Co', addedOn: '2026-01-01' }, [{ closedOn: '2026-06-29' }]);
    await db.insert(tierChanges).values({ accountId: won.id, fromTier: 'Key', toTier: 'Strategic', score: 80, reasons: [], cause: 'deal', actor: 'Rita Rep', asOf: '2026-06-30' });
    const given = await insertProspect(db, { name: 'Given Co', addedOn: '2026-01-01' });
    await db.insert(auditLog).values({
      at: new Date('2026-06-29T10:00:00Z'),
      actor: 'Mona Manager',
      entity: 'account',
      entityId: given.id,
      accountId: given.id,
      action: 'owner_changed',
      before: { ownerId: otto.id, owner: 'Otto Rep' },
      after: { ownerId: rita.id, owner: 'Rita Rep' },
    });
    // The ownership rules' own assignments count too, but not a new account's first owner.
    const moved = await insertProspect(db, { name: 'Moved Co', addedOn: '2026-01-01' });
    const assigned = (accountId: number, at: string, from: UserRow | null) =>
      db.insert(auditLog).values({
        at: new Date(at),
        actor: 'daily re-grade',
        entity: 'account',
        entityId: accountId,
        accountId,
        action: 'owner_assigned',
        before: { ownerId: from?.id ?? null, owner: from?.name ?? null },
        after: { ownerId: rita.id, owner: 'Rita Rep' },
      });
    await assigned(moved.id, '2026-06-25T03:00:00Z', otto);
    await assigned(fresh.id, '2026-06-27T09:00:00Z', null);
    const others = await insertProspect(db, { name: 'Not Hers', addedOn: '2026-06-28' });
    for (const a of [hot, old, fresh, won, given, moved]) await own(a.id, rita);
    await own(others.id, otto);

    const body = await (await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/api/home')).json();
    expect(body.changes.from).toBe('2026-06-24');
    expect(body.changes.rows.map((r: { on: string; kind: string; accountName: string; from: string | null; to: string | null }) => [r.on, r.kind, r.accountName, r.from, r.to])).toEqual([
      ['2026-06-30', 'tier', 'Won Co', 'Key', 'Strategic'],
      // The same day, the later first: the conversion happened now (its row's time is the real clock's).
      ['2026-06-29', 'converted', 'Won Co', null, 'C'],
      ['2026-06-29', 'owner', 'Given Co', 'Otto Rep', 'Rita Rep'],
      ['2026-06-28', 'grade', 'Hot Co', 'C', 'A'],
      ['2026-06-27', 'new', 'Fresh Co', null, 'C'],
      ['2026-06-25', 'owner', 'Moved Co', 'Otto Rep', 'Rita Rep'],
    ]);
    expect(body.changes.counts).toEqual({ grade: 1, tier: 1, owner: 2, new: 1, converted: 1 });

    const html = await (await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/home')).text();
    const changes = section(html, 'changes');
    expect(changes).toContain('2026-06-28 · Grade · Hot Co : C → A Selection started 2026-06-28, close by 2026-09-28; fit 79.5');
    expect(changes).toContain('2026-06-29 · Owner · Given Co : Otto Rep → Rita Rep by Mona Manager');
    expect(changes).not.toContain('Old News');
    expect(changes).not.toContain('Not Hers');

    // Otto lost Given Co this week: it is on his list too.
    const ottos = await (await testApp(db).get(`/api/home?rep=${otto.id}`)).json();
    expect(ottos.changes.rows.map((r: { kind: string; accountName: string }) => `${r.kind} ${r.accountName}`)).toEqual(['owner Given Co', 'new Not Hers', 'owner Moved Co']);
  });
});
