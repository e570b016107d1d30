// npm run load [-- --seconds 60 --users 50 --accounts 100000 --reps 500 --max-requests 200000]
//
// A realistic mix against the real app, all on this machine (127.0.0.1 only), bounded in time and
// requests: a throwaway PostgreSQL cluster (bench/pg-cluster.ts) in a temp folder, 100,000
// generated accounts with their signals (bench/load.ts) owned by 500 reps (scripts/load/prepare.ts),
// the app in its own process (bench/servers/app-server.ts, clock fixed at the data's "today"), and
// 50 simulated people (scripts/load/users.ts): reps listing their prospects, opening them and
// logging signals through the forms (session cookies, same-origin Origin), managers on the
// territory, the review (if the app answers it) and the A list, an import when the app has an
// upload form. Then checks: every signal the load logged stored exactly once, each with its audit
// row; every touched account's stored grade what the pure grader computes from its signals; and
// a daily re-grade on a copy of the database changes nothing. Writes the figures to
// docs/benchmarks.md (section "load"), prints them, and exits 1 on any error or failed check.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { BENCH_AS_OF } from '../bench/config.ts';
import { startServer } from '../bench/child.ts';
import { writeSection } from '../bench/doc.ts';
import { ensurePgData, PG_DATABASE } from '../bench/load.ts';
import { machine, machineLine } from '../bench/machine.ts';
import { MEASURE_SETTINGS, openCluster } from '../bench/pg-cluster.ts';
import { fmt, fmtInt, fmtMs, log, percentile, table } from '../bench/stats.ts';
import { openPostgres } from '../src/db/client.ts';
import { regradeOpenProspects } from '../src/grading/daily-regrade.ts';
import { checkIntegrity } from '../test/faults/integrity.ts';
import { prepareTeam, simUsers } from './load/prepare.ts';
import { findImportForm, LoadRun, type Sample } from './load/users.ts';

const IMPORT_ROWS = 500;

function args() {
  const argv = process.argv.slice(2);
  const num = (flag: string, dflt: number) => {
    const i = argv.indexOf(flag);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
    return v;
  };
  if (argv.includes('--help')) {
    console.log('npm run load -- [--seconds 60] [--users 50] [--accounts 100000] [--reps 500] [--max-requests 200000] [--no-doc]');
    process.exit(0);
  }
  return {
    seconds: num('--seconds', 60),
    users: num('--users', 50),
    accounts: num('--accounts', 100_000),
    reps: num('--reps', 500),
    maxRequests: num('--max-requests', 200_000),
    doc: !argv.includes('--no-doc'),
  };
}

type RouteStats = { route: string; requests: number; errors: number; p50: number; p99: number; max: number };

function byRoute(samples: Sample[]): RouteStats[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) (groups.get(s.route) ?? groups.set(s.route, []).get(s.route)!).push(s);
  return [...groups.entries()].map(([route, xs]) => {
    const ms = xs.map((x) => x.ms);
    return { route, requests: xs.length, errors: xs.filter((x) => !x.ok).length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms) };
  });
}

async function main() {
  const opt = args();
  const m = machine();
  const dir = mkdtempSync(join(tmpdir(), 'pipegrade-load-'));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  const clusterDir = join(dir, 'pg');
  const cluster = await openCluster(clusterDir, MEASURE_SETTINGS);
  const problems: string[] = [];
  try {
    m.postgres = cluster.bin.version;
    const info = await ensurePgData(cluster, opt.accounts);
    const url = cluster.url(PG_DATABASE);
    log(`load: ${fmtInt(info.accounts)} accounts, ${fmtInt(info.signals)} signals generated in ${info.totalSeconds} s`);
    const team = await prepareTeam(url, { reps: opt.reps, managers: 10 });
    log(`load: ${team.reps} reps and ${team.managers} managers own them; re-graded as of ${BENCH_AS_OF} (${fmtInt(team.regrade.updated)} of ${fmtInt(team.regrade.scanned)} open prospects updated) in ${team.seconds} s`);

    // 50 people: four fifths reps (a quarter of them level 4), a fifth managers.
    const managers = Math.max(1, Math.round(opt.users / 5));
    const reps = opt.users - managers;
    const seniors = Math.max(1, Math.round(reps / 4));
    const people = await simUsers(url, { seniors, juniors: reps - seniors, managers });

    const app = await startServer('app-server.ts', { DATABASE_URL: url, DB_POOL_MAX: '10' });
    const base = `http://127.0.0.1:${app.port}`;
    const manager = people.find((p) => p.role === 'manager')!;
    const reviewStatus = (await fetch(`${base}/review`, { headers: { cookie: manager.cookie }, redirect: 'manual' }).then(async (r) => (await r.text(), r.status))) as number;
    const importForm = await findImportForm(base, manager.cookie);
    log(`load: GET /review answers ${reviewStatus}${reviewStatus === 200 ? ' (in the mix)' : ' (left out)'}; import form: ${importForm ? `${importForm.page} → ${importForm.action}` : 'none (left out)'}`);

    const runId = Date.now().toString(36);
    const run = new LoadRun({ base, deadline: Date.now() + opt.seconds * 1000, maxRequests: opt.maxRequests, review: reviewStatus === 200, repThink: [250, 1000], managerThink: [5000, 10000], runId, seed: 20260516 });
    const started = performance.now();
    log(`load: ${people.length} people for ${opt.seconds} s against ${base}`);
    const loops: Promise<unknown>[] = people.map((p, i) => (p.role === 'rep' ? run.rep(p, i) : run.manager(p, i)));
    const importJob = importForm ? run.importer(manager, importForm, IMPORT_ROWS) : Promise.resolve(null);
    loops.push(importJob);
    await Promise.all(loops);
    const importId = await importJob;
    const seconds = (performance.now() - started) / 1000;
    const memory = await app.memory();
    await app.stop();

    const samples = run.samples;
    const errors = samples.filter((s) => !s.ok);
    const routes = byRoute(samples);
    for (const e of errors.slice(0, 10)) problems.push(`request failed: ${e.route} ${e.detail}`);
    if (errors.length > 10) problems.push(`… and ${errors.length - 10} more failed requests`);

    // Exactly once: each acknowledged signal stored once, none twice.
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    let stored: { note: string; n: number }[];
    let imported: { status: string; accounts: number } | null = null;
    try {
      stored = await sql<{ note: string; n: number }[]>`select note, count(*)::int as n from signals where note like ${`load ${runId} %`} group by note`;
      if (importId) {
        const [job] = await sql<{ status: string }[]>`select status from import_jobs where id = ${importId}`;
        const [n] = await sql<{ n: number }[]>`select count(*)::int as n from accounts where domain like ${`load-import-${runId}-%`}`;
        imported = { status: job?.status ?? 'missing', accounts: n!.n };
        if (imported.status !== 'done' || imported.accounts !== IMPORT_ROWS) problems.push(`the import ended ${imported.status} with ${imported.accounts} of ${IMPORT_ROWS} accounts`);
      }
    } finally {
      await sql.end();
    }
    const count = new Map(stored.map((s) => [s.note, s.n]));
    const acked = run.logged.filter((l) => l.acknowledged);
    const missing = acked.filter((l) => count.get(l.note) !== 1);
    const twice = stored.filter((s) => s.n > 1);
    const unacked = stored.filter((s) => !acked.some((l) => l.note === s.note));
    if (missing.length) problems.push(`${missing.length} acknowledged signals not stored exactly once (e.g. ${missing[0]!.note})`);
    if (twice.length) problems.push(`${twice.length} signals stored more than once (e.g. ${twice[0]!.note})`);
    if (unacked.length) problems.push(`${unacked.length} signals stored whose request failed (e.g. ${unacked[0]!.note})`);

    // Grades: the touched accounts against the pure grader, audit rows of the new signals, counters.
    const touched = [...new Set(run.logged.map((l) => l.account))];
    const database = await openPostgres(url, { max: 2 });
    try {
      const found = await checkIntegrity(database.db, { today: BENCH_AS_OF, accountIds: touched, signalsAfterId: team.maxSignalId });
      problems.push(...found.slice(0, 10));
    } finally {
      await database.close();
    }
    // And a daily re-grade of every open prospect, on a copy, finds nothing to change.
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database load_copy template ${PG_DATABASE}`);
    await admin.end();
    const copy = await openPostgres(cluster.url('load_copy'), { max: 2 });
    let regrade;
    try {
      regrade = await regradeOpenProspects(copy.db, { asOf: BENCH_AS_OF, actor: 'load test check' });
    } finally {
      await copy.close();
    }
    if (regrade.updated) problems.push(`a fresh daily re-grade changed ${regrade.updated} of ${regrade.scanned} open prospects (it should change none)`);

    const total = samples.length;
    const writes = samples.filter((s) => s.route.startsWith('POST /prospects/:id/signals'));
    const summary = [
      `${fmtInt(total)} requests in ${fmt(seconds, 1)} s (${fmtInt(total / seconds)} req/s), ${errors.length} errors; ${fmtInt(acked.length)} signals logged, ${fmtInt(stored.length)} stored (each once: ${missing.length + twice.length + unacked.length ? 'NO' : 'yes'}).`,
      `Grades: ${fmtInt(touched.length)} touched accounts re-graded by the pure grader from their signals, and a daily re-grade of all ${fmtInt(regrade.scanned)} open prospects on a copy of the database (${fmtInt(regrade.updated)} updated): ${problems.some((p) => /account|re-grade|audit|counts/.test(p)) ? 'DIFFERENCES' : 'no difference'}.`,
    ];
    const rows = routes
      .sort((a, b) => b.requests - a.requests)
      .map((r) => [r.route, fmtInt(r.requests), fmtMs(r.p50), `**${fmtMs(r.p99)}**`, fmtMs(r.max), r.errors ? `**${r.errors}**` : '0']);
    const md = [
      '### 10. Load test: a realistic mix, PostgreSQL (`npm run load`)',
      '',
      `Data: ${fmtInt(info.accounts)} accounts (${fmtInt(info.openProspects)} open prospects, ${fmtInt(info.signals)} signals; bench/load.ts's generator) owned by ${team.reps} reps over four levels as the ownership rules would have it, ${team.managers} managers, re-graded as of the app's date ${BENCH_AS_OF}; a throwaway cluster (PostgreSQL ${cluster.bin.version}, fsync on, shared_buffers 1 GB). The app (createApp over postgres.js, pool of 10) in its own process; ${people.length} people in the runner process for ${fmt(seconds, 0)} s, each with their own session (createSession), all on 127.0.0.1: ${reps} reps (${seniors} of level 4, who also log timing signals; the others log touches) each listing their own prospects, opening one and logging a signal on it — a form post with the redirect it answers, or an htmx post every other time — and every fifth round their home page, 0.25–1 s between requests; ${managers} managers opening ${reviewStatus === 200 ? '/territory, /review' : '/territory'}, the A list and the team's home page, 5–10 s apart${reviewStatus === 200 ? '' : ` (GET /review answered ${reviewStatus}: left out)`}. ${importForm ? `A manager imports a CSV of ${IMPORT_ROWS} new prospects meanwhile, through the pages (upload, the proposed mapping, confirm after the dry run, following the job page): ${imported ? `it ended \`${imported.status}\` with ${fmtInt(imported.accounts)} accounts` : 'the upload did not start a job'}.` : 'No import: the app has no import upload form yet (checked /imports, /import).'}`,
      '',
      table(['route', 'requests', 'p50', 'p99', 'max', 'errors'], rows),
      '',
      `**${fmtInt(total)} requests, ${errors.length} errors** (goal 0 ${errors.length ? '**missed**' : 'met'}); ${fmtInt(writes.length)} signal posts. ${summary.join(' ')} App process after the run: RSS ${fmtInt(memory.rss / 1024 / 1024)} MiB.`,
      '',
      machineLine(m, opt.accounts >= 100_000 && opt.seconds >= 60 ? 'full' : 'small'),
    ].join('\n');
    console.log(`\n${md}\n`);
    if (opt.doc) writeSection('load', opt.accounts >= 100_000 && opt.seconds >= 60 ? 'full' : 'small', md);
  } finally {
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${clusterDir}.json`, { force: true });
  }
  if (problems.length) {
    console.error(`Load test FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('Load test passed: no errors, every signal stored once, every grade as a fresh re-grade computes.');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
