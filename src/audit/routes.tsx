import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { validationError } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import { AuditPage } from '../../views/audit/page.tsx';
import { auditActors, auditJson, auditQuerySchema, listAudit } from './queries.ts';

// The audit page for managers (filter by account, who, and days) and its JSON twin.

export function auditPages() {
  const app = new Hono<AppEnv>();
  app.get('/audit', async (c) => {
    const db = c.var.deps.db;
    const parsed = auditQuerySchema.safeParse(c.req.query());
    const q = parsed.success ? parsed.data : auditQuerySchema.parse({});
    const problem = parsed.success ? undefined : `Those filters do not work: ${Object.entries(fieldErrors(parsed.error)).map(([k, m]) => `${k} ${m}`).join('; ')}. Showing everything.`;
    const [result, actors] = await Promise.all([listAudit(db, q, c.var.deps.config.orgTimeZone), auditActors(db)]);
    return c.html(<AuditPage q={q} result={result} actors={actors} problem={problem} />, parsed.success ? 200 : 422);
  });
  return app;
}

export function auditApi() {
  const app = new Hono<AppEnv>();
  app.get('/audit', async (c) => {
    const parsed = auditQuerySchema.safeParse(c.req.query());
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await listAudit(c.var.deps.db, parsed.data, c.var.deps.config.orgTimeZone);
    return c.json({ total: r.total, page: r.page, pages: r.pages, entries: r.rows.map(auditJson) });
  });
  return app;
}
