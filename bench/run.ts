// npm run bench -- [--scale small|full] [--only NAME[,NAME...]] [--regen] [--seconds N] [--connections N] [--no-convert]
//
// Generates its own data (cached under bench/.out/, git-ignored), measures, and writes each
// benchmark's figures with the machine and date into docs/benchmarks.md (a marked section per
// benchmark and scale). Benchmarks (--only): grading, regrade, retier, pages-pg, pages-pglite, memory, planner, territory, review, import.
// planner: the pure territory balance planner on generated teams, in memory (no database).
// territory: the territory page and a balance plan end to end through the app (its own database).
// import: CSV files of 100,000 and 1,048,576 rows imported end to end through the app (its own database), beside COPY.
// retier: re-tiering every customer (its own database), then prospect conversions under load
// through the app (skip these with --no-convert).
// PostgreSQL runs in a throwaway-settings cluster this script starts (as the postgres user when
// root) on 127.0.0.1 and always stops. Every load is bounded in time and targets 127.0.0.1 only.

import { mkdirSync, readFileSync } from 'node:fs';
import postgres from 'postgres';
import { OUT, SCALES, type Scale, type ScaleName } from './config.ts';
import { writeSection } from './doc.ts';
import { gradingMarkdown, runGradingBench } from './grading.ts';
import { plannerMarkdown, runPlannerBench } from './planner.ts';
import { ensureReviewData, reviewMarkdown, runReviewPages, runSnapshotBench, savedReviewPart, saveReviewPart, type ReviewPageBench, type SnapshotBench } from './review.ts';
import { runTerritory, territoryMarkdown } from './territory.ts';
import { importMarkdown, runImportBench } from './import.ts';
import { deepPagesPg, explainPg, pagesMarkdown, pgCookie, runPagesPg, samplePgIds, type PagesPgResult } from './http.ts';
import { benchCookie } from './session.ts';
import { ensurePgData, ensurePgliteData, PG_DATABASE, pgliteDir, type LoadInfo } from './load.ts';
import { machine, machineLine, type Machine } from './machine.ts';
import { MEASURE_SETTINGS, openCluster, type PgCluster } from './pg-cluster.ts';
import { loadAppProcess, measureStartup, memoryStartupMarkdown, pglitePagesMarkdown, runPglitePages, type AppLoadResult, type StartupResult } from './pglite.ts';
import { regradeMarkdown, runRegradePg, runRegradePglite } from './regrade.ts';
import { convertMarkdown, ensureRetierData, retierMarkdown, runConvert, runRetier } from './retier.ts';
import { fmtInt, log, table } from './stats.ts';
import { join } from 'node:path';

const BENCHES = ['grading', 'regrade', 'retier', 'pages-pg', 'pages-pglite', 'memory', 'planner', 'territory', 'review', 'import'] as const;
type Bench = (typeof BENCHES)[number];

function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`npm run bench -- [--scale small|full] [--only ${BENCHES.join(',')}] [--regen] [--seconds N] [--connections N] [--no-convert]`);
    process.exit(0);
  }
  const scaleName = (get('--scale') ?? 'small') as ScaleName;
  if (!(scaleName in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  const only = get('--only')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...BENCHES];
  for (const o of only) if (!BENCHES.includes(o as Bench)) throw new Error(`--only: unknown benchmark "${o}" (known: ${BENCHES.join(', ')})`);
  const scale: Scale = { ...SCALES[scaleName] };
  const seconds = get('--seconds');
  if (seconds) scale.httpSeconds = scale.pgliteSeconds = Number(seconds);
  const connections = get('--connections');
  if (connections) scale.connections = Number(connections);
  // --review snapshot|pages: one part of the review benchmark only.
  const reviewParts = new Set(get('--review')?.split(',') ?? ['snapshot', 'pages']);
  return { scale, only: new Set(only as Bench[]), regen: argv.includes('--regen'), convert: !argv.includes('--no-convert'), reviewParts };
}

function dataNote(info: LoadInfo, where: string): string {
  return (
    `Data: ${fmtInt(info.accounts)} accounts in ${where} (${fmtInt(info.prospects)} prospects, ${fmtInt(info.openProspects)} open; ${fmtInt(info.signals)} signals; ${fmtInt(info.gradeChanges)} grade changes; ${info.sizes.database}), ` +
    `graded as of ${info.dataAsOf}.`
  );
}

function generationMarkdown(pg: LoadInfo | undefined, pglite: LoadInfo | undefined): string {
  const rows: string[][] = [];
  const row = (name: string, i: LoadInfo) => [
    name,
    fmtInt(i.accounts),
    fmtInt(i.signals),
    fmtInt(i.gradeChanges),
    `**${i.totalSeconds} s**`,
    `${i.copySeconds} s`,
    `${i.indexSeconds} s`,
    `${i.vacuumSeconds} s`,
    Object.entries(i.sizes).map(([k, v]) => `${k} ${v}`).join(', '),
    i.generatedAt.slice(0, 16).replace('T', ' '),
  ];
  if (pg) rows.push(row('PostgreSQL', pg));
  if (pglite) rows.push(row('PGlite', pglite));
  const slowest = (i: LoadInfo) =>
    Object.entries(i.indexTimes)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ');
  return [
    '### Test data',
    '',
    'Generated by bench/datagen.ts (seeded, so every run at a scale has the same data): varied firmographics (some unknown), 5–10 signals per account over up to two years before the data date (about a third timing signals), graded in JS with the app\'s grader while generating, so the grade and summary columns are what the app would store; a quarter of the accounts have 1–3 grade changes. Loaded by bench/load.ts with COPY after dropping the secondary indexes and foreign keys and disabling the account_counts triggers; then the counters are filled by the migration\'s own backfill statement (the INSERT … SELECT at the end of drizzle/0004), the indexes and keys are re-created from their catalog definitions, VACUUM ANALYZE runs, and the counters are checked against the rows (per kind, status and grade). The generated data are cached in bench/.out/ and reused by later runs, with migrations added since applied on top (then ANALYZE and the same check).',
    pg ? `PostgreSQL: ${pg.settingsNote}.` : '',
    '',
    table(['database', 'accounts', 'signals', 'grade changes', 'generation total', 'generate + COPY', 'counters, indexes, FKs', 'vacuum analyze', 'size', 'generated (UTC)'], rows),
    '',
    ...[pg && ['PostgreSQL', pg] as const, pglite && ['PGlite', pglite] as const].flatMap((x) =>
      x && x[1].migratedOnReuse?.length
        ? [`${x[0]}: the cached data were migrated forward on reuse: ${x[1].migratedOnReuse.map((m) => `${m.tags.join(', ')} at ${m.at.slice(0, 16).replace('T', ' ')} in ${m.seconds} s, then ANALYZE in ${m.analyzeSeconds} s`).join('; ')}. The size is as after that.`]
        : [],
    ),
    pg ? `Slowest index builds (PostgreSQL): ${slowest(pg)}.` : '',
    pglite ? `Slowest index builds (PGlite): ${slowest(pglite)}.` : '',
  ]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n');
}

async function main() {
  const { scale, only, regen, convert, reviewParts } = parseArgs(process.argv.slice(2));
  mkdirSync(OUT, { recursive: true });
  const m: Machine = machine();
  const started = performance.now();
  log(`scale ${scale.name}: ${[...only].join(', ')}`);
  const section = (name: string, md: string) => {
    writeSection(name, scale.name, `${md}\n\n${machineLine(m, scale.name)}`);
    log(`  wrote section ${name}:${scale.name} to docs/benchmarks.md`);
  };
  const full = scale.name === 'full';

  if (only.has('grading')) {
    log('1. pure grading throughput');
    section('grading', gradingMarkdown(runGradingBench(scale)));
  }

  if (only.has('planner')) {
    log('8. territory balance planner');
    section('planner', plannerMarkdown(runPlannerBench(scale)));
  }

  let pgInfo: LoadInfo | undefined;
  let pgPages: PagesPgResult | undefined;
  let pgStartup: StartupResult | undefined;
  let pgMemory: { memory: NodeJS.MemoryUsage; source: string } | undefined;
  const needPg = only.has('regrade') || only.has('pages-pg') || only.has('memory');
  if (needPg) {
    let cluster: PgCluster | undefined;
    try {
      cluster = await openCluster(join(OUT, `pg-${scale.name}`), MEASURE_SETTINGS);
      pgInfo = await ensurePgData(cluster, scale.pgAccounts, { regen });
      const url = cluster.url(PG_DATABASE);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [v] = await sql`select current_setting('server_version') as v`;
      await sql.end();
      m.postgres = String(v!.v);
      const note = dataNote(pgInfo, `PostgreSQL ${m.postgres}`) + ` Server settings for the measurements: ${Object.entries(MEASURE_SETTINGS).map(([k, val]) => `${k}=${val}`).join(', ')}, fsync on, everything else default.`;

      if (only.has('regrade')) {
        log('2. daily re-grade, PostgreSQL');
        const r = await runRegradePg(cluster);
        section('regrade', regradeMarkdown(r, { title: '### 2. Daily re-grade in PostgreSQL', goalMs: full ? 60_000 : undefined, scaleNote: note }));
      }
      const ids = await samplePgIds(url, 5000);
      if (only.has('pages-pg')) {
        log('3. pages under load, PostgreSQL: app vs bare server');
        const deep = await deepPagesPg(url);
        log(`   deep pages: default order page ${deep.all}, after=${deep.cursor}; grade B page ${deep.gradeB}, after=${deep.cursorB}`);
        pgPages = await runPagesPg(url, scale, deep, ids);
        log('   EXPLAIN ANALYZE of the statements');
        const explain = await explainPg(url, deep, pgPages.captured, ids[0]!);
        section('pages-pg', pagesMarkdown(pgPages, { title: '### 3. Prospects list and prospect page under load, PostgreSQL', scaleNote: note, goals: full, explain }));
        pgMemory = { memory: pgPages.appMemory, source: 'autocannon on all the cases of benchmark 3' };
      }
      if (only.has('memory')) {
        log('5. memory and start-up, PostgreSQL');
        if (!pgMemory) {
          const load = await loadAppProcess({ DATABASE_URL: url }, ids, scale, await pgCookie(url));
          pgMemory = { memory: load.memory, source: 'autocannon on the list and prospect pages' };
        }
        pgStartup = await measureStartup({ DATABASE_URL: url }, scale.startupRuns);
        log(`  start-up on PostgreSQL: median ${Math.round(pgStartup.median)} ms`);
      }
    } finally {
      cluster?.stop();
      log('PostgreSQL stopped');
    }
  }

  if (only.has('retier')) {
    let cluster: PgCluster | undefined;
    try {
      cluster = await openCluster(join(OUT, `pg-${scale.name}`), MEASURE_SETTINGS);
      const info = await ensureRetierData(cluster, scale, { regen });
      const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      const [v] = await admin`select current_setting('server_version') as v`;
      await admin.end();
      m.postgres = String(v!.v);
      log('6. re-tiering every customer, PostgreSQL');
      const r = await runRetier(cluster, info);
      section('retier', retierMarkdown(r, { goalMs: full ? 60_000 : undefined }));
      if (convert) {
        log('7. prospect conversions under load, PostgreSQL');
        section('convert', convertMarkdown(await runConvert(cluster, info, scale)));
      }
    } finally {
      cluster?.stop();
      log('PostgreSQL stopped');
    }
  }

  if (only.has('territory')) {
    let cluster: PgCluster | undefined;
    try {
      cluster = await openCluster(join(OUT, `pg-${scale.name}`), MEASURE_SETTINGS);
      log('9. the territory page and a balance plan end to end, PostgreSQL');
      section('territory', territoryMarkdown(await runTerritory(cluster, scale), { goals: full }));
    } finally {
      cluster?.stop();
      log('PostgreSQL stopped');
    }
  }

  if (only.has('import')) {
    let cluster: PgCluster | undefined;
    try {
      cluster = await openCluster(join(OUT, `pg-${scale.name}`), MEASURE_SETTINGS);
      log('10. CSV import end to end, PostgreSQL');
      section('import', importMarkdown(await runImportBench(cluster, scale), { goals: full }));
    } finally {
      cluster?.stop();
      log('PostgreSQL stopped');
    }
  }

  if (only.has('review')) {
    let cluster: PgCluster | undefined;
    try {
      cluster = await openCluster(join(OUT, `pg-${scale.name}`), MEASURE_SETTINGS);
      // The generated database, migrated forward: the snapshot benchmark clones it.
      pgInfo ??= await ensurePgData(cluster, scale.pgAccounts, { regen });
      const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      const [v] = await admin`select current_setting('server_version') as v`;
      await admin.end();
      m.postgres = String(v!.v);
      let snap: SnapshotBench | undefined, pages: ReviewPageBench | undefined;
      if (reviewParts.has('snapshot')) {
        log(`9. the weekly snapshot of ${fmtInt(pgInfo.accounts)} accounts, PostgreSQL`);
        snap = await runSnapshotBench(cluster);
        saveReviewPart(scale, 'snapshot', snap);
      }
      if (reviewParts.has('pages')) {
        log('9. the review page under load, PostgreSQL: app, bare server and the list page');
        const info = await ensureReviewData(cluster, scale, { regen });
        pages = await runReviewPages(cluster, scale, info);
        saveReviewPart(scale, 'pages', pages);
      }
      // A part not run this time keeps its last figures, marked as such.
      const fresh = { snapshot: !!snap, pages: !!pages };
      section('review', reviewMarkdown(snap ?? savedReviewPart<SnapshotBench>(scale, 'snapshot'), pages ?? savedReviewPart<ReviewPageBench>(scale, 'pages'), { full, fresh }));
    } finally {
      cluster?.stop();
      log('PostgreSQL stopped');
    }
  }

  let pgliteInfo: (LoadInfo & { dataDir: string }) | undefined;
  let pgliteLoad: AppLoadResult | undefined;
  let pgliteStartup: StartupResult | undefined;
  if (only.has('pages-pglite') || only.has('memory')) {
    pgliteInfo = await ensurePgliteData(scale.name, scale.pgliteAccounts, { regen });
    const note = dataNote(pgliteInfo, 'PGlite');
    if (only.has('pages-pglite')) {
      log('4. pages in-process on PGlite: app.request() vs bare queries');
      const r = await runPglitePages(pgliteInfo.dataDir, scale);
      m.pglitePostgres = r.postgresVersion;
      log('   daily re-grade on PGlite (a copy of the folder)');
      const rg = await runRegradePglite(pgliteInfo.dataDir);
      section(
        'pages-pglite',
        pglitePagesMarkdown(r, { title: '### 4. The same pages on PGlite (in-process)', scaleNote: note }) +
          '\n\n' +
          regradeMarkdown(rg, { title: '#### The daily re-grade on PGlite (for reference)', scaleNote: '' }),
      );
    }
    if (only.has('memory')) {
      log('5. memory and start-up, PGlite');
      const { openPglite, query } = await import('../src/db/client.ts');
      const { sql: dsql } = await import('drizzle-orm');
      const database = await openPglite({ dataDir: pgliteInfo.dataDir });
      let ids: number[], cookie: string | undefined;
      try {
        ids = (await query<{ id: number }>(database.db, dsql`select id from accounts where kind = 'prospect' and status = 'open' order by random() limit 5000`)).map((r) => r.id);
        cookie = await benchCookie(database.db);
      } finally {
        await database.close();
      }
      pgliteLoad = await loadAppProcess({ DATA_DIR: pgliteInfo.dataDir }, ids, scale, cookie);
      pgliteStartup = await measureStartup({ DATA_DIR: pgliteInfo.dataDir, DATABASE_URL: '' }, scale.startupRuns);
      log(`  start-up on PGlite: median ${Math.round(pgliteStartup.median)} ms`);
    }
  }

  if (only.has('memory')) {
    log('5. start-up baseline (tsx + node:http)');
    const baseline = await measureStartup({}, scale.startupRuns, 'bench/servers/hello.ts');
    section(
      'memory',
      memoryStartupMarkdown({
        title: '### 5. Memory and start-up',
        pg: pgMemory && pgInfo ? { ...pgMemory, startup: pgStartup, accounts: pgInfo.accounts } : undefined,
        pglite: pgliteLoad && pgliteInfo ? { load: pgliteLoad, startup: pgliteStartup, accounts: pgliteInfo.accounts } : undefined,
        baseline,
      }),
    );
  }
  // Both databases' generation records, from this run or from the cache files.
  const cachedInfo = (file: string): LoadInfo | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as LoadInfo;
    } catch {
      return undefined;
    }
  };
  const pgRecord = pgInfo ?? cachedInfo(join(OUT, `pg-${scale.name}.json`));
  const pgliteRecord = pgliteInfo ?? cachedInfo(`${pgliteDir(scale.name)}.json`);
  // The re-tier benchmark has its own database (described in its section), the planner none: alone, they leave this one be.
  if ((pgRecord || pgliteRecord) && [...only].some((b) => b !== 'retier' && b !== 'planner' && b !== 'territory' && b !== 'import')) section('data', generationMarkdown(pgRecord, pgliteRecord));
  log(`done in ${Math.round((performance.now() - started) / 1000)} s; PGlite data in ${pgliteDir(scale.name)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
