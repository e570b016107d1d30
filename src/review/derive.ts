import { eq, gt, lt, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accountSnapshots, accounts, snapshotChanges, snapshotCounts, snapshotMonths, snapshotMoves, snapshotOverdue, snapshotWeeks } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { overdueCountsByOwner } from '../cadence/queries.ts';
import { CHANGE_LISTS, changeLists, movesOf, tierRanks, type ListItem, type Move, type SnapState, type StateCount } from './diff.ts';

// The review's per-week data, derived from account_snapshots in the transaction that takes (or
// back-fills) a week, so that the review page reads a few hundred rows: counts per owner and
// state, the open deal value per close-by month, the movement matrix and the change lists
// against the week before. A week's moves and changes depend on the week before it, so taking
// or back-filling a week also derives the week after it again (see weeksToDerive).

const CHUNK = 5000;

/** Stale counts for open prospects only (the review's stale list), so other states split no further. */
const STALE = sql`(kind = 'prospect' and status = 'open' and 'stale' = any(flags))`;

export type DeriveStats = { week: string; comparedWith: string | null; moved: number; listed: number; ms: number };

/** The latest snapshot week before `week`, if any. */
export async function weekBefore(db: Db, week: string): Promise<string | null> {
  const [r] = await db.select({ w: sql<string | null>`max(${snapshotWeeks.week})::text` }).from(snapshotWeeks).where(lt(snapshotWeeks.week, week));
  return r?.w ?? null;
}

export async function weekAfter(db: Db, week: string): Promise<string | null> {
  const [r] = await db.select({ w: sql<string | null>`min(${snapshotWeeks.week})::text` }).from(snapshotWeeks).where(gt(snapshotWeeks.week, week));
  return r?.w ?? null;
}

/** The weeks to derive after `taken` were stored: each of them, and the week after each (oldest first). */
export async function weeksToDerive(db: Db, taken: readonly string[]): Promise<string[]> {
  const set = new Set(taken);
  for (const w of taken) {
    const next = await weekAfter(db, w);
    if (next) set.add(next);
  }
  return [...set].sort();
}

/** Replaces every derived row of `week`, comparing it with the snapshot week before it. */
export async function deriveWeek(tx: Db, week: string, policy: Policy): Promise<DeriveStats> {
  const started = performance.now();
  for (const t of [snapshotCounts, snapshotMonths, snapshotMoves, snapshotChanges]) await tx.delete(t).where(eq(t.week, week));

  await tx.execute(sql`
    insert into ${snapshotCounts} (week, owner_id, kind, status, grade, tier, stale, n, open_value)
    select week, owner_id, kind, status, grade, tier, ${STALE}, count(*)::int, coalesce(sum(open_value), 0)
    from ${accountSnapshots} where week = ${week}::date
    group by week, owner_id, kind, status, grade, tier, ${STALE}`);
  await tx.execute(sql`
    insert into ${snapshotMonths} (week, owner_id, month, n, open_value)
    select week, owner_id, coalesce(to_char(close_by, 'YYYY-MM'), ''), count(*)::int, sum(open_value)
    from ${accountSnapshots}
    where week = ${week}::date and kind = 'prospect' and status = 'open' and open_value > 0
    group by week, owner_id, coalesce(to_char(close_by, 'YYYY-MM'), '')`);

  const prev = await weekBefore(tx, week);
  let moved = 0, listed = 0;
  if (prev) {
    const items = await movedAccounts(tx, week, prev);
    const counts = await query<StateCount>(
      tx,
      sql`select owner_id as "ownerId", kind, status, grade, sum(n)::int as n from ${snapshotCounts} where week = ${week}::date group by 1, 2, 3, 4`,
    );
    const moves = movesOf(
      counts.map((c) => ({ ...c, ownerId: c.ownerId === null ? null : Number(c.ownerId), n: Number(c.n) })),
      items,
    );
    await insertMoves(tx, week, moves);
    moved = items.length;
    listed = await insertChanges(tx, week, items, policy);
  }
  await tx.update(snapshotWeeks).set({ comparedWith: prev }).where(eq(snapshotWeeks.week, week));
  return { week, comparedWith: prev, moved, listed, ms: Math.round(performance.now() - started) };
}

const thisWeek = (week: string) => sql`(select * from ${accountSnapshots} where week = ${week}::date)`;

async function insertMoves(tx: Db, week: string, moves: readonly Move[]): Promise<void> {
  const rows = moves.map((m) => ({ owner_id: m.ownerId, from_key: m.fromKey, to_key: m.toKey, n: m.n }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx.execute(sql`
      insert into ${snapshotMoves} (week, owner_id, from_key, to_key, n)
      select ${week}::date, v.owner_id, v.from_key, v.to_key, v.n
      from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + CHUNK))}::jsonb) as v(owner_id int, from_key text, to_key text, n int)`);
  }
}

type ChangedRow = {
  id: number;
  name_key: string | null;
  owner_id: number | null;
  has_p: boolean;
  p_kind: string | null;
  p_status: string | null;
  p_grade: string | null;
  p_tier: string | null;
  p_flags: string[] | null;
  p_slip: number | null;
  c_kind: string;
  c_status: string;
  c_grade: string | null;
  c_tier: string | null;
  c_flags: string[];
  c_slip: number;
};

type MovedAccount = ListItem & { ownerId: number | null };

/** The accounts of this week that moved at all since `prev` (diff.ts `unmoved`, in SQL), with both states. */
async function movedAccounts(tx: Db, week: string, prev: string): Promise<MovedAccount[]> {
  const rows = await query<ChangedRow>(
    tx,
    // The name (for the lists' order) looked up per moved account: a join would read every account.
    sql`select c.account_id as id, (select a.name_key from ${accounts} a where a.id = c.account_id) as name_key, c.owner_id, p.account_id is not null as has_p,
          p.kind as p_kind, p.status as p_status, p.grade as p_grade, p.tier as p_tier, p.flags as p_flags, p.slip_count as p_slip,
          c.kind as c_kind, c.status as c_status, c.grade as c_grade, c.tier as c_tier, c.flags as c_flags, c.slip_count as c_slip
        from ${thisWeek(week)} c
        left join ${thisWeek(prev)} p on p.account_id = c.account_id
        where p.account_id is null or p.kind <> c.kind or p.status <> c.status
          or p.grade is distinct from c.grade or p.tier is distinct from c.tier or p.slip_count <> c.slip_count
          or ('slipped' = any(p.flags)) <> ('slipped' = any(c.flags))`,
  );
  return rows.map((r) => ({
    accountId: Number(r.id),
    nameKey: r.name_key ?? '',
    ownerId: r.owner_id === null ? null : Number(r.owner_id),
    prev: r.has_p ? ({ kind: r.p_kind!, status: r.p_status!, grade: r.p_grade, tier: r.p_tier, flags: r.p_flags ?? [], slipCount: Number(r.p_slip ?? 0) } satisfies SnapState) : null,
    cur: { kind: r.c_kind, status: r.c_status, grade: r.c_grade, tier: r.c_tier, flags: r.c_flags, slipCount: Number(r.c_slip) },
  }));
}

/** Each change list's accounts, in display order. */
async function insertChanges(tx: Db, week: string, items: readonly MovedAccount[], policy: Policy): Promise<number> {
  const lists = changeLists(items, tierRanks(policy.tiering.tiers));
  const out: { list: string; pos: number; account_id: number; owner_id: number | null }[] = [];
  for (const l of CHANGE_LISTS) lists[l].forEach((it, i) => out.push({ list: l, pos: i + 1, account_id: it.accountId, owner_id: (it as MovedAccount).ownerId }));
  for (let i = 0; i < out.length; i += CHUNK) {
    await tx.execute(sql`
      insert into ${snapshotChanges} (week, list, pos, account_id, owner_id)
      select ${week}::date, v.list, v.pos, v.account_id, v.owner_id
      from jsonb_to_recordset(${JSON.stringify(out.slice(i, i + CHUNK))}::jsonb) as v(list text, pos int, account_id int, owner_id int)`);
  }
  return out.length;
}

/** Per owner, the accounts with an overdue touch as of the week's Monday (kept with the week). */
export async function recordOverdue(tx: Db, week: string, policy: Policy): Promise<number> {
  await tx.delete(snapshotOverdue).where(eq(snapshotOverdue.week, week));
  const counts = await overdueCountsByOwner(tx, policy, week);
  const rows = [...counts].map(([owner_id, n]) => ({ owner_id, n }));
  if (rows.length) {
    await tx.execute(sql`
      insert into ${snapshotOverdue} (week, owner_id, n)
      select ${week}::date, v.owner_id, v.n from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(owner_id int, n int)`);
  }
  return rows.reduce((t, r) => t + r.n, 0);
}

