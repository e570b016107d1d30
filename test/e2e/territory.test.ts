import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, balancePlans } from '../../src/db/schema.ts';
import { loadDemoWithTeam } from '../../src/demo/demo-team.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';

// A manager balances the demo territory in a real Chromium: reads the page, proposes a balance,
// looks at the moves, applies it; the same with JavaScript off; readable by axe at both widths.

const database = await testDatabase();
const b = useBrowser(() => database.db);
beforeEach(async () => {
  await resetDatabase(database);
  await loadDemoWithTeam(database.db, { today: '2026-06-30', passwords: false });
});

async function breaches(): Promise<number> {
  const page = await b.newPage();
  await page.goto(`${b.server.url}/territory`);
  const text = await page.getByTestId('team-totals').textContent();
  await page.context().close();
  return Number(/(\d+)\s*in breach/.exec(text ?? '')?.[1]);
}

describe('the territory in the browser', () => {
  for (const js of [true, false]) {
    it(`a manager proposes a balance, reviews the moves and applies it (JavaScript ${js ? 'on' : 'off'})`, async () => {
      expect(await breaches()).toBeGreaterThan(0); // the demo's owners are whoever worked the account
      const page = await b.newPage({ javaScriptEnabled: js, axe: js });
      await page.goto(`${b.server.url}/territory`);
      expect(await page.locator("svg.ubar").count()).toBe(8); // one bar per demo rep
      if (js) expect(await seriousViolations(page)).toEqual([]);
      await Promise.all([page.waitForURL(/\/territory\/plans\/\d+$/), page.getByRole('button', { name: 'Propose a balance' }).click()]);
      const summary = await page.getByTestId('plan-summary').textContent();
      // Every breach is cleared but those of pinned accounts, which never move.
      const [, before, after] = /Breaches (\d+) → (\d+)/.exec(summary ?? '') ?? [];
      expect(Number(before)).toBeGreaterThan(Number(after));
      expect(summary).toContain(`${after} pinned accounts stay in breach`);
      expect(await page.getByTestId('moves').locator('tbody tr').count()).toBeGreaterThan(0);
      if (js) expect(await seriousViolations(page)).toEqual([]);
      // Filter the moves by reason, then apply the whole plan.
      await page.getByLabel('Why').selectOption('below_level');
      await Promise.all([page.waitForURL(/reason=below_level/), page.getByRole('button', { name: 'Filter' }).click()]);
      const reasons = await page.getByTestId('moves').locator('tbody tr .flag').allTextContents();
      expect(new Set(reasons)).toEqual(new Set(['Owner below the level it needs']));
      await Promise.all([page.waitForURL(/applied=1/), page.getByRole('button', { name: /Apply all \d+ moves/ }).click()]);
      expect(await page.locator('.alert.ok').textContent()).toMatch(/Applied: \d+ accounts moved/);
      const [plan] = await database.db.select().from(balancePlans);
      expect(plan!.status).toBe('applied');
      expect(await breaches()).toBe((plan!.summary as { breachesAfter: number }).breachesAfter);
    });
  }

  it('reads at phone width, and the pin button works from an account page by keyboard', async () => {
    const page = await b.newPage({ width: 390, axe: true });
    await page.goto(`${b.server.url}/territory`);
    expect(await seriousViolations(page)).toEqual([]);
    const [a] = await database.db.select().from(accounts).where(eq(accounts.kind, 'prospect')).limit(1);
    await page.goto(`${b.server.url}/prospects/${a!.id}`);
    await page.getByRole('button', { name: 'Pin to this owner' }).focus();
    await Promise.all([page.waitForURL(/owner=pinned/), page.keyboard.press('Enter')]);
    expect(await page.getByTestId('pinned').textContent()).toBe('pinned');
  });
});
