import { Hono, type Context } from 'hono';
import { asc } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import type { Db } from '../db/client.ts';
import type { AccountRow } from '../db/schema.ts';
import { factsOf } from '../grading/apply-grading.ts';
import { explain, summaryLine } from '../grading/explain.ts';
import { makeGrader } from '../grading/grading.ts';
import { currentPolicy } from '../policy/store.ts';
import { fieldErrors } from '../shared/validation.ts';
import { formValues, isHtmx, parseId } from '../shared/http.ts';
import { emptyForm, type FormState } from '../../views/components.tsx';
import { ProspectFormPage } from '../../views/prospects/form.tsx';
import { ProspectListPage, ProspectResults } from '../../views/prospects/list.tsx';
import { ProspectPage, SignalsPanel, type ProspectView, type StatusError } from '../../views/prospects/show.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { changeStatus, createProspect, logSignal, updateProspect, type Failure } from './actions.ts';
import { getProspect, gradeHistoryOf, listProspects, listQuerySchema, signalsOf } from './queries.ts';
import { newProspectSchema, prospectEditSchema, signalSchema, statusChangeSchema } from './validation.ts';
import { prospectsCsv } from './export.ts';
import { accountKind, dealsOf } from '../customers/queries.ts';
import { dealNotice } from '../customers/deal-notices.ts';
import { ownerInfo } from '../ownership/owner-change.ts';
import { accountTrail } from '../audit/queries.ts';
import { lastTouchesOf, touchesDue } from '../cadence/cadence.ts';

/** Everything a prospect's page shows, graded live as of today so the explanation is always current. */
export async function loadProspectView(db: Db, id: number, today: string): Promise<ProspectView | null> {
  const account = await getProspect(db, id);
  if (!account) return null;
  const [signals, history, deals, { policy }, owner, audit] = await Promise.all([signalsOf(db, id), gradeHistoryOf(db, id), dealsOf(db, id), currentPolicy(db), ownerInfo(db, account), accountTrail(db, id)]);
  const inLoggedOrder = [...signals].sort((a, b) => a.loggedAt.getTime() - b.loggedAt.getTime() || a.id - b.id);
  const grading = makeGrader(policy.grading, today).grade(factsOf(account), inLoggedOrder);
  const cadence = touchesDue(account, lastTouchesOf(signals, policy.cadence, today), policy.cadence, today);
  return { account, grading, reasons: explain(grading, policy.grading), summary: summaryLine(grading, policy.grading), signals, history, today, deals, owner, audit, cadence };
}

const notFoundPage = (c: Context) =>
  c.html(<MessagePage title="Prospect not found" message="There is no prospect with that number. It may have been typed wrong." />, 404);

const formOf = (a: AccountRow): Record<string, unknown> => ({
  name: a.name,
  domain: a.domain,
  industry: a.industry,
  employees: a.employees,
  revenue: a.revenue,
  growthPct: a.growthPct,
  need: a.need,
  situation: a.situation,
  addedOn: a.addedOn,
  version: a.version,
});

function failureForm(values: Record<string, unknown>, f: Failure): FormState {
  return { values, errors: f.reason === 'invalid' ? f.errors : {} };
}

export function prospectPages() {
  const app = new Hono<AppEnv>();

  app.get('/prospects', async (c) => {
    const { db, clock } = c.var.deps;
    const parsed = listQuerySchema.safeParse(c.req.queries());
    const q = parsed.success ? parsed.data : listQuerySchema.parse({});
    const result = await listProspects(db, q);
    const today = clock.today();
    const empty = result.total === 0 && q.status === 'open' && !q.q && !q.flag.length && !q.grade.length;
    c.header('Vary', 'HX-Request');
    if (isHtmx(c) && c.req.header('HX-Request-Type') === 'partial') return c.html(<ProspectResults q={q} result={result} today={today} />);
    return c.html(<ProspectListPage q={q} result={result} today={today} empty={empty} />);
  });

  app.get('/prospects.csv', async (c) => {
    const parsed = listQuerySchema.safeParse(c.req.queries());
    const q = parsed.success ? parsed.data : listQuerySchema.parse({});
    return prospectsCsv(c, c.var.deps.db, q);
  });

  app.get('/prospects/new', (c) => {
    const today = c.var.deps.clock.today();
    return c.html(<ProspectFormPage form={emptyForm({ addedOn: today })} mode="new" today={today} />);
  });

  app.post('/prospects', async (c) => {
    const { db, clock } = c.var.deps;
    const today = clock.today();
    const values = await formValues(c);
    const parsed = newProspectSchema(today).safeParse(values);
    if (!parsed.success) return c.html(<ProspectFormPage form={{ values, errors: fieldErrors(parsed.error) }} mode="new" today={today} />, 422);
    const r = await createProspect(db, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return c.html(<ProspectFormPage form={failureForm(values, r)} mode="new" today={today} />, 422);
    return c.redirect(`/prospects/${r.account.id}?added=1`, 303);
  });

  app.get('/prospects/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const today = c.var.deps.clock.today();
    const view = id && (await loadProspectView(c.var.deps.db, id, today));
    if (!view) return id && (await accountKind(c.var.deps.db, id)) === 'customer' ? c.redirect(`/customers/${id}`, 303) : notFoundPage(c);
    const notice = dealNotice(c.req.query('deal'), view.account) ?? (c.req.query('added') ? 'Prospect added and graded.' : c.req.query('logged') ? 'Signal logged; the grade is up to date.' : c.req.query('saved') ? 'Changes saved.' : undefined);
    return c.html(<ProspectPage {...view} signalForm={emptyForm({ date: today })} notice={notice} />);
  });

  app.get('/prospects/:id/edit', async (c) => {
    const id = parseId(c.req.param('id'));
    const a = id && (await getProspect(c.var.deps.db, id));
    if (!a) return notFoundPage(c);
    return c.html(<ProspectFormPage form={emptyForm(formOf(a))} mode="edit" id={a.id} name={a.name} today={c.var.deps.clock.today()} />);
  });

  app.post('/prospects/:id', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const today = clock.today();
    const values = await formValues(c);
    const parsed = prospectEditSchema(today).safeParse(values);
    if (!parsed.success) return c.html(<ProspectFormPage form={{ values, errors: fieldErrors(parsed.error) }} mode="edit" id={id} today={today} />, 422);
    const { version, ...fields } = parsed.data;
    const r = await updateProspect(db, id, version, fields, { today, actor: c.var.actor });
    if (r.ok) return c.redirect(`/prospects/${id}?saved=1`, 303);
    if (r.reason === 'not_found') return notFoundPage(c);
    if (r.reason === 'conflict') {
      const cur = r.current;
      const message = `${cur.name} was changed by someone else while you edited it. Your values are kept below; the saved ones are now: employees ${cur.employees ?? 'unknown'}, revenue ${cur.revenue ?? 'unknown'}, growth ${cur.growthPct ?? 'unknown'} %, need ${cur.need ?? 'unknown'}. Saving again will replace them.`;
      return c.html(<ProspectFormPage form={{ values: { ...values, version: cur.version }, errors: {} }} mode="edit" id={id} name={cur.name} conflict={message} today={today} />, 409);
    }
    return c.html(<ProspectFormPage form={failureForm(values, r)} mode="edit" id={id} today={today} />, 422);
  });

  app.post('/prospects/:id/signals', async (c) => {
    const { db, clock } = c.var.deps;
    const id = parseId(c.req.param('id'));
    const today = clock.today();
    const values = await formValues(c);
    const view = id && (await loadProspectView(db, id, today));
    if (!id || !view) return notFoundPage(c);
    const parsed = signalSchema(today).safeParse(values);
    const rerender = (form: FormState, status: 422 | 200) =>
      isHtmx(c) ? c.html(<SignalsPanel {...view} signalForm={form} />, status) : c.html(<ProspectPage {...view} signalForm={form} />, status);
    if (!parsed.success) return rerender({ values, errors: fieldErrors(parsed.error) }, 422);
    const r = await logSignal(db, id, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return r.reason === 'not_found' ? notFoundPage(c) : rerender(failureForm(values, r), 422);
    if (!isHtmx(c)) return c.redirect(`/prospects/${id}?logged=1#grade`, 303);
    const fresh = (await loadProspectView(db, id, today))!;
    return c.html(<SignalsPanel {...fresh} signalForm={emptyForm({ date: today })} />);
  });

  const status = (path: 'disqualification' | 'loss' | 'reopening', to: 'open' | 'disqualified' | 'lost') =>
    app.post(`/prospects/:id/${path}`, async (c) => {
      const { db, clock } = c.var.deps;
      const id = parseId(c.req.param('id'));
      if (!id) return notFoundPage(c);
      const today = clock.today();
      const values = await formValues(c);
      const again = async (status: 409 | 422, problem: string, statusError?: StatusError) => {
        const view = await loadProspectView(db, id, today);
        if (!view) return notFoundPage(c);
        return c.html(<ProspectPage {...view} signalForm={emptyForm({ date: today })} problem={problem} statusError={statusError} />, status);
      };
      let reason: string | null = null;
      if (path !== 'reopening') {
        const parsed = statusChangeSchema.safeParse(values);
        if (!parsed.success) return again(422, 'Give a reason to change the status.', { action: path, message: fieldErrors(parsed.error).reason ?? 'give a reason' });
        reason = parsed.data.reason;
      }
      const version = /^\d+$/.test(values.version ?? '') ? Number(values.version) : undefined;
      const r = await changeStatus(db, id, { status: to, reason }, { today, actor: c.var.actor }, version);
      if (r.ok) return c.redirect(`/prospects/${id}?saved=1`, 303);
      if (r.reason === 'not_found') return notFoundPage(c);
      if (r.reason === 'conflict') return again(409, 'This prospect changed while you were looking at it: review it and try again.');
      return again(422, Object.values(r.errors).join(' '));
    });
  status('disqualification', 'disqualified');
  status('loss', 'lost');
  status('reopening', 'open');

  return app;
}
