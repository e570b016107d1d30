import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { accounts, auditLog } from '../../src/db/schema.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { insertCustomer } from '../support/customers.ts';

// The audit trail: every change, who (or which job) made it, before and after, when; the audit
// page for managers with its filters; each account's own trail on its page.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const rows = () => db.select().from(auditLog).orderBy(asc(auditLog.id));

describe('what is recorded', () => {
  it('a rep’s prospect: added, edited, a signal, disqualified and reopened, each with who, before and after', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const rep = (await t.user())!;
    const added = await t.form('/prospects', { name: 'Acme Corp', domain: 'acme.com', employees: '600', need: 'high' });
    const id = Number(/\/prospects\/(\d+)/.exec(added.headers.get('location')!)![1]);
    expect((await t.form(`/prospects/${id}`, { name: 'Acme Corporation', domain: 'acme.com', employees: '700', need: 'high', version: '1' })).status).toBe(303);
    expect((await t.form(`/prospects/${id}/signals`, { type: 'selection_started', date: '2026-06-01' })).status).toBe(303);
    expect((await t.form(`/prospects/${id}/disqualification`, { reason: 'No budget' })).status).toBe(303);
    expect((await t.form(`/prospects/${id}/reopening`, {})).status).toBe(303);
    const all = await rows();
    expect(all.map((r) => [r.entity, r.action, r.actor, r.actorId, r.accountId])).toEqual([
      ['account', 'created', 'Rita Rep', rep.id, id],
      ['account', 'edited', 'Rita Rep', rep.id, id],
      // The signal makes it an A prospect, which needs level 3: nobody that senior is on the team, so
      // it stays with Rita (level 2), flagged unassignable (DOMAIN.md §3), in the signal's transaction.
      ['account', 'flagged_unassignable', 'Rita Rep', rep.id, id],
      ['signal', 'logged', 'Rita Rep', rep.id, id],
      ['account', 'disqualified', 'Rita Rep', rep.id, id],
      ['account', 'reopened', 'Rita Rep', rep.id, id],
    ]);
    expect(all[0]).toMatchObject({ entityId: id, before: null, after: expect.objectContaining({ name: 'Acme Corp', employees: 600, ownerId: rep.id, grade: 'C' }) });
    expect(all[1]).toMatchObject({ before: expect.objectContaining({ name: 'Acme Corp', employees: 600, version: 1 }), after: expect.objectContaining({ name: 'Acme Corporation', employees: 700, version: 2 }) });
    expect(all[2]).toMatchObject({ before: { ownerId: rep.id }, after: expect.objectContaining({ ownerId: rep.id, cause: 'grade_rose' }) });
    expect(all[3]).toMatchObject({ after: expect.objectContaining({ type: 'selection_started', date: '2026-06-01', gradeBefore: 'C', gradeAfter: 'A', loggedBy: 'Rita Rep' }) });
    expect(all[4]).toMatchObject({ before: expect.objectContaining({ status: 'open' }), after: expect.objectContaining({ status: 'disqualified', statusReason: 'No budget' }) });
    expect(all.every((r) => r.at instanceof Date)).toBe(true);
  });

  it('a refused or invalid change records nothing', async () => {
    const p = await insertProspect(db);
    const before = (await rows()).length;
    await testApp(db, '2026-06-30', undefined, { as: 'rep' }).form(`/prospects/${p.id}/signals`, { type: 'call' });
    await testApp(db).form(`/prospects/${p.id}`, { name: '', version: '1' });
    expect(await rows()).toHaveLength(before);
  });

  it('ownership: a manager gives an account to a rep, recorded with both names; then the rep may change it', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const p = await insertProspect(db, { name: 'Globex' });
    await db.update(accounts).set({ ownerId: null }).where(eq(accounts.id, p.id)); // the rules gave it to Rita already
    const mgr = testApp(db);
    const res = await mgr.form(`/accounts/${p.id}/owner`, { ownerId: String(rep.id) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/prospects/${p.id}?owner=changed#owner`);
    expect((await db.select().from(accounts).where(eq(accounts.id, p.id)))[0]!.ownerId).toBe(rep.id);
    expect((await rows()).at(-1)).toMatchObject({
      entity: 'account',
      action: 'owner_changed',
      accountId: p.id,
      actor: 'web',
      before: { ownerId: null, owner: null },
      after: { ownerId: rep.id, owner: 'Rita Rep' },
    });
    const page = text(await (await testApp(db, '2026-06-30', undefined, { as: 'rep' }).get(`/prospects/${p.id}`)).text());
    expect(page).toContain('Owner Rita Rep — you');
    expect((await testApp(db, '2026-06-30', undefined, { as: 'rep' }).form(`/prospects/${p.id}/signals`, { type: 'call' })).status).toBe(303);
    // The API twin; a deactivated person cannot be given an account.
    const gone = await ensureUser(db, { ...PEOPLE.otherRep, state: 'deactivated' });
    const bad = await mgr.json('PUT', `/api/accounts/${p.id}/owner`, { ownerId: gone.id });
    expect(bad.status).toBe(422);
    const none = await mgr.json('PUT', `/api/accounts/${p.id}/owner`, { ownerId: null });
    expect(await none.json()).toMatchObject({ id: p.id, ownerId: null, changed: true });
  });

  it('deal actions and payments record the signed-in user’s id too', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    await t.form(`/customers/${c.id}/payment`, { daysPaidLate: '3', version: String(c.version) });
    const last = (await rows()).at(-1)!;
    expect(last).toMatchObject({ entity: 'account', action: 'payment', actor: 'web', actorId: (await t.user())!.id });
  });

  it('a job is named as the actor, with no user', async () => {
    await insertProspect(db, { addedOn: '2026-01-05' }, '2026-01-05');
    await regradeOpenProspects(db, { asOf: '2026-06-30' });
    expect((await rows()).at(-1)).toMatchObject({ entity: 'account', action: 'regrade_daily', actor: 'daily re-grade', actorId: null, after: expect.objectContaining({ asOf: '2026-06-30', updated: 1 }) });
    // Nothing moved the second time: nothing recorded.
    const n = (await rows()).length;
    await regradeOpenProspects(db, { asOf: '2026-06-30' });
    expect(await rows()).toHaveLength(n);
  });
});

describe('the audit page', () => {
  async function seed() {
    const rep = await ensureUser(db, PEOPLE.rep);
    const a = await insertProspect(db, { name: 'Alpha Inc' });
    const b = await insertProspect(db, { name: 'Bravo LLC' });
    // Only the creations: the ownership rules' rows (each new prospect went to Rita) are not what this tests.
    await db.delete(auditLog).where(eq(auditLog.action, 'owner_assigned'));
    await db.update(auditLog).set({ actorId: rep.id, actor: 'Rita Rep', at: new Date('2026-05-10T10:00:00Z') }).where(eq(auditLog.accountId, a.id));
    await db.update(auditLog).set({ at: new Date('2026-06-20T10:00:00Z') }).where(eq(auditLog.accountId, b.id));
    return { rep, a, b };
  }

  it('shows every change, newest first, with who, what, the account and what changed', async () => {
    const { a, b } = await seed();
    const res = await testApp(db).get('/audit');
    expect(res.status).toBe(200);
    const body = text(await res.text());
    expect(body).toContain('2 entries.');
    expect(body.indexOf('Bravo LLC')).toBeLessThan(body.indexOf('Alpha Inc'));
    expect(body).toContain('2026-05-10 10:00 Rita Rep account created');
    expect(body).toContain('test (job or script)');
    expect(body).toMatch(/name: Alpha Inc.*grade: C/);
    expect(body).toContain(`account created #${a.id}`);
    expect(body).toContain(`account created #${b.id}`);
  });

  it('filters by account, by who (or jobs and scripts), and by days from and to, both included', async () => {
    const { rep, a, b } = await seed();
    const t = testApp(db);
    const names = async (query: string) => {
      const body = text(await (await t.get(`/audit?${query}`)).text());
      return ['Alpha Inc', 'Bravo LLC'].filter((n) => body.includes(n));
    };
    expect(await names(`account=${a.id}`)).toEqual(['Alpha Inc']);
    expect(await names(`user=${rep.id}`)).toEqual(['Alpha Inc']);
    expect(await names('user=none')).toEqual(['Bravo LLC']);
    expect(await names('from=2026-06-01')).toEqual(['Bravo LLC']);
    expect(await names('to=2026-05-10')).toEqual(['Alpha Inc']);
    expect(await names('from=2026-05-11&to=2026-06-19')).toEqual([]);
    expect(await names(`from=2026-05-10&to=2026-06-20&account=${b.id}`)).toEqual(['Bravo LLC']);
    const bad = await t.get('/audit?from=yesterday');
    expect(bad.status).toBe(422);
    expect(text(await bad.text())).toContain('Those filters do not work: from must be a real date');
    const json = await t.get(`/api/audit?account=${a.id}`);
    expect(await json.json()).toMatchObject({ total: 1, page: 1, pages: 1, entries: [{ accountId: a.id, accountName: 'Alpha Inc', action: 'created', actorId: rep.id, actor: 'Rita Rep', after: expect.objectContaining({ name: 'Alpha Inc' }) }] });
    expect((await t.get('/api/audit?user=someone')).status).toBe(422);
  });

  it('pages 50 entries at a time', async () => {
    await db.insert(auditLog).values(Array.from({ length: 120 }, (_, i) => ({ actor: 'test', entity: 'account', action: `step_${i}`, at: new Date(Date.UTC(2026, 5, 1, 0, i)) })));
    const t = testApp(db);
    const first = text(await (await t.get('/audit')).text());
    expect(first).toContain('120 entries, page 1 of 3.');
    expect(first).toContain('step 119');
    expect(first).not.toContain('step 69 ');
    const third = text(await (await t.get('/audit?page=3')).text());
    expect(third).toContain('step 0');
    expect(third).toContain('← Newer');
    expect(third).not.toContain('Older →');
  });
});

describe('an account’s own trail', () => {
  it('is on the prospect page (and links managers to the whole of it), with nothing of other accounts', async () => {
    const rep = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const mine = await rep.form('/prospects', { name: 'Mine Ltd', domain: 'mine.example.com' });
    const id = Number(/\/prospects\/(\d+)/.exec(mine.headers.get('location')!)![1]);
    await insertProspect(db, { name: 'Someone Else' });
    await rep.form(`/prospects/${id}/signals`, { type: 'call', note: 'Spoke to the CFO' });
    const html = await (await rep.get(`/prospects/${id}`)).text();
    const trail = text(html.slice(html.indexOf('id="activity"')));
    expect(trail).toContain('account created by Rita Rep');
    expect(trail).toContain('signal logged by Rita Rep');
    expect(trail).toContain('note: Spoke to the CFO');
    expect(trail).not.toContain('Someone Else');
    expect(html).not.toContain(`/audit?account=${id}`); // reps have no audit page
    expect(await (await testApp(db).get(`/prospects/${id}`)).text()).toContain(`href="/audit?account=${id}"`);
  });

  it('is on the customer page too', async () => {
    const c = await insertCustomer(db, { name: 'Cust Co' });
    const body = text(await (await testApp(db).get(`/customers/${c.id}`)).text());
    expect(body).toContain('account converted by test');
    expect(body).toContain('account created by test');
  });
});
