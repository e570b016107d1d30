import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, signals, users } from '../../src/db/schema.ts';
import { lastTouchesOf, touchesDue, type CadenceAccount } from '../../src/cadence/cadence.ts';
import { accountCadence, lastTouches, overdueCountsByOwner, overdueTouches } from '../../src/cadence/queries.ts';
import { defaultPolicy, SIGNAL_TYPES, type Policy } from '../../src/policy/policy.ts';
import { addDays } from '../../src/shared/dates.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';

// The SQL of src/cadence/queries.ts against the pure rule of src/cadence/cadence.ts, on a drawn
// pipeline: every overdue touch the rule finds, the query finds, with the same dates and order.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const AS_OF = '2026-06-30';

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Drawn = CadenceAccount & { name: string; ownerId: number | null; signals: { type: string; date: string }[] };

async function drawPipeline(seed: number, n: number, owners: number[]): Promise<(Drawn & { id: number })[]> {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const drawn: Drawn[] = [];
  for (let i = 0; i < n; i++) {
    const customer = r() < 0.3;
    const addedOn = addDays(AS_OF, -int(0, 600));
    const convertedOn = customer ? addDays(AS_OF, -int(0, 300)) : null;
    const sigs = Array.from({ length: int(0, 6) }, () => ({ type: pick(SIGNAL_TYPES), date: addDays(AS_OF, -int(-5, 400)) }));
    drawn.push({
      name: `Account ${String(i).padStart(3, '0')}`,
      kind: customer ? 'customer' : 'prospect',
      status: customer ? 'open' : pick(['open', 'open', 'open', 'lost', 'disqualified']),
      grade: pick(['A', 'B', 'C', 'D', null]),
      tier: customer ? pick(['Strategic', 'Key', 'Standard', 'Unknown tier']) : null,
      addedOn,
      convertedOn,
      ownerId: pick([...owners, null]),
      signals: sigs,
    });
  }
  const rows = await db
    .insert(accounts)
    .values(drawn.map((d) => ({ name: d.name, nameKey: d.name.toLowerCase(), kind: d.kind, status: d.status, grade: d.grade, tier: d.tier, addedOn: d.addedOn, convertedOn: d.convertedOn, ownerId: d.ownerId })))
    .returning({ id: accounts.id });
  const all = drawn.map((d, i) => ({ ...d, id: rows[i]!.id }));
  const sigRows = all.flatMap((d) => d.signals.map((s) => ({ accountId: d.id, type: s.type, date: s.date })));
  if (sigRows.length) await db.insert(signals).values(sigRows);
  return all;
}

function expectedOverdue(all: (Drawn & { id: number })[], policy: Policy, ownerId?: number) {
  return all
    .filter((d) => ownerId === undefined || d.ownerId === ownerId)
    .flatMap((d) => touchesDue(d, lastTouchesOf(d.signals, policy.cadence, AS_OF), policy.cadence, AS_OF).map((t) => ({ d, t })))
    .filter(({ t }) => t.daysOverdue > 0)
    .sort((x, y) => y.t.daysOverdue - x.t.daysOverdue || (x.d.name < y.d.name ? -1 : x.d.name > y.d.name ? 1 : 0) || x.t.kind.localeCompare(y.t.kind))
    .map(({ d, t }) => ({ accountId: d.id, touch: t.kind, lastOn: t.lastOn, dueOn: t.dueOn, daysOverdue: t.daysOverdue, everyDays: t.everyDays }));
}

async function owners() {
  const made = await db
    .insert(users)
    .values([1, 2, 3].map((i) => ({ email: `rep${i}@test.invalid`, name: `Rep ${i}`, role: 'rep', level: 2 })))
    .returning({ id: users.id });
  return made.map((u) => u.id);
}

describe('overdue touches in SQL follow the pure rule', () => {
  it.each([1, 2, 3])('on a drawn pipeline of 150 accounts (seed %i): the whole list, one owner, and the counts per owner', async (seed) => {
    const ids = await owners();
    const all = await drawPipeline(seed, 150, ids);
    const policy = defaultPolicy();
    const want = expectedOverdue(all, policy);
    expect(want.length).toBeGreaterThan(20);

    const got = await overdueTouches(db, policy, AS_OF, {}, 10_000);
    expect(got.total).toBe(want.length);
    expect(got.rows.map((r) => ({ accountId: r.accountId, touch: r.touch, lastOn: r.lastOn, dueOn: r.dueOn, daysOverdue: r.daysOverdue, everyDays: r.everyDays }))).toEqual(want);

    const mine = await overdueTouches(db, policy, AS_OF, { ownerId: ids[0] }, 5);
    const wantMine = expectedOverdue(all, policy, ids[0]);
    expect(mine.total).toBe(wantMine.length);
    expect(mine.rows.map((r) => r.accountId)).toEqual(wantMine.slice(0, 5).map((r) => r.accountId));
    expect(mine.rows.every((r) => r.ownerId === ids[0] && r.ownerName === 'Rep 1')).toBe(true);

    const counts = await overdueCountsByOwner(db, policy, AS_OF);
    for (const id of ids) {
      const accountsOverdue = new Set(expectedOverdue(all, policy, id).map((r) => r.accountId)).size;
      expect(counts.get(id) ?? 0).toBe(accountsOverdue);
    }
    expect([...counts.keys()].every((k) => ids.includes(k))).toBe(true);
  });

  it('follows a policy with other intervals and touch types', async () => {
    const ids = await owners();
    const all = await drawPipeline(7, 120, ids);
    const policy = defaultPolicy();
    policy.cadence = { byTier: { Key: { callDays: 10, visitDays: 400 } }, byGrade: { A: 3, B: 200, C: 1, D: 1000 }, callTypes: ['email'], visitTypes: ['note', 'visit'] };
    const got = await overdueTouches(db, policy, AS_OF, {}, 10_000);
    const want = expectedOverdue(all, policy);
    expect(got.rows.map((r) => ({ accountId: r.accountId, touch: r.touch, lastOn: r.lastOn, dueOn: r.dueOn, daysOverdue: r.daysOverdue, everyDays: r.everyDays }))).toEqual(want);
    expect(got.rows.some((r) => r.tier === 'Strategic')).toBe(false);
  });
});

describe("one account's cadence", () => {
  it('reads its last touches and applies the rule; a lost prospect has none', async () => {
    const [a, b] = await db
      .insert(accounts)
      .values([
        { name: 'Open A', nameKey: 'open a', grade: 'A', addedOn: '2026-01-01' },
        { name: 'Lost A', nameKey: 'lost a', grade: 'A', status: 'lost', addedOn: '2026-01-01' },
      ])
      .returning();
    await db.insert(signals).values([
      { accountId: a!.id, type: 'call', date: '2026-06-10' },
      { accountId: a!.id, type: 'email', date: '2026-06-20' },
      { accountId: a!.id, type: 'selection_started', date: '2026-06-25' },
    ]);
    const policy = defaultPolicy();
    expect(await lastTouches(db, a!.id, policy.cadence, AS_OF)).toEqual({ call: '2026-06-10', visit: null, touch: '2026-06-20' });
    expect(await accountCadence(db, a!, policy.cadence, AS_OF)).toMatchObject([{ kind: 'touch', lastOn: '2026-06-20', dueOn: '2026-06-27', daysOverdue: 3 }]);
    expect(await accountCadence(db, b!, policy.cadence, AS_OF)).toEqual([]);
  });
});
