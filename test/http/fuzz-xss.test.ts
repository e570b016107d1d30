import { beforeAll, describe, expect, it } from 'vitest';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { allRoutes, concretePath, fixtures, TODAY, WEEK, XSS, XSS_NEEDLES, type Fixtures } from '../fuzz/harness.ts';

// What a user typed never runs as script on any page: hostile but valid values are stored
// through the app's own forms and API in every free-text field that accepts them (names, notes,
// reasons, titles, regions, token names, meeting notes and action items, emails), then every page
// of the app (found by walking its routes) is fetched, whole and as htmx fragments, and none may
// show a payload as typed. Every HTML answer carries the content security policy. CSV exports
// neutralise formulas.

const database = await testDatabase();
const db = database.db;
const admin = testApp(db, TODAY, undefined, { as: 'admin' });

/** An email that is valid and still a payload. */
const XSS_EMAIL = `"><svg/onload=alert('xss8')>@evil.example`;
const NEEDLES = [...XSS_NEEDLES, '<svg/onload'];
const FORMULA = '=HYPERLINK("http://evil.example","x")';

type Made = Fixtures & { hostileProspect: number; hostileCustomer: number; hostileDeal: number; hostileUser: number };
let made: Made;

async function ok(res: Response | Promise<Response>, what: string) {
  const r = await res;
  expect(r.status, `${what}: ${(await r.clone().text()).slice(0, 300)}`).toBeLessThan(400);
  return r;
}

/** Stores a payload in every field that takes free text, through the real forms and API. */
async function storeHostileValues(): Promise<Made> {
  await resetDatabase(database);
  const f = await fixtures(db, '/imports/:id');
  const [s1, s2, s3, s4, s5, s6, s7] = XSS;
  const p = await (await ok(admin.json('POST', '/api/prospects', { name: s1, industry: s2, domain: 'hostile.example.com', employees: 600, need: 'high' }), 'prospect')).json();
  await ok(admin.form(`/prospects/${p.id}/signals`, { type: 'waiting_on_event', date: '2026-06-01', event: s3!, note: s4!, expectedDate: '2026-08-01' }), 'signal');
  await ok(admin.json('POST', `/api/prospects/${p.id}/signals`, { type: 'note', note: s5 }), 'note signal');
  const deal = await (await ok(admin.json('POST', `/api/accounts/${p.id}/deals`, { title: s6, value: 1000 }), 'deal')).json();
  // A second prospect, disqualified with a hostile reason, and a customer with hostile deals and touches.
  const q = await (await ok(admin.json('POST', '/api/prospects', { name: `${s7} ${FORMULA}`, industry: FORMULA }), 'prospect 2')).json();
  await ok(admin.json('POST', `/api/prospects/${q.id}/disqualification`, { reason: s1 }), 'disqualify');
  const c = await (await ok(admin.json('POST', '/api/prospects', { name: s2, domain: 'hostile-customer.example.com' }), 'customer')).json();
  await ok(admin.json('POST', `/api/accounts/${c.id}/deals`, { title: s3, value: 60_000, status: 'won', closedOn: '2026-06-01', marginPct: 30 }), 'won deal');
  await ok(admin.json('POST', `/api/accounts/${c.id}/deals`, { title: s4, value: 1_000, status: 'lost', lostReason: s5 }), 'lost deal');
  await ok(admin.form(`/customers/${c.id}/touches`, { type: 'visit', note: s6! }), 'touch');
  // People: names, regions, emails; a token with a hostile name; the meeting's notes and action items.
  const u = await (await ok(admin.json('POST', '/api/users', { email: XSS_EMAIL, name: s7, role: 'rep', level: 4, region: s1 }), 'user')).json();
  await ok(admin.form('/team', { email: 'second@example.com', name: s2!, role: 'rep', level: '3', capacity: '100', region: s3!, state: 'active', password: 'long-enough-password' }), 'team form');
  await ok(admin.form('/me/tokens', { name: s4! }), 'token');
  await ok(admin.form(`/review/weeks/${WEEK}/notes`, { body: s5! }), 'note');
  await ok(admin.json('POST', `/api/review/weeks/${WEEK}/action-items`, { text: s6, ownerId: u.id, dueOn: '2026-07-03', accountId: p.id }), 'action item');
  // Accounts owned by the hostile rep, so their name shows on the territory, home and lists.
  await ok(admin.json('PUT', `/api/accounts/${p.id}/owner`, { ownerId: u.id }), 'owner');
  await ok(admin.json('PUT', `/api/accounts/${c.id}/owner`, { ownerId: u.id }), 'owner 2');
  await ok(admin.json('POST', '/api/territory/plans', { cover: true }), 'plan');
  await ok(admin.json('POST', '/api/review/snapshots', {}), 'snapshot'); // already taken: a no-op
  return { ...f, prospect: p.id, customer: c.id, deal: deal.deal.id, target: u.id, hostileProspect: p.id, hostileCustomer: c.id, hostileDeal: deal.deal.id, hostileUser: u.id };
}

function expectSafe(path: string, res: Response, html: string) {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('text/html')) return;
  expect(res.headers.get('content-security-policy') ?? '', `${path}: no CSP`).toMatch(/default-src 'self'.*script-src 'self'/);
  expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
  for (const needle of NEEDLES) expect(html.includes(needle), `${path} shows ${needle} unescaped`).toBe(false);
  expect(/(href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(html), `${path} has a javascript: URL`).toBe(false);
  // No inline script at all: the CSP would block it anyway, and none of the views needs one.
  expect(/<script(?![^>]*\ssrc=)[^>]*>/i.test(html), `${path} has an inline script`).toBe(false);
}

describe('stored hostile values never run as script', () => {
  beforeAll(async () => {
    made = await storeHostileValues();
  }, 60_000);

  const routes = allRoutes(admin).filter((r) => r.method === 'GET' && !r.path.startsWith('/api/') && r.path !== '/assets/:name');

  it('the check itself catches a payload shown as typed', () => {
    const res = new Response('', { headers: { 'content-type': 'text/html', 'content-security-policy': "default-src 'self'; script-src 'self'", 'x-content-type-options': 'nosniff' } });
    for (const raw of [`<p>${XSS[0]}</p>`, `<input value="${XSS[1]}">`, '<a href="javascript:alert(1)">x</a>', '<script>var a = 1</script>']) expect(() => expectSafe('/x', res, raw)).toThrow();
    expect(() => expectSafe('/x', res, '<p>&lt;script&gt;alert(&quot;xss1&quot;)&lt;/script&gt;</p>')).not.toThrow();
  });

  it('the payloads were stored as typed (so the pages below do show them)', async () => {
    const p = await (await admin.get(`/api/prospects/${made.hostileProspect}`)).json();
    expect(p.name).toBe(XSS[0]);
    const u = await (await admin.get(`/api/users/${made.hostileUser}`)).json();
    expect(u).toMatchObject({ email: XSS_EMAIL.toLowerCase(), name: XSS[6], region: XSS[0] });
    // Escaped, the payload is there as text.
    const page = await (await admin.get(`/prospects/${made.hostileProspect}`)).text();
    expect(page).toContain('&lt;script&gt;alert(&quot;xss1&quot;)&lt;/script&gt;');
  });

  it.each(routes.map((r) => [r.path, r] as const))('GET %s', async (_, route) => {
    const path = concretePath(route.path, made);
    for (const [url, headers] of [
      [path, {}],
      [`${path}?q=${encodeURIComponent(XSS[0])}&next=${encodeURIComponent(XSS[3])}&week=${WEEK}&rep=${made.hostileUser}`, {}],
      [path, { 'HX-Request': 'true', 'HX-Request-Type': 'partial' }],
    ] as const) {
      const res = await admin.get(url, headers);
      const html = await res.text();
      expect(res.status, `${url}: ${html.slice(0, 200)}`).toBeLessThan(500);
      expectSafe(url, res, html);
    }
  });

  it('pages signed out (sign-in with a hostile next and email) are safe too', async () => {
    const anon = testApp(db, TODAY, undefined, { as: 'anonymous' });
    const get = await anon.get(`/sign-in?next=${encodeURIComponent(`/x"><script>alert("xss1")</script>`)}`);
    expectSafe('/sign-in', get, await get.text());
    const post = await anon.form('/sign-in', { email: XSS_EMAIL, password: 'whatever-long', next: `/"><img src=x onerror=alert(1)>` });
    expect(post.status).toBe(401);
    expectSafe('POST /sign-in', post, await post.text());
  });

  it('refused forms show the typed values back escaped', async () => {
    for (const [path, fields] of [
      ['/prospects', { name: XSS[0], domain: XSS[1], employees: XSS[2] }],
      [`/prospects/${made.hostileProspect}/signals`, { type: XSS[0], note: XSS[1], date: XSS[2] }],
      ['/team', { email: XSS[1], name: XSS[0], role: 'rep', level: XSS[4] }],
      [`/review/weeks/${WEEK}/action-items`, { text: XSS[0], ownerId: XSS[1], dueOn: XSS[2] }],
    ] as const) {
      const res = await admin.form(path, fields as Record<string, string>);
      expect(res.status, path).toBe(422);
      expectSafe(path, res, await res.text());
    }
  });

  it('CSV exports neutralise formulas a spreadsheet would run', async () => {
    const csv = await (await admin.get('/prospects.csv?status=disqualified')).text();
    expect(csv).toContain('HYPERLINK');
    // Every cell that starts with = is quoted with a leading apostrophe.
    const cells = csv.split(/\r\n/).flatMap((line) => line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
    expect(cells.filter((cell) => /^"?[=+@]/.test(cell))).toEqual([]);
  });
});
