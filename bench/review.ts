// 9. The weekly review, PostgreSQL: taking a week's snapshot of every account, and the review page
// under load.
//
// Snapshot: on a clone of the generated database (bench/load.ts: 1,000,000 accounts at full
// scale; CREATE DATABASE ... TEMPLATE, not counted), with 40 reps owning the accounts and an open
// deal on one account in ten, takeSnapshot() (src/review/snapshot.ts, what the weekly job, the
// button and `npm run snapshot` run) for a first week (nothing to compare with), then, after
// 5 % of the accounts changed grade and 0.5 % were lost, for the next week (compared with the
// first: the movement matrix and the change lists), then again (taken already: nothing). Each
// reports the INSERT … SELECT alone (the goal: ≤ 30 s at 1,000,000) and the review data derived
// in the same transaction.
//
// Review page: its own database ("pipegrade_review", cached like the others, record in
// bench/.out/pg-<scale>-review.json): 100,000 accounts at full scale owned by 40 reps, and 52
// weeks of snapshots made by SQL with weekly movement (grades every 4–30 weeks, conversions,
// losses, slips, stale flags, accounts added), each week derived by the app's own deriveWeek()
// and recordOverdue(). The app server (bench/servers/app-server.ts) answers GET /review cases
// under autocannon (bounded, 127.0.0.1, signed in), beside two baselines in the same run: the bare
// node:http + postgres.js server (bench/servers/bare-server.ts) running the review's own
// statements (captured from loadReview at the start) and answering JSON, and the app's prospects
// list on the same database. Cases alternate so the machine's other work hits all alike.
//
// `--only review --review snapshot` (or `pages`) runs one part; the other keeps its last figures
// (bench/.out/review-<scale>-<part>.json), marked with when they were measured.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { sql as dsql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { openPostgres, query, type Db } from '../src/db/client.ts';
import * as schema from '../src/db/schema.ts';
import { currentPolicy, ensureDefaultPolicy } from '../src/policy/store.ts';
import { deriveWeek, recordOverdue } from '../src/review/derive.ts';
import { loadReview } from '../src/review/queries.ts';
import { takeSnapshot, type SnapshotOutcome } from '../src/review/snapshot.ts';
import { mondayOf } from '../src/review/weeks.ts';
import { addDays } from '../src/shared/dates.ts';
import { startServer, type ServerChild } from './child.ts';
import { BENCH_AS_OF, OUT, type Scale } from './config.ts';
import { hammer, pgCookie, type LoadResult } from './http.ts';
import { runBackfills, sizesOf, triggersAndBackfills, type Exec } from './load.ts';
import { PG_DATABASE } from './load.ts';
import { LOAD_SETTINGS, MEASURE_SETTINGS, type PgCluster } from './pg-cluster.ts';
import { quiesce, resetStatements, shortSql, topStatements, type StatementStat } from './pgstat.ts';
import { fmt, fmtInt, fmtMs, goal, log, percentile, table } from './stats.ts';
import type { Stmt } from './bare-queries.ts';

export const REVIEW_DATABASE = 'pipegrade_review';
const REVIEW_GENERATOR_VERSION = 2;
const REPS = 40;
const WEEKS = 52;
/** The app's clock in the page benchmark is BENCH_AS_OF: its week is the latest of the 52. */
const LAST_WEEK = mondayOf(BENCH_AS_OF);
const FIRST_WEEK = addDays(LAST_WEEK, -7 * (WEEKS - 1));
const ACTOR = 'benchmark';

export const reviewAccounts = (scale: Scale) => (scale.name === 'full' ? 100_000 : 10_000);
const secondsSince = (t: number) => Math.round((performance.now() - t) / 100) / 10;

// ------------------------------------------------------------------------------ snapshot of 1M

export type SnapshotRun = { label: string; outcome: SnapshotOutcome; wallMs: number; statements: StatementStat[] };
export type SnapshotBench = { accounts: number; deals: number; setupSeconds: number; copyMs: number; runs: SnapshotRun[]; sizes: Record<string, string> };

async function addReps(exec: Exec): Promise<void> {
  await exec(`insert into users (email, name, role, level, region, capacity)
    select 'rep' || i || '@bench.invalid', 'Rep ' || lpad(i::text, 2, '0'), 'rep', 1 + i % 4, (array['North','South','East','West'])[1 + i % 4], 5000
    from generate_series(1, ${REPS}) i on conflict (email) do nothing`);
}

const repIds = `(select array_agg(id order by id) from users where email like 'rep%@bench.invalid')`;

export async function runSnapshotBench(cluster: PgCluster): Promise<SnapshotBench> {
  const copy = `${PG_DATABASE}_review_snapshot`;
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    let t = performance.now();
    await admin.unsafe(`drop database if exists ${copy} with (force)`);
    await admin.unsafe(`create database ${copy} template ${PG_DATABASE} strategy file_copy`);
    const copyMs = performance.now() - t;
    log(`  cloned the database in ${fmtMs(copyMs)}`);
    const url = cluster.url(copy);
    const sql = postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 0 });
    const exec: Exec = (q) => sql.unsafe(q) as unknown as Promise<Record<string, unknown>[]>;
    t = performance.now();
    await addReps(exec);
    // The clone is thrown away: its text-search indexes would only slow this one-off update down
    // (the snapshot reads accounts whole and uses none of them).
    await exec('drop index if exists accounts_name_trgm_idx, accounts_domain_trgm_idx, accounts_flags_idx');
    await exec(`update accounts a set owner_id = r.ids[1 + a.id % ${REPS}] from (select ${repIds} as ids) r`);
    await exec(`insert into deals (account_id, title, value, status, expected_close_on)
      select id, 'Bench deal', 1000 * (1 + id % 97), 'open', date '${BENCH_AS_OF}' + (id % 365) from accounts where id % 10 = 0`);
    await exec('vacuum analyze accounts');
    await exec('vacuum analyze deals');
    const setupSeconds = secondsSince(t);
    const [{ n: accounts }] = (await exec('select count(*)::int as n from accounts')) as [{ n: number }];
    const [{ n: deals }] = (await exec(`select count(*)::int as n from deals where status = 'open'`)) as [{ n: number }];
    log(`  ${fmtInt(accounts)} accounts owned by ${REPS} reps, ${fmtInt(deals)} open deals (set up in ${setupSeconds} s)`);

    const database = await openPostgres(url, { max: 4 });
    const runs: SnapshotRun[] = [];
    try {
      const run = async (label: string, today: string) => {
        await resetStatements(url);
        const started = performance.now();
        const outcome = await takeSnapshot(database.db, { today, actor: ACTOR });
        const wallMs = performance.now() - started;
        const statements = await topStatements(url, 6);
        const o = outcome.ok ? outcome : null;
        log(`  ${label}: ${fmtMs(wallMs)} (INSERT … SELECT ${fmtMs(o?.insertMs ?? 0)}, review data ${fmtMs(o?.deriveMs ?? 0)}), ${o?.taken.length ? `${fmtInt(o.taken[0]!.accounts)} rows` : 'nothing taken'}`);
        for (const s of statements) log(`    ${fmtMs(s.totalMs)} in ${s.calls} × ${shortSql(s.query, 100)}`);
        runs.push({ label, outcome, wallMs, statements });
      };
      const first = addDays(LAST_WEEK, -7);
      await run(`first week (${first}), nothing to compare with`, first);
      // A week of movement: 5 % of the accounts change grade, 0.5 % are lost.
      await exec(`update accounts set grade = (array['A','B','C','D'])[1 + (id / 20) % 4] where kind = 'prospect' and id % 20 = 3`);
      await exec(`update accounts set status = 'lost' where kind = 'prospect' and status = 'open' and id % 200 = 7`);
      await run(`next week (${LAST_WEEK}), compared with the first`, LAST_WEEK);
      await run('the same week again (taken already)', LAST_WEEK);
    } finally {
      await database.close();
    }
    const sizes = await sizesOf(exec);
    const [snap] = (await exec(`select pg_size_pretty(pg_total_relation_size('account_snapshots')) as s`)) as [{ s: string }];
    await sql.end();
    return { accounts, deals, setupSeconds, copyMs, runs, sizes: { ...sizes, account_snapshots: snap.s } };
  } finally {
    await admin.unsafe(`drop database if exists ${copy} with (force)`).catch(() => {});
    await admin.end({ timeout: 5 });
  }
}

// ------------------------------------------------------------------------------ the review page

export type ReviewInfo = {
  generatorVersion: number;
  accounts: number;
  weeks: number;
  snapshotRows: number;
  generatedAt: string;
  snapshotSeconds: number;
  deriveSeconds: number;
  totalSeconds: number;
  sizes: Record<string, string>;
};

async function dbExists(admin: postgres.Sql, name: string): Promise<boolean> {
  return (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
}

/**
 * An account's state in week k (0 … WEEKS-1), as SQL over `i` (its id) and `k`: deterministic
 * movement so every list of the review has accounts each week.
 */
const STATE = {
  // Added in week a = (i·37 mod 60) − 8: a few hundred new accounts a week until week 51.
  present: `(i * 37) % 60 - 8 <= k`,
  customer: `i % 25 = 0 and k >= (i * 11) % 52`,
  lost: `i % 25 <> 0 and i % 17 = 0 and k >= (i * 5) % 52`,
  // The grade moves every 4–30 weeks.
  grade: `(array['A','B','C','D'])[1 + ((i * 13 + (k + (i * 7919) % 97) / (4 + (i * 31) % 27)) % 4)]`,
  tier: `(array['Strategic','Key','Standard'])[1 + ((i * 3 + k / 13) % 3)]`,
  slips: `(k + (i * 7919) % 97) / 20`,
  slipped: `(k + (i * 7919) % 97) % 20 < 3 and (k + (i * 7919) % 97) >= 20`,
  stale: `(k + i) % 10 < 3`,
};

function stateSelect(week: string, k: string): string {
  return `select ${week} as week, i as account_id,
      case when ${STATE.customer} then 'customer' else 'prospect' end as kind,
      case when ${STATE.lost} then 'lost' else 'open' end as status,
      ${STATE.grade} as grade, 30 + (i * 7) % 70 as fit,
      case when ${STATE.customer} then ${STATE.tier} end as tier,
      case when ${STATE.customer} then 40 + (i * 3) % 60 end as tier_score,
      r.ids[1 + i % ${REPS}] as owner_id,
      ${week} + ((i * 17) % 300 - 30) as close_by,
      array_remove(array[case when ${STATE.stale} then 'stale' end, case when ${STATE.slipped} then 'slipped' end], null) as flags,
      ${STATE.slips} as slip_count,
      case when i % 5 = 0 then 1000 * ((i * 7) % 50) else 0 end as open_value
    from generate_series(1, $N) i, (select ${repIds} as ids) r, (select ${k} as k) kk
    where ${STATE.present}`;
}

export async function ensureReviewData(cluster: PgCluster, scale: Scale, opts: { regen?: boolean } = {}): Promise<ReviewInfo> {
  const n = reviewAccounts(scale);
  const infoFile = `${cluster.dir}-review.json`;
  const probe = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  const exists = await dbExists(probe, REVIEW_DATABASE).finally(() => probe.end({ timeout: 5 }));
  if (!opts.regen && cluster.existed && existsSync(infoFile) && exists) {
    try {
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as ReviewInfo;
      if (info.generatorVersion === REVIEW_GENERATOR_VERSION && info.accounts === n) {
        log(`PostgreSQL: reusing the review database (${fmtInt(info.accounts)} accounts × ${info.weeks} weeks, generated in ${info.totalSeconds} s)`);
        const database = await openPostgres(cluster.url(REVIEW_DATABASE), { max: 1 });
        await database.migrate();
        await database.close();
        return info;
      }
    } catch {
      // regenerate
    }
  }
  rmSync(infoFile, { force: true });
  log(`PostgreSQL: generating the review database: ${fmtInt(n)} accounts × ${WEEKS} weeks of snapshots`);
  // Restarting moves the server to another port: connections are made after it.
  await cluster.restart(LOAD_SETTINGS);
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    const started = performance.now();
    await admin.unsafe(`drop database if exists ${REVIEW_DATABASE} with (force)`);
    await admin.unsafe(`create database ${REVIEW_DATABASE}`);
    const database = await openPostgres(cluster.url(REVIEW_DATABASE), { max: 1 });
    await database.migrate();
    await ensureDefaultPolicy(database.db);
    const sql = postgres(cluster.url(REVIEW_DATABASE), { max: 1, onnotice: () => {}, idle_timeout: 0 });
    const exec: Exec = (q) => sql.unsafe(q) as unknown as Promise<Record<string, unknown>[]>;
    try {
      await addReps(exec);
      // Today's accounts are the last week's state.
      const last = stateSelect(`date '${LAST_WEEK}'`, String(WEEKS - 1)).replace('$N', String(n));
      await exec(`insert into accounts (id, name, name_key, domain, kind, status, grade, fit, tier, tier_score, owner_id, close_by, flags, slip_count, added_on, converted_on, reason)
        overriding system value
        select s.account_id, 'Account ' || s.account_id, 'account ' || s.account_id, 'a' || s.account_id || '.example.com', s.kind, s.status, s.grade, s.fit, s.tier, s.tier_score,
          s.owner_id, s.close_by, s.flags, s.slip_count, date '${FIRST_WEEK}' - 30, case when s.kind = 'customer' then date '${FIRST_WEEK}' end, 'benchmark'
        from (${last}) s`);
      await exec(`select setval(pg_get_serial_sequence('accounts', 'id'), (select max(id) from accounts))`);
      await exec(`insert into deals (account_id, title, value, status) select id, 'Bench deal', 1000 * (1 + id % 97), 'open' from accounts where id % 5 = 0`);
      const triggers = await triggersAndBackfills(exec);
      await runBackfills(exec, triggers.backfills, {});

      const t = performance.now();
      for (let k = 0; k < WEEKS; k++) {
        const week = addDays(FIRST_WEEK, 7 * k);
        await exec(`insert into snapshot_weeks (week, source, accounts, taken_by) values ('${week}', 'live', 0, '${ACTOR}')`);
        await exec(`insert into account_snapshots (week, account_id, kind, status, grade, fit, tier, tier_score, owner_id, close_by, flags, slip_count, open_value)
          ${stateSelect(`date '${week}'`, String(k)).replace('$N', String(n))}`);
        await exec(`update snapshot_weeks set accounts = (select count(*) from account_snapshots where week = '${week}') where week = '${week}'`);
      }
      const snapshotSeconds = secondsSince(t);
      log(`  ${WEEKS} weeks of snapshots in ${snapshotSeconds} s`);
      const d = performance.now();
      const { policy } = await currentPolicy(database.db);
      for (let k = 0; k < WEEKS; k++) {
        const week = addDays(FIRST_WEEK, 7 * k);
        await database.db.transaction(async (tx) => {
          await recordOverdue(tx, week, policy);
          await deriveWeek(tx, week, policy);
        });
      }
      const deriveSeconds = secondsSince(d);
      log(`  review data of every week derived in ${deriveSeconds} s`);
      await exec('vacuum analyze');
      const [{ rows }] = (await exec('select count(*)::int as rows from account_snapshots')) as [{ rows: number }];
      const sizes = await sizesOf(exec);
      const [snap] = (await exec(`select pg_size_pretty(pg_total_relation_size('account_snapshots')) as s`)) as [{ s: string }];
      const info: ReviewInfo = {
        generatorVersion: REVIEW_GENERATOR_VERSION,
        accounts: n,
        weeks: WEEKS,
        snapshotRows: rows,
        generatedAt: new Date().toISOString(),
        snapshotSeconds,
        deriveSeconds,
        totalSeconds: secondsSince(started),
        sizes: { ...sizes, account_snapshots: snap.s },
      };
      writeFileSync(infoFile, JSON.stringify(info, null, 2));
      return info;
    } finally {
      await sql.end();
      await database.close();
      await cluster.restart(MEASURE_SETTINGS);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export type ReviewCase = { name: string; label: string; path: string; baseline?: 'bare' | 'list' };
export type ReviewCaseResult = { case: ReviewCase; result: LoadResult; statements: StatementStat[] };
export type ReviewPageBench = { info: ReviewInfo; connections: number; seconds: number; cases: ReviewCaseResult[]; statements: number; pageBytes: number; csv: { list: string; rows: number; ms: number }; memory: NodeJS.MemoryUsage };

/** The review's statements for the default case, as the app sends them (for the bare server). */
async function captureReview(url: string): Promise<Stmt[]> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const seen: Stmt[] = [];
  try {
    const logged = drizzlePostgres(client, { schema, logger: { logQuery: (text, params) => void seen.push({ text, params: [...params] }) } }) as unknown as Db;
    const { policy } = await currentPolicy(logged);
    await loadReview(logged, {}, policy);
    return seen;
  } finally {
    await client.end();
  }
}

export async function runReviewPages(cluster: PgCluster, scale: Scale, info: ReviewInfo): Promise<ReviewPageBench> {
  const url = cluster.url(REVIEW_DATABASE);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const [first] = await sql<{ id: number }[]>`select min(id)::int as id from users where email like 'rep%@bench.invalid'`;
  const rep = first!.id;
  await sql.end();
  const middle = addDays(LAST_WEEK, -7 * 26);
  const cases: ReviewCase[] = [
    { name: 'review', label: `Review, latest week (${LAST_WEEK}), everyone`, path: '/review' },
    { name: 'bare', label: 'Bare server: the same statements, rows as JSON', path: '/review', baseline: 'bare' },
    { name: 'past', label: `Review, a week half a year back (${middle})`, path: `/review?week=${middle}` },
    { name: 'owner', label: 'Review, one rep’s accounts', path: `/review?week=${LAST_WEEK}&owner=${rep}` },
    { name: 'region', label: 'Review, one region (10 reps)', path: `/review?week=${LAST_WEEK}&region=North` },
    { name: 'api', label: 'GET /api/review (JSON, 25 rows a list)', path: `/api/review?week=${LAST_WEEK}` },
    { name: 'list', label: 'Baseline: the prospects list, page 1', path: '/prospects', baseline: 'list' },
  ];
  const statements = await captureReview(url);
  const file = join(OUT, 'review-bare-statements.json');
  writeFileSync(file, JSON.stringify({ captured: { cases: { review: statements }, templateId: 0 }, cases: [{ name: 'review', label: 'Review', path: '/review' }] }));
  const cookie = await pgCookie(url);
  const token = await apiTokenFor(url);
  const env = { DATABASE_URL: url, DB_POOL_MAX: '10', BARE_STATEMENTS: file };
  let app: ServerChild | undefined, bare: ServerChild | undefined;
  try {
    [app, bare] = await Promise.all([startServer('app-server.ts', env), startServer('bare-server.ts', env)]);
    const headersFor = (c: ReviewCase): Record<string, string> => (c.name === 'api' ? { authorization: `Bearer ${token}` } : cookie ? { cookie } : {});
    let pageBytes = 0;
    for (const c of cases) {
      const server = c.baseline === 'bare' ? bare : app;
      const res = await fetch(`http://127.0.0.1:${server.port}${c.path}`, { redirect: 'manual', headers: headersFor(c) });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${c.name}: GET ${c.path} answered ${res.status}: ${body.slice(0, 300)}`);
      if (c.name === 'review') {
        pageBytes = Buffer.byteLength(body);
        if (!body.includes('How grades moved')) throw new Error('the review page does not look like one');
      }
    }
    const results: ReviewCaseResult[] = [];
    // The servers warm up on every case once (V8 compiles the render path, PostgreSQL reads the weeks in).
    for (const c of cases) {
      const server = c.baseline === 'bare' ? bare : app;
      const h = headersFor(c);
      await (c.name === 'api' ? hammerHeaders(server.port, c.path, 1, scale.connections, h) : hammer(server.port, c.path, 1, scale.connections, h.cookie));
    }
    for (const c of cases) {
      const server = c.baseline === 'bare' ? bare : app;
      const h = headersFor(c);
      const hammerWith = (seconds: number) => (c.name === 'api' ? hammerHeaders(server.port, c.path, seconds, scale.connections, h) : hammer(server.port, c.path, seconds, scale.connections, h.cookie));
      // Long enough for each pooled connection to settle on its prepared statements' generic plans.
      await hammerWith(Math.max(scale.httpWarmupSeconds, 3));
      await resetStatements(url);
      const result = await hammerWith(scale.httpSeconds);
      const top = await topStatements(url, 5);
      const cancelled = await quiesce(url);
      log(`  ${c.label}: p50 ${fmtMs(result.p50)} p99 ${fmtMs(result.p99)} ${fmtInt(result.rps)} req/s${result.non2xx || result.errors ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : ''}${cancelled ? `; ${cancelled} cancelled` : ''}`);
      results.push({ case: c, result: { ...result, cancelled }, statements: top });
    }
    // One CSV of a long list, timed alone, after the load (its garbage would land on a case).
    const t = performance.now();
    const csvRes = await fetch(`http://127.0.0.1:${app.port}/review.csv?week=${LAST_WEEK}&list=stale`, { headers: cookie ? { cookie } : {} });
    const csvRows = (await csvRes.text()).trim().split('\r\n').length - 1;
    const csv = { list: 'stale', rows: csvRows, ms: performance.now() - t };
    log(`  CSV of the stale list: ${fmtInt(csvRows)} rows in ${fmtMs(csv.ms)}`);
    const memory = await app.memory();
    return { info, connections: scale.connections, seconds: scale.httpSeconds, cases: results, statements: statements.length, pageBytes, csv, memory };
  } finally {
    await Promise.all([app?.stop(), bare?.stop()]);
  }
}

/** autocannon with arbitrary headers (the API's bearer token). */
async function hammerHeaders(port: number, path: string, seconds: number, connections: number, headers: Record<string, string>): Promise<LoadResult> {
  const samples: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, timeout: 30, headers, requests: [{ method: 'GET', path }] }, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_c: unknown, _s: number, _b: number, ms: number) => samples.push(ms));
  });
  if (!samples.length) samples.push(Infinity);
  return { p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), max: Math.max(...samples), rps: r['2xx'] / r.duration, requests: r['2xx'], non2xx: r.non2xx, errors: r.errors, seconds: r.duration };
}

/** An API token for the benchmark manager (made by pgCookie), for the JSON case. */
async function apiTokenFor(url: string): Promise<string> {
  const database = await openPostgres(url, { max: 1 });
  try {
    const { newSecret, sha256 } = await import('../src/users/secrets.ts');
    const { TOKEN_PREFIX } = await import('../src/users/tokens.ts');
    const [u] = await query<{ id: number }>(database.db, dsql`select id from users where email = 'benchmark@bench.invalid'`);
    const token = TOKEN_PREFIX + newSecret();
    await database.db.insert(schema.apiTokens).values({ userId: Number(u!.id), name: 'review bench', tokenHash: sha256(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) });
    return token;
  } finally {
    await database.close();
  }
}

// ------------------------------------------------------------------------------ report

/** A part's figures kept beside the data, so a run of one part (--review pages) keeps the other's. */
type Saved<T> = T & { measuredAt?: string; loadAverage?: number[] };

export function saveReviewPart<T>(scale: Scale, part: 'snapshot' | 'pages', data: T): void {
  writeFileSync(join(OUT, `review-${scale.name}-${part}.json`), JSON.stringify({ ...data, measuredAt: new Date().toISOString(), loadAverage: loadavg() }));
}

export function savedReviewPart<T>(scale: Scale, part: 'snapshot' | 'pages'): Saved<T> | undefined {
  try {
    return JSON.parse(readFileSync(join(OUT, `review-${scale.name}-${part}.json`), 'utf8')) as Saved<T>;
  } catch {
    return undefined;
  }
}

const earlier = (x: { measuredAt?: string; loadAverage?: number[] } | undefined, fresh: boolean) =>
  !fresh && x?.measuredAt ? ` _(From an earlier run, ${x.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load average ${(x.loadAverage ?? []).map((v) => v.toFixed(2)).join(' / ')}.)_` : '';

export function reviewMarkdown(snap: Saved<SnapshotBench> | undefined, pages: Saved<ReviewPageBench> | undefined, opts: { full: boolean; fresh?: { snapshot: boolean; pages: boolean } }): string {
  const lines: string[] = ['### 9. The weekly review, PostgreSQL', ''];
  if (snap) {
    const rows = snap.runs.map((r) => {
      const o = r.outcome.ok ? r.outcome : null;
      const taken = o?.taken[0];
      return [r.label, taken ? `**${fmtMs(o!.insertMs)}**` : '–', taken ? fmtMs(o!.deriveMs) : '–', `**${fmtMs(r.wallMs)}**`, taken ? fmtInt(taken.accounts) : 'nothing (taken already)'];
    });
    const live = snap.runs.filter((r) => r.outcome.ok && r.outcome.taken.length);
    const worst = Math.max(...live.map((r) => (r.outcome.ok ? r.outcome.insertMs : 0)));
    lines.push(
      `#### Taking a week's snapshot of ${fmtInt(snap.accounts)} accounts${earlier(snap, opts.fresh?.snapshot ?? true)}`,
      '',
      `On a clone of the generated database (made in ${fmtMs(snap.copyMs)}; then ${REPS} reps given the accounts and ${fmtInt(snap.deals)} open deals added, ${snap.setupSeconds} s, none of it counted), \`takeSnapshot()\` as the weekly job runs it: one transaction with the INSERT … SELECT of every account (with the sum of its open deals), then the review data derived from it (counts per owner and state, the open value per close month, overdue touches per owner by src/cadence's query, and against the week before the movement matrix and the change lists).`,
      '',
      table(['run', 'INSERT … SELECT', 'review data', 'whole transaction', 'rows'], rows),
      '',
      opts.full ? `Goal: the snapshot (the INSERT … SELECT) ≤ 30 s at 1,000,000 accounts: ${goal(worst <= 30_000)} (${fmtMs(worst)} at worst).` : `(Goal ≤ 30 s at 1,000,000 accounts: see the full scale.)`,
      '',
      `Where the time went in the second run (pg_stat_statements, server time): ${(snap.runs[1]?.statements ?? []).slice(0, 5).map((s) => `${fmtMs(s.totalMs)} \`${shortSql(s.query, 90)}\``).join('; ')}.`,
      '',
      `Sizes after two weeks: ${Object.entries(snap.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
    );
  }
  if (pages) {
    const i = pages.info;
    const byName = new Map(pages.cases.map((c) => [c.case.name, c.result]));
    const review = byName.get('review');
    const bare = byName.get('bare');
    const list = byName.get('list');
    const rel = (x: LoadResult | undefined, base: LoadResult | undefined) => (x && base && base.rps > 0 ? `${fmt((x.rps / base.rps) * 100, 0)} %` : '–');
    const rows = pages.cases.map(({ case: c, result: r }) => [
      c.label,
      r.requests ? `${fmtMs(r.p50)} / ${c.baseline ? fmtMs(r.p99) : `**${fmtMs(r.p99)}**`}` : `none completed in ${pages.seconds} s`,
      c.baseline ? fmtInt(r.rps) : `**${fmtInt(r.rps)}**`,
      c.baseline ? '' : rel(r, bare),
      c.baseline ? '' : rel(r, list),
      r.non2xx + r.errors ? String(r.non2xx + r.errors) : '0',
    ]);
    const worst = Math.max(...pages.cases.filter((c) => !c.case.baseline).map((c) => c.result.p99));
    lines.push(
      `#### The review page with ${fmtInt(i.accounts)} accounts and ${i.weeks} weeks of snapshots${earlier(pages, opts.fresh?.pages ?? true)}`,
      '',
      `Its own database: ${fmtInt(i.accounts)} accounts, ${REPS} reps, ${fmtInt(i.snapshotRows)} snapshot rows (${i.weeks} weeks, made by SQL in ${i.snapshotSeconds} s; the review data of every week derived by the app's deriveWeek/recordOverdue in ${i.deriveSeconds} s; sizes ${Object.entries(i.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}). autocannon, ${pages.connections} connections, ${pages.seconds} s per case after a warm-up, 127.0.0.1, the app signed in as a manager (pool of 10). The page is ${fmtInt(pages.pageBytes)} bytes of HTML; loadReview sends ${pages.statements} statements, which the bare server runs all at once for each request.`,
      '',
      table(['case', 'p50 / p99', 'req/s', 'of bare', 'of the list page', 'errors'], rows),
      '',
      opts.full ? `Goal p99 ≤ 300 ms at 100,000 accounts × 52 weeks: ${goal(worst <= 300)} (worst ${fmtMs(worst)}).` : '(Goal p99 ≤ 300 ms at 100,000 accounts × 52 weeks: see the full scale.)',
      '',
      `The CSV of the stale list (${fmtInt(pages.csv.rows)} rows, streamed in pages of 2,000) took ${fmtMs(pages.csv.ms)} alone. App memory after the runs: RSS ${fmt(pages.memory.rss / 2 ** 20, 0)} MiB.`,
      '',
      `Server time per statement during the latest-week case: ${(pages.cases.find((c) => c.case.name === 'review')?.statements ?? []).map((s) => `${fmt(s.meanMs, 2)} ms × ${fmtInt(s.calls)} \`${shortSql(s.query, 80)}\``).join('; ')}.`,
      review && list ? `\nThe review page answered ${fmtInt(review.rps)} req/s against the list page's ${fmtInt(list.rps)} in the same run.` : '',
    );
  }
  return lines.filter((l, k, a) => l !== '' || a[k - 1] !== '').join('\n');
}
