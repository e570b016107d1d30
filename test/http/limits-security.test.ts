import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, auditLog, loginAttempts, sessions } from '../../src/db/schema.ts';
import type { Clock } from '../../src/shared/clock.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';

// Small checks from the security pass (docs/security.md): a session's absolute lifetime
// (ASVS 3.3.2), the audit trail's days in the organisation's time zone, NUL characters refused
// before any query, JSON nested too deep refused, and the security headers (ASVS 14.4) on every
// kind of answer.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery';

function movableClock(start = '2026-06-30T12:00:00Z') {
  let t = new Date(start).getTime();
  const clock: Clock = { now: () => new Date(t), today: () => new Date(t).toISOString().slice(0, 10) };
  return { clock, advance: (ms: number) => void (t += ms) };
}

describe('a session’s absolute lifetime (SESSION_MAX_DAYS)', () => {
  it('ends a session used every day once it is SESSION_MAX_DAYS old; the cookie lives no longer than that', async () => {
    await ensureUser(db, { ...PEOPLE.manager, password: PASSWORD });
    const { clock, advance } = movableClock();
    const t = testApp(db, '2026-06-30', clock, { as: 'anonymous', env: { SESSION_DAYS: '14', SESSION_MAX_DAYS: '20' } });
    const signedIn = await t.form('/sign-in', { email: PEOPLE.manager.email, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const raw = signedIn.headers.getSetCookie().find((c) => c.startsWith('pipegrade_session='))!;
    expect(raw).toMatch(/Max-Age=1209600/); // 14 days: the smaller of the two
    const cookie = { cookie: raw.split(';')[0]! };
    for (let day = 1; day < 20; day++) {
      advance(DAY);
      expect((await t.get('/prospects', cookie)).status, `day ${day}`).toBe(200);
    }
    // Used every day, so the sliding expiry alone would keep it; the absolute one does not.
    expect((await db.select().from(sessions))[0]!.expiresAt.getTime()).toBe(new Date('2026-06-30T12:00:00Z').getTime() + 20 * DAY);
    advance(DAY);
    const res = await t.get('/prospects', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Fprospects');
    expect(await db.select().from(sessions)).toEqual([]);
  });

  it('defaults to 30 days', async () => {
    await ensureUser(db, { ...PEOPLE.manager, password: PASSWORD });
    const { clock, advance } = movableClock();
    const t = testApp(db, '2026-06-30', clock, { as: 'anonymous' });
    const raw = (await t.form('/sign-in', { email: PEOPLE.manager.email, password: PASSWORD })).headers.getSetCookie().find((c) => c.startsWith('pipegrade_session='))!;
    const cookie = { cookie: raw.split(';')[0]! };
    for (let day = 0; day < 29; day += 7) {
      advance(7 * DAY);
      if (day + 7 < 30) expect((await t.get('/prospects', cookie)).status, `day ${day + 7}`).toBe(200);
    }
    advance(2 * DAY); // day 30
    expect((await t.get('/prospects', cookie)).status).toBe(303);
  });
});

describe('the audit trail’s days are days in TZ_ORG', () => {
  it('filters from and to by the organisation’s midnight, and shows times in its zone', async () => {
    // 22:00 on June 9 and 01:00 on June 10 in Los Angeles (UTC−7 in summer).
    await db.insert(auditLog).values([
      { actor: 'test', entity: 'account', action: 'late_on_the_9th', at: new Date('2026-06-10T05:00:00Z') },
      { actor: 'test', entity: 'account', action: 'early_on_the_10th', at: new Date('2026-06-10T08:00:00Z') },
    ]);
    const la = testApp(db, '2026-06-30', undefined, { env: { TZ_ORG: 'America/Los_Angeles' } });
    const actions = async (t: ReturnType<typeof testApp>, q: string) => ((await (await t.get(`/api/audit?${q}`)).json()) as { entries: { action: string }[] }).entries.map((e) => e.action);
    expect(await actions(la, 'from=2026-06-10&to=2026-06-10')).toEqual(['early_on_the_10th']);
    expect(await actions(la, 'from=2026-06-09&to=2026-06-09')).toEqual(['late_on_the_9th']);
    // In UTC both are on the 10th.
    expect(await actions(testApp(db), 'from=2026-06-10&to=2026-06-10')).toEqual(['early_on_the_10th', 'late_on_the_9th']);
    const page = text(await (await la.get('/audit?from=2026-06-09&to=2026-06-10')).text());
    expect(page).toContain('when (in America/Los_Angeles)');
    expect(page).toContain('2026-06-09 22:00');
    expect(page).toContain('2026-06-10 01:00');
  });

  it('takes the last day a date can be without failing', async () => {
    const t = testApp(db);
    expect((await t.get('/api/audit?from=2999-12-31&to=2999-12-31')).status).toBe(200);
    const far = await t.get('/api/audit?to=9999-12-31');
    expect(far.status).toBe(422);
    expect(await far.json()).toEqual({ error: 'validation failed', issues: [{ path: 'to', message: 'must be between 1900-01-01 and 2999-12-31' }] });
  });
});

describe('input PostgreSQL cannot hold', () => {
  it('a NUL in an address is a 400 before any query, on pages and the API', async () => {
    const t = testApp(db);
    const api = await t.get('/api/prospects?q=a%00b');
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({ error: 'The address contains a NUL character (%00), which no field accepts.' });
    const page = await t.get('/customers?tier=%00');
    expect(page.status).toBe(400);
    expect(text(await page.text())).toContain('The address contains a NUL character');
  });

  it('a NUL in a text field is a 422 naming the field, on pages and the API; nothing stored', async () => {
    const t = testApp(db);
    const api = await t.json('POST', '/api/prospects', { name: 'Acme\u0000' });
    expect(api.status).toBe(422);
    expect(await api.json()).toMatchObject({ issues: [{ path: 'name', message: 'cannot contain the NUL character (U+0000)' }] });
    const page = await t.form('/prospects', { name: 'Acme', industry: 'x\u0000y' });
    expect(page.status).toBe(422);
    expect(text(await page.text())).toContain('cannot contain the NUL character (U+0000)');
    const signIn = await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).form('/sign-in', { email: 'a\u0000@example.com', password: 'whatever-long' });
    expect(signIn.status).toBe(422);
    expect(await db.select().from(accounts)).toEqual([]);
    expect(await db.select().from(loginAttempts)).toEqual([]);
  });

  it('JSON nested deeper than any body needs is a 400, not a stack overflow', async () => {
    const res = await testApp(db).json('POST', '/api/grading/preview', `{"policy":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'the JSON is nested more than 32 levels deep' });
  });

  it('sign-in with an email or password longer than any can be: refused like a wrong one, not a 500', async () => {
    const anon = testApp(db, '2026-06-30', undefined, { as: 'anonymous' });
    for (const fields of [{ email: `${'x'.repeat(300)}@example.com`, password: 'whatever-long' }, { email: 'a@example.com', password: 'p'.repeat(300) }]) {
      const res = await anon.form('/sign-in', fields);
      expect(res.status).toBe(401);
      expect(text(await res.text())).toContain('That email and password do not match');
    }
  });
});

describe('API answers are data (ASVS 14.4.2)', () => {
  it('every JSON answer of the API, refusals included, is an attachment; pages are not', async () => {
    const t = testApp(db);
    const answers = [await t.get('/api/prospects'), await t.get('/api/nowhere'), await t.json('POST', '/api/prospects', { name: '' }), await t.get('/api/prospects?q=%00'), await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).get('/api/me')];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 422, 400, 401]);
    for (const res of answers) expect(res.headers.get('content-disposition'), res.url).toBe('attachment; filename="api.json"');
    expect((await t.get('/prospects')).headers.get('content-disposition')).toBeNull();
  });

  it('a policy override cannot reach an object’s prototype', async () => {
    const t = testApp(db);
    const res = await t.json('POST', '/api/grading/preview', '{"prospect":{"employees":600},"policy":{"__proto__":{"polluted":"yes"},"grading":{"__proto__":{"polluted":"yes"}}}}');
    expect(res.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('security headers on every kind of answer (ASVS 14.4)', () => {
  it('pages, fragments, JSON, CSV, assets, errors and the health check', async () => {
    const t = testApp(db);
    const answers = await Promise.all([
      t.get('/prospects', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' }),
      t.get('/prospects.csv'),
      t.get('/assets/app.css'),
      t.get('/healthz'),
      t.get('/api/nowhere'),
      t.get('/prospects/999999'),
      t.json('POST', '/api/prospects', '{'),
    ]);
    for (const res of answers) {
      expect(res.headers.get('content-security-policy'), res.url).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      // Every answer says what it is; text with its charset (ASVS 14.4.1; JSON is UTF-8 by definition).
      expect(res.headers.get('content-type')).toMatch(/^(text\/(html|css|csv); charset=utf-8|application\/json)/i);
    }
  });
});
