import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, deals, signals, users } from '../../src/db/schema.ts';
import { takeSnapshot } from '../../src/review/snapshot.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertCustomer } from '../support/customers.ts';
import { insertProspect } from '../support/factories.ts';
import { changedTables, tableDigest } from '../fuzz/harness.ts';

// The API's creation routes refuse a field they do not know (a misspelt one, most often), as its
// edits do: 422 naming the field, and nothing stored. Dropping it silently would store the thing
// without what the client meant to say. The pages' forms keep ignoring extra fields, since
// browsers send some (the submit button, a token).

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const WEEK = '2026-06-29'; // the Monday of 2026-06-30

async function setup() {
  const rep = await ensureUser(db, PEOPLE.rep);
  const prospect = await insertProspect(db);
  const customer = await insertCustomer(db);
  await takeSnapshot(db, { today: '2026-06-30', actor: 'test' });
  const t = testApp(db, '2026-06-30', undefined, { as: 'admin' });
  await Promise.all([t.user(), t.apiUser()]); // their users and credentials exist before the first digest
  return { t, rep: rep.id, prospect: prospect.id, customer: customer.id };
}

type Case = { path: string; valid: Record<string, unknown>; unknown: string };

/** Every POST under /api that creates something from a JSON body (imports take a CSV file). */
const cases = (f: Awaited<ReturnType<typeof setup>>): Case[] => [
  { path: '/api/prospects', valid: { name: 'Typo Ltd', employees: 600 }, unknown: 'employes' },
  { path: `/api/prospects/${f.prospect}/signals`, valid: { type: 'selection_started', date: '2026-06-01' }, unknown: 'notes' },
  { path: `/api/customers/${f.customer}/touches`, valid: { type: 'call', date: '2026-06-20' }, unknown: 'notes' },
  { path: `/api/accounts/${f.prospect}/deals`, valid: { title: 'Renewal', value: 20_000 }, unknown: 'margin' },
  { path: '/api/users', valid: { email: 'typo@example.com', name: 'Typo Rep', role: 'rep', level: 2 }, unknown: 'capcity' },
  { path: `/api/review/weeks/${WEEK}/notes`, valid: { body: 'We talked' }, unknown: 'author' },
  { path: `/api/review/weeks/${WEEK}/action-items`, valid: { text: 'Follow up', ownerId: f.rep, dueOn: '2026-07-02' }, unknown: 'owner' },
  { path: '/api/territory/plans', valid: { cover: false }, unknown: 'covers' },
  { path: '/api/review/snapshots', valid: { week: '2026-06-22' }, unknown: 'weeks' },
  { path: '/api/review/backfills', valid: { weeks: 2 }, unknown: 'week' },
];

describe('the API’s creation routes', () => {
  it('refuse an unknown field with 422 naming it, and store nothing; the same body without it is taken', async () => {
    const f = await setup();
    for (const c of cases(f)) {
      const before = await tableDigest(db);
      const res = await f.t.json('POST', c.path, { ...c.valid, [c.unknown]: 80 });
      expect(res.status, c.path).toBe(422);
      expect(await res.json(), c.path).toEqual({ error: 'validation failed', issues: [{ path: c.unknown, message: 'unknown field' }] });
      expect(changedTables(before, await tableDigest(db)), `${c.path} stored something`).toEqual([]);
      // The refusal is the unknown field's doing: the body without it creates.
      const ok = await f.t.json('POST', c.path, c.valid);
      expect(ok.status, `${c.path}: ${await ok.clone().text()}`).toBeOneOf([200, 201]);
      expect(changedTables(before, await tableDigest(db)), `${c.path} stored nothing`).not.toEqual([]);
    }
  });

  it('name every unknown field, beside the other problems of the body', async () => {
    const { t } = await setup();
    const res = await t.json('POST', '/api/prospects', { name: '', employes: 600, colour: 'red' });
    expect(res.status).toBe(422);
    const issues = ((await res.json()) as { issues: { path: string; message: string }[] }).issues;
    expect(issues).toContainEqual({ path: 'employes', message: 'unknown field' });
    expect(issues).toContainEqual({ path: 'colour', message: 'unknown field' });
    expect(issues.map((i) => i.path)).toContain('name');
    expect(await db.select().from(accounts).where(eq(accounts.name, ''))).toEqual([]);
  });
});

describe('the API’s status changes of a prospect', () => {
  /** Each status route, on a prospect in a state it can change, with a field it does not take. */
  async function statusCases(t: Awaited<ReturnType<typeof setup>>['t']): Promise<Case[]> {
    const open = [(await insertProspect(db, { name: 'Open One' })).id, (await insertProspect(db, { name: 'Open Two' })).id];
    const lost = (await insertProspect(db, { name: 'Lost One' })).id;
    expect((await t.json('POST', `/api/prospects/${lost}/loss`, { reason: 'Went with a rival' })).status).toBe(200);
    return [
      { path: `/api/prospects/${open[0]}/disqualification`, valid: { reason: 'No budget', version: 1 }, unknown: 'note' },
      // A deal's loss takes lostReason; a prospect's takes reason.
      { path: `/api/prospects/${open[1]}/loss`, valid: { reason: 'Went with a rival' }, unknown: 'lostReason' },
      // Reopening takes no reason at all.
      { path: `/api/prospects/${lost}/reopening`, valid: { version: 2 }, unknown: 'reason' },
    ];
  }

  it('refuse an unknown field with 422 naming it, and change nothing; the same body without it is taken', async () => {
    const f = await setup();
    for (const c of await statusCases(f.t)) {
      const before = await tableDigest(db);
      const res = await f.t.json('POST', c.path, { ...c.valid, [c.unknown]: 'Budget gone' });
      expect(res.status, c.path).toBe(422);
      expect(await res.json(), c.path).toEqual({ error: 'validation failed', issues: [{ path: c.unknown, message: 'unknown field' }] });
      expect(changedTables(before, await tableDigest(db)), `${c.path} changed something`).toEqual([]);
      const ok = await f.t.json('POST', c.path, c.valid);
      expect(ok.status, `${c.path}: ${await ok.clone().text()}`).toBe(200);
      expect(changedTables(before, await tableDigest(db)), `${c.path} changed nothing`).not.toEqual([]);
    }
  });

  it('name the unknown field beside a missing reason and a version that is not a whole number', async () => {
    const { t, prospect } = await setup();
    const before = await tableDigest(db);
    const res = await t.json('POST', `/api/prospects/${prospect}/disqualification`, { version: 'two', why: 'No budget' });
    expect(res.status).toBe(422);
    const issues = ((await res.json()) as { issues: { path: string; message: string }[] }).issues;
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(expect.arrayContaining([{ path: 'why', message: 'unknown field' }, { path: 'reason', message: 'give a reason' }, { path: 'version', message: 'must be a whole number' }]));
    const reopen = await t.json('POST', `/api/prospects/${prospect}/reopening`, { version: 1.5 });
    expect(reopen.status).toBe(422);
    expect((await reopen.json()).issues).toEqual([{ path: 'version', message: 'must be a whole number' }]);
    expect(changedTables(before, await tableDigest(db))).toEqual([]);
    expect((await db.select().from(accounts).where(eq(accounts.id, prospect)))[0]).toMatchObject({ status: 'open', version: 1 });
  });
});

describe('the pages’ forms', () => {
  it('keep ignoring fields they do not read (a browser sends its button)', async () => {
    const f = await setup();
    const extra = { submit: 'Add', colour: 'red' };
    const p = await f.t.form('/prospects', { name: 'Form Ltd', employees: '600', ...extra });
    expect(p.status).toBe(303);
    expect(await db.select().from(accounts).where(eq(accounts.name, 'Form Ltd'))).toHaveLength(1);
    const s = await f.t.form(`/prospects/${f.prospect}/signals`, { type: 'selection_started', date: '2026-06-01', note: 'from the form', ...extra });
    expect(s.status).toBe(303);
    const touch = await f.t.form(`/customers/${f.customer}/touches`, { type: 'visit', date: '2026-06-20', note: 'visited', ...extra });
    expect(touch.status).toBe(303);
    expect((await db.select().from(signals)).map((r) => r.note)).toEqual(expect.arrayContaining(['from the form', 'visited']));
    const d = await f.t.form(`/accounts/${f.prospect}/deals`, { title: 'Form deal', value: '1000', ...extra });
    expect(d.status).toBe(303);
    expect(await db.select().from(deals).where(eq(deals.title, 'Form deal'))).toHaveLength(1);
    const dq = await f.t.form(`/prospects/${f.prospect}/disqualification`, { reason: 'No budget', ...extra });
    expect(dq.status).toBe(303);
    expect((await db.select().from(accounts).where(eq(accounts.id, f.prospect)))[0]).toMatchObject({ status: 'disqualified', statusReason: 'No budget' });
    const reopen = await f.t.form(`/prospects/${f.prospect}/reopening`, { ...extra });
    expect(reopen.status).toBe(303);
    expect((await db.select().from(accounts).where(eq(accounts.id, f.prospect)))[0]).toMatchObject({ status: 'open', statusReason: null });
    const u = await f.t.form('/team', { email: 'form.rep@example.com', name: 'Form Rep', role: 'rep', level: '1', capacity: '', state: 'active', password: 'a fine first password', ...extra });
    expect(u.status).toBe(303);
    expect(await db.select().from(users).where(eq(users.email, 'form.rep@example.com'))).toHaveLength(1);
  });
});
