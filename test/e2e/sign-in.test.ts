import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { ensureUser, type TestUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';

// Signing in through the real form, as each role, in a real (headless) Chromium.

const database = await testDatabase();
const b = useBrowser(() => database.db);
beforeEach(() => resetDatabase(database));

const PASSWORD = 'correct horse battery';
const CAST: (TestUser & { label: string; seesTeam: boolean })[] = [
  { email: 'rita@example.com', name: 'Rita Rep', role: 'rep', level: 2, password: PASSWORD, label: 'Rep', seesTeam: false },
  { email: 'mona@example.com', name: 'Mona Manager', role: 'manager', password: PASSWORD, label: 'Manager', seesTeam: true },
  { email: 'ada@example.com', name: 'Ada Admin', role: 'admin', password: PASSWORD, label: 'Admin', seesTeam: true },
];

const newPage = (opts: { axe?: boolean } = {}) => b.newPage({ ...opts, who: null });

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
      await page.goto(`${b.server.url}/prospects/${p.id}`);
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

      const team = await page.goto(`${b.server.url}/team`);
      expect(team!.status()).toBe(who.seesTeam ? 200 : 403);

      await page.goto(`${b.server.url}/prospects`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in\?out=1$/);
      expect(await page.locator('[role=status]').textContent()).toContain('You are signed out.');
      await page.goto(`${b.server.url}/prospects`);
      await page.waitForURL(/\/sign-in\?next=%2Fprospects$/);
    });
  }

  it('says the same for a wrong password and an unknown email, keeps the email, and the pages are accessible', async () => {
    await ensureUser(database.db, CAST[1]!);
    const page = await newPage({ axe: true });
    await page.goto(`${b.server.url}/sign-in`);
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
      await page.goto(`${b.server.url}${path}`);
      expect(await seriousViolations(page), path).toEqual([]);
    }
  });

  it('makes an API token on the user page, shown once', async () => {
    await ensureUser(database.db, CAST[0]!);
    const page = await newPage();
    await page.goto(`${b.server.url}/me`);
    await signIn(page, CAST[0]!.email, PASSWORD);
    await page.waitForURL(/\/me$/);
    await page.getByLabel('New token’s name').fill('CRM sync');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!.trim();
    expect(token).toMatch(/^pgt_[A-Za-z0-9_-]{43}$/);
    const res = await fetch(`${b.server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ email: CAST[0]!.email, role: 'rep' });
    await page.goto(`${b.server.url}/me`);
    expect(await page.content()).not.toContain(token);
    await page.getByRole('button', { name: 'Revoke token CRM sync' }).click();
    await page.waitForURL(/revoked=1/);
    expect((await fetch(`${b.server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});
