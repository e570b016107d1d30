import { beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { accounts, auditLog, balancePlans, users } from '../../src/db/schema.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// Ownership (DOMAIN.md §3) through HTTP: automatic assignment when it may need to change, owners
// set by hand with warnings, pins, the territory page and balance plans applied whole or refused.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

let seq = 0;
async function rep(name: string, level: number, over: { capacity?: number; state?: string } = {}) {
  seq++;
  const [u] = await db
    .insert(users)
    .values({ email: `${name.toLowerCase().replace(/\W+/g, '.')}.${seq}@test.invalid`, name, role: 'rep', level, capacity: over.capacity ?? 100, state: over.state ?? 'active', leaveFrom: over.state === 'on_leave' ? '2026-06-01' : null })
    .returning();
  return u!;
}
const acct = async (id: number) => (await db.select().from(accounts).where(eq(accounts.id, id)))[0]!;
const withCause = async (id: number, cause: string) => (await auditOf(id, 'owner_assigned')).filter((r) => (r.after as { cause: string }).cause === cause);
const auditOf = (id: number, action?: string) =>
  db
    .select()
    .from(auditLog)
    .where(action ? and(eq(auditLog.accountId, id), eq(auditLog.action, action)) : eq(auditLog.accountId, id))
    .orderBy(asc(auditLog.id));

/** A prospect graded A as of 2026-06-30 (a selection under way), owned by `ownerId`. */
async function prospectA(ownerId: number | null, name = 'Acme') {
  const p = await insertProspect(db, { name });
  await db.update(accounts).set({ ownerId }).where(eq(accounts.id, p.id));
  await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-20' });
  return acct(p.id);
}

describe('automatic assignment', () => {
  it('gives a new prospect without an owner to a rep at its minimum level, recorded with the reason', async () => {
    const junior = await rep('June Junior', 1);
    await rep('Sue Senior', 3);
    const res = await testApp(db).json('POST', '/api/prospects', { name: 'Nobody Owns Me', employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high' });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    const a = await acct(id);
    expect(a.grade).toBe('C');
    expect(a.ownerId).toBe(junior.id); // C needs level 1: the senior stays free for senior work
    const [row] = await auditOf(id, 'owner_assigned');
    expect((row!.after as { cause: string; why: string }).cause).toBe('created');
    expect((row!.after as { why: string }).why).toMatch(/new account without an owner/);
  });

  it('moves a prospect to a senior rep when a signal raises its grade above its owner’s level', async () => {
    const junior = await rep('June Junior', 1);
    const senior = await rep('Sue Senior', 3);
    const a = await prospectA(junior.id);
    expect(a.grade).toBe('A');
    expect(a.ownerId).toBe(senior.id);
    const [row] = await withCause(a.id, 'grade_rose');
    expect(row!.before).toMatchObject({ ownerId: junior.id });
    expect(row!.after).toMatchObject({ ownerId: senior.id, cause: 'grade_rose' });
  });

  it('flags the account unassignable when nobody is senior enough, and never gives it to a junior', async () => {
    const junior = await rep('June Junior', 1);
    await rep('Al Associate', 2);
    const a = await prospectA(junior.id);
    expect(a.ownerId).toBe(junior.id);
    expect(a.unassignable).toBe(true);
    expect(await auditOf(a.id, 'flagged_unassignable')).toHaveLength(1);
    const page = await testApp(db).get(`/prospects/${a.id}`);
    expect(await page.text()).toContain('unassignable');
  });

  it('leaves a pinned account with its owner even when its grade outgrows them', async () => {
    const junior = await rep('June Junior', 1);
    await rep('Sue Senior', 3);
    const p = await insertProspect(db, { name: 'Pinned Co' });
    await db.update(accounts).set({ ownerId: junior.id }).where(eq(accounts.id, p.id));
    const pin = await testApp(db).json('PUT', `/api/accounts/${p.id}/pin`, { pinned: true });
    expect(pin.status).toBe(200);
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-20' });
    const a = await acct(p.id);
    expect(a.grade).toBe('A');
    expect(a.ownerId).toBe(junior.id);
    const page = await (await testApp(db).get(`/prospects/${p.id}`)).text();
    expect(page).toContain('Breaks the ownership policy');
  });

  it('does not give anything new to reps on leave or deactivated', async () => {
    await rep('Olive OnLeave', 3, { state: 'on_leave' });
    await rep('Dee Deactivated', 3, { state: 'deactivated' });
    const active = await rep('Ann Active', 4);
    const a = await prospectA(null);
    expect(a.ownerId).toBe(active.id);
  });

  it('reassigns after the daily re-grade raises grades above their owners’ level', async () => {
    const mid = await rep('Mo Middle', 2);
    const senior = await rep('Sue Senior', 3);
    const p = await insertProspect(db, { name: 'Slow Burner' });
    await db.update(accounts).set({ ownerId: mid.id }).where(eq(accounts.id, p.id));
    // A B signal now: close by 2026-12-01; by mid-September that is within three months, so A.
    await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-06-01' });
    const before = await acct(p.id);
    expect(before.grade).toBe('B');
    expect(before.ownerId).toBe(mid.id);
    const stats = await regradeOpenProspects(db, { asOf: '2026-09-15' });
    expect(stats.reassigned).toBe(1);
    const after = await acct(p.id);
    expect(after.grade).toBe('A');
    expect(after.ownerId).toBe(senior.id);
    const rows = (await auditOf(p.id, 'owner_assigned')).filter((x) => (x.after as { cause: string }).cause === 'daily_regrade');
    expect(rows).toHaveLength(1);
  });
});

describe('a rep who leaves', () => {
  it('deactivated: every unpinned account goes to someone eligible; pinned ones stay and show as breaches', async () => {
    const leaving = await rep('Lee Leaving', 3);
    const other = await rep('Oda Other', 3);
    const a1 = await prospectA(leaving.id, 'One');
    const a2 = await prospectA(leaving.id, 'Two');
    await db.update(accounts).set({ pinned: true }).where(eq(accounts.id, a2.id));
    const res = await testApp(db).json('PATCH', `/api/users/${leaving.id}`, { state: 'deactivated' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { reassignedAccounts: number }).reassignedAccounts).toBe(1);
    expect((await acct(a1.id)).ownerId).toBe(other.id);
    expect((await acct(a2.id)).ownerId).toBe(leaving.id);
    const [row] = await withCause(a1.id, 'rep_deactivated');
    expect((row!.after as { why: string }).why).toMatch(/its owner was deactivated/);
    const t = (await (await testApp(db).get('/api/territory')).json()) as { total: { breaches: number } };
    expect(t.total.breaches).toBe(1);
  });

  it('on leave: the manager chooses cover (accounts stay, listed) or reassignment', async () => {
    const away = await rep('Ava Away', 3);
    const other = await rep('Oda Other', 3);
    const a1 = await prospectA(away.id, 'One');
    const app = testApp(db);
    const cover = await app.json('PATCH', `/api/users/${away.id}`, { state: 'on_leave', leaveFrom: '2026-07-01', accounts: 'cover' });
    expect(cover.status).toBe(200);
    expect((await acct(a1.id)).ownerId).toBe(away.id);
    const t = (await (await app.get('/api/territory')).json()) as { needingCover: { repId: number; count: number }[] };
    expect(t.needingCover).toEqual([{ repId: away.id, count: 1 }]);
    const page = await (await app.get('/territory')).text();
    expect(page).toContain('is on leave with 1 accounts');

    const reassign = await app.json('PATCH', `/api/users/${away.id}`, { accounts: 'reassign' });
    expect(reassign.status).toBe(200);
    expect((await acct(a1.id)).ownerId).toBe(other.id);
  });

  it('the team form offers the choice and says how many accounts moved', async () => {
    const away = await rep('Ava Away', 3);
    await rep('Oda Other', 3);
    await prospectA(away.id, 'One');
    const app = testApp(db);
    const form = await (await app.get(`/team/${away.id}/edit`)).text();
    expect(form).toContain('Their accounts while on leave');
    const res = await app.form(`/team/${away.id}`, { email: away.email, name: away.name, role: 'rep', level: 3, capacity: 100, region: '', state: 'on_leave', leaveFrom: '2026-07-01', leaveUntil: '', accounts: 'reassign', version: away.version, password: '' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/team?reassigned=1');
    expect(await (await app.get('/team?reassigned=1')).text()).toContain('1 account was reassigned');
  });
});

describe('owners set by hand, pins and the rules on request', () => {
  it('a manager can give an account to a junior; it is done, with a warning, and the breach shows afterwards', async () => {
    const senior = await rep('Sue Senior', 3);
    const junior = await rep('June Junior', 1);
    const a = await prospectA(senior.id);
    const res = await testApp(db).json('PUT', `/api/accounts/${a.id}/owner`, { ownerId: junior.id });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ownerId: number; warnings: string[] };
    expect(body.ownerId).toBe(junior.id);
    expect(body.warnings.join(' ')).toMatch(/June Junior is level 1 \(Associate\); it needs level 3 \(Senior AE\)/);
    const form = await testApp(db).form(`/accounts/${a.id}/owner`, { ownerId: senior.id });
    expect(form.headers.get('location')).toBe(`/prospects/${a.id}?owner=changed#owner`);
    const back = await testApp(db).form(`/accounts/${a.id}/owner`, { ownerId: junior.id });
    expect(back.headers.get('location')).toBe(`/prospects/${a.id}?owner=warned#owner`);
    const page = await (await testApp(db).get(`/prospects/${a.id}?owner=warned`)).text();
    expect(page).toContain('against the ownership policy');
    expect(page).toContain('Breaks the ownership policy');
    const [row] = (await auditOf(a.id, 'owner_changed')).slice(-1);
    expect((row!.after as { breach?: string[] }).breach?.length).toBe(1);
  });

  it('warns when the new owner goes over capacity', async () => {
    const senior = await rep('Sue Senior', 3, { capacity: 4 });
    const other = await rep('Oda Other', 3);
    await prospectA(senior.id, 'First');
    const b = await prospectA(other.id, 'Second');
    const res = await testApp(db).json('PUT', `/api/accounts/${b.id}/owner`, { ownerId: senior.id });
    const body = (await res.json()) as { warnings: string[] };
    expect(body.warnings.join(' ')).toMatch(/carries 8 load points against a capacity of 4/);
  });

  it('pin and unpin by form and API are audited; the rules on request place an account', async () => {
    const junior = await rep('June Junior', 1);
    const senior = await rep('Sue Senior', 3);
    const a = await prospectA(senior.id);
    const app = testApp(db);
    const pin = await app.form(`/accounts/${a.id}/pin`, { pinned: 'true' });
    expect(pin.headers.get('location')).toBe(`/prospects/${a.id}?owner=pinned#owner`);
    expect((await acct(a.id)).pinned).toBe(true);
    const refused = await app.json('POST', `/api/accounts/${a.id}/assignment`);
    expect(refused.status).toBe(422);
    await app.json('PUT', `/api/accounts/${a.id}/pin`, { pinned: false });
    expect((await auditOf(a.id)).map((r) => r.action)).toEqual(expect.arrayContaining(['pinned', 'unpinned']));
    await db.update(accounts).set({ ownerId: junior.id }).where(eq(accounts.id, a.id));
    const placed = await app.json('POST', `/api/accounts/${a.id}/assignment`);
    expect(placed.status).toBe(200);
    expect(await placed.json()).toMatchObject({ ownerId: senior.id, outcome: 'assigned', from: junior.id });
  });

  it('refuses bad input with clear errors and changes nothing', async () => {
    const senior = await rep('Sue Senior', 3);
    const a = await prospectA(senior.id);
    const app = testApp(db);
    expect((await app.json('PUT', `/api/accounts/${a.id}/pin`, { pinned: 'yes' })).status).toBe(422);
    expect((await app.json('PUT', `/api/accounts/${a.id}/pin`, '{"pinned": tru')).status).toBe(400);
    expect((await app.json('PUT', '/api/accounts/999999/pin', { pinned: true })).status).toBe(404);
    expect((await app.json('PUT', `/api/accounts/${a.id}/owner`, { ownerId: 999999 })).status).toBe(422);
    expect((await app.form('/accounts/999999/assignment', {})).status).toBe(404);
    expect((await acct(a.id)).pinned).toBe(false);
    expect((await acct(a.id)).ownerId).toBe(senior.id);
  });

  it('a rep sees no edit, signal, status or deal forms on an account they do not own; the owner does', async () => {
    const senior = await rep('Sue Senior', 3);
    const a = await prospectA(senior.id);
    const other = await (await testApp(db, '2026-06-30', undefined, { as: 'otherRep' }).get(`/prospects/${a.id}`)).text();
    for (const form of [`/prospects/${a.id}/edit`, `/prospects/${a.id}/signals`, `/prospects/${a.id}/disqualification`, `/accounts/${a.id}/deals`]) expect(other).not.toContain(form);
    expect(other).toContain('only its owner or a manager can change it');
    const asOwner = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const me = (await asOwner.user())!;
    await db.update(accounts).set({ ownerId: me.id }).where(eq(accounts.id, a.id));
    const mine = await (await asOwner.get(`/prospects/${a.id}`)).text();
    for (const form of [`/prospects/${a.id}/edit`, `/prospects/${a.id}/signals`, `/prospects/${a.id}/disqualification`, `/accounts/${a.id}/deals`]) expect(mine).toContain(form);
  });

  it('reps cannot change ownership', async () => {
    const senior = await rep('Sue Senior', 3);
    const a = await prospectA(senior.id);
    const asRep = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    expect((await asRep.json('PUT', `/api/accounts/${a.id}/pin`, { pinned: true })).status).toBe(403);
    expect((await asRep.json('POST', '/api/territory/plans', {})).status).toBe(403);
    expect((await asRep.form('/territory/plans', {})).status).toBe(403);
  });
});

describe('the territory page', () => {
  it('shows each rep by level with load, capacity, utilization bars and totals; exports CSV', async () => {
    const senior = await rep('Sue Senior', 3, { capacity: 10 });
    const junior = await rep('June Junior', 1);
    await prospectA(senior.id, 'One');
    await prospectA(senior.id, 'Two');
    await prospectA(senior.id, 'Three'); // 12 of 10 points
    await insertProspect(db, { name: 'Dee' }).then((p) => db.update(accounts).set({ ownerId: junior.id }).where(eq(accounts.id, p.id)));
    const app = testApp(db);
    const html = await (await app.get('/territory')).text();
    expect(html).toContain('Level 3 · Senior AE');
    expect(html).toContain('Level 1 · Associate');
    expect(html).toContain('12 / 10');
    expect(html).toContain('120 %');
    expect(html).toMatch(/<svg class="ubar"[^>]*aria-label="Sue Senior: 120 % of capacity"/);
    const json = (await (await app.get('/api/territory')).json()) as { reps: { id: number; load: number; grades: Record<string, number> }[] };
    expect(json.reps.find((r) => r.id === senior.id)).toMatchObject({ load: 12, grades: { A: 3, B: 0, C: 0, D: 0 } });
    const csv = await (await app.get('/territory.csv')).text();
    expect(csv.split('\r\n')[0]).toContain('rep_id,name,level');
    expect(csv).toContain('Sue Senior,3,active');
  });
});

describe('balance plans', () => {
  async function overloaded() {
    const a = await rep('Ann Busy', 3, { capacity: 8 });
    const b = await rep('Bo Idle', 3, { capacity: 8 });
    const junior = await rep('June Junior', 1, { capacity: 8 });
    const ids = [];
    for (const n of ['One', 'Two', 'Three']) ids.push((await prospectA(a.id, n)).id);
    const lone = await insertProspect(db, { name: 'Loose' });
    await db.update(accounts).set({ ownerId: null }).where(eq(accounts.id, lone.id));
    return { a, b, junior, ids, lone: lone.id };
  }

  it('proposes a plan (a preview: nothing moves), applies it whole with an audit row per move', async () => {
    const { a, b, ids } = await overloaded();
    const app = testApp(db);
    const res = await app.json('POST', '/api/territory/plans', {});
    expect(res.status).toBe(201);
    const plan = (await res.json()) as { id: number; moves: { accountId: number; from: number | null; to: number; reason: string }[]; summary: { maxAfter: number; bound: { utilization: number } } };
    expect(plan.moves.length).toBeGreaterThanOrEqual(2);
    expect(plan.moves.find((m) => ids.includes(m.accountId))).toMatchObject({ from: a.id, to: b.id, reason: 'over_capacity' });
    expect(plan.summary.maxAfter).toBeLessThanOrEqual(1);
    expect((await acct(ids[0]!)).ownerId).toBe(a.id); // nothing applied yet

    const page = await (await app.get(`/territory/plans/${plan.id}`)).text();
    expect(page).toContain('Apply all');
    expect(page).toContain('Owner over capacity');
    const filtered = await (await app.get(`/territory/plans/${plan.id}?reason=unowned`)).text();
    expect(filtered).toContain('Moves (1 of');

    const applied = await app.form(`/territory/plans/${plan.id}/apply`, {});
    expect(applied.status).toBe(303);
    const owners = await db.select({ id: accounts.id, ownerId: accounts.ownerId }).from(accounts).where(inArray(accounts.id, plan.moves.map((m) => m.accountId)));
    for (const m of plan.moves) expect(owners.find((o) => o.id === m.accountId)!.ownerId).toBe(m.to);
    const rows = await db.select().from(auditLog).where(eq(auditLog.action, 'owner_changed'));
    expect(rows).toHaveLength(plan.moves.length);
    expect((rows[0]!.after as { cause: string }).cause).toBe(`balance plan #${plan.id}`);
    const again = await app.json('POST', `/api/territory/plans/${plan.id}/apply`);
    expect(again.status).toBe(409);
  });

  it('refuses a plan computed on data that has changed since, and applies none of it', async () => {
    const { a, ids } = await overloaded();
    const app = testApp(db);
    const plan = (await (await app.json('POST', '/api/territory/plans', {})).json()) as { id: number };
    await prospectA(a.id, 'Four'); // Ann's load changed after the plan was made
    const before = await db.select({ id: accounts.id, ownerId: accounts.ownerId }).from(accounts).orderBy(asc(accounts.id));
    const res = await app.json('POST', `/api/territory/plans/${plan.id}/apply`);
    expect(res.status).toBe(409);
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems.join(' ')).toMatch(/Ann Busy now carries 4 accounts/);
    expect(await db.select({ id: accounts.id, ownerId: accounts.ownerId }).from(accounts).orderBy(asc(accounts.id))).toEqual(before);
    const page = await app.form(`/territory/plans/${plan.id}/apply`, {});
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('The territory changed since this plan was made, so nothing was applied');
    const [stored] = await db.select().from(balancePlans).where(eq(balancePlans.id, plan.id));
    expect(stored!.status).toBe('proposed');
    void ids;
  });

  it('two managers applying two plans made on the same data: one applies, the other is refused', async () => {
    await overloaded();
    const app = testApp(db);
    const p1 = (await (await app.json('POST', '/api/territory/plans', {})).json()) as { id: number };
    const p2 = (await (await app.json('POST', '/api/territory/plans', {})).json()) as { id: number };
    const [r1, r2] = await Promise.all([app.json('POST', `/api/territory/plans/${p1.id}/apply`), app.json('POST', `/api/territory/plans/${p2.id}/apply`)]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
  });

  it('discards a plan; an unknown plan is 404; rep cannot see plans', async () => {
    await overloaded();
    const app = testApp(db);
    const p = (await (await app.json('POST', '/api/territory/plans', {})).json()) as { id: number };
    const d = await app.form(`/territory/plans/${p.id}/discard`, {});
    expect(d.headers.get('location')).toBe(`/territory/plans/${p.id}?discarded=1`);
    expect((await app.json('POST', `/api/territory/plans/${p.id}/apply`)).status).toBe(409);
    expect((await app.get('/territory/plans/999999')).status).toBe(404);
    expect((await app.json('GET', '/api/territory/plans/999999')).status).toBe(404);
    expect((await app.json('POST', '/api/territory/plans', { cover: 'yes' })).status).toBe(422);
  });
});
