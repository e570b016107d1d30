// 9. The territory page and a balance plan end to end at 100,000 accounts and 500 reps on
// PostgreSQL: the real app (bench/servers/app-server.ts) beside a bare node:http server making the
// same reads (bench/servers/territory-bare.ts), each in its own process, measured in the same run.
// The data: its own database, generated with SQL (seeded), reps across four levels with capacities
// that put the team near 90 % utilization, owners mostly senior enough but some not, so there
// are breaches, overloaded reps, unowned and pinned accounts, reps on leave and deactivated.

import postgres from 'postgres';
import { startServer } from './child.ts';
import { hammer, pgCookie, type LoadResult } from './http.ts';
import { type PgCluster } from './pg-cluster.ts';
import type { Scale } from './config.ts';
import { openPostgres } from '../src/db/client.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { fmt, fmtInt, fmtMiB, fmtMs, goal, log, percentile, table } from './stats.ts';

export const TERRITORY_DATABASE = 'pipegrade_territory';

export type TerritoryData = { accounts: number; reps: number; seconds: number };

export async function generateTerritoryData(cluster: PgCluster, accounts: number, reps: number): Promise<TerritoryData> {
  const started = performance.now();
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TERRITORY_DATABASE} with (force)`);
  await admin.unsafe(`create database ${TERRITORY_DATABASE}`);
  await admin.end();
  const database = await openPostgres(cluster.url(TERRITORY_DATABASE), { max: 1 });
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  await database.close();
  const sql = postgres(cluster.url(TERRITORY_DATABASE), { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`select setseed(0.4242)`);
      // Levels 1–4 in proportion 30/30/24/16 %; capacity 350–550 points; 1 % on leave, 1 % deactivated.
      await tx.unsafe(`
        insert into users (email, name, role, level, capacity, state, leave_from, region)
        select 'rep' || i || '@bench.invalid', 'Rep ' || i, 'rep',
          case when i % 100 < 30 then 1 when i % 100 < 60 then 2 when i % 100 < 84 then 3 else 4 end,
          350 + floor(random() * 201),
          case when i % 100 = 7 then 'on_leave' when i % 100 = 13 then 'deactivated' else 'active' end,
          case when i % 100 = 7 then date '2026-05-01' end,
          (array['North','South','East','West'])[1 + i % 4]
        from generate_series(1, ${reps}) i`);
      // Most accounts are C/D prospects; 17 % customers in three tiers; owners at random (5 % none).
      await tx.unsafe(`
        insert into accounts (kind, name, name_key, domain, status, owner_id, added_on, grade, fit, flags, tier, tier_score, pinned)
        select case when r1 < 0.17 then 'customer' else 'prospect' end,
          'Account ' || i, 'account ' || i, 'account-' || i || '.example.com',
          case when r1 >= 0.17 and r1 < 0.20 then 'lost' else 'open' end,
          case when r2 < 0.05 then null else (select min(id) from users) + floor(r3 * ${reps})::int end,
          date '2025-01-01' + (i % 500),
          case when r1 < 0.17 then null when r4 < 0.05 then 'A' when r4 < 0.20 then 'B' when r4 < 0.55 then 'C' else 'D' end,
          round((r4 * 100)::numeric, 1),
          case when r5 < 0.15 then array['stale'] else '{}'::text[] end,
          case when r1 >= 0.17 then null when r4 < 0.10 then 'Strategic' when r4 < 0.40 then 'Key' else 'Standard' end,
          case when r1 < 0.17 then round((r4 * 100)::numeric, 1) end,
          r5 > 0.99
        from (select i, random() r1, random() r2, random() r3, random() r4, random() r5 from generate_series(1, ${accounts}) i) s`);
      // Most owners are senior enough (as a team that has been assigning by the rules would have
      // it); a tenth stay random, so there are breaches to clear.
      for (const [level, where] of [
        [4, `tier = 'Strategic'`],
        [3, `tier = 'Key' or grade = 'A'`],
        [2, `tier = 'Standard' or grade = 'B'`],
      ] as const) {
        await tx.unsafe(`
          with e as (select array_agg(id order by id) ids, count(*)::int n from users where role = 'rep' and level >= ${level} and state = 'active')
          update accounts a set owner_id = e.ids[1 + floor(random() * e.n)::int]
          from e where (${where}) and a.owner_id is not null and random() < 0.9`);
      }
    });
    await sql.unsafe('vacuum analyze');
  } finally {
    await sql.end();
  }
  return { accounts, reps, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

type PlanTiming = { samples: number[]; moves: number; fromScratch: number; bound: number; maxBefore: number; maxAfter: number; plannerMs: number[]; readMs: number[]; writeMs: number[] };

export type TerritoryResult = {
  data: TerritoryData;
  page: { app: LoadResult; bare: LoadResult };
  preview: LoadResult;
  plan: PlanTiming;
  connections: number;
  appMemory: NodeJS.MemoryUsage;
};

export async function runTerritory(cluster: PgCluster, scale: Scale): Promise<TerritoryResult> {
  const full = scale.name === 'full';
  const data = await generateTerritoryData(cluster, full ? 100_000 : 10_000, full ? 500 : 50);
  log(`  territory data: ${fmtInt(data.accounts)} accounts, ${data.reps} reps in ${data.seconds} s`);
  const url = cluster.url(TERRITORY_DATABASE);
  const cookie = await pgCookie(url);
  const connections = 4;
  const app = await startServer('app-server.ts', { DATABASE_URL: url });
  const bare = await startServer('territory-bare.ts', { DATABASE_URL: url });
  try {
    const origin = `http://127.0.0.1:${app.port}`;
    const headers = { origin, ...(cookie ? { cookie } : {}) };
    // The plan end to end, as a manager does it: propose (compute, store, redirect), then open the preview.
    const plan: PlanTiming = { samples: [], moves: 0, fromScratch: 0, bound: 0, maxBefore: 0, maxAfter: 0, plannerMs: [], readMs: [], writeMs: [] };
    let lastId = 0;
    const runs = full ? 12 : 6;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const res = await fetch(`${origin}/territory/plans`, { method: 'POST', redirect: 'manual', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'cover=' });
      const location = res.headers.get('location');
      await res.arrayBuffer();
      if (res.status !== 303 || !location) throw new Error(`propose answered ${res.status}`);
      const page = await fetch(`${origin}${location}`, { headers });
      await page.arrayBuffer();
      if (page.status !== 200) throw new Error(`plan preview answered ${page.status}`);
      if (i > 0) plan.samples.push(performance.now() - t); // the first run warms up
      lastId = Number(location.split('/').pop());
    }
    const api = await fetch(`${origin}/api/territory/plans/${lastId}`, { headers: { authorization: `Bearer none` } });
    await api.arrayBuffer();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const rows = await sql<{ summary: { moveCount: number; fromScratch: { moves: number }; bound: { utilization: number }; maxBefore: number; maxAfter: number; ms: number; readMs: number; writeMs: number } }[]>`select summary from balance_plans order by id`;
    await sql.end();
    const s = rows.at(-1)!.summary;
    Object.assign(plan, { moves: s.moveCount, fromScratch: s.fromScratch.moves, bound: s.bound.utilization, maxBefore: s.maxBefore, maxAfter: s.maxAfter, plannerMs: rows.map((r) => r.summary.ms), readMs: rows.map((r) => r.summary.readMs), writeMs: rows.map((r) => r.summary.writeMs) });
    log(`  plan: ${fmtInt(plan.moves)} moves (from scratch ${fmtInt(plan.fromScratch)}), max ${fmt(plan.maxAfter * 100)} % vs bound ${fmt(plan.bound * 100)} %; end to end p50 ${fmtMs(percentile(plan.samples, 50))}`);

    const seconds = scale.httpSeconds;
    await hammer(app.port, '/territory', scale.httpWarmupSeconds, connections, cookie);
    const pageApp = await hammer(app.port, '/territory', seconds, connections, cookie);
    await hammer(bare.port, '/territory', scale.httpWarmupSeconds, connections);
    const pageBare = await hammer(bare.port, '/territory', seconds, connections);
    log(`  /territory p99: app ${fmtMs(pageApp.p99)}, bare ${fmtMs(pageBare.p99)}`);
    const preview = await hammer(app.port, `/territory/plans/${lastId}`, seconds, connections, cookie);
    log(`  /territory/plans/${lastId} p99 ${fmtMs(preview.p99)}`);
    const appMemory = await app.memory();
    return { data, page: { app: pageApp, bare: pageBare }, preview, plan, connections, appMemory };
  } finally {
    await app.stop();
    await bare.stop();
  }
}

export function territoryMarkdown(r: TerritoryResult, opts: { goals: boolean }): string {
  const p = r.plan;
  const row = (name: string, x: LoadResult) => [name, fmtInt(x.requests), fmt(x.rps), fmtMs(x.p50), fmtMs(x.p90), fmtMs(x.p99), fmtMs(x.max), String(x.non2xx + x.errors)];
  const within = p.maxAfter <= p.bound * 1.01 + 1e-9;
  return [
    '### 8.2 The territory page and a balance plan end to end, PostgreSQL',
    '',
    `Data: ${fmtInt(r.data.accounts)} accounts (83 % prospects, 17 % customers; owners senior enough for nine accounts in ten and random for the rest, 5 % unowned, 1 % pinned) and ${r.data.reps} reps over four levels (capacity 350–550 points; 1 % on leave, 1 % deactivated), generated with SQL in ${r.data.seconds} s in its own database. The app (createApp over postgres.js) and the baseline (node:http + postgres.js making the page's two reads and answering JSON) each run in their own process; ${r.connections} connections; the manager's session cookie on every app request.`,
    '',
    table(
      ['case', 'requests', 'req/s', 'p50', 'p90', 'p99', 'max', 'errors'],
      [row('GET /territory (app: HTML, loads per rep and level, bars)', r.page.app), row('the same reads, bare node:http (JSON)', r.page.bare), row('GET /territory/plans/:id (the preview page)', r.preview)],
    ),
    '',
    `Propose a balance end to end (POST /territory/plans: read every account and rep, plan, store; then GET the preview), one at a time, ${p.samples.length} runs after a warm-up: p50 ${fmtMs(percentile(p.samples, 50))}, p99 ${fmtMs(percentile(p.samples, 99))}, max ${fmtMs(Math.max(...p.samples))}${opts.goals ? ` ${goal(percentile(p.samples, 99) <= 1000)} (goal p99 ≤ 1 s)` : ''}. Inside it (medians): reading every account and rep ${fmtMs(percentile(p.readMs, 50))}, the pure planner ${fmtMs(percentile(p.plannerMs, 50))}, storing the plan and its moves ${fmtMs(percentile(p.writeMs, 50))}.`,
    `GET /territory p99 ${fmtMs(r.page.app.p99)}${opts.goals ? ` ${goal(r.page.app.p99 <= 1000)} (goal ≤ 1 s)` : ''}; the bare server doing the same reads ${fmtMs(r.page.bare.p99)}.`,
    '',
    `The plan: ${fmtInt(p.moves)} moves against ${fmtInt(p.fromScratch)} for a from-scratch assignment; highest utilization ${fmt(p.maxBefore * 100)} % → ${fmt(p.maxAfter * 100)} %, lower bound ${fmt(p.bound * 100)} % ${goal(within)} (within 1 %). App process memory after the run: RSS ${fmtMiB(r.appMemory.rss)}, heap used ${fmtMiB(r.appMemory.heapUsed)}.`,
  ].join('\n');
}
