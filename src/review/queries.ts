import { inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../db/client.ts';
import { accountSnapshots, accounts, actionItems, reviewNotes, snapshotChanges, snapshotCounts, snapshotMonths, snapshotMoves, snapshotOverdue, snapshotWeeks, users } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { isoDate } from '../shared/validation.ts';
import { CHANGE_LISTS, LISTS, type ChangeList, type ListName } from './diff.ts';
import { countLines, gradeTrend, matrixOf, repLines, totalsOf, valueByMonth, type CountLine, type CountRow, type Matrix, type MonthBucket, type MonthRow, type MoveRow, type OwnerFilter, type RepInfo, type RepLine, type WeekTotals } from './summary.ts';
import { isMonday } from './weeks.ts';

// What the review page, its API twin and its CSV read. Everything comes from the per-week rows
// derived when a week was taken (derive.ts), plus the first rows of each list in display order
// (an index range each), so the page costs the same at a hundred accounts or a million.

const one = <T extends z.ZodType>(s: T) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v), s.optional());

export const CSV_LISTS = [...LISTS, 'reps', 'actions'] as const;
export type CsvList = (typeof CSV_LISTS)[number];

/** The review's query string: the week (a Monday) and the owner, level and region filters. */
export const reviewQuerySchema = z.object({
  week: one(isoDate.refine(isMonday, 'must be a Monday (YYYY-MM-DD): weeks are named by their Monday')),
  owner: one(z.union([z.literal('none'), z.coerce.number({ error: 'must be a user number or "none"' }).int().min(1).max(2_147_483_647)])),
  level: one(z.coerce.number({ error: 'must be a level from 1 to 4' }).int().min(1).max(4)),
  region: one(z.string().trim().min(1).max(100)),
});
export type ReviewQuery = z.infer<typeof reviewQuerySchema>;

export const filterOf = (q: ReviewQuery): OwnerFilter => ({ owner: q.owner, level: q.level, region: q.region });

/** The SQL conditions of the owner, level and region filters on an owner column. */
export function ownerWhere(col: SQL, f: OwnerFilter): SQL {
  const w: SQL[] = [];
  if (f.owner === 'none') w.push(sql`${col} is null`);
  else if (f.owner !== undefined) w.push(sql`${col} = ${f.owner}`);
  if (f.level !== undefined) w.push(sql`${col} in (select id from ${users} where level = ${f.level})`);
  if (f.region !== undefined) w.push(sql`${col} in (select id from ${users} where region = ${f.region})`);
  return w.length ? sql`and ${sql.join(w, sql` and `)}` : sql``;
}

export type WeekInfo = { week: string; source: string; accounts: number; takenBy: string; takenAt: Date; comparedWith: string | null };

export async function weekList(db: Db): Promise<WeekInfo[]> {
  return db
    .select({ week: snapshotWeeks.week, source: snapshotWeeks.source, accounts: snapshotWeeks.accounts, takenBy: snapshotWeeks.takenBy, takenAt: snapshotWeeks.takenAt, comparedWith: snapshotWeeks.comparedWith })
    .from(snapshotWeeks)
    .orderBy(sql`${snapshotWeeks.week} desc`);
}

/** An account of a list as the review shows it: this week's state and last week's. */
export type ListRow = {
  accountId: number;
  name: string | null;
  kind: string;
  status: string;
  grade: string | null;
  tier: string | null;
  fit: number | null;
  tierScore: number | null;
  closeBy: string | null;
  flags: string[];
  slipCount: number;
  openValue: number;
  ownerId: number | null;
  ownerName: string | null;
  prevKind: string | null;
  prevStatus: string | null;
  prevGrade: string | null;
  prevTier: string | null;
  prevSlipCount: number | null;
};

/** Where a list continues after its last row: the position (change lists) or the order key and id. */
export type ListCursor = { pos?: number; key?: string | null; id?: number };

// A list's rows carry each week's state as one JSON array, fetched by a scalar subquery (one
// primary-key lookup) rather than a join: for joins the planner adds Memoize nodes sized by its
// estimate of the whole week, whose set-up alone cost ~9 ms a page at 100,000 accounts.
const CUR = (alias: string) =>
  sql.raw(`json_build_array(${alias}.kind, ${alias}.status, ${alias}.grade, ${alias}.tier, ${alias}.fit, ${alias}.tier_score, ${alias}.close_by::text, ${alias}.flags, ${alias}.slip_count, ${alias}.open_value, ${alias}.owner_id)`);
const prevOf = (prev: string | null, id: SQL) =>
  sql`(select json_build_array(p.kind, p.status, p.grade, p.tier, p.slip_count) from ${accountSnapshots} p where p.week = ${prev}::date and p.account_id = ${id}) as prev`;

/**
 * The first `limit` rows of every change list at once: one lateral branch for the six, so the
 * statement stays cheap to plan (drizzle sends each statement unprepared, planned every time).
 */
function changeListsStatement(week: string, prev: string | null, f: OwnerFilter, limit: number): SQL {
  return sql`select l.list, x.pos, null::text as "sortKey", x.account_id as "accountId",
      (select ${CUR('c')} from ${accountSnapshots} c where c.week = x.week and c.account_id = x.account_id) as cur, ${prevOf(prev, sql`x.account_id`)}
    from unnest(array[${sql.join(
      CHANGE_LISTS.map((c) => sql`${c}`),
      sql`, `,
    )}]::text[]) as l(list)
    cross join lateral (
      select x.week, x.account_id, x.pos from ${snapshotChanges} x
      where x.week = ${week}::date and x.list = l.list ${ownerWhere(sql`x.owner_id`, f)}
      order by x.pos limit ${limit}) x`;
}

/** One list's statement: its first `limit` rows in display order, after `cursor`. */
function listStatement(list: ListName, week: string, prev: string | null, f: OwnerFilter, limit: number, cursor: ListCursor = {}): SQL {
  if ((CHANGE_LISTS as readonly string[]).includes(list)) {
    return sql`select x.pos, null::text as "sortKey", x.account_id as "accountId",
        (select ${CUR('c')} from ${accountSnapshots} c where c.week = x.week and c.account_id = x.account_id) as cur, ${prevOf(prev, sql`x.account_id`)}
      from ${snapshotChanges} x
      where x.week = ${week}::date and x.list = ${list} and x.pos > ${cursor.pos ?? 0} ${ownerWhere(sql`x.owner_id`, f)}
      order by x.pos limit ${limit}`;
  }
  // The A list by close-by date, the stale list by grade: each the order of its partial index
  // (account_snapshots_a_list_idx, _stale_idx); a key of null comes last.
  const [key, cond] = list === 'a_list' ? [sql`c.close_by`, sql`c.grade = 'A'`] : [sql`c.grade`, sql`'stale' = any(c.flags)`];
  const keyText = list === 'a_list' ? sql`c.close_by::text` : sql`c.grade`;
  const after =
    cursor.id === undefined
      ? sql``
      : cursor.key === null
        ? sql`and ${key} is null and c.account_id > ${cursor.id}`
        : sql`and (${key} > ${cursor.key}${list === 'a_list' ? sql`::date` : sql``} or ${key} is null or (${key} = ${cursor.key}${list === 'a_list' ? sql`::date` : sql``} and c.account_id > ${cursor.id}))`;
  return sql`select null::int as pos, ${keyText} as "sortKey", c.account_id as "accountId", ${CUR('c')} as cur, ${prevOf(prev, sql`c.account_id`)}
    from ${accountSnapshots} c
    where c.week = ${week}::date and c.kind = 'prospect' and c.status = 'open' and ${cond} ${after} ${ownerWhere(sql`c.owner_id`, f)}
    order by ${key}, c.account_id limit ${limit}`;
}

type Cur = [string, string, string | null, string | null, number | null, number | null, string | null, string[], number, number, number | null];
type Prev = [string, string, string | null, string | null, number];
type RawListRow = { pos?: number | null; sortKey?: string | null; list?: string; accountId: number; cur: Cur; prev: Prev | null };

type Names = { accounts: ReadonlyMap<number, string>; people: ReadonlyMap<number, string> };

/** The names of the accounts and owners of some list rows (a page of a whole list). */
async function namesOf(db: Db, rows: readonly RawListRow[]): Promise<Names> {
  const ids = [...new Set(rows.map((r) => Number(r.accountId)))];
  const owners = [...new Set(rows.map((r) => r.cur[10]).filter((o): o is number => o !== null).map(Number))];
  const [a, u] = await Promise.all([
    ids.length ? db.select({ id: accounts.id, name: accounts.name }).from(accounts).where(inArray(accounts.id, ids)) : [],
    owners.length ? db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, owners)) : [],
  ]);
  return { accounts: new Map(a.map((x) => [x.id, x.name])), people: new Map(u.map((x) => [x.id, x.name])) };
}

const toListRow =
  (names: Names) =>
  (r: RawListRow): ListRow => {
    const [kind, status, grade, tier, fit, tierScore, closeBy, flags, slipCount, openValue, owner] = r.cur;
    const ownerId = owner === null ? null : Number(owner);
    return {
      accountId: Number(r.accountId),
      name: names.accounts.get(Number(r.accountId)) ?? null,
      kind,
      status,
      grade,
      tier,
      fit: fit === null ? null : Number(fit),
      tierScore: tierScore === null ? null : Number(tierScore),
      closeBy,
      flags,
      slipCount: Number(slipCount),
      openValue: Number(openValue),
      ownerId,
      ownerName: ownerId === null ? null : (names.people.get(ownerId) ?? null),
      prevKind: r.prev?.[0] ?? null,
      prevStatus: r.prev?.[1] ?? null,
      prevGrade: r.prev?.[2] ?? null,
      prevTier: r.prev?.[3] ?? null,
      prevSlipCount: r.prev ? Number(r.prev[4]) : null,
    };
  };

/** A page of one list after `cursor`, with the cursor of the next page (null at the end). */
export async function listPage(db: Db, list: ListName, week: string, prev: string | null, f: OwnerFilter, limit: number, cursor: ListCursor = {}): Promise<{ rows: ListRow[]; next: ListCursor | null }> {
  const raw = await query<RawListRow>(db, listStatement(list, week, prev, f, limit, cursor));
  const last = raw[raw.length - 1];
  const next = raw.length < limit || !last ? null : last.pos != null ? { pos: Number(last.pos) } : { key: last.sortKey ?? null, id: Number(last.accountId) };
  return { rows: raw.map(toListRow(await namesOf(db, raw))), next };
}

/** A cursor in a link: the position (change lists), or the order key and the id ("~12" when the key is null). */
export function cursorText(c: ListCursor): string {
  return c.pos !== undefined ? String(c.pos) : `${c.key ?? ''}~${c.id}`;
}

export function parseCursor(list: ListName, text: string | undefined): ListCursor | null {
  if (!text) return {};
  if (isChangeList(list)) return /^\d{1,9}$/.test(text) ? { pos: Number(text) } : null;
  const m = /^(|[A-D]|\d{4}-\d{2}-\d{2})~(\d{1,10})$/.exec(text);
  if (!m || (list === 'stale' && m[1]!.includes('-')) || (list === 'a_list' && /^[A-D]$/.test(m[1]!))) return null;
  return { key: m[1] || null, id: Number(m[2]) };
}

/** How many accounts a list of a week holds, with the filters. */
export async function listTotal(db: Db, list: ListName, week: string, f: OwnerFilter): Promise<number> {
  const own = ownerWhere(sql`owner_id`, f);
  const [r] = isChangeList(list)
    ? await query<{ n: number }>(db, sql`select count(*)::int as n from ${snapshotChanges} where week = ${week}::date and list = ${list} ${own}`)
    : await query<{ n: number }>(
        db,
        sql`select coalesce(sum(n), 0)::int as n from ${snapshotCounts} where week = ${week}::date and kind = 'prospect' and status = 'open'
            and ${list === 'stale' ? sql`stale` : sql`grade = 'A'`} ${own}`,
      );
  return Number(r?.n ?? 0);
}

export type ListPreview = { total: number; rows: ListRow[] };

export type NoteView = { id: number; week: string; body: string; createdBy: string; createdAt: Date };
export type ActionItemView = {
  id: number;
  week: string;
  text: string;
  ownerId: number | null;
  ownerName: string | null;
  dueOn: string | null;
  accountId: number | null;
  accountName: string | null;
  accountKind: string | null;
  status: string;
  doneOn: string | null;
  doneBy: string | null;
  version: number;
  createdBy: string;
};

export type Person = RepInfo & { email: string };

export type Review = {
  weeks: WeekInfo[];
  week: WeekInfo;
  /** The week this one is compared with (null: the first week taken). */
  prev: WeekInfo | null;
  filter: OwnerFilter;
  totals: WeekTotals;
  prevTotals: WeekTotals | null;
  lines: CountLine[];
  matrix: Matrix;
  lists: Record<ListName, ListPreview>;
  reps: RepLine[];
  trend: { weeks: string[]; values: ReturnType<typeof gradeTrend> };
  months: MonthBucket[];
  notes: NoteView[];
  actions: ActionItemView[];
  people: Person[];
  regions: string[];
};

export const TREND_WEEKS = 12;

/**
 * The review of `week` (default: the latest taken) against the week it was compared with when
 * derived; null when no week was taken yet, or `week` was not.
 */
export async function loadReview(db: Db, q: ReviewQuery, policy: Policy, listLimit = 10): Promise<Review | null | 'no_week'> {
  const weeks = await weekList(db);
  if (!weeks.length) return null;
  const week = q.week ? weeks.find((w) => w.week === q.week) : weeks[0];
  if (!week) return 'no_week';
  const prev = (week.comparedWith && weeks.find((w) => w.week === week.comparedWith)) || null;
  const f = filterOf(q);
  const W = week.week, P = prev?.week ?? null;
  const trendWeeks = weeks.filter((w) => w.week <= W).slice(0, TREND_WEEKS).map((w) => w.week).reverse();

  // Everything else in one statement, each part a JSON array: on this kind of machine a round
  // trip costs more than any of these small reads, so the page makes four (session, policy, weeks, this).
  const own = ownerWhere(sql`owner_id`, f);
  // Names one index lookup each (a join here may scan every account).
  const listRows = sql`select l.*, (select a.name from ${accounts} a where a.id = l."accountId") as name from (
    ${changeListsStatement(W, P, f, listLimit)}
    union all (select 'stale'::text as list, t.* from (${listStatement('stale', W, P, f, listLimit)}) t)
    union all (select 'a_list'::text as list, t.* from (${listStatement('a_list', W, P, f, listLimit)}) t)) l`;
  const [all] = await query<{ counts: [number | null, string, string, string | null, string | null, boolean, number, number][]; prev_counts: CountRow[]; trend: { week: string; grade: string | null; n: number }[]; months: MonthRow[]; moves: MoveRow[]; list_counts: { list: string; n: number }[]; overdue: { ownerId: number; n: number }[]; lists: (RawListRow & { name: string | null })[]; people: Person[]; notes: (Omit<NoteView, 'createdAt'> & { createdAt: string })[]; actions: ActionItemView[] }>(
    db,
    sql`select
      (select coalesce(json_agg(json_build_array(owner_id, kind, status, grade, tier, stale, n, open_value)), '[]'::json)
        from ${snapshotCounts} where week = ${W}::date ${own}) as counts,
      ${jsonRows(sql`select week::text, null as "ownerId", kind, status, grade, tier, stale, sum(n)::int as n, sum(open_value) as "openValue"
        from ${snapshotCounts} where week = ${P ?? W}::date ${own} group by week, kind, status, grade, tier, stale`)} as prev_counts,
      ${jsonRows(sql`select week::text, grade, sum(n)::int as n from ${snapshotCounts}
        where week in (${sql.join(trendWeeks.map((w) => sql`${w}::date`), sql`, `)}) and kind = 'prospect' and status = 'open' ${own}
        group by week, grade`)} as trend,
      ${jsonRows(sql`select month, sum(n)::int as n, sum(open_value) as "openValue" from ${snapshotMonths} where week = ${W}::date ${own} group by month`)} as months,
      ${jsonRows(sql`select from_key as "fromKey", to_key as "toKey", sum(n)::int as n from ${snapshotMoves} where week = ${W}::date ${own} group by 1, 2`)} as moves,
      ${jsonRows(sql`select list, count(*)::int as n from ${snapshotChanges} where week = ${W}::date ${own} group by list`)} as list_counts,
      ${jsonRows(sql`select owner_id as "ownerId", n from ${snapshotOverdue} where week = ${W}::date`)} as overdue,
      ${jsonRows(listRows)} as lists,
      ${jsonRows(PEOPLE)} as people,
      ${jsonRows(notesStatement(W))} as notes,
      ${jsonRows(actionItemsStatement(W))} as actions`,
  );
  const { counts, trend: trendRows, months: monthRows, moves, list_counts: listCounts, overdue } = all!;
  const people = all!.people;
  const notes = all!.notes.map((n) => ({ ...n, createdAt: new Date(n.createdAt) }));
  const actions = all!.actions;
  const names = { accounts: new Map(all!.lists.map((r) => [Number(r.accountId), r.name ?? ''])), people: new Map(people.map((p) => [p.id, p.name])) };
  const previews = { rows: all!.lists, names };

  const tierNames = policy.tiering.tiers.map((t) => t.name);
  // The week's counts per owner come as arrays (the largest part: a few hundred rows, no key names).
  const cur = counts.map(([ownerId, kind, status, grade, tier, stale, n, openValue]) => numbers({ week: W, ownerId, kind, status, grade, tier, stale, n, openValue }));
  const before = P ? all!.prev_counts.map(numbers) : null;
  const totals = totalsOf(cur, tierNames);
  const prevTotals = before ? totalsOf(before, tierNames) : null;
  const listTotal = new Map(listCounts.map((r) => [r.list, Number(r.n)]));
  const lists = Object.fromEntries(
    LISTS.map((l): [ListName, ListPreview] => [
      l,
      {
        total: l === 'stale' ? totals.stale : l === 'a_list' ? totals.grades.A : (listTotal.get(l) ?? 0),
        rows: previews.rows
          .filter((r) => r.list === l)
          .sort(previewOrder)
          .map(toListRow(previews.names)),
      },
    ]),
  ) as Record<ListName, ListPreview>;
  return {
    weeks,
    week,
    prev,
    filter: f,
    totals,
    prevTotals,
    lines: countLines(totals, prevTotals),
    matrix: matrixOf(moves.map((m) => ({ ownerId: null, fromKey: m.fromKey, toKey: m.toKey, n: Number(m.n) }))),
    lists,
    reps: repLines(cur, people, new Map(overdue.map((o) => [Number(o.ownerId), Number(o.n)])), policy.ownership, f),
    trend: { weeks: trendWeeks, values: gradeTrend(trendRows.map((r) => ({ ...r, n: Number(r.n) })), trendWeeks) },
    months: valueByMonth(monthRows.map((r) => ({ month: r.month, n: Number(r.n), openValue: Number(r.openValue) })), W),
    notes,
    actions,
    people,
    regions: [...new Set(people.map((p) => p.region).filter((r): r is string => !!r))].sort(),
  };
}

/** A union's branches keep no order of their own: each list's, again (nulls last, as in SQL). */
function previewOrder(a: RawListRow, b: RawListRow): number {
  if (a.pos != null && b.pos != null) return Number(a.pos) - Number(b.pos);
  const ka = a.sortKey ?? null, kb = b.sortKey ?? null;
  if (ka !== kb) return ka === null ? 1 : kb === null ? -1 : ka < kb ? -1 : 1;
  return Number(a.accountId) - Number(b.accountId);
}

const numbers = (r: CountRow): CountRow => ({ ...r, ownerId: r.ownerId === null ? null : Number(r.ownerId), n: Number(r.n), openValue: Number(r.openValue) });

/** A statement's rows as one JSON array (an empty one for none). */
const jsonRows = (statement: SQL) => sql`(select coalesce(json_agg(t), '[]'::json) from (${statement}) t)`;

const PEOPLE = sql`select id, name, email, role, level, capacity, region, state from ${users} order by name, id`;

export async function peopleOf(db: Db): Promise<Person[]> {
  return (await query<Person>(db, PEOPLE)).map((p) => ({ ...p, id: Number(p.id), capacity: Number(p.capacity) }));
}

const notesStatement = (week: string) =>
  sql`select id, week::text, body, created_by as "createdBy", created_at as "createdAt" from ${reviewNotes} where week = ${week}::date order by id`;

export async function notesOf(db: Db, week: string): Promise<NoteView[]> {
  return (await query<NoteView>(db, notesStatement(week))).map((n) => ({ ...n, id: Number(n.id), createdAt: new Date(n.createdAt) }));
}

/**
 * The action items a week's review shows: those recorded that week, and those of earlier weeks
 * still open then (open now, or done on or after its Monday), open ones first by due date.
 */
const actionItemsStatement = (week: string) =>
  sql`select i.id, i.week::text, i.text, i.owner_id as "ownerId", u.name as "ownerName", i.due_on::text as "dueOn",
        i.account_id as "accountId", a.name as "accountName", a.kind as "accountKind", i.status, i.done_on::text as "doneOn", i.done_by as "doneBy",
        i.version, i.created_by as "createdBy"
      from ${actionItems} i
      left join ${users} u on u.id = i.owner_id
      left join ${accounts} a on a.id = i.account_id
      where i.week = ${week}::date or (i.week < ${week}::date and (i.status = 'open' or i.done_on >= ${week}::date))
      order by i.status desc, i.due_on nulls last, i.id`;

export async function actionItemsOf(db: Db, week: string): Promise<ActionItemView[]> {
  const rows = await query<ActionItemView>(db, actionItemsStatement(week));
  return rows.map((r) => ({ ...r, id: Number(r.id), ownerId: r.ownerId === null ? null : Number(r.ownerId), accountId: r.accountId === null ? null : Number(r.accountId), version: Number(r.version) }));
}

export const isChangeList = (l: string): l is ChangeList => (CHANGE_LISTS as readonly string[]).includes(l);
