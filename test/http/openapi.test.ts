import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { openApiPath } from '../../src/openapi/document.ts';
import { OPERATIONS } from '../../src/openapi/registry.ts';
import { DealSchema, GradeChangeSchema, PolicyPreviewSchema, PolicySavedSchema, PolicyVersionSchema, ProspectSchema, SignalSchema, UserSchema } from '../../src/openapi/schemas.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { insertDeal } from '../support/customers.ts';

// The OpenAPI document of /api and its reference page. The first test keeps the document from
// drifting: every /api route of the app must be declared in src/openapi/registry.ts, and nothing
// declared there may be gone from the app.

const database = await testDatabase();
const db = database.db;
beforeAll(() => resetDatabase(database));

type Doc = {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown>; responses: Record<string, unknown> };
};

/** Every /api route of the app: method and Hono pattern. */
function apiRoutes(): string[] {
  const seen = new Set<string>();
  for (const r of testApp(db).hono.routes) if (r.method !== 'ALL' && (r.path === '/api' || r.path.startsWith('/api/'))) seen.add(`${r.method} ${r.path}`);
  return [...seen].sort();
}

const documented = () => OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();

async function doc(): Promise<Doc> {
  const res = await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).get('/api/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

describe('the OpenAPI document', () => {
  it('declares every /api route of the app, and no route the app does not have', () => {
    const routes = apiRoutes();
    const declared = documented();
    const missing = routes.filter((r) => !declared.includes(r));
    const gone = declared.filter((r) => !routes.includes(r));
    expect(missing, `/api routes missing from src/openapi/registry.ts (declare each with its schemas):\n  ${missing.join('\n  ')}\n`).toEqual([]);
    expect(gone, 'operations in src/openapi/registry.ts that the app no longer has').toEqual([]);
    expect(new Set(declared).size, 'an operation declared twice').toBe(declared.length);
    expect(routes.length).toBeGreaterThan(50);
  });

  it('is OpenAPI 3.1 with a bearer token scheme, served without a token', async () => {
    const d = await doc();
    expect(d.openapi).toBe('3.1.0');
    expect(d.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(d.security).toEqual([{ bearerAuth: [] }]);
    expect(d.paths['/api/openapi.json']!.get!.security).toEqual([]);
    expect(d.paths['/api/prospects/{id}']!.get!.security).toBeUndefined();
    const ops = Object.values(d.paths).flatMap((m) => Object.values(m));
    expect(ops).toHaveLength(OPERATIONS.length);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
  });

  it('declares each path parameter, and every reference resolves', async () => {
    const d = await doc();
    for (const [path, methods] of Object.entries(d.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), `${method} ${path}`).toEqual(names);
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    const refs = [...JSON.stringify(d).matchAll(/"\$ref":"#\/components\/(schemas|responses)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(20);
    for (const [, kind, name] of refs) expect(d.components[kind as 'schemas' | 'responses'][name!], `${kind}/${name}`).toBeDefined();
  });

  it('describes request bodies and queries with the schemas the routes validate with', async () => {
    const d = await doc();
    const body = (method: string, path: string) => d.paths[path]![method]!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; required?: string[] };
    // The prospect form's optional fields are optional; only the name is required.
    expect(body('post', '/api/prospects').required).toEqual(['name']);
    expect(Object.keys(body('post', '/api/prospects').properties)).toEqual(['name', 'domain', 'industry', 'employees', 'revenue', 'growthPct', 'need', 'situation', 'addedOn']);
    expect(body('put', '/api/policy').required).toEqual(['version', 'policy']);
    expect(body('put', '/api/policy').properties.policy).toMatchObject({ $ref: '#/components/schemas/Policy' });
    expect(d.paths['/api/prospects']!.get!.parameters!.map((p) => p.name)).toEqual(['grade', 'flag', 'status', 'q', 'sort', 'dir', 'page', 'owner', 'after']);
    const policy = d.components.schemas.Policy as { properties: Record<string, { properties: Record<string, unknown> }> };
    expect(Object.keys(policy.properties)).toEqual(['grading', 'tiering', 'ownership', 'cadence']);
    expect(policy.properties.grading!.properties.windowMonths).toMatchObject({ type: 'object', required: ['A', 'B', 'C'] });
    // What the document says is required, the route refuses without.
    const res = await testApp(db).json('POST', '/api/prospects', {});
    expect(res.status).toBe(422);
    expect(((await res.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['name']);
  });

  it('says the creation bodies take no other fields, as their routes refuse them (test/http/api-unknown-fields.test.ts)', async () => {
    const d = await doc();
    const creations = ['/api/prospects', '/api/prospects/{id}/signals', '/api/customers/{id}/touches', '/api/accounts/{id}/deals', '/api/users', '/api/review/weeks/{week}/notes', '/api/review/weeks/{week}/action-items', '/api/territory/plans', '/api/review/snapshots', '/api/review/backfills'];
    for (const path of creations) expect(d.paths[path]!.post!.requestBody!.content['application/json']!.schema, path).toMatchObject({ type: 'object', additionalProperties: false });
    // And the status changes of a prospect, and the updates, which always did.
    for (const [method, path] of [['post', '/api/prospects/{id}/disqualification'], ['post', '/api/prospects/{id}/loss'], ['post', '/api/prospects/{id}/reopening'], ['patch', '/api/prospects/{id}'], ['patch', '/api/deals/{id}'], ['patch', '/api/users/{id}'], ['patch', '/api/action-items/{id}']] as const)
      expect(d.paths[path]![method]!.requestBody!.content['application/json']!.schema, `${method} ${path}`).toMatchObject({ additionalProperties: false });
  });
});

describe('the response schemas', () => {
  /** The answer has exactly the schema's fields, of its types. */
  const matches = (schema: z.ZodObject, value: unknown) => {
    expect(Object.keys(value as object).sort()).toEqual(Object.keys(schema.shape).sort());
    const r = schema.safeParse(value);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
  };

  it('match what the routes answer', async () => {
    const t = testApp(db);
    const p = await t.json('POST', '/api/prospects', { name: 'Schema Co', domain: 'schema.example.com', employees: 600 });
    const prospect = (await p.json()) as { id: number };
    matches(ProspectSchema, prospect);
    const s = (await (await t.json('POST', `/api/prospects/${prospect.id}/signals`, { type: 'selection_started', date: '2026-06-01' })).json()) as { signal: unknown; prospect: unknown };
    matches(SignalSchema, s.signal);
    matches(ProspectSchema, s.prospect);
    const h = (await (await t.get(`/api/prospects/${prospect.id}/history`)).json()) as { history: unknown[] };
    matches(GradeChangeSchema, h.history[0]);
    const deal = (await insertDeal(db, prospect.id)).deal!;
    matches(DealSchema, await (await t.get(`/api/deals/${deal.id}`)).json());
    matches(UserSchema, await (await t.get('/api/me')).json());
    matches(PolicyVersionSchema, await (await t.get('/api/policy/versions/1')).json());
    matches(PolicyPreviewSchema, await (await t.json('POST', '/api/policy/preview', { policy: { grading: { staleDays: 20 } } })).json());
    matches(PolicySavedSchema, await (await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 20 } } })).json());
  });
});

describe('the reference page', () => {
  it('lists every operation with its parameters, body and responses, from this site only', async () => {
    const res = await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).get('/docs/api');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html.match(/<section class="card operation"/g)).toHaveLength(OPERATIONS.length);
    for (const o of OPERATIONS) expect(html, `${o.method} ${o.path}`).toContain(`<code>${openApiPath(o.path)}</code>`);
    const put = html.slice(html.indexOf('id="op-putPolicy"'));
    const section = text(put.slice(0, put.indexOf('</section>')));
    expect(section).toContain('PUT /api/policy');
    expect(section).toContain('Who may call it: managers and admins.');
    expect(section).toContain('version required integer');
    expect(section).toContain('409 A newer version was saved since the one you edited.');
    expect(html).toContain('id="schema-Policy"');
    expect(text(html)).toContain('windowMonths required object');
    // Nothing loaded from elsewhere.
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/<script(?! src="\/assets\/)/);
  });
});
