import { and, eq, gt, lt, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { sessions, users, type UserRow } from '../db/schema.ts';
import { newSecret, sha256 } from './secrets.ts';

// Sessions live in the database: the cookie carries a random token, sessions.id its SHA-256.
// A session ends SESSION_DAYS after it was last used (sliding) and at the latest SESSION_MAX_DAYS
// after sign-in (absolute), when its user signs out (here or everywhere), or when the user is
// deactivated or gets a new password.

const DAY_MS = 86_400_000;
/** lastSeenAt (and with it the expiry) is written at most this often per session. */
const TOUCH_EVERY_MS = 5 * 60_000;

export type SessionRow = typeof sessions.$inferSelect;

/** When a session used at `now` expires: `days` later, but never past `maxDays` after it began. */
export function sessionExpiry(createdAt: Date, now: Date, days: number, maxDays?: number): Date {
  const sliding = now.getTime() + days * DAY_MS;
  return new Date(maxDays === undefined ? sliding : Math.min(sliding, createdAt.getTime() + maxDays * DAY_MS));
}

export async function createSession(db: Db, userId: number, opts: { now: Date; days: number; maxDays?: number; ip?: string | null; userAgent?: string | null }) {
  const token = newSecret();
  const id = sha256(token);
  const expiresAt = sessionExpiry(opts.now, opts.now, opts.days, opts.maxDays);
  await db.insert(sessions).values({ id, userId, createdAt: opts.now, lastSeenAt: opts.now, expiresAt, ip: opts.ip ?? null, userAgent: opts.userAgent?.slice(0, 300) ?? null });
  return { token, id, expiresAt };
}

/**
 * The session a cookie's token names and its user, if it has not expired and the user may sign
 * in; a live session used again after a while has its expiry pushed back.
 */
export async function findSession(db: Db, token: string, opts: { now: Date; days: number; maxDays?: number }): Promise<{ session: SessionRow; user: UserRow } | null> {
  if (!token || token.length > 200) return null;
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sha256(token)));
  if (!row) return null;
  const ended = opts.maxDays !== undefined && opts.now.getTime() >= row.session.createdAt.getTime() + opts.maxDays * DAY_MS;
  if (ended || row.session.expiresAt.getTime() <= opts.now.getTime()) {
    await db.delete(sessions).where(eq(sessions.id, row.session.id));
    return null;
  }
  if (row.user.state === 'deactivated') return null;
  if (opts.now.getTime() - row.session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    const expiresAt = sessionExpiry(row.session.createdAt, opts.now, opts.days, opts.maxDays);
    await db.update(sessions).set({ lastSeenAt: opts.now, expiresAt }).where(eq(sessions.id, row.session.id));
    row.session = { ...row.session, lastSeenAt: opts.now, expiresAt };
  }
  return row;
}

export async function deleteSession(db: Db, id: string) {
  await db.delete(sessions).where(eq(sessions.id, id));
}

/** Signs a user out everywhere (or everywhere but the session kept). Returns how many sessions ended. */
export async function deleteUserSessions(db: Db, userId: number, opts: { except?: string } = {}): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(opts.except ? and(eq(sessions.userId, userId), ne(sessions.id, opts.except)) : eq(sessions.userId, userId))
    .returning({ id: sessions.id });
  return rows.length;
}

export async function activeSessionCount(db: Db, userId: number, now: Date): Promise<number> {
  const rows = await db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)));
  return rows.length;
}

/** Removes expired sessions (called now and then; expired ones are refused anyway). */
export async function purgeExpiredSessions(db: Db, now: Date) {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}
