import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { ImportJobRow } from '../db/schema.ts';
import { jsonBody, notFoundJson, parseId, validationError } from '../shared/http.ts';
import { z } from 'zod';
import { cancelImport, chooseMapping, confirmImport, importMaxBytes, uploadFile, type Refusal } from './actions.ts';
import { fieldsOf, IMPORT_KINDS, mappingFromNames, mappingProblems, PRESETS, type ImportKind, type Mapping, type PresetName } from './mapping.ts';
import { bodyBytes } from './routes.tsx';
import { reapStale } from './runner.ts';
import { getJob, recentJobs, rejectsPage } from './store.ts';
import { tooLargeMessage } from './upload.ts';

// The JSON twins of the import pages:
//   POST /api/imports?kind=prospects&preset=salesforce&mapping={"name":"Account Name"}&confirm=true  (body: the CSV, text/csv)
//   GET /api/imports, GET /api/imports/:id, GET /api/imports/:id/rejects?page=2
//   PUT /api/imports/:id/mapping, POST /api/imports/:id/confirm, POST /api/imports/:id/cancel

/** A mapping as column names (what an API client reads and sends). */
function namedMapping(job: ImportJobRow) {
  const m = job.mapping as Mapping | null;
  const header = job.header as string[];
  if (!m) return null;
  const out: Record<string, string | number | null> = {};
  for (const f of fieldsOf(job.kind as ImportKind)) {
    const i = m.columns[f];
    out[f] = i === null || i === undefined ? null : (header[i] ?? null);
  }
  out.revenueScale = m.revenueScale;
  return out;
}

export function importJson(job: ImportJobRow) {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    file: { name: job.fileName, bytes: job.fileBytes, rows: job.totalRows, delimiter: job.delimiter },
    header: job.header,
    preset: job.preset,
    mapping: namedMapping(job),
    counts: { processed: job.processed, total: job.totalRows, new: job.newRows, updated: job.updatedRows, unchanged: job.unchangedRows, rejected: job.rejectedRows },
    dryRun: job.summary,
    result: job.result,
    asOf: job.asOf,
    policyVersion: job.policyVersion,
    error: job.error,
    cancelRequested: job.cancelRequested,
    createdBy: job.createdBy,
    confirmedBy: job.confirmedBy,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    links: { self: `/api/imports/${job.id}`, rejects: `/api/imports/${job.id}/rejects`, page: `/imports/${job.id}` },
  };
}

const ctxOf = (c: Context<AppEnv>) => ({ today: c.var.deps.clock.today(), actor: { name: c.var.actor.name, id: c.var.actor.id ?? null } });

function refusal(c: Context, r: Refusal) {
  if (r.status === 404) return notFoundJson(c, 'import');
  const issues = r.problems ? Object.entries(r.problems).map(([path, message]) => ({ path: `mapping.${path}`, message })) : undefined;
  return c.json({ error: r.error, ...(r.line ? { line: r.line } : {}), ...(issues ? { issues } : {}) }, r.status);
}

const issue = (c: Context, path: string, message: string) => c.json({ error: 'validation failed', issues: [{ path, message }] }, 422);

const PRESET_NAMES = Object.keys(PRESETS).concat('generic') as [string, ...string[]];

/** The query of POST /api/imports: what the route validates, and what the OpenAPI document shows. */
export const importUploadQuery = z.object({
  kind: z.enum(IMPORT_KINDS, { error: `must be one of: ${IMPORT_KINDS.join(', ')}` }).optional().meta({ description: 'What the file holds (default prospects).' }),
  preset: z.enum(PRESET_NAMES, { error: `must be one of: ${PRESET_NAMES.join(', ')}` }).optional().meta({ description: 'A column preset (e.g. salesforce, hubspot) or generic.' }),
  mapping: z.string().optional().meta({ description: 'JSON object of field to column name, e.g. {"name":"Account Name"}.' }),
  name: z.string().optional().meta({ description: "The file's name, for the record." }),
  confirm: z.enum(['true', 'false'], { error: 'must be true or false' }).optional().meta({
    description: 'true: import without stopping at the dry run when the columns map (on PostgreSQL while the file arrives: the answer comes once the import is done; else it runs after the upload). Rows that cannot be read are skipped and listed, as on confirm.',
  }),
});

export function importApi() {
  const app = new Hono<AppEnv>();

  app.post('/imports', async (c) => {
    const { db, config } = c.var.deps;
    const max = importMaxBytes(config);
    const query = importUploadQuery.safeParse(c.req.query());
    if (!query.success) return validationError(c, query.error);
    const kind: ImportKind = query.data.kind ?? 'prospects';
    const preset = query.data.preset as PresetName | undefined;
    let given: Record<string, unknown> | undefined;
    const rawMapping = query.data.mapping;
    if (rawMapping) {
      try {
        given = JSON.parse(rawMapping) as Record<string, unknown>;
        if (!given || typeof given !== 'object' || Array.isArray(given)) throw new Error();
      } catch {
        return issue(c, 'mapping', 'must be a JSON object of field to column name, e.g. {"name":"Account Name","domain":"Website"}');
      }
    }
    const type = c.req.header('content-type') ?? '';
    if (/json|multipart|x-www-form-urlencoded/i.test(type)) return c.json({ error: 'send the CSV file itself as the body, with content-type: text/csv' }, 415);
    if (Number(c.req.header('content-length') ?? 0) > max) return c.json({ error: tooLargeMessage(max), limit: max }, 413);
    const confirm = query.data.confirm === 'true';
    const up = await uploadFile(db, { kind, fileName: query.data.name ?? 'upload.csv', bytes: bodyBytes(c.req.raw), maxBytes: max, preset, given, confirm }, ctxOf(c));
    if (!up.ok) return up.status === 413 ? c.json({ error: up.error, limit: max }, 413) : refusal(c, up);
    const job = up.job;
    c.header('Location', `/api/imports/${job.id}`);
    // Imported (or importing) without a dry run to stop at.
    if (job.status !== 'mapping') return c.json(importJson(job), 202);
    const base = job.mapping as Mapping;
    const { mapping, problems } = given ? mappingFromNames(kind, job.header as string[], given, base) : { mapping: base, problems: mappingProblems(kind, job.header as string[], base) };
    if (Object.keys(problems).length) {
      return c.json({ error: 'the mapping does not fit this file: send it with PUT /api/imports/:id/mapping', issues: Object.entries(problems).map(([path, message]) => ({ path: `mapping.${path}`, message })), import: importJson(job) }, 422);
    }
    const r = await chooseMapping(db, job.id, mapping, ctxOf(c));
    if (!r.ok) return refusal(c, r);
    return c.json(importJson(r.job), 202);
  });

  app.get('/imports', async (c) => {
    await reapStale(c.var.deps.db);
    return c.json({ imports: (await recentJobs(c.var.deps.db, 50)).map(importJson) });
  });

  app.get('/imports/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const db = c.var.deps.db;
    if (!id) return notFoundJson(c, 'import');
    await reapStale(db);
    const job = await getJob(db, id);
    return job ? c.json(importJson(job)) : notFoundJson(c, 'import');
  });

  app.get('/imports/:id/rejects', async (c) => {
    const id = parseId(c.req.param('id'));
    const db = c.var.deps.db;
    if (!id || !(await getJob(db, id))) return notFoundJson(c, 'import');
    const page = Number(c.req.query('page') ?? '1');
    const r = await rejectsPage(db, id, Number.isInteger(page) && page > 0 ? page : 1);
    return c.json({ total: r.total, page: r.page, pages: r.pages, rejects: r.rows });
  });

  app.put('/imports/:id/mapping', async (c) => {
    const id = parseId(c.req.param('id'));
    const db = c.var.deps.db;
    const job = id && (await getJob(db, id));
    if (!job) return notFoundJson(c, 'import');
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    if (!body.body || typeof body.body !== 'object' || Array.isArray(body.body)) return issue(c, 'mapping', 'send a JSON object of field to column name');
    const kind = job.kind as ImportKind;
    const { mapping, problems } = mappingFromNames(kind, job.header as string[], body.body as Record<string, unknown>, (job.mapping as Mapping) ?? { columns: {}, revenueScale: 1 });
    if (Object.keys(problems).length) return refusal(c, { ok: false, status: 422, error: 'the mapping does not fit this file', problems });
    const r = await chooseMapping(db, job.id, mapping, ctxOf(c));
    return r.ok ? c.json(importJson(r.job), 202) : refusal(c, r);
  });

  app.post('/imports/:id/confirm', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'import');
    const r = await confirmImport(c.var.deps.db, id, ctxOf(c));
    return r.ok ? c.json(importJson(r.job), 202) : refusal(c, r);
  });

  app.post('/imports/:id/cancel', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'import');
    const r = await cancelImport(c.var.deps.db, id);
    return r.ok ? c.json(importJson(r.job)) : refusal(c, r);
  });

  return app;
}
