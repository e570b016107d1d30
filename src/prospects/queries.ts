import { and, arrayContains, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { accountSearch } from './search.ts';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { accountCounts, accounts, gradeChanges, signals } from '../db/schema.ts';
import { FLAGS } from '../grading/grading.ts';
import { GRADES } from '../policy/policy.ts';

export const PAGE_SIZE = 50;
export const SORTS = ['grade', 'close_by', 'fit', 'last_signal', 'name'] as const;
export type Sort = (typeof SORTS)[number];
export const STATUSES = ['open', 'disqualified', 'lost', 'all'] as const;

const one = <T extends z.ZodType>(s: T) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v), s.optional());
const many = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).filter((x) => x !== '')),
    z.array(z.enum(values, { error: `must be one of: ${values.join(', ')}` })),
  );

/** The list's query string; shared by the page, the API and CSV export. */
export const listQuerySchema = z.object({
  grade: many(GRADES),
  flag: many(FLAGS),
  status: one(z.enum(STATUSES)).transform((s) => s ?? 'open'),
  q: one(z.string().trim().max(200)).transform((s) => s || undefined),
  sort: one(z.enum(SORTS)).transform((s) => s ?? 'grade'),
  dir: one(z.enum(['asc', 'desc'])),
  page: one(z.coerce.number().int().min(1).max(100_000)).transform((p) => p ?? 1),
  /** One owner's accounts (a user id), or "none" for the accounts nobody owns. */
  owner: one(z.union([z.literal('none'), z.coerce.number({ error: 'must be a user number or "none"' }).int().min(1).max(2_147_483_647)])),
  /** Keyset cursor of the default order: the page after the row it names (see `cursorOf`). */
  after: one(
    z
      .string()
      .regex(/^[A-E]~-?\d+(\.\d+)?~\d{1,10}$/, 'is not a cursor from a Next link')
      // Its id is compared as an int: one past the int range would fail the query.
      .refine((s) => Number(s.split('~')[2]) <= 2_147_483_647, 'is not a cursor from a Next link'),
  ),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

function baseWhere(q: ListQuery): SQL[] {
  const w: SQL[] = [eq(accounts.kind, 'prospect')];
  if (q.status !== 'all') w.push(eq(accounts.status, q.status));
  if (q.flag.length) w.push(arrayContains(accounts.flags, q.flag));
  if (q.owner !== undefined) w.push(q.owner === 'none' ? isNull(accounts.ownerId) : eq(accounts.ownerId, q.owner));
  if (q.q) w.push(accountSearch(q.q));
  return w;
}

function orderBy(q: ListQuery): SQL[] {
  const d = q.dir;
  switch (q.sort) {
    case 'close_by':
      return [d === 'desc' ? sql`${accounts.closeBy} desc nulls last` : sql`${accounts.closeBy} asc nulls last`, asc(accounts.id)];
    case 'fit':
      return [d === 'asc' ? sql`${accounts.fit} asc nulls first` : sql`${accounts.fit} desc nulls last`, asc(accounts.id)];
    case 'last_signal':
      return [d === 'asc' ? sql`${accounts.lastSignalOn} asc nulls first` : sql`${accounts.lastSignalOn} desc nulls last`, asc(accounts.id)];
    case 'name':
      return [d === 'desc' ? desc(accounts.nameKey) : asc(accounts.nameKey), asc(accounts.id)];
    default:
      return d === 'desc' ? [sql`${GRADE_KEY} desc`, sql`${FIT_KEY} desc`, desc(accounts.id)] : [sql`${GRADE_KEY}`, sql`${FIT_KEY}`, asc(accounts.id)];
  }
}

// The default order as ascending keys, matching accounts_grade_order_idx: no grade sorts after D,
// unknown fit after every known one.
const GRADE_KEY = sql`coalesce(${accounts.grade}, 'E')`;
const FIT_KEY = sql`(-coalesce(${accounts.fit}, -1))`;

/** The cursor of a row in the default order: a Next link carries the last row's. */
export function cursorOf(r: { grade: string | null; fit: number | null; id: number }): string {
  return `${r.grade ?? 'E'}~${-(r.fit ?? -1)}~${r.id}`;
}

function afterCursor(q: ListQuery): SQL[] {
  if (!q.after || q.sort !== 'grade') return [];
  const [g, f, id] = q.after.split('~') as [string, string, string];
  const op = q.dir === 'desc' ? sql`<` : sql`>`;
  return [sql`(${GRADE_KEY}, ${FIT_KEY}, ${accounts.id}) ${op} (${g}::text, ${Number(f)}::float8, ${Number(id)}::int)`];
}

export const listColumns = {
  id: accounts.id,
  name: accounts.name,
  domain: accounts.domain,
  industry: accounts.industry,
  status: accounts.status,
  grade: accounts.grade,
  fit: accounts.fit,
  closeBy: accounts.closeBy,
  flags: accounts.flags,
  reason: accounts.reason,
  lastSignalOn: accounts.lastSignalOn,
  slipCount: accounts.slipCount,
  ownerId: accounts.ownerId,
};

export type ListRow = { [K in keyof typeof listColumns]: (typeof listColumns)[K]['_']['data'] | (K extends 'name' | 'id' | 'status' | 'flags' | 'slipCount' ? never : null) };

export type ListResult = {
  rows: ListRow[];
  /** Counts per grade under every filter but the grade filter (the tabs at the top). */
  counts: Record<'A' | 'B' | 'C' | 'D' | 'none', number>;
  total: number;
  page: number;
  pages: number;
  /** With the default order: the cursor of the page after this one (null on the last page). */
  next: string | null;
};

export async function listProspects(db: Db, q: ListQuery, pageSize = PAGE_SIZE): Promise<ListResult> {
  const where = baseWhere(q);
  // On the order index's own key, so a grade filter narrows the index range (grade is never null for prospects).
  const gradeFilter = q.grade.length ? [inArray(GRADE_KEY, q.grade)] : [];
  const [countRows, rows] = await Promise.all([
    gradeCounts(db, q, where),
    db
      .select(listColumns)
      .from(accounts)
      .where(and(...where, ...gradeFilter, ...afterCursor(q)))
      .orderBy(...orderBy(q))
      .limit(pageSize)
      .offset(q.after && q.sort === 'grade' ? 0 : (q.page - 1) * pageSize),
  ]);
  const counts = { A: 0, B: 0, C: 0, D: 0, none: 0 };
  for (const r of countRows) counts[(r.grade ?? 'none') as keyof typeof counts] = Number(r.n);
  const total = q.grade.length ? q.grade.reduce((s, g) => s + counts[g], 0) : Object.values(counts).reduce((a, b) => a + b, 0);
  const last = rows.length === pageSize && q.sort === 'grade' ? rows[rows.length - 1] : undefined;
  return { rows: rows as ListRow[], counts, total, page: q.page, pages: Math.max(1, Math.ceil(total / pageSize)), next: last ? cursorOf(last) : null };
}

/**
 * Counts per grade. Without a search and with at most one flag they come from account_counts,
 * which triggers keep current; a search or several flags at once are counted live.
 */
function gradeCounts(db: Db, q: ListQuery, where: SQL[]): Promise<{ grade: string | null; n: number }[]> {
  if (q.q || q.flag.length > 1 || q.owner !== undefined) {
    return db
      .select({ grade: accounts.grade, n: sql<number>`count(*)::int` })
      .from(accounts)
      .where(and(...where))
      .groupBy(accounts.grade);
  }
  const w: SQL[] = [eq(accountCounts.kind, 'prospect'), eq(accountCounts.flag, q.flag[0] ?? '')];
  if (q.status !== 'all') w.push(eq(accountCounts.status, q.status));
  return db
    .select({ grade: sql<string | null>`nullif(${accountCounts.grade}, '')`, n: sql<number>`sum(${accountCounts.n})::int` })
    .from(accountCounts)
    .where(and(...w))
    .groupBy(accountCounts.grade);
}

export async function getProspect(db: Db, id: number) {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), eq(accounts.kind, 'prospect')));
  return row;
}

/** Signals newest first (by date, then by time logged). */
export async function signalsOf(db: Db, id: number) {
  return db
    .select()
    .from(signals)
    .where(eq(signals.accountId, id))
    .orderBy(desc(signals.date), desc(signals.loggedAt), desc(signals.id));
}

export async function gradeHistoryOf(db: Db, id: number, limit = 200) {
  return db
    .select()
    .from(gradeChanges)
    .where(eq(gradeChanges.accountId, id))
    .orderBy(desc(gradeChanges.at), desc(gradeChanges.id))
    .limit(limit);
}
