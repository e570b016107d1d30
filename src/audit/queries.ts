import { and, asc, count, desc, eq, gte, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { accounts, auditLog, users, type AuditRow } from '../db/schema.ts';
import { isoDate } from '../shared/validation.ts';

// The audit trail, filtered by account, by who acted and by day (from and to, both included,
// as days in the organisation's time zone, TZ_ORG), newest first, a page at a time.

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : Array.isArray(v) ? v[0] : v);

export const auditQuerySchema = z.object({
  account: z.preprocess(blankToUndefined, z.coerce.number({ error: 'must be an account number' }).int().min(1).max(2_147_483_647).optional()),
  /** A user's id, or "none" for what jobs and scripts did. */
  user: z.preprocess(blankToUndefined, z.union([z.literal('none'), z.coerce.number({ error: 'must be a user number or "none"' }).int().min(1).max(2_147_483_647)]).optional()),
  from: z.preprocess(blankToUndefined, isoDate.optional()),
  to: z.preprocess(blankToUndefined, isoDate.optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number({ error: 'must be a page number' }).int().min(1).max(100_000).default(1)),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const AUDIT_PAGE_SIZE = 50;

export type AuditListRow = AuditRow & { accountName: string | null; accountKind: string | null };

export async function listAudit(db: Db, q: AuditQuery, timeZone = 'UTC', pageSize = AUDIT_PAGE_SIZE): Promise<{ rows: AuditListRow[]; total: number; page: number; pages: number }> {
  const where: SQL[] = [];
  if (q.account) where.push(eq(auditLog.accountId, q.account));
  if (q.user === 'none') where.push(isNull(auditLog.actorId));
  else if (q.user) where.push(eq(auditLog.actorId, q.user));
  // A day starts at midnight in TZ_ORG (as on the home page), whatever the server's zone.
  if (q.from) where.push(gte(auditLog.at, sql`(${q.from}::date)::timestamp at time zone ${timeZone}`));
  if (q.to) where.push(lt(auditLog.at, sql`(${q.to}::date + 1)::timestamp at time zone ${timeZone}`));
  const cond = where.length ? and(...where) : undefined;
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(auditLog).where(cond);
  const pages = Math.max(1, Math.ceil(n / pageSize));
  const page = Math.min(q.page, pages);
  const rows = await db
    .select({ entry: auditLog, accountName: accounts.name, accountKind: accounts.kind })
    .from(auditLog)
    .leftJoin(accounts, eq(accounts.id, auditLog.accountId))
    .where(cond)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return { rows: rows.map((r) => ({ ...r.entry, accountName: r.accountName, accountKind: r.accountKind })), total: n, page, pages };
}

/** One account's own trail, newest first. */
export async function accountTrail(db: Db, accountId: number, limit = 100): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(limit);
}

/** Everyone who could have acted, for the filter. */
export async function auditActors(db: Db) {
  return db.select({ id: users.id, name: users.name }).from(users).orderBy(asc(users.name), asc(users.id));
}

export const auditJson = (e: AuditRow & { accountName?: string | null }) => ({
  id: e.id,
  at: e.at.toISOString(),
  actorId: e.actorId,
  actor: e.actor,
  entity: e.entity,
  entityId: e.entityId,
  accountId: e.accountId,
  ...(e.accountName !== undefined ? { accountName: e.accountName } : {}),
  action: e.action,
  before: e.before,
  after: e.after,
});
