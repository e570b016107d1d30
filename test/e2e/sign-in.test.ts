import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../support/browser.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { ensureUser, type TestUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { startTestServer } from '../support/server.ts';

// Signing in through the real form, as each role, in a real (headless) Chromium.

const chromiumPath = findChromium();
if ('missing' in chromiumPath) throw new Error('Chromium missing: the browser project should not have been started');

const database = await testDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

beforeAll(async () => {
  server = await startTestServer(database.db);
  browser = await chromium.launch({ executablePath: chromiumPath.path, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(() => resetDatabase(database));

const PASSWORD = 'correct horse battery';
const CAST: (TestUser & { label: string; seesTeam: boolean })[] = [
  { email: 'rita@example.com', name: 'Rita Rep', role: 'rep', level: 2, password: PASSWORD, label: 'Rep', seesTeam: false },
  { email: 'mona@example.com', name: 'Mona Manager', role: 'manager', password: PASSWORD, label: 'Manager', seesTeam: true },
  { email: 'ada@example.com', name: 'Ada Admin', role: 'admin', password: PASSWORD, label: 'Admin', seesTeam: true },
];

async function newPage(opts: { axe?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: opts.axe ?? false });
  return context.newPage();
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const result = (await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })) as { id: string; impact: string; targets: string[] }[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('signing in through the form', () => {
  for (const who of CAST) {
    it(`as ${who.role === "admin" ? "an" : "a"} ${who.role}: lands where they were going, sees their name and role, and signs out`, async () => {
      await ensureUser(database.db, who);
      const p = await insertProspect(database.db, { name: 'Initech' });
      const page = await newPage();
      await page.goto(`${server.url}/prospects/${p.id}`);
      await page.waitForURL(/\/sign-in\?next=/);
      await signIn(page, who.email, who.password!);
      await page.waitForURL(new RegExp(`/prospects/${p.id}$`));
      const header = page.locator('header.top');
      expect(await header.locator('.who a').textContent()).toBe(who.name);
      expect(await header.locator('.who .role').textContent()).toBe(who.label);
      expect(await header.locator('nav a[href="/team"]').count()).toBe(who.seesTeam ? 1 : 0);
      expect(await header.locator('nav a[href="/audit"]').count()).toBe(who.seesTeam ? 1 : 0);
      // The session cookie is out of the page's reach.
      expect(await page.evaluate(() => document.cookie)).toBe('');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'pipegrade_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

      const team = await page.goto(`${server.url}/team`);
      expect(team!.status()).toBe(who.seesTeam ? 200 : 403);

      await page.goto(`${server.url}/prospects`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in\?out=1$/);
      expect(await page.locator('[role=status]').textContent()).toContain('You are signed out.');
      await page.goto(`${server.url}/prospects`);
      await page.waitForURL(/\/sign-in\?next=%2Fprospects$/);
    });
  }

  it('says the same for a wrong password and an unknown email, keeps the email, and the pages are accessible', async () => {
    await ensureUser(database.db, CAST[1]!);
    const page = await newPage({ axe: true });
    await page.goto(`${server.url}/sign-in`);
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, 'mona@example.com', 'not the password');
    const wrong = await page.locator('#signin-problem').textContent();
    expect(wrong).toBe('That email and password do not match. Check both and try again.');
    expect(await page.getByLabel('Email').inputValue()).toBe('mona@example.com');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await signIn(page, 'nobody@example.com', 'not the password');
    expect(await page.locator('#signin-problem').textContent()).toBe(wrong);
    expect(await seriousViolations(page)).toEqual([]);

    await signIn(page, 'mona@example.com', PASSWORD);
    await page.waitForURL(/\/home$/);
    for (const path of ['/team', '/audit', '/me', '/team/new']) {
      await page.goto(`${server.url}${path}`);
      expect(await seriousViolations(page), path).toEqual([]);
    }
  });

  it('makes an API token on the user page, shown once', async () => {
    await ensureUser(database.db, CAST[0]!);
    const page = await newPage();
    await page.goto(`${server.url}/me`);
    await signIn(page, CAST[0]!.email, PASSWORD);
    await page.waitForURL(/\/me$/);
    await page.getByLabel('New token’s name').fill('CRM sync');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!.trim();
    expect(token).toMatch(/^pgt_[A-Za-z0-9_-]{43}$/);
    const res = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ email: CAST[0]!.email, role: 'rep' });
    await page.goto(`${server.url}/me`);
    expect(await page.content()).not.toContain(token);
    await page.getByRole('button', { name: 'Revoke token CRM sync' }).click();
    await page.waitForURL(/revoked=1/);
    expect((await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});
