import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Db } from '../db/client.ts';
import type { DealRow } from '../db/schema.ts';
import { currentPolicy } from '../policy/store.ts';
import { accountCadence } from '../cadence/queries.ts';
import { gradeHistoryOf } from '../prospects/queries.ts';
import { loadProspectView } from '../prospects/routes.tsx';
import { formValues, isHtmx, parseId } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import { emptyForm, type FormState } from '../../views/components.tsx';
import { CustomerListPage, CustomerResults } from '../../views/customers/list.tsx';
import { CustomerPage, CustomerPanel, type CustomerView } from '../../views/customers/show.tsx';
import { DealEditPage, DealsPanel, type DealProblem } from '../../views/customers/deals.tsx';
import { RetierPage } from '../../views/customers/tiering.tsx';
import { ErrorFragment, MessagePage } from '../../views/errors.tsx';
import { ProspectPage } from '../../views/prospects/show.tsx';
import { customerFacts } from './apply-tiering.ts';
import { createDeal, deleteDeal, editDeal, loseDeal, recordPayment, reopenDeal, winDeal, type DealFailure, type DealOutcome } from './deal-actions.ts';
import { explainTier, tierSummary } from './explain-tier.ts';
import { customersCsv } from './export.ts';
import { accountKind, auditOf, customerQuerySchema, dealsOf, getAccount, getCustomer, getDeal, listCustomers, tierHistoryOf } from './queries.ts';
import { previewRetier, retierCustomers } from './retier.ts';
import { accountPath, dealNotice, type DealNoticeKey } from './deal-notices.ts';
import { scoreCustomer } from './tiering.ts';
import { ownerInfo } from '../ownership/owner-change.ts';
import { logTouch, touchSchema, touchesOf } from './touches.ts';
import { dealEditSchema, dealLossSchema, dealWinSchema, newDealSchema, paymentSchema, versionOnlySchema } from './validation.ts';

/** Everything a customer's page shows, its tier scored live as of today so the explanation is always current. */
export async function loadCustomerView(db: Db, id: number, today: string): Promise<CustomerView | null> {
  const account = await getCustomer(db, id);
  if (!account) return null;
  const [deals, tierHistory, gradeHistory, audit, { policy }, owner, touches] = await Promise.all([dealsOf(db, id), tierHistoryOf(db, id), gradeHistoryOf(db, id), auditOf(db, id), currentPolicy(db), ownerInfo(db, account), touchesOf(db, id)]);
  const tiering = scoreCustomer(customerFacts(account), deals, policy.tiering, today);
  const cadence = await accountCadence(db, account, policy.cadence, today);
  return { account, deals, tiering, summary: tierSummary(tiering, policy.tiering), reasons: explainTier(tiering, policy.tiering), tierHistory, gradeHistory, audit, today, owner, cadence, touches };
}

function notFoundPage(c: Context, what = 'Customer') {
  if (isHtmx(c)) {
    // htmx swaps error responses too: put the message in the flash area, not in the panel.
    c.header('HX-Retarget', '#flash');
    c.header('HX-Reswap', 'innerHTML');
    return c.html(<ErrorFragment message={`That ${what.toLowerCase()} no longer exists.`} />, 404);
  }
  return c.html(<MessagePage title={`${what} not found`} message={`There is no ${what.toLowerCase()} with that number. It may have been typed wrong, or deleted.`} />, 404);
}

type Extra = { dealForm?: FormState; dealProblem?: DealProblem; dealNotice?: string; problem?: string };

/** The account a deal belongs to, as its page (or, for htmx, its deals panel) with a notice or a problem. */
async function renderAccount(c: Context<AppEnv>, id: number, status: 200 | 409 | 422, extra: Extra) {
  const { db, clock } = c.var.deps;
  const today = clock.today();
  const kind = await accountKind(db, id);
  const dealForm = extra.dealForm ?? emptyForm({ status: 'open' });
  if (kind === 'customer') {
    const view = (await loadCustomerView(db, id, today))!;
    const props = { ...view, dealForm, dealProblem: extra.dealProblem, dealNotice: extra.dealNotice };
    return isHtmx(c) ? c.html(<CustomerPanel {...props} />, status) : c.html(<CustomerPage {...props} problem={extra.problem} />, status);
  }
  const view = kind && (await loadProspectView(db, id, today));
  if (!view) return notFoundPage(c, 'Account');
  if (isHtmx(c)) return c.html(<DealsPanel account={view.account} deals={view.deals ?? []} dealForm={dealForm} today={today} dealProblem={extra.dealProblem} dealNotice={extra.dealNotice} />, status);
  return c.html(<ProspectPage {...view} signalForm={emptyForm({ date: today })} dealForm={dealForm} dealProblem={extra.dealProblem} problem={extra.problem} />, status);
}

/** After a deal action: without JS a redirect to the account's page; with htmx the panel, or a full redirect when the account changed kind. */
async function done(c: Context<AppEnv>, r: DealOutcome, key: DealNoticeKey) {
  const what: DealNoticeKey = r.converted ? (r.reopened ? 'reconverted' : 'converted') : r.reversed ? 'reversed' : key;
  const url = `${accountPath(r.account)}?deal=${what}`;
  if (!isHtmx(c)) return c.redirect(`${url}#deals`, 303);
  if (r.converted || r.reversed) {
    c.header('HX-Redirect', url);
    return c.body(null, 200);
  }
  return renderAccount(c, r.account.id, 200, { dealNotice: dealNotice(what, r.account) });
}

function dealFailed(c: Context<AppEnv>, f: DealFailure, deal: DealRow) {
  if (f.reason === 'not_found') return notFoundPage(c, 'Deal');
  if (f.reason === 'conflict')
    return renderAccount(c, deal.accountId, 409, {
      dealProblem: { dealId: deal.id, message: `The deal “${f.current.title}” changed while you were looking at it (it is now ${f.current.status}): review it and try again.` },
    });
  return renderAccount(c, deal.accountId, 422, { dealProblem: { dealId: deal.id, message: Object.values(f.errors).join(' ') } });
}

const NOTICES: Record<string, string> = { payment: 'Payment record saved; the tier is re-scored.', touch: 'Touch logged.' };

export function customerPages() {
  const app = new Hono<AppEnv>();

  app.get('/customers', async (c) => {
    const { db, clock } = c.var.deps;
    const parsed = customerQuerySchema.safeParse(c.req.queries());
    const q = parsed.success ? parsed.data : customerQuerySchema.parse({});
    const today = clock.today();
    const [result, { policy }] = await Promise.all([listCustomers(db, q, today), currentPolicy(db)]);
    const props = { q, result, tiers: policy.tiering.tiers.map((t) => t.name), today };
    c.header('Vary', 'HX-Request');
    if (isHtmx(c) && c.req.header('HX-Request-Type') === 'partial') return c.html(<CustomerResults {...props} />);
    return c.html(<CustomerListPage {...props} />);
  });

  app.get('/customers.csv', async (c) => {
    const parsed = customerQuerySchema.safeParse(c.req.queries());
    const q = parsed.success ? parsed.data : customerQuerySchema.parse({});
    return customersCsv(c, c.var.deps.db, q, c.var.deps.clock.today());
  });

  app.get('/customers/:id', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    const view = id && (await loadCustomerView(db, id, clock.today()));
    if (!view) {
      // A prospect's page lives under /prospects (and a converted prospect's under /customers).
      if (id && (await accountKind(db, id)) === 'prospect') return c.redirect(`/prospects/${id}`, 303);
      return notFoundPage(c);
    }
    const notice = dealNotice(c.req.query('deal'), view.account) ?? NOTICES[c.req.query('saved') ?? ''];
    return c.html(<CustomerPage {...view} dealForm={emptyForm({ status: 'open' })} notice={notice} />);
  });

  app.post('/customers/:id/payment', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const today = clock.today();
    const values = await formValues(c);
    const again = async (status: 409 | 422, form: FormState, problem?: string) => {
      const view = await loadCustomerView(db, id, today);
      if (!view) return notFoundPage(c);
      return c.html(<CustomerPage {...view} dealForm={emptyForm({ status: 'open' })} paymentForm={form} problem={problem} />, status);
    };
    const parsed = paymentSchema.safeParse(values);
    if (!parsed.success) return again(422, { values, errors: fieldErrors(parsed.error) });
    const r = await recordPayment(db, id, parsed.data, { today, actor: c.var.actor });
    if (r.ok) return c.redirect(`/customers/${id}?saved=payment#payment`, 303);
    if (r.reason === 'not_found') return notFoundPage(c);
    return again(409, { values: { ...values, version: r.current.version }, errors: {} }, `${r.current.name}'s payment record was changed by someone else (now ${r.current.daysPaidLate ?? 'unknown'} days late). Your value is kept below; saving again will replace it.`);
  });

  app.post('/customers/:id/touches', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const today = clock.today();
    const values = await formValues(c);
    const parsed = touchSchema(today).safeParse(values);
    if (!parsed.success) {
      const view = await loadCustomerView(db, id, today);
      if (!view) return notFoundPage(c);
      return c.html(<CustomerPage {...view} dealForm={emptyForm({ status: 'open' })} touchForm={{ values, errors: fieldErrors(parsed.error) }} />, 422);
    }
    const r = await logTouch(db, id, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return notFoundPage(c);
    return c.redirect(`/customers/${id}?saved=touch#touches`, 303);
  });

  app.post('/accounts/:id/deals', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    if (!id || !(await accountKind(db, id))) return notFoundPage(c, 'Account');
    const today = clock.today();
    const values = await formValues(c);
    const parsed = newDealSchema(today).safeParse(values);
    if (!parsed.success) return renderAccount(c, id, 422, { dealForm: { values, errors: fieldErrors(parsed.error) } });
    const r = await createDeal(db, id, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return r.reason === 'not_found' ? notFoundPage(c, 'Account') : renderAccount(c, id, 422, { dealForm: { values, errors: r.reason === 'invalid' ? r.errors : {} } });
    return done(c, r, 'added');
  });

  app.get('/deals/:id/edit', async (c) => {
    const { db } = c.var.deps;
    const id = parseId(c.req.param('id'));
    const deal = id && (await getDeal(db, id));
    if (!deal) return notFoundPage(c, 'Deal');
    const account = (await getAccount(db, deal.accountId))!;
    const form = emptyForm({ title: deal.title, value: deal.value, marginPct: deal.marginPct, expectedCloseOn: deal.expectedCloseOn, version: deal.version });
    return c.html(<DealEditPage deal={deal} accountName={account.name} backHref={accountPath(account)} form={form} />);
  });

  app.post('/deals/:id', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    const deal = id && (await getDeal(db, id));
    if (!deal) return notFoundPage(c, 'Deal');
    const account = (await getAccount(db, deal.accountId))!;
    const values = await formValues(c);
    const page = (status: 409 | 422, form: FormState, conflict?: string) =>
      c.html(<DealEditPage deal={deal} accountName={account.name} backHref={accountPath(account)} form={form} conflict={conflict} />, status);
    const parsed = dealEditSchema.safeParse(values);
    if (!parsed.success) return page(422, { values, errors: fieldErrors(parsed.error) });
    const { version, ...fields } = parsed.data;
    const r = await editDeal(db, deal.id, version, fields, { today: clock.today(), actor: c.var.actor });
    if (r.ok) return c.redirect(`${accountPath(r.account)}?deal=saved#deals`, 303);
    if (r.reason === 'not_found') return notFoundPage(c, 'Deal');
    if (r.reason === 'conflict') {
      const cur = r.current;
      return page(409, { values: { ...values, version: cur.version }, errors: {} }, `This deal was changed by someone else while you edited it (now: ${cur.title}, value ${cur.value}, ${cur.status}). Your values are kept below; saving again will replace them.`);
    }
    return page(422, { values, errors: r.errors });
  });

  const action = (path: 'win' | 'loss' | 'reopening' | 'deletion') =>
    app.post(`/deals/:id/${path}`, async (c) => {
      const { db, clock } = c.var.deps;
      const id = parseId(c.req.param('id'));
      const deal = id && (await getDeal(db, id));
      if (!deal) return notFoundPage(c, 'Deal');
      const today = clock.today();
      const ctx = { today, actor: c.var.actor };
      const values = await formValues(c);
      const invalid = (errors: Record<string, string>) => renderAccount(c, deal.accountId, 422, { dealProblem: { dealId: deal.id, message: Object.values(errors).join(' ') } });
      let r: DealOutcome | DealFailure;
      if (path === 'win') {
        const parsed = dealWinSchema(today).safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error));
        r = await winDeal(db, deal.id, parsed.data, ctx);
      } else if (path === 'loss') {
        const parsed = dealLossSchema(today).safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error));
        r = await loseDeal(db, deal.id, parsed.data, ctx);
      } else {
        const parsed = versionOnlySchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error));
        r = await (path === 'reopening' ? reopenDeal : deleteDeal)(db, deal.id, parsed.data.version, ctx);
      }
      if (!r.ok) return dealFailed(c, r, deal);
      return done(c, r, path === 'win' ? 'won' : path === 'loss' ? 'lost' : path === 'reopening' ? 'reopened' : 'deleted');
    });
  action('win');
  action('loss');
  action('reopening');
  action('deletion');

  app.get('/tiering', async (c) => {
    const { db, clock } = c.var.deps;
    const preview = await previewRetier(db, { asOf: clock.today(), limit: 500 });
    const applied = c.req.query('applied');
    const notice = applied !== undefined ? `Re-tier applied: ${applied} tier change${applied === '1' ? '' : 's'} recorded, ${c.req.query('updated') ?? 0} customers re-scored.` : undefined;
    return c.html(<RetierPage preview={preview} notice={notice} />);
  });

  app.post('/tiering/runs', async (c) => {
    const { db, clock } = c.var.deps;
    const stats = await retierCustomers(db, { asOf: clock.today(), cause: 'manual', actor: c.var.actor.name });
    return c.redirect(`/tiering?applied=${stats.changed}&updated=${stats.updated}`, 303);
  });

  return app;
}
