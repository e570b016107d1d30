import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { and, asc, desc, eq, ne } from 'drizzle-orm';
import { accounts, deals, policies, snapshotWeeks, users } from '../../src/db/schema.ts';
import { loadDemoWithTeam } from '../../src/demo/demo-team.ts';
import { uploadFile } from '../../src/import/actions.ts';
import { proposePlan } from '../../src/ownership/plans.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, ensureUser, type TestUser } from '../support/auth.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';

// Every page a person can open, in a real Chromium, on a fresh install and over the demo pipeline:
// each answers 200 and has no serious or critical accessibility violation (axe-core), as a manager,
// as a rep (the pages they see, with the forms of accounts they own and without those of accounts
// they do not), as an admin (the team pages differ), and signed out; and the main lists read at
// phone width without sideways scrolling. One browser; one context per role, reused from page to page.

const TODAY = '2026-06-30';
/** A sweep opens and checks a page every few hundred milliseconds; a busy machine may take several times that. */
const SWEEP_TIMEOUT = 120_000;
const database = await testDatabase();
const db = database.db;

type Ids = { maya: TestUser; mayaId: number; repEdit: number; prospect: number; notMine: number; customer: number; myCustomer: number; deal: number; plan: number; importJob: number; week: string; version: number };
let ids: Ids;

const b = useBrowser(() => db, { today: TODAY, before: () => resetDatabase(database) });

/** The demo pipeline and its team, a balance plan and an import waiting for its mapping; the ids the pages need. */
async function loadDemoPages(): Promise<Ids> {
  await loadDemoWithTeam(db, { today: TODAY, passwords: false });
  const [m] = await db.select().from(users).where(eq(users.email, 'maya.patel@example.com'));
  const maya: TestUser = { email: m!.email, name: m!.name, role: 'rep', level: m!.level };
  const manager = await ensureUser(db, PEOPLE.web);
  const first = async (where: ReturnType<typeof and>) => (await db.select({ id: accounts.id }).from(accounts).where(where).orderBy(asc(accounts.id)).limit(1))[0]!.id;
  const prospect = await first(and(eq(accounts.kind, 'prospect'), eq(accounts.ownerId, m!.id), eq(accounts.status, 'open')));
  const notMine = await first(and(eq(accounts.kind, 'prospect'), ne(accounts.ownerId, m!.id)));
  const customer = await first(and(eq(accounts.kind, 'customer'), ne(accounts.ownerId, m!.id)));
  const myCustomer = await first(and(eq(accounts.kind, 'customer'), eq(accounts.ownerId, m!.id)));
  const [deal] = await db.select({ id: deals.id }).from(deals).where(eq(deals.accountId, myCustomer)).orderBy(asc(deals.id)).limit(1);
  const plan = await proposePlan(db, { cover: false, asOf: TODAY, actor: { name: manager.name, id: manager.id } });
  async function* csv() {
    yield new TextEncoder().encode('Company,Website,Employees\n"Globex, Inc.",globex.example.com,600\n');
  }
  const up = await uploadFile(db, { kind: 'prospects', fileName: 'leads.csv', bytes: csv(), maxBytes: 1 << 20 }, { today: TODAY, actor: { name: manager.name, id: manager.id } });
  if (!up.ok) throw new Error(`upload failed: ${up.error}`);
  const [week] = await db.select({ week: snapshotWeeks.week }).from(snapshotWeeks).orderBy(desc(snapshotWeeks.week)).limit(1);
  const [version] = await db.select({ version: policies.version }).from(policies).orderBy(desc(policies.version)).limit(1);
  const [rep] = await db.select({ id: users.id }).from(users).where(and(eq(users.role, 'rep'), ne(users.id, m!.id))).orderBy(asc(users.id)).limit(1);
  return { maya, mayaId: m!.id, repEdit: rep!.id, prospect, notMine, customer, myCustomer, deal: deal!.id, plan: plan.id, importJob: up.job.id, week: week!.week, version: version!.version };
}

/** The pages everyone signed in reads (with ids a rep owns where it matters). */
const everyone = (x: Ids) => [
  '/',
  '/home',
  '/calibration',
  '/prospects',
  '/prospects?grade=A',
  '/prospects/new',
  `/prospects/${x.prospect}`,
  `/prospects/${x.prospect}/edit`,
  `/prospects/${x.notMine}`,
  `/accounts/${x.prospect}`,
  '/customers',
  `/customers/${x.customer}`,
  `/customers/${x.myCustomer}`,
  `/deals/${x.deal}/edit`,
  '/tiering',
  '/territory',
  '/review',
  `/review?week=${x.week}&print=1`,
  `/review/list?list=a_list&week=${x.week}`,
  '/policy',
  '/policy/versions',
  `/policy/versions/${x.version}`,
  '/me',
  '/docs/api',
];

/** The pages only managers (and admins) read. */
const managers = (x: Ids) => [
  `/home?rep=${x.mayaId}`,
  `/prospects/${x.notMine}/edit`,
  `/territory/plans/${x.plan}`,
  '/policy/edit',
  '/imports',
  `/imports/${x.importJob}`,
  '/audit',
  '/team',
  '/team/new',
  `/team/${x.repEdit}/edit`,
];

/** Opens each path in one page (one context) and returns, per path, what is wrong: its status if not 200, and axe's serious violations. */
async function sweep(page: Page, paths: string[]): Promise<Record<string, string[]>> {
  const wrong: Record<string, string[]> = {};
  for (const path of paths) {
    const res = await page.goto(`${b.server.url}${path}`);
    const problems = [...(res?.status() === 200 ? [] : [`status ${res?.status()}`]), ...(await seriousViolations(page))];
    // And one main heading.
    if ((await page.locator('h1').count()) !== 1) problems.push(`${await page.locator('h1').count()} h1`);
    if (problems.length) wrong[path] = problems;
  }
  return wrong;
}

// First the pages of a fresh install (nothing imported or loaded yet), then the same database with the demo in it.
describe('on a fresh install', () => {
  const EMPTY = ['/home', '/prospects', '/customers', '/territory', '/review', '/tiering', '/calibration', '/policy', '/me'];
  it('the empty pages read well for an admin (who may load the demo and take the first snapshot) and a rep', async () => {
    const admin = await b.newPage({ axe: true, who: PEOPLE.admin });
    expect(await sweep(admin, [...EMPTY, '/imports', '/audit', '/team'])).toEqual({});
    await admin.goto(`${b.server.url}/prospects`);
    expect(await admin.getByRole('button', { name: 'Load demo data' }).count()).toBe(1);
    await admin.goto(`${b.server.url}/review`);
    expect(await admin.getByRole('button', { name: "Take this week's snapshot" }).count()).toBe(1);
    await admin.context().close();
    const rep = await b.newPage({ axe: true, who: PEOPLE.rep });
    expect(await sweep(rep, EMPTY)).toEqual({});
    await rep.context().close();
  }, SWEEP_TIMEOUT);
});

describe('over the demo pipeline', () => {
  beforeAll(async () => {
    ids = await loadDemoPages();
  }, 120_000);

  describe('every page, read by axe', () => {
    it('as a manager: every page answers 200 with no serious accessibility violation', async () => {
      const page = await b.newPage({ axe: true });
      expect(await sweep(page, everyone(ids))).toEqual({});
      await page.context().close();
    }, SWEEP_TIMEOUT);

    it("as a manager: the managers' own pages (team, audit, imports, plans, the policy editor)", async () => {
      const page = await b.newPage({ axe: true });
      expect(await sweep(page, managers(ids))).toEqual({});
      await page.context().close();
    }, SWEEP_TIMEOUT);

    it("as a rep: the pages a rep sees, with their own accounts' forms and without others'", async () => {
      const page = await b.newPage({ axe: true, who: ids.maya });
      expect(await sweep(page, everyone(ids))).toEqual({});
      // The rep really saw the rep's pages: forms on their own prospect, none on another rep's.
      await page.goto(`${b.server.url}/prospects/${ids.prospect}`);
      expect(await page.getByRole('button', { name: 'Log signal' }).count()).toBe(1);
      await page.goto(`${b.server.url}/prospects/${ids.notMine}`);
      expect(await page.getByRole('button', { name: 'Log signal' }).count()).toBe(0);
      // And the managers' pages are refused with a page that is readable too.
      for (const path of ['/team', '/imports', `/prospects/${ids.notMine}/edit`]) {
        const res = await page.goto(`${b.server.url}${path}`);
        expect(res?.status(), path).toBe(403);
        expect(await seriousViolations(page), path).toEqual([]);
      }
      await page.context().close();
    }, SWEEP_TIMEOUT);

    it('as an admin: the team pages (with the admin-only controls)', async () => {
      const page = await b.newPage({ axe: true, who: PEOPLE.admin });
      expect(await sweep(page, ['/team', '/team/new', `/team/${ids.repEdit}/edit`, `/team/${(await ensureUser(db, PEOPLE.web)).id}/edit`, '/me', '/home'])).toEqual({});
      await page.context().close();
    }, SWEEP_TIMEOUT);

    it('signed out: the sign-in page, the API reference, and the not-found page', async () => {
      const page = await b.newPage({ axe: true, who: null });
      expect(await sweep(page, ['/sign-in', '/sign-in?out=1', '/docs/api'])).toEqual({});
      const res = await page.goto(`${b.server.url}/prospects`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(res?.status()).toBe(200);
      const signedIn = await b.newPage({ axe: true });
      const missing = await signedIn.goto(`${b.server.url}/no-such-page`);
      expect(missing?.status()).toBe(404);
      expect(await seriousViolations(signedIn)).toEqual([]);
      await page.context().close();
      await signedIn.context().close();
    }, SWEEP_TIMEOUT);
  });

  describe('the main pages at phone width', () => {
    it('read without sideways scrolling at 390 px', async () => {
      const wide = async (page: Page, paths: string[]) => {
        const out: Record<string, number> = {};
        for (const path of paths) {
          const res = await page.goto(`${b.server.url}${path}`);
          expect(res?.status(), path).toBe(200);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (overflow > 0) out[path] = overflow;
        }
        return out;
      };
      const manager = await b.newPage({ width: 390 });
      expect(
        await wide(manager, ['/home', '/prospects', '/customers', '/territory', `/territory/plans/${ids.plan}`, '/review', `/review/list?list=a_list&week=${ids.week}`, '/tiering', '/calibration', '/policy', '/policy/versions', '/audit', '/team', '/imports', `/imports/${ids.importJob}`, '/me']),
      ).toEqual({});
      const rep = await b.newPage({ width: 390, who: ids.maya });
      expect(await wide(rep, ['/home', '/prospects', `/prospects/${ids.prospect}`, `/customers/${ids.myCustomer}`, '/review'])).toEqual({});
      await manager.context().close();
      await rep.context().close();
    }, SWEEP_TIMEOUT);
  });

  // The sweep's lists are the app's GET pages: a new page route should be added above.
  it('covers every GET page route of the app', async () => {
    const pages = new Set(
      testApp(db, TODAY)
        .app.routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/api') && r.path !== '/*' && !/\.(csv|json)$|^\/assets\/|^\/healthz$|\/progress$/.test(r.path))
        .map((r) => r.path),
    );
    const visited = [...everyone(ids), ...managers(ids), '/sign-in'].map((p) => p.split('?')[0]!);
    const covered = (route: string) => visited.some((p) => new RegExp(`^${route.replace(/:[^/]+/g, '[^/]+')}$`).test(p));
    expect([...pages].filter((r) => !covered(r))).toEqual([]);
  });
});
