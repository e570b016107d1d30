import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, accountTouches, signals, users, type AccountRow } from '../db/schema.ts';
import type { CadencePolicy, Policy } from '../policy/policy.ts';
import { TOUCH_KINDS, touchesDue, touchTypes, type LastTouches, type TouchDue, type TouchKind } from './cadence.ts';

// Overdue touches in SQL, so a rep's list and the team's counts never load accounts one by one.
// The rule is the pure one of cadence.ts (test/db/cadence-queries.test.ts holds the two equal):
// due = the later of the last touch of the class and the account's start, plus the interval.
// The last touches come from account_touches (each account's latest signal date per touch type,
// kept by triggers on signals), recomputed from the signals only for the few accounts with a kept
// date after as-of (account_touches_ahead_idx), and probed per account only for a class with a
// timing type.

export type OverdueTouch = {
  accountId: number;
  name: string;
  kind: 'prospect' | 'customer';
  grade: string | null;
  tier: string | null;
  ownerId: number | null;
  ownerName: string | null;
  touch: TouchKind;
  everyDays: number;
  lastOn: string | null;
  dueOn: string;
  daysOverdue: number;
};

/** Whose accounts: one owner's, or everyone's (undefined). */
export type OwnerScope = { ownerId?: number };

const list = (values: readonly string[]): SQL => (values.length ? sql.join(values.map((v) => sql`${v}`), sql`, `) : sql`null`);

/** The latest signal of some types on or before as-of of the account `a` (a backward probe of signals_account_idx). */
const latest = (types: readonly string[], asOf: string) =>
  sql`(select s.date from ${signals} s where s.account_id = a.id and s.date <= ${asOf}::date and s.type in (${list(types)}) order by s.date desc limit 1)`;

/** account_touches' column of each touch type (drizzle/0013 keeps them). */
const TOUCH_COLUMNS: Record<string, string> = { call: 'last_call_on', meeting: 'last_meeting_on', email: 'last_email_on', visit: 'last_visit_on', note: 'last_note_on' };

/**
 * The latest of an account_touches row's dates (alias `alias`), exactly the expression of
 * account_touches_ahead_idx (drizzle/0015), so "a kept date after as-of" is an index range scan.
 */
const keptLatest = (alias: string) =>
  sql.raw(`greatest(${alias}.last_call_on, ${alias}.last_meeting_on, ${alias}.last_email_on, ${alias}.last_visit_on, ${alias}.last_note_on)`);

/** The latest kept date among some touch types (account_touches alias lt). */
function kept(types: readonly string[]): SQL {
  const cols = [...new Set(types)].map((t) => sql.raw(`lt.${TOUCH_COLUMNS[t]}`));
  return cols.length === 1 ? cols[0]! : sql`greatest(${sql.join(cols, sql`, `)})`;
}

/** An interval of the policy as a CASE over a key column (null when the key has none). */
function every(column: SQL, byKey: [string, number][]): SQL {
  if (!byKey.length) return sql`null::int`;
  return sql`case ${column} ${sql.join(byKey.map(([k, n]) => sql`when ${k} then ${n}::int`), sql` `)} end`;
}

/**
 * The scope's accounts with, per class of touch they need, its interval, last touch and due date
 * (CTE "due", one row per account: a prospect's touch_*, a customer's call_* and visit_*; null
 * for a class the account does not need or the policy gives no interval), as of a day.
 */
function dueTouches(policy: CadencePolicy, asOf: string, scope: OwnerScope): SQL {
  const types = touchTypes(policy);
  const owner = scope.ownerId === undefined ? sql`` : sql`and a.owner_id = ${scope.ownerId}`;
  const keptClass = (k: TouchKind) => types[k].length > 0 && types[k].every((t) => t in TOUCH_COLUMNS);
  const anyKept = TOUCH_KINDS.some(keptClass);
  // The last touch of each class an account needs (a prospect its last touch, a customer its last
  // call and visit). When a class is made of touch types only, it comes from the account's
  // account_touches row, except for the few accounts with a kept date after as-of (a signal dated
  // ahead, found through account_touches_ahead_idx), whose classes are recomputed from their
  // signals in one grouped pass ("ah"). No correlated subquery, so the join runs in parallel.
  // A class with a timing type is probed in each account's signals, as before account_touches.
  const lastOn = (k: TouchKind) =>
    keptClass(k) ? sql`case when ah.account_id is not null then ah.${sql.identifier(`${k}_on`)} else ${kept(types[k])} end` : latest(types[k], asOf);
  const ahead = anyKept
    ? sql`left join ${accountTouches} lt on lt.account_id = a.id
      left join (
        select s.account_id,
          max(s.date) filter (where s.date <= ${asOf}::date and s.type in (${list(types.touch)})) as touch_on,
          max(s.date) filter (where s.date <= ${asOf}::date and s.type in (${list(types.call)})) as call_on,
          max(s.date) filter (where s.date <= ${asOf}::date and s.type in (${list(types.visit)})) as visit_on
        from ${signals} s
        -- (Every signal of the account, so one whose signals are all dated ahead still has its row.)
        where s.account_id in (select lt2.account_id from ${accountTouches} lt2 where ${keptLatest('lt2')} > ${asOf}::date)
        group by s.account_id
      ) ah on ah.account_id = a.id`
    : sql``;
  // The intervals are CASEs over the grade and tier rather than a join with the policy's rows,
  // whose unknown selectivity made the planner expect a few thousand accounts instead of a million.
  const tiers = Object.entries(policy.byTier);
  return sql`
    with acct as (
      select a.id, a.name, a.kind, a.grade, a.tier, a.owner_id,
        case when a.kind = 'customer' then coalesce(a.converted_on, a.added_on) else a.added_on end as start_on,
        case when a.kind = 'prospect' then ${every(sql`a.grade`, Object.entries(policy.byGrade))} end as touch_every,
        case when a.kind = 'customer' then ${every(sql`a.tier`, tiers.map(([t, i]) => [t, i.callDays]))} end as call_every,
        case when a.kind = 'customer' then ${every(sql`a.tier`, tiers.map(([t, i]) => [t, i.visitDays]))} end as visit_every,
        case when a.kind = 'prospect' then ${lastOn('touch')} end as touch_on,
        case when a.kind = 'customer' then ${lastOn('call')} end as call_on,
        case when a.kind = 'customer' then ${lastOn('visit')} end as visit_on
      from ${accounts} a ${ahead}
      where (a.kind = 'customer' or (a.kind = 'prospect' and a.status = 'open' and a.grade is not null)) ${owner}
    ),
    due as (
      select acct.*,
        greatest(touch_on, start_on) + touch_every as touch_due,
        greatest(call_on, start_on) + call_every as call_due,
        greatest(visit_on, start_on) + visit_every as visit_due
      from acct
    )`;
}

export type OverdueList = { rows: OverdueTouch[]; total: number };

/** The overdue touches of one owner (or everyone's), most overdue first; `total` counts them all. */
export async function overdueTouches(db: Db, policy: Policy, asOf: string, scope: OwnerScope = {}, limit = 50): Promise<OverdueList> {
  // One row per account until the page: the total sums each account's overdue classes (a window
  // over the accounts, not over every overdue touch), and the page is drawn from the `limit`
  // accounts whose earliest due date comes first (an account with a touch among the first `limit`
  // is among them); only then are they split into touches and their owners' names looked up.
  const overdue = (col: string) => sql`(coalesce(${sql.raw(col)} < ${asOf}::date, false))::int`;
  const rows = await query<OverdueTouch & { total: number }>(
    db,
    sql`${dueTouches(policy.cadence, asOf, scope)},
      first as (
        select due.*, (sum(${overdue('touch_due')} + ${overdue('call_due')} + ${overdue('visit_due')}) over ())::int as total
        from due
        where least(touch_due, call_due, visit_due) < ${asOf}::date
        order by least(touch_due, call_due, visit_due), name, id
        limit ${limit}
      ),
      page as (
        select f.id, f.name, f.kind, f.grade, f.tier, f.owner_id, f.total, x.touch, x.every, x.last_on, x.due_on, (${asOf}::date - x.due_on) as days_overdue
        from first f
        cross join lateral (values
          ('call', f.call_every, f.call_on, f.call_due),
          ('touch', f.touch_every, f.touch_on, f.touch_due),
          ('visit', f.visit_every, f.visit_on, f.visit_due)) x(touch, every, last_on, due_on)
        where x.due_on < ${asOf}::date
        order by days_overdue desc, f.name, f.id, x.touch
        limit ${limit}
      )
      select p.id as "accountId", p.name, p.kind, p.grade, p.tier, p.owner_id as "ownerId", u.name as "ownerName",
        p.touch, p.every as "everyDays", p.last_on::text as "lastOn", p.due_on::text as "dueOn", p.days_overdue as "daysOverdue", p.total
      from page p left join ${users} u on u.id = p.owner_id
      order by p.days_overdue desc, p.name, p.id, p.touch`,
  );
  const total = Number(rows[0]?.total ?? 0);
  return { rows: rows.map(({ total: _, ...r }) => ({ ...r, daysOverdue: Number(r.daysOverdue), everyDays: Number(r.everyDays) })), total };
}

/**
 * Per owner, how many of their accounts have at least one overdue touch (a customer overdue for
 * both a call and a visit counts once). Owners with none are absent; unassigned accounts are left out.
 */
export async function overdueCountsByOwner(db: Db, policy: Policy, asOf: string): Promise<Map<number, number>> {
  const rows = await query<{ ownerId: number; n: number }>(
    db,
    sql`${dueTouches(policy.cadence, asOf, {})}
      select owner_id as "ownerId", count(*)::int as n
      from due
      where least(touch_due, call_due, visit_due) < ${asOf}::date and owner_id is not null
      group by owner_id`,
  );
  return new Map(rows.map((r) => [Number(r.ownerId), Number(r.n)]));
}

/** One account's last touches of each class, on or before as-of. */
export async function lastTouches(db: Db, accountId: number, policy: CadencePolicy, asOf: string): Promise<LastTouches> {
  const types = touchTypes(policy);
  const [row] = await query<LastTouches>(
    db,
    sql`select ${sql.join(
      TOUCH_KINDS.map((k) => sql`(max(date) filter (where type in (${list(types[k])})))::text as ${sql.identifier(k)}`),
      sql`, `,
    )}
      from ${signals} where account_id = ${accountId} and date <= ${asOf}::date`,
  );
  return row ?? { call: null, visit: null, touch: null };
}

/** What an account is due, for its page: the pure rule over its last touches (no query when none applies). */
export async function accountCadence(
  db: Db,
  account: Pick<AccountRow, 'id' | 'kind' | 'status' | 'grade' | 'tier' | 'addedOn' | 'convertedOn'>,
  policy: CadencePolicy,
  asOf: string,
): Promise<TouchDue[]> {
  const none: LastTouches = { call: null, visit: null, touch: null };
  if (!touchesDue(account, none, policy, asOf).length) return [];
  return touchesDue(account, await lastTouches(db, account.id, policy, asOf), policy, asOf);
}
