import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { seriousViolations, useBrowser, type PageOptions } from '../support/e2e.ts';

// What a person does, in a real (headless) Chromium against the app on a loopback port.

const database = await testDatabase();
const b = useBrowser(() => database.db);
beforeEach(() => resetDatabase(database));
const newPage = (opts: PageOptions = {}) => b.newPage(opts);

describe('a rep in the browser', () => {
  it('adds a prospect, logs a signal inline and watches the grade change without a reload', async () => {
    const page = await newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${b.server.url}/prospects/new`);
    await page.getByLabel('Company name').fill('Initech');
    await page.getByLabel('Website domain').fill('initech.com');
    await page.getByLabel('Employees').fill('600');
    await page.getByLabel('Annual revenue').fill('40000000');
    await page.getByLabel('Revenue growth, % year on year').fill('15');
    await page.getByLabel('Need (your assessment)').selectOption('high');
    await page.getByRole('button', { name: 'Add prospect' }).click();
    await page.waitForURL(/\/prospects\/\d+\?added=1$/);
    await expect.poll(() => page.locator('#grade .badge').first().textContent()).toBe('C');

    // Mark the document: a full reload would lose it, an htmx swap keeps it.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.getByLabel('Signal', { exact: true }).selectOption('selection_started');
    await page.getByLabel('Date seen', { exact: true }).fill('2026-06-01');
    await page.getByRole('button', { name: 'Log signal' }).click();
    await expect.poll(() => page.locator('#grade .badge').first().textContent()).toBe('A');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator('[data-testid=reason]').textContent()).toContain('close by 2026-09-01');
    expect(await page.locator('#timeline').textContent()).toContain('Selection started');

    // A bad signal: the same form comes back with the message, and the grade stays.
    await page.getByLabel('Signal', { exact: true }).selectOption('waiting_on_event');
    await page.getByRole('button', { name: 'Log signal' }).click();
    await expect.poll(() => page.locator('#f-event-err').textContent()).toContain('name the event');
    expect(await page.locator('#grade .badge').first().textContent()).toBe('A');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    // Only the 422 itself may be reported; no script error and no CSP violation.
    expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
  });

  it('does the same with JavaScript disabled: forms post and redirect', async () => {
    const p = await insertProspect(database.db, { name: 'Umbrella' });
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${b.server.url}/prospects/${p.id}`);
    expect(await page.locator('#grade .badge').first().textContent()).toBe('C');
    await page.getByLabel('Signal', { exact: true }).selectOption('incumbent_failing');
    await page.getByLabel('Date seen', { exact: true }).fill('2026-01-10');
    await page.getByRole('button', { name: 'Log signal' }).click();
    await page.waitForURL(/logged=1/);
    expect(await page.locator('#grade .badge').first().textContent()).toBe('A');
    expect(await page.locator('[role=status]').textContent()).toContain('Signal logged');
  });

  it('filters the list by grade with links, and the pages have no serious accessibility violations', async () => {
    const a = await insertProspect(database.db, { name: 'Alpha' });
    await insertSignal(database.db, a.id, { type: 'selection_started', date: '2026-06-01' });
    await insertProspect(database.db, { name: 'Bravo', employees: 10, revenue: 1000, growthPct: -4, need: 'low' });
    const page = await newPage({ axe: true });
    await page.goto(`${b.server.url}/prospects`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('nav.tabs a[href="/prospects?grade=A"]').click();
    await page.waitForURL(/grade=A/);
    const rows = await page.locator('table.list tbody tr').allTextContents();
    expect(rows.join('\n')).toContain('Alpha');
    expect(rows.join('\n')).not.toContain('Bravo');
    await page.goto(`${b.server.url}/prospects/${a.id}`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${b.server.url}/prospects/new`);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('reads at phone width without sideways scrolling', async () => {
    const a = await insertProspect(database.db, { name: 'Phone Width Industries International' });
    await insertSignal(database.db, a.id, { type: 'waiting_on_event', date: '2026-05-01', expectedDate: '2026-08-01', event: 'Budget approval' });
    const page = await newPage({ width: 390 });
    for (const path of ['/prospects', `/prospects/${a.id}`, '/prospects/new']) {
      await page.goto(`${b.server.url}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
