import { eq, gt, lt, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accountSnapshots, accounts, snapshotChanges, snapshotCounts, snapshotMonths, snapshotMoves, snapshotOverdue, snapshotWeeks } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { overdueCountsByOwner } from '../cadence/queries.ts';
import { CHANGE_LISTS, changeLists, placeOf, tierRanks, type ListItem, type SnapState } from './diff.ts';

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
    moved = await deriveMoves(tx, week, prev);
    listed = await deriveChanges(tx, week, prev, policy);
  }
  await tx.update(snapshotWeeks).set({ comparedWith: prev }).where(eq(snapshotWeeks.week, week));
  return { week, comparedWith: prev, moved, listed, ms: Math.round(performance.now() - started) };
}

const thisWeek = (week: string) => sql`(select * from ${accountSnapshots} where week = ${week}::date)`;

/** The movement matrix: accounts per owner and (last week's place, this week's place). */
async function deriveMoves(tx: Db, week: string, prev: string): Promise<number> {
  const cells = await query<{ p_absent: boolean; p_kind: string | null; p_status: string | null; p_grade: string | null; c_absent: boolean; c_kind: string | null; c_status: string | null; c_grade: string | null; owner_id: number | null; n: number }>(
    tx,
    sql`select p.account_id is null as p_absent, p.kind as p_kind, p.status as p_status, p.grade as p_grade,
          c.account_id is null as c_absent, c.kind as c_kind, c.status as c_status, c.grade as c_grade,
          coalesce(c.owner_id, p.owner_id) as owner_id, count(*)::int as n
        from ${thisWeek(week)} c full join ${thisWeek(prev)} p on p.account_id = c.account_id
        group by 1, 2, 3, 4, 5, 6, 7, 8, 9`,
  );
  const place = (absent: boolean, kind: string | null, status: string | null, grade: string | null) => placeOf(absent ? null : { kind: kind!, status: status!, grade });
  const agg = new Map<string, { owner_id: number | null; from_key: string; to_key: string; n: number }>();
  for (const c of cells) {
    const from = place(c.p_absent, c.p_kind, c.p_status, c.p_grade), to = place(c.c_absent, c.c_kind, c.c_status, c.c_grade);
    const owner = c.owner_id === null ? null : Number(c.owner_id);
    const key = `${owner}|${from}|${to}`;
    const a = agg.get(key) ?? { owner_id: owner, from_key: from, to_key: to, n: 0 };
    a.n += Number(c.n);
    agg.set(key, a);
  }
  const rows = [...agg.values()];
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx.execute(sql`
      insert into ${snapshotMoves} (week, owner_id, from_key, to_key, n)
      select ${week}::date, v.owner_id, v.from_key, v.to_key, v.n
      from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + CHUNK))}::jsonb) as v(owner_id int, from_key text, to_key text, n int)`);
  }
  return rows.reduce((t, r) => t + r.n, 0);
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

/** The change lists: only the accounts that moved at all are read (diff.ts `unmoved`, in SQL). */
async function deriveChanges(tx: Db, week: string, prev: string, policy: Policy): Promise<number> {
  const rows = await query<ChangedRow>(
    tx,
    sql`select c.account_id as id, a.name_key, c.owner_id, p.account_id is not null as has_p,
          p.kind as p_kind, p.status as p_status, p.grade as p_grade, p.tier as p_tier, p.flags as p_flags, p.slip_count as p_slip,
          c.kind as c_kind, c.status as c_status, c.grade as c_grade, c.tier as c_tier, c.flags as c_flags, c.slip_count as c_slip
        from ${thisWeek(week)} c
        left join ${thisWeek(prev)} p on p.account_id = c.account_id
        left join ${accounts} a on a.id = c.account_id
        where p.account_id is null or p.kind <> c.kind or p.status <> c.status
          or p.grade is distinct from c.grade or p.tier is distinct from c.tier or p.slip_count <> c.slip_count
          or ('slipped' = any(p.flags)) <> ('slipped' = any(c.flags))`,
  );
  const items: (ListItem & { ownerId: number | null })[] = rows.map((r) => ({
    accountId: Number(r.id),
    nameKey: r.name_key ?? '',
    ownerId: r.owner_id === null ? null : Number(r.owner_id),
    prev: r.has_p ? ({ kind: r.p_kind!, status: r.p_status!, grade: r.p_grade, tier: r.p_tier, flags: r.p_flags ?? [], slipCount: Number(r.p_slip ?? 0) } satisfies SnapState) : null,
    cur: { kind: r.c_kind, status: r.c_status, grade: r.c_grade, tier: r.c_tier, flags: r.c_flags, slipCount: Number(r.c_slip) },
  }));
  const lists = changeLists(items, tierRanks(policy.tiering.tiers));
  const out: { list: string; pos: number; account_id: number; owner_id: number | null }[] = [];
  for (const l of CHANGE_LISTS) lists[l].forEach((it, i) => out.push({ list: l, pos: i + 1, account_id: it.accountId, owner_id: (it as (typeof items)[number]).ownerId }));
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

