import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, policies, signals, type UserRow } from '../../src/db/schema.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer } from '../support/customers.ts';

// Contact cadence (DOMAIN.md §5) over HTTP: GET /api/cadence/overdue, and the next touch on the
// prospect and customer pages. As of 2026-06-30, default policy unless a test stores another.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const own = (id: number, owner: UserRow) => db.update(accounts).set({ ownerId: owner.id }).where(eq(accounts.id, id));

/** Rita: Alpha (C, called 05-01: 30 days overdue), Beta (C, called 06-10: due 07-10). Otto: Omega (C, never touched since 01-01: 150 days). */
async function pipeline() {
  const rita = await ensureUser(db, PEOPLE.rep);
  const otto = await ensureUser(db, PEOPLE.otherRep);
  const alpha = await insertProspect(db, { name: 'Alpha Inc', addedOn: '2026-01-01' });
  await insertSignal(db, alpha.id, { type: 'call', date: '2026-05-01' });
  const beta = await insertProspect(db, { name: 'Beta GmbH', addedOn: '2026-01-01' });
  await insertSignal(db, beta.id, { type: 'call', date: '2026-06-10' });
  const omega = await insertProspect(db, { name: 'Omega plc', addedOn: '2026-01-01' });
  await own(alpha.id, rita);
  await own(beta.id, rita);
  await own(omega.id, otto);
  return { rita, otto, alpha, beta, omega };
}

type Row = { accountId: number; name: string; touch: string; daysOverdue: number; dueOn: string; lastOn: string | null; ownerName: string | null };
const names = (body: { overdue: Row[] }) => body.overdue.map((r) => r.name);

describe('GET /api/cadence/overdue', () => {
  it('gives a rep their own overdue touches only', async () => {
    const { rita, alpha } = await pipeline();
    const res = await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get('/api/cadence/overdue');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ asOf: '2026-06-30', owner: rita.id, total: 1 });
    expect(body.overdue).toEqual([
      { accountId: alpha.id, name: 'Alpha Inc', kind: 'prospect', grade: 'C', tier: null, ownerId: rita.id, ownerName: 'Rita Rep', touch: 'touch', everyDays: 30, lastOn: '2026-05-01', dueOn: '2026-05-31', daysOverdue: 30 },
    ]);
  });

  it('gives a manager everyone’s, most overdue first, or one owner’s, cut at the limit with the full total', async () => {
    const { otto } = await pipeline();
    const t = testApp(db);
    expect(names(await (await t.get('/api/cadence/overdue')).json())).toEqual(['Omega plc', 'Alpha Inc']);
    expect(names(await (await t.get(`/api/cadence/overdue?owner=${otto.id}`)).json())).toEqual(['Omega plc']);
    const cut = await (await t.get('/api/cadence/overdue?limit=1')).json();
    expect(cut).toMatchObject({ total: 2, owner: null });
    expect(names(cut)).toEqual(['Omega plc']);
  });

  it('refuses a rep another owner’s list', async () => {
    const { otto, rita } = await pipeline();
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const res = await t.get(`/api/cadence/overdue?owner=${otto.id}`);
    expect(res.status).toBe(403);
    expect((await res.json()).error).toContain('reps see their own overdue touches');
    expect((await t.get(`/api/cadence/overdue?owner=${rita.id}`)).status).toBe(200);
  });

  it.each([
    ['limit=0', 'limit', 'must be at least 1'],
    ['limit=501', 'limit', 'must be at most 500'],
    ['limit=lots', 'limit', 'must be a number from 1 to 500'],
    ['limit=2.5', 'limit', 'must be a whole number'],
    ['owner=rita', 'owner', 'must be a person’s number'],
  ])('answers ?%s with 422 naming the parameter', async (qs, path, message) => {
    await pipeline();
    const res = await testApp(db).get(`/api/cadence/overdue?${qs}`);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'validation failed', issues: [{ path, message }] });
  });

  it('follows the policy: a longer C interval takes Alpha off the list, a shorter one puts Beta on it', async () => {
    await pipeline();
    const t = testApp(db);
    const { policy } = await currentPolicy(db);
    await db.insert(policies).values({ body: { ...policy, cadence: { ...policy.cadence, byGrade: { ...policy.cadence.byGrade, C: 60 } } }, note: 'C every 60 days' });
    // Alpha: 05-01 + 60 = 06-30, due today, not overdue. Omega: 01-01 + 60 = 03-02, 120 days.
    const longer = await (await t.get('/api/cadence/overdue')).json();
    expect(longer.overdue.map((r: Row) => [r.name, r.daysOverdue])).toEqual([['Omega plc', 120]]);
    await db.insert(policies).values({ body: { ...policy, cadence: { ...policy.cadence, byGrade: { ...policy.cadence.byGrade, C: 10 } } }, note: 'C every 10 days' });
    // Beta: 06-10 + 10 = 06-20, 10 days.
    const shorter = await (await t.get('/api/cadence/overdue')).json();
    expect(shorter.overdue.map((r: Row) => [r.name, r.daysOverdue])).toEqual([
      ['Omega plc', 170],
      ['Alpha Inc', 50],
      ['Beta GmbH', 10],
    ]);
  });
});

describe('the next touch on an account’s page', () => {
  it('a prospect shows its touch overdue, and once a call is logged, when the next is due', async () => {
    const { alpha } = await pipeline();
    const t = testApp(db);
    const before = await (await t.get(`/prospects/${alpha.id}`)).text();
    expect(text(before)).toContain('Touch overdue by 30 days (due 2026-05-31; every 30 days; last 2026-05-01)');
    expect(before).toContain('class="cadence overdue"');
    // Logged with htmx: the grade card swapped in carries the new cadence too.
    const res = await t.form(`/prospects/${alpha.id}/signals`, { type: 'call', date: '2026-06-29' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    expect(text(await res.text())).toContain('Next touch due 2026-07-29 (in 29 days; every 30 days; last 2026-06-29)');
  });

  it('a lost prospect shows no cadence', async () => {
    const { alpha } = await pipeline();
    await db.update(accounts).set({ status: 'lost' }).where(eq(accounts.id, alpha.id));
    const html = await (await testApp(db).get(`/prospects/${alpha.id}`)).text();
    expect(html).not.toContain('data-testid="cadence"');
  });

  it('a customer shows its call and its visit, counted from its conversion and its touches since', async () => {
    const c = await insertCustomer(db, { name: 'Gamma Ltd', addedOn: '2025-06-01' }, [{ closedOn: '2026-03-01' }]);
    await db.update(accounts).set({ tier: 'Key' }).where(eq(accounts.id, c.id));
    // A call before the conversion does not count; a meeting (a call and a visit) after it does.
    await db.insert(signals).values([
      { accountId: c.id, type: 'call', date: '2026-01-10' },
      { accountId: c.id, type: 'email', date: '2026-06-01' },
    ]);
    const page = text(await (await testApp(db).get(`/customers/${c.id}`)).text());
    // Key: call every 90 days from 03-01 → 05-30, 31 days overdue; visit every 180 → 08-28.
    expect(page).toContain('Call overdue by 31 days (due 2026-05-30; every 90 days; last 2026-01-10)');
    expect(page).toContain('Next visit due 2026-08-28 (in 59 days; every 180 days; none yet)');
    await db.insert(signals).values({ accountId: c.id, type: 'meeting', date: '2026-06-15' });
    const after = text(await (await testApp(db).get(`/customers/${c.id}`)).text());
    expect(after).toContain('Next call due 2026-09-13 (in 75 days; every 90 days; last 2026-06-15)');
    expect(after).toContain('Next visit due 2026-12-12 (in 165 days; every 180 days; last 2026-06-15)');
  });
});
