import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { accountSearch } from '../prospects/search.ts';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { accounts, auditLog, deals, tierChanges } from '../db/schema.ts';
import { addDays } from '../shared/dates.ts';

export const PAGE_SIZE = 50;
export const CUSTOMER_SORTS = ['score', 'name', 'converted'] as const;
export const CHANGED_WITHIN = [7, 30, 90, 365] as const;

const one = <T extends z.ZodType>(s: T) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v), s.optional());

/** The customers list's query string; shared by the page, the API and CSV export. */
export const customerQuerySchema = z.object({
  /** Tier names come from the policy, so any short name is accepted (an unknown one matches nothing). */
  tier: z.preprocess(
    (v) => (v === undefined || v === '' ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter((x) => x !== '')),
    z.array(z.string().max(40, 'must be a tier name')).max(10),
  ),
  /** Only customers whose tier changed in the last N days. */
  changedDays: one(z.coerce.number({ error: 'must be a number of days' }).int('must be a whole number of days').min(1).max(3650)),
  q: one(z.string().trim().max(200)).transform((s) => s || undefined),
  sort: one(z.enum(CUSTOMER_SORTS)).transform((s) => s ?? 'score'),
  dir: one(z.enum(['asc', 'desc'])),
  page: one(z.coerce.number().int().min(1).max(100_000)).transform((p) => p ?? 1),
});
export type CustomerQuery = z.infer<typeof customerQuerySchema>;

function baseWhere(q: CustomerQuery, today: string): SQL[] {
  const w: SQL[] = [eq(accounts.kind, 'customer')];
  if (q.q) w.push(accountSearch(q.q));
  if (q.changedDays) {
    const since = addDays(today, -q.changedDays);
    w.push(sql`exists (select 1 from ${tierChanges} tc where tc.account_id = ${accounts.id} and tc.as_of > ${since}::date and tc.to_tier is distinct from tc.from_tier)`);
  }
  return w;
}

function orderBy(q: CustomerQuery): SQL[] {
  const d = q.dir;
  switch (q.sort) {
    case 'name':
      return [d === 'desc' ? desc(accounts.nameKey) : asc(accounts.nameKey), asc(accounts.id)];
    case 'converted':
      return [d === 'asc' ? sql`${accounts.convertedOn} asc nulls first` : sql`${accounts.convertedOn} desc nulls last`, asc(accounts.id)];
    default:
      return [d === 'asc' ? sql`${accounts.tierScore} asc nulls first` : sql`${accounts.tierScore} desc nulls last`, asc(accounts.id)];
  }
}

export const customerColumns = {
  id: accounts.id,
  name: accounts.name,
  domain: accounts.domain,
  industry: accounts.industry,
  tier: accounts.tier,
  tierScore: accounts.tierScore,
  tierReason: accounts.tierReason,
  tieredOn: accounts.tieredOn,
  convertedOn: accounts.convertedOn,
  closedGrade: accounts.closedGrade,
  daysPaidLate: accounts.daysPaidLate,
  ownerId: accounts.ownerId,
};
export type CustomerListRow = {
  id: number;
  name: string;
  domain: string | null;
  industry: string | null;
  tier: string | null;
  tierScore: number | null;
  tierReason: string | null;
  tieredOn: string | null;
  convertedOn: string | null;
  closedGrade: string | null;
  daysPaidLate: number | null;
  ownerId: number | null;
};

export type CustomerListResult = {
  rows: CustomerListRow[];
  /** Customers per tier under every filter but the tier filter (the tabs at the top); null: not scored. */
  counts: { tier: string | null; n: number }[];
  total: number;
  page: number;
  pages: number;
};

export async function listCustomers(db: Db, q: CustomerQuery, today: string, pageSize = PAGE_SIZE): Promise<CustomerListResult> {
  const where = baseWhere(q, today);
  const tierFilter = q.tier.length ? [inArray(accounts.tier, q.tier)] : [];
  const [countRows, rows] = await Promise.all([
    db
      .select({ tier: accounts.tier, n: sql<number>`count(*)::int` })
      .from(accounts)
      .where(and(...where))
      .groupBy(accounts.tier),
    db
      .select(customerColumns)
      .from(accounts)
      .where(and(...where, ...tierFilter))
      .orderBy(...orderBy(q))
      .limit(pageSize)
      .offset((q.page - 1) * pageSize),
  ]);
  const counts = countRows.map((r) => ({ tier: r.tier, n: Number(r.n) }));
  const total = counts.filter((c) => !q.tier.length || (c.tier !== null && q.tier.includes(c.tier))).reduce((s, c) => s + c.n, 0);
  return { rows, counts, total, page: q.page, pages: Math.max(1, Math.ceil(total / pageSize)) };
}

export async function getAccount(db: Db, id: number) {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row;
}

export async function getCustomer(db: Db, id: number) {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), eq(accounts.kind, 'customer')));
  return row;
}

/** An account's kind, or undefined when there is none: where a page for it lives. */
export async function accountKind(db: Db, id: number): Promise<'prospect' | 'customer' | undefined> {
  const [row] = await db.select({ kind: accounts.kind }).from(accounts).where(eq(accounts.id, id));
  return row?.kind as 'prospect' | 'customer' | undefined;
}

/** Open deals first (by expected close), then closed ones, most recent first. */
export async function dealsOf(db: Db, accountId: number) {
  return db
    .select()
    .from(deals)
    .where(eq(deals.accountId, accountId))
    .orderBy(sql`case when ${deals.status} = 'open' then 0 else 1 end`, sql`coalesce(${deals.closedOn}, ${deals.expectedCloseOn}) desc nulls first`, desc(deals.id));
}

export async function getDeal(db: Db, id: number) {
  const [row] = await db.select().from(deals).where(eq(deals.id, id));
  return row;
}

export async function tierHistoryOf(db: Db, accountId: number, limit = 200) {
  return db
    .select()
    .from(tierChanges)
    .where(eq(tierChanges.accountId, accountId))
    .orderBy(desc(tierChanges.at), desc(tierChanges.id))
    .limit(limit);
}

export async function auditOf(db: Db, accountId: number, limit = 100) {
  return db
    .select()
    .from(auditLog)
    .where(eq(auditLog.accountId, accountId))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
}
