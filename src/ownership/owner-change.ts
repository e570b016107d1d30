import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, users, type AccountRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Actor } from '../users/model.ts';

// Who owns an account: a rep changes only the accounts they own. A prospect a rep adds is
// theirs; managers hand accounts to someone else (the automatic ownership rules come later).

export type OwnerInfo = { owner: { id: number; name: string; state: string } | null; candidates: { id: number; name: string; role: string }[] };

/** The owner of an account and who it could be given to (everyone who is not deactivated). */
export async function ownerInfo(db: Db, ownerId: number | null): Promise<OwnerInfo> {
  const candidates = await db
    .select({ id: users.id, name: users.name, role: users.role })
    .from(users)
    .where(ne(users.state, 'deactivated'))
    .orderBy(asc(users.name), asc(users.id));
  if (ownerId === null) return { owner: null, candidates };
  const [owner] = await db.select({ id: users.id, name: users.name, state: users.state }).from(users).where(eq(users.id, ownerId));
  return { owner: owner ?? null, candidates };
}

export type OwnerChange = { ok: true; account: AccountRow; changed: boolean } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'invalid'; errors: Record<string, string> };

/** Gives an account to `ownerId` (null: nobody), recorded in the audit trail. */
export async function changeOwner(db: Db, accountId: number, ownerId: number | null, actor: Actor): Promise<OwnerChange> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!current) return { ok: false as const, reason: 'not_found' as const };
    let ownerName: string | null = null;
    if (ownerId !== null) {
      const [u] = await tx.select({ id: users.id, name: users.name }).from(users).where(and(eq(users.id, ownerId), ne(users.state, 'deactivated')));
      if (!u) return { ok: false as const, reason: 'invalid' as const, errors: { ownerId: 'choose someone on the team who is not deactivated' } };
      ownerName = u.name;
    }
    if (current.ownerId === ownerId) return { ok: true as const, account: current, changed: false };
    const [prev] = current.ownerId === null ? [] : await tx.select({ name: users.name }).from(users).where(eq(users.id, current.ownerId));
    const [after] = await tx.update(accounts).set({ ownerId, updatedAt: sql`now()` }).where(eq(accounts.id, accountId)).returning();
    await writeAudit(tx, {
      actor: actor.name,
      actorId: actor.id ?? null,
      entity: 'account',
      entityId: accountId,
      accountId,
      action: 'owner_changed',
      before: { ownerId: current.ownerId, owner: prev?.name ?? null },
      after: { ownerId, owner: ownerName },
    });
    return { ok: true as const, account: after!, changed: true };
  });
}
