import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { apiTokens, sessions, users, type UserRow } from '../../src/db/schema.ts';
import { hashPassword } from '../../src/users/passwords.ts';
import { createSession } from '../../src/users/sessions.ts';
import { sha256, newSecret } from '../../src/users/secrets.ts';
import { TOKEN_PREFIX } from '../../src/users/tokens.ts';
import type { Role } from '../../src/users/model.ts';

// People and credentials for tests, written straight to the database (no sign-in form, no
// argon2 unless a password is asked for), so that every HTTP test can act as someone.

export type TestUser = { email: string; name: string; role: Role; level?: number | null; state?: string; password?: string };

/** The usual cast: a manager (pages as "web", the API as "api", as the actor names tests expect), a rep and an admin. */
export const PEOPLE = {
  web: { email: 'web@test.invalid', name: 'web', role: 'manager' },
  api: { email: 'api@test.invalid', name: 'api', role: 'manager' },
  manager: { email: 'mona@test.invalid', name: 'Mona Manager', role: 'manager' },
  rep: { email: 'rita@test.invalid', name: 'Rita Rep', role: 'rep', level: 2 },
  otherRep: { email: 'otto@test.invalid', name: 'Otto Rep', role: 'rep', level: 1 },
  admin: { email: 'ada@test.invalid', name: 'Ada Admin', role: 'admin' },
} as const satisfies Record<string, TestUser>;

/** The user with this email, created (or brought back to these fields) as needed. */
export async function ensureUser(db: Db, u: TestUser): Promise<UserRow> {
  const passwordHash = u.password ? await hashPassword(u.password) : null;
  const values = { email: u.email, name: u.name, role: u.role, level: u.role === 'rep' ? (u.level ?? 1) : null, state: u.state ?? 'active', passwordHash };
  const [row] = await db
    .insert(users)
    .values(values)
    .onConflictDoUpdate({ target: users.email, set: { name: values.name, role: values.role, level: values.level, state: values.state, ...(passwordHash ? { passwordHash } : {}) } })
    .returning();
  return row!;
}

/** A session cookie's token for the user, as of `now`. */
export async function sessionToken(db: Db, userId: number, now: Date, days = 14): Promise<string> {
  return (await createSession(db, userId, { now, days })).token;
}

/** A live API token for the user. */
export async function apiToken(db: Db, userId: number, name = 'test'): Promise<string> {
  const token = TOKEN_PREFIX + newSecret();
  await db.insert(apiTokens).values({ userId, name, tokenHash: sha256(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) });
  return token;
}

export async function sessionExists(db: Db, token: string): Promise<boolean> {
  const rows = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sha256(token)));
  return rows.length > 0;
}

export async function tokenExists(db: Db, token: string): Promise<boolean> {
  const rows = await db.select({ id: apiTokens.id }).from(apiTokens).where(sql`${apiTokens.tokenHash} = ${sha256(token)} and ${apiTokens.revokedAt} is null`);
  return rows.length > 0;
}

export const cookieHeader = (token: string) => `pipegrade_session=${token}`;
