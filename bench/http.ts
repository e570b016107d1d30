// 3. The prospects list and the prospect page under load on loopback, PostgreSQL: the real app
// (createApp, bench/servers/app-server.ts) beside a bare node:http + postgres.js server running
// the same SQL (bench/servers/bare-server.ts), each in its own process, measured in the same run
// with autocannon (fixed connections, bounded duration, 127.0.0.1 only). Cases alternate app /
// bare so that noise from other work on the machine hits both alike.

import autocannon from 'autocannon';
import postgres from 'postgres';
import { startServer, type ServerChild } from './child.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturePostgres, checkDeepPages, deepPages, inlined, pageCases, statementsFor, type Captured, type DeepPages, type PageCase, type Stmt } from './bare-queries.ts';
import { prng } from './datagen.ts';
import { OUT, type Scale } from './config.ts';
import { openPostgres } from '../src/db/client.ts';
import { benchCookie } from './session.ts';
import { quiesce, resetStatements, shortSql, topStatements, type StatementStat } from './pgstat.ts';
import { fmt, fmtInt, fmtMiB, fmtMs, goal, log, percentile, table } from './stats.ts';

export type LoadResult = { p50: number; p90: number; p99: number; max: number; rps: number; requests: number; non2xx: number; errors: number; seconds: number; cancelled?: number };

/** A bounded autocannon run against 127.0.0.1:port; latencies are kept raw for exact percentiles. */
export async function hammer(port: number, path: string | (() => string), seconds: number, connections: number, cookie?: string): Promise<LoadResult> {
  const samples: number[] = [];
  const pathOf = typeof path === 'string' ? () => path : path;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        timeout: 30,
        ...(cookie ? { headers: { cookie } } : {}),
        requests: [{ method: 'GET', path: pathOf(), setupRequest: (req) => ({ ...req, path: pathOf() }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
  });
  const ok = result['2xx'];
  if (!samples.length) samples.push(Infinity);
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
    rps: ok / result.duration,
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}

export type CaseResult = { case: PageCase; app: LoadResult; bare: LoadResult; appStatements: StatementStat[] };

export type PagesPgResult = {
  connections: number;
  seconds: number;
  deep: DeepPages;
  cases: CaseResult[];
  appMemory: NodeJS.MemoryUsage;
  bareMemory: NodeJS.MemoryUsage;
  poolMax: number;
  captured: Captured;
  /** Whether the app required sign-in, so every request carried the benchmark user's session cookie. */
  signedIn: boolean;
};

/** The app's statements for each case, captured on this database (see bench/bare-queries.ts). */
export async function capturePg(url: string, deep: DeepPages, templateId: number): Promise<Captured> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    const captured = await capturePostgres(sql, pageCases(deep), templateId);
    // As the bare server sends them (unnamed statements).
    await checkDeepPages((s: Stmt) => sql.unsafe(s.text, s.params as never[], { prepare: false }) as unknown as Promise<unknown[]>, captured, deep);
    return captured;
  } finally {
    await sql.end();
  }
}

/** Random open-prospect ids for the prospect page, the same sequence for app and bare server. */
export function idPicker(ids: readonly number[], seed: number): () => number {
  const rand = prng(seed);
  return () => ids[Math.floor(rand() * ids.length)]!;
}

export async function samplePgIds(url: string, n: number): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: number }[]>`select id from accounts tablesample system (5) where kind = 'prospect' and status = 'open' limit ${n}`;
    if (rows.length >= Math.min(n, 100)) return rows.map((r) => r.id);
    return (await sql<{ id: number }[]>`select id from accounts where kind = 'prospect' and status = 'open' order by random() limit ${n}`).map((r) => r.id);
  } finally {
    await sql.end();
  }
}

/** The benchmark user's session cookie in this database (undefined: the app has no sign-in). */
export async function pgCookie(url: string): Promise<string | undefined> {
  const database = await openPostgres(url, { max: 1 });
  try {
    return await benchCookie(database.db);
  } finally {
    await database.close();
  }
}

export async function deepPagesPg(url: string): Promise<DeepPages> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await deepPages((q) => sql.unsafe(q) as unknown as Promise<Record<string, unknown>[]>);
  } finally {
    await sql.end();
  }
}

export async function runPagesPg(url: string, scale: Scale, deep: DeepPages, ids: number[], poolMax = 10): Promise<PagesPgResult> {
  const captured = await capturePg(url, deep, Math.max(...ids));
  const file = join(OUT, 'bare-statements.json');
  writeFileSync(file, JSON.stringify({ captured, cases: pageCases(deep) }));
  const env = { DATABASE_URL: url, DB_POOL_MAX: String(poolMax), BARE_STATEMENTS: file };
  const cookie = await pgCookie(url);
  let app: ServerChild | undefined, bare: ServerChild | undefined;
  try {
    [app, bare] = await Promise.all([startServer('app-server.ts', env), startServer('bare-server.ts', env)]);
    // Every case must answer 200 on both servers before anything is measured (a page that now
    // redirects, e.g. to a sign-in, would otherwise be timed as a very fast page).
    for (const c of pageCases(deep)) {
      const path = c.prospect ? `/prospects/${ids[0]}` : c.path;
      for (const [who, server] of [['app', app], ['bare', bare]] as const) {
        const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${who} server: GET ${path} answered ${res.status}${res.headers.get('location') ? ` (to ${res.headers.get('location')})` : ''}, not 200: ${body.slice(0, 300)}`);
      }
    }
    const cases: CaseResult[] = [];
    for (const c of pageCases(deep)) {
      const pathFor = (seed: number) => (c.prospect ? ((pick) => () => `/prospects/${pick()}`)(idPicker(ids, seed)) : c.path);
      let appStatements: StatementStat[] = [];
      const one = async (who: 'app' | 'bare', server: ServerChild) => {
        await hammer(server.port, pathFor(1), scale.httpWarmupSeconds, scale.connections, cookie);
        if (who === 'app') await resetStatements(url);
        const r = await hammer(server.port, pathFor(2), scale.httpSeconds, scale.connections, cookie);
        if (who === 'app') appStatements = await topStatements(url, 4);
        const cancelled = await quiesce(url);
        log(`  ${c.name} ${who}: p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)} ${fmtInt(r.rps)} req/s${r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}${cancelled ? `; ${cancelled} statements still running were cancelled` : ''}`);
        return { ...r, cancelled };
      };
      const a = await one('app', app);
      const b = await one('bare', bare);
      cases.push({ case: c, app: a, bare: b, appStatements });
    }
    const [appMemory, bareMemory] = await Promise.all([app.memory(), bare.memory()]);
    return { connections: scale.connections, seconds: scale.httpSeconds, deep, cases, appMemory, bareMemory, poolMax, captured, signedIn: !!cookie };
  } finally {
    await Promise.all([app?.stop(), bare?.stop()]);
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of every statement of every case, as the app sends them. */
export async function explainPg(url: string, deep: DeepPages, captured: Captured, id: number): Promise<{ label: string; sql: string; plan: string; ms: number }[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const out: { label: string; sql: string; plan: string; ms: number }[] = [];
  try {
    for (const c of pageCases(deep)) {
      for (const [i, s] of statementsFor(captured, c.name, c.prospect ? id : undefined).entries()) {
        // Twice: the first warms the cache; the second is reported.
        await sql.unsafe(`explain (analyze, buffers) ${s.text}`, s.params as never[], { prepare: false });
        const rows = await sql.unsafe(`explain (analyze, buffers) ${s.text}`, s.params as never[], { prepare: false });
        const plan = rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
        const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
        const table = / from "(\w+)"/.exec(s.text)?.[1];
        const kind = table ? (/^select [^]*?(count|sum)\(/.test(s.text.split(' from ')[0]!) ? `counts from ${table}` : `rows of ${table}`) : `statement ${i + 1}`;
        out.push({ label: `${c.label}: ${kind}`, sql: inlined(s), plan, ms });
      }
    }
  } finally {
    await sql.end();
  }
  return out;
}

export function pagesMarkdown(r: PagesPgResult, opts: { title: string; scaleNote: string; goals: boolean; explain?: { label: string; sql: string; plan: string; ms: number }[] }): string {
  // No completed response in the run (every request slower than the run): say so rather than "n/a".
  const lat = (x: LoadResult, bold: boolean) =>
    x.requests === 0 || !Number.isFinite(x.p99) ? `none completed in ${r.seconds} s` : `${fmtMs(x.p50)} / ${bold ? `**${fmtMs(x.p99)}**` : fmtMs(x.p99)}`;
  const rows = r.cases.map(({ case: c, app, bare }) => [
    c.label,
    lat(app, true),
    `**${fmtInt(app.rps)}**`,
    lat(bare, false),
    fmtInt(bare.rps),
    bare.rps > 0 ? `**${fmt((app.rps / bare.rps) * 100, 0)} %**` : 'n/a',
    app.non2xx + app.errors + bare.non2xx + bare.errors ? `${app.non2xx + app.errors} / ${bare.non2xx + bare.errors}` : '0',
  ]);
  const lines = [
    opts.title,
    '',
    `${opts.scaleNote} autocannon in the runner process, ${r.connections} connections, ${r.seconds} s per case after a warm-up, 127.0.0.1; app and bare server each in their own Node process with a pool of ${r.poolMax} connections. ` +
      `Deep pages (70 % down): page ${fmtInt(r.deep.all)} of all open prospects in the default order and page ${fmtInt(r.deep.gradeB)} of grade B, each once by OFFSET (${fmtInt((r.deep.all - 1) * 50)} and ${fmtInt((r.deep.gradeB - 1) * 50)} rows: the page number alone, as the Prev link opens it) and once as the Next link opens it, with the keyset cursor of the row before it (\`after=${r.deep.cursor}\`, \`after=${r.deep.cursorB}\`); each pair checked to start at the same account. Statements still running when a run ends (requests autocannon abandoned at its deadline) are cancelled before the next run. Prospect pages are drawn at random from open prospects (same sequence for both servers). ` +
      `The bare server (node:http + postgres.js, JSON out) runs the statements the app sends, captured from the app's own query functions at the start of this run: ${pageCases(r.deep)
        .map((c) => `${c.name} ${r.captured.cases[c.name]?.length ?? 0}`)
        .join(', ')} statements per request.` +
      (r.signedIn ? ' The app requires sign-in: every request carries the session cookie of a benchmark user (a manager, session made with the app\'s createSession()), so the app\'s figures include the session lookup; the bare server does not look it up.' : ''),
    '',
    table(['case', 'app p50 / p99', 'app req/s', 'bare p50 / p99', 'bare req/s', 'app ÷ bare', 'errors app / bare'], rows),
    '',
    `App process RSS after the load: ${fmtMiB(r.appMemory.rss)} (heap used ${fmtMiB(r.appMemory.heapUsed)}); bare server: ${fmtMiB(r.bareMemory.rss)}.`,
  ];
  if (opts.goals) {
    const worstP99 = Math.max(...r.cases.map((c) => (Number.isFinite(c.app.p99) ? c.app.p99 : r.seconds * 1000)));
    const rated = r.cases.filter((c) => c.bare.rps > 0);
    const worstRatio = Math.min(...rated.map((c) => c.app.rps / c.bare.rps));
    const missP99 = r.cases.filter((c) => c.app.p99 > 50).map((c) => c.case.label);
    const missRatio = rated.filter((c) => c.app.rps / c.bare.rps < 0.8).map((c) => c.case.label);
    const unrated = r.cases.filter((c) => c.bare.rps <= 0).map((c) => c.case.label);
    lines.push(
      '',
      `Goal p99 ≤ 50 ms at 1M prospects: ${goal(worstP99 <= 50)} (worst ${r.cases.some((c) => !Number.isFinite(c.app.p99)) ? `over ${r.seconds} s` : fmtMs(worstP99)}${missP99.length ? `; missed by: ${missP99.join('; ')}` : ''}).`,
      `Goal ≥ 80 % of the bare server's throughput: ${goal(worstRatio >= 0.8)} (worst ${fmt(worstRatio * 100, 0)} %${missRatio.length ? `; missed by: ${missRatio.join('; ')}` : ''}${unrated.length ? `; no ratio where the bare server completed nothing either: ${unrated.join('; ')}` : ''}).`,
    );
  }
  const statRows = r.cases.flatMap(({ case: c, app, appStatements }) =>
    appStatements.filter((st) => st.calls >= app.requests / 4).map((st) => [c.label, `\`${shortSql(st.query)}\``, fmtInt(st.calls), `**${fmtMs(st.meanMs)}**`, `${fmt((st.totalMs / (r.seconds * 1000 * r.connections)) * 100, 0)} %`]),
  );
  if (statRows.length) {
    lines.push(
      '',
      `**Server time per statement under the load** (pg_stat_statements over each app run; the last column is the statement's total time over the run's ${r.connections} connections × ${r.seconds} s, i.e. roughly the share of a request's latency spent executing it):`,
      '',
      table(['case', 'statement', 'calls', 'mean', 'share'], statRows),
    );
  }
  if (opts.explain?.length) {
    lines.push('', '**Where the time goes** (EXPLAIN (ANALYZE, BUFFERS), second run, warm cache):', '');
    lines.push(table(['statement', 'execution time', 'plan (top lines)'], opts.explain.map((e) => [e.label, fmtMs(e.ms), planSummary(e.plan)])));
    lines.push('', '<details><summary>Full plans</summary>', '');
    for (const e of opts.explain) lines.push(`${e.label}:`, '', '```sql', e.sql, '```', '', '```', e.plan, '```', '');
    lines.push('</details>');
  }
  return lines.join('\n');
}

/** The first few plan nodes, one line. */
function planSummary(plan: string): string {
  return plan
    .split('\n')
    .filter((l) => /->|^\S/.test(l) && !/^(Planning|Execution|JIT)/.test(l.trim()))
    .slice(0, 4)
    .map((l) => l.trim().replace(/^->\s*/, '').replace(/\s*\(cost=[^)]*\)/, '').replace(/\|/g, '\\|'))
    .join(' → ');
}
