import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import { accounts, importJobs, signals } from '../../src/db/schema.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { dryRunElsewhere, useBrowser } from '../support/e2e.ts';

// The main flows by keyboard alone, in a real Chromium: focus moves with Tab and Shift+Tab, text is
// typed, Enter or Space submits and presses buttons. No mouse: no click, no fill; a page is
// started from its top (after goto nothing is focused) and entered through its skip link. The one
// exception is the import's file, which a file chooser takes and a keyboard cannot type.

/** How long a swap, a redirect or a background job may take on a busy machine. */
const WAIT = { timeout: 30_000 };

const database = await testDatabase();
const db = database.db;
const b = useBrowser(() => db);
beforeEach(() => resetDatabase(database));
// No dry run or import may outlive its test (the next one empties the database).
afterEach(() => importsIdle(db));

type Focused = { tag: string; id: string; type: string; name: string; value: string; checked: boolean; text: string; inMain: boolean; inHeader: boolean };

/** What has the focus now. */
const focused = (page: Page): Promise<Focused> =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLInputElement | null;
    return {
      tag: e?.tagName.toLowerCase() ?? '',
      id: e?.id ?? '',
      type: e?.getAttribute('type') ?? '',
      name: e?.getAttribute('name') ?? '',
      value: typeof e?.value === 'string' ? e.value : '',
      checked: !!e?.checked,
      text: (e?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      inMain: !!e?.closest('main'),
      inHeader: !!e?.closest('header'),
    };
  });

const label = (f: Focused) => `${f.tag}${f.id ? `#${f.id}` : ''}${f.text ? ` "${f.text.slice(0, 30)}"` : ''}`;

/** Presses Tab (or Shift+Tab) until the focus is on what `want` accepts; fails with the way it went if it never gets there. */
async function tabTo(page: Page, want: (f: Focused) => boolean, what: string, opts: { back?: boolean; max?: number } = {}): Promise<Focused> {
  const seen: string[] = [];
  for (let i = 0; i < (opts.max ?? 60); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (want(f)) return f;
    seen.push(label(f));
  }
  throw new Error(`${opts.back ? 'Shift+Tab' : 'Tab'} never reached ${what}; it went through ${seen.join(' → ')}`);
}
const byId = (id: string) => (f: Focused) => f.id === id;
const button = (text: string) => (f: Focused) => f.tag === 'button' && f.text === text;
const link = (text: string) => (f: Focused) => f.tag === 'a' && f.text === text;

/** One Tab, and the focus must land on `id` (the next control in the form's order). */
async function tabNext(page: Page, id: string, key: 'Tab' | 'Shift+Tab' = 'Tab') {
  await page.keyboard.press(key);
  const f = await focused(page);
  expect(f.id, `${key} went to ${label(f)}`).toBe(id);
}

/** The first Tab on a fresh page lands on the skip link; Enter on it moves the focus point to the page's main content. */
async function skipToMain(page: Page) {
  await page.keyboard.press('Tab');
  expect(label(await focused(page))).toBe('a "Skip to content"');
  await page.keyboard.press('Enter');
  await expect.poll(() => new URL(page.url()).hash, WAIT).toBe('#main');
}

/** Whether the focused control shows that it has the focus: the browser's :focus-visible, drawn as an outline or a shadow. */
const focusRing = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement;
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow !== 'none';
    return { focusVisible: e.matches(':focus-visible'), drawn: outline || shadow, style: `outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow: ${s.boxShadow}` };
  });
async function expectFocusRing(page: Page) {
  const f = await focused(page);
  const ring = await focusRing(page);
  expect({ on: label(f), focusVisible: ring.focusVisible, drawn: ring.drawn }, ring.style).toEqual({ on: label(f), focusVisible: true, drawn: true });
}

/** Types an ISO date into the focused date field, its parts in the order of the browser's locale (month/day/year in en-US). */
async function typeDate(page: Page, iso: string) {
  const [year, month, day] = iso.split('-') as [string, string, string];
  const order = await page.evaluate(() =>
    new Intl.DateTimeFormat(navigator.language)
      .formatToParts(new Date(2026, 6, 6))
      .filter((p) => p.type === 'year' || p.type === 'month' || p.type === 'day')
      .map((p) => p.type),
  );
  // Two digits for a month or a day: the field moves on to the next part by itself.
  for (const part of order) await page.keyboard.type(part === 'year' ? year : part === 'month' ? month : day);
}

const grade = (page: Page) => page.locator('#grade .badge').first().textContent();
type Marked = { marker?: number };
const mark = (page: Page) => page.evaluate(() => ((window as unknown as Marked).marker = 42));
const marker = (page: Page) => page.evaluate(() => (window as unknown as Marked).marker);

/** Adds a prospect on the new-prospect form by keyboard and returns its number (its page is shown). */
async function addProspectByKeyboard(page: Page): Promise<number> {
  await page.goto(`${b.server.url}/prospects/new`);
  await skipToMain(page);
  await tabTo(page, byId('f-name'), 'the company name');
  await page.keyboard.type('Initech');
  await tabNext(page, 'f-domain');
  await page.keyboard.type('initech.com');
  await tabNext(page, 'f-industry');
  await tabNext(page, 'f-employees');
  await page.keyboard.type('600');
  await tabNext(page, 'f-revenue');
  await page.keyboard.type('40000000');
  await tabNext(page, 'f-growthPct');
  await page.keyboard.type('15');
  // Back one field and forward again: Shift+Tab walks the same order backwards.
  await tabNext(page, 'f-revenue', 'Shift+Tab');
  await tabNext(page, 'f-growthPct');
  await tabNext(page, 'f-need');
  await page.keyboard.press('h'); // a closed select picks the option that starts with the typed letter
  expect(await page.locator('#f-need').inputValue()).toBe('high');
  await tabTo(page, button('Add prospect'), 'the Add prospect button');
  await expectFocusRing(page);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/prospects\/\d+\?added=1$/, WAIT);
  const id = Number(/\/prospects\/(\d+)/.exec(page.url())![1]);
  expect(await page.locator('h1').textContent()).toContain('Initech');
  expect(await page.locator('[role=status]').textContent()).toBeTruthy();
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  expect(row).toMatchObject({ name: 'Initech', domain: 'initech.com', employees: 600, growthPct: 15, need: 'high', industry: null });
  return id;
}

/** A file of two rows: one to add, one refused (its employees are not a number). */
const LEADS = 'Company,Website,Employees,Revenue,Need\r\nGlobex,globex.example.com,600,40000000,high\r\nInitech,initech.example.com,lots,500000,low\r\n';

/** Uploads `csv` on the imports page by keyboard (the file chosen as a file chooser would) and returns the import's number (its mapping page is shown). */
async function uploadByKeyboard(page: Page, name: string, csv: string): Promise<number> {
  await page.goto(`${b.server.url}/imports`);
  // The one step a keyboard cannot do: a file chooser's choice.
  await page.locator('#f-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await skipToMain(page);
  // The kind is a radio group: one stop, the arrow keys choose.
  const radio = await tabTo(page, (f) => f.type === 'radio', 'the kind of file');
  expect(radio).toMatchObject({ value: 'prospects', checked: true });
  await expectFocusRing(page);
  await page.keyboard.press('ArrowDown');
  expect(await focused(page)).toMatchObject({ value: 'customers', checked: true });
  await page.keyboard.press('ArrowUp');
  expect(await focused(page)).toMatchObject({ value: 'prospects', checked: true });
  // "Import straight away": Space ticks it and unticks it (left unticked: a dry run first).
  await tabNext(page, 'f-confirm');
  await expectFocusRing(page);
  await page.keyboard.press('Space');
  expect(await page.locator('#f-confirm').isChecked()).toBe(true);
  await page.keyboard.press('Space');
  expect(await page.locator('#f-confirm').isChecked()).toBe(false);
  await tabNext(page, 'f-file');
  await tabTo(page, button('Upload and map columns'), 'the upload button', { max: 1 });
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/imports\/\d+$/, WAIT);
  return Number(/\/imports\/(\d+)$/.exec(page.url())![1]);
}

describe('keyboard use of the main flows', () => {
  it('signs in by keyboard: Tab to email and password, type, Enter; every focused control shows a focus ring', async () => {
    await ensureUser(db, { ...PEOPLE.manager, password: 'correct horse battery' });
    const page = await b.newPage({ who: null });
    await page.goto(`${b.server.url}/sign-in`);
    await tabTo(page, byId('f-email'), 'the email field');
    await expectFocusRing(page);
    await page.keyboard.type(PEOPLE.manager.email);
    await tabNext(page, 'f-password');
    await expectFocusRing(page);
    await page.keyboard.type('correct horse battery');
    await tabTo(page, button('Sign in'), 'the Sign in button', { max: 1 });
    await expectFocusRing(page);
    // Back to the password (still typed) and Enter there: the form is sent.
    await tabNext(page, 'f-password', 'Shift+Tab');
    expect(await page.locator('#f-password').inputValue()).toBe('correct horse battery');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/home$/, WAIT);
    expect(await page.locator('header.top .who a').textContent()).toBe(PEOPLE.manager.name);

    // On the signed-in page every stop of the header, from the skip link to Sign out, and the first
    // one in the content, shows where the focus is (the header is dark: the ring must be drawn there too).
    const stops: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      stops.push(label(f));
      await expectFocusRing(page);
      if (f.inMain) break;
    }
    expect(stops[0]).toBe('a "Skip to content"');
    expect(stops).toContain(`a "${PEOPLE.manager.name}"`);
    expect(stops).toContain('button "Sign out"');
    expect((await focused(page)).inMain).toBe(true);
  });

  for (const js of [true, false]) {
    it(`a rep adds a prospect and logs a timing signal by keyboard, and the grade changes (JavaScript ${js ? 'on: in place, no reload' : 'off: the form posts and redirects'})`, async () => {
      const rita = await ensureUser(db, PEOPLE.rep);
      const page = await b.newPage({ who: PEOPLE.rep, javaScriptEnabled: js });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      const id = await addProspectByKeyboard(page);
      expect((await db.select().from(accounts).where(eq(accounts.id, id)))[0]!.ownerId).toBe(rita.id);
      expect(await grade(page)).toBe('C');
      if (js) await mark(page);

      // The signal form, from the skip link: the type, its date, and the button.
      await skipToMain(page);
      await tabTo(page, byId('f-type'), 'the signal type');
      await expectFocusRing(page);
      await page.keyboard.press('S'); // "Selection started — timing", the first option starting with S
      expect(await page.locator('#f-type').inputValue()).toBe('selection_started');
      await tabNext(page, 'f-date');
      await typeDate(page, '2026-06-01');
      expect(await page.locator('#f-date').inputValue()).toBe('2026-06-01');
      await tabTo(page, button('Log signal'), 'the Log signal button');
      await expectFocusRing(page);
      await page.keyboard.press(js ? 'Enter' : 'Space');

      if (js) {
        await expect.poll(() => grade(page), WAIT).toBe('A');
        expect(await marker(page)).toBe(42); // swapped in place, not reloaded
        // The focus stays on the button that was pressed (in the new panel), not lost to the page's top.
        await expect.poll(async () => label(await focused(page)), WAIT).toBe('button#log-signal "Log signal"');
      } else {
        await page.waitForURL(new RegExp(`/prospects/${id}\\?logged=1#grade$`), WAIT);
        expect(await grade(page)).toBe('A');
        expect(await page.locator('[role=status]').textContent()).toContain('Signal logged');
      }
      expect(await page.locator('[data-testid=reason]').textContent()).toContain('close by 2026-09-01');
      expect(await page.locator('#timeline').textContent()).toContain('Selection started');
      expect(await db.select({ type: signals.type, date: signals.date }).from(signals).where(eq(signals.accountId, id))).toEqual([{ type: 'selection_started', date: '2026-06-01' }]);
      expect(problems).toEqual([]);
    });
  }

  for (const js of [true, false]) {
    it(`a manager records a first won deal by keyboard and sees the customer's tier (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const p = await insertProspect(db, { name: 'Umbrella Corp' });
      await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
      const page = await b.newPage({ javaScriptEnabled: js });
      await page.goto(`${b.server.url}/prospects/${p.id}`);
      await skipToMain(page);
      await tabTo(page, byId('f-title'), 'the deal title');
      if (js) {
        // An open deal first: the deals card is swapped in place and the focus stays on its button;
        // Shift+Tab walks back up the emptied form to the title.
        await mark(page);
        await page.keyboard.type('Pilot');
        await tabNext(page, 'f-value');
        await page.keyboard.type('10000');
        await tabTo(page, button('Add deal'), 'the Add deal button', { max: 20 });
        await page.keyboard.press('Enter');
        await expect.poll(() => page.locator('#deals ul.deals').textContent(), WAIT).toContain('Pilot');
        expect(await marker(page)).toBe(42);
        await expect.poll(async () => label(await focused(page)), WAIT).toBe('button#add-deal "Add deal"');
        await tabTo(page, byId('f-title'), 'the deal title, backwards', { back: true, max: 20 });
        expect(await page.locator('#f-title').inputValue()).toBe('');
      }
      await page.keyboard.type('Platform licence');
      await tabNext(page, 'f-value');
      await page.keyboard.type('240000');
      await tabNext(page, 'f-marginPct');
      await page.keyboard.type('35');
      // On through the expected close date (and its parts, where the browser stops at them) to the status.
      await tabTo(page, byId('f-status'), 'the deal status', { max: 5 });
      await page.keyboard.press('W');
      expect(await page.locator('#f-status').inputValue()).toBe('won');
      await tabTo(page, button('Add deal'), 'the Add deal button', { max: 8 });
      await expectFocusRing(page);
      await page.keyboard.press(js ? 'Space' : 'Enter');
      await page.waitForURL(new RegExp(`/customers/${p.id}`), WAIT);
      await page.locator('#tier').waitFor(WAIT);
      expect(await page.locator('[data-testid=closed-at]').textContent()).toContain('Closed at grade A on 2026-06-30');
      expect(await page.locator('#tier .tier').first().getAttribute('aria-label')).toMatch(/^Tier (Strategic|Key|Standard), score/);
      const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
      expect(row).toMatchObject({ kind: 'customer', closedGrade: 'A', convertedOn: '2026-06-30' });
      expect(row!.tier).not.toBeNull();
    });
  }

  it('a manager imports a CSV by keyboard once the file is chosen: upload, mapping, dry run, confirm, done', async () => {
    const page = await b.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    const id = await uploadByKeyboard(page, 'leads.csv', LEADS);
    expect(await page.locator('h1').textContent()).toBe(`Import #${id}: leads.csv`);

    // The proposed mapping is right: Tab past its fields to the dry run's button.
    expect(await page.locator('#m-name option:checked').textContent()).toBe('Company');
    await skipToMain(page);
    await tabTo(page, byId('m-name'), 'the first mapping field');
    await tabTo(page, button('Run the dry run'), 'the dry run button');
    await expectFocusRing(page);
    await page.keyboard.press('Enter');
    await page.locator('#dry-run').waitFor(WAIT);
    expect((await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ')).toContain('1 would be added');

    await skipToMain(page);
    await tabTo(page, button('Import: add 1 and update 0'), 'the confirm button');
    await expectFocusRing(page);
    await page.keyboard.press('Space');
    await page.locator('#outcome').waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe(`/imports/${id}`);
    expect(await page.locator('[role=status]').allTextContents()).toEqual(['The import is done.']);
    expect((await page.getByTestId('import-counts').textContent())!.replace(/\s+/g, ' ')).toContain('1 were added');
    const [job] = await db.select().from(importJobs).where(eq(importJobs.id, id));
    expect(job).toMatchObject({ status: 'done', newRows: 1, rejectedRows: 1 });

    // And on to the prospects by the outcome's link.
    await skipToMain(page);
    await tabTo(page, link('See the prospects'), 'the link to the prospects');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/prospects$/, WAIT);
    expect(await page.locator('table.list tbody').textContent()).toContain('Globex');
    expect(problems).toEqual([]);
  });

  it('the import\'s progress, which updates itself every second, keeps the keyboard focus on its Cancel button, and Enter cancels', async () => {
    const page = await b.newPage();
    const id = await uploadByKeyboard(page, 'progress.csv', LEADS);
    // A dry run the page sees running: another server's, moved on by the test.
    const running = (processed: number) => dryRunElsewhere(db, id, processed);
    await running(0);
    await page.goto(`${b.server.url}/imports/${id}`);
    const progress = page.getByTestId('progress');
    expect(await progress.locator('h2').textContent()).toBe('Dry run: 0 %');
    await skipToMain(page);
    await tabTo(page, button('Cancel'), 'the Cancel button');
    expect((await focused(page)).inMain).toBe(true);
    await running(1);
    await expect.poll(() => progress.locator('h2').textContent(), WAIT).toBe('Dry run: 50 %');
    // The card was swapped in place: the focus is on its new Cancel button, not back at the page's top.
    await expect.poll(async () => label(await focused(page)), WAIT).toBe('button#import-cancel "Cancel"');
    await expectFocusRing(page);
    // So does its reload link, one Shift+Tab back.
    await page.keyboard.press('Shift+Tab');
    expect(label(await focused(page))).toBe('a#progress-reload "reload it"');
    await running(2);
    await expect.poll(() => progress.locator('h2').textContent(), WAIT).toBe('Dry run: 100 %');
    await expect.poll(async () => label(await focused(page)), WAIT).toBe('a#progress-reload "reload it"');
    await tabNext(page, 'import-cancel');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await db.select().from(importJobs).where(eq(importJobs.id, id)))[0]!.cancelRequested, WAIT).toBe(true);
    await expect.poll(() => progress.getByRole('button').textContent(), WAIT).toBe('Cancelling…');
    // The other server stops it.
    await db.update(importJobs).set({ status: 'cancelled', runner: null, finishedAt: sql`now()` }).where(eq(importJobs.id, id));
  });

  it('the skip link is the first stop, shows when focused, and takes the focus past the header to the main content', async () => {
    const page = await b.newPage();
    await page.goto(`${b.server.url}/prospects`);
    const skip = page.locator('a.skip');
    const onScreen = async () => {
      const box = await skip.boundingBox();
      return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 1280 && box.width > 1 && box.height > 1;
    };
    expect(await onScreen()).toBe(false); // out of sight until focused

    await page.keyboard.press('Tab');
    expect(label(await focused(page))).toBe('a "Skip to content"');
    expect(await skip.getAttribute('href')).toBe('#main');
    expect(await onScreen()).toBe(true);
    await expectFocusRing(page);
    expect(await page.locator('main#main').count()).toBe(1);

    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).hash, WAIT).toBe('#main');
    // The next Tab lands on the first control of the content, not on the header's navigation.
    await page.keyboard.press('Tab');
    const first = await focused(page);
    expect(first, label(first)).toMatchObject({ inMain: true, inHeader: false });
    expect(await page.evaluate(() => document.querySelector('main a, main button, main input, main select, main textarea, main summary') === document.activeElement)).toBe(true);
    expect(await onScreen()).toBe(false); // hidden again once the focus has left it
    // Shift+Tab goes back into the header, to its last control.
    await page.keyboard.press('Shift+Tab');
    expect(label(await focused(page))).toBe('button "Sign out"');
    await expectFocusRing(page);
  });
});
