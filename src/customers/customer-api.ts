import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import type { AccountRow, DealRow, TierChangeRow } from '../db/schema.ts';
import { prospectJson } from '../prospects/api.ts';
import { jsonBody, notFoundJson, parseId, validationError, validJson } from '../shared/http.ts';
import { createDeal, deleteDeal, editDeal, loseDeal, recordPayment, reopenDeal, winDeal, type DealFailure, type DealOutcome } from './deal-actions.ts';
import { dealNotice, type DealNoticeKey } from './deal-notices.ts';
import { accountKind, customerQuerySchema, dealsOf, getDeal, listCustomers } from './queries.ts';
import { previewRetier, retierCustomers } from './retier.ts';
import { loadCustomerView } from './routes.tsx';
import { logTouch, touchSchema, touchesOf } from './touches.ts';
import { dealLossSchema, dealPatchSchema, dealWinSchema, newDealSchema, paymentSchema, versionOnlySchema } from './validation.ts';

export const dealJson = (d: DealRow) => ({
  id: d.id,
  accountId: d.accountId,
  title: d.title,
  value: d.value,
  marginPct: d.marginPct,
  status: d.status,
  expectedCloseOn: d.expectedCloseOn,
  closedOn: d.closedOn,
  lostReason: d.lostReason,
  version: d.version,
  createdBy: d.createdBy,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

/** An account as a customer (or, after a reversal, as the prospect it is again). */
export const customerJson = (a: AccountRow) => ({
  ...prospectJson(a),
  kind: a.kind,
  convertedOn: a.convertedOn,
  closedGrade: a.closedGrade,
  daysPaidLate: a.daysPaidLate,
  tier: a.tier,
  tierScore: a.tierScore,
  tierReason: a.tierReason,
  tieredOn: a.tieredOn,
  tierPolicyVersion: a.tierPolicyVersion,
});

export const tierChangeJson = (h: TierChangeRow) => ({
  from: h.fromTier,
  to: h.toTier,
  score: h.score,
  reasons: h.reasons,
  cause: h.cause,
  actor: h.actor,
  policyVersion: h.policyVersion,
  asOf: h.asOf,
  at: h.at.toISOString(),
});

function outcomeJson(r: DealOutcome, key: DealNoticeKey) {
  const what: DealNoticeKey = r.converted ? (r.reopened ? 'reconverted' : 'converted') : r.reversed ? 'reversed' : key;
  const notice = r.reopened ? `${dealNotice(what, r.account)} (It had been ${r.reopened.status}${r.reopened.reason ? `: ${r.reopened.reason}` : ''}.)` : dealNotice(what, r.account);
  return {
    deal: r.deal ? dealJson(r.deal) : null,
    account: customerJson(r.account),
    converted: r.converted,
    reopened: r.reopened,
    reversed: r.reversed,
    notice,
  };
}

function dealFailure(c: Context, f: DealFailure) {
  if (f.reason === 'not_found') return notFoundJson(c, 'deal');
  if (f.reason === 'conflict') return c.json({ error: 'conflict: the deal changed since the version you sent', currentVersion: f.current.version, current: dealJson(f.current) }, 409);
  return c.json({ error: 'validation failed', issues: Object.entries(f.errors).map(([path, message]) => ({ path, message })) }, 422);
}

/** A JSON body that may be left out entirely (an empty body reads as {}). */
async function optionalJsonBody(c: Context): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const raw = await c.req.text();
  if (raw.trim() === '') return { ok: true, body: {} };
  if (!(c.req.header('content-type') ?? '').includes('application/json')) return { ok: false, response: c.json({ error: 'send a JSON body with content-type: application/json' }, 415) };
  try {
    return { ok: true, body: JSON.parse(raw) };
  } catch {
    return { ok: false, response: c.json({ error: 'the body is not valid JSON' }, 400) };
  }
}

const previewQuery = z.object({ limit: z.coerce.number({ error: 'must be a number' }).int().min(0).max(100_000).optional() });

export function customerApi() {
  const app = new Hono<AppEnv>();

  app.get('/customers', async (c) => {
    const parsed = customerQuerySchema.safeParse(c.req.queries());
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await listCustomers(c.var.deps.db, parsed.data, c.var.deps.clock.today());
    return c.json({ counts: r.counts, total: r.total, page: r.page, pages: r.pages, customers: r.rows });
  });

  app.get('/customers/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const view = id && (await loadCustomerView(c.var.deps.db, id, c.var.deps.clock.today()));
    if (!view) return notFoundJson(c, 'customer');
    const t = view.tiering;
    return c.json({
      ...customerJson(view.account),
      tiering: {
        asOf: t.asOf,
        tier: t.tier,
        score: t.score,
        incomplete: t.incomplete,
        factors: t.factors,
        sales12m: t.sales12m,
        salesPrior12m: t.salesPrior12m,
        lifetimeSales: t.lifetimeSales,
        wonDeals12m: t.wonDeals12m,
        wonDeals: t.wonDeals,
        summary: view.summary,
        reasons: view.reasons,
      },
      deals: view.deals.map(dealJson),
      tierHistory: view.tierHistory.map(tierChangeJson),
    });
  });

  app.put('/customers/:id/payment', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'customer');
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    const b = body.body;
    if (typeof b !== 'object' || b === null || !('daysPaidLate' in b))
      return c.json({ error: 'validation failed', issues: [{ path: 'daysPaidLate', message: 'is required (null when not known)' }] }, 422);
    const parsed = paymentSchema.strict().safeParse(b);
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await recordPayment(c.var.deps.db, id, parsed.data, { today: c.var.deps.clock.today(), actor: c.var.actor });
    if (r.ok) return c.json(customerJson(r.account));
    if (r.reason === 'not_found') return notFoundJson(c, 'customer');
    return c.json({ error: 'conflict: the customer changed since the version you sent', currentVersion: r.current.version, current: customerJson(r.current) }, 409);
  });

  app.get('/customers/:id/touches', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id || (await accountKind(c.var.deps.db, id)) !== 'customer') return notFoundJson(c, 'customer');
    return c.json({ touches: await touchesOf(c.var.deps.db, id) });
  });

  app.post('/customers/:id/touches', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'customer');
    const parsed = await validJson(c, touchSchema(c.var.deps.clock.today()).strict());
    if (!parsed.ok) return parsed.response;
    const r = await logTouch(c.var.deps.db, id, parsed.data, { today: c.var.deps.clock.today(), actor: c.var.actor });
    if (!r.ok) return notFoundJson(c, 'customer');
    return c.json({ touch: r.signal }, 201);
  });

  app.get('/accounts/:id/deals', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id || !(await accountKind(c.var.deps.db, id))) return notFoundJson(c, 'account');
    return c.json({ deals: (await dealsOf(c.var.deps.db, id)).map(dealJson) });
  });

  app.post('/accounts/:id/deals', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'account');
    const today = c.var.deps.clock.today();
    const parsed = await validJson(c, newDealSchema(today, { strict: true }));
    if (!parsed.ok) return parsed.response;
    const r = await createDeal(c.var.deps.db, id, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return r.reason === 'not_found' ? notFoundJson(c, 'account') : dealFailure(c, r);
    c.header('Location', `/api/deals/${r.deal!.id}`);
    return c.json(outcomeJson(r, 'added'), 201);
  });

  app.get('/deals/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const deal = id && (await getDeal(c.var.deps.db, id));
    return deal ? c.json(dealJson(deal)) : notFoundJson(c, 'deal');
  });

  app.patch('/deals/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'deal');
    const parsed = await validJson(c, dealPatchSchema);
    if (!parsed.ok) return parsed.response;
    const { version, ...fields } = parsed.data;
    const r = await editDeal(c.var.deps.db, id, version, fields, { today: c.var.deps.clock.today(), actor: c.var.actor });
    return r.ok ? c.json(outcomeJson(r, 'saved')) : dealFailure(c, r);
  });

  const action = (path: 'win' | 'loss' | 'reopening') =>
    app.post(`/deals/:id/${path}`, async (c) => {
      const id = parseId(c.req.param('id'));
      if (!id) return notFoundJson(c, 'deal');
      const today = c.var.deps.clock.today();
      const ctx = { today, actor: c.var.actor };
      const body = path === 'loss' ? await jsonBody(c) : await optionalJsonBody(c);
      if (!body.ok) return body.response;
      const db = c.var.deps.db;
      let r: DealOutcome | DealFailure;
      if (path === 'win') {
        const parsed = dealWinSchema(today).strict().safeParse(body.body ?? {});
        if (!parsed.success) return validationError(c, parsed.error);
        r = await winDeal(db, id, parsed.data, ctx);
      } else if (path === 'loss') {
        const parsed = dealLossSchema(today).strict().safeParse(body.body ?? {});
        if (!parsed.success) return validationError(c, parsed.error);
        r = await loseDeal(db, id, parsed.data, ctx);
      } else {
        const parsed = versionOnlySchema.strict().safeParse(body.body ?? {});
        if (!parsed.success) return validationError(c, parsed.error);
        r = await reopenDeal(db, id, parsed.data.version, ctx);
      }
      return r.ok ? c.json(outcomeJson(r, path === 'win' ? 'won' : path === 'loss' ? 'lost' : 'reopened')) : dealFailure(c, r);
    });
  action('win');
  action('loss');
  action('reopening');

  app.delete('/deals/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'deal');
    // The version may come as ?version=N (a DELETE usually has no body).
    const parsed = versionOnlySchema.safeParse({ version: c.req.query('version') });
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await deleteDeal(c.var.deps.db, id, parsed.data.version, { today: c.var.deps.clock.today(), actor: c.var.actor });
    return r.ok ? c.json(outcomeJson(r, 'deleted')) : dealFailure(c, r);
  });

  app.get('/tiering/runs/preview', async (c) => {
    const parsed = previewQuery.safeParse({ limit: c.req.query('limit') || undefined });
    if (!parsed.success) return validationError(c, parsed.error);
    return c.json(await previewRetier(c.var.deps.db, { asOf: c.var.deps.clock.today(), limit: parsed.data.limit }));
  });

  app.post('/tiering/runs', async (c) => {
    const stats = await retierCustomers(c.var.deps.db, { asOf: c.var.deps.clock.today(), cause: 'manual', actor: c.var.actor.name });
    return c.json(stats, 201);
  });

  return app;
}
