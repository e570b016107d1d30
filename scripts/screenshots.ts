// npm run screenshots: the main pages over the demo data, at desktop and phone width, into
// docs/screenshots/ (shown in the README). Deterministic: a fresh embedded database in a temp
// folder, the demo as of a fixed day, a fixed clock; Chromium from Debian (/usr/bin/chromium).

import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { chooseMapping, uploadFile } from '../src/import/actions.ts';
import { importsIdle } from '../src/import/runner.ts';
import type { Mapping } from '../src/import/mapping.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import { createApp } from '../src/app.tsx';
import { parseConfig } from '../src/config.ts';
import { openPglite, query } from '../src/db/client.ts';
import { users } from '../src/db/schema.ts';
import { loadDemoWithTeam } from '../src/demo/demo-team.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { createSession } from '../src/users/sessions.ts';
import { SESSION_COOKIE } from '../src/access/client.ts';
import { proposePlan } from '../src/ownership/plans.ts';
import { backfillSnapshots, takeSnapshot } from '../src/review/snapshot.ts';

const TODAY = '2026-06-30';
const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const dir = mkdtempSync(join(tmpdir(), 'pipegrade-shots-'));
const database = await openPglite({ dataDir: dir });
try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  const clock = fixedClock(TODAY);
  await loadDemoWithTeam(database.db, { today: TODAY, passwords: false });
  // The weekly review needs snapshots: the last 12 weeks back-filled from history, and this week's.
  await backfillSnapshots(database.db, { today: TODAY, actor: 'screenshots', weeks: 12 });
  await takeSnapshot(database.db, { today: TODAY, actor: 'screenshots' });
  const [manager] = await database.db.select().from(users).where(eq(users.role, 'manager'));
  const [rep] = await database.db.select().from(users).where(eq(users.email, 'maya.patel@example.com'));
  const plan = await proposePlan(database.db, { cover: false, asOf: TODAY, actor: { name: manager!.name, id: manager!.id } });
  const [prospect] = await query<{ id: number }>(database.db, sql`select id from accounts where kind = 'prospect' and grade = 'A' and status = 'open' order by fit desc nulls last, id limit 1`);
  const [customer] = await query<{ id: number }>(database.db, sql`select id from accounts where kind = 'customer' order by tier_score desc nulls last, id limit 1`);

  // An import's dry run, as a manager sees it before confirming: Salesforce's sample accounts.
  const upload = await uploadFile(database.db, { kind: 'prospects', fileName: 'salesforce-accounts.csv', bytes: createReadStream('docs/samples/salesforce-accounts.csv'), maxBytes: 1 << 24 }, { today: TODAY, actor: { name: manager!.name, id: manager!.id } });
  if (!upload.ok) throw new Error(`the sample import was refused: ${upload.error}`);
  await chooseMapping(database.db, upload.job.id, upload.job.mapping as Mapping, { today: TODAY, actor: { name: manager!.name, id: manager!.id } });
  await importsIdle(database.db);

  const app = createApp({ db: database.db, config: parseConfig({ SCHEDULER: 'off' }), clock });
  const server = await new Promise<{ url: string; close: () => void }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ url: `http://127.0.0.1:${info.port}`, close: () => s.close() }));
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    mkdirSync(OUT, { recursive: true });
    const pages: { name: string; path: string; as: 'manager' | 'rep' }[] = [
      { name: 'home', path: '/home', as: 'rep' },
      { name: 'prospects', path: '/prospects', as: 'manager' },
      { name: 'prospect', path: `/prospects/${prospect!.id}`, as: 'manager' },
      { name: 'customer', path: `/customers/${customer!.id}`, as: 'manager' },
      { name: 'territory', path: '/territory', as: 'manager' },
      { name: 'balance-plan', path: `/territory/plans/${plan.id}`, as: 'manager' },
      { name: 'review', path: '/review', as: 'manager' },
      { name: 'calibration', path: '/calibration', as: 'manager' },
      { name: 'policy', path: '/policy', as: 'manager' },
      { name: 'import', path: `/imports/${upload.job.id}`, as: 'manager' },
    ];
    for (const [width, height, suffix] of [
      [1280, 900, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      for (const p of pages) {
        const who = p.as === 'rep' ? rep! : manager!;
        const { token } = await createSession(database.db, who.id, { now: clock.now(), days: 30 });
        const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
        await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
        const page = await context.newPage();
        const res = await page.goto(`${server.url}${p.path}`);
        if (!res || res.status() !== 200) {
          console.warn(`skipped ${p.name}: ${p.path} answered ${res?.status()}`);
          await context.close();
          continue;
        }
        await page.screenshot({ path: join(OUT, `${p.name}-${suffix}.png`) });
        await context.close();
        console.log(`docs/screenshots/${p.name}-${suffix}.png`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
