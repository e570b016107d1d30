// Signing the load generator in. Pages are for signed-in people once the app has sign-in
// (src/users/sessions.ts, src/access/): the benchmarks then make a "Benchmark" manager in the
// database under test and a session for it with the app's own createSession(), dated at the
// app's fixed bench clock (so findSession never has to push its expiry back: no write per
// request), and send its cookie with every page request to the app. The bare servers ignore it.
// The modules are imported by URL at run time, so the benchmarks also run on a version of the
// app without sign-in (then no cookie is sent).

import { eq } from 'drizzle-orm';
import type { Db } from '../src/db/client.ts';
import { sessions, users } from '../src/db/schema.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { BENCH_AS_OF } from './config.ts';

const EMAIL = 'benchmark@bench.invalid';

type SessionsModule = { createSession(db: Db, userId: number, opts: { now: Date; days: number }): Promise<{ token: string }> };
type ClientModule = { SESSION_COOKIE: string };

async function optionalImport<T>(path: string): Promise<T | undefined> {
  try {
    return (await import(new URL(path, import.meta.url).href)) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** A `Cookie` header value signing in the benchmark user, or undefined when the app has no sign-in. */
export async function benchCookie(db: Db): Promise<string | undefined> {
  const s = await optionalImport<SessionsModule>('../src/users/sessions.ts');
  const c = await optionalImport<ClientModule>('../src/access/client.ts');
  if (!s?.createSession || !c?.SESSION_COOKIE) return undefined;
  let [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, EMAIL));
  if (!user) [user] = await db.insert(users).values({ email: EMAIL, name: 'Benchmark', role: 'manager' }).returning({ id: users.id });
  // One live session per run; earlier runs' sessions are dropped.
  await db.delete(sessions).where(eq(sessions.userId, user!.id));
  const { token } = await s.createSession(db, user!.id, { now: fixedClock(BENCH_AS_OF).now(), days: 365 });
  return `${c.SESSION_COOKIE}=${token}`;
}
