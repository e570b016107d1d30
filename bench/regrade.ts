// 2. The daily re-grade, regradeOpenProspects(db, { asOf }), on a copy of the generated
// database (graded as of DATA_AS_OF): first run as of BENCH_AS_OF (46 days later, so many rows
// change), then the idempotent second run for the same day, then a run for the next day (the
// job's usual daily work: the rows whose close window or slip state moved by a day). The copy keeps the cached
// database untouched: PostgreSQL clones it with CREATE DATABASE ... TEMPLATE, PGlite copies
// its data folder.

import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { openPglite, openPostgres, query, type Database } from '../src/db/client.ts';
import { regradeOpenProspects, type RegradeStats } from '../src/grading/daily-regrade.ts';
import { sql } from 'drizzle-orm';
import { BENCH_AS_OF, DATA_AS_OF, OUT } from './config.ts';
import { addDays } from '../src/shared/dates.ts';
import { PG_DATABASE } from './load.ts';
import type { PgCluster } from './pg-cluster.ts';
import { resetStatements, shortSql, topStatements, type StatementStat } from './pgstat.ts';
import { fmt, fmtInt, fmtMs, goal, log, table } from './stats.ts';

export type RegradeResult = {
  driver: 'postgres' | 'pglite';
  copyMs: number;
  openProspects: number;
  /** statements: server time per statement (pg_stat_statements), PostgreSQL only. */
  runs: (RegradeStats & { wallMs: number; gradeChangesAfter: number; statements?: StatementStat[] })[];
  probe?: WriteProbe;
};

export type WriteProbe = { rows: number; variants: { name: string; ms: number }[]; plan: string };

async function twice(database: Database, driver: RegradeResult['driver'], copyMs: number, statsUrl?: string): Promise<RegradeResult> {
  const [{ n }] = (await query<{ n: number }>(database.db, sql`select count(*)::int as n from accounts where kind = 'prospect' and status = 'open'`)) as [{ n: number }];
  const result: RegradeResult = { driver, copyMs, openProspects: n, runs: [] };
  // The first run catches up 46 days (a worst case: many rows move); the second repeats the same
  // day (writes nothing: the read+grade floor); the third is what the job does every day.
  const runs = [['first', BENCH_AS_OF], ['second', BENCH_AS_OF], ['next day', addDays(BENCH_AS_OF, 1)]] as const;
  for (const [label, asOf] of runs) {
    if (statsUrl) await resetStatements(statsUrl);
    const t = performance.now();
    const stats = await regradeOpenProspects(database.db, { asOf });
    const wallMs = performance.now() - t;
    const statements = statsUrl ? await topStatements(statsUrl, 6) : undefined;
    const [{ c }] = (await query<{ c: number }>(database.db, sql`select count(*)::int as c from grade_changes`)) as [{ c: number }];
    log(`  ${driver} ${label} run: ${fmtMs(wallMs)}, scanned ${fmtInt(stats.scanned)}, updated ${fmtInt(stats.updated)}, changed ${fmtInt(stats.changed)}`);
    for (const st of statements ?? []) log(`    ${fmtMs(st.totalMs)} in ${st.calls} × ${shortSql(st.query, 90)}`);
    result.runs.push({ ...stats, wallMs, gradeChangesAfter: c, statements });
  }
  return result;
}

export async function runRegradePg(cluster: PgCluster): Promise<RegradeResult> {
  const copy = `${PG_DATABASE}_regrade`;
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    const t = performance.now();
    await admin.unsafe(`drop database if exists ${copy} with (force)`);
    await admin.unsafe(`create database ${copy} template ${PG_DATABASE} strategy file_copy`);
    const copyMs = performance.now() - t;
    log(`  cloned the database for the re-grade in ${fmtMs(copyMs)}`);
    // The clone has the template's statistics and visibility map (they live in its files).
    const database = await openPostgres(cluster.url(copy), { max: 10 });
    let result: RegradeResult;
    try {
      result = await twice(database, 'postgres', copyMs, cluster.url(copy));
    } finally {
      await database.close();
    }
    result.probe = await writeProbe(cluster.url(copy));
    return result;
  } finally {
    await admin.unsafe(`drop database if exists ${copy} with (force)`).catch(() => {});
    await admin.end({ timeout: 5 });
  }
}

export async function runRegradePglite(dataDir: string): Promise<RegradeResult> {
  const copy = join(OUT, 'pglite-regrade-tmp');
  rmSync(copy, { recursive: true, force: true });
  try {
    const t = performance.now();
    cpSync(dataDir, copy, { recursive: true });
    const copyMs = performance.now() - t;
    const database = await openPglite({ dataDir: copy });
    try {
      return await twice(database, 'pglite', copyMs);
    } finally {
      await database.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * What one batch's UPDATE costs and why: the daily re-grade's statement on 5,000 open prospects
 * (each row's grade rotated, so every row really changes), in a transaction rolled back each
 * time; with every index, without the trigram GIN indexes, and without any secondary index
 * (dropped inside the rolled-back transaction).
 */
async function writeProbe(url: string): Promise<WriteProbe> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: number; grade: string; fit: number | null; close_by: string | null; flags: string[]; reason: string; slip_count: number }[]>`
      select id, grade, fit, close_by::text, flags, reason, slip_count from accounts
      where kind = 'prospect' and status = 'open' and id > (select max(id) / 3 from accounts) order by id limit 5000`;
    const next: Record<string, string> = { A: 'B', B: 'C', C: 'D', D: 'A' };
    const updates = (rows.map((r) => ({ ...r, grade: next[r.grade] ?? 'D', reason: `${r.reason} (probe)` })));
    // postgres.js serialises the array for the jsonb parameter itself (a string would be sent as a JSON string).
    const statement = `
      update accounts a set
        grade = v.grade, fit = v.fit, close_by = v.close_by, flags = v.flags, reason = v.reason,
        slip_count = v.slip_count, graded_on = '${BENCH_AS_OF}'::date, policy_version = 1
      from jsonb_to_recordset($1::jsonb)
        as v(id int, grade text, fit float8, close_by date, flags text[], reason text, slip_count int)
      where a.id = v.id`;
    const indexes = await sql<{ name: string; trgm: boolean }[]>`
      select c.relname as name, pg_get_indexdef(i.indexrelid) like '%gin_trgm_ops%' as trgm
      from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'accounts'::regclass and not i.indisprimary`;
    const variants: WriteProbe['variants'] = [];
    let plan = '';
    for (const [name, drop] of [
      ['all indexes', [] as string[]],
      [`without the ${indexes.filter((i) => i.trgm).length} trigram GIN index(es)`, indexes.filter((i) => i.trgm).map((i) => i.name)],
      ['without any secondary index', indexes.map((i) => i.name)],
      ['all indexes (again)', [] as string[]],
    ] as const) {
      await sql
        .begin(async (tx) => {
          for (const ix of drop) await tx.unsafe(`drop index ${ix}`);
          const t = performance.now();
          const out = await tx.unsafe(`explain (analyze, buffers) ${statement}`, [updates as never]);
          variants.push({ name, ms: performance.now() - t });
          if (!plan) plan = out.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
          throw new RollbackProbe();
        })
        .catch((e: unknown) => {
          if (!(e instanceof RollbackProbe)) throw e;
        });
      log(`  write probe, ${name}: ${fmtMs(variants[variants.length - 1]!.ms)} for ${rows.length} rows`);
    }
    return { rows: rows.length, variants, plan };
  } finally {
    await sql.end();
  }
}

class RollbackProbe extends Error {}

export function regradeMarkdown(r: RegradeResult, opts: { title: string; goalMs?: number; scaleNote: string }): string {
  const rows = r.runs.map((x, i) => [
    i === 0 ? `first (data graded ${DATA_AS_OF}, re-graded as of ${x.asOf})` : i === 1 ? `second, same day (idempotent)` : `next day (${x.asOf}: the daily job's usual work)`,
    `**${fmtMs(x.wallMs)}**`,
    fmtInt(x.scanned),
    fmtInt(x.updated),
    fmtInt(x.changed),
    fmtInt((x.scanned / x.wallMs) * 1000),
  ]);
  const first = r.runs[0]!;
  const lines = [
    opts.title,
    '',
    `${opts.scaleNote ? `${opts.scaleNote} ` : ''}${fmtInt(r.openProspects)} open prospects. \`regradeOpenProspects(db, { asOf: '${BENCH_AS_OF}' })\` with its default batch of 5,000, on a copy of the generated database (copy made in ${fmtMs(r.copyMs)}, not counted).`,
    '',
    table(['run', 'time', 'scanned', 'rows updated', 'grade changes recorded', 'prospects/s'], rows),
  ];
  r.runs.forEach((x, i) => {
    if (!x.statements?.length) return;
    const db = x.statements.reduce((s, st) => s + st.totalMs, 0);
    lines.push(
      '',
      `Server time per statement in the ${i === 0 ? 'first' : i === 1 ? 'second' : 'next-day'} run (pg_stat_statements): ${fmtMs(db)} in PostgreSQL of ${fmtMs(x.wallMs)} wall (${fmt((db / x.wallMs) * 100, 0)} %); the rest is the Node side (drizzle, grading, building the reason lines and explanations, round trips).`,
      '',
      table(['statement', 'calls', 'total', 'mean', 'share of wall'], x.statements.map((st) => [`\`${shortSql(st.query)}\``, fmtInt(st.calls), fmtMs(st.totalMs), fmtMs(st.meanMs), `${fmt((st.totalMs / x.wallMs) * 100, 0)} %`])),
    );
  });
  if (r.probe) {
    const p = r.probe;
    lines.push(
      '',
      `One batch's UPDATE (${fmtInt(p.rows)} rows, the re-grade's own statement, rolled back): ${p.variants.map((v) => `${v.name} ${fmtMs(v.ms)}`).join('; ')}.`,
      '',
      '<details><summary>Plan of the batch UPDATE</summary>',
      '',
      '```',
      p.plan,
      '```',
      '',
      '</details>',
    );
  }
  if (opts.goalMs) {
    const next = r.runs[2];
    lines.push('', `Goal ≤ ${opts.goalMs / 1000} s at 1,000,000 prospects: ${goal(first.wallMs <= opts.goalMs && r.runs.every((x) => x.wallMs <= opts.goalMs!))} (first run ${fmtMs(first.wallMs)}, second ${fmtMs(r.runs[1]!.wallMs)}${next ? `, next day ${fmtMs(next.wallMs)}` : ''}). The second run reads and grades every row but writes nothing, so it is the read+grade floor; the difference to the first run is the cost of the writes${next ? `; the next-day run is what the daily job costs on an ordinary day (${fmtInt(next.updated)} rows rewritten, ${fmtInt(next.changed)} grade changes)` : ''}.`);
  }
  return lines.join('\n');
}
