import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, apiTokens, importJobs } from '../../src/db/schema.ts';
import { sha256 } from '../../src/users/secrets.ts';
import { RULES, decide, ruleFor, ruleKey } from '../../src/access/rules.ts';
import type { Role } from '../../src/users/model.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, type ActAs } from '../support/app.ts';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { proposePlan } from '../../src/ownership/plans.ts';
import { insertProspect } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

// Every route of the app, with every role and signed out: the status each gets must be the one
// the rules table (src/access/rules.ts) says. A route without a rule fails here first.

const database = await testDatabase();
const db = database.db;

/** Every route of the app once: method and Hono path pattern, without the middlewares. */
function allRoutes(): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of testApp(db).hono.routes) {
    if (r.method === 'ALL') continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}
const ROUTES = allRoutes();

type Actor = { key: string; as: ActAs; role: Role | null; owns: boolean };
const ACTORS: Actor[] = [
  { key: 'anonymous', as: 'anonymous', role: null, owns: false },
  { key: 'rep (not the owner)', as: 'otherRep', role: 'rep', owns: false },
  { key: 'rep (the owner)', as: 'rep', role: 'rep', owns: true },
  { key: 'manager', as: 'manager', role: 'manager', owns: false },
  { key: 'admin', as: 'admin', role: 'admin', owns: false },
];

/** Fresh things for one route to act on: a prospect, a customer and a deal the rep owns, a rep to edit, a token. */
async function fixtures() {
  const rep = await ensureUser(db, PEOPLE.rep);
  const prospect = await insertProspect(db);
  const customer = await insertCustomer(db);
  const deal = (await insertDeal(db, prospect.id)).deal!;
  for (const id of [prospect.id, customer.id]) await db.update(accounts).set({ ownerId: rep.id }).where(eq(accounts.id, id));
  const n = Math.random().toString(36).slice(2, 10);
  const target = await ensureUser(db, { email: `target-${n}@test.invalid`, name: `Target ${n}`, role: 'rep', level: 1 });
  const token = await apiToken(db, rep.id, 'for revocation');
  const [{ id: tokenId } = { id: 0 }] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, sha256(token)));
  const plan = await proposePlan(db, { cover: false, asOf: '2026-06-30', actor: { name: 'test' } });
  const [importJob] = await db
    .insert(importJobs)
    .values({ kind: 'prospects', status: 'ready', fileName: 'accounts.csv', header: ['Name'], mapping: { columns: { name: 0 }, revenueScale: 1 }, createdBy: 'test' })
    .returning({ id: importJobs.id });
  return { prospect: prospect.id, customer: customer.id, deal: deal.id, target: target.id, token: tokenId, plan: plan.id, importJob: importJob!.id };
}

function concretePath(pattern: string, f: Awaited<ReturnType<typeof fixtures>>): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => {
    if (name === 'name') return 'app.css';
    if (/\/(deals)\//.test(pattern)) return String(f.deal);
    if (/\/customers\//.test(pattern)) return String(f.customer);
    if (/\/(prospects|accounts)\//.test(pattern)) return String(f.prospect);
    if (/\/(team|users)\//.test(pattern)) return String(f.target);
    if (/\/tokens\//.test(pattern)) return String(f.token);
    if (/\/territory\/plans\//.test(pattern)) return String(f.plan);
    if (/\/imports\//.test(pattern)) return String(f.importJob);
    if (name === 'version') return '1'; // the default policy, always there
    if (name === 'week') return '2026-06-29'; // a review week (a Monday); none taken: 404 for everyone allowed
    if (/\/action-items\//.test(pattern)) return '1';
    throw new Error(`No fixture for :${name} in ${pattern}: add one to the permission test`);
  });
}

type Expect = 'allowed' | 'signIn' | 'forbidden';

function expected(method: string, path: string, actor: Actor): Expect {
  const rule = ruleFor(method, path);
  if (!rule) return 'forbidden';
  const d = decide(rule, actor.role ? { id: 1, role: actor.role } : null);
  if (d === 'allow') return 'allowed';
  if (d === 'signIn') return 'signIn';
  if (d === 'deny') return 'forbidden';
  return actor.owns ? 'allowed' : 'forbidden';
}

const apps = new Map<ActAs, ReturnType<typeof testApp>>();
async function send(as: ActAs, method: string, path: string) {
  const t = apps.get(as) ?? apps.set(as, testApp(db, '2026-06-30', undefined, { as })).get(as)!;
  if (method === 'GET') return t.get(path);
  if (path.startsWith('/api/')) return method === 'DELETE' ? t.app.request(path, { method }) : t.json(method, path, {});
  return t.form(path, {});
}

function classOf(res: Response, api: boolean): Expect | `other ${number}` {
  if (res.status === 403) return 'forbidden';
  if (api && res.status === 401) return 'signIn';
  if (!api && res.status === 303 && (res.headers.get('location') ?? '').startsWith('/sign-in?next=')) return 'signIn';
  if (res.status === 401 || res.status >= 500) return `other ${res.status}`;
  return 'allowed';
}

describe('the permission matrix', () => {
  beforeAll(() => resetDatabase(database));

  it('has a rule for every route, and no rule for a route that is gone', () => {
    const keys = ROUTES.map((r) => ruleKey(r.method, r.path));
    expect(keys.filter((k) => !RULES[k]), 'routes without a rule in src/access/rules.ts').toEqual([]);
    expect(Object.keys(RULES).filter((k) => !keys.includes(k)), 'rules for routes that do not exist').toEqual([]);
    expect(ROUTES.length).toBeGreaterThan(60);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_, route) => {
    const f = await fixtures();
    const path = concretePath(route.path, f);
    const api = path.startsWith('/api/');
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const actor of ACTORS) {
      const res = await send(actor.as, route.method, path);
      got[actor.key] = classOf(res, api);
      want[actor.key] = expected(route.method, route.path, actor);
    }
    expect(got).toEqual(want);
  });
});

describe('the rules say what the issue says', () => {
  // Independent of the table: these must hold whatever the table says.
  const cases: [string, ActAs, Expect][] = [
    ['GET /prospects', 'rep', 'allowed'],
    ['GET /customers/:id', 'otherRep', 'allowed'], // the whole pipeline is visible to reps
    ['POST /prospects', 'rep', 'allowed'],
    ['POST /prospects/:id/signals', 'rep', 'allowed'],
    ['POST /prospects/:id/signals', 'otherRep', 'forbidden'],
    ['PATCH /api/prospects/:id', 'otherRep', 'forbidden'],
    ['POST /api/deals/:id/win', 'otherRep', 'forbidden'],
    ['POST /prospects/:id/signals', 'manager', 'allowed'],
    ['POST /accounts/:id/owner', 'rep', 'forbidden'],
    ['POST /accounts/:id/owner', 'manager', 'allowed'],
    ['POST /tiering/runs', 'rep', 'forbidden'],
    ['GET /team', 'rep', 'forbidden'],
    ['GET /team', 'manager', 'allowed'],
    ['POST /team/:id/deactivation', 'rep', 'forbidden'],
    ['GET /audit', 'rep', 'forbidden'],
    ['GET /audit', 'manager', 'allowed'],
    ['POST /api/users', 'rep', 'forbidden'],
    ['POST /api/demo', 'manager', 'forbidden'],
    ['POST /api/grading/preview', 'anonymous', 'signIn'],
    ['POST /api/tiering/preview', 'anonymous', 'signIn'],
    ['GET /api/policy', 'anonymous', 'signIn'],
    ['GET /prospects', 'anonymous', 'signIn'],
    ['GET /sign-in', 'anonymous', 'allowed'],
  ];
  beforeAll(() => resetDatabase(database));

  it.each(cases)('%s as %s: %s', async (key, as, want) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const path = concretePath(pattern, await fixtures());
    expect(classOf(await send(as, method, path), path.startsWith('/api/'))).toBe(want);
  });

  it('a rep’s own new prospect is theirs to change; an unowned one is not', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    const res = await t.json('POST', '/api/prospects', { name: 'Mine Ltd', domain: 'mine.example.com' });
    expect(res.status).toBe(201);
    const mine = await res.json();
    expect(mine.ownerId).toBe((await t.apiUser())!.id);
    expect((await t.json('POST', `/api/prospects/${mine.id}/signals`, { type: 'call' })).status).toBe(201);
    const unowned = await insertProspect(db);
    await db.update(accounts).set({ ownerId: null }).where(eq(accounts.id, unowned.id));
    const refused = await t.json('POST', `/api/prospects/${unowned.id}/signals`, { type: 'call' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: `${unowned.name} has no owner yet: a manager can change it, or make it yours.` });
    // A manager's new prospect goes to a rep by the ownership rules, not to the manager.
    const m = await testApp(db).json('POST', '/api/prospects', { name: 'Theirs Ltd', domain: 'theirs.example.com' });
    const theirs = await m.json();
    expect(theirs.ownerId).not.toBeNull();
    expect(theirs.ownerId).not.toBe((await testApp(db).apiUser())!.id);
  });

  it('a refused htmx request says why in the flash area, and a signed-out one is sent to sign in', async () => {
    const p = await insertProspect(db);
    await db.update(accounts).set({ ownerId: null }).where(eq(accounts.id, p.id));
    const rep = testApp(db, '2026-06-30', undefined, { as: 'otherRep' });
    const res = await rep.form(`/prospects/${p.id}/signals`, { type: 'call' }, { 'HX-Request': 'true' });
    expect(res.status).toBe(403);
    expect(res.headers.get('hx-retarget')).toBe('#flash');
    expect(await res.text()).toContain('has no owner yet');
    const anon = testApp(db, '2026-06-30', undefined, { as: 'anonymous' });
    const out = await anon.form(`/prospects/${p.id}/signals`, { type: 'call' }, { 'HX-Request': 'true', 'HX-Current-URL': `http://localhost/prospects/${p.id}` });
    expect(out.status).toBe(401);
    expect(out.headers.get('hx-redirect')).toBe(`/sign-in?next=${encodeURIComponent(`/prospects/${p.id}`)}`);
  });
});
