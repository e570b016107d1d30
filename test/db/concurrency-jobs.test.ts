import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import { accounts, auditLog, balancePlans, gradeChanges, signals, users } from '../../src/db/schema.ts';
import { factsOf, gradeColumns } from '../../src/grading/apply-grading.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { gradeProspect } from '../../src/grading/grading.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// Nothing lost when work overlaps (on PostgreSQL, really at once): two managers applying balance
// plans, and reps logging signals through the API while the daily re-grade runs. Afterwards every
// grade is what a fresh grading of the stored signals gives, every signal is stored once, and
// every move or grade change is in the history exactly once.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const TODAY = '2026-06-30';

async function rep(name: string, level: number, capacity = 8) {
  const [u] = await db.insert(users).values({ email: `${name.toLowerCase().replace(/\W+/g, '.')}@test.invalid`, name, role: 'rep', level, capacity }).returning();
  return u!;
}

/** An A prospect (a selection under way) owned by `ownerId`. */
async function prospectA(ownerId: number, name: string) {
  const p = await insertProspect(db, { name });
  await db.update(accounts).set({ ownerId }).where(eq(accounts.id, p.id));
  await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-20' });
  return p.id;
}

/** One rep carrying more than their capacity, one idle: a balance moves accounts from one to the other. */
async function overloaded() {
  const busy = await rep('Ann Busy', 3);
  const idle = await rep('Bo Idle', 3);
  await rep('June Junior', 1);
  const ids = [];
  for (const n of ['One', 'Two', 'Three', 'Four']) ids.push(await prospectA(busy.id, n));
  return { busy, idle, ids };
}

type Plan = { id: number; moves: { accountId: number; from: number | null; to: number }[] };

describe(`two managers applying balance plans at once (${testDb()})`, () => {
  const mona = () => testApp(db, TODAY, undefined, { as: PEOPLE.manager });
  const ada = () => testApp(db, TODAY, undefined, { as: 'admin' });

  it('two plans made on the same data: one applies whole, the other is refused whole; every move audited once', async () => {
    for (let round = 0; round < 3; round++) {
      await resetDatabase(database);
      const { ids } = await overloaded();
      const [m, a] = [mona(), ada()];
      const p1 = (await (await m.json('POST', '/api/territory/plans', {})).json()) as Plan;
      const p2 = (await (await a.json('POST', '/api/territory/plans', {})).json()) as Plan;
      expect(p1.moves.length).toBeGreaterThan(0);
      const res = await Promise.all([m.json('POST', `/api/territory/plans/${p1.id}/apply`), a.json('POST', `/api/territory/plans/${p2.id}/apply`)]);
      expect(res.map((r) => r.status).sort()).toEqual([200, 409]);
      const won = res[0]!.status === 200 ? p1 : p2;
      const lost = won === p1 ? p2 : p1;
      const refusal = await res.find((r) => r.status === 409)!.json();
      expect(refusal.error).toMatch(/the territory changed since this plan was made; nothing was applied/);
      // The winner's moves, all of them; none of the loser's that differ.
      const owners = new Map((await db.select({ id: accounts.id, ownerId: accounts.ownerId }).from(accounts).where(inArray(accounts.id, ids))).map((r) => [r.id, r.ownerId]));
      for (const mv of won.moves) expect(owners.get(mv.accountId)).toBe(mv.to);
      const moved = await db.select().from(auditLog).where(eq(auditLog.action, 'owner_changed'));
      expect(moved).toHaveLength(won.moves.length);
      expect(new Set(moved.map((r) => (r.after as { cause: string }).cause))).toEqual(new Set([`balance plan #${won.id}`]));
      const status = Object.fromEntries((await db.select().from(balancePlans)).map((p) => [p.id, p.status]));
      expect(status).toEqual({ [won.id]: 'applied', [lost.id]: 'proposed' });
    }
  });

  it('the same plan applied by both at once (page and API): applied once, the other told it already was', async () => {
    for (let round = 0; round < 3; round++) {
      await resetDatabase(database);
      await overloaded();
      const [m, a] = [mona(), ada()];
      const plan = (await (await m.json('POST', '/api/territory/plans', {})).json()) as Plan;
      const res = await Promise.all([m.form(`/territory/plans/${plan.id}/apply`, {}), a.json('POST', `/api/territory/plans/${plan.id}/apply`)]);
      const statuses = res.map((r) => r.status);
      // The page redirects when it applied; each refusal is a 409.
      expect(statuses.filter((s) => s === 303 || s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(1);
      expect(await db.select().from(auditLog).where(eq(auditLog.action, 'owner_changed'))).toHaveLength(plan.moves.length);
      expect(await db.select().from(auditLog).where(eq(auditLog.action, 'balance_applied'))).toHaveLength(1);
    }
  });
});

describe(`signals logged while the daily re-grade runs (${testDb()})`, () => {
  const asOf = '2026-07-11';

  /** The grade columns a fresh grading of every stored signal gives. */
  async function fresh(id: number) {
    const { version, policy } = await currentPolicy(db);
    const [acct] = await db.select().from(accounts).where(eq(accounts.id, id));
    const list = await db.select().from(signals).where(eq(signals.accountId, id)).orderBy(asc(signals.loggedAt), asc(signals.id));
    const { gradedOn: _g, ...columns } = gradeColumns(gradeProspect(factsOf(acct!), list, policy.grading, asOf), policy, version);
    return columns;
  }

  it('every signal stored once, every grade a fresh grading of them, the history unbroken', async () => {
    // 16 prospects whose A selection of January has slipped by July: the re-grade changes each.
    const ids: number[] = [];
    for (let i = 0; i < 16; i++) {
      const p = await insertProspect(db, { name: `Slipped ${i}`, addedOn: '2026-01-10' }, '2026-01-10');
      await insertSignal(db, p.id, { type: 'selection_started', date: '2026-01-10' }, '2026-01-10');
      ids.push(p.id);
    }
    const t = testApp(db, asOf);
    const types = ['need_denied', 'incumbent_failing', 'call', 'selection_started'];
    let runEnded = 0;
    const landed: number[] = [];
    const [stats, ...logged] = await Promise.all([
      regradeOpenProspects(db, { asOf, batchSize: 1 }).finally(() => (runEnded = performance.now())),
      ...ids.flatMap((id, i) =>
        [0, 1].map(async (k) => {
          await new Promise((r) => setTimeout(r, (i * 3 + k * 7) % 25));
          const res = await t.json('POST', `/api/prospects/${id}/signals`, { type: types[(i + k) % types.length], date: asOf, note: `signal ${i}.${k}` });
          landed.push(performance.now());
          return res;
        }),
      ),
    ]);
    expect(stats.scanned).toBe(16);
    // On PostgreSQL they did overlap: some signals were stored while the run was still going.
    if (testDb() === 'postgres') expect(landed.filter((at) => at < runEnded).length).toBeGreaterThan(0);
    expect(logged.map((r) => r.status)).toEqual(logged.map(() => 201));
    for (const [i, id] of ids.entries()) {
      const stored = await db.select().from(signals).where(eq(signals.accountId, id));
      // The first signal and both of today's, each once.
      expect(stored.map((s) => s.note).sort()).toEqual([null, `signal ${i}.0`, `signal ${i}.1`]);
      const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
      expect(row, `prospect ${id}`).toMatchObject({ gradedOn: asOf, ...(await fresh(id)) });
      const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, id)).orderBy(asc(gradeChanges.id));
      for (let h = 1; h < history.length; h++) expect(history[h]!.fromGrade, `prospect ${id} change ${h}`).toBe(history[h - 1]!.toGrade);
      expect(history.at(-1)!.toGrade).toBe(row!.grade);
    }
    // A second run finds nothing left to change.
    expect(await regradeOpenProspects(db, { asOf })).toMatchObject({ changed: 0 });
  });
});
