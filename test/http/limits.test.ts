import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, MAX_BODY_BYTES } from '../../src/app.tsx';
import { parseConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, apiToken, cookieHeader, ensureUser, sessionToken } from '../support/auth.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { changedTables, tableDigest } from '../fuzz/harness.ts';

// Request size limits: a body over 1 MiB (MAX_BODY_BYTES) is refused with 413 and a message, as
// JSON on the API and as a page on the site, whether it says its length or streams in chunks,
// before anything is stored. A body under the limit gets through to the route. CSV uploads have
// their own, larger limit (IMPORT_MAX_BYTES) and say so.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const OVER = MAX_BODY_BYTES + 1;

/** A body that arrives in pieces, with no content-length (as chunked transfer encoding). */
function streamed(bytes: number, piece = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= bytes) return ctrl.close();
      const n = Math.min(piece, bytes - sent);
      sent += n;
      ctrl.enqueue(new Uint8Array(n).fill(0x61)); // "a"
    },
  });
}

const jsonOf = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes - 11) }); // {"name":"…"} is 11 bytes more

async function expectApi413(res: Response) {
  expect(res.status).toBe(413);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(await res.json()).toEqual({ error: `request body too large (limit ${MAX_BODY_BYTES} bytes)` });
}

async function expectPage413(res: Response) {
  expect(res.status).toBe(413);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  const page = text(await res.text());
  expect(page).toContain('Too large');
  expect(page).toContain('That request is larger than 1024 KiB.');
}

describe('the 1 MiB body limit, in process', () => {
  it('an API body over the limit that says its length: 413 as JSON, nothing stored', async () => {
    const t = testApp(db);
    await t.apiUser(); // made now, not by the request
    const before = await tableDigest(db);
    const body = jsonOf(OVER);
    expect(body.length).toBe(OVER);
    await expectApi413(await t.app.request('/api/prospects', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body }));
    expect(changedTables(before, await tableDigest(db))).toEqual([]);
  });

  it('an API body over the limit that streams without a length: 413 as JSON', async () => {
    const t = testApp(db);
    await expectApi413(await t.app.request('/api/prospects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamed(OVER), duplex: 'half' } as RequestInit));
  });

  it('a form over the limit (with or without its length, urlencoded or multipart): 413 as a page, nothing stored', async () => {
    const t = testApp(db);
    await t.user();
    const before = await tableDigest(db);
    const form = `name=${'x'.repeat(OVER)}`;
    await expectPage413(await t.app.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) }, body: form }));
    await expectPage413(await t.app.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: streamed(OVER), duplex: 'half' } as RequestInit));
    const fd = new FormData();
    fd.append('name', 'Upload Ltd');
    fd.append('file', new Blob([new Uint8Array(OVER)]), 'big.bin');
    await expectPage413(await t.app.request('/prospects', { method: 'POST', body: fd }));
    expect(changedTables(before, await tableDigest(db))).toEqual([]);
  });

  it('htmx gets the same 413 page (it swaps in error answers)', async () => {
    const t = testApp(db);
    const res = await t.app.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'HX-Request': 'true' }, body: streamed(OVER), duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('a body just under the limit gets through to the route (here: a name too long, 422 naming it)', async () => {
    const t = testApp(db);
    const res = await t.app.request('/api/prospects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonOf(MAX_BODY_BYTES) });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ issues: [{ path: 'name', message: 'must be at most 200 characters' }] });
    const page = await t.app.request('/prospects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${'x'.repeat(MAX_BODY_BYTES - 5)}` });
    expect(page.status).toBe(422);
    expect(text(await page.text())).toContain('must be at most 200 characters');
  });

  it('the limit holds on every route that takes a body (not only where a route reads it)', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    const routes = t.hono.routes.filter((r) => r.method !== 'ALL' && r.method !== 'GET' && !/^\/(api\/)?imports$/.test(r.path));
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const path = r.path.replace(/:\w+/g, '1');
      const res = await t.app.request(path, { method: r.method, headers: { 'content-type': path.startsWith('/api/') ? 'application/json' : 'application/x-www-form-urlencoded' }, body: streamed(OVER), duplex: 'half' } as RequestInit);
      expect(res.status, `${r.method} ${r.path}`).toBe(413);
    }
  });
});

describe('the limit over a real socket', () => {
  let server: TestServer;
  let token: string;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer(db);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    const manager = await ensureUser(db, PEOPLE.manager);
    token = await apiToken(db, manager.id);
    cookie = cookieHeader(await sessionToken(db, manager.id, new Date('2026-06-30T12:00:00Z')));
  });

  /**
   * A POST over node:http, which (unlike fetch) takes an answer that comes before the body is all
   * sent; on a connection of its own, since the server closes one whose body it did not read.
   */
  function post(path: string, headers: Record<string, string>, body: string): Promise<Response> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            resolve(new Response(new Uint8Array(Buffer.concat(chunks)), { status: res.statusCode!, headers: h }));
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      // The server may answer 413 and close before reading it all: a write error then is expected.
      req.on('error', (err) => (req.writableFinished ? undefined : (err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      req.end(body);
    });
  }

  it('API and page: 413 with the message; the server stays up', async () => {
    await expectApi413(await post('/api/prospects', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, jsonOf(OVER)));
    await expectPage413(await post('/prospects', { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' }, `name=${'x'.repeat(OVER)}`));
    const after = await fetch(`${server.url}/api/prospects`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Still Up Ltd' }) });
    expect(after.status).toBe(201);
  });
});

describe('CSV uploads: their own limit, said in the answer', () => {
  // A small limit, so the test sends little.
  const small = () => createApp({ db, config: { ...parseConfig({ SCHEDULER: 'off' }), importMaxBytes: 2_000 } as ReturnType<typeof parseConfig>, clock: fixedClock('2026-06-30') });
  const csv = 'name,domain\n' + Array.from({ length: 200 }, (_, i) => `Company ${i},c${i}.example.com`).join('\n');

  it.runIf(testApp(db).hono.routes.some((r) => r.method === 'POST' && r.path === '/api/imports'))('API (streamed or with its length) and page: 413 naming the limit; no job kept', async () => {
    const manager = await ensureUser(db, PEOPLE.manager);
    const app = small();
    const before = await tableDigest(db);
    const upload = () => {
      const fd = new FormData();
      fd.append('kind', 'prospects');
      fd.append('file', new Blob([csv], { type: 'text/csv' }), 'big.csv');
      return fd;
    };
    const api = await app.request('/api/imports?kind=prospects', { method: 'POST', headers: { authorization: `Bearer ${await apiToken(db, manager.id)}`, 'content-type': 'text/csv' }, body: csv });
    expect(api.status).toBe(413);
    expect((await api.json()).error).toMatch(/larger than the import limit of 2 KiB/);
    const told = await app.request('/api/imports?kind=prospects', { method: 'POST', headers: { authorization: `Bearer ${await apiToken(db, manager.id)}`, 'content-type': 'text/csv', 'content-length': String(csv.length) }, body: csv });
    expect(told.status).toBe(413);
    expect((await told.json()).error).toMatch(/larger than the import limit of 2 KiB/);
    const page = await app.request('/imports', { method: 'POST', headers: { cookie: cookieHeader(await sessionToken(db, manager.id, new Date('2026-06-30T12:00:00Z'))), origin: 'http://localhost' }, body: upload() });
    expect(page.status).toBe(413);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(text(await page.text())).toMatch(/larger than the import limit of 2 KiB/);
    expect(changedTables(before, await tableDigest(db))).toEqual([]);
  });
});
