// 10. CSV import end to end, PostgreSQL: files of 100,000 and 1,048,576 rows shaped like a Salesforce
// accounts export (quoted names with commas, "$12,345,678.00" revenue, "1,234" employees, ISO and
// US dates, blank and "n/a" cells, a few bad rows and duplicates), each imported into its own
// database in the bench cluster through the real app server (bench/servers/app-server.ts) over
// HTTP: straight away (POST /api/imports?confirm=true: written while it arrives, one transaction),
// and, on another fresh database, with a dry run first: the upload streamed as the body of POST
// /api/imports (parsed, graded and kept as it arrives), then the import confirmed (one
// transaction), polled as a client would.
// A tenth of the file's companies are already accounts (so rows match and update), and the file
// names existing reps as owners, with 2 % left blank for the ownership rules to place. Then the
// same file again (must change nothing), and the floor: PostgreSQL's COPY of the same file into a
// plain table of text columns. Peak RSS is the server process's high-water mark (VmHWM).
//
//   npx tsx bench/import.ts --rows 100000 [--dir bench/.out/pg-import-dev]   (alone, for development)

import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { openPostgres } from '../src/db/client.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { TOKEN_PREFIX } from '../src/users/tokens.ts';
import { newSecret, sha256 } from '../src/users/secrets.ts';
import { startServer } from './child.ts';
import { OUT, type Scale, type ScaleName } from './config.ts';
import { writeSection } from './doc.ts';
import { machine, machineLine } from './machine.ts';
import { prng } from './datagen.ts';
import { MEASURE_SETTINGS, openCluster, type PgCluster } from './pg-cluster.ts';
import { fmt, fmtInt, fmtMiB, fmtMs, goal, log, table } from './stats.ts';

export const IMPORT_DATABASE = 'pipegrade_import';
const GENERATOR_VERSION = 1;
const REPS = 60;
const HEADER = ['Account ID', 'Account Name', 'Website', 'Type', 'Industry', 'Employees', 'Annual Revenue', 'Account Owner', 'Billing City', 'Billing Country', 'Phone', 'Created Date'];
const INDUSTRIES = ['Technology', 'Manufacturing', 'Retail', 'Healthcare', 'Finance', 'Logistics', 'Education', 'Energy', 'n/a'];
const CITIES = [['Berlin', 'Germany'], ['Austin', 'United States'], ['Lyon', 'France'], ['Leeds', 'United Kingdom'], ['Osaka', 'Japan'], ['Toronto', 'Canada']];
const TYPES = ['Prospect', 'Customer', 'Partner', 'Other'];

export const importSizes = (scale: Scale) => (scale.name === 'full' ? [100_000, 1_048_576] : [10_000, 100_000]);

const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The company of row i: the same for every size, so a file's first rows are the smaller file's. */
function company(i: number) {
  return { name: `Company ${i}, Inc.`, domain: `company-${i}.example.com` };
}

/** A Salesforce-like accounts file of `rows` rows (cached in bench/.out/). */
export async function ensureImportCsv(rows: number): Promise<{ path: string; bytes: number; seconds: number }> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `import-${rows}-v${GENERATOR_VERSION}.csv`);
  if (existsSync(path)) return { path, bytes: statSync(path).size, seconds: 0 };
  const started = performance.now();
  const rand = prng(20260516 + rows);
  const fh = await open(`${path}.tmp`, 'w');
  let out = HEADER.map(q).join(',') + '\r\n';
  for (let i = 1; i <= rows; i++) {
    const c = company(i);
    const r = rand();
    const [city, country] = CITIES[i % CITIES.length] as [string, string];
    const employees = Math.floor(5 + rand() ** 2 * 20_000);
    const revenue = Math.round(rand() ** 2 * 500_000_000);
    // 1 in 400 rows is bad (employees "lots"); 1 in 500 repeats an earlier company.
    const badRow = i % 400 === 0;
    const dup = i % 500 === 0 && i > 1;
    const who = dup ? company(i - 1) : c;
    const owner = r < 0.02 ? '' : `Rep ${1 + Math.floor(rand() * REPS)}`;
    const day = 1 + Math.floor(rand() * 28);
    const month = 1 + Math.floor(rand() * 4);
    const created = i % 3 === 0 ? `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}/2026` : `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const cells = [
      `001${String(i).padStart(12, '0')}`,
      who.name,
      i % 7 === 0 ? `https://www.${who.domain}/about` : `www.${who.domain}`,
      TYPES[i % TYPES.length]!,
      INDUSTRIES[i % INDUSTRIES.length]!,
      badRow ? 'lots' : i % 50 === 0 ? 'n/a' : employees.toLocaleString('en-US'),
      i % 33 === 0 ? '' : money(revenue),
      owner,
      city,
      country,
      `+1 (555) ${String(i % 1000).padStart(3, '0')}-${String(i % 10000).padStart(4, '0')}`,
      created,
    ];
    out += cells.map(q).join(',') + '\r\n';
    if (out.length > 1 << 20) {
      await fh.write(out);
      out = '';
    }
  }
  await fh.write(out);
  await fh.close();
  const { rename } = await import('node:fs/promises');
  await rename(`${path}.tmp`, path);
  return { path, bytes: statSync(path).size, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/** A fresh database: migrated, the default policy, the reps the file names, a manager with an API token, and a tenth of the file's companies as accounts already. */
export async function prepareDatabase(cluster: PgCluster, rows: number): Promise<{ url: string; token: string; existing: number }> {
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${IMPORT_DATABASE} with (force)`);
  await admin.unsafe(`create database ${IMPORT_DATABASE}`);
  await admin.end();
  const url = cluster.url(IMPORT_DATABASE);
  const database = await openPostgres(url, { max: 1 });
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  await database.close();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const token = TOKEN_PREFIX + newSecret();
  const existing = Math.floor(rows / 10);
  try {
    await sql.unsafe(`
      insert into users (email, name, role, level, capacity)
      select 'rep' || i || '@bench.invalid', 'Rep ' || i, 'rep', 1 + (i % 4), 100000 from generate_series(1, ${REPS}) i`);
    const [m] = await sql`insert into users (email, name, role) values ('importer@bench.invalid', 'Importer', 'manager') returning id`;
    await sql`insert into api_tokens (user_id, name, token_hash, prefix) values (${m!.id}, 'bench', ${sha256(token)}, ${token.slice(0, 10)})`;
    // Every tenth company already known (from a CRM sync, say), with fewer facts than the file.
    await sql.unsafe(`
      insert into accounts (name, name_key, domain, industry, added_on, grade, fit, flags, reason, graded_on, policy_version, owner_id)
      select 'Company ' || i || ', Inc.', 'company ' || i || ', inc.', 'company-' || i || '.example.com', 'Unknown', date '2025-06-01', 'D', null,
             array['no_timing', 'stale'], 'no timing evidence; fit unknown', date '2026-05-16', 1, (select min(id) from users where role = 'rep')
      from generate_series(10, ${rows}, 10) i`);
    await sql.unsafe('vacuum analyze');
  } finally {
    await sql.end();
  }
  return { url, token, existing };
}

/** The server process's peak resident memory so far (Linux VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

type Job = { id: number; status: string; counts: { processed: number; total: number; new: number; updated: number; unchanged: number; rejected: number }; error: string | null; result: { assigned?: number } | null };

async function api(port: number, token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; json: Job & Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
    ...(body ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as Job & Record<string, unknown> };
}

/** A file sent as the body of a POST with node:http, piped from disk: the lightest client, since it shares the machine's two cores with the server. */
function upload(port: number, token: string, path: string, file: string): Promise<{ status: number; json: Job & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': statSync(file).size } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8')) as Job & Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function until(port: number, token: string, id: number, done: (j: Job) => boolean): Promise<Job> {
  for (;;) {
    const { json } = await api(port, token, 'GET', `/api/imports/${id}`);
    if (done(json)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type ImportRun = {
  rows: number;
  bytes: number;
  existing: number;
  uploadMs: number;
  dryRunMs: number;
  importMs: number;
  totalMs: number;
  counts: Job['counts'];
  assigned: number;
  again: { uploadMs: number; dryRunMs: number; importMs: number; totalMs: number; counts: Job['counts'] };
  peakRss: number;
  startRss: number;
  copyMs: number;
  /** The same file imported straight away (POST /api/imports?confirm=true) into a database of its own. */
  direct: { totalMs: number; status: string; counts: Job['counts']; assigned: number; peakRss: number; check: ImportRun['check'] };
  /** The machine's 1-minute load average as the run started and ended (others share it). */
  load: [number, number];
  check: { accounts: number; gradeChanges: number; audit: number; unowned: number };
};

async function counted(url: string): Promise<ImportRun['check']> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [c] = await sql`select (select count(*)::int from accounts) as accounts, (select count(*)::int from grade_changes) as "gradeChanges",
      (select count(*)::int from audit_log) as audit, (select count(*)::int from accounts where owner_id is null) as unowned`;
    return c as unknown as ImportRun['check'];
  } finally {
    await sql.end();
  }
}

const uploadPath = (rows: number, confirm: boolean) => `/api/imports?kind=prospects&name=${encodeURIComponent(`accounts-${rows}.csv`)}${confirm ? '&confirm=true' : ''}`;

/** The file imported straight away (no dry run to stop at), into a fresh database: first byte to committed. */
async function directRun(cluster: PgCluster, rows: number, path: string): Promise<ImportRun['direct']> {
  const db = await prepareDatabase(cluster, rows);
  const server = await startServer('app-server.ts', { DATABASE_URL: db.url, IMPORT_MAX_BYTES: String(512 * 1024 * 1024) });
  try {
    log(`  importing ${fmtInt(rows)} rows straight away`);
    const t0 = performance.now();
    const up = await upload(server.port, db.token, uploadPath(rows, true), path);
    if (up.status !== 202) throw new Error(`upload answered ${up.status}: ${JSON.stringify(up.json).slice(0, 500)}`);
    // Done when the upload answers on PostgreSQL; polled all the same, as a client would.
    const done = up.json.status === 'done' ? up.json : await until(server.port, db.token, up.json.id, (j) => j.status !== 'importing');
    if (done.status !== 'done') throw new Error(`import ended ${done.status}: ${done.error}`);
    const totalMs = performance.now() - t0;
    log(`    ${fmtMs(totalMs)} (${up.json.status} when the upload answered): ${JSON.stringify(done.counts)}`);
    return { totalMs, status: up.json.status, counts: done.counts, assigned: done.result?.assigned ?? 0, peakRss: peakRss(server.pid), check: await counted(db.url) };
  } finally {
    await server.stop();
  }
}

/** One file end to end: straight away; then upload, dry run, import; then again; then COPY. */
async function oneRun(cluster: PgCluster, rows: number): Promise<ImportRun> {
  const loadBefore = loadavg()[0]!;
  const file = await ensureImportCsv(rows);
  if (file.seconds) log(`  generated ${fmtInt(rows)} rows (${fmtMiB(file.bytes)}) in ${file.seconds} s`);
  const direct = await directRun(cluster, rows, file.path);
  const db = await prepareDatabase(cluster, rows);
  const server = await startServer('app-server.ts', { DATABASE_URL: db.url, IMPORT_MAX_BYTES: String(512 * 1024 * 1024) });
  try {
    const startRss = peakRss(server.pid);
    const once = async () => {
      const t0 = performance.now();
      const up = await upload(server.port, db.token, uploadPath(rows, false), file.path);
      if (up.status !== 202) throw new Error(`upload answered ${up.status}: ${JSON.stringify(up.json).slice(0, 500)}`);
      const t1 = performance.now();
      const ready = await until(server.port, db.token, up.json.id, (j) => j.status !== 'analyzing');
      if (ready.status !== 'ready') throw new Error(`dry run ended ${ready.status}: ${ready.error}`);
      const t2 = performance.now();
      const conf = await api(server.port, db.token, 'POST', `/api/imports/${up.json.id}/confirm`);
      if (conf.status !== 202) throw new Error(`confirm answered ${conf.status}`);
      const done = await until(server.port, db.token, up.json.id, (j) => j.status !== 'importing');
      if (done.status !== 'done') throw new Error(`import ended ${done.status}: ${done.error}`);
      const t3 = performance.now();
      return { uploadMs: t1 - t0, dryRunMs: t2 - t1, importMs: t3 - t2, totalMs: t3 - t0, counts: done.counts, assigned: done.result?.assigned ?? 0 };
    };
    log(`  importing ${fmtInt(rows)} rows`);
    const first = await once();
    log(`    upload ${fmtMs(first.uploadMs)}, dry run ${fmtMs(first.dryRunMs)}, import ${fmtMs(first.importMs)}: ${JSON.stringify(first.counts)}`);
    const afterFirst = peakRss(server.pid);
    log('  the same file again');
    const again = await once();
    log(`    upload ${fmtMs(again.uploadMs)}, dry run ${fmtMs(again.dryRunMs)}, import ${fmtMs(again.importMs)}: ${JSON.stringify(again.counts)}`);
    const check = await counted(db.url);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    let copyMs: number;
    try {
      // The floor: the same bytes into a plain table of text columns.
      await sql.unsafe(`create table import_floor (${HEADER.map((_, i) => `c${i} text`).join(', ')})`);
      const t = performance.now();
      const w = (await sql.unsafe(`copy import_floor from stdin (format csv, header true)`).writable()) as Writable;
      await pipeline(createReadStream(file.path), w);
      copyMs = performance.now() - t;
    } finally {
      await sql.end();
    }
    log(`    COPY of the same file: ${fmtMs(copyMs)}`);
    return { rows, bytes: file.bytes, existing: db.existing, ...first, again, direct, peakRss: Math.max(afterFirst, peakRss(server.pid)), startRss, copyMs, check, load: [loadBefore, loadavg()[0]!] };
  } finally {
    await server.stop();
  }
}

export async function runImportBench(cluster: PgCluster, scale: Scale): Promise<ImportRun[]> {
  const out: ImportRun[] = [];
  for (const rows of importSizes(scale)) out.push(await oneRun(cluster, rows));
  return out;
}

export function importMarkdown(runs: ImportRun[], opts: { goals: boolean }): string {
  const goalFor = (rows: number) => (rows >= 1_000_000 ? 60_000 : rows >= 100_000 ? 5_000 : undefined);
  const check = (c: ImportRun['check']) => `${fmtInt(c.accounts)} accounts, ${fmtInt(c.gradeChanges)} grade changes, ${fmtInt(c.audit)} audit rows, ${fmtInt(c.unowned)} unowned`;
  const direct = runs.map((r) => {
    const g = goalFor(r.rows);
    return [
      fmtInt(r.rows),
      fmtMiB(r.bytes),
      `**${fmtMs(r.direct.totalMs)}**`,
      fmtInt(r.rows / (r.direct.totalMs / 1000)),
      fmtMs(r.copyMs),
      fmt(r.direct.totalMs / r.copyMs, 1) + '×',
      `${fmtInt(r.direct.counts.new)} new, ${fmtInt(r.direct.counts.updated)} updated, ${fmtInt(r.direct.counts.rejected)} rejected, ${fmtInt(r.direct.assigned)} owners placed`,
      check(r.direct.check),
      fmtMiB(r.direct.peakRss),
      opts.goals && g ? `< ${fmtMs(g)}: ${goal(r.direct.totalMs < g)}` : '–',
    ];
  });
  const rows = runs.map((r) => {
    const g = goalFor(r.rows);
    return [
      fmtInt(r.rows),
      fmtMs(r.uploadMs),
      fmtMs(r.dryRunMs),
      fmtMs(r.importMs),
      `**${fmtMs(r.totalMs)}**`,
      fmtInt(r.rows / (r.totalMs / 1000)),
      fmtMiB(r.peakRss),
      opts.goals && g ? `< ${fmtMs(g)}: ${goal(r.totalMs < g)}` : '–',
      opts.goals && g ? `< ${fmtMs(g)}: ${goal(r.importMs < g)}` : '–',
    ];
  });
  const counts = runs.map((r) => [
    fmtInt(r.rows),
    fmtInt(r.existing),
    fmtInt(r.counts.new),
    fmtInt(r.counts.updated),
    fmtInt(r.counts.unchanged),
    fmtInt(r.counts.rejected),
    fmtInt(r.assigned),
    `${fmtMs(r.again.totalMs)} (${fmtInt(r.again.counts.new)} new, ${fmtInt(r.again.counts.updated)} updated, ${fmtInt(r.again.counts.unchanged)} unchanged)`,
    check(r.check),
  ]);
  return [
    '### 10. CSV import end to end, PostgreSQL',
    '',
    'A Salesforce-shaped accounts file (12 columns: quoted names with commas, `"$12,345,678.00"` revenue, `"1,234"` employees, ISO and US dates, blank and `n/a` cells; 1 row in 400 bad, 1 in 500 a repeat of the row before) imported through the app server over HTTP, as an API client would. Each import has a fresh database of its own, where a tenth of the companies are accounts already (with fewer facts, so those rows update) and the file names 60 existing reps as owners (2 % blank: placed by the ownership rules). COPY is PostgreSQL loading the same file into a plain table of 12 text columns: no parsing in JS, no validation, no matching, no grading, no indexes — the floor. Peak RSS is the app server process\'s high-water mark (' + runs.map((r) => fmtMiB(r.startRss)).join(' / ') + ' after start-up).',
    '',
    '**Straight away** (`POST /api/imports?confirm=true`, the upload form\'s "Import straight away"): the file streamed as the body (by node:http, piped from disk: the client shares the two cores); each batch of rows is parsed, validated, matched (looked up on the pool), graded and explained while the batch before is written by COPY into accounts, grade_changes and audit_log, all in one transaction; owners placed and the job marked done before the answer. Timed from the first byte sent to the answer (the import committed).',
    '',
    table(['rows', 'file', 'total', 'rows/s', 'COPY', 'vs COPY', 'rows', 'database after', 'peak RSS', 'goal'], direct),
    '',
    '**With a dry run to look at first** (`POST /api/imports`, then `POST /api/imports/:id/confirm`, each polled until done): the upload parses, validates, matches and grades every row as it arrives — the dry run for the proposed mapping — and keeps each accepted row, graded and explained, in `import_rows` (COPY); **dry run wait** is what is left to wait for after the upload answers (nothing, when the mapping is the proposed one). **Import** is confirm to committed: checks that the dry run still holds, then new accounts with their first grade change, updates, grade changes, audit entries and owners, set-based in one transaction. **Total** is from the first byte sent to the import committed, without the time a person takes to read the dry run; rows/s is over the total.',
    '',
    table(['rows', 'upload + dry run', 'dry run wait', 'import', 'total', 'rows/s', 'peak RSS', 'goal (total)', 'goal (import step)'], rows),
    '',
    table(['rows', 'accounts before', 'new', 'updated', 'unchanged', 'rejected', 'owners assigned', 'same file again', 'database after'], counts),
    '',
    `Load average of the machine (1 minute, 2 cores) as each run started and ended: ${runs.map((r) => `${fmtInt(r.rows)} rows ${fmt(r.load[0], 1)} → ${fmt(r.load[1], 1)}`).join('; ')} (the machine is shared: above 2, other work was taking CPU from the run).`,
  ].join('\n');
}

// Alone: npx tsx bench/import.ts --rows 100000[,1048576] [--dir DIR] [--write small|full] [--statements]
// (its own cluster folder, so a benchmark another person runs on bench/.out/pg-<scale> cannot stop
// it midway; --write puts the figures in docs/benchmarks.md as `npm run bench` does).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (f: string) => {
    const i = process.argv.indexOf(f);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = (arg('--rows') ?? '10000').split(',').map(Number);
  const dir = resolve(arg('--dir') ?? join(OUT, 'pg-import-dev'));
  const write = arg('--write') as ScaleName | undefined;
  const cluster = await openCluster(dir, MEASURE_SETTINGS);
  try {
    const runs: ImportRun[] = [];
    for (const rows of sizes) runs.push(await oneRun(cluster, rows));
    const md = importMarkdown(runs, { goals: true });
    console.log(md);
    if (write) {
      const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      const [v] = await admin`select current_setting('server_version') as v`;
      await admin.end();
      const m = machine();
      m.postgres = String(v!.v);
      writeSection('import', write, `${md}\n\n${machineLine(m, write)}`);
      log(`wrote section import:${write} to docs/benchmarks.md`);
    }
    if (process.argv.includes('--statements')) {
      const sql = postgres(cluster.url(IMPORT_DATABASE), { max: 1, onnotice: () => {} });
      await sql`create extension if not exists pg_stat_statements`;
      const top = await sql.unsafe(`select round(total_exec_time) ms, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) q from pg_stat_statements order by total_exec_time desc limit 15`);
      for (const t of top) console.log(`${t.ms} ms ${t.calls}× ${t.q}`);
      await sql.end();
    }
  } finally {
    cluster.stop();
  }
  process.exit(0);
}
