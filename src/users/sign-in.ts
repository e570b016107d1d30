import { and, count, desc, eq, gt, isNotNull, lt, min, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { loginAttempts, users, type UserRow } from '../db/schema.ts';
import { verifyPassword } from './passwords.ts';

// Signing in by email and password, rate-limited per account and per address. Every refusal of
// a wrong password reads the same whether or not the email belongs to anyone, and takes as long
// (an unknown email is checked against a dummy hash). Limits count failed attempts in the last
// 15 minutes: 5 per email (since its last success), 20 per address. Limited attempts are not
// checked at all, so guessing cannot go on through them.

export const SIGN_IN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

export type SignInResult =
  | { ok: true; user: UserRow }
  | { ok: false; reason: 'limited'; retryAfterSeconds: number }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'deactivated' };

const MINUTE = 60_000;

/** How long until an attempt would be allowed, or 0 when it is allowed now. */
export async function limitedFor(db: Db, email: string, ip: string, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - SIGN_IN_WINDOW_MINUTES * MINUTE);
  const [lastOk] = await db
    .select({ at: loginAttempts.at })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.ok, true), gt(loginAttempts.at, windowStart)))
    .orderBy(desc(loginAttempts.at))
    .limit(1);
  const since = lastOk && lastOk.at > windowStart ? lastOk.at : windowStart;
  const [byEmail] = await db
    .select({ n: count(), first: min(loginAttempts.at) })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.ok, false), gt(loginAttempts.at, since)));
  const [byIp] = await db
    .select({ n: count(), first: min(loginAttempts.at) })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.ip, ip), eq(loginAttempts.ok, false), gt(loginAttempts.at, windowStart)));
  const waits: number[] = [];
  // The block lifts when the oldest counted failure leaves the window.
  if (byEmail && byEmail.n >= MAX_FAILURES_PER_EMAIL && byEmail.first) waits.push(byEmail.first.getTime() + SIGN_IN_WINDOW_MINUTES * MINUTE - now.getTime());
  if (byIp && byIp.n >= MAX_FAILURES_PER_IP && byIp.first) waits.push(byIp.first.getTime() + SIGN_IN_WINDOW_MINUTES * MINUTE - now.getTime());
  return waits.length ? Math.max(1, Math.ceil(Math.max(...waits) / 1000)) : 0;
}

/** Whether anyone at all can sign in (an active user with a password): not on a new database. */
export async function anyoneCanSignIn(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users).where(and(isNotNull(users.passwordHash), ne(users.state, 'deactivated')));
  return (row?.n ?? 0) > 0;
}

export async function signIn(db: Db, input: { email: string; password: string; ip: string; now: Date }): Promise<SignInResult> {
  const { email, password, ip, now } = input;
  const wait = await limitedFor(db, email, ip, now);
  if (wait > 0) return { ok: false, reason: 'limited', retryAfterSeconds: wait };
  const [user] = email ? await db.select().from(users).where(eq(users.email, email)) : [];
  const matches = await verifyPassword(user?.passwordHash, password);
  const ok = !!user && matches && user.state !== 'deactivated';
  await db.insert(loginAttempts).values({ email: email.slice(0, 254), ip, ok, at: now });
  if (ok) {
    // Now and then, forget attempts older than a day.
    await db.delete(loginAttempts).where(lt(loginAttempts.at, new Date(now.getTime() - 24 * 60 * MINUTE)));
    return { ok: true, user: user! };
  }
  // Only someone who knows the password learns that the account is deactivated.
  if (user && matches) return { ok: false, reason: 'deactivated' };
  return { ok: false, reason: 'wrong' };
}
