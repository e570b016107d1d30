import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { allRoutes, apiRequest, checkAnswer, concretePath, fixtureCache, fuzzParams, queryString, digests, TODAY, validJson, type Fixtures } from '../fuzz/harness.ts';

// Property-based fuzzing of every /api route (found by walking the app, so new routes are
// covered): random and hostile JSON bodies and query strings, as an admin (who may do
// everything, so the requests reach the validation and the actions). Every answer must pass
// checkAnswer: no 5xx, nothing stored from a refusal, a JSON error naming the fields.

const database = await testDatabase();
const db = database.db;
const app = testApp(db, TODAY, undefined, { as: 'admin' });
const ROUTES = allRoutes(app).filter((r) => r.path.startsWith('/api/'));
// POST /api/demo included: the fixtures' accounts make it a refusal, never a load.
const BODY_ROUTES = ROUTES.filter((r) => r.method !== 'GET');
const GET_ROUTES = ROUTES.filter((r) => r.method === 'GET');

let f: Fixtures;
const cached = fixtureCache(database);
async function fresh(route?: string) {
  f = await cached(route);
}

describe('fuzzing the JSON API', () => {
  beforeAll(() => {
    expect(BODY_ROUTES.length).toBeGreaterThan(30);
    expect(GET_ROUTES.length).toBeGreaterThan(15);
  });

  it.each(BODY_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s with hostile bodies', async (key, route) => {
    await fresh(route.path);
    const d = digests(db);
    const path = concretePath(route.path, f);
    await fc.assert(
      fc.asyncProperty(apiRequest(route.method, path, validJson(key, f)), async (req) => {
        const before = await d.before();
        const res = await app.app.request(path, req.init);
        d.answered((await checkAnswer(db, req, path, res, before)).status);
      }),
      fuzzParams(12),
    );
  });

  it.each(GET_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s with hostile query strings', async (_, route) => {
    await fresh(route.path);
    const d = digests(db);
    const path = concretePath(route.path, f);
    await fc.assert(
      fc.asyncProperty(queryString, async (qs) => {
        const before = await d.before();
        const url = qs ? `${path}?${qs}` : path;
        const res = await app.app.request(url);
        d.answered((await checkAnswer(db, { label: `?${qs}`, init: { method: 'GET', headers: {} }, sent: [], objectBody: null }, url, res, before)).status);
      }),
      fuzzParams(6),
    );
  });

  it('ids that are not ids: never a 5xx, a 404 (or 422) as JSON', async () => {
    await fresh();
    const d = digests(db);
    const ids = ['0', '-1', '1.5', '1e3', '2147483648', '99999999999999999999', 'abc', '%00', '%F0%9F%98%80', "1'%20or%201=1", 'null', '%2e%2e'];
    for (const route of ROUTES.filter((r) => r.path.includes(':'))) {
      for (const id of ids) {
        const path = route.path.replace(/:\w+/g, id);
        const before = await d.before();
        const res = route.method === 'GET' || route.method === 'DELETE' ? await app.app.request(path, { method: route.method }) : await app.json(route.method, path, validJson(`${route.method} ${route.path}`, f));
        const { status } = await checkAnswer(db, { label: `id ${id}`, init: { method: route.method, headers: {} }, sent: [], objectBody: null }, path, res, before);
        d.answered(status);
        expect([400, 404, 405, 422], `${route.method} ${path}`).toContain(status);
      }
    }
  });
});
