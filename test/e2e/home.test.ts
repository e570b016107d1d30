import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import { loadDemoWithTeam } from '../../src/demo/demo-team.ts';
import { CHROMIUM_ARGS, findChromium } from '../support/browser.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { startTestServer } from '../support/server.ts';
import type { TestUser } from '../support/auth.ts';

// The home page (and the calibration page) over the demo pipeline, in a real Chromium: readable by
// everyone (axe) and at phone width, for a rep and for a manager.

const chromiumPath = findChromium();
if ('missing' in chromiumPath) throw new Error('Chromium missing: the browser project should not have been started');

const database = await testDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let maya: TestUser;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

beforeAll(async () => {
  await resetDatabase(database);
  await loadDemoWithTeam(database.db, { today: '2026-06-30', passwords: false });
  const [m] = await database.db.select().from(users).where(eq(users.email, 'maya.patel@example.com'));
  maya = { email: m!.email, name: m!.name, role: 'rep', level: m!.level };
  server = await startTestServer(database.db);
  browser = await chromium.launch({ executablePath: chromiumPath.path, args: CHROMIUM_ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newPage(opts: { width?: number; who?: TestUser } = {}): Promise<Page> {
  // bypassCSP only to let the test inject axe-core.
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, bypassCSP: true });
  await context.addCookies([await server.sessionCookie(opts.who)]);
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

describe('the home page in the browser', () => {
  it('shows a rep their overdue touches from the front door, with no serious accessibility problems', async () => {
    const page = await newPage({ who: maya });
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/home');
    expect(await page.locator('h1').textContent()).toBe('Home · Maya Patel');
    expect(await page.locator('table[data-testid=overdue] tbody tr').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lets a manager pick a rep, and the home and calibration pages read at phone width without serious accessibility problems', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/home`);
    expect(await page.locator('h1').textContent()).toBe('Team home');
    expect(await seriousViolations(page)).toEqual([]);
    await page.selectOption('#f-rep', { label: 'Maya Patel' });
    await Promise.all([page.waitForURL(/rep=\d+/), page.click('form[role=search] button')]);
    expect(await page.locator('h1').textContent()).toBe('Home · Maya Patel');
    await page.goto(`${server.url}/calibration`);
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    const phone = await newPage({ width: 390 });
    for (const path of ['/home', '/calibration']) {
      await phone.goto(`${server.url}${path}`);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
