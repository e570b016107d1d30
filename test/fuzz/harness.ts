import fc from 'fast-check';
import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Database, Db } from '../../src/db/client.ts';
import { resetDatabase } from '../support/db.ts';
import { accounts, apiTokens } from '../../src/db/schema.ts';
import { sha256 } from '../../src/users/secrets.ts';
import { proposePlan } from '../../src/ownership/plans.ts';
import { takeSnapshot } from '../../src/review/snapshot.ts';
import { addActionItem } from '../../src/review/meeting.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

// Shared by the fuzz tests (test/http/fuzz-*.test.ts): every route of the app, real ids for its
// parameters, a valid body per route to mutate, hostile values, and the checks every answer must
// pass. Runs per property: FUZZ_RUNS (default per file); a failure prints fast-check's seed, and
// FUZZ_SEED replays it.

export const TODAY = '2026-06-30';
export const WEEK = '2026-06-29'; // the Monday of TODAY's week

export const fuzzParams = (numRuns: number) => ({
  numRuns: Number(process.env.FUZZ_RUNS) || numRuns,
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  endOnFailure: true,
});

export type Route = { method: string; path: string };

/** Every route of the app once: method and Hono path pattern, without the middlewares. */
export function allRoutes(app: ReturnType<typeof testApp>): Route[] {
  const seen = new Map<string, Route>();
  for (const r of app.hono.routes) {
    if (r.method === 'ALL') continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

export type Fixtures = Awaited<ReturnType<typeof fixtures>>;

/**
 * Something for every kind of id to point at: a prospect, a customer, a deal, a rep, a token, a
 * plan, a review week with an action item; for an import route, an import waiting for its confirmation.
 */
export async function fixtures(db: Db, route?: string) {
  const rep = await ensureUser(db, PEOPLE.rep);
  const admin = await ensureUser(db, PEOPLE.admin);
  const prospect = await insertProspect(db);
  const customer = await insertCustomer(db);
  const deal = (await insertDeal(db, prospect.id)).deal!;
  for (const id of [prospect.id, customer.id]) await db.update(accounts).set({ ownerId: rep.id }).where(eq(accounts.id, id));
  const target = await ensureUser(db, { email: 'target@test.invalid', name: 'Target Rep', role: 'rep', level: 1 });
  const token = await apiToken(db, admin.id, 'to revoke');
  const [{ id: tokenId } = { id: 0 }] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, sha256(token)));
  const plan = await proposePlan(db, { cover: false, asOf: TODAY, actor: { name: 'test' } });
  await takeSnapshot(db, { today: TODAY, actor: 'test' });
  const item = await addActionItem(db, WEEK, { text: 'Call them', ownerId: rep.id, dueOn: '2026-07-03', accountId: prospect.id }, { today: TODAY, actor: { name: 'test' } });
  if (!item.ok) throw new Error('fixture action item not made');
  let importJob: number | null = null;
  if (route?.includes('/imports/')) {
    const t = testApp(db, TODAY, undefined, { as: 'admin' });
    const res = await t.app.request('/api/imports?kind=prospects', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'Account Name,Website,Employees\nImported Ltd,imported.example.com,40\n' });
    if (res.status === 202) importJob = ((await res.json()) as { id: number }).id;
    await importsIdle(db);
  }
  return { rep: rep.id, prospect: prospect.id, customer: customer.id, deal: deal.id, dealVersion: deal.version, target: target.id, token: tokenId, plan: plan.id, item: item.item.id, importJob };
}

/**
 * Fixtures for one route after another: made again only when a route changed something (most
 * fuzzed requests are refused, so they usually outlive it) or an import route needs its job.
 */
export function fixtureCache(database: Database) {
  let kept: { f: Fixtures; digest: Record<string, string>; importJob: boolean } | null = null;
  return async (route?: string): Promise<Fixtures> => {
    const wantsImport = !!route?.includes('/imports/');
    if (kept && kept.importJob === wantsImport) {
      await importsIdle(database.db);
      if (changedTables(kept.digest, await tableDigest(database.db)).length === 0) return kept.f;
    }
    await resetDatabase(database);
    const f = await fixtures(database.db, route);
    kept = { f, digest: await tableDigest(database.db), importJob: wantsImport };
    return f;
  };
}

/** A real path for a route pattern; an unknown parameter gets 1 (so new routes are fuzzed too). */
export function concretePath(pattern: string, f: Fixtures): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => {
    if (name === 'name') return 'app.css';
    if (name === 'week') return WEEK;
    if (/\/deals\//.test(pattern)) return String(f.deal);
    if (/\/customers\//.test(pattern)) return String(f.customer);
    if (/\/(prospects|accounts)\//.test(pattern)) return String(f.prospect);
    if (/\/(team|users)\//.test(pattern)) return String(f.target);
    if (/\/tokens\//.test(pattern)) return String(f.token);
    if (/\/territory\/plans\//.test(pattern)) return String(f.plan);
    if (/\/action-items\//.test(pattern)) return String(f.item);
    if (/\/imports\//.test(pattern) && f.importJob) return String(f.importJob);
    return '1';
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

/** Payloads that would run as script if a page printed them raw; each has a marker that no page's own markup contains. */
export const XSS = [
  '<script>alert("xss1")</script>',
  '"><img src=x onerror=alert("xss2")>',
  "'><svg onload=alert('xss3')>",
  'javascript:alert("xss4")//',
  '</textarea><script>alert("xss5")</script>',
  '<a href="javascript:alert(\'xss6\')">x</a>',
  '{{constructor.constructor("alert(xss7)")()}}<b onmouseover=alert("xss7")>',
] as const;

/** What must never appear in a page as the user typed it (the dangerous part of each payload). */
export const XSS_NEEDLES = ['<script>alert("xss1")', '<img src=x onerror', "<svg onload=alert('xss3')", '</textarea><script>', 'href="javascript:alert(\'xss6\')', '<b onmouseover'];

const SQL = ["' or '1'='1", "1; drop table accounts; --", "Robert'); DROP TABLE users;--", '1 union select password_hash from users', '%', '_', '\\', "'", '"', '$1', '${x}'];
const UNICODE = [
  '\u202egnp.exe', // right-to-left override
  'שלום עולם', // Hebrew
  'مرحبا',
  'Ünïcödé naïve café',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\u0000', // NUL: PostgreSQL text cannot hold it
  'a\u0000b',
  '\ud800', // a lone surrogate
  '\uFEFF', // byte-order mark
  '\u200b', // zero-width space
  'ｆｕｌｌ　ｗｉｄｔｈ　１２３',
  '\r\n\t',
  ' ',
  '',
];
const DATES = ['2026-02-30', '2026-02-29', '2024-02-29', '2026-13-01', '2026-00-10', '0000-01-01', '0001-01-01', '9999-12-31', '275760-09-13', '+275760-09-13', '2026-6-1', '20260601', '2026-06-01T00:00:00Z', '01/06/2026', 'yesterday', '2026-06-31', '1969-12-31', '2100-01-01', '2026-07-01'];
const NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e309', '-1', '-0', '0', '0.0000001', '1e-320', '2147483648', '9007199254740993', '99999999999999999999999', '1,000', '1_000', '0x10', '1e3', ' 42 ', '١٢٣', '12abc', '.5', '5.', '+', '-'];
const NUMS: unknown[] = [-1, -0, 0, 0.5, 1.5, 1e-320, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, 1e308, -1e308, 1e21, 123456789012345];

/** A long string (over every field's limit, under the 1 MiB body limit). */
const huge = fc.constantFrom('x'.repeat(5_000), 'é'.repeat(70_000), '<'.repeat(100_000), 'a '.repeat(150_000));

/** Text a person might paste: anything, including control characters and any unicode. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 300 }));

/** A hostile string for a form field or a JSON string. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...XSS) },
  { weight: 2, arbitrary: fc.constantFrom(...SQL) },
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 3, arbitrary: fc.constantFrom(...DATES) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: huge },
  { weight: 3, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', 'undefined', '[]', '{}', 'on', 'none', 'rep', 'admin', 'manager', 'won', 'lost', 'open', 'done', 'call', 'A', 'Key') },
);

/** Deep nesting: {"a":{"a":…}} or [[[…]]], as text (built without recursion). */
export function deepJson(depth: number, array: boolean): string {
  return array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A hostile JSON value for a field. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 3, arbitrary: fc.constantFrom(...NUMS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1, 2], ['a'], { a: 1 }, { name: 'x' }, [{}]) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------------------------------------
// Valid bodies per route, to mutate: a mutation of a valid body gets past the first checks.

/** Every field name the app reads, so that random bodies hit real fields. */
export const FIELD_NAMES = [
  'name', 'domain', 'industry', 'employees', 'revenue', 'growthPct', 'need', 'situation', 'addedOn', 'version',
  'type', 'date', 'expectedDate', 'event', 'note', 'reason', 'daysPaidLate', 'title', 'value', 'marginPct', 'expectedCloseOn',
  'status', 'closedOn', 'lostReason', 'ownerId', 'pinned', 'cover', 'email', 'role', 'level', 'capacity', 'region', 'state',
  'leaveFrom', 'leaveUntil', 'accounts', 'password', 'current', 'confirm', 'next', 'body', 'text', 'dueOn', 'accountId', 'week',
  'weeks', 'asOf', 'prospect', 'signals', 'customer', 'deals', 'policy', '__proto__', 'constructor',
] as const;

type Body = Record<string, unknown>;

/** A valid JSON body for each API route that takes one (ids from the fixtures). */
export function validJson(key: string, f: Fixtures): Body {
  const bodies: Record<string, Body> = {
    'POST /api/prospects': { name: 'Fuzz Ltd', domain: 'fuzz.example.com', industry: 'Retail', employees: 120, revenue: 5_000_000, growthPct: 4, need: 'high', situation: 'greenfield', addedOn: '2026-06-01' },
    'PATCH /api/prospects/:id': { version: 1, employees: 700, industry: 'Logistics' },
    'PUT /api/prospects/:id': { version: 1, employees: 700 },
    'POST /api/prospects/:id/signals': { type: 'waiting_on_event', date: '2026-06-10', expectedDate: '2026-09-01', event: 'Budget', note: 'They said so' },
    'POST /api/prospects/:id/disqualification': { reason: 'No budget', version: 1 },
    'POST /api/prospects/:id/loss': { reason: 'Went elsewhere' },
    'POST /api/prospects/:id/reopening': {},
    'PUT /api/customers/:id/payment': { daysPaidLate: 12 },
    'POST /api/customers/:id/touches': { type: 'call', date: '2026-06-20', note: 'Fine' },
    'POST /api/accounts/:id/deals': { title: 'Renewal', value: 20_000, marginPct: 30, expectedCloseOn: '2026-09-01', status: 'open' },
    'PATCH /api/deals/:id': { version: f.dealVersion, value: 30_000, title: 'Bigger' },
    'POST /api/deals/:id/win': { closedOn: '2026-06-29' },
    'POST /api/deals/:id/loss': { lostReason: 'Price', closedOn: '2026-06-29' },
    'POST /api/deals/:id/reopening': {},
    'POST /api/grading/preview': {
      asOf: TODAY,
      prospect: { employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high' },
      signals: [{ type: 'selection_started', date: '2026-06-01' }],
    },
    'POST /api/tiering/preview': { asOf: TODAY, customer: { daysPaidLate: 12, priorFit: 72 }, deals: [{ value: 120_000, marginPct: 32, status: 'won', closedOn: '2026-03-02' }] },
    'POST /api/review/snapshots': { week: WEEK },
    'POST /api/review/backfills': { weeks: 2 },
    'POST /api/review/weeks/:week/notes': { body: 'We talked' },
    'POST /api/review/weeks/:week/action-items': { text: 'Follow up', ownerId: f.rep, dueOn: '2026-07-02', accountId: f.prospect },
    'PATCH /api/action-items/:id': { version: 1, status: 'done', text: 'Done it' },
    'POST /api/users': { email: 'new.rep@example.com', name: 'New Rep', role: 'rep', level: 2, capacity: 80, region: 'North' },
    'PATCH /api/users/:id': { name: 'Renamed', capacity: 90, region: 'South' },
    'PUT /api/accounts/:id/owner': { ownerId: f.rep },
    'PUT /api/accounts/:id/pin': { pinned: true },
    'POST /api/territory/plans': { cover: false },
  };
  return bodies[key] ?? {};
}

/** A valid form for each page route that posts one. */
export function validForm(key: string, f: Fixtures): Record<string, string> {
  const s = (b: Body) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)]));
  const forms: Record<string, Record<string, string>> = {
    'POST /sign-in': { email: 'nobody@example.com', password: 'not-the-password', next: '/prospects' },
    'POST /prospects': s(validJson('POST /api/prospects', f)),
    'POST /prospects/:id': { ...s(validJson('POST /api/prospects', f)), name: 'Renamed Ltd', domain: 'renamed.example.com', version: '1' },
    'POST /prospects/:id/signals': s(validJson('POST /api/prospects/:id/signals', f)),
    'POST /prospects/:id/disqualification': { reason: 'No budget', version: '1' },
    'POST /prospects/:id/loss': { reason: 'Went elsewhere' },
    'POST /prospects/:id/reopening': {},
    'POST /customers/:id/payment': { daysPaidLate: '12' },
    'POST /customers/:id/touches': { type: 'visit', date: '2026-06-20', note: 'Fine' },
    'POST /accounts/:id/deals': s(validJson('POST /api/accounts/:id/deals', f)),
    'POST /accounts/:id/owner': { ownerId: String(f.rep) },
    'POST /accounts/:id/pin': { pinned: 'true' },
    'POST /deals/:id': { title: 'Edited', value: '25000', marginPct: '20', expectedCloseOn: '2026-08-01', version: String(f.dealVersion) },
    'POST /deals/:id/win': { closedOn: '2026-06-29' },
    'POST /deals/:id/loss': { lostReason: 'Price' },
    'POST /territory/plans': { cover: 'on' },
    'POST /review/backfills': { weeks: '2' },
    'POST /review/weeks/:week/notes': { body: 'We talked' },
    'POST /review/weeks/:week/action-items': { text: 'Follow up', ownerId: String(f.rep), dueOn: '2026-07-02', accountId: `#${f.prospect}` },
    'POST /action-items/:id/completion': { version: '1', week: WEEK },
    'POST /action-items/:id/reopening': { version: '1' },
    'POST /team': { email: 'new.rep@example.com', name: 'New Rep', role: 'rep', level: '2', capacity: '80', region: 'North', state: 'active' },
    'POST /team/:id': { email: 'target@test.invalid', name: 'Target Renamed', role: 'rep', level: '1', capacity: '100', region: '', state: 'active', version: '1' },
    'POST /team/:id/deactivation': { version: '1' },
    'POST /me/tokens': { name: 'CRM sync' },
    'POST /me/password': { current: 'wrong-password-1', password: 'new-password-123', confirm: 'new-password-123' },
  };
  return forms[key] ?? {};
}

/** Query parameters the lists and pages read, for GET fuzzing. */
export const QUERY_NAMES = ['grade', 'flag', 'status', 'q', 'sort', 'dir', 'page', 'after', 'owner', 'tier', 'changedDays', 'rep', 'reason', 'level', 'limit', 'from', 'to', 'week', 'list', 'account', 'user', 'print', 'next', 'out', 'deal', 'added', 'saved', 'applied', 'updated', 'reassigned', 'notice', 'version', 'cover'];

/** Values that a list's cursor or a filter may choke on, beside the general hostile strings. */
const QUERY_VALUES = ['A~1~9999999999', 'E~99999999999999999999999~1', 'A~-1e309~1', 'B~1.5~0', '2025-Q3', '2026-Q5', '0000-Q1', 'none', '0', '-1', '100001', '2147483648', '//evil.example', '/\\evil', 'https://evil.example', '/sign-in?next=/x'];

export const queryValue: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: fc.constantFrom(...QUERY_VALUES) });

/** A random query string: known names (some repeated) with hostile values. */
export const queryString: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 8 })), queryValue), { maxLength: 5 })
  .map((pairs) => new URLSearchParams(pairs).toString());

// ---------------------------------------------------------------------------------------------
// Requests.

export type FuzzRequest = {
  label: string;
  init: RequestInit & { headers: Record<string, string> };
  /** Strings sent, to look for in the answer (XSS payloads only are checked). */
  sent: string[];
  /** The keys of the body when it was a JSON object (so a 422 must name its fields); null otherwise. */
  objectBody: string[] | null;
};

const strings = (v: unknown, out: string[] = []): string[] => {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
};

/** A mutation of a valid object: some fields set to hostile values, some dropped, some added. */
function mutated<T>(base: Record<string, T>, value: fc.Arbitrary<T>, names: readonly string[]): fc.Arbitrary<Record<string, T>> {
  const keys = [...new Set([...Object.keys(base), ...names])];
  return fc
    .record({
      set: fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(Object.keys(base).length ? Object.keys(base) : keys)) }, { weight: 1, arbitrary: fc.constantFrom(...keys) }), value), { minLength: 1, maxLength: 3 }),
      drop: fc.subarray(Object.keys(base), { maxLength: Math.min(2, Object.keys(base).length) }),
    })
    .map(({ set, drop }) => {
      const out: Record<string, T> = { ...base };
      for (const k of drop) delete out[k];
      for (const [k, v] of set) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', ''];

/** Raw JSON texts no serializer would make: duplicate keys, bad syntax, deep nesting, numbers out of range. */
function rawJsonBodies(base: Body): string[] {
  const first = Object.keys(base)[0] ?? 'name';
  const inner = JSON.stringify(base).slice(1, -1);
  return [
    '',
    ' ',
    '{',
    '{"a":',
    'null',
    '[]',
    '"text"',
    '42',
    'true',
    'NaN',
    '{\'single\': 1}',
    '\uFEFF' + JSON.stringify(base),
    `{${inner}${inner ? ',' : ''}"${first}":{"nested":[1,2]}}`, // the same key twice, the second an object
    `{"${first}":"x","${first}":1e400}`, // 1e400 reads as Infinity
    `{${inner}${inner ? ',' : ''}"version":1e400}`,
    `{${inner}${inner ? ',' : ''}"version":-0}`,
    `{${inner}${inner ? ',' : ''}"ownerId":123456789012345678901234567890}`,
    `{${inner}${inner ? ',' : ''}"__proto__":{"admin":true}}`,
    deepJson(2_000, false),
    deepJson(2_000, true),
    deepJson(100_000, false),
    `{${inner}${inner ? ',' : ''}"policy":${deepJson(5_000, false)}}`,
    `{${inner}${inner ? ',' : ''}"prospect":${deepJson(5_000, false)}}`,
  ];
}

/** A request to an API route: a mutated valid body, a hostile whole body, raw JSON text, or the wrong content type. */
export function apiRequest(method: string, path: string, base: Body): fc.Arbitrary<FuzzRequest> {
  const json = (body: unknown, type = 'application/json'): FuzzRequest => ({
    label: `${type || 'no content-type'} ${JSON.stringify(body)?.slice(0, 300)}`,
    init: { method, headers: type ? { 'content-type': type } : {}, body: JSON.stringify(body) },
    sent: strings(body),
    objectBody: !!body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null,
  });
  const raw = (text: string, type: string): FuzzRequest => ({
    label: `${type || 'no content-type'} raw ${JSON.stringify(text.slice(0, 200))}${text.length > 200 ? `… (${text.length} chars)` : ''}`,
    init: { method, headers: type ? { 'content-type': type } : {}, body: text },
    sent: [],
    objectBody: null,
  });
  return fc.oneof(
    { weight: 6, arbitrary: mutated(base, hostileJson, FIELD_NAMES).map((b) => json(b)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>([base], [], null, 'text', 0, -1, true, [[base]]).map((b) => json(b)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((b) => json(b)) },
    { weight: 2, arbitrary: fc.constantFrom(...rawJsonBodies(base)).map((t) => raw(t, 'application/json')) },
    { weight: 1, arbitrary: fc.constantFrom(...JSON_TYPES).map((type) => json(base, type)) },
  );
}

/** A form post to a page route: a mutated valid form, repeated keys, multipart with files, or the wrong content type. */
export function formRequest(path: string, base: Record<string, string>): fc.Arbitrary<FuzzRequest> {
  const urlencoded = (pairs: [string, string][], type = 'application/x-www-form-urlencoded', extra: Record<string, string> = {}): FuzzRequest => ({
    label: `${type} ${JSON.stringify(pairs).slice(0, 300)}`,
    init: { method: 'POST', headers: { 'content-type': type, ...extra }, body: new URLSearchParams(pairs).toString() },
    sent: pairs.map(([, v]) => v),
    objectBody: null,
  });
  const multipart = (pairs: [string, string][], files: [string, string][]): FuzzRequest => {
    const fd = new FormData();
    for (const [k, v] of pairs) fd.append(k, v);
    for (const [k, v] of files) fd.append(k, new Blob([v], { type: 'text/csv' }), 'upload.csv');
    return { label: `multipart ${JSON.stringify(pairs).slice(0, 200)} files ${files.map(([k]) => k).join(',')}`, init: { method: 'POST', headers: {}, body: fd }, sent: pairs.map(([, v]) => v), objectBody: null };
  };
  const htmx = fc.constantFrom<Record<string, string>>({}, {}, { 'HX-Request': 'true' }, { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(mutated(base, hostileString, FIELD_NAMES), htmx).map(([b, h]) => urlencoded(Object.entries(b), undefined, h)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...(Object.keys(base).length ? Object.keys(base) : ['name'])), hostileString).map(([k, v]) => urlencoded([...Object.entries(base), [k, v], [k, 'second']])),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(mutated(base, hostileString, FIELD_NAMES), fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), hostileString), { maxLength: 2 })).map(([b, files]) => multipart(Object.entries(b), files)),
    },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json', 'application/octet-stream', '').map((t) => urlencoded(Object.entries(base), t)) },
    { weight: 1, arbitrary: fc.constantFrom('', '=', '&&&', '%', '%zz=1', 'a=%E0%A4%A', '=x&=y', 'name').map((raw): FuzzRequest => ({ label: `raw form ${raw}`, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: raw }, sent: [], objectBody: null })) },
  );
}

// ---------------------------------------------------------------------------------------------
// State and checks.

/** Tables that change on reads or by design on a refusal: session and token last use, sign-in attempts. */
const VOLATILE = new Set(['sessions', 'api_tokens', 'login_attempts']);

const snapshotQueries = new WeakMap<Db, string>();

/** A digest of every row of every table (but the volatile ones): equal digests, nothing stored. */
export async function tableDigest(db: Db): Promise<Record<string, string>> {
  let q = snapshotQueries.get(db);
  if (!q) {
    const tables = (await db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`)) as unknown as { tablename: string }[] | { rows: { tablename: string }[] };
    const names = (Array.isArray(tables) ? tables : tables.rows).map((t) => t.tablename).filter((t) => !VOLATILE.has(t));
    q = `select ${names.map((t) => `(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) || ':' || count(*) from "${t}" t) as "${t}"`).join(', ')}`;
    snapshotQueries.set(db, q);
  }
  const r = (await db.execute(sql.raw(q))) as unknown as Record<string, string>[] | { rows: Record<string, string>[] };
  return (Array.isArray(r) ? r : r.rows)[0]!;
}

/**
 * The digest before a request, computed only when the last request may have changed something:
 * after a refusal the data is unchanged (checkAnswer asserts it), so the digest is kept.
 */
export function digests(db: Db) {
  let known: Record<string, string> | null = null;
  return {
    before: async () => {
      // An import a request started runs on after its answer: let it finish first.
      if (!known) await importsIdle(db);
      return (known ??= await tableDigest(db));
    },
    /** After each answer: a success may have stored something. */
    answered: (status: number) => {
      if (status < 400) known = null;
    },
  };
}

/** The tables whose digest differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((k) => before[k] !== after[k]);
}

export type Checked = { status: number; type: string; text: string };

/**
 * The checks every answer must pass: no 5xx; a refusal stores nothing; every HTML answer has the
 * security headers and never shows a script payload as typed; an API refusal is JSON saying why,
 * a 422 naming the fields; a page's 422 shows what is wrong.
 */
export async function checkAnswer(db: Db, req: FuzzRequest, path: string, res: Response, before: Record<string, string>): Promise<Checked> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const where = `${req.init.method} ${path} with ${req.label}\n→ ${res.status} ${text.slice(0, 500)}`;
  expect(res.status, `server error: ${where}`).toBeLessThan(500);
  if (res.status >= 400) expect(changedTables(before, await tableDigest(db)), `a refused request changed stored data: ${where}`).toEqual([]);
  expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
  if (type.includes('text/html')) {
    expect(res.headers.get('content-security-policy') ?? '', `HTML without CSP: ${where}`).toContain("script-src 'self'");
    for (const needle of XSS_NEEDLES) expect(text.includes(needle), `payload shown unescaped (${needle}): ${where}`).toBe(false);
  }
  const api = path.startsWith('/api/');
  if (api && res.status >= 400) {
    expect(type, where).toContain('application/json');
    const body = JSON.parse(text) as { error?: unknown; issues?: { path?: unknown; message?: unknown }[] };
    expect(typeof body.error === 'string' && body.error.length > 0, `no error message: ${where}`).toBe(true);
    if (res.status === 422 && body.issues) {
      expect(body.issues.length, where).toBeGreaterThan(0);
      for (const i of body.issues) {
        expect(typeof i.message === 'string' && i.message.length > 0, `issue without a message: ${where}`).toBe(true);
        expect(typeof i.path, where).toBe('string');
        // A field's problem names the field.
        if (req.objectBody && !req.objectBody.includes('')) expect(i.path, `issue without a field: ${where}`).not.toBe('');
      }
    }
  }
  if (!api && res.status === 422 && type.includes('text/html')) {
    // A form's field errors, an alert, or a message page (a heading and its message).
    expect(/role="alert"|class="error"|aria-invalid="true"|<h1>[^<]+<\/h1><p>[^<]+<\/p>/.test(text), `a refused form does not say what is wrong: ${where}`).toBe(true);
  }
  return { status: res.status, type, text };
}
