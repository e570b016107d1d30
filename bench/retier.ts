// 6. Re-tiering every customer, and 7. converting prospects under load, PostgreSQL.
//
// Their own database in the bench cluster ("pipegrade_retier", cached like the others with a
// record in bench/.out/pg-<scale>-retier.json): customers (kind 'customer', converted on their
// first won deal, the grade they closed at, days paid late for most, their prospect fit kept as
// the prior fit) with 5 won deals each spread over the three years before DATA_AS_OF (most with a
// margin), plus open prospects for the conversion benchmark. Loaded with COPY after dropping the
// secondary indexes and foreign keys of accounts and deals and disabling the account_counts
// triggers (filled afterwards by the migration's own backfill, as bench/load.ts does).
//
// Each measurement runs on a clone (CREATE DATABASE ... TEMPLATE), so the cached data stay as
// generated: the re-tier's preview and three applies (first scoring, same day again, next
// quarter), and the conversions: the app server (bench/servers/app-server.ts) in its own process,
// signed in as the benchmark manager, takes `POST /accounts/:id/deals` form posts of won deals
// (same-origin Origin header for the CSRF check), every request on a different open prospect,
// for a bounded time on 127.0.0.1; afterwards the database is checked: each prospect converted
// exactly once.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import postgres from 'postgres';
import { sql as dsql } from 'drizzle-orm';
import { openPostgres, query } from '../src/db/client.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { previewRetier, retierCustomers, type RetierPreview, type RetierStats } from '../src/customers/retier.ts';
import { addDays } from '../src/shared/dates.ts';
import { startServer } from './child.ts';
import { DATA_AS_OF, type Scale } from './config.ts';
import { prng } from './datagen.ts';
import { pgCookie } from './http.ts';
import { checkCounts, runBackfills, sizesOf, triggersAndBackfills, type Exec } from './load.ts';
import { LOAD_SETTINGS, MEASURE_SETTINGS, type PgCluster } from './pg-cluster.ts';
import { fmt, fmtInt, fmtMs, goal, log, percentile, table } from './stats.ts';

export const RETIER_DATABASE = 'pipegrade_retier';
/** The quarterly re-tier's day, and the next quarter's. */
export const RETIER_AS_OF = '2026-04-01';
export const NEXT_QUARTER = '2026-07-01';
const RETIER_GENERATOR_VERSION = 1;
const SEED = 20260401;
const DEALS_PER_CUSTOMER = 5;
const DEAL_DAYS = 3 * 365;
const TABLES = ['accounts', 'deals'];

export type RetierInfo = {
  generatorVersion: number;
  customers: number;
  prospects: number;
  deals: number;
  generatedAt: string;
  copySeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
  sizes: Record<string, string>;
};

const secondsSince = (t: number) => Math.round((performance.now() - t) / 100) / 10;

const ACCOUNT_COLS = ['id', 'kind', 'name', 'name_key', 'industry', 'employees', 'status', 'added_on', 'version', 'grade', 'fit', 'graded_on', 'policy_version', 'converted_on', 'closed_grade', 'days_paid_late'] as const;
const DEAL_COLS = ['account_id', 'title', 'value', 'margin_pct', 'status', 'closed_on', 'created_by'] as const;
const INDUSTRIES = ['software', 'manufacturing', 'retail', 'healthcare', 'finance', 'logistics'];
const GRADES = ['A', 'B', 'C', 'D'];

/** Customers then prospects, as COPY text, handed to `write` every `every` accounts. */
async function generate(customers: number, prospects: number, every: number, write: (a: string, d: string) => Promise<void>): Promise<number> {
  const rand = prng(SEED);
  const start = addDays(DATA_AS_OF, -DEAL_DAYS + 1);
  let a = '', d = '', deals = 0;
  const total = customers + prospects;
  for (let id = 1; id <= total; id++) {
    const customer = id <= customers;
    const grade = GRADES[Math.floor(rand() * 4)]!;
    const fit = rand() < 0.1 ? '\\N' : String(Math.round(rand() * 1000) / 10);
    const industry = INDUSTRIES[Math.floor(rand() * INDUSTRIES.length)]!;
    const employees = 5 + Math.floor(rand() ** 2 * 5000);
    const name = `${customer ? 'Customer' : 'Prospect'} ${id}`;
    if (customer) {
      const days: number[] = [];
      for (let k = 0; k < DEALS_PER_CUSTOMER; k++) days.push(Math.floor(rand() * DEAL_DAYS));
      days.sort((x, y) => x - y);
      const first = addDays(start, days[0]!);
      // A third of the customers are bigger buyers; values from 1,000 to about 250,000.
      const scale = rand() < 0.33 ? 50_000 : 8_000;
      for (let k = 0; k < DEALS_PER_CUSTOMER; k++) {
        const value = Math.round((1_000 + rand() * rand() * scale * 5) * 100) / 100;
        const margin = rand() < 0.15 ? '\\N' : String(Math.round((5 + rand() * 55) * 10) / 10);
        d += `${id}\tDeal ${id}-${k + 1}\t${value}\t${margin}\twon\t${addDays(start, days[k]!)}\tbench\n`;
        deals++;
      }
      const late = rand() < 0.25 ? '\\N' : String(Math.round(rand() ** 3 * 90 * 10) / 10);
      a += `${id}\tcustomer\t${name}\t${name.toLowerCase()}\t${industry}\t${employees}\topen\t${addDays(first, -120)}\t1\t${grade}\t${fit}\t${first}\t1\t${first}\t${grade}\t${late}\n`;
    } else {
      const added = addDays(DATA_AS_OF, -Math.floor(rand() * 365));
      a += `${id}\tprospect\t${name}\t${name.toLowerCase()}\t${industry}\t${employees}\topen\t${added}\t1\t${grade}\t${fit}\t${DATA_AS_OF}\t1\t\\N\t\\N\t\\N\n`;
    }
    if (id % every === 0 || id === total) {
      await write(a, d);
      a = d = '';
    }
    if (id % 200_000 === 0) log(`  generated ${fmtInt(id)} accounts`);
  }
  return deals;
}

async function dbExists(cluster: PgCluster, name: string): Promise<boolean> {
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    return (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await admin.end();
  }
}

/** The re-tier database at this size, generated when the cache does not match. */
export async function ensureRetierData(cluster: PgCluster, scale: Scale, opts: { regen?: boolean } = {}): Promise<RetierInfo> {
  const infoFile = `${cluster.dir}-retier.json`;
  if (!opts.regen && cluster.existed && existsSync(infoFile)) {
    try {
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as RetierInfo;
      if (info.generatorVersion === RETIER_GENERATOR_VERSION && info.customers === scale.retierCustomers && info.prospects === scale.retierProspects && (await dbExists(cluster, RETIER_DATABASE))) {
        log(`PostgreSQL: reusing the re-tier database (${fmtInt(info.customers)} customers, ${fmtInt(info.deals)} deals, generated in ${info.totalSeconds} s)`);
        const database = await openPostgres(cluster.url(RETIER_DATABASE), { max: 1 });
        try {
          await database.migrate();
        } finally {
          await database.close();
        }
        return info;
      }
    } catch {
      // regenerate
    }
  }
  rmSync(infoFile, { force: true });
  log(`PostgreSQL: generating the re-tier database: ${fmtInt(scale.retierCustomers)} customers × ${DEALS_PER_CUSTOMER} won deals, ${fmtInt(scale.retierProspects)} open prospects`);
  await cluster.restart(LOAD_SETTINGS);
  const started = performance.now();
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${RETIER_DATABASE} with (force)`);
  await admin.unsafe(`create database ${RETIER_DATABASE}`);
  await admin.end();
  const database = await openPostgres(cluster.url(RETIER_DATABASE), { max: 1 });
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  await database.close();

  const sql = postgres(cluster.url(RETIER_DATABASE), { max: 4, onnotice: () => {}, idle_timeout: 0 });
  try {
    const exec: Exec = (q) => sql.unsafe(q) as unknown as Promise<Record<string, unknown>[]>;
    const list = `(${TABLES.map((t) => `'${t}'`).join(',')})`;
    const indexes = (await exec(`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as def
      from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
      where t.relname in ${list} and not i.indisprimary
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`)) as { name: string; def: string }[];
    const fks = (await exec(`
      select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
      from pg_constraint where contype = 'f' and (conrelid::regclass::text in ${list} or confrelid::regclass::text in ${list})`)) as { tbl: string; name: string; def: string }[];
    for (const fk of fks) await exec(`alter table ${fk.tbl} drop constraint ${fk.name}`);
    for (const ix of indexes) await exec(`drop index ${ix.name}`);
    const triggers = await triggersAndBackfills(exec);
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} disable trigger user`);

    const copyStarted = performance.now();
    const open = async (tbl: string, cols: readonly string[]) => {
      const w = (await sql.unsafe(`copy ${tbl} (${cols.join(', ')}) from stdin`).writable()) as Writable;
      const done = finished(w);
      done.catch(() => {});
      return { w, done };
    };
    const wa = await open('accounts', ACCOUNT_COLS);
    const wd = await open('deals', DEAL_COLS);
    const put = async (x: { w: Writable; done: Promise<void> }, chunk: string) => {
      if (chunk && !x.w.write(chunk)) await Promise.race([once(x.w, 'drain'), x.done]);
    };
    const deals = await generate(scale.retierCustomers, scale.retierProspects, 2000, async (a, d) => {
      await Promise.all([put(wa, a), put(wd, d)]);
    });
    for (const x of [wa, wd]) x.w.end();
    await Promise.all([wa.done, wd.done]);
    await exec(`select setval('accounts_id_seq', (select max(id) from accounts))`);
    await exec(`select setval(pg_get_serial_sequence('deals', 'id'), (select max(id) from deals))`);
    const copySeconds = secondsSince(copyStarted);
    log(`  COPY done in ${copySeconds} s (${fmtInt(deals)} deals); re-creating ${indexes.length} indexes and ${fks.length} foreign keys`);

    const indexStarted = performance.now();
    for (const tbl of triggers.disable) await exec(`alter table ${tbl} enable trigger user`);
    await runBackfills(exec, triggers.backfills, {});
    const queue = [...indexes];
    await Promise.all(
      [0, 1].map(async () => {
        for (let ix = queue.shift(); ix; ix = queue.shift()) {
          await sql.begin(async (tx) => {
            await tx.unsafe(`set local maintenance_work_mem = '512MB'`);
            await tx.unsafe(ix.def);
          });
        }
      }),
    );
    for (const fk of fks) await exec(`alter table ${fk.tbl} add constraint ${fk.name} ${fk.def}`);
    const indexSeconds = secondsSince(indexStarted);
    const vacuumStarted = performance.now();
    await exec('vacuum analyze');
    await exec('checkpoint');
    const vacuumSeconds = secondsSince(vacuumStarted);
    const sizes = await sizesOf(exec);
    const [ds] = (await exec(`select pg_size_pretty(pg_total_relation_size('deals')) as size`)) as { size: string }[];
    sizes.deals = ds!.size;
    await checkCounts(exec, 'PostgreSQL (re-tier)');
    const info: RetierInfo = {
      generatorVersion: RETIER_GENERATOR_VERSION,
      customers: scale.retierCustomers,
      prospects: scale.retierProspects,
      deals,
      generatedAt: new Date().toISOString(),
      copySeconds,
      indexSeconds,
      vacuumSeconds,
      totalSeconds: secondsSince(started),
      sizes,
    };
    writeFileSync(infoFile, JSON.stringify(info, null, 2));
    log(`PostgreSQL: re-tier database generated in ${info.totalSeconds} s (COPY ${copySeconds} s, indexes ${indexSeconds} s, vacuum ${vacuumSeconds} s), ${sizes.database}`);
    return info;
  } finally {
    await sql.end({ timeout: 5 });
    await cluster.restart(MEASURE_SETTINGS);
  }
}

/** A clone of the re-tier database for one measurement; dropped by the returned function. */
async function cloneDb(cluster: PgCluster, suffix: string): Promise<{ url: string; ms: number; drop: () => Promise<void> }> {
  const copy = `${RETIER_DATABASE}_${suffix}`;
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  const t = performance.now();
  await admin.unsafe(`drop database if exists ${copy} with (force)`);
  await admin.unsafe(`create database ${copy} template ${RETIER_DATABASE} strategy file_copy`);
  const ms = performance.now() - t;
  return {
    url: cluster.url(copy),
    ms,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${copy} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
    },
  };
}

// ---------------------------------------------------------------- 6. re-tier

export type RetierRun = { label: string; kind: 'preview' | 'apply'; asOf: string; wallMs: number; scanned: number; updated: number; changed: number; rescored?: number; tierChangesAfter?: number };
export type RetierResult = { info: RetierInfo; copyMs: number; customers: number; runs: RetierRun[]; byTier: { tier: string; n: number }[]; firstMoves: RetierPreview['byMove'] };

export async function runRetier(cluster: PgCluster, info: RetierInfo): Promise<RetierResult> {
  const clone = await cloneDb(cluster, 'run');
  log(`  cloned the re-tier database in ${fmtMs(clone.ms)}`);
  try {
    const database = await openPostgres(clone.url, { max: 10 });
    const runs: RetierRun[] = [];
    let firstMoves: RetierPreview['byMove'] = [];
    try {
      const countChanges = async () => Number((await query<{ n: number }>(database.db, sqlCount))[0]?.n ?? 0);
      const preview = async (label: string, asOf: string) => {
        const t = performance.now();
        const p = await previewRetier(database.db, { asOf, limit: 100 });
        const wallMs = performance.now() - t;
        log(`  preview ${label}: ${fmtMs(wallMs)}, scanned ${fmtInt(p.scanned)}, tier moves ${fmtInt(p.changes)}, rescored ${fmtInt(p.rescored)}`);
        runs.push({ label, kind: 'preview', asOf, wallMs, scanned: p.scanned, updated: 0, changed: p.changes, rescored: p.rescored });
        return p;
      };
      const apply = async (label: string, asOf: string) => {
        const t = performance.now();
        const s: RetierStats = await retierCustomers(database.db, { asOf, cause: 'quarterly', actor: 'benchmark' });
        const wallMs = performance.now() - t;
        const after = await countChanges();
        log(`  apply ${label}: ${fmtMs(wallMs)}, scanned ${fmtInt(s.scanned)}, rows updated ${fmtInt(s.updated)}, tier changes ${fmtInt(s.changed)}`);
        runs.push({ label, kind: 'apply', asOf, wallMs, scanned: s.scanned, updated: s.updated, changed: s.changed, tierChangesAfter: after });
      };
      firstMoves = (await preview(`before the first run (as of ${RETIER_AS_OF})`, RETIER_AS_OF)).byMove;
      await apply(`first: every customer scored (as of ${RETIER_AS_OF})`, RETIER_AS_OF);
      await apply('again, same day (idempotent)', RETIER_AS_OF);
      await preview(`next quarter (as of ${NEXT_QUARTER})`, NEXT_QUARTER);
      await apply(`next quarter (as of ${NEXT_QUARTER})`, NEXT_QUARTER);
      const byTier = (await query<{ tier: string; n: number }>(database.db, sqlByTier)).map((r) => ({ tier: String(r.tier), n: Number(r.n) }));
      return { info, copyMs: clone.ms, customers: runs[0]!.scanned, runs, byTier, firstMoves };
    } finally {
      await database.close();
    }
  } finally {
    await clone.drop();
  }
}

const sqlCount = dsql`select count(*)::int as n from tier_changes`;
const sqlByTier = dsql`select coalesce(tier, '(none)') as tier, count(*)::int as n from accounts where kind = 'customer' group by 1 order by 1`;

function infoNote(info: RetierInfo): string {
  return `Data: ${fmtInt(info.customers)} customers with ${DEALS_PER_CUSTOMER} won deals each (${fmtInt(info.deals)} deals, closed over the ${DEAL_DAYS / 365} years up to ${DATA_AS_OF}, 85 % with a margin; 75 % of customers with days paid late; the prospect fit kept as prior fit) and ${fmtInt(info.prospects)} open prospects, in their own database (${Object.entries(info.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}), generated by bench/retier.ts with COPY in ${info.totalSeconds} s (COPY ${info.copySeconds} s, indexes and keys ${info.indexSeconds} s, vacuum analyze ${info.vacuumSeconds} s) on ${info.generatedAt.slice(0, 16).replace('T', ' ')} UTC.`;
}

export function retierMarkdown(r: RetierResult, opts: { goalMs?: number }): string {
  const rows = r.runs.map((x) => [
    x.kind === 'preview' ? `preview ${x.label}` : `apply ${x.label}`,
    `**${fmtMs(x.wallMs)}**`,
    fmtInt(x.scanned),
    x.kind === 'preview' ? `(none: ${fmtInt(x.rescored ?? 0)} would be rescored within their tier)` : fmtInt(x.updated),
    x.kind === 'preview' ? `${fmtInt(x.changed)} would move` : fmtInt(x.changed),
    fmtInt((x.scanned / x.wallMs) * 1000),
  ]);
  const applies = r.runs.filter((x) => x.kind === 'apply');
  const lines = [
    '### 6. Re-tiering every customer in PostgreSQL',
    '',
    `${infoNote(r.info)} \`previewRetier(db, { asOf })\` (writes nothing) and \`retierCustomers(db, { asOf, cause: 'quarterly' })\` with their default batch of 5,000, on a copy of the database (made in ${fmtMs(r.copyMs)}, not counted), in this order:`,
    '',
    table(['run', 'time', 'customers scanned', 'rows updated', 'tier changes recorded', 'customers/s'], rows),
    '',
    `Customers by tier after the runs: ${r.byTier.map((t) => `${t.tier} ${fmtInt(t.n)}`).join(', ')}. The first run scores every customer (none had a tier), so it writes every row and one tier_changes row each; the same-day run reads and scores everything and writes nothing (the read+score floor); the next quarter moves the 12-month windows by three months.`,
  ];
  if (opts.goalMs) {
    lines.push('', `Goal ≤ ${opts.goalMs / 1000} s at 1,000,000 customers: ${goal(applies.every((x) => x.wallMs <= opts.goalMs!) && r.runs.every((x) => x.wallMs <= opts.goalMs!))} (${r.runs.map((x) => `${x.kind} ${fmtMs(x.wallMs)}`).join(', ')}).`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- 7. conversions under load

export type ConvertResult = {
  info: RetierInfo;
  seconds: number;
  connections: number;
  signedIn: boolean;
  requests: number;
  statuses: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rps: number;
  converted: number;
  convertedOnce: number;
  wrong: number;
  race: { prospects: number; perProspect: number; convertedOnce: number; wrong: number; statuses: Record<string, number> };
  memory: NodeJS.MemoryUsage;
};

export async function runConvert(cluster: PgCluster, info: RetierInfo, scale: Scale): Promise<ConvertResult> {
  const clone = await cloneDb(cluster, 'convert');
  try {
    const sql = postgres(clone.url, { max: 2, onnotice: () => {} });
    const ids = (await sql<{ id: number }[]>`select id from accounts where kind = 'prospect' and status = 'open' order by id`).map((r) => r.id);
    const cookie = await pgCookie(clone.url);
    const server = await startServer('app-server.ts', { DATABASE_URL: clone.url });
    const origin = `http://127.0.0.1:${server.port}`;
    let next = 0;
    const post = async (id: number): Promise<{ status: number; ms: number; location: string }> => {
      const body = new URLSearchParams({ title: 'Benchmark win', value: '12500', marginPct: '30', status: 'won' });
      const t = performance.now();
      const res = await fetch(`${origin}/accounts/${id}/deals`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...(cookie ? { cookie } : {}) },
        body,
      });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t, location: res.headers.get('location') ?? '' };
    };
    const drive = async (seconds: number, record: boolean) => {
      const samples: number[] = [];
      const statuses: Record<string, number> = {};
      const tried: number[] = [];
      let converted = 0;
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: scale.connections }, async () => {
          while (performance.now() < deadline && next < ids.length) {
            const id = ids[next++]!;
            tried.push(id);
            const r = await post(id);
            if (!record) continue;
            samples.push(r.ms);
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            if (r.status === 303 && r.location.includes('deal=converted')) converted++;
          }
        }),
      );
      return { samples, statuses, tried, converted, elapsed: (performance.now() - started) / 1000 };
    };
    let result: ConvertResult;
    try {
      log(`  warm-up ${scale.httpWarmupSeconds} s`);
      const warm = await drive(scale.httpWarmupSeconds, false);
      log(`  ${scale.httpSeconds} s at ${scale.connections} connections, one prospect per request`);
      const run = await drive(scale.httpSeconds, true);
      if (next >= ids.length) log(`  ran out of prospects (${fmtInt(ids.length)}): the run ended early`);
      // The race: `perProspect` concurrent wins on each of a few more prospects convert each once.
      const race = { prospects: 5, perProspect: scale.connections, convertedOnce: 0, wrong: 0, statuses: {} as Record<string, number> };
      const raceIds = ids.slice(next, next + race.prospects);
      next += raceIds.length;
      for (const id of raceIds) {
        const rs = await Promise.all(Array.from({ length: race.perProspect }, () => post(id)));
        for (const r of rs) race.statuses[r.status] = (race.statuses[r.status] ?? 0) + 1;
      }
      const memory = await server.memory();
      const check = async (list: number[], wonDeals: number) => {
        const rows = await sql<{ id: number; ok: boolean }[]>`
          select a.id,
            a.kind = 'customer' and a.converted_on is not null
            and (select count(*) from deals d where d.account_id = a.id and d.status = 'won') = ${wonDeals}
            and (select count(*) from grade_changes g where g.account_id = a.id and g.cause = 'converted') = 1
            and (select count(*) from tier_changes t where t.account_id = a.id and t.cause = 'converted') = 1
            and (select count(*) from audit_log l where l.account_id = a.id and l.action = 'converted') = 1 as ok
          from accounts a where a.id = any(${list})`;
        return { once: rows.filter((r) => r.ok).length, wrong: list.length - rows.filter((r) => r.ok).length };
      };
      const all = await check([...warm.tried, ...run.tried], 1);
      const raced = await check(raceIds, race.perProspect);
      race.convertedOnce = raced.once;
      race.wrong = raced.wrong;
      const samples = run.samples.length ? run.samples : [Infinity];
      result = {
        info,
        seconds: run.elapsed,
        connections: scale.connections,
        signedIn: !!cookie,
        requests: run.samples.length,
        statuses: run.statuses,
        p50: percentile(samples, 50),
        p90: percentile(samples, 90),
        p99: percentile(samples, 99),
        max: Math.max(...samples),
        rps: run.samples.length / run.elapsed,
        converted: run.converted,
        convertedOnce: all.once,
        wrong: all.wrong,
        race,
        memory,
      };
      log(`  ${fmtInt(result.requests)} requests, ${fmt(result.rps)} req/s, p50 ${fmtMs(result.p50)}, p99 ${fmtMs(result.p99)}; statuses ${JSON.stringify(result.statuses)}; converted once ${fmtInt(all.once)} of ${fmtInt(warm.tried.length + run.tried.length)}, wrong ${all.wrong}; race ${JSON.stringify(race)}`);
    } finally {
      await server.stop();
      await sql.end();
    }
    return result;
  } finally {
    await clone.drop();
  }
}

export function convertMarkdown(r: ConvertResult): string {
  const st = Object.entries(r.statuses).map(([k, v]) => `${k} × ${fmtInt(v)}`).join(', ');
  const rst = Object.entries(r.race.statuses).map(([k, v]) => `${k} × ${fmtInt(v)}`).join(', ');
  return [
    '### 7. Converting prospects under load (PostgreSQL)',
    '',
    `The app (createApp in its own process, bench/servers/app-server.ts, pool of 10) on a copy of the re-tier database (${fmtInt(r.info.customers)} customers, ${fmtInt(r.info.deals)} deals, ${fmtInt(r.info.prospects)} open prospects). ${r.connections} connections from the bench process (fetch, keep-alive) for ${fmt(r.seconds)} s after a warm-up, each request \`POST /accounts/:id/deals\` — a form post of a won deal (value 12,500, margin 30 %) on a different open prospect${r.signedIn ? ', with the benchmark manager\'s session cookie' : ''} and a same-origin \`Origin\` header (the CSRF check) — so every request converts a prospect: locks it, inserts the deal, marks it a customer, records the grade change, scores its tier (tier_changes) and writes two audit rows, in one transaction.`,
    '',
    table(['requests', 'req/s', 'p50', 'p90', 'p99', 'max', 'responses', 'converted (said the redirect)'], [[fmtInt(r.requests), `**${fmt(r.rps)}**`, `**${fmtMs(r.p50)}**`, fmtMs(r.p90), `**${fmtMs(r.p99)}**`, fmtMs(r.max), st, fmtInt(r.converted)]]),
    '',
    `Checked in the database afterwards (warm-up included): ${fmtInt(r.convertedOnce)} prospects converted exactly once (a customer with one won deal, one \`converted\` grade change, one \`converted\` tier change and one \`converted\` audit row), ${r.wrong ? `**${fmtInt(r.wrong)} not**` : 'none otherwise'}. Then ${r.race.prospects} more prospects each got ${r.race.perProspect} concurrent wins (${rst}): ${fmtInt(r.race.convertedOnce)} of ${r.race.prospects} converted exactly once with ${r.race.perProspect} won deals${r.race.wrong ? `, **${r.race.wrong} wrong**` : ''}. App server memory afterwards: rss ${fmtInt(r.memory.rss / 1048576)} MiB.`,
  ].join('\n');
}
