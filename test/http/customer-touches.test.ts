import { beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, signals } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertCustomer } from '../support/customers.ts';
import { insertProspect } from '../support/factories.ts';

// Customers are called and visited (DOMAIN.md §5): touches logged on the page and the API count
// for the cadence and never change the tier.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

describe('touches on a customer', () => {
  it('a form post logs a call, shown on the page, audited, tier untouched', async () => {
    const c = await insertCustomer(db);
    const app = testApp(db);
    const res = await app.form(`/customers/${c.id}/touches`, { type: 'visit', date: '2026-06-29', note: 'Quarterly review on site' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/customers/${c.id}?saved=touch#touches`);
    const page = await (await app.get(`/customers/${c.id}?saved=touch`)).text();
    expect(page).toContain('Touch logged.');
    expect(page).toContain('Quarterly review on site');
    const [s] = await db.select().from(signals).where(eq(signals.accountId, c.id));
    expect(s).toMatchObject({ type: 'visit', date: '2026-06-29', loggedBy: 'web' });
    expect(await db.select().from(auditLog).where(and(eq(auditLog.accountId, c.id), eq(auditLog.action, 'logged')))).toHaveLength(1);
    const api = (await (await app.get(`/api/customers/${c.id}`)).json()) as { tier: string };
    expect(api.tier).toBe(c.tier);
  });

  it('refuses timing signals, future dates and bad types with the form kept (422), and unknown customers (404)', async () => {
    const c = await insertCustomer(db);
    const app = testApp(db);
    const bad = await app.form(`/customers/${c.id}/touches`, { type: 'selection_started', date: '2026-06-29', note: 'kept note' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('a customer&#39;s touch is one of: call, meeting, email, visit, note');
    expect(html).toContain('kept note');
    const future = await app.json('POST', `/api/customers/${c.id}/touches`, { type: 'call', date: '2027-01-01' });
    expect(future.status).toBe(422);
    expect(JSON.stringify(await future.json())).toContain('cannot be in the future');
    expect((await app.json('POST', '/api/customers/999999/touches', { type: 'call' })).status).toBe(404);
    const p = await insertProspect(db);
    expect((await app.json('POST', `/api/customers/${p.id}/touches`, { type: 'call' })).status).toBe(404);
    expect(await db.select().from(signals).where(eq(signals.accountId, c.id))).toHaveLength(0);
  });

  it('the API logs and lists touches', async () => {
    const c = await insertCustomer(db);
    const app = testApp(db);
    const res = await app.json('POST', `/api/customers/${c.id}/touches`, { type: 'call', date: '2026-06-20' });
    expect(res.status).toBe(201);
    const list = (await (await app.get(`/api/customers/${c.id}/touches`)).json()) as { touches: { type: string; date: string }[] };
    expect(list.touches.map((t) => [t.type, t.date])).toEqual([['call', '2026-06-20']]);
  });
});
