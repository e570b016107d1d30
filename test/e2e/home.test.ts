import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import { loadDemoWithTeam } from '../../src/demo/demo-team.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';
import type { TestUser } from '../support/auth.ts';

// The home page (and the calibration page) over the demo pipeline, in a real Chromium: readable by
// everyone (axe) and at phone width, for a rep and for a manager.

const database = await testDatabase();
let maya: TestUser;
const b = useBrowser(() => database.db, {
  before: async () => {
    await resetDatabase(database);
    await loadDemoWithTeam(database.db, { today: '2026-06-30', passwords: false });
    const [m] = await database.db.select().from(users).where(eq(users.email, 'maya.patel@example.com'));
    maya = { email: m!.email, name: m!.name, role: 'rep', level: m!.level };
  },
});
// Every page here is checked with axe.
const newPage = (opts: { width?: number; who?: TestUser } = {}) => b.newPage({ ...opts, axe: true });

describe('the home page in the browser', () => {
  it('shows a rep their overdue touches from the front door, with no serious accessibility problems', async () => {
    const page = await newPage({ who: maya });
    await page.goto(`${b.server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/home');
    expect(await page.locator('h1').textContent()).toBe('Home · Maya Patel');
    expect(await page.locator('table[data-testid=overdue] tbody tr').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lets a manager pick a rep, and the home and calibration pages read at phone width without serious accessibility problems', async () => {
    const page = await newPage();
    await page.goto(`${b.server.url}/home`);
    expect(await page.locator('h1').textContent()).toBe('Team home');
    expect(await seriousViolations(page)).toEqual([]);
    await page.selectOption('#f-rep', { label: 'Maya Patel' });
    await Promise.all([page.waitForURL(/rep=\d+/), page.click('form[role=search] button')]);
    expect(await page.locator('h1').textContent()).toBe('Home · Maya Patel');
    await page.goto(`${b.server.url}/calibration`);
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    const phone = await newPage({ width: 390 });
    for (const path of ['/home', '/calibration']) {
      await phone.goto(`${b.server.url}${path}`);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
