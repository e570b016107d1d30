import { beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, auditLog, deals, users } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';
import { takeSnapshot } from '../../src/review/snapshot.ts';
import { addActionItem } from '../../src/review/meeting.ts';

// Two people edit one record at once, both from the page (or the API answer) they read at the
// same version: exactly one edit is saved, the other is refused with 409 and keeps what its user
// typed (the form shows their values, with the new version, ready to save again), and the audit
// trail has one edit. On PostgreSQL the requests really overlap (a pool of connections); on
// PGlite they take turns. Each case runs several rounds, for more interleavings.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const ROUNDS = 4;
const TODAY = '2026-06-30';
// Two people: a manager on one browser, an admin on another (each with their own session and token).
const mona = () => testApp(db, TODAY, undefined, { as: PEOPLE.manager });
const ada = () => testApp(db, TODAY, undefined, { as: 'admin' });

const edits = (entityId: number, action: string) => db.select().from(auditLog).where(and(eq(auditLog.entityId, entityId), eq(auditLog.action, action)));

/** The two answers as [winner, loser], asserting that there is one of each. */
function split(results: Response[], ok: number): [number, number] {
  const statuses = results.map((r) => r.status);
  expect(statuses.slice().sort(), `statuses ${statuses}`).toEqual([ok, 409].sort());
  const w = statuses.indexOf(ok);
  return [w, 1 - w];
}

describe(`two edits of one record on the same version (${testDb()})`, () => {
  it('a prospect, from two edit pages: one saved, the other 409 with its values kept', async () => {
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const p = await insertProspect(db);
      const form = (employees: number, industry: string) => ({ name: p.name, domain: p.domain!, industry, employees, revenue: 40_000_000, growthPct: 15, need: 'high', situation: '', addedOn: p.addedOn, version: 1 });
      const typed = [form(1111, 'Mona typed this'), form(2222, 'Ada typed that')];
      const res = await Promise.all(apps.map((a, i) => a.form(`/prospects/${p.id}`, typed[i]!)));
      const [w, l] = split(res, 303);
      const [stored] = await db.select().from(accounts).where(eq(accounts.id, p.id));
      expect(stored).toMatchObject({ employees: typed[w]!.employees, industry: typed[w]!.industry, version: 2 });
      const page = await res[l]!.text();
      expect(text(page)).toContain('was changed by someone else while you edited it. Your values are kept below');
      // The loser's own values, and the version they would now overwrite.
      expect(inputValue(page, 'employees')).toBe(String(typed[l]!.employees));
      expect(inputValue(page, 'industry')).toBe(typed[l]!.industry);
      expect(inputValue(page, 'version')).toBe('2');
      expect(await edits(p.id, 'edited')).toHaveLength(1);
    }
  });

  it('a prospect, through the API: one 200, the other 409 with the saved record', async () => {
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const p = await insertProspect(db);
      const bodies = [{ version: 1, employees: 700 + round }, { version: 1, growthPct: -5, need: 'low' }];
      const res = await Promise.all(apps.map((a, i) => a.json('PATCH', `/api/prospects/${p.id}`, bodies[i])));
      const [w, l] = split(res, 200);
      const won = await res[w]!.json();
      expect(await res[l]!.json()).toMatchObject({ currentVersion: 2, current: { ...bodies[w], version: 2 } });
      const [stored] = await db.select().from(accounts).where(eq(accounts.id, p.id));
      expect(stored).toMatchObject({ ...bodies[w], version: 2, grade: won.grade, fit: won.fit });
      expect(await edits(p.id, 'edited')).toHaveLength(1);
    }
  });

  it('a deal, from two edit pages and through the API', async () => {
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const p = await insertProspect(db);
      const deal = (await insertDeal(db, p.id, { value: 10_000 })).deal!;
      const typed = [
        { title: 'Mona’s title', value: '11000', marginPct: '20', expectedCloseOn: '2026-09-01', version: String(deal.version) },
        { title: 'Ada’s title', value: '22000', marginPct: '35', expectedCloseOn: '2026-10-01', version: String(deal.version) },
      ];
      const res = await Promise.all(apps.map((a, i) => a.form(`/deals/${deal.id}`, typed[i]!)));
      const [w, l] = split(res, 303);
      const [stored] = await db.select().from(deals).where(eq(deals.id, deal.id));
      expect(stored).toMatchObject({ title: typed[w]!.title, value: Number(typed[w]!.value), version: deal.version + 1 });
      const page = await res[l]!.text();
      expect(text(page)).toContain('Your values are kept below');
      expect(inputValue(page, 'value')).toBe(typed[l]!.value);
      expect(inputValue(page, 'version')).toBe(String(deal.version + 1));

      const api = await Promise.all(apps.map((a, i) => a.json('PATCH', `/api/deals/${deal.id}`, { version: deal.version + 1, value: 30_000 + i })));
      const [aw, al] = split(api, 200);
      expect(await api[al]!.json()).toMatchObject({ currentVersion: deal.version + 2, current: { value: 30_000 + aw } });
      expect((await db.select().from(deals).where(eq(deals.id, deal.id)))[0]).toMatchObject({ value: 30_000 + aw, version: deal.version + 2 });
    }
  });

  it('a customer’s payment record: one saved, the other 409 with its value kept', async () => {
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const c = await insertCustomer(db);
      const res = await Promise.all(apps.map((a, i) => a.form(`/customers/${c.id}/payment`, { daysPaidLate: String(10 + i), version: String(c.version) })));
      const [w, l] = split(res, 303);
      expect((await db.select().from(accounts).where(eq(accounts.id, c.id)))[0]).toMatchObject({ daysPaidLate: 10 + w, version: c.version + 1 });
      const page = await res[l]!.text();
      expect(inputValue(page, 'daysPaidLate')).toBe(String(10 + l));
      expect(text(page)).toContain('was changed by someone else');
      expect(await edits(c.id, 'payment')).toHaveLength(1);
    }
  });

  it('a rep on the team: one saved, the other 409 with its values kept (never a password)', async () => {
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const rep = await ensureUser(db, { email: `rep${round}@test.invalid`, name: `Rep ${round}`, role: 'rep', level: 2 });
      const typed = [0, 1].map((i) => ({ email: rep.email, name: `Rep ${round} by ${i ? 'Ada' : 'Mona'}`, role: 'rep', level: String(2 + i), capacity: String(80 + i), region: i ? 'South' : 'North', state: 'active', version: String(rep.version), password: '' }));
      const res = await Promise.all(apps.map((a, i) => a.form(`/team/${rep.id}`, typed[i]!)));
      const [w, l] = split(res, 303);
      expect((await db.select().from(users).where(eq(users.id, rep.id)))[0]).toMatchObject({ name: typed[w]!.name, level: 2 + w, version: rep.version + 1 });
      const page = await res[l]!.text();
      expect(text(page)).toContain('was changed by someone else while you edited. Your values are kept below');
      expect(inputValue(page, 'name')).toBe(typed[l]!.name);
      expect(inputValue(page, 'version')).toBe(String(rep.version + 1));

      const api = await Promise.all(apps.map((a, i) => a.json('PATCH', `/api/users/${rep.id}`, { version: rep.version + 1, capacity: 50 + i })));
      const [aw, al] = split(api, 200);
      expect(await api[al]!.json()).toMatchObject({ currentVersion: rep.version + 2, current: { capacity: 50 + aw } });
    }
  });

  it('an action item of the weekly review: one change saved, the other 409 with the saved one', async () => {
    const owner = await ensureUser(db, PEOPLE.rep);
    await takeSnapshot(db, { today: TODAY, actor: 'test' });
    const apps = [mona(), ada()];
    for (let round = 0; round < ROUNDS; round++) {
      const made = await addActionItem(db, '2026-06-29', { text: `Item ${round}`, ownerId: owner.id, dueOn: '2026-07-03', accountId: null }, { today: TODAY, actor: { name: 'test' } });
      if (!made.ok) throw new Error('no item');
      const res = await Promise.all([apps[0]!.json('PATCH', `/api/action-items/${made.item.id}`, { version: 1, text: 'Mona’s wording' }), apps[1]!.json('PATCH', `/api/action-items/${made.item.id}`, { version: 1, status: 'done' })]);
      const [w, l] = split(res, 200);
      const current = (await res[l]!.json()).current;
      expect(current.version).toBe(2);
      expect(w === 0 ? current.text : current.status).toBe(w === 0 ? 'Mona’s wording' : 'done');
      // The loser's change was not merged in.
      expect(w === 0 ? current.status : current.text).toBe(w === 0 ? 'open' : `Item ${round}`);
    }
  });
});
