import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiTokens, users, type UserRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Actor } from './model.ts';
import { newSecret, sha256 } from './secrets.ts';

// Personal API tokens: shown once when made, stored as their SHA-256 with a short prefix to
// recognise them by, sent as `Authorization: Bearer <token>`. A revoked token, or one of a
// deactivated user, is refused.

export const TOKEN_PREFIX = 'pgt_';
const SHOWN_PREFIX = TOKEN_PREFIX.length + 6;
const TOUCH_EVERY_MS = 5 * 60_000;

export type ApiTokenRow = typeof apiTokens.$inferSelect;

/** A token as pages and the API show it: never the token nor its hash. */
export const tokenJson = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Makes a token for `userId`; the token itself is in the result and nowhere else. */
export async function createApiToken(db: Db, userId: number, name: string, actor: Actor, now: Date): Promise<{ token: string; row: ApiTokenRow }> {
  const token = TOKEN_PREFIX + newSecret();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({ userId, name, tokenHash: sha256(token), prefix: token.slice(0, SHOWN_PREFIX), createdAt: now })
      .returning();
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'user', entityId: userId, accountId: null, action: 'token_created', after: { tokenId: row!.id, name, prefix: row!.prefix } });
    return { token, row: row! };
  });
}

export async function listTokens(db: Db, userId: number): Promise<ApiTokenRow[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** Revokes one of the user's own tokens; null when it is not theirs or not there. */
export async function revokeToken(db: Db, userId: number, tokenId: number, actor: Actor, now: Date): Promise<ApiTokenRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .returning();
    if (!row) {
      const [already] = await tx.select().from(apiTokens).where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)));
      return already ?? null;
    }
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'user', entityId: userId, accountId: null, action: 'token_revoked', before: { tokenId, name: row.name, prefix: row.prefix } });
    return row;
  });
}

/** The user a bearer token belongs to, if the token is live and the user not deactivated. */
export async function findTokenUser(db: Db, token: string, now: Date): Promise<{ token: ApiTokenRow; user: UserRow } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, sha256(token)));
  if (!row || row.token.revokedAt || row.user.state === 'deactivated') return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}
