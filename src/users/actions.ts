import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, users, type UserRow } from '../db/schema.ts';
import { assignAccounts, reassignAccountsOf } from '../ownership/auto-assign.ts';
import { currentPolicy, PolicyStoreError } from '../policy/store.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { userChangeProblem } from '../access/rules.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { userAudit, type Actor, type Role } from './model.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { deleteUserSessions } from './sessions.ts';
import type { NewUser, UserPatch } from './validation.ts';

// Adding and changing people: each action is one transaction with its audit row (which never
// holds a password or its hash). Deactivating someone, or giving them a new password, ends their
// sessions; their history stays.

export type UserFailure =
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'forbidden'; message: string }
  | { ok: false; reason: 'conflict'; current: UserRow }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> };

type Done = { ok: true; user: UserRow; reassigned?: number };

const emailTaken = { ok: false as const, reason: 'invalid' as const, errors: { email: 'is already used by someone on the team' } };

async function emailUsed(tx: Db, email: string, exceptId?: number) {
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .where(exceptId === undefined ? eq(users.email, email) : and(eq(users.email, email), ne(users.id, exceptId)));
  return !!row;
}

const audit = (tx: Db, actor: Actor, userId: number, action: string, before: UserRow | null, after: UserRow | null, extra: Record<string, unknown> = {}) =>
  writeAudit(tx, {
    actor: actor.name,
    actorId: actor.id ?? null,
    entity: 'user',
    entityId: userId,
    accountId: null,
    action,
    before: before ? userAudit(before) : null,
    after: after ? { ...userAudit(after), ...extra } : Object.keys(extra).length ? extra : null,
  });

/**
 * The capacity of someone added without one: the policy's defaultCapacity (DOMAIN.md §3), read
 * when they are added. Undefined only while no policy is stored: then the column's default.
 */
export async function policyCapacity(db: Db): Promise<number | undefined> {
  try {
    return (await currentPolicy(db)).policy.ownership.defaultCapacity;
  } catch (err) {
    if (err instanceof PolicyStoreError) return undefined;
    throw err;
  }
}

export async function createUser(db: Db, input: NewUser, actor: Actor): Promise<Done | UserFailure> {
  const problem = userChangeProblem(actor, null, { role: input.role, state: input.state, password: !!input.password });
  if (problem) return { ok: false, reason: 'forbidden', message: problem };
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  try {
    return await db.transaction(async (tx) => {
      if (await emailUsed(tx, input.email)) return emailTaken;
      const { password: _, accounts: __, capacity, ...fields } = input;
      const [row] = await tx
        .insert(users)
        .values({ ...fields, capacity: capacity ?? (await policyCapacity(tx)), passwordHash })
        .returning();
      await audit(tx, actor, row!.id, 'created', null, row!, { hasPassword: passwordHash !== null });
      return { ok: true as const, user: row! };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return emailTaken; // created by someone else at the same moment
    throw err;
  }
}

/** What an edit changes, by the edit's own name: a deactivation, a reactivation, a password reset or an update. */
function actionOf(before: UserRow, after: UserRow, passwordChanged: boolean): string {
  if (before.state !== 'deactivated' && after.state === 'deactivated') return 'deactivated';
  if (before.state === 'deactivated' && after.state !== 'deactivated') return 'reactivated';
  const changed = Object.entries(userAudit(after)).some(([k, v]) => k !== 'version' && JSON.stringify(v) !== JSON.stringify((userAudit(before) as Record<string, unknown>)[k]));
  return passwordChanged && !changed ? 'password_reset' : 'updated';
}

/**
 * Changes some of a user's fields, on the version the change was based on (when given). Roles,
 * levels and leave stay consistent: a rep has a level, others none; leave dates only while on leave.
 */
export async function updateUser(db: Db, id: number, version: number | undefined, patch: Omit<UserPatch, 'version'>, actor: Actor): Promise<Done | UserFailure> {
  const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
  try {
    return await db.transaction(async (tx) => {
      const [current] = await tx.select().from(users).where(eq(users.id, id)).for('update');
      if (!current) return { ok: false as const, reason: 'not_found' as const };
      const role = (patch.role ?? current.role) as Role;
      const state = patch.state ?? current.state;
      const problem = userChangeProblem(actor, current, { role: patch.role && patch.role !== current.role ? patch.role : undefined, state: patch.state && patch.state !== current.state ? patch.state : undefined, password: !!patch.password });
      if (problem) return { ok: false as const, reason: 'forbidden' as const, message: problem };
      if (version !== undefined && current.version !== version) return { ok: false as const, reason: 'conflict' as const, current };
      if (patch.email && patch.email !== current.email && (await emailUsed(tx, patch.email, id))) return emailTaken;

      const level = role === 'rep' ? (patch.level !== undefined ? patch.level : current.level) : null;
      const leaveFrom = state === 'on_leave' ? (patch.leaveFrom !== undefined ? patch.leaveFrom : current.leaveFrom) : null;
      const leaveUntil = state === 'on_leave' ? (patch.leaveUntil !== undefined ? patch.leaveUntil : current.leaveUntil) : null;
      const errors: Record<string, string> = {};
      if (role === 'rep' && !level) errors.level = 'a rep has a level (1–4)';
      if (state === 'on_leave' && !leaveFrom) errors.leaveFrom = 'give the first day of leave';
      if (leaveFrom && leaveUntil && leaveUntil < leaveFrom) errors.leaveUntil = 'cannot be before the first day of leave';
      if (Object.keys(errors).length) return { ok: false as const, reason: 'invalid' as const, errors };
      // A capacity of null is "the policy's default" (DOMAIN.md §3), as for someone added without
      // one: the policy in force now, or the column's default while no policy is stored.
      const capacity = patch.capacity === null ? ((await policyCapacity(tx)) ?? sql`default`) : patch.capacity;

      const [after] = await tx
        .update(users)
        .set({
          ...(patch.email !== undefined ? { email: patch.email } : {}),
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(capacity !== undefined ? { capacity } : {}),
          ...(patch.region !== undefined ? { region: patch.region } : {}),
          ...(passwordHash ? { passwordHash } : {}),
          role,
          level,
          state,
          leaveFrom,
          leaveUntil,
          version: sql`${users.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(users.id, id))
        .returning();
      // A deactivated user, or one with a new password, is signed out everywhere.
      if (state === 'deactivated' || passwordHash) await deleteUserSessions(tx, id);
      await audit(tx, actor, id, actionOf(current, after!, !!passwordHash), current, after!, passwordHash ? { passwordChanged: true } : {});
      const reassigned = await ownershipAfter(tx, current, after!, patch.accounts ?? null, actor);
      return { ok: true as const, user: after!, reassigned };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return emailTaken;
    throw err;
  }
}

/**
 * What a change to a rep means for their accounts (DOMAIN.md §3): deactivated, every unpinned
 * account is placed again by the rules; on leave, the same if the manager chose to reassign
 * (otherwise they show as needing cover); a lower level, the accounts it no longer allows.
 */
async function ownershipAfter(tx: Db, before: UserRow, after: UserRow, onLeave: 'cover' | 'reassign' | null, actor: Actor): Promise<number> {
  if (before.role !== 'rep' && after.role !== 'rep') return 0;
  const leaving = (after.state === 'deactivated' && before.state !== 'deactivated') || (after.state === 'on_leave' && onLeave === 'reassign');
  const demoted = after.role !== 'rep' || (before.level ?? 0) > (after.level ?? 0);
  if (!leaving && !demoted) return 0;
  const { policy } = await currentPolicy(tx);
  const opts = { policy, actor: actor.name, actorId: actor.id ?? null };
  if (leaving) return (await reassignAccountsOf(tx, after.id, { ...opts, cause: after.state === 'deactivated' ? 'rep_deactivated' : 'rep_on_leave' })).length;
  const ids = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.ownerId, after.id));
  return (await assignAccounts(tx, ids.map((r) => r.id), { ...opts, cause: 'rep_level_lowered' })).length;
}

/** A user changes their own password: the current one must match; their other sessions end. */
export async function changeOwnPassword(
  db: Db,
  userId: number,
  input: { current: string; password: string },
  actor: Actor,
  keepSessionId?: string,
): Promise<{ ok: true; signedOut: number } | { ok: false; errors: Record<string, string> }> {
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  if (!row || !(await verifyPassword(row.passwordHash, input.current))) return { ok: false, errors: { current: 'is not your current password' } };
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId));
    const signedOut = await deleteUserSessions(tx, userId, { except: keepSessionId });
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'user', entityId: userId, accountId: null, action: 'password_changed', after: { otherSessionsEnded: signedOut } });
    return { ok: true as const, signedOut };
  });
}

/** Signs a user out of every session (their own request, or a manager's). */
export async function signOutEverywhere(db: Db, userId: number, actor: Actor): Promise<number> {
  return db.transaction(async (tx) => {
    const n = await deleteUserSessions(tx, userId);
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'user', entityId: userId, accountId: null, action: 'signed_out_everywhere', after: { sessionsEnded: n } });
    return n;
  });
}
