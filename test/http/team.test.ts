import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditLog, policies, users } from '../../src/db/schema.ts';
import { currentPolicy, savePolicy } from '../../src/policy/store.ts';
import { createUser } from '../../src/users/actions.ts';
import { verifyPassword } from '../../src/users/passwords.ts';
import { newUserSchema } from '../../src/users/validation.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';

// The roster: reps by level with their state; managers add, edit and deactivate reps; admins
// manage everyone. And the JSON twins under /api.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const byEmail = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0];
const audit = () => db.select().from(auditLog).orderBy(asc(auditLog.id));

const newRep = { name: 'Nina New', email: 'Nina@Example.com', role: 'rep', level: '3', capacity: '80', region: 'North', state: 'active', password: 'a fine first password' };

describe('the roster page', () => {
  it('lists reps by level with their state (leave dates too), then managers and admins', async () => {
    await ensureUser(db, { email: 'a@test.invalid', name: 'Ann Associate', role: 'rep', level: 1 });
    await ensureUser(db, { email: 'k@test.invalid', name: 'Ken Key', role: 'rep', level: 4 });
    const leave = await ensureUser(db, { email: 'l@test.invalid', name: 'Liv Leave', role: 'rep', level: 4 });
    await db.update(users).set({ state: 'on_leave', leaveFrom: '2026-06-01', leaveUntil: '2026-08-31' }).where(eq(users.id, leave.id));
    await ensureUser(db, { email: 'g@test.invalid', name: 'Gone Rep', role: 'rep', level: 2, state: 'deactivated' });
    const res = await testApp(db).get('/team');
    expect(res.status).toBe(200);
    const body = text(await res.text());
    const at = (s: string) => body.indexOf(s);
    expect(at('Key Account Manager (level 4)')).toBeLessThan(at('Ken Key'));
    expect(at('Ken Key')).toBeLessThan(at('Senior AE (level 3)'));
    expect(at('Account Executive (level 2)')).toBeLessThan(at('Gone Rep'));
    expect(at('Associate (level 1)')).toBeLessThan(at('Ann Associate'));
    expect(at('Managers and admins')).toBeLessThan(at('web@test.invalid'));
    expect(body).toContain('On leave 2026-06-01 to 2026-08-31');
    expect(body).toContain('Deactivated');
    expect(body).toContain('Nobody at this level.');
    expect(body).toContain('3 reps not deactivated (1 on leave), 300 load points of capacity.');
  });
});

describe('a manager', () => {
  it('adds a rep with a first password; the email is kept in lower case and the addition is audited without the password', async () => {
    const t = testApp(db);
    const res = await t.form('/team', newRep);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/team?added=1');
    const u = (await byEmail('nina@example.com'))!;
    expect(u).toMatchObject({ name: 'Nina New', role: 'rep', level: 3, capacity: 80, region: 'North', state: 'active', version: 1 });
    expect(u.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(u.passwordHash, 'a fine first password')).toBe(true);
    const [row] = await audit();
    expect(row).toMatchObject({ entity: 'user', entityId: u.id, action: 'created', actor: 'web', actorId: (await t.user())!.id, before: null });
    expect(row!.after).toMatchObject({ email: 'nina@example.com', role: 'rep', level: 3, hasPassword: true });
    expect(JSON.stringify(row)).not.toContain(u.passwordHash!);
    expect(JSON.stringify(row)).not.toContain('a fine first password');
    expect(text(await (await t.get('/team?added=1')).text())).toContain('Added to the team.');
  });

  it('without a password, one is made up and shown once, never stored as it is', async () => {
    const res = await testApp(db).form('/team', { ...newRep, password: '' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const password = /data-testid="new-password">\s*([A-Za-z0-9_-]{16})\s*</.exec(html)![1]!;
    const u = (await byEmail('nina@example.com'))!;
    expect(await verifyPassword(u.passwordHash, password)).toBe(true);
    expect(await (await testApp(db).get('/team')).text()).not.toContain(password);
  });

  it('gets each bad field back with its message, the password never echoed', async () => {
    const t = testApp(db);
    const res = await t.form('/team', { ...newRep, email: 'not an email', level: '', password: 'short' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('must be an email address such as maya@example.com');
    expect(html).toContain('a rep has a level (1–4)');
    expect(html).toContain('must be at least 10 characters');
    expect(inputValue(html, 'password')).toBe('');
    expect(html).not.toContain('value="short"');
    await t.form('/team', newRep);
    const dup = await t.form('/team', { ...newRep, email: 'NINA@example.com' });
    expect(dup.status).toBe(422);
    expect(text(await dup.text())).toContain('is already used by someone on the team');
    const leave = await t.form('/team', { ...newRep, email: 'x@example.com', state: 'on_leave', leaveFrom: '', leaveUntil: '2026-01-01' });
    expect(text(await leave.text())).toContain('give the first day of leave');
    const backwards = await t.form('/team', { ...newRep, email: 'y@example.com', state: 'on_leave', leaveFrom: '2026-07-01', leaveUntil: '2026-06-01' });
    expect(text(await backwards.text())).toContain('cannot be before the first day of leave');
  });

  it('edits a rep’s level, capacity, region and leave on the version read; an old version is a conflict', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const t = testApp(db);
    const form = await (await t.get(`/team/${rep.id}/edit`)).text();
    expect(inputValue(form, 'version')).toBe('1');
    const edit = { name: rep.name, email: rep.email, role: 'rep', level: '4', capacity: '120', region: 'West', state: 'on_leave', leaveFrom: '2026-07-01', leaveUntil: '2026-07-31', version: '1' };
    const res = await t.form(`/team/${rep.id}`, edit);
    expect(res.status).toBe(303);
    expect(await byEmail(rep.email)).toMatchObject({ level: 4, capacity: 120, region: 'West', state: 'on_leave', leaveFrom: '2026-07-01', leaveUntil: '2026-07-31', version: 2 });
    const stale = await t.form(`/team/${rep.id}`, { ...edit, capacity: '90' });
    expect(stale.status).toBe(409);
    expect(text(await stale.text())).toContain('was changed by someone else while you edited');
    // Back to active: the leave dates go.
    await t.form(`/team/${rep.id}`, { ...edit, state: 'active', version: '2' });
    expect(await byEmail(rep.email)).toMatchObject({ state: 'active', leaveFrom: null, leaveUntil: null });
    const rows = (await audit()).filter((a) => a.entityId === rep.id);
    expect(rows.map((a) => a.action)).toEqual(['updated', 'updated']);
    expect(rows[0]).toMatchObject({ before: expect.objectContaining({ level: 2, state: 'active' }), after: expect.objectContaining({ level: 4, state: 'on_leave' }) });
  });

  it('deactivates and reactivates a rep; a deactivated rep keeps their history and cannot sign in', async () => {
    const rep = await ensureUser(db, { ...PEOPLE.rep, password: 'correct horse battery' });
    const t = testApp(db);
    const res = await t.form(`/team/${rep.id}/deactivation`, { version: '1' });
    expect(res.status).toBe(303);
    expect(text(await (await t.get(res.headers.get('location')!)).text())).toContain('Deactivated: they can no longer sign in');
    const signIn = await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).form('/sign-in', { email: rep.email, password: 'correct horse battery' });
    expect(signIn.status).toBe(403);
    expect((await t.form(`/team/${rep.id}/reactivation`, {})).status).toBe(303);
    expect(await byEmail(rep.email)).toMatchObject({ state: 'active', version: 3 });
    expect((await audit()).map((a) => a.action)).toEqual(['deactivated', 'reactivated']);
  });

  it('may not add or change managers and admins, nor reset a rep’s password', async () => {
    const boss = await ensureUser(db, PEOPLE.admin);
    const rep = await ensureUser(db, PEOPLE.rep);
    const t = testApp(db);
    const add = await t.form('/team', { ...newRep, role: 'manager', level: '' });
    expect(add.status).toBe(403);
    expect(text(await add.text())).toContain('Only an admin can make someone a manager or an admin.');
    expect((await t.get(`/team/${boss.id}/edit`)).status).toBe(403);
    const deact = await t.form(`/team/${boss.id}/deactivation`, {});
    expect(deact.status).toBe(403);
    expect(text(await deact.text())).toContain('Managers edit reps; only an admin changes managers and admins.');
    const promote = await t.form(`/team/${rep.id}`, { name: rep.name, email: rep.email, role: 'manager', level: '', capacity: '100', state: 'active', version: '1' });
    expect(promote.status).toBe(403);
    const reset = await t.form(`/team/${rep.id}`, { name: rep.name, email: rep.email, role: 'rep', level: '2', capacity: '100', state: 'active', version: '1', password: 'a new password here' });
    expect(reset.status).toBe(403);
    expect(await byEmail(rep.email)).toMatchObject({ version: 1, passwordHash: null });
    expect(await byEmail(boss.email)).toMatchObject({ state: 'active' });
    expect(await audit()).toEqual([]);
  });
});

describe('an admin', () => {
  it('adds a manager, makes a rep a manager (the level goes), resets a password (which signs them out everywhere)', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    expect((await t.form('/team', { ...newRep, role: 'manager', level: '' })).status).toBe(303);
    expect(await byEmail('nina@example.com')).toMatchObject({ role: 'manager', level: null });
    const rep = await ensureUser(db, PEOPLE.rep);
    const res = await t.form(`/team/${rep.id}`, { name: rep.name, email: rep.email, role: 'manager', level: '2', capacity: '100', state: 'active', version: '1', password: 'reset by the admin' });
    expect(res.status).toBe(303);
    const after = (await byEmail(rep.email))!;
    expect(after).toMatchObject({ role: 'manager', level: null });
    expect(await verifyPassword(after.passwordHash, 'reset by the admin')).toBe(true);
    const last = (await audit()).at(-1)!;
    expect(last).toMatchObject({ action: 'updated', before: expect.objectContaining({ role: 'rep', level: 2 }), after: expect.objectContaining({ role: 'manager', level: null, passwordChanged: true }) });
  });

  it('cannot demote or deactivate themselves, so an admin always remains', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    const me = (await t.user())!;
    const res = await t.form(`/team/${me.id}`, { name: me.name, email: me.email, role: 'manager', capacity: '100', state: 'active', version: String(me.version) });
    expect(res.status).toBe(403);
    expect(text(await res.text())).toContain('You cannot take away your own admin role');
    expect((await t.form(`/team/${me.id}/deactivation`, {})).status).toBe(403);
  });
});

describe('the JSON API', () => {
  it('GET /api/me says who the token belongs to, without any secret', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const res = await t.get('/api/me');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ email: PEOPLE.rep.email, name: 'Rita Rep', role: 'rep', level: 2, levelLabel: 'Account Executive', capacity: 100, state: 'active', canSignIn: false });
    expect(Object.keys(body)).not.toContain('passwordHash');
  });

  it('managers list and add reps; an admin adds a service user without a password, who uses the API only', async () => {
    const mgr = testApp(db);
    const list = await mgr.get('/api/users');
    expect(list.status).toBe(200);
    expect((await list.json()).users.map((u: { email: string }) => u.email)).toEqual(['api@test.invalid']);
    const made = await mgr.json('POST', '/api/users', { email: 'nina@example.com', name: 'Nina New', role: 'rep', level: 3, password: 'a fine first password' });
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toMatch(/^\/api\/users\/\d+$/);
    const nina = await made.json();
    expect(nina).toMatchObject({ role: 'rep', level: 3, capacity: 100, canSignIn: true, version: 1 });
    expect((await mgr.json('POST', '/api/users', { email: 'm@example.com', name: 'M', role: 'manager' })).status).toBe(403);
    const bad = await mgr.json('POST', '/api/users', { email: 'x', name: '', role: 'rep' });
    expect(bad.status).toBe(422);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'level', 'name']);

    const admin = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    const svc = await admin.json('POST', '/api/users', { email: 'crm@example.com', name: 'CRM sync', role: 'manager' });
    expect(svc.status).toBe(201);
    expect(await svc.json()).toMatchObject({ role: 'manager', canSignIn: false });
  });

  it('PATCH /api/users/:id changes some fields on a version; 409 on an old one, 404 for nobody, 403 when not allowed', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const mgr = testApp(db);
    const res = await mgr.json('PATCH', `/api/users/${rep.id}`, { capacity: 60, state: 'on_leave', leaveFrom: '2026-07-01', version: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ capacity: 60, state: 'on_leave', leaveFrom: '2026-07-01', leaveUntil: null, version: 2 });
    const stale = await mgr.json('PATCH', `/api/users/${rep.id}`, { capacity: 70, version: 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ currentVersion: 2 });
    expect((await mgr.json('PATCH', '/api/users/9999', { capacity: 1 })).status).toBe(404);
    expect((await mgr.json('PATCH', `/api/users/${rep.id}`, { role: 'admin' })).status).toBe(403);
    expect((await mgr.json('PATCH', `/api/users/${rep.id}`, { passwordHash: 'x' })).status).toBe(422);
    const leave = await mgr.json('PATCH', `/api/users/${rep.id}`, { leaveFrom: null });
    expect(leave.status).toBe(422);
    expect((await leave.json()).issues).toEqual([{ path: 'leaveFrom', message: 'give the first day of leave' }]);
    expect((await mgr.get(`/api/users/${rep.id}`)).status).toBe(200);
  });
});

describe('a new person’s capacity', () => {
  /** Saves a policy version whose defaultCapacity is `n` (the stock policy says 100). */
  async function defaultCapacity(n: number) {
    const before = await currentPolicy(db);
    const edited = structuredClone(before.policy);
    edited.ownership.defaultCapacity = n;
    expect(await savePolicy(db, { basedOn: before.version, policy: edited, note: null, actor: { name: 'test' } })).toMatchObject({ ok: true });
  }

  it('is the policy’s default when the team form leaves it empty, and the form starts with that default', async () => {
    await defaultCapacity(140);
    const t = testApp(db);
    const page = await (await t.get('/team/new')).text();
    expect(inputValue(page, 'capacity')).toBe('140');
    expect(text(page)).toContain('Empty: the policy’s default, 140');
    // The form as it comes (the default in the field) and with the field emptied: both 140.
    expect((await t.form('/team', { ...newRep, capacity: '140' })).status).toBe(303);
    expect((await t.form('/team', { ...newRep, email: 'empty@example.com', capacity: '' })).status).toBe(303);
    expect((await byEmail('nina@example.com'))!.capacity).toBe(140);
    expect((await byEmail('empty@example.com'))!.capacity).toBe(140);
    // A capacity given is kept.
    expect((await t.form('/team', { ...newRep, email: 'given@example.com', capacity: '75' })).status).toBe(303);
    expect((await byEmail('given@example.com'))!.capacity).toBe(75);
  });

  it('is the policy’s default when the API is given none', async () => {
    await defaultCapacity(60);
    const t = testApp(db);
    const made = await t.json('POST', '/api/users', { email: 'api.rep@example.com', name: 'Api Rep', role: 'rep', level: 2 });
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ capacity: 60 });
    expect((await byEmail('api.rep@example.com'))!.capacity).toBe(60);
    const given = await t.json('POST', '/api/users', { email: 'given@example.com', name: 'Given', role: 'rep', level: 2, capacity: 90 });
    expect(await given.json()).toMatchObject({ capacity: 90 });
  });

  it('is the policy in force when they are added, not the one when the form was opened', async () => {
    const t = testApp(db);
    expect(inputValue(await (await t.get('/team/new')).text(), 'capacity')).toBe('100');
    await defaultCapacity(55);
    expect((await t.form('/team', { ...newRep, capacity: '' })).status).toBe(303);
    expect((await byEmail('nina@example.com'))!.capacity).toBe(55);
  });

  it('emptied on the edit form is the policy’s default again', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    await defaultCapacity(120);
    const t = testApp(db);
    expect(text(await (await t.get(`/team/${rep.id}/edit`)).text())).toContain('Empty: the policy’s default, 120');
    const res = await t.form(`/team/${rep.id}`, { name: rep.name, email: rep.email, role: 'rep', level: '2', capacity: '', state: 'active', version: '1' });
    expect(res.status).toBe(303);
    expect((await byEmail(rep.email))!.capacity).toBe(120);
  });

  it('set to null through PATCH /api/users/:id is the policy’s default again, as the emptied edit form is; left out, it stays', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const t = testApp(db);
    expect(await (await t.json('PATCH', `/api/users/${rep.id}`, { capacity: 75 })).json()).toMatchObject({ capacity: 75 });
    await defaultCapacity(120);
    // Left out, the capacity is not touched.
    expect(await (await t.json('PATCH', `/api/users/${rep.id}`, { region: 'East' })).json()).toMatchObject({ capacity: 75, region: 'East' });
    const reset = await t.json('PATCH', `/api/users/${rep.id}`, { capacity: null });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ capacity: 120, region: 'East' });
    expect((await byEmail(rep.email))!.capacity).toBe(120);
    // The policy in force when the change is made, not the one when the user got their capacity.
    expect((await t.json('PATCH', `/api/users/${rep.id}`, { capacity: 75 })).status).toBe(200);
    await defaultCapacity(90);
    expect(await (await t.json('PATCH', `/api/users/${rep.id}`, { capacity: null })).json()).toMatchObject({ capacity: 90 });
    const changes = (await audit()).filter((e) => e.entity === 'user' && e.entityId === rep.id && e.action === 'updated');
    expect(changes.at(-1)!.before).toMatchObject({ capacity: 75 });
    expect(changes.at(-1)!.after).toMatchObject({ capacity: 90 });
  });

  it('set to null falls back to the column’s default while no policy is stored', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const t = testApp(db);
    expect((await t.json('PATCH', `/api/users/${rep.id}`, { capacity: 75 })).status).toBe(200);
    await db.delete(policies);
    expect(await (await t.json('PATCH', `/api/users/${rep.id}`, { capacity: null })).json()).toMatchObject({ capacity: 100 });
    expect((await byEmail(rep.email))!.capacity).toBe(100);
  });

  it('falls back to the column’s default while no policy is stored', async () => {
    await db.delete(policies);
    const r = await createUser(db, newUserSchema.parse({ email: 'early@example.com', name: 'Early', role: 'rep', level: 1 }), { name: 'test', role: 'admin' });
    expect(r).toMatchObject({ ok: true, user: { capacity: 100 } });
  });
});
