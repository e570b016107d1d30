import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { accounts, apiTokens, auditLog, loginAttempts, sessions, users } from '../../src/db/schema.ts';
import { MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP } from '../../src/users/sign-in.ts';
import { sha256 } from '../../src/users/secrets.ts';
import type { Clock } from '../../src/shared/clock.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, apiToken, ensureUser, sessionToken } from '../support/auth.ts';

// Signing in and out, sessions, CSRF, rate limits, API tokens and security headers.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const PASSWORD = 'correct horse battery';
const DAY = 86_400_000;

/** A clock the test moves forward. */
function movableClock(start = '2026-06-30T12:00:00Z') {
  let t = new Date(start).getTime();
  const clock: Clock = { now: () => new Date(t), today: () => new Date(t).toISOString().slice(0, 10) };
  return { clock, advance: (ms: number) => void (t += ms) };
}

/** An app with nobody signed in (the test sends its own cookies), over an optionally movable clock. */
function anonymous(clock?: Clock, env?: Record<string, string>) {
  return testApp(db, '2026-06-30', clock, { as: 'anonymous', env });
}

const mona = { ...PEOPLE.manager, password: PASSWORD };

/** The session cookie a response sets: name and value. */
function setCookie(res: Response): { name: string; value: string; raw: string } | null {
  const raw = res.headers.getSetCookie().find((c) => /^(__Host-)?pipegrade_session=[^;]/.test(c));
  if (!raw) return null;
  const [pair] = raw.split(';');
  const [name, value] = pair!.split('=') as [string, string];
  return { name, value, raw };
}

async function signIn(t: ReturnType<typeof anonymous>, email: string, password: string, headers: Record<string, string> = {}, next?: string) {
  return t.form('/sign-in', { email, password, ...(next ? { next } : {}) }, headers);
}

describe('signing in', () => {
  it('with the right password starts a session: a random cookie whose hash is stored, http-only and SameSite, then goes where the person was going', async () => {
    const u = await ensureUser(db, mona);
    const t = anonymous();
    const res = await signIn(t, 'MONA@test.invalid ', PASSWORD, {}, '/customers?tier=Key');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/customers?tier=Key');
    const c = setCookie(res)!;
    expect(c.name).toBe('pipegrade_session');
    expect(c.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.raw).toMatch(/HttpOnly/);
    expect(c.raw).toMatch(/SameSite=Lax/);
    expect(c.raw).toMatch(/Path=\//);
    expect(c.raw).toMatch(/Max-Age=1209600/); // 14 days
    expect(c.raw).not.toMatch(/Secure/); // plain http
    const [s] = await db.select().from(sessions);
    expect(s).toMatchObject({ id: sha256(c.value), userId: u.id });
    expect(s!.id).not.toContain(c.value);
    const page = await t.get('/prospects', { cookie: `${c.name}=${c.value}` });
    expect(page.status).toBe(200);
    expect(text(await page.text())).toContain('Mona Manager');
    expect((await db.select().from(loginAttempts)).map((a) => [a.email, a.ok])).toEqual([['mona@test.invalid', true]]);
  });

  it('over https (behind a trusted proxy) the cookie is Secure and __Host- prefixed', async () => {
    await ensureUser(db, mona);
    const t = anonymous(undefined, { TRUSTED_PROXY: 'on' });
    const res = await signIn(t, mona.email, PASSWORD, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pipegrade.example.com', origin: 'https://pipegrade.example.com' });
    expect(res.status).toBe(303);
    const c = setCookie(res)!;
    expect(c.name).toBe('__Host-pipegrade_session');
    expect(c.raw).toMatch(/Secure/);
    expect(c.raw).toMatch(/HttpOnly/);
    expect(c.raw).not.toMatch(/Domain=/);
    const page = await t.get('/prospects', { cookie: `${c.name}=${c.value}`, 'x-forwarded-proto': 'https' });
    expect(page.status).toBe(200);
    // Without a trusted proxy the header proves nothing: the cookie stays a plain one.
    const plain = await signIn(anonymous(), mona.email, PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(setCookie(plain)!.name).toBe('pipegrade_session');
  });

  it('rotates the session: signing in again ends the session this browser had', async () => {
    await ensureUser(db, mona);
    const t = anonymous();
    const first = setCookie(await signIn(t, mona.email, PASSWORD))!;
    const second = setCookie(await signIn(t, mona.email, PASSWORD, { cookie: `pipegrade_session=${first.value}` }))!;
    expect(second.value).not.toBe(first.value);
    expect((await db.select().from(sessions)).map((s) => s.id)).toEqual([sha256(second.value)]);
    const old = await t.get('/prospects', { cookie: `pipegrade_session=${first.value}` });
    expect(old.status).toBe(303);
    expect(old.headers.get('location')).toBe('/sign-in?next=%2Fprospects');
    expect((await t.get('/prospects', { cookie: `pipegrade_session=${second.value}` })).status).toBe(200);
  });

  it('a signed-in visit to the sign-in page goes on; next must be a path on this site', async () => {
    await ensureUser(db, mona);
    const t = anonymous();
    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await signIn(t, mona.email, PASSWORD, {}, evil);
      expect(res.headers.get('location'), evil).toBe('/home');
    }
    const c = setCookie(await signIn(t, mona.email, PASSWORD))!;
    const res = await t.get('/sign-in?next=/policy', { cookie: `pipegrade_session=${c.value}` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/policy');
  });

  it('says the same, with the same status, for a wrong password and an unknown email, and takes about as long', async () => {
    await ensureUser(db, mona);
    const t = anonymous();
    const wrong = await signIn(t, mona.email, 'not the password');
    const unknown = await signIn(t, 'nobody@test.invalid', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = text(await wrong.text()).replace(mona.email, 'EMAIL');
    const b = text(await unknown.text()).replace('nobody@test.invalid', 'EMAIL');
    expect(a).toBe(b);
    expect(a).toContain('That email and password do not match. Check both and try again.');
    expect(setCookie(wrong)).toBeNull();
    // Timing: an unknown email is checked against a dummy argon2id hash, so it costs what a real check costs.
    // Interleaved and compared by median, so a busy machine slows both alike; skipping the hash
    // for unknown emails would make them about a hundred times faster, far outside these bounds.
    const once = async (email: string, i: number) => {
      const started = performance.now();
      await signIn(anonymous(), email, `wrong ${i}`);
      return performance.now() - started;
    };
    await resetDatabase(database);
    await ensureUser(db, mona);
    const knownTimes: number[] = [];
    const nobodyTimes: number[] = [];
    for (let i = 0; i < 4; i++) {
      knownTimes.push(await once(mona.email, i));
      nobodyTimes.push(await once('nobody@test.invalid', i));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const known = median(knownTimes);
    const nobody = median(nobodyTimes);
    expect(nobody).toBeGreaterThan(known * 0.25);
    expect(nobody).toBeLessThan(known * 4);
  });

  it('a deactivated user cannot sign in (told so only with the right password); an empty form is a 422', async () => {
    await ensureUser(db, { ...mona, state: 'deactivated' });
    const t = anonymous();
    const right = await signIn(t, mona.email, PASSWORD);
    expect(right.status).toBe(403);
    expect(text(await right.text())).toContain('This account is deactivated, so it cannot sign in.');
    expect(setCookie(right)).toBeNull();
    const wrong = await signIn(t, mona.email, 'not the password');
    expect(wrong.status).toBe(401);
    expect(text(await wrong.text())).not.toContain('deactivated');
    const empty = await signIn(t, '', '');
    expect(empty.status).toBe(422);
    expect(text(await empty.text())).toContain('Enter your email and your password.');
  });

  it('on an empty database says how the first admin is made', async () => {
    const res = await anonymous().get('/sign-in');
    expect(text(await res.text())).toContain('npm run user:create -- --email you@example.com --name "Your Name" --role admin');
    await ensureUser(db, mona);
    expect(text(await (await anonymous().get('/sign-in')).text())).not.toContain('user:create');
  });
});

describe('rate limits', () => {
  it(`after ${MAX_FAILURES_PER_EMAIL} failures for an account, refuses it (even the right password) with 429 and a clear message, for 15 minutes`, async () => {
    await ensureUser(db, mona);
    const { clock, advance } = movableClock();
    const t = anonymous(clock);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect((await signIn(t, mona.email, `wrong ${i}`)).status).toBe(401);
      advance(60_000);
    }
    const limited = await signIn(t, mona.email, PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(10 * 60); // the first failure (5 minutes ago) leaves the window in 10
    expect(text(await limited.text())).toContain('Too many sign-in attempts for this account or from this address. Wait about 10 minutes, then try again.');
    expect(setCookie(limited)).toBeNull();
    // Another account from the same address is not held up.
    await ensureUser(db, { ...PEOPLE.admin, password: PASSWORD });
    expect((await signIn(t, PEOPLE.admin.email, PASSWORD)).status).toBe(303);
    advance(10 * 60_000);
    expect((await signIn(t, mona.email, PASSWORD)).status).toBe(303);
  });

  it('an unknown email is limited exactly like a real one, so the limit tells nothing', async () => {
    const t = anonymous();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) await signIn(t, 'nobody@test.invalid', `wrong ${i}`);
    const res = await signIn(t, 'nobody@test.invalid', 'anything at all');
    expect(res.status).toBe(429);
    expect(text(await res.text())).toContain('Too many sign-in attempts for this account or from this address.');
  });

  it(`after ${MAX_FAILURES_PER_IP} failures from one address, refuses every account from it, and not from another`, async () => {
    await ensureUser(db, mona);
    const t = anonymous(undefined, { TRUSTED_PROXY: 'on' });
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await signIn(t, `guess${i}@test.invalid`, 'wrong password', { 'x-forwarded-for': '203.0.113.7' });
    const res = await signIn(t, mona.email, PASSWORD, { 'x-forwarded-for': '203.0.113.7' });
    expect(res.status).toBe(429);
    // The proxy's own hop is the one believed: a client cannot pick its address by adding one in front.
    expect((await signIn(t, mona.email, PASSWORD, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })).status).toBe(429);
    expect((await signIn(t, mona.email, PASSWORD, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(303);
  });

  it('without a trusted proxy, X-Forwarded-For is ignored: a made-up address does not escape the limit', async () => {
    await ensureUser(db, mona);
    const t = anonymous();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await signIn(t, `guess${i}@test.invalid`, 'wrong password', { 'x-forwarded-for': `198.51.100.${i}` });
    expect((await signIn(t, mona.email, PASSWORD, { 'x-forwarded-for': '192.0.2.99' })).status).toBe(429);
  });

  it('counts the socket address when served over a real connection', async () => {
    await ensureUser(db, mona);
    const t = anonymous();
    const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
    const post = (email: string, password: string, address: string) =>
      t.app.request('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password }).toString() }, from(address));
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await post(`guess${i}@test.invalid`, 'wrong password', '192.0.2.1');
    expect((await post(mona.email, PASSWORD, '192.0.2.1')).status).toBe(429);
    expect((await post(mona.email, PASSWORD, '192.0.2.2')).status).toBe(303);
    expect((await db.select().from(loginAttempts)).filter((a) => a.ip === '192.0.2.1')).toHaveLength(MAX_FAILURES_PER_IP);
  });
});

describe('sessions', () => {
  it('expire SESSION_DAYS after they were last used: then the page asks to sign in and the cookie is cleared', async () => {
    const u = await ensureUser(db, mona);
    const { clock, advance } = movableClock();
    const token = await sessionToken(db, u.id, clock.now());
    const t = anonymous(clock);
    const cookie = { cookie: `pipegrade_session=${token}` };
    advance(10 * DAY);
    expect((await t.get('/prospects', cookie)).status).toBe(200); // used: the expiry moves to day 24
    advance(13 * DAY);
    expect((await t.get('/prospects', cookie)).status).toBe(200); // day 23: still alive thanks to the use on day 10
    advance(15 * DAY);
    const res = await t.get('/prospects', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Fprospects');
    expect(res.headers.getSetCookie().join()).toMatch(/pipegrade_session=;.*Max-Age=0/);
    expect(await db.select().from(sessions)).toEqual([]);
  });

  it('SESSION_DAYS sets the lifetime', async () => {
    await ensureUser(db, mona);
    const { clock, advance } = movableClock();
    const t = anonymous(clock, { SESSION_DAYS: '1' });
    const c = setCookie(await signIn(t, mona.email, PASSWORD))!;
    expect(c.raw).toMatch(/Max-Age=86400/);
    const cookie = { cookie: `pipegrade_session=${c.value}` };
    advance(DAY - 60_000);
    expect((await t.get('/prospects', cookie)).status).toBe(200);
    advance(DAY + 1000);
    expect((await t.get('/prospects', cookie)).status).toBe(303);
  });

  it('sign out ends this session only; sign out everywhere ends them all, and is recorded', async () => {
    const u = await ensureUser(db, mona);
    const now = new Date('2026-06-30T12:00:00Z');
    const [a, b, c] = [await sessionToken(db, u.id, now), await sessionToken(db, u.id, now), await sessionToken(db, u.id, now)];
    const t = anonymous();
    const out = await t.form('/sign-out', {}, { cookie: `pipegrade_session=${a}` });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/sign-in?out=1');
    expect(out.headers.getSetCookie().join()).toMatch(/pipegrade_session=;/);
    expect((await t.get('/prospects', { cookie: `pipegrade_session=${a}` })).status).toBe(303);
    expect((await t.get('/prospects', { cookie: `pipegrade_session=${b}` })).status).toBe(200);
    const me = await t.get('/me', { cookie: `pipegrade_session=${b}` });
    expect(text(await me.text())).toContain('You are signed in in 2 places.');
    const all = await t.form('/me/sign-out-everywhere', {}, { cookie: `pipegrade_session=${b}` });
    expect(all.headers.get('location')).toBe('/sign-in?out=everywhere');
    for (const token of [b, c]) expect((await t.get('/prospects', { cookie: `pipegrade_session=${token}` })).status).toBe(303);
    expect(await db.select().from(sessions)).toEqual([]);
    expect((await db.select().from(auditLog)).map((r) => [r.entity, r.entityId, r.action, r.actorId])).toEqual([['user', u.id, 'signed_out_everywhere', u.id]]);
  });

  it('deactivating someone ends their sessions and stops their tokens; their history stays', async () => {
    const rep = await ensureUser(db, { ...PEOPLE.rep, password: PASSWORD });
    const token = await sessionToken(db, rep.id, new Date('2026-06-30T12:00:00Z'));
    const bearer = await apiToken(db, rep.id);
    const t = anonymous();
    expect((await t.get('/api/me', { authorization: `Bearer ${bearer}` })).status).toBe(200);
    const res = await testApp(db).form(`/team/${rep.id}/deactivation`, { version: String(rep.version) });
    expect(res.status).toBe(303);
    expect((await t.get('/prospects', { cookie: `pipegrade_session=${token}` })).status).toBe(303);
    expect((await t.get('/api/me', { authorization: `Bearer ${bearer}` })).status).toBe(401);
    expect(await db.select().from(sessions).where(eq(sessions.userId, rep.id))).toEqual([]);
    expect(await db.select().from(users).where(eq(users.id, rep.id))).toEqual([expect.objectContaining({ state: 'deactivated' })]);
    expect((await signIn(t, rep.email, PASSWORD)).status).toBe(403);
  });

  it('changing one’s password needs the current one, keeps this session and ends the others', async () => {
    const u = await ensureUser(db, mona);
    const now = new Date('2026-06-30T12:00:00Z');
    const [here, there] = [await sessionToken(db, u.id, now), await sessionToken(db, u.id, now)];
    const t = anonymous();
    const cookie = { cookie: `pipegrade_session=${here}` };
    const bad = await t.form('/me/password', { current: 'not it at all', password: 'a brand new password', confirm: 'a brand new password' }, cookie);
    expect(bad.status).toBe(422);
    expect(text(await bad.text())).toContain('is not your current password');
    const mismatch = await t.form('/me/password', { current: PASSWORD, password: 'a brand new password', confirm: 'something else' }, cookie);
    expect(text(await mismatch.text())).toContain('does not match the new password');
    const ok = await t.form('/me/password', { current: PASSWORD, password: 'a brand new password', confirm: 'a brand new password' }, cookie);
    expect(ok.status).toBe(303);
    expect((await t.get('/prospects', cookie)).status).toBe(200);
    expect((await t.get('/prospects', { cookie: `pipegrade_session=${there}` })).status).toBe(303);
    expect((await signIn(t, mona.email, PASSWORD)).status).toBe(401);
    expect((await signIn(t, mona.email, 'a brand new password')).status).toBe(303);
  });
});

describe('cross-site request forgery', () => {
  it('refuses a form post from another site, or from nowhere said, and stores nothing', async () => {
    const t = testApp(db);
    await t.get('/prospects'); // the signed-in manager exists
    const fields = { name: 'Forged Ltd' };
    const forged: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: '', 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'http://evil.localhost' }];
    for (const headers of forged) {
      const res = await t.form('/prospects', fields, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(text(await res.text())).toContain('This form was sent from another site');
    }
    // No Origin and no Sec-Fetch-Site at all: refused too.
    const bare = await t.hono.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: (await cookieOf(t)) }, body: 'name=Forged' });
    expect(bare.status).toBe(403);
    expect(await db.select().from(accounts)).toEqual([]);
  });

  it('lets a same-origin form and an htmx request through (Origin, or Sec-Fetch-Site: same-origin)', async () => {
    const t = testApp(db);
    expect((await t.form('/prospects', { name: 'Real Ltd' })).status).toBe(303);
    const viaFetchSite = await t.hono.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', cookie: await cookieOf(t) }, body: 'name=Also+Real' });
    expect(viaFetchSite.status).toBe(303);
    const [p] = await db.select().from(accounts).orderBy(asc(accounts.id));
    const htmx = await t.form(`/prospects/${p!.id}/signals`, { type: 'call' }, { 'HX-Request': 'true' });
    expect(htmx.status).toBe(200);
  });

  it('refuses a sign-in posted from another site (no login CSRF)', async () => {
    await ensureUser(db, mona);
    const res = await signIn(anonymous(), mona.email, PASSWORD, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(setCookie(res)).toBeNull();
  });
});

async function cookieOf(t: ReturnType<typeof testApp>): Promise<string> {
  const u = await t.user();
  return `pipegrade_session=${await sessionToken(db, u!.id, new Date('2026-06-30T12:00:00Z'))}`;
}

describe('API tokens', () => {
  it('are made on the user page, shown once, stored hashed; a bearer token works on /api until revoked', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const made = await t.form('/me/tokens', { name: 'CRM sync' });
    expect(made.status).toBe(201);
    expect(made.headers.get('cache-control')).toBe('no-store');
    const token = /<p class="secret" data-testid="new-token">\s*(pgt_[A-Za-z0-9_-]+)/.exec(await made.text())![1]!;
    const [row] = await db.select().from(apiTokens);
    expect(row).toMatchObject({ name: 'CRM sync', tokenHash: sha256(token), prefix: token.slice(0, 10), revokedAt: null, lastUsedAt: null });
    const me = await t.get('/me');
    const html = await me.text();
    expect(html).not.toContain(token);
    expect(html).toContain(`${token.slice(0, 10)}…`);

    const api = anonymous();
    const res = await api.get('/api/me', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: PEOPLE.rep.email, role: 'rep', level: 2, levelLabel: 'Account Executive' });
    expect((await db.select().from(apiTokens))[0]!.lastUsedAt).toEqual(new Date('2026-06-30T12:00:00Z'));

    const revoked = await t.form(`/me/tokens/${row!.id}/revocation`, {});
    expect(revoked.status).toBe(303);
    const after = await api.get('/api/me', { authorization: `Bearer ${token}` });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer realm="pipegrade"');
    expect(text(await (await t.get('/me')).text())).toContain('revoked 2026-06-30');
    expect((await db.select().from(auditLog).orderBy(asc(auditLog.id))).map((a) => a.action)).toEqual(['token_created', 'token_revoked']);
  });

  it('someone else’s token cannot be revoked (404); a token needs a name', async () => {
    const other = await ensureUser(db, PEOPLE.otherRep);
    await apiToken(db, other.id);
    const [row] = await db.select().from(apiTokens);
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    expect((await t.form(`/me/tokens/${row!.id}/revocation`, {})).status).toBe(404);
    expect((await db.select().from(apiTokens))[0]!.revokedAt).toBeNull();
    const unnamed = await t.form('/me/tokens', { name: ' ' });
    expect(unnamed.status).toBe(422);
    expect(text(await unnamed.text())).toContain('give the token a name');
  });

  it('every /api route wants a token: none, a bad one or a session cookie is 401; a token is no key to the pages', async () => {
    const u = await ensureUser(db, mona);
    const cookie = `pipegrade_session=${await sessionToken(db, u.id, new Date('2026-06-30T12:00:00Z'))}`;
    const bearer = await apiToken(db, u.id);
    const t = anonymous();
    const wrong: Record<string, string>[] = [{}, { cookie }, { authorization: 'Bearer pgt_not-a-real-token' }, { authorization: `Basic ${Buffer.from(`${mona.email}:${PASSWORD}`).toString('base64')}` }, { authorization: bearer }];
    for (const headers of wrong) {
      for (const [method, path] of [['GET', '/api/prospects'], ['POST', '/api/grading/preview'], ['POST', '/api/tiering/preview'], ['GET', '/api/nothing-here']] as const) {
        const res = method === 'GET' ? await t.get(path, headers) : await t.json(method, path, {}, headers);
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect((await res.json()).error).toMatch(/^authentication required/);
      }
    }
    expect((await t.json('POST', '/api/grading/preview', { asOf: '2026-06-30', prospect: {}, signals: [] }, { authorization: `Bearer ${bearer}` })).status).toBe(200);
    expect((await t.get('/api/nothing-here', { authorization: `bearer ${bearer}` })).status).toBe(404);
    const page = await t.get('/prospects', { authorization: `Bearer ${bearer}` });
    expect(page.status).toBe(303);
  });
});

describe('security headers', () => {
  it('every response carries them: pages, API answers, refusals and redirects', async () => {
    const t = testApp(db);
    const responses = [await t.get('/prospects'), await t.get('/api/prospects'), await anonymous().get('/prospects'), await anonymous().get('/api/prospects'), await anonymous().get('/sign-in'), await t.get('/nowhere')];
    for (const res of responses) {
      const h = res.headers;
      expect(h.get('content-security-policy')).toContain("default-src 'self'");
      expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
    }
    expect((await anonymous().get('/sign-in')).headers.get('cache-control')).toBe('no-store');
    expect((await t.get('/me')).headers.get('cache-control')).toBe('no-store');
    // What a signed-in person sees stays out of shared caches.
    expect((await t.get('/prospects')).headers.get('cache-control')).toBe('private, no-cache');
    expect((await t.get('/api/prospects')).headers.get('cache-control')).toBe('private, no-cache');
  });
});
