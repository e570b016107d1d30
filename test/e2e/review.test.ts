import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { accounts, actionItems, snapshotWeeks } from '../../src/db/schema.ts';
import { loadDemo } from '../../src/demo/load-demo.ts';
import { addActionItem, addNote } from '../../src/review/meeting.ts';
import { backfillSnapshots, takeSnapshot } from '../../src/review/snapshot.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { seriousViolations, useBrowser } from '../support/e2e.ts';

// A manager runs the weekly review (DOMAIN.md §4) in a real Chromium: takes this week's snapshot
// with the page's button, records an action item and marks it done (htmx in place with JavaScript
// on, plain forms with it off, by keyboard alone), and prints the review.

const TODAY = '2026-06-30';
const WEEK = '2026-06-29'; // this week's Monday
/** How long an htmx swap may take on a busy machine. */
const SWAP = { timeout: 15_000 };

const database = await testDatabase();
const db = database.db;
const b = useBrowser(() => db, { today: TODAY });
let ritaId: number;
beforeEach(async () => {
  await resetDatabase(database);
  // The demo pipeline, without its review: last week back-filled from history, this week not taken.
  await loadDemo(db, { today: TODAY });
  await backfillSnapshots(db, { today: TODAY, weeks: 1, actor: 'test' });
  ritaId = (await ensureUser(db, PEOPLE.rep)).id;
});

type Marked = { marker?: number };
const mark = (page: Page) => page.evaluate(() => ((window as unknown as Marked).marker = 42));
const marker = (page: Page) => page.evaluate(() => (window as unknown as Marked).marker);

/** Takes this week's snapshot with the page's button (a plain form, with JavaScript on or off). */
async function takeThisWeek(page: Page) {
  await page.goto(`${b.server.url}/review`);
  expect(await page.locator('h1').textContent()).toBe('Pipeline review: week of 22 Jun 2026');
  await Promise.all([page.waitForURL(new RegExp(`/review\\?week=${WEEK}&notice=taken$`)), page.getByRole('button', { name: "Take this week's snapshot" }).click()]);
  expect(await page.locator('h1').textContent()).toBe('Pipeline review: week of 29 Jun 2026');
  expect(await page.locator('[role=status]').textContent()).toContain('This week’s snapshot was taken.');
  expect(await page.getByRole('button', { name: "Take this week's snapshot" }).count()).toBe(0);
  const [week] = await db.select().from(snapshotWeeks).where(eq(snapshotWeeks.week, WEEK));
  expect(week).toMatchObject({ source: 'live', takenBy: PEOPLE.web.name });
  expect(week!.accounts).toBeGreaterThan(0);
  // The counts compare with last week (the back-filled one), and the lists are filled.
  expect(await page.locator('#counts').textContent()).toContain('Week of 22 Jun');
  expect(await page.locator('#list-a_list tbody tr').count()).toBeGreaterThan(0);
}

const actions = (page: Page) => page.locator('#actions');
const itemRow = (page: Page, text: string) => actions(page).locator('tbody tr', { hasText: text });

async function fillActionItem(page: Page, text: string, accountId: number) {
  await actions(page).getByLabel('What is to be done').fill(text);
  await actions(page).getByLabel('Who').selectOption({ label: PEOPLE.rep.name });
  await actions(page).getByLabel('Due').fill('2026-07-06');
  await actions(page).getByLabel('Account number (optional)').fill(String(accountId));
}

const anAccount = async () => (await db.select({ id: accounts.id, name: accounts.name }).from(accounts).where(eq(accounts.kind, 'prospect')).orderBy(accounts.id).limit(1))[0]!;

describe('the weekly review in the browser', () => {
  it('a manager takes the snapshot, adds an action item and marks it done in place (JavaScript on), with no serious accessibility problems', async () => {
    const page = await b.newPage({ axe: true });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await takeThisWeek(page);
    expect(await seriousViolations(page)).toEqual([]);
    const account = await anAccount();

    await mark(page);
    // A mistake first: the section comes back in place with what to fix, nothing is stored.
    await actions(page).getByRole('button', { name: 'Add action item' }).click();
    await expect.poll(() => actions(page).locator('#f-text-err').textContent(), SWAP).toBe('say what is to be done');
    expect(await actions(page).getByLabel('What is to be done').getAttribute('aria-invalid')).toBe('true');
    expect(await db.select().from(actionItems)).toEqual([]);

    await fillActionItem(page, 'Call the buyer about the pilot', account.id);
    await actions(page).getByRole('button', { name: 'Add action item' }).click();
    await itemRow(page, 'Call the buyer about the pilot').waitFor();
    const row = itemRow(page, 'Call the buyer about the pilot');
    expect((await row.locator('td').allTextContents()).slice(0, 5).map((t) => t.trim())).toEqual(['Open', 'Call the buyer about the pilot', 'Rita Rep', '2026-07-06', account.name]);
    expect(await marker(page)).toBe(42); // swapped in place, not reloaded
    // The form is empty again, its error gone.
    expect(await actions(page).getByLabel('What is to be done').inputValue()).toBe('');
    expect(await actions(page).locator('#f-text-err').count()).toBe(0);
    const [item] = await db.select().from(actionItems);
    expect(item).toMatchObject({ week: WEEK, text: 'Call the buyer about the pilot', ownerId: ritaId, dueOn: '2026-07-06', accountId: account.id, status: 'open', createdBy: PEOPLE.web.name });

    await row.getByRole('button', { name: 'Mark done' }).click();
    await expect.poll(() => row.locator('td').first().textContent(), SWAP).toBe(`Done ${TODAY}`);
    expect(await row.getByRole('button', { name: 'Reopen' }).count()).toBe(1);
    expect(await marker(page)).toBe(42);
    expect((await db.select().from(actionItems))[0]).toMatchObject({ status: 'done', doneOn: TODAY, doneBy: PEOPLE.web.name });
    expect(await seriousViolations(page)).toEqual([]);
    // Only the 422 of the mistake may be reported; no script error and no CSP violation.
    expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
  });

  it('does the same with JavaScript off: the forms post and redirect, and the item shows', async () => {
    const page = await b.newPage({ javaScriptEnabled: false });
    await takeThisWeek(page);
    const account = await anAccount();
    await fillActionItem(page, 'Send the renewal quote', account.id);
    await Promise.all([page.waitForURL(new RegExp(`/review\\?week=${WEEK}&notice=action#actions$`)), actions(page).getByRole('button', { name: 'Add action item' }).click()]);
    expect(await page.locator('[role=status]').textContent()).toContain('Action item added.');
    const row = itemRow(page, 'Send the renewal quote');
    expect(await row.locator('td').first().textContent()).toBe('Open');
    expect(await row.locator('td').nth(2).textContent()).toBe('Rita Rep');

    await Promise.all([page.waitForURL(/notice=done#actions$/), row.getByRole('button', { name: 'Mark done' }).click()]);
    expect(await page.locator('[role=status]').textContent()).toContain('Action item marked done.');
    expect(await itemRow(page, 'Send the renewal quote').locator('td').first().textContent()).toBe(`Done ${TODAY}`);
    expect((await db.select().from(actionItems))[0]).toMatchObject({ text: 'Send the renewal quote', status: 'done', doneOn: TODAY });
  });

  it('the action item form is filled and sent with the keyboard alone', async () => {
    await takeSnapshot(db, { today: TODAY, actor: 'test' });
    const page = await b.newPage();
    await page.goto(`${b.server.url}/review`);
    const text = actions(page).getByLabel('What is to be done');
    await text.focus();
    await page.keyboard.type('Book the quarterly review');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-ownerId');
    await page.keyboard.press('R'); // a closed select picks the option whose name starts with the typed letter (Rita, the only R)
    expect(await actions(page).getByLabel('Who').inputValue()).toBe(String(ritaId));
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-dueOn');
    // A date field takes its parts in the order of the browser's locale (month/day/year in en-US);
    // a month of 7 and a day of 6 are whole at one digit, so the field moves on by itself.
    const order = await page.evaluate(() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2026, 6, 6)).filter((p) => p.type === 'year' || p.type === 'month' || p.type === 'day').map((p) => p.type));
    for (const part of order) await page.keyboard.type(part === 'year' ? '2026' : part === 'month' ? '7' : '6');
    expect(await actions(page).getByLabel('Due').inputValue()).toBe('2026-07-06');
    // Tab walks on (through the date's own parts, if the browser stops there) to the account number.
    const focused = () => page.evaluate(() => document.activeElement?.id);
    for (let i = 0; i < 5 && (await focused()) !== 'f-accountId'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('f-accountId');
    await page.keyboard.press('Enter'); // implicit submission
    await itemRow(page, 'Book the quarterly review').waitFor();
    expect(await itemRow(page, 'Book the quarterly review').locator('td').nth(2).textContent()).toBe('Rita Rep');
    expect((await db.select().from(actionItems))[0]).toMatchObject({ text: 'Book the quarterly review', ownerId: ritaId, dueOn: '2026-07-06', accountId: null });

    // And marked done from the keyboard: the row's button focused, Enter presses it.
    const done = itemRow(page, 'Book the quarterly review').getByRole('button', { name: 'Mark done' });
    await done.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => itemRow(page, 'Book the quarterly review').locator('td').first().textContent(), SWAP).toBe(`Done ${TODAY}`);
  });

  it('prints: the print view hides the controls and keeps counts, lists, notes and action items, and makes a PDF', async () => {
    await takeSnapshot(db, { today: TODAY, actor: 'test' });
    const account = await anAccount();
    const actor = { name: PEOPLE.web.name, id: null };
    expect((await addActionItem(db, WEEK, { text: 'Chase the signed order form', ownerId: ritaId, dueOn: '2026-07-03', accountId: account.id }, { today: TODAY, actor })).ok).toBe(true);
    expect((await addNote(db, WEEK, 'Pipeline is healthy; two slips to chase.', { today: TODAY, actor })).ok).toBe(true);
    const page = await b.newPage();
    await page.goto(`${b.server.url}/review`);
    const print = page.getByRole('link', { name: 'Print' });
    expect(await print.getAttribute('href')).toBe(`/review?week=${WEEK}&print=1`);
    // The link opens the printable view in a new tab, which asks for the print dialog by itself.
    const [view] = await Promise.all([page.context().waitForEvent('page'), print.click()]);
    await view.waitForLoadState('load');
    expect(new URL(view.url()).search).toBe(`?week=${WEEK}&print=1`);
    expect(await view.locator('#review').getAttribute('class')).toBe('review printing');
    expect(await view.locator('script[src="/assets/review-print.js"]').count()).toBe(1);

    await view.emulateMedia({ media: 'print' });
    // Every control is hidden: navigation, filters, snapshot buttons, forms, CSV links, the print link.
    const shown = await view.evaluate(() =>
      [...document.querySelectorAll('.no-print, header.top, form')].filter((e) => e.getClientRects().length > 0).map((e) => e.outerHTML.slice(0, 80)),
    );
    expect(shown).toEqual([]);
    for (const hidden of ['Print', 'CSV']) expect(await view.getByRole('link', { name: hidden, exact: true }).first().isVisible()).toBe(false);
    expect(await view.getByRole('button', { name: 'Add action item' }).isVisible()).toBe(false);
    // The review itself is there.
    expect(await view.locator('h1').isVisible()).toBe(true);
    expect(await view.locator('#counts table').isVisible()).toBe(true);
    expect(await view.locator('#counts').textContent()).toContain('This week');
    expect(await view.locator('#matrix table').isVisible()).toBe(true);
    expect(await view.locator('#list-a_list tbody tr').first().isVisible()).toBe(true);
    expect(await view.locator('#reps table').isVisible()).toBe(true);
    expect(await view.locator('#notes').getByText('Pipeline is healthy; two slips to chase.').isVisible()).toBe(true);
    const row = itemRow(view, 'Chase the signed order form');
    expect(await row.isVisible()).toBe(true);
    expect(await row.textContent()).toContain('Rita Rep');
    expect(await row.getByRole('button', { name: 'Mark done' }).isVisible()).toBe(false);

    const pdf = await view.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });
});
