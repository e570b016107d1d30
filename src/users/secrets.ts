import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Session cookies and API tokens are 32 random bytes; the database keeps only their SHA-256, so a
// copy of the database signs no one in. (A hash this fast is right for random secrets; passwords,
// which people choose, get argon2id.)

export const newSecret = () => randomBytes(32).toString('base64url');

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Constant-time comparison of two strings of hex. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex'), y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
