import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { allRoutes, checkAnswer, concretePath, digests, fixtureCache, TODAY, validForm, validJson, type FuzzRequest } from '../fuzz/harness.ts';

// The values that broke routes before, tried systematically: every field of every route's valid
// body, one at a time, set to each of them (random fuzzing finds them only now and then). Each
// answer must pass checkAnswer: no 5xx, nothing stored from a refusal, the field named.

const database = await testDatabase();
const db = database.db;
const app = testApp(db, TODAY, undefined, { as: 'admin' });

// Values past what PostgreSQL stores or what date arithmetic survives, by the kind of field.
const DATE = /^\d{4}-\d{2}-\d{2}$/;
function killers(valid: unknown, api: boolean): unknown[] {
  const dates = ['0000-01-01', '9999-12-31'];
  const numbers = api ? [2_147_483_648, 1e308] : ['2147483648', 'NaN'];
  const text = ['a\u0000b'];
  const kind = typeof valid === 'string' && DATE.test(valid) ? dates : typeof valid === 'number' || (typeof valid === 'string' && /^#?\d+$/.test(valid)) ? numbers : text;
  // And, on the API, the wrong type altogether.
  return api ? [...kind, []] : kind;
}

const routes = allRoutes(app).filter((r) => r.method !== 'GET');

const freshFixtures = fixtureCache(database);

describe('every field with the values that break things', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (key, route) => {
    const f = await freshFixtures(route.path);
    const d = digests(db);
    const path = concretePath(route.path, f);
    const api = path.startsWith('/api/');
    const base: Record<string, unknown> = api ? validJson(key, f) : validForm(key, f);
    // A route that reads no body still gets each kind of value in a field it might read.
    if (!Object.keys(base).length) Object.assign(base, { version: api ? 1 : '1', name: 'x', date: '2026-06-30' });
    const fields = Object.keys(base);
    for (const field of fields) {
      for (const value of killers(base[field], api)) {
        const body = { ...base, [field]: value };
        const req: FuzzRequest = api
          ? { label: `${field}=${JSON.stringify(value).slice(0, 40)}`, init: { method: route.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, sent: [], objectBody: Object.keys(body) }
          : { label: `${field}=${String(value).slice(0, 40)}`, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body as Record<string, string>).toString() }, sent: [], objectBody: null };
        const before = await d.before();
        d.answered((await checkAnswer(db, req, path, await app.app.request(path, req.init), before)).status);
      }
    }
  });
});

describe('a refusal for want of permission stores nothing', () => {
  // A rep who owns nothing, and nobody signed in: each valid body to each route they may not use.
  const others = [testApp(db, TODAY, undefined, { as: 'otherRep' }), testApp(db, TODAY, undefined, { as: 'anonymous' })];

  it('on every route that changes something', async () => {
    const f = await freshFixtures('/imports/:id');
    for (const who of others) await Promise.all([who.user(), who.apiUser()]); // their users exist before the first digest
    const d = digests(db);
    let refused = 0;
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const path = concretePath(route.path, f);
      const api = path.startsWith('/api/');
      for (const who of others) {
        const req: FuzzRequest = api
          ? { label: 'a valid body', init: { method: route.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(validJson(key, f)) }, sent: [], objectBody: null }
          : { label: 'a valid form', init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(validForm(key, f)).toString() }, sent: [], objectBody: null };
        const before = await d.before();
        const { status } = await checkAnswer(db, req, path, await who.app.request(path, req.init), before);
        d.answered(status);
        if (status === 401 || status === 403 || status === 303) refused++;
      }
    }
    // Most are refused (a rep may still add a prospect, sign out, or use their own page).
    expect(refused).toBeGreaterThan(routes.length);
  });
});

