import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { importJobs } from '../../src/db/schema.ts';
import { CHROMIUM_ARGS, findChromium } from './browser.ts';
import { startTestServer, type TestServer } from './server.ts';
import type { TestUser } from './auth.ts';

// One harness for the browser tests: the app on a loopback port, a headless Chromium, pages signed
// in by a session made in the database, and axe-core's serious and critical violations.

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type PageOptions = { javaScriptEnabled?: boolean; width?: number; axe?: boolean; who?: TestUser | null };

export type Browsing = {
  readonly server: TestServer;
  /** A new page in its own context; `who: null` is signed out, else signed in (default: the manager). */
  newPage(opts?: PageOptions): Promise<Page>;
};

/** Starts the server and Chromium before the file's tests and stops them after. */
export function useBrowser(db: () => Db, opts: { before?: () => Promise<void>; today?: string } = {}): Browsing {
  const chromiumPath = findChromium();
  if ('missing' in chromiumPath) throw new Error('Chromium missing: the browser project should not have been started');
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    await opts.before?.();
    server = await startTestServer(db(), opts.today);
    browser = await chromium.launch({ executablePath: chromiumPath.path, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return server;
    },
    async newPage(o: PageOptions = {}) {
      // bypassCSP only to let a test inject axe-core; every other page runs under the app's real CSP.
      const context = await browser.newContext({ javaScriptEnabled: o.javaScriptEnabled ?? true, viewport: { width: o.width ?? 1280, height: 900 }, bypassCSP: o.axe ?? false });
      if (o.who !== null) await context.addCookies([await server.sessionCookie(o.who ?? undefined)]);
      return context.newPage();
    },
  };
}

/** axe-core's serious and critical violations on the page (the page needs `axe: true`). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const result = (await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })) as { id: string; impact: string; targets: string[] }[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Makes an import's dry run look under way on another server (the page then follows it), at `processed` rows. */
export async function dryRunElsewhere(db: Db, id: number, processed: number): Promise<void> {
  await db.update(importJobs).set({ status: 'analyzing', processed, runner: 'another server', heartbeatAt: sql`now()` }).where(eq(importJobs.id, id));
}
