import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AccountRow, GradeChangeRow, SignalRow } from '../db/schema.ts';
import { jsonBody, notFoundJson, parseId, validationError, validJson } from '../shared/http.ts';
import { changeStatus, createProspect, logSignal, updateProspect, type Failure } from './actions.ts';
import { getProspect, gradeHistoryOf, listProspects, listQuerySchema, signalsOf } from './queries.ts';
import { loadProspectView } from './routes.tsx';
import { newProspectSchema, prospectPatchSchema, reopeningApiSchema, signalSchema, statusChangeApiSchema } from './validation.ts';
import type { Context } from 'hono';

export function prospectJson(a: AccountRow) {
  return {
    id: a.id,
    name: a.name,
    domain: a.domain,
    industry: a.industry,
    employees: a.employees,
    revenue: a.revenue,
    growthPct: a.growthPct,
    need: a.need,
    situation: a.situation,
    status: a.status,
    statusReason: a.statusReason,
    addedOn: a.addedOn,
    ownerId: a.ownerId,
    version: a.version,
    grade: a.grade,
    fit: a.fit,
    closeBy: a.closeBy,
    flags: a.flags,
    reason: a.reason,
    slipCount: a.slipCount,
    lastSignalOn: a.lastSignalOn,
    gradedOn: a.gradedOn,
    policyVersion: a.policyVersion,
  };
}

export const signalJson = (s: SignalRow) => ({
  id: s.id,
  type: s.type,
  date: s.date,
  expectedDate: s.expectedDate,
  event: s.event,
  note: s.note,
  loggedBy: s.loggedBy,
  loggedAt: s.loggedAt.toISOString(),
});

export const changeJson = (h: GradeChangeRow) => ({
  from: h.fromGrade,
  to: h.toGrade,
  fit: h.fit,
  flags: h.flags,
  reason: h.reason,
  reasons: h.reasons,
  cause: h.cause,
  actor: h.actor,
  policyVersion: h.policyVersion,
  asOf: h.asOf,
  at: h.at.toISOString(),
});

function failure(c: Context, f: Failure) {
  if (f.reason === 'not_found') return notFoundJson(c, 'prospect');
  if (f.reason === 'conflict')
    return c.json({ error: 'conflict: the prospect changed since the version you sent', currentVersion: f.current.version, current: prospectJson(f.current) }, 409);
  return c.json({ error: 'validation failed', issues: Object.entries(f.errors).map(([path, message]) => ({ path, message })) }, 422);
}

export function prospectApi() {
  const app = new Hono<AppEnv>();

  app.get('/prospects', async (c) => {
    const parsed = listQuerySchema.safeParse(c.req.queries());
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await listProspects(c.var.deps.db, parsed.data);
    return c.json({ counts: r.counts, total: r.total, page: r.page, pages: r.pages, prospects: r.rows });
  });

  app.post('/prospects', async (c) => {
    const today = c.var.deps.clock.today();
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    // Strict, as the edits are: a misspelt field is refused, not dropped (the form ignores a browser's extras).
    const parsed = newProspectSchema(today).strict().safeParse(body.body);
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await createProspect(c.var.deps.db, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return failure(c, r);
    c.header('Location', `/api/prospects/${r.account.id}`);
    return c.json(prospectJson(r.account), 201);
  });

  app.get('/prospects/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const view = id && (await loadProspectView(c.var.deps.db, id, c.var.deps.clock.today()));
    if (!view) return notFoundJson(c, 'prospect');
    const g = view.grading;
    return c.json({
      ...prospectJson(view.account),
      grading: {
        asOf: g.asOf,
        grade: g.grade,
        windowGrade: g.windowGrade,
        fit: g.fit.score,
        fitFactors: g.fit.factors,
        closeBy: g.closeBy,
        flags: g.flags,
        slipCount: g.slipCount,
        summary: view.summary,
        reasons: view.reasons,
      },
    });
  });

  const update = async (c: Context<AppEnv>) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'prospect');
    const today = c.var.deps.clock.today();
    const parsed = await validJson(c, prospectPatchSchema(today));
    if (!parsed.ok) return parsed.response;
    const { version, ...fields } = parsed.data;
    const r = await updateProspect(c.var.deps.db, id, version, fields, { today, actor: c.var.actor });
    return r.ok ? c.json(prospectJson(r.account)) : failure(c, r);
  };
  app.patch('/prospects/:id', update);
  app.put('/prospects/:id', update);

  app.get('/prospects/:id/signals', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id || !(await getProspect(c.var.deps.db, id))) return notFoundJson(c, 'prospect');
    return c.json({ signals: (await signalsOf(c.var.deps.db, id)).map(signalJson) });
  });

  app.post('/prospects/:id/signals', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'prospect');
    const today = c.var.deps.clock.today();
    const parsed = await validJson(c, signalSchema(today).strict());
    if (!parsed.ok) return parsed.response;
    const r = await logSignal(c.var.deps.db, id, parsed.data, { today, actor: c.var.actor });
    if (!r.ok) return failure(c, r);
    return c.json({ signal: signalJson(r.signal), prospect: prospectJson(r.account) }, 201);
  });

  app.get('/prospects/:id/history', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id || !(await getProspect(c.var.deps.db, id))) return notFoundJson(c, 'prospect');
    return c.json({ history: (await gradeHistoryOf(c.var.deps.db, id)).map(changeJson) });
  });

  const status = (path: string, to: 'open' | 'disqualified' | 'lost') =>
    app.post(`/prospects/:id/${path}`, async (c) => {
      const id = parseId(c.req.param('id'));
      if (!id) return notFoundJson(c, 'prospect');
      const body = await jsonBody(c, { optional: to === 'open' });
      if (!body.ok) return body.response;
      // Strict, as the other routes are: a misspelt field is refused, not dropped (the form ignores a browser's extras).
      let reason: string | null = null;
      let version: number | undefined;
      if (to === 'open') {
        const parsed = reopeningApiSchema.safeParse(body.body ?? {});
        if (!parsed.success) return validationError(c, parsed.error);
        version = parsed.data.version;
      } else {
        const parsed = statusChangeApiSchema.safeParse(body.body ?? {});
        if (!parsed.success) return validationError(c, parsed.error);
        ({ reason, version } = parsed.data);
      }
      const r = await changeStatus(c.var.deps.db, id, { status: to, reason }, { today: c.var.deps.clock.today(), actor: c.var.actor }, version);
      return r.ok ? c.json(prospectJson(r.account)) : failure(c, r);
    });
  status('disqualification', 'disqualified');
  status('loss', 'lost');
  status('reopening', 'open');

  return app;
}
