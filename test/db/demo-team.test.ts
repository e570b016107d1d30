import { beforeAll, describe, expect, it } from 'vitest';
import { asc, count, eq, isNull, ne } from 'drizzle-orm';
import { accounts, auditLog, users } from '../../src/db/schema.ts';
import { DEMO_ON_LEAVE, DEMO_PEOPLE, demoPassword, ensureDemoTeam, loadDemoWithTeam } from '../../src/demo/demo-team.ts';
import { DemoRefusedError } from '../../src/demo/load-demo.ts';
import { signIn } from '../../src/users/sign-in.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';

// The demo comes with its team: one admin, one manager and two reps at each level, who own the
// demo accounts they worked. `npm run demo` gives them their (published) demo passwords.

const database = await testDatabase();
const db = database.db;
const today = '2026-11-24';
const now = new Date('2026-11-24T12:00:00Z');

describe(`the demo team (${testDb()})`, () => {
  let team: Awaited<ReturnType<typeof loadDemoWithTeam>>['team'];
  beforeAll(async () => {
    await resetDatabase(database);
    ({ team } = await loadDemoWithTeam(db, { today, passwords: true }));
  }, 60_000);

  it('has one admin, one manager and two reps at each level, all active but one on leave', async () => {
    const rows = await db.select().from(users).orderBy(asc(users.id));
    expect(rows.filter((u) => u.role === 'admin')).toHaveLength(1);
    expect(rows.filter((u) => u.role === 'manager')).toHaveLength(1);
    const reps = rows.filter((u) => u.role === 'rep');
    expect([1, 2, 3, 4].map((l) => reps.filter((u) => u.level === l).length)).toEqual([2, 2, 2, 2]);
    expect(rows.every((u) => u.passwordHash?.startsWith('$argon2id$'))).toBe(true);
    expect(rows.filter((u) => u.state !== 'active').map((u) => [u.name, u.state])).toEqual([[DEMO_ON_LEAVE, 'on_leave']]);
    expect(team.map((m) => m.password)).toEqual(DEMO_PEOPLE.map(demoPassword));
  });

  it('can sign in with the printed passwords', async () => {
    for (const m of team.slice(0, 3)) {
      const r = await signIn(db, { email: m.email, password: m.password!, ip: '127.0.0.1', now });
      expect(r, m.email).toMatchObject({ ok: true, user: expect.objectContaining({ role: m.role }) });
    }
  });

  it('owns the demo accounts: each is the rep’s who worked it', async () => {
    const [unowned] = await db.select({ n: count() }).from(accounts).where(isNull(accounts.ownerId));
    expect(unowned!.n).toBe(0);
    const owners = await db.selectDistinct({ role: users.role }).from(accounts).innerJoin(users, eq(users.id, accounts.ownerId));
    expect(owners).toEqual([{ role: 'rep' }]);
    const audit = await db.select().from(auditLog).where(ne(auditLog.entity, 'user'));
    expect(audit).toEqual([expect.objectContaining({ action: 'demo_loaded', actor: 'demo loader', actorId: null, after: expect.objectContaining({ prospects: 300 }) })]);
  });

  it('is not added twice, and a refused load adds nobody', async () => {
    const before = await db.select({ n: count() }).from(users);
    await expect(loadDemoWithTeam(db, { today, passwords: true })).rejects.toThrow(DemoRefusedError);
    const again = await ensureDemoTeam(db, { passwords: true });
    expect(again.every((m) => !m.created && m.password === null)).toBe(true);
    expect(await db.select({ n: count() }).from(users)).toEqual(before);
  });
});

describe(`the demo from the button (${testDb()})`, () => {
  it('adds the people without passwords: nobody can sign in as them', async () => {
    await resetDatabase(database);
    const { team } = await loadDemoWithTeam(db, { today, passwords: false, count: 20 });
    expect(team.every((m) => m.password === null)).toBe(true);
    expect((await db.select().from(users)).every((u) => u.passwordHash === null)).toBe(true);
    expect(await signIn(db, { email: team[0]!.email, password: demoPassword(team[0]!), ip: '127.0.0.1', now })).toEqual({ ok: false, reason: 'wrong' });
  }, 60_000);
});
