import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, auditLog, gradeChanges, tierChanges, users } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { addDays } from '../shared/dates.ts';
import { overdueTouches, type OverdueList } from '../cadence/queries.ts';

// A rep's home (or the team's): what to do now and what moved on their accounts this week.
// Each list is one indexed query with a limit and its full count; nothing loads the pipeline.

/** Whose home: one owner's accounts, or the whole team's (ownerId undefined). */
export type HomeScope = { ownerId?: number };

export const HOME_LIMIT = 50;
/** "Since last week": the seven days ending today. */
export const CHANGE_DAYS = 7;

const ownedBy = (scope: HomeScope, col: SQL = sql`a.owner_id`) => (scope.ownerId === undefined ? sql`` : sql`and ${col} = ${scope.ownerId}`);

export type StaleRow = { id: number; name: string; grade: string | null; lastSignalOn: string | null; addedOn: string; ownerId: number | null; ownerName: string | null };

/** Open prospects flagged stale, the quietest first. */
export async function staleProspects(db: Db, scope: HomeScope, limit = HOME_LIMIT): Promise<{ rows: StaleRow[]; total: number }> {
  const rows = await query<StaleRow & { total: number }>(
    db,
    sql`select a.id, a.name, a.grade, a.last_signal_on::text as "lastSignalOn", a.added_on::text as "addedOn", a.owner_id as "ownerId", u.name as "ownerName",
          (count(*) over ())::int as total
        from ${accounts} a left join ${users} u on u.id = a.owner_id
        where a.kind = 'prospect' and a.status = 'open' and a.flags @> array['stale']::text[] ${ownedBy(scope)}
        order by coalesce(a.last_signal_on, a.added_on), a.name, a.id
        limit ${limit}`,
  );
  return { rows: rows.map(({ total: _, ...r }) => r), total: rows[0]?.total ?? 0 };
}

export type AListRow = { id: number; name: string; fit: number | null; closeBy: string | null; reason: string | null; flags: string[]; ownerId: number | null; ownerName: string | null };

/** Open A prospects, the soonest close-by first. */
export async function aList(db: Db, scope: HomeScope, limit = HOME_LIMIT): Promise<{ rows: AListRow[]; total: number }> {
  const rows = await query<AListRow & { total: number }>(
    db,
    sql`select a.id, a.name, a.fit, a.close_by::text as "closeBy", a.reason, a.flags, a.owner_id as "ownerId", u.name as "ownerName",
          (count(*) over ())::int as total
        from ${accounts} a left join ${users} u on u.id = a.owner_id
        where a.kind = 'prospect' and a.status = 'open' and a.grade = 'A' ${ownedBy(scope)}
        order by a.close_by nulls last, a.name, a.id
        limit ${limit}`,
  );
  return { rows: rows.map(({ total: _, ...r }) => ({ ...r, fit: r.fit === null ? null : Number(r.fit) })), total: rows[0]?.total ?? 0 };
}

export const CHANGE_KINDS = ['grade', 'tier', 'owner', 'new', 'converted'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type ChangeRow = {
  on: string;
  kind: ChangeKind;
  accountId: number;
  accountName: string;
  accountKind: string;
  from: string | null;
  to: string | null;
  /** Why (a grade change's reason), or who did it. */
  detail: string | null;
};

export type Changes = { from: string; to: string; rows: ChangeRow[]; counts: Record<ChangeKind, number> };

/**
 * What changed on the scope's accounts in the seven days ending `today`: grade changes
 * (grade_changes), tier changes (tier_changes), owner changes (audit_log 'owner_changed' by hand
 * or a balance plan, 'owner_assigned' by the ownership rules; to or from the owner), accounts added
 * and prospects converted. Newest first.
 */
export async function recentChanges(db: Db, scope: HomeScope, today: string, timeZone: string, limit = 100): Promise<Changes> {
  const from = addDays(today, -(CHANGE_DAYS - 1));
  // The audit trail keeps instants: the days from..today in the organisation's time zone.
  const fromAt = sql`(${from}::date)::timestamp at time zone ${timeZone}`;
  const toAt = sql`(${today}::date + 1)::timestamp at time zone ${timeZone}`;
  const ownerOf = (side: 'before' | 'after') => sql`(al.${sql.raw(side)} ->> 'ownerId')::int`;
  const ownerChange =
    scope.ownerId === undefined ? sql`` : sql`and (${ownerOf('after')} = ${scope.ownerId} or ${ownerOf('before')} = ${scope.ownerId})`;
  const rows = await query<ChangeRow & { counts: Record<string, number> | string | null }>(
    db,
    sql`with changes as (
          select gc.as_of as day, 'grade' as kind, a.id as account_id, gc.from_grade as from_value, gc.to_grade as to_value, gc.reason as detail, gc.at, gc.id as seq
          from ${gradeChanges} gc join ${accounts} a on a.id = gc.account_id
          where gc.as_of between ${from}::date and ${today}::date and gc.from_grade is not null and gc.from_grade <> gc.to_grade ${ownedBy(scope)}
          union all
          select tc.as_of, 'tier', a.id, tc.from_tier, tc.to_tier, tc.cause || ' by ' || tc.actor, tc.at, tc.id
          from ${tierChanges} tc join ${accounts} a on a.id = tc.account_id
          where tc.as_of between ${from}::date and ${today}::date and tc.from_tier is not null and tc.from_tier is distinct from tc.to_tier ${ownedBy(scope)}
          union all
          select (al.at at time zone ${timeZone})::date, 'owner', al.account_id, al.before ->> 'owner', al.after ->> 'owner', 'by ' || al.actor, al.at, al.id
          from ${auditLog} al join ${accounts} a on a.id = al.account_id
          where al.action in ('owner_changed', 'owner_assigned') and al.at >= ${fromAt} and al.at < ${toAt} ${ownerChange}
            -- A new account's first owner is part of its being new.
            and not (al.action = 'owner_assigned' and al.before ->> 'ownerId' is null and a.added_on >= ${from}::date)
          union all
          select a.added_on, 'new', a.id, null, coalesce(a.grade, a.tier), null, a.created_at, a.id
          from ${accounts} a
          where a.added_on between ${from}::date and ${today}::date ${ownedBy(scope)}
          union all
          select a.converted_on, 'converted', a.id, null, a.closed_grade, null, a.updated_at, a.id
          from ${accounts} a
          where a.kind = 'customer' and a.converted_on between ${from}::date and ${today}::date ${ownedBy(scope)}
        ),
        counts as (select coalesce(jsonb_object_agg(kind, n), '{}'::jsonb) as counts from (select kind, count(*) as n from changes group by kind) k)
        select counts.counts, page.* from counts left join lateral (
          select ch.day::text as "on", ch.kind, ch.account_id as "accountId", a.name as "accountName", a.kind as "accountKind",
            ch.from_value as "from", ch.to_value as "to", ch.detail
          from changes ch join ${accounts} a on a.id = ch.account_id
          order by ch.day desc, ch.at desc, ch.seq desc
          limit ${limit}
        ) page on true`,
  );
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const raw = rows[0]?.counts;
  for (const [k, n] of Object.entries((typeof raw === 'string' ? JSON.parse(raw) : raw) ?? {})) if (k in counts) counts[k as ChangeKind] = Number(n);
  return { from, to: today, rows: rows.filter((r) => r.accountId !== null).map(({ counts: _, ...r }) => r), counts };
}

export type Rep = { id: number; name: string; state: string };

/** The people a manager can look at: reps who are not deactivated. */
export async function homeReps(db: Db): Promise<Rep[]> {
  return query<Rep>(db, sql`select id, name, state from ${users} where role = 'rep' and state <> 'deactivated' order by name, id`);
}

export async function findUser(db: Db, id: number): Promise<{ id: number; name: string; role: string } | undefined> {
  const [u] = await query<{ id: number; name: string; role: string }>(db, sql`select id, name, role from ${users} where id = ${id}`);
  return u;
}

export type Home = {
  asOf: string;
  /** Whose: a person, or null for the whole team. */
  rep: { id: number; name: string } | null;
  overdue: OverdueList;
  stale: { rows: StaleRow[]; total: number };
  aList: { rows: AListRow[]; total: number };
  changes: Changes;
};

export async function loadHome(db: Db, policy: Policy, today: string, timeZone: string, rep: { id: number; name: string } | null): Promise<Home> {
  const scope: HomeScope = rep ? { ownerId: rep.id } : {};
  const [overdue, stale, as, changes] = await Promise.all([
    overdueTouches(db, policy, today, scope, HOME_LIMIT),
    staleProspects(db, scope),
    aList(db, scope),
    recentChanges(db, scope, today, timeZone),
  ]);
  return { asOf: today, rep, overdue, stale, aList: as, changes };
}
