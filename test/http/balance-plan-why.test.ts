import { readFileSync } from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, auditLog, users } from '../../src/db/schema.ts';
import { MOVE_REASONS } from '../../src/ownership/balance.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';

// A balance move's sentence (why) is rendered when shown, from the move's fields and its plan's reps
// and target. Built in the database, the territories of the fixture (plans as stored before the
// sentences stopped being stored) give the same plans: the API, the plan page and the audit rows of
// the applied plan show the very sentences those plans stored.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

type Fixture = {
  plans: {
    title: string;
    cover: boolean;
    reps: { id: number; name: string; level: number; capacity: number; state: string }[];
    accounts: { id: number; ownerId: number | null; pinned: boolean; need: { key: string } | null }[];
    plan: { moves: { accountId: number; from: number | null; to: number; key: string; load: number; minLevel: number; reason: string; why: string }[] };
  }[];
};
const fixture = JSON.parse(readFileSync(new URL('../fixtures/balance/moves-before-0012.json', import.meta.url), 'utf8')) as Fixture;
// The two territories of named reps and the policy's own requirements (the others are pure-only).
const territories = fixture.plans.slice(0, 2);
const GRADES = ['A', 'B', 'C', 'D'];

type ApiMove = { accountId: number; from: number | null; to: number; key: string; load: number; minLevel: number; reason: string; why: string };
type ApiPlan = { id: number; moves: ApiMove[]; movesTotal: number };

/** The fixture's territory in the database; its ids mapped to the database's (same order, so the same plan). */
async function build(t: Fixture['plans'][number]) {
  const repId = new Map<number, number>();
  for (const r of t.reps) {
    const [u] = await db
      .insert(users)
      .values({ email: `${r.name.toLowerCase().replace(/\W+/g, '.')}@test.invalid`, name: r.name, role: 'rep', level: r.level, capacity: r.capacity, state: r.state, leaveFrom: r.state === 'on_leave' ? '2026-06-01' : null })
      .returning();
    repId.set(r.id, u!.id);
  }
  // Owners that are not reps keep their number: no user has it.
  const owner = (id: number | null) => (id === null ? null : (repId.get(id) ?? id));
  const rows = await db
    .insert(accounts)
    .values(
      t.accounts.map((a, i) => {
        const key = a.need!.key;
        const grade = GRADES.includes(key);
        return { kind: grade ? 'prospect' : 'customer', name: `Account ${i + 1}`, nameKey: `account ${i + 1}`, addedOn: '2026-01-05', status: 'open', grade: grade ? key : null, tier: grade ? null : key, ownerId: owner(a.ownerId), pinned: a.pinned };
      }),
    )
    .returning({ id: accounts.id });
  const accountId = new Map(t.accounts.map((a, i) => [a.id, rows[i]!.id]));
  const expected: ApiMove[] = t.plan.moves.map((m) => ({ ...m, accountId: accountId.get(m.accountId)!, from: owner(m.from), to: owner(m.to)!, why: m.why.replace(/\(#(\d+)\) is not a rep/, (_, id: string) => `(#${owner(Number(id))}) is not a rep`) }));
  return { expected };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

describe('the why of each balance move', () => {
  it.each(territories.map((t) => [t.title, t] as const))('is shown as plans stored it, by the API, the plan page and the audit trail: %s', async (_, t) => {
    expect(t.accounts.every((a) => a.need !== null)).toBe(true);
    const { expected } = await build(t);
    const app = testApp(db);

    const res = await app.json('POST', '/api/territory/plans', { cover: t.cover });
    expect(res.status).toBe(201);
    const plan = (await res.json()) as ApiPlan;
    expect(plan.movesTotal).toBe(expected.length);
    // The same shape as when the sentence was stored, and a sentence for every move.
    for (const m of plan.moves) expect(Object.keys(m)).toEqual(['accountId', 'from', 'to', 'key', 'load', 'minLevel', 'reason', 'why']);
    expect(plan.moves).toEqual(expected);

    // Read back, whole and filtered by reason.
    const read = (await (await app.json('GET', `/api/territory/plans/${plan.id}`)).json()) as ApiPlan;
    expect(read.moves).toEqual(expected);
    for (const reason of MOVE_REASONS) {
      const some = (await (await app.json('GET', `/api/territory/plans/${plan.id}?reason=${reason}`)).json()) as ApiPlan;
      expect(some.moves.map((m) => m.why)).toEqual(expected.filter((m) => m.reason === reason).map((m) => m.why));
    }

    // The plan page shows each sentence.
    const page = await (await app.get(`/territory/plans/${plan.id}`)).text();
    for (const m of expected) expect(page).toContain(escapeHtml(m.why));

    // Applied: each audit row keeps the move's sentence.
    expect((await app.json('POST', `/api/territory/plans/${plan.id}/apply`)).status).toBe(200);
    const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'owner_changed')).orderBy(asc(auditLog.id));
    expect(audit.map((r) => [r.accountId, (r.after as { reason: string; why: string }).reason, (r.after as { why: string }).why])).toEqual(expected.map((m) => [m.accountId, m.reason, m.why]));
  });
});
