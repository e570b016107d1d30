import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { asc, eq, sql } from 'drizzle-orm';
import { accounts, importJobs } from '../../src/db/schema.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect } from '../support/factories.ts';
import { PEOPLE } from '../support/auth.ts';
import { dryRunElsewhere, seriousViolations, useBrowser } from '../support/e2e.ts';

// A manager imports a messy CSV through the import pages in a real Chromium: upload, the proposed
// mapping, the dry run (new, updated, rejected with its line and reason, grades), confirm, the job
// page until it is done, and the accounts on the prospects list; with JavaScript on (the job page
// updates itself) and off (a reload link).

const database = await testDatabase();
const db = database.db;
const b = useBrowser(() => db);
beforeEach(() => resetDatabase(database));
// No dry run or import may outlive its test (the next one empties the database).
afterEach(() => importsIdle(db));

// A byte-order mark, quoted names with a comma and with quotes, money written with a dollar sign and
// thousands separators, a row whose employees are not a number (line 4), and a row whose website
// is an existing account's domain (it updates that account).
const CSV =
  '\uFEFFCompany,Website,Employees,Revenue,Need,Created\r\n' +
  '"Globex, Inc.",https://www.globex.example.com/,600,"$22,700.00",high,2026-05-01\r\n' +
  '"Acme ""Rockets"" Ltd",acme-rockets.example.com,2500,"$480,000,000",critical,04/10/2026\r\n' +
  'Initech,initech.example.com,lots,500000,low,2026-03-01\r\n' +
  'Umbrella Corporation,umbrella.example.com,"2,000","$40,000,000.00",high,2026-01-15\r\n';

/** The job page shows `selector` once the background job is through: htmx reloads it, or (JavaScript off) the page's reload link. */
async function waitForJob(page: Page, js: boolean, selector: string) {
  if (js) return page.locator(selector).waitFor({ timeout: 30_000 });
  await expect
    .poll(
      async () => {
        if (await page.locator('#progress').count()) await Promise.all([page.waitForEvent('load'), page.locator('#progress').getByRole('link', { name: 'reload it' }).click()]);
        return page.locator(selector).count();
      },
      { timeout: 30_000 },
    )
    .toBe(1);
}

/** Uploads CSV through the form and returns the new import's number (its mapping page is shown). */
async function upload(page: Page, name: string, csv: string): Promise<number> {
  await page.goto(`${b.server.url}/imports`);
  await page.getByLabel('Prospects (one company per row)').check();
  await page.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await Promise.all([page.waitForURL(/\/imports\/\d+$/), page.getByRole('button', { name: 'Upload and map columns' }).click()]);
  return Number(/\/imports\/(\d+)$/.exec(page.url())![1]);
}

const cellsOf = async (page: Page, testid: string) =>
  (await page.getByTestId(testid).locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.innerText.replace(/\s+/g, ' ').trim()))));

describe('importing a CSV through the pages', () => {
  for (const js of [true, false]) {
    it(`a manager uploads a messy file, checks the mapping and the dry run, confirms, and finds the accounts graded (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const umbrella = await insertProspect(db, { name: 'Umbrella Corp', domain: 'umbrella.example.com', employees: 100, revenue: 1_000_000, growthPct: null, need: 'low' });
      const page = await b.newPage({ javaScriptEnabled: js, axe: js });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      const axe = async () => js && expect(await seriousViolations(page)).toEqual([]);

      await page.goto(`${b.server.url}/imports`);
      expect(await page.locator('#recent').textContent()).toContain('No imports yet.');
      await axe();
      const id = await upload(page, 'leads export.csv', CSV);

      // The proposed mapping: each field fed by the column of that name (the byte-order mark is not part of "Company").
      expect(await page.locator('h1').textContent()).toBe(`Import #${id}: leads export.csv`);
      expect(await page.getByTestId('import-status').textContent()).toContain('4 rows');
      const chosen = (field: string) => page.locator(`#m-${field} option:checked`).textContent();
      expect(await chosen('name')).toBe('Company');
      expect(await chosen('domain')).toBe('Website');
      expect(await chosen('employees')).toBe('Employees');
      expect(await chosen('revenue')).toBe('Revenue');
      expect(await chosen('need')).toBe('Need');
      expect(await chosen('addedOn')).toBe('Created');
      expect(await chosen('owner')).toBe('— not imported —');
      expect(await page.locator('#mapping .field', { has: page.locator('#m-name') }).locator('.hint').textContent()).toBe('e.g. Globex, Inc. · Acme "Rockets" Ltd · Initech');
      expect(await page.locator('#mapping table thead th').allTextContents()).toEqual(['Company', 'Website', 'Employees', 'Revenue', 'Need', 'Created']);
      await axe();

      await Promise.all([page.waitForURL(new RegExp(`/imports/${id}$`)), page.getByRole('button', { name: 'Run the dry run' }).click()]);
      await waitForJob(page, js, '#dry-run');
      // The dry run: 2 new, 1 updated (matched by domain), 1 rejected with its line and reason.
      expect(await page.getByTestId('import-status').textContent()).toContain('dry run done: waiting for confirmation');
      const counts = (await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ');
      for (const c of ['2 would be added', '1 would be updated', '0 already up to date', '1 rejected']) expect(counts).toContain(c);
      expect(await cellsOf(page, 'rejects')).toEqual([['4', 'Employees: "lots" is not a number']]);
      const grades = await cellsOf(page, 'grade-counts');
      expect(grades.map((r) => r[0])).toEqual(['A', 'B', 'C', 'D']);
      expect(grades.reduce((s, r) => s + Number(r[1]), 0)).toBe(2);
      expect(grades.reduce((s, r) => s + Number(r[2]), 0)).toBe(1);
      const added = await cellsOf(page, 'sample-new');
      expect(added.map((r) => [r[0], r[1]])).toEqual([
        ['2', 'Globex, Inc. globex.example.com'],
        ['3', 'Acme "Rockets" Ltd acme-rockets.example.com'],
      ]);
      for (const r of added) expect(r[2]).toMatch(/^[ABCD]\b/);
      const updated = await cellsOf(page, 'sample-updated');
      expect(updated).toHaveLength(1);
      expect(updated[0]![0]).toBe('5');
      expect(updated[0]![1]).toContain('Umbrella');
      expect(updated[0]![4]).toContain('employees');
      await axe();
      // Nothing is written by a dry run.
      expect((await db.select().from(accounts)).map((a) => a.name)).toEqual(['Umbrella Corp']);

      await Promise.all([page.waitForURL(new RegExp(`/imports/${id}\\?confirmed=1$`)), page.getByRole('button', { name: 'Import: add 2 and update 1' }).click()]);
      await waitForJob(page, js, '#outcome');
      expect(await page.getByTestId('import-status').textContent()).toContain('imported');
      // The page says it is done, not still running.
      expect(await page.locator('[role=status]').allTextContents()).toEqual(['The import is done.']);
      const outcome = (await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ');
      for (const c of ['2 were added', '1 were updated', '1 rejected']) expect(outcome).toContain(c);
      expect(await cellsOf(page, 'rejects')).toEqual([['4', 'Employees: "lots" is not a number']]);
      await axe();
      const [job] = await db.select().from(importJobs).where(eq(importJobs.id, id));
      expect(job).toMatchObject({ status: 'done', confirmedBy: PEOPLE.web.name, newRows: 2, updatedRows: 1, rejectedRows: 1 });

      // In the database: the new accounts as written in the file, the existing one updated in place (its name too).
      const rows = await db.select().from(accounts).orderBy(asc(accounts.id));
      expect(rows.map((a) => a.name)).toEqual(['Umbrella Corporation', 'Globex, Inc.', 'Acme "Rockets" Ltd']);
      const [u, globex, acme] = rows;
      expect(u).toMatchObject({ id: umbrella.id, domain: 'umbrella.example.com', employees: 2000, need: 'high' });
      expect(Number(u!.revenue)).toBe(40_000_000);
      expect(globex).toMatchObject({ kind: 'prospect', status: 'open', domain: 'globex.example.com', employees: 600, need: 'high', addedOn: '2026-05-01' });
      expect(Number(globex!.revenue)).toBe(22_700);
      expect(acme).toMatchObject({ domain: 'acme-rockets.example.com', employees: 2500, need: 'critical', addedOn: '2026-04-10' });
      for (const a of rows) expect(a.grade).toMatch(/^[ABCD]$/);

      // And on the prospects list, each with its grade.
      await Promise.all([page.waitForURL(/\/prospects$/), page.getByRole('link', { name: 'See the prospects' }).click()]);
      for (const a of rows) {
        const row = page.locator('table.list tbody tr', { has: page.getByRole('link', { name: a.name, exact: true }) });
        expect(await row.locator('.badge').first().getAttribute('aria-label'), a.name).toBe(`Grade ${a.grade}`);
      }
      expect(await page.locator('table.list tbody tr', { hasText: 'Initech' }).count()).toBe(0);
      // The imports page lists the finished import.
      await page.goto(`${b.server.url}/imports`);
      expect((await cellsOf(page, 'recent-imports'))[0]!.slice(0, 6)).toEqual([`#${id} Prospects`, 'leads export.csv', 'imported', '2', '1', '1']);
      await axe();
      expect(problems).toEqual([]);
    });
  }

  // A dry run the page sees running: another server's (its row says so), moved on by the test.
  for (const js of [true, false]) {
    it(`the job page follows a running dry run and shows the results when it ends (JavaScript ${js ? 'on: it polls and reloads itself' : 'off: a reload link'})`, async () => {
      const page = await b.newPage({ javaScriptEnabled: js, axe: js });
      const id = await upload(page, 'progress.csv', CSV);
      const running = (processed: number) => dryRunElsewhere(db, id, processed);
      await running(1);
      await page.goto(`${b.server.url}/imports/${id}`);
      const progress = page.getByTestId('progress');
      expect(await progress.locator('h2').textContent()).toBe('Dry run: 25 %');
      expect(await progress.textContent()).toContain('1 of 4 rows');
      expect(await progress.getByRole('progressbar', { name: 'Dry run progress' }).getAttribute('value')).toBe('1');
      const reload = progress.getByRole('link', { name: 'reload it' });
      expect(await reload.getAttribute('href')).toBe(`/imports/${id}`);
      if (js) expect(await seriousViolations(page)).toEqual([]);
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

      await running(3);
      if (js) {
        // htmx polls the progress and swaps it in place.
        await expect.poll(() => progress.locator('h2').textContent(), { timeout: 30_000 }).toBe('Dry run: 75 %');
        expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
      } else {
        await Promise.all([page.waitForEvent('load'), reload.click()]);
        expect(await progress.locator('h2').textContent()).toBe('Dry run: 75 %');
      }
      expect(await progress.textContent()).toContain('3 of 4 rows');

      // The dry run ends: the page turns into its results.
      await db
        .update(importJobs)
        .set({ status: 'ready', processed: 4, newRows: 3, rejectedRows: 1, runner: null, finishedAt: sql`now()` })
        .where(eq(importJobs.id, id));
      if (js) {
        await page.locator('#dry-run').waitFor({ timeout: 30_000 });
        // A whole new page (HX-Refresh), not a fragment.
        expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBeUndefined();
      } else {
        await Promise.all([page.waitForEvent('load'), reload.click()]);
        expect(await page.locator('#dry-run').count()).toBe(1);
      }
      expect(await page.getByTestId('progress').count()).toBe(0);
      expect((await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ')).toContain('3 would be added');
      expect(await page.getByRole('button', { name: 'Import: add 3 and update 0' }).isEnabled()).toBe(true);
    });
  }
});

describe('importing straight away', () => {
  for (const js of [true, false]) {
    it(`a manager ticks "Import straight away": the file is imported without a dry run to confirm, and its page says so (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const page = await b.newPage({ javaScriptEnabled: js });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      await page.goto(`${b.server.url}/imports`);
      await page.getByLabel('Prospects (one company per row)').check();
      await page.getByLabel('Import straight away').check();
      await page.getByLabel('CSV file').setInputFiles({ name: 'weekly.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
      await Promise.all([page.waitForURL(/\/imports\/\d+$/), page.getByRole('button', { name: 'Upload and map columns' }).click()]);
      const id = Number(/\/imports\/(\d+)$/.exec(page.url())![1]);
      await waitForJob(page, js, '#outcome');
      expect(await page.getByTestId('import-status').textContent()).toContain('imported');
      const outcome = (await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ');
      for (const c of ['3 were added', '0 were updated', '1 rejected']) expect(outcome).toContain(c);
      expect(await cellsOf(page, 'rejects')).toEqual([['4', 'Employees: "lots" is not a number']]);
      // No mapping form or dry run to confirm on the way.
      expect(await page.locator('#mapping').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Import: add/ }).count()).toBe(0);
      const [job] = await db.select().from(importJobs).where(eq(importJobs.id, id));
      expect(job).toMatchObject({ status: 'done', confirmedBy: PEOPLE.web.name, newRows: 3, updatedRows: 0, rejectedRows: 1 });
      expect((await db.select().from(accounts).orderBy(asc(accounts.id))).map((a) => a.name)).toEqual(['Globex, Inc.', 'Acme "Rockets" Ltd', 'Umbrella Corporation']);
      expect(problems).toEqual([]);
    });
  }
});
