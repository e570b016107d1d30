import { afterAll, describe, expect, it, vi } from 'vitest';
import { openPostgres } from '../../src/db/client.ts';
import { testApp, text } from '../support/app.ts';

// The database unreachable: nothing listens on port 9, so every connection is refused. This
// needs no test database, so it runs the same under either project.
const unreachable = await openPostgres('postgres://postgres@127.0.0.1:9/none');
afterAll(() => unreachable.close());

const MESSAGE = 'The database is not reachable right now. Nothing was saved; please try again in a moment.';

/** The response and how long it took, with the app's outage warnings kept off the test output. */
async function timed(request: () => Response | Promise<Response>) {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const started = performance.now();
  try {
    const res = await request();
    const elapsed = performance.now() - started;
    // Outages are warned about, never reported as bugs.
    expect(error).not.toHaveBeenCalled();
    return { res, elapsed };
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
}

function expectNoInternals(body: string) {
  expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres:\/\/|\bat [\w.<>]+ \(|node_modules|\.ts:\d+/);
}

describe('with the database unreachable', () => {
  const t = testApp(unreachable.db);

  it('a page answers 503 with a clear message and no stack trace', async () => {
    const { res, elapsed } = await timed(() => t.get('/prospects'));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('retry-after')).toBe('5');
    const html = await res.text();
    expect(html).toContain('<html');
    const body = text(html);
    expect(body).toContain('Service unavailable');
    expect(body).toContain(MESSAGE);
    expectNoInternals(html);
  });

  it('a prospect page answers 503 too, not 404', async () => {
    const { res, elapsed } = await timed(() => t.get('/prospects/1'));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(text(await res.text())).toContain(MESSAGE);
  });

  it('the API answers 503 JSON {error} with Retry-After', async () => {
    const { res, elapsed } = await timed(() => t.get('/api/prospects'));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const raw = await res.text();
    expect(JSON.parse(raw)).toEqual({ error: MESSAGE });
    expectNoInternals(raw);
  });

  it('an API write answers 503 JSON, never 500', async () => {
    const { res, elapsed } = await timed(() => t.json('POST', '/api/prospects', { name: 'Acme', domain: 'acme.com' }));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: MESSAGE });
  });

  it('an htmx post answers 503 with a fragment retargeted to #flash', async () => {
    const { res, elapsed } = await timed(() => t.form('/prospects/1/signals', { type: 'call', date: '2026-06-30' }, { 'HX-Request': 'true' }));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(res.headers.get('hx-retarget')).toBe('#flash');
    expect(res.headers.get('hx-reswap')).toBe('innerHTML');
    const html = await res.text();
    expect(html).not.toContain('<html');
    expect(html).toContain('role="alert"');
    expect(text(html)).toBe(MESSAGE);
    expectNoInternals(html);
  });

  it('/healthz answers 503', async () => {
    const { res, elapsed } = await timed(() => t.get('/healthz'));
    expect(elapsed).toBeLessThan(8000);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, error: 'database unavailable' });
  });

  it('keeps answering within seconds however long the outage lasts', async () => {
    // Refused connections are retried with a backoff: it must not grow to keep requests waiting.
    const slowest: { ms: number; i?: number } = { ms: 0 };
    for (let i = 0; i < 30; i++) {
      const { res, elapsed } = await timed(() => t.get(i % 2 ? '/api/prospects' : '/healthz'));
      expect(res.status).toBe(503);
      if (elapsed > slowest.ms) Object.assign(slowest, { ms: elapsed, i });
    }
    expect(slowest.ms).toBeLessThan(8000);
  }, 120_000);

  it('pages that need no database still answer', async () => {
    const { res } = await timed(() => t.get('/assets/app.css'));
    expect(res.status).toBe(200);
  });
});
