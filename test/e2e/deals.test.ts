import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';

// A rep wins the first deal of a prospect in a real Chromium and sees it become a customer with
// its tier (DOMAIN.md §2), with JavaScript on (htmx) and off (plain forms).

const database = await testDatabase();
const b = useBrowser(() => database.db);
beforeEach(() => resetDatabase(database));

describe('winning a first deal in the browser', () => {
  for (const js of [true, false]) {
    it(`converts the prospect and shows its tier (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const p = await insertProspect(database.db, { name: 'Umbrella Corp' });
      await insertSignal(database.db, p.id, { type: 'selection_started', date: '2026-06-01' });
      const page = await b.newPage({ javaScriptEnabled: js, axe: js });
      await page.goto(`${b.server.url}/prospects/${p.id}`);
      await page.locator('#deals').getByLabel('Title').fill('Platform licence');
      await page.locator('#deals').getByLabel('Value').fill('240000');
      await page.getByLabel('Gross margin, %').fill('35');
      await page.locator('#deals').getByLabel('Status').selectOption('won');
      await Promise.all([page.waitForURL(new RegExp(`/customers/${p.id}`)), page.getByRole('button', { name: 'Add deal' }).click()]);
      await page.waitForSelector('#tier');
      expect(await page.locator('[data-testid=closed-at]').textContent()).toContain('Closed at grade A on 2026-06-30');
      expect(await page.locator('#tier .tier').first().getAttribute('aria-label')).toMatch(/^Tier (Strategic|Key|Standard), score/);
      if (js) expect(await seriousViolations(page)).toEqual([]);
      const [row] = await database.db.select().from(accounts).where(eq(accounts.id, p.id));
      expect(row).toMatchObject({ kind: 'customer', closedGrade: 'A', convertedOn: '2026-06-30' });
      expect(row!.tier).not.toBeNull();
    });
  }
});
