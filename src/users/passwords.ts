import { randomBytes } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

// Passwords are hashed with argon2id (memory-hard; @node-rs/argon2 ships prebuilt binaries, so
// nothing is compiled or downloaded at install). Parameters: OWASP's minimum for argon2id, 19 MiB
// of memory and 2 passes, about 20–40 ms a hash here. The parameters are kept in each hash, so
// raising them later still verifies the old ones.

/** Algorithm.Argon2id: the package's enum is a `const enum`, which isolated modules cannot read. */
const ARGON2ID = 2 as Options['algorithm'];
const OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | null = null;
/** A hash of nothing anyone knows, verified when there is no user, so both answers take as long. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummy;
}

/** Whether `password` matches `stored`; with no stored hash it still spends the time of a check, then says no. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  const target = stored ?? (await dummyHash());
  let ok = false;
  try {
    ok = await verify(target, password);
  } catch {
    ok = false;
  }
  return ok && !!stored;
}

/** Why a new password is refused, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  return null;
}

/** A random password for a new user (shown once to whoever created them). */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}
