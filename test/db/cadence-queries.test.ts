import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.ts';
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

// account_touches (drizzle/0013) is kept by triggers on signals; the overdue queries read it. The
// reference below is the derivation the queries used before: each account's last touch of each
// class probed from its signals at query time.
async function referenceOverdue(policy: Policy, ownerId?: number) {
  const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);
  const latest = (types: readonly string[]) =>
    sql`(select max(s.date) from ${signals} s where s.account_id = a.id and s.date <= ${AS_OF}::date and s.type in (${list(types)}))`;
  const c = policy.cadence;
  const rows = await query<{ accountId: number; touch: string; lastOn: string | null; since: string; kind: string; grade: string | null; tier: string | null }>(
    db,
    sql`select a.id as "accountId", t.touch, t.last_on::text as "lastOn", a.kind, a.grade, a.tier,
          (case when a.kind = 'customer' then coalesce(a.converted_on, a.added_on) else a.added_on end)::text as since
        from ${accounts} a
        cross join lateral (values
          ('touch', case when a.kind = 'prospect' then ${latest(['call', 'meeting', 'email', 'visit', 'note'])} end),
          ('call', case when a.kind = 'customer' then ${latest(c.callTypes)} end),
          ('visit', case when a.kind = 'customer' then ${latest(c.visitTypes)} end)) t(touch, last_on)
        where (a.kind = 'customer' or (a.kind = 'prospect' and a.status = 'open' and a.grade is not null))
          ${ownerId === undefined ? sql`` : sql`and a.owner_id = ${ownerId}`}`,
  );
  const out: { accountId: number; touch: string; lastOn: string | null; dueOn: string }[] = [];
  for (const r of rows) {
    const every =
      r.kind === 'customer'
        ? r.touch === 'touch' ? undefined : c.byTier[r.tier ?? '']?.[r.touch === 'call' ? 'callDays' : 'visitDays']
        : r.touch === 'touch' ? c.byGrade[r.grade as 'A'] : undefined;
    if (every === undefined) continue;
    const since = r.lastOn !== null && r.lastOn > r.since ? r.lastOn : r.since;
    const dueOn = addDays(since, every);
    if (dueOn < AS_OF) out.push({ accountId: Number(r.accountId), touch: r.touch, lastOn: r.lastOn, dueOn });
  }
  return out.sort((x, y) => x.accountId - y.accountId || x.touch.localeCompare(y.touch));
}

const fast = async (policy: Policy, ownerId?: number) =>
  (await overdueTouches(db, policy, AS_OF, ownerId === undefined ? {} : { ownerId }, 10_000)).rows
    .map((r) => ({ accountId: r.accountId, touch: r.touch as string, lastOn: r.lastOn, dueOn: r.dueOn }))
    .sort((x, y) => x.accountId - y.accountId || x.touch.localeCompare(y.touch));

/** account_touches as kept, and as recomputed from the signals. */
async function keptTouches() {
  return query(db, sql`select account_id, last_call_on::text, last_meeting_on::text, last_email_on::text, last_visit_on::text, last_note_on::text from account_touches order by 1`);
}
async function liveTouches() {
  return query(
    db,
    sql`select account_id, (max(date) filter (where type = 'call'))::text as last_call_on, (max(date) filter (where type = 'meeting'))::text as last_meeting_on,
          (max(date) filter (where type = 'email'))::text as last_email_on, (max(date) filter (where type = 'visit'))::text as last_visit_on,
          (max(date) filter (where type = 'note'))::text as last_note_on
        from signals where type in ('call', 'meeting', 'email', 'visit', 'note') group by 1 order by 1`,
  );
}

describe('the kept last touches', () => {
  const policies = (): [string, Policy][] => {
    const other = defaultPolicy();
    other.cadence = { ...other.cadence, callTypes: ['email'], visitTypes: ['note', 'visit'] };
    const timing = defaultPolicy();
    timing.cadence = { ...timing.cadence, callTypes: ['call', 'selection_started'], visitTypes: ['visit'] };
    return [['default', defaultPolicy()], ['other touch types', other], ['a timing type among the calls', timing]];
  };

  it.each([11, 12])('follow inserts, deletes, moves and account deletes, and the queries answer as the old derivation did (seed %i)', async (seed) => {
    const ids = await owners();
    const all = await drawPipeline(seed, 160, ids);
    expect(await keptTouches()).toEqual(await liveTouches());
    const check = async () => {
      expect(await keptTouches()).toEqual(await liveTouches());
      for (const [, policy] of policies()) {
        expect(await fast(policy)).toEqual(await referenceOverdue(policy));
        expect(await fast(policy, ids[1])).toEqual(await referenceOverdue(policy, ids[1]));
      }
    };
    await check();
    // Signals dated ahead of the as-of day (kept, but not seen yet as of it), a batch in one statement.
    const some = all.filter((_, i) => i % 7 === 0);
    await db.insert(signals).values(some.flatMap((d, i) => [
      { accountId: d.id, type: 'call', date: addDays(AS_OF, 1 + (i % 4)) },
      { accountId: d.id, type: i % 2 ? 'visit' : 'email', date: addDays(AS_OF, -(i % 50)) },
    ]));
    await check();
    // Deletes: every latest touch of some accounts, all signals of others, one statement each.
    await db.execute(sql`delete from signals s where s.account_id % 3 = 0 and s.date = (select max(date) from signals t where t.account_id = s.account_id)`);
    await db.execute(sql`delete from signals where account_id % 5 = 1`);
    await check();
    // A signal moved to another account and re-dated (the app does not, but the trigger follows).
    await db.execute(sql`update signals set account_id = account_id + 1, date = date - 3 where id % 11 = 0 and account_id < (select max(id) from accounts)`);
    await check();
    // Deleting accounts takes their signals and kept dates with them.
    await db.execute(sql`delete from accounts where id % 4 = 2`);
    await check();
    expect((await fast(defaultPolicy())).length).toBeGreaterThan(20);
  });

  it('count an account without touch signals as never touched', async () => {
    const [a] = await db.insert(accounts).values([{ name: 'Quiet', nameKey: 'quiet', grade: 'A', addedOn: '2026-01-01' }]).returning();
    await db.insert(signals).values({ accountId: a!.id, type: 'selection_started', date: '2026-06-01' });
    expect(await keptTouches()).toEqual([]);
    const got = await overdueTouches(db, defaultPolicy(), AS_OF);
    expect(got.rows).toMatchObject([{ accountId: a!.id, touch: 'touch', lastOn: null, dueOn: '2026-01-08' }]);
  });
});

// The list's page is drawn from the accounts whose earliest overdue touch comes first, and its
// total is summed per account (src/cadence/queries.ts): any page must be the start of the whole list.
describe('pages of the overdue list', () => {
  it('are the start of the whole list, with ties on the due day and the name, and the same total', async () => {
    const ids = await owners();
    await drawPipeline(21, 120, ids);
    // Ties: customers and prospects sharing a name and a start day, some touched on the same day.
    const tied = await db
      .insert(accounts)
      .values(Array.from({ length: 30 }, (_, i) => ({
        name: `Tied ${i % 3}`, nameKey: `tied ${i % 3}`, kind: i % 2 ? 'customer' : 'prospect', grade: 'A', tier: i % 2 ? 'Key' : null,
        addedOn: '2025-01-01', convertedOn: i % 2 ? '2025-01-01' : null, ownerId: ids[i % 3]!,
      })))
      .returning({ id: accounts.id });
    await db.insert(signals).values(tied.filter((_, i) => i % 4 === 0).map((t) => ({ accountId: t.id, type: 'call', date: '2025-02-01' })));
    for (const policy of [defaultPolicy()]) {
      for (const scope of [{}, { ownerId: ids[1]! }]) {
        const whole = await overdueTouches(db, policy, AS_OF, scope, 10_000);
        expect(whole.rows.length).toBe(whole.total);
        for (const limit of [1, 2, 7, 20, 50]) {
          const page = await overdueTouches(db, policy, AS_OF, scope, limit);
          expect(page.total).toBe(whole.total);
          expect(page.rows).toEqual(whole.rows.slice(0, limit));
        }
      }
    }
  });

  it('see an account whose touches are all dated after the as-of day as never touched, and one with an older touch by it', async () => {
    const [a, b] = await db
      .insert(accounts)
      .values([
        { name: 'Ahead only', nameKey: 'ahead only', grade: 'A', addedOn: '2026-01-01' },
        { name: 'Ahead and before', nameKey: 'ahead and before', kind: 'customer', tier: 'Key', addedOn: '2025-01-01', convertedOn: '2025-01-01' },
      ])
      .returning();
    await db.insert(signals).values([
      { accountId: a!.id, type: 'email', date: addDays(AS_OF, 2) },
      { accountId: b!.id, type: 'call', date: addDays(AS_OF, 1) },
      { accountId: b!.id, type: 'visit', date: '2025-03-01' },
    ]);
    for (const policy of [defaultPolicy()]) expect(await fast(policy)).toEqual(await referenceOverdue(policy));
    const got = await overdueTouches(db, defaultPolicy(), AS_OF);
    expect(got.rows.find((r) => r.accountId === a!.id)).toMatchObject({ touch: 'touch', lastOn: null, dueOn: '2026-01-08' });
    expect(got.rows.filter((r) => r.accountId === b!.id).map((r) => [r.touch, r.lastOn])).toEqual([['call', '2025-03-01'], ['visit', '2025-03-01']]);
  });
});
