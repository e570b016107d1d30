// 4. The same pages on PGlite (in-process, one connection): sequential requests through
// app.request() beside a bare loop of the same SQL on the same PGlite handle. Also checks that
// the app still sends exactly the SQL the bare baselines use.
// 5 (PGlite part). The app in its own process on the PGlite folder under autocannon load, then
// its RSS; start-up time of `tsx src/server.ts` on an existing data folder (here and for PostgreSQL).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/pglite';
import { createApp } from '../src/app.tsx';
import { parseConfig } from '../src/config.ts';
import type { Db } from '../src/db/client.ts';
import * as schema from '../src/db/schema.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { capturePglite, checkDeepPages, deepPages, pageCases, runCase, statementsFor, type Captured, type DeepPages, type PageCase, type Stmt } from './bare-queries.ts';
import { BENCH_AS_OF, ROOT, type Scale } from './config.ts';
import { startServer } from './child.ts';
import { freePort } from './pg-cluster.ts';
import { hammer, idPicker, type LoadResult } from './http.ts';
import { benchCookie } from './session.ts';
import { fmt, fmtInt, fmtMiB, fmtMs, log, median, percentile, table } from './stats.ts';

export type SeqResult = { p50: number; p99: number; rps: number; n: number; failures: number };
export type PgliteCase = { case: PageCase; app: SeqResult; bare: SeqResult };
export type PglitePagesResult = { seconds: number; deep: DeepPages; cases: PgliteCase[]; captured: Captured; postgresVersion: string; signedIn: boolean };

async function openRaw(dataDir: string) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return PGlite.create({ dataDir, extensions: { pg_trgm } });
}

async function loop(seconds: number, one: () => Promise<boolean>): Promise<SeqResult> {
  const samples: number[] = [];
  let failures = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    const t = now;
    if (!(await one())) failures++;
    now = performance.now();
    samples.push(now - t);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), rps: (samples.length / (now - start)) * 1000, n: samples.length, failures };
}

export async function runPglitePages(dataDir: string, scale: Scale): Promise<PglitePagesResult> {
  const client = await openRaw(dataDir);
  try {
    const db = drizzle(client, { schema }) as unknown as Db;
    const version = ((await client.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]?.v) ?? '?';
    const ids = (await client.query<{ id: number }>(`select id from accounts where kind = 'prospect' and status = 'open' order by random() limit 5000`)).rows.map((r) => r.id);
    const deep = await deepPages(async (q) => (await client.query<Record<string, unknown>>(q)).rows);

    // The app's own statements for each case, for the bare loop (see bench/bare-queries.ts).
    const captured = await capturePglite(client, pageCases(deep), Math.max(...ids));
    const app = createApp({ db, config: parseConfig({ SCHEDULER: 'off' }), clock: fixedClock(BENCH_AS_OF) });
    const cookie = await benchCookie(db);
    const init = cookie ? { headers: { cookie } } : {};
    const run = async (s: Stmt) => (await client.query(s.text, s.params)).rows;
    await checkDeepPages(run, captured, deep);
    for (const c of pageCases(deep)) {
      const res = await app.request(c.prospect ? `/prospects/${ids[0]}` : c.path, init);
      await res.text();
      if (res.status !== 200) throw new Error(`app: GET ${c.path} answered ${res.status}${res.headers.get('location') ? ` (to ${res.headers.get('location')})` : ''}, not 200`);
    }
    const cases: PgliteCase[] = [];
    for (const c of pageCases(deep)) {
      const pick = idPicker(ids, 3);
      const appOne = async () => {
        const res = await app.request(c.prospect ? `/prospects/${pick()}` : c.path, init);
        await res.text();
        return res.status === 200;
      };
      const bareOne = async () => {
        const rows = await runCase(run, statementsFor(captured, c.name, c.prospect ? pick() : undefined), !!c.prospect);
        return rows !== null && JSON.stringify(rows).length > 0;
      };
      await loop(Math.min(1, scale.pgliteSeconds / 4), appOne);
      const a = await loop(scale.pgliteSeconds, appOne);
      await loop(Math.min(1, scale.pgliteSeconds / 4), bareOne);
      const b = await loop(scale.pgliteSeconds, bareOne);
      log(`  pglite ${c.name}: app p50 ${fmtMs(a.p50)} p99 ${fmtMs(a.p99)} ${fmtInt(a.rps)}/s; bare p50 ${fmtMs(b.p50)} p99 ${fmtMs(b.p99)} ${fmtInt(b.rps)}/s`);
      cases.push({ case: c, app: a, bare: b });
    }
    return { seconds: scale.pgliteSeconds, deep, cases, captured, postgresVersion: version, signedIn: !!cookie };
  } finally {
    await client.close();
  }
}

export function pglitePagesMarkdown(r: PglitePagesResult, opts: { title: string; scaleNote: string }): string {
  const rows = r.cases.map(({ case: c, app, bare }) => [
    c.label,
    `${fmtMs(app.p50)} / **${fmtMs(app.p99)}**`,
    `**${fmtInt(app.rps)}**`,
    `${fmtMs(bare.p50)} / ${fmtMs(bare.p99)}`,
    fmtInt(bare.rps),
    `${fmt((app.rps / bare.rps) * 100, 0)} %`,
    String(app.failures + bare.failures),
  ]);
  return [
    opts.title,
    '',
    `${opts.scaleNote} PGlite (PostgreSQL ${r.postgresVersion}) in this process; requests one after another for ${r.seconds} s per case after a warm-up: the app through \`app.request()\` (routing, validation, queries, grading, HTML), the bare loop running the same SQL on the same PGlite handle and serialising the rows to JSON. Deep pages: page ${fmtInt(r.deep.all)} of the default order and page ${fmtInt(r.deep.gradeB)} of grade B, each by OFFSET and by its Next link's cursor (\`after=${r.deep.cursor}\`, \`after=${r.deep.cursorB}\`).`,
    '',
    table(['case', 'app p50 / p99', 'app pages/s', 'bare p50 / p99', 'bare/s', 'app ÷ bare', 'failures'], rows),
    '',
    `The bare loop ran the statements the app sent, captured from it at the start of this run: ${pageCases(r.deep)
      .map((c) => `${c.name} ${r.captured.cases[c.name]?.length ?? 0}`)
      .join(', ')} statements per request.${r.signedIn ? ' The app requests carry the session cookie of a benchmark user (the app requires sign-in), so they include the session lookup.' : ''}`,
  ].join('\n');
}

// ---------------------------------------------------------------- memory under load, start-up

export type AppLoadResult = { cases: { label: string; r: LoadResult }[]; memory: NodeJS.MemoryUsage };

/** The app in its own process on `env`'s database, under autocannon load on the list and prospect pages, then its memory. */
export async function loadAppProcess(env: Record<string, string>, ids: number[], scale: Scale, cookie?: string): Promise<AppLoadResult> {
  const app = await startServer('app-server.ts', env);
  try {
    const cases: { label: string; r: LoadResult }[] = [];
    const pick = idPicker(ids, 5);
    for (const [label, path] of [
      ['List, open prospects, page 1', '/prospects'],
      ['Prospect page (random)', () => `/prospects/${pick()}`],
    ] as const) {
      const first = typeof path === 'string' ? path : path();
      const res = await fetch(`http://127.0.0.1:${app.port}${first}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      await res.text();
      if (res.status !== 200) throw new Error(`app: GET ${first} answered ${res.status}, not 200`);
      await hammer(app.port, path, scale.httpWarmupSeconds, scale.connections, cookie);
      const r = await hammer(app.port, path, scale.httpSeconds, scale.connections, cookie);
      log(`  app process (${env.DATABASE_URL ? 'postgres' : 'pglite'}) ${label}: p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)} ${fmtInt(r.rps)} req/s`);
      cases.push({ label, r });
    }
    return { cases, memory: await app.memory() };
  } finally {
    await app.stop();
  }
}

export type StartupResult = { runs: number[]; median: number; selfReported: number[] };

/** Time from spawning `tsx src/server.ts` until /healthz answers 200, on an existing database. */
export async function measureStartup(env: Record<string, string>, runs: number, script = 'src/server.ts'): Promise<StartupResult> {
  const times: number[] = [];
  const self: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [script], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', SCHEDULER: 'off', TZ_ORG: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${out}`);
        if (performance.now() - t0 > 170_000) throw new Error(`server did not answer /healthz within 170 s:\n${out}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.status === 200) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      times.push(performance.now() - t0);
      const m = /started in (\d+) ms/.exec(out);
      if (m) self.push(Number(m[1]));
    } finally {
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    }
  }
  return { runs: times, median: median(times), selfReported: self };
}

export function memoryStartupMarkdown(opts: {
  title: string;
  pg?: { memory: NodeJS.MemoryUsage; source: string; startup?: StartupResult; accounts: number };
  pglite?: { load: AppLoadResult; startup?: StartupResult; accounts: number };
  baseline?: StartupResult;
}): string {
  const rows: string[][] = [];
  const mem = (m: NodeJS.MemoryUsage) => `**${fmtMiB(m.rss)}** (heap used ${fmtMiB(m.heapUsed)}, external ${fmtMiB(m.external)}, array buffers ${fmtMiB(m.arrayBuffers)})`;
  const start = (s?: StartupResult) =>
    s ? `**${fmtMs(s.median)}** (runs ${s.runs.map(fmtMs).join(', ')}${s.selfReported.length ? `; the server's own "started in" ${s.selfReported.map((x) => `${x} ms`).join(', ')}` : ''})` : 'not measured';
  if (opts.pg) rows.push([`PostgreSQL, ${fmtInt(opts.pg.accounts)} accounts`, mem(opts.pg.memory), opts.pg.source, start(opts.pg.startup)]);
  if (opts.pglite) rows.push([`PGlite, ${fmtInt(opts.pglite.accounts)} accounts`, mem(opts.pglite.load.memory), 'autocannon on the list and prospect pages (below)', start(opts.pglite.startup)]);
  const lines = [
    opts.title,
    '',
    `RSS is the app process's own \`process.memoryUsage()\` right after its load. Start-up: spawn \`tsx src/server.ts\` (SCHEDULER=off, existing migrated database) and poll \`/healthz\` every 20 ms until it answers 200; median of the runs. That includes starting Node and tsx compiling the TypeScript (its cache warm after the first run), migrations check and policy check.`,
    '',
    table(['database', 'RSS after load', 'load', 'start-up to first /healthz'], rows),
  ];
  if (opts.baseline) {
    lines.push(
      '',
      `Baseline: \`tsx bench/servers/hello.ts\` (a bare node:http server, no app modules, no database) answers its first /healthz after ${fmtMs(opts.baseline.median)} (runs ${opts.baseline.runs.map(fmtMs).join(', ')}): that much of each start-up above is Node + tsx, not the app.`,
    );
  }
  if (opts.pglite) {
    lines.push(
      '',
      'The app in its own process on PGlite under the same autocannon load as the PostgreSQL pages (10 connections; PGlite runs one query at a time):',
      '',
      table(['case', 'p50 / p99', 'req/s'], opts.pglite.load.cases.map((c) => [c.label, `${fmtMs(c.r.p50)} / ${fmtMs(c.r.p99)}`, fmtInt(c.r.rps)])),
    );
  }
  return lines.join('\n');
}
