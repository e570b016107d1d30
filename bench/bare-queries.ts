// The page cases, and the SQL the "bare" baselines run for them: a node:http server over
// postgres.js (bench/servers/bare-server.ts) and a loop over PGlite (bench/pglite.ts).
//
// The SQL is not written out by hand: it is captured at run time from the app's own functions
// (listProspects() and loadProspectView() in src/prospects/, through a drizzle query logger on the
// same database), so the baselines always send exactly the statements and parameters the app
// sends, and a comparison with the app isolates what drizzle, hono, validation, grading and the
// HTML rendering cost. Shape of the baselines, as in the app: the list runs its statements
// concurrently; the prospect page runs the first one (the account; 404 when missing), then the
// others concurrently.

import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { Db } from '../src/db/client.ts';
import * as schema from '../src/db/schema.ts';
import { cursorOf, listProspects, listQuerySchema, PAGE_SIZE } from '../src/prospects/queries.ts';
import { loadProspectView } from '../src/prospects/routes.tsx';
import { listHref } from '../views/prospects/list.tsx';
import { BENCH_AS_OF } from './config.ts';

export type Stmt = { text: string; params: unknown[] };

/** The list cases every page benchmark runs, and the prospect page (`:id` drawn per request). */
export type PageCase = { name: string; label: string; path: string; prospect?: true };

/**
 * The deep pages, 70 % of the way down: page `all` of the default order over all open prospects
 * and page `gradeB` of grade B, each once by OFFSET (as the page number alone, or the Prev link,
 * opens it) and once as its Next link opens it, with `after=` the cursor (cursorOf) of the row
 * just before it. `firstId`/`firstIdB`: the first row each page must show (checked against the
 * statements both servers run, by checkDeepPages).
 */
export type DeepPages = { all: number; cursor: string; firstId: number; gradeB: number; cursorB: string; firstIdB: number };

const n = (x: number) => x.toLocaleString('en-US');

export function pageCases(d: DeepPages): PageCase[] {
  return [
    { name: 'list', label: 'List, open prospects, page 1', path: '/prospects' },
    { name: 'list-grade', label: 'List, grade B, page 1', path: '/prospects?grade=B' },
    { name: 'list-grade-deep', label: `List, grade B, page ${n(d.gradeB)} by offset`, path: `/prospects?grade=B&page=${d.gradeB}` },
    // The Next links' own URLs (listHref, as the list page writes them).
    { name: 'list-grade-deep-cursor', label: `List, grade B, page ${n(d.gradeB)} by cursor`, path: listHref(listQuerySchema.parse({ grade: 'B', page: String(d.gradeB), after: d.cursorB })) },
    { name: 'list-deep-offset', label: `List, default order, page ${n(d.all)} by offset`, path: `/prospects?page=${d.all}` },
    { name: 'list-deep-cursor', label: `List, default order, page ${n(d.all)} by cursor`, path: listHref(listQuerySchema.parse({ page: String(d.all), after: d.cursor })) },
    { name: 'list-flag', label: 'List, flag slipped, grades A+C, page 1', path: '/prospects?flag=slipped&grade=A&grade=C' },
    { name: 'prospect', label: 'Prospect page (random open prospect)', path: '/prospects/:id', prospect: true },
  ];
}

/** Finds the deep pages on a database (`run`: SQL text to rows), in the app's default order. */
export async function deepPages(run: (q: string) => Promise<Record<string, unknown>[]>): Promise<DeepPages> {
  const open = `kind = 'prospect' and status = 'open'`;
  const [c] = (await run(`select count(*)::int as open, count(*) filter (where grade = 'B')::int as b from accounts where ${open}`)) as { open: number; b: number }[];
  const gradeB = Math.max(2, Math.floor((c!.b / PAGE_SIZE) * 0.7));
  const all = Math.max(2, Math.floor((c!.open / PAGE_SIZE) * 0.7));
  // The row just before the page (offset N-1) and the page's first row (offset N), in the default order.
  const around = async (where: string, page: number) => {
    const rows = (await run(`
      select grade, fit, id from accounts where ${where}
      order by coalesce(grade, 'E'), -coalesce(fit, -1), id offset ${(page - 1) * PAGE_SIZE - 1} limit 2`)) as { grade: string | null; fit: number | null; id: number }[];
    if (rows.length < 2) throw new Error('deepPages: too few open prospects');
    const before = rows[0]!;
    return { cursor: cursorOf({ grade: before.grade, fit: before.fit === null ? null : Number(before.fit), id: Number(before.id) }), firstId: Number(rows[1]!.id) };
  };
  const a = await around(open, all);
  const b = await around(`${open} and grade = 'B'`, gradeB);
  return { all, cursor: a.cursor, firstId: a.firstId, gradeB, cursorB: b.cursor, firstIdB: b.firstId };
}

/**
 * Runs the captured statements of both deep pages of the default order and checks that each
 * starts at `firstId`: the cursor page is the offset page, and the bare servers (which run these
 * statements) serve the page the app serves.
 */
export async function checkDeepPages(run: (s: Stmt) => Promise<unknown[]>, captured: Captured, d: DeepPages): Promise<void> {
  for (const [name, firstId, cursor] of [
    ['list-deep-offset', d.firstId, d.cursor],
    ['list-deep-cursor', d.firstId, d.cursor],
    ['list-grade-deep', d.firstIdB, d.cursorB],
    ['list-grade-deep-cursor', d.firstIdB, d.cursorB],
  ] as const) {
    const results = (await Promise.all(statementsFor(captured, name).map(run))) as Record<string, unknown>[][];
    const rows = results.find((r) => r.length && 'name' in r[0]!);
    const first = rows?.[0]?.id;
    if (Number(first) !== firstId) throw new Error(`${name}: the page starts at account ${String(first)}, expected ${firstId} (cursor ${cursor})`);
  }
}

/** The statements of each case; in the prospect case a parameter equal to the captured id is ID_PARAM. */
export type Captured = { cases: Record<string, Stmt[]>; templateId: number };
export const ID_PARAM = '__prospect_id__';

/** Runs the app's own query functions once per case on a logging drizzle instance and keeps what they sent. */
export async function captureStatements(db: (logger: { logQuery(q: string, p: unknown[]): void }) => Db, cases: PageCase[], templateId: number): Promise<Captured> {
  let seen: Stmt[] = [];
  const logged = db({ logQuery: (text, params) => seen.push({ text, params: [...params] }) });
  const out: Captured = { cases: {}, templateId };
  for (const c of cases) {
    seen = [];
    if (c.prospect) {
      const view = await loadProspectView(logged, templateId, BENCH_AS_OF);
      if (!view) throw new Error(`capture: prospect ${templateId} not found`);
      out.cases[c.name] = seen.map((s) => ({ text: s.text, params: s.params.map((p) => (p === templateId ? ID_PARAM : p)) }));
    } else {
      const url = new URL(c.path, 'http://127.0.0.1');
      const raw = Object.fromEntries([...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.getAll(k)]));
      await listProspects(logged, listQuerySchema.parse(raw));
      out.cases[c.name] = seen;
    }
  }
  return out;
}

export function capturePostgres(sql: Sql, cases: PageCase[], templateId: number): Promise<Captured> {
  return captureStatements((logger) => drizzlePostgres(sql, { schema, logger }) as unknown as Db, cases, templateId);
}

export function capturePglite(client: PGlite, cases: PageCase[], templateId: number): Promise<Captured> {
  return captureStatements((logger) => drizzlePglite(client, { schema, logger }) as unknown as Db, cases, templateId);
}

/** The statements of a case, with the prospect id filled in. */
export function statementsFor(captured: Captured, caseName: string, id?: number): Stmt[] {
  const list = captured.cases[caseName];
  if (!list) throw new Error(`no captured statements for ${caseName}`);
  return id === undefined ? list : list.map((s) => ({ text: s.text, params: s.params.map((p) => (p === ID_PARAM ? id : p)) }));
}

/** Runs a case's statements the way the app does; returns the rows (null: prospect not found). */
export async function runCase(run: (s: Stmt) => Promise<unknown[]>, stmts: Stmt[], prospect: boolean): Promise<unknown[][] | null> {
  if (!prospect) return Promise.all(stmts.map(run));
  const [first, ...rest] = stmts;
  const head = await run(first!);
  if (!head.length) return null;
  return [head, ...(await Promise.all(rest.map(run)))];
}

/** A statement with its parameters written in, for reading (EXPLAIN output in the report). */
export function inlined(s: Stmt): string {
  return s.text.replace(/\$(\d+)/g, (_, i: string) => {
    const v = s.params[Number(i) - 1];
    return typeof v === 'number' ? String(v) : `'${String(Array.isArray(v) ? `{${v.join(',')}}` : v).replace(/'/g, "''")}'`;
  });
}
