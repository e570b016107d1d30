import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { allRoutes, checkAnswer, concretePath, fixtureCache, formRequest, fuzzParams, queryString, digests, TODAY, validForm, type Fixtures } from '../fuzz/harness.ts';

// Property-based fuzzing of every page route (found by walking the app, so new routes are
// covered): form posts with hostile values, repeated keys, files and wrong content types, and
// pages with hostile query strings, as an admin. Every answer must pass checkAnswer: no 5xx,
// nothing stored from a refusal, the security headers, no payload shown as typed, and a refused
// form says what is wrong.

const database = await testDatabase();
const db = database.db;
const app = testApp(db, TODAY, undefined, { as: 'admin' });
const ROUTES = allRoutes(app).filter((r) => !r.path.startsWith('/api/'));
const POSTS = ROUTES.filter((r) => r.method === 'POST');
const GETS = ROUTES.filter((r) => r.method === 'GET' && r.path !== '/assets/:name');

let f: Fixtures;
const cached = fixtureCache(database);
async function fresh(route?: string) {
  f = await cached(route);
}

describe('fuzzing the pages', () => {
  beforeAll(() => {
    expect(POSTS.length).toBeGreaterThan(30);
    expect(GETS.length).toBeGreaterThan(20);
  });

  it.each(POSTS.map((r) => [`${r.method} ${r.path}`, r] as const))('%s with hostile forms', async (key, route) => {
    await fresh(route.path);
    const d = digests(db);
    const path = concretePath(route.path, f);
    await fc.assert(
      fc.asyncProperty(formRequest(path, validForm(key, f)), async (req) => {
        const before = await d.before();
        const res = await app.app.request(path, req.init);
        d.answered((await checkAnswer(db, req, path, res, before)).status);
      }),
      fuzzParams(10),
    );
  });

  it.each(GETS.map((r) => [`${r.method} ${r.path}`, r] as const))('%s with hostile query strings', async (_, route) => {
    await fresh(route.path);
    const d = digests(db);
    const path = concretePath(route.path, f);
    await fc.assert(
      fc.asyncProperty(queryString, fc.boolean(), async (qs, htmx) => {
        const before = await d.before();
        const url = qs ? `${path}?${qs}` : path;
        const res = await app.get(url, htmx ? { 'HX-Request': 'true', 'HX-Request-Type': 'partial' } : {});
        d.answered((await checkAnswer(db, { label: `?${qs}${htmx ? ' (htmx)' : ''}`, init: { method: 'GET', headers: {} }, sent: [], objectBody: null }, url, res, before)).status);
      }),
      fuzzParams(5),
    );
  });
});
