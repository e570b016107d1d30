import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, apiTokens, auditLog, sessions, users } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

// Nothing secret — a password, its hash, an API token or its hash, a session cookie or its
// hash — ever appears in a page, an API answer or a log line. The two deliberate exceptions:
// a new API token and a made-up first password are each shown once, on the page that made them.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const PASSWORDS = { admin: 'admin password one', rep: 'rep password number two', changed: 'the changed password three' };

describe('secrets', () => {
  it('appear in no page, API answer, audit row or log line', async () => {
    const seen: { where: string; body: string }[] = [];
    const keep = async (where: string, res: Response) => {
      const headers = [...res.headers.entries()].filter(([k]) => k !== 'set-cookie').map(([k, v]) => `${k}: ${v}`).join('\n');
      seen.push({ where, body: `${headers}\n${await res.text()}` });
      return res;
    };

    // People with passwords, made every way there is.
    await ensureUser(db, { ...PEOPLE.admin, password: PASSWORDS.admin });
    const admin = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    await keep('POST /team', await admin.form('/team', { name: 'Rita Rep', email: 'rita@example.com', role: 'rep', level: '2', capacity: '100', state: 'active', password: PASSWORDS.rep }));
    const generated = await admin.form('/team', { name: 'Gene Made', email: 'gene@example.com', role: 'rep', level: '1', capacity: '100', state: 'active', password: '' });
    const generatedHtml = await generated.text();
    const madeUp = /data-testid="new-password">\s*([A-Za-z0-9_-]{16})\s*</.exec(generatedHtml)![1]!;
    await keep('POST /api/users', await admin.json('POST', '/api/users', { email: 'svc@example.com', name: 'Service', role: 'manager', password: 'service password four' }));
    const rita = (await db.select().from(users).where(eq(users.email, 'rita@example.com')))[0]!;
    await keep('PATCH /api/users/:id', await admin.json('PATCH', `/api/users/${rita.id}`, { password: PASSWORDS.changed }));

    // Signing in through the form, right and wrong.
    const anon = testApp(db, '2026-06-30', undefined, { as: 'anonymous' });
    await keep('POST /sign-in wrong', await anon.form('/sign-in', { email: 'rita@example.com', password: 'wrong password here' }));
    const signedIn = await anon.form('/sign-in', { email: 'rita@example.com', password: PASSWORDS.changed });
    expect(signedIn.status).toBe(303);
    const cookie = /pipegrade_session=([^;]+)/.exec(signedIn.headers.get('set-cookie')!)![1]!;
    await keep('POST /sign-in ok', signedIn);
    const asRita = { cookie: `pipegrade_session=${cookie}` };
    await keep('POST /me/password', await anon.form('/me/password', { current: 'not the right one', password: 'whatever password', confirm: 'whatever password' }, asRita));

    // A token, shown once.
    const made = await anon.form('/me/tokens', { name: 'CRM' }, asRita);
    const madeHtml = await made.text();
    const token = /data-testid="new-token">\s*(pgt_[A-Za-z0-9_-]+)/.exec(madeHtml)![1]!;
    const bearer = { authorization: `Bearer ${token}` };
    await keep('GET /api/me (token)', await anon.get('/api/me', bearer));

    // Some pipeline to show.
    const p = await insertProspect(db, { name: 'Acme' });
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
    await db.update(accounts).set({ ownerId: rita.id }).where(eq(accounts.id, p.id));
    const c = await insertCustomer(db, { name: 'Cust' });
    const d = (await insertDeal(db, p.id, { title: 'Pilot' })).deal!;

    // Every page and every GET of the API, as an admin and as the rep.
    const routes = admin.app.routes.filter((r) => r.method === 'GET').map((r) => r.path);
    const concrete = (path: string) =>
      path.replace(/:(\w+)/g, (_, n: string) =>
        n === 'name' ? 'app.css' : /\/deals\//.test(path) ? String(d.id) : /\/customers\//.test(path) ? String(c.id) : /\/(team|users)\//.test(path) ? String(rita.id) : String(p.id),
      );
    for (const path of [...new Set(routes)].map(concrete)) {
      await keep(`GET ${path} (admin)`, await admin.get(path));
      await keep(`GET ${path} (rep)`, await anon.get(path, path.startsWith('/api/') ? bearer : asRita));
    }
    await keep('GET /audit?user', await admin.get(`/audit?user=${rita.id}`));
    await keep('GET /api/audit', await admin.get('/api/audit'));
    await keep('POST /me/tokens/:id/revocation', await anon.form(`/me/tokens/${(await db.select().from(apiTokens))[0]!.id}/revocation`, {}, asRita));

    const secrets: [string, string][] = [
      ...Object.entries(PASSWORDS).map(([k, v]) => [`password ${k}`, v] as [string, string]),
      ['made-up password', madeUp],
      ['service password', 'service password four'],
      ['api token', token],
      ['session cookie', cookie],
      ...(await db.select().from(users)).filter((u) => u.passwordHash).map((u) => [`hash of ${u.email}`, u.passwordHash!] as [string, string]),
      ...(await db.select().from(apiTokens)).map((t) => [`token hash ${t.id}`, t.tokenHash] as [string, string]),
      ...(await db.select().from(sessions)).map((s) => [`session hash`, s.id] as [string, string]),
    ];
    expect(secrets.length).toBeGreaterThan(10);
    expect(seen.length).toBeGreaterThan(60);
    const auditText = JSON.stringify(await db.select().from(auditLog));
    for (const [what, secret] of secrets) {
      for (const s of seen) expect(s.body.includes(secret), `${what} in ${s.where}`).toBe(false);
      expect(logged.some((l) => l.includes(secret)), `${what} in a log line`).toBe(false);
      expect(auditText.includes(secret), `${what} in the audit trail`).toBe(false);
    }
    // The two shown-once pages hold only their own secret.
    expect(madeHtml).toContain(token);
    expect(generatedHtml).toContain(madeUp);
    for (const [what, secret] of secrets.filter(([, s]) => s !== token && s !== madeUp)) {
      expect(madeHtml.includes(secret), `${what} on the new-token page`).toBe(false);
      expect(generatedHtml.includes(secret), `${what} on the new-person page`).toBe(false);
    }
  }, 60_000);
});
