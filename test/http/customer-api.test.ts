import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { accounts, auditLog, deals, gradeChanges, tierChanges } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer, insertDeal } from '../support/customers.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}
const allDeals = () => db.select().from(deals).orderBy(asc(deals.id));
/** Everything stored, to prove a rejected request changed nothing. */
async function everything() {
  return {
    accounts: await db.select().from(accounts).orderBy(asc(accounts.id)),
    deals: await allDeals(),
    gradeChanges: await db.select().from(gradeChanges).orderBy(asc(gradeChanges.id)),
    tierChanges: await db.select().from(tierChanges).orderBy(asc(tierChanges.id)),
    audit: await db.select().from(auditLog).orderBy(asc(auditLog.id)),
  };
}
const byPath = (body: { issues: { path: string; message: string }[] }) => Object.fromEntries(body.issues.map((i) => [i.path, i.message]));

async function hotProspect(over: Record<string, unknown> = {}) {
  const p = await insertProspect(db, { name: 'Acme Corp', ...over });
  await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
  return row(p.id);
}

describe('POST /api/accounts/:id/deals', () => {
  it('adds an open deal: 201 with the deal and the account, still a prospect', async () => {
    const p = await hotProspect();
    const res = await testApp(db).json('POST', `/api/accounts/${p.id}/deals`, { title: 'Pilot', value: 45_000, marginPct: 32, expectedCloseOn: '2026-09-01' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(res.headers.get('location')).toBe(`/api/deals/${body.deal.id}`);
    expect(await (await testApp(db).get(`/api/deals/${body.deal.id}`)).json()).toEqual(body.deal);
    expect((await testApp(db).get('/api/deals/4242')).status).toBe(404);
    expect(body).toMatchObject({
      deal: { accountId: p.id, title: 'Pilot', value: 45_000, marginPct: 32, status: 'open', expectedCloseOn: '2026-09-01', closedOn: null, version: 1, createdBy: 'api' },
      account: { id: p.id, kind: 'prospect', tier: null },
      converted: false,
      reversed: false,
      notice: 'Deal added.',
    });
  });

  it('a deal created as won converts the prospect and says so, with the closed-at grade and the tier', async () => {
    const p = await hotProspect();
    const res = await testApp(db).json('POST', `/api/accounts/${p.id}/deals`, { title: 'Licences', value: 20_000, marginPct: 30, status: 'won', closedOn: '2026-06-20' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      converted: true,
      reopened: null,
      account: { id: p.id, kind: 'customer', closedGrade: 'A', convertedOn: '2026-06-20', tier: 'Standard', tierScore: 57.4, status: 'open' },
      notice: 'Deal won: Acme Corp is now a customer, closed at grade A on 2026-06-20.',
    });
  });

  it('a won deal on a lost prospect reopens and converts it, and the response says it had been lost', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    expect((await t.json('POST', `/api/prospects/${p.id}/loss`, { reason: 'Went with a rival' })).status).toBe(200);
    const body = await (await t.json('POST', `/api/accounts/${p.id}/deals`, { title: 'Came back', value: 20_000, status: 'won' })).json();
    expect(body).toMatchObject({ converted: true, reopened: { status: 'lost', reason: 'Went with a rival' }, account: { kind: 'customer', status: 'open' } });
    expect(body.notice).toBe('Deal won: Acme Corp was reopened and is now a customer, closed at grade A on 2026-06-30. (It had been lost: Went with a rival.)');
  });

  it('answers 422 naming each bad field and stores nothing', async () => {
    const p = await hotProspect();
    const t = testApp(db);
    const before = await everything();
    const cases: [Record<string, unknown>, Record<string, string | RegExp>][] = [
      [{ title: '', value: -1, marginPct: 101 }, { title: 'Title is required', value: 'must be at least 0', marginPct: 'must be at most 100' }],
      [{ title: 'x', marginPct: -0.5 }, { value: 'Value is required', marginPct: 'must be at least 0' }],
      [{ title: 'x', value: 10, status: 'won', closedOn: '2026-07-01' }, { closedOn: 'a won deal cannot close in the future' }],
      [{ title: 'x', value: 10, status: 'lost' }, { lostReason: 'give the reason the deal was lost' }],
      [{ title: 'x', value: 10, status: 'open', closedOn: '2026-06-01' }, { closedOn: 'only a won or lost deal has a close date' }],
      [{ title: 'x', value: 10, status: 'maybe' }, { status: /must be one of: open, won, lost/ }],
      [{ title: 'x', value: 'lots' }, { value: 'must be a number' }],
      [{ title: 'x', value: 10, expectedCloseOn: '2026-02-30' }, { expectedCloseOn: /real date/ }],
    ];
    for (const [input, expected] of cases) {
      const res = await t.json('POST', `/api/accounts/${p.id}/deals`, input);
      expect(res.status, JSON.stringify(input)).toBe(422);
      const body = await res.json();
      expect(body.error).toBe('validation failed');
      const got = byPath(body);
      expect(Object.keys(got).sort(), JSON.stringify(input)).toEqual(Object.keys(expected).sort());
      for (const [k, v] of Object.entries(expected)) expect(got[k]).toMatch(v);
    }
    expect(await everything()).toEqual(before);
  });

  it('an unknown account is a 404', async () => {
    const res = await testApp(db).json('POST', '/api/accounts/4242/deals', { title: 'x', value: 1 });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'account not found' });
    expect((await testApp(db).get('/api/accounts/4242/deals')).status).toBe(404);
  });
});

describe('deal state changes', () => {
  it('win, loss and reopening; GET lists the deals', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const d = (await insertDeal(db, c.id, { title: 'Upsell', value: 100_000 })).deal!;
    const lost = await t.json('POST', `/api/deals/${d.id}/loss`, { lostReason: 'Budget cut', version: 1 });
    expect(lost.status).toBe(200);
    expect((await lost.json()).deal).toMatchObject({ status: 'lost', lostReason: 'Budget cut', closedOn: '2026-06-30', version: 2 });
    const reopened = await t.json('POST', `/api/deals/${d.id}/reopening`);
    expect((await reopened.json()).deal).toMatchObject({ status: 'open', lostReason: null, closedOn: null, version: 3 });
    const won = await (await t.json('POST', `/api/deals/${d.id}/win`, { closedOn: '2026-06-29' })).json();
    expect(won).toMatchObject({ converted: false, deal: { status: 'won', closedOn: '2026-06-29' }, account: { tier: 'Key', tierScore: 74.3 }, notice: 'Deal won; the tier is re-scored.' });
    const list = await (await t.get(`/api/accounts/${c.id}/deals`)).json();
    expect(list.deals.map((x: { title: string; closedOn: string }) => [x.title, x.closedOn])).toEqual([
      [expect.stringMatching(/^Deal \d+$/), '2026-06-30'],
      ['Upsell', '2026-06-29'],
    ]);
  });

  it('refuses to win a lost deal or to lose a won one (422), and stale versions (409), changing nothing', async () => {
    const t = testApp(db);
    const p = await hotProspect();
    const lost = (await insertDeal(db, p.id, { status: 'lost', lostReason: 'Price' })).deal!;
    const open = (await insertDeal(db, p.id, { title: 'Open' })).deal!;
    const before = await everything();
    const winLost = await t.json('POST', `/api/deals/${lost.id}/win`, {});
    expect(winLost.status).toBe(422);
    expect(await winLost.json()).toEqual({ error: 'validation failed', issues: [{ path: 'status', message: 'This deal was lost: reopen it before marking it won.' }] });
    const noReason = await t.json('POST', `/api/deals/${open.id}/loss`, {});
    expect(noReason.status).toBe(422);
    expect(byPath(await noReason.json())).toEqual({ lostReason: 'give the reason the deal was lost' });
    const future = await t.json('POST', `/api/deals/${open.id}/win`, { closedOn: '2026-07-02' });
    expect(byPath(await future.json())).toEqual({ closedOn: 'a won deal cannot close in the future' });
    const unknownField = await t.json('POST', `/api/deals/${open.id}/win`, { closedOn: '2026-06-01', value: 5 });
    expect(byPath(await unknownField.json())).toEqual({ value: 'unknown field' });
    const stale = await t.json('POST', `/api/deals/${open.id}/win`, { version: 9 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: expect.stringMatching(/^conflict/), currentVersion: 1, current: { id: open.id, status: 'open' } });
    const staleEdit = await t.json('PATCH', `/api/deals/${open.id}`, { value: 1, version: 2 });
    expect(staleEdit.status).toBe(409);
    const staleDelete = await t.json('DELETE', `/api/deals/${open.id}?version=2`);
    expect(staleDelete.status).toBe(409);
    expect(await everything()).toEqual(before);
    // Once won it cannot be lost without reopening it first.
    expect((await t.json('POST', `/api/deals/${open.id}/win`, { version: 1 })).status).toBe(200);
    const loseWon = await t.json('POST', `/api/deals/${open.id}/loss`, { lostReason: 'Changed mind' });
    expect(loseWon.status).toBe(422);
    expect(byPath(await loseWon.json())).toEqual({ status: 'This deal was won: reopen it before marking it lost.' });
  });

  it('unknown deals are 404s', async () => {
    const t = testApp(db);
    for (const [method, path, body] of [
      ['POST', '/api/deals/4242/win', {}],
      ['POST', '/api/deals/4242/loss', { lostReason: 'x' }],
      ['POST', '/api/deals/4242/reopening', {}],
      ['DELETE', '/api/deals/4242', undefined],
      ['PATCH', '/api/deals/4242', { value: 1, version: 1 }],
      ['POST', '/api/deals/nope/win', {}],
    ] as const) {
      const res = await t.json(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it('DELETE of the only won deal reverses the conversion; the response says so', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db, { name: 'Acme Corp' });
    const [d] = await allDeals();
    const res = await t.json('DELETE', `/api/deals/${d!.id}?version=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      deal: null,
      reversed: true,
      account: { id: c.id, kind: 'prospect', status: 'open', tier: null, closedGrade: null, convertedOn: null },
      notice: 'The only won deal was undone: Acme Corp is a prospect again, open and re-graded as of today.',
    });
    expect(await allDeals()).toEqual([]);
    expect((await db.select().from(auditLog)).map((a) => [a.entity, a.action, a.actor]).slice(-2)).toEqual([
      ['deal', 'deleted', 'api'],
      ['account', 'conversion_reversed', 'api'],
    ]);
  });

  it('PATCH edits a deal on its version; a won deal re-scores the tier', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const [d] = await allDeals();
    const res = await t.json('PATCH', `/api/deals/${d!.id}`, { value: 100_000, version: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ deal: { value: 100_000, version: 2 }, account: { tier: 'Key' } });
    const bad = await t.json('PATCH', `/api/deals/${d!.id}`, { value: -1, marginPct: 200, version: 2 });
    expect(bad.status).toBe(422);
    expect(byPath(await bad.json())).toEqual({ value: 'must be at least 0', marginPct: 'must be at most 100' });
    expect(await row(c.id)).toMatchObject({ tier: 'Key' });
  });
});

describe('customers', () => {
  it('GET /api/customers lists customers with counts per tier, filtered by tier, change, search, sorted by score or name', async () => {
    const t = testApp(db);
    await insertCustomer(db, { name: 'Summit Steel', domain: 'summit.io' }, [{ value: 250_000, marginPct: 45 }]);
    await insertCustomer(db, { name: 'Keystone Kitchens', domain: 'keystone.io' }, [{ value: 100_000 }]);
    await insertCustomer(db, { name: 'Old Oak', domain: 'oak.io', addedOn: '2025-01-01' }, [{ value: 20_000, closedOn: '2025-02-01' }], '2025-02-01');
    await insertProspect(db, { name: 'Prospect Pete' });
    const names = (b: { customers: { name: string }[] }) => b.customers.map((c) => c.name);
    const all = await (await t.get('/api/customers')).json();
    expect(all).toMatchObject({ total: 3, page: 1, pages: 1 });
    expect(names(all)).toEqual(['Summit Steel', 'Keystone Kitchens', 'Old Oak']);
    expect(all.counts.sort((a: { tier: string }, b: { tier: string }) => a.tier.localeCompare(b.tier))).toEqual([
      { tier: 'Key', n: 1 },
      { tier: 'Standard', n: 1 },
      { tier: 'Strategic', n: 1 },
    ]);
    expect(all.customers[0]).toMatchObject({ tier: 'Strategic', tierScore: 91.1, closedGrade: 'C', convertedOn: '2026-06-30', tierReason: expect.stringMatching(/^Strategic: score 91\.1/) });
    expect(names(await (await t.get('/api/customers?tier=Key,Standard')).json())).toEqual(['Keystone Kitchens', 'Old Oak']);
    expect(names(await (await t.get('/api/customers?changedDays=7')).json())).toEqual(['Summit Steel', 'Keystone Kitchens']);
    expect(names(await (await t.get('/api/customers?q=OAK')).json())).toEqual(['Old Oak']);
    expect(names(await (await t.get('/api/customers?sort=name&dir=desc')).json())).toEqual(['Summit Steel', 'Old Oak', 'Keystone Kitchens']);
    const bad = await t.get('/api/customers?changedDays=0&sort=evil');
    expect(bad.status).toBe(422);
    expect(Object.keys(byPath(await bad.json())).sort()).toEqual(['changedDays', 'sort']);
  });

  it('GET /api/customers/:id explains the tier, live as of today, with deals and tier history; a prospect is not a customer', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db, { name: 'Acme Corp' });
    const body = await (await t.get(`/api/customers/${c.id}`)).json();
    expect(body).toMatchObject({
      id: c.id,
      kind: 'customer',
      tier: 'Standard',
      tiering: { asOf: '2026-06-30', tier: 'Standard', score: 57.4, incomplete: true, sales12m: 20_000, wonDeals: 1, summary: expect.stringMatching(/^Standard: score 57\.4/) },
      deals: [{ title: expect.any(String), status: 'won' }],
      tierHistory: [{ from: null, to: 'Standard', cause: 'converted', actor: 'test' }],
    });
    expect(body.tiering.reasons).toContain('Tier Standard as of 2026-06-30.');
    expect(body.tiering.factors.map((f: { factor: string }) => f.factor)).toEqual(['sales12m', 'lifetimeSales', 'credit', 'margin', 'growth']);
    const p = await insertProspect(db);
    expect((await t.get(`/api/customers/${p.id}`)).status).toBe(404);
    expect((await t.get('/api/customers/4242')).status).toBe(404);
  });

  it('PUT /api/customers/:id/payment records days paid late and re-scores; 422, 404 and 409 change nothing', async () => {
    const t = testApp(db);
    const c = await insertCustomer(db);
    const p = await insertProspect(db);
    const before = await everything();
    expect((await t.json('PUT', `/api/customers/${c.id}/payment`, {})).status).toBe(422);
    const neg = await t.json('PUT', `/api/customers/${c.id}/payment`, { daysPaidLate: -1 });
    expect(byPath(await neg.json())).toEqual({ daysPaidLate: 'must be at least 0' });
    expect((await t.json('PUT', `/api/customers/${p.id}/payment`, { daysPaidLate: 3 })).status).toBe(404);
    expect((await t.json('PUT', `/api/customers/${c.id}/payment`, { daysPaidLate: 3, version: 99 })).status).toBe(409);
    expect(await everything()).toEqual(before);
    const ok = await t.json('PUT', `/api/customers/${c.id}/payment`, { daysPaidLate: 0, version: c.version });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ daysPaidLate: 0, tier: 'Key', tierScore: 65.9, version: c.version + 1 });
    expect((await db.select().from(tierChanges)).at(-1)).toMatchObject({ cause: 'payment', actor: 'api', fromTier: 'Standard', toTier: 'Key' });
  });
});

describe('re-tier runs', () => {
  it('GET /api/tiering/runs/preview lists the changes and writes nothing; POST /api/tiering/runs applies them once', async () => {
    const t = testApp(db, '2026-07-01');
    const fading = await insertCustomer(db, { name: 'Fading Foods', addedOn: '2025-05-01' }, [{ value: 250_000, marginPct: 45, closedOn: '2025-06-15' }], '2025-06-15');
    await insertCustomer(db, { name: 'Steady Steel' }, [{ value: 250_000, marginPct: 45, closedOn: '2026-06-01' }], '2026-06-01');
    const before = await everything();
    const preview = await (await t.get('/api/tiering/runs/preview')).json();
    expect(preview).toEqual({
      asOf: '2026-07-01',
      policyVersion: 1,
      scanned: 2,
      changes: 1,
      rescored: 0,
      byMove: [{ from: 'Strategic', to: 'Standard', n: 1 }],
      moves: [{ id: fading.id, name: 'Fading Foods', from: 'Strategic', to: 'Standard', fromScore: 91.1, score: 33.8 }],
      truncated: false,
    });
    expect((await (await t.get('/api/tiering/runs/preview?limit=0')).json())).toMatchObject({ changes: 1, moves: [], truncated: true });
    expect((await t.get('/api/tiering/runs/preview?limit=x')).status).toBe(422);
    expect(await everything()).toEqual(before);

    const run = await t.json('POST', '/api/tiering/runs');
    expect(run.status).toBe(201);
    expect(await run.json()).toMatchObject({ asOf: '2026-07-01', scanned: 2, updated: 1, changed: 1 });
    expect((await db.select().from(tierChanges)).filter((c) => c.cause === 'manual')).toEqual([expect.objectContaining({ accountId: fading.id, fromTier: 'Strategic', toTier: 'Standard', score: 33.8, actor: 'api' })]);
    const again = await (await t.json('POST', '/api/tiering/runs')).json();
    expect(again).toMatchObject({ scanned: 2, updated: 0, changed: 0 });
  });
});
