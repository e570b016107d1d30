import { Hono, type Context } from 'hono';
import { stream } from 'hono/streaming';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import type { Db } from '../db/client.ts';
import { importRejects } from '../db/schema.ts';
import { csvLine } from '../shared/csv.ts';
import { formValues, isHtmx, parseId } from '../shared/http.ts';
import { ImportJobPage, ImportsPage, Progress } from '../../views/import/pages.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { cancelImport, chooseMapping, confirmImport, importMaxBytes, remapImport, uploadFile, type Refusal } from './actions.ts';
import { fieldsOf, REVENUE_SCALES, type Field, type ImportKind, type Mapping } from './mapping.ts';
import { boundaryOf, MultipartError, readMultipart, type MultipartEvent } from './multipart.ts';
import { reapStale } from './runner.ts';
import { getJob, recentJobs, rejectsPage } from './store.ts';
import { limited, tooLargeMessage, TooLarge } from './upload.ts';

// The import pages (managers): upload, mapping, dry run, confirm or cancel, progress and outcome.

/** The upload routes read their body themselves, as a stream with its own limit (the app's 1 MiB bodyLimit skips them). */
export const isImportUpload = (method: string, path: string) => method === 'POST' && (path === '/imports' || path === '/api/imports');

/** A request's body as it arrives; cancelled if the reader stops early. */
export async function* bodyBytes(req: Request): AsyncGenerator<Uint8Array> {
  if (!req.body) return;
  const reader = req.body.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
  }
}

const ctxOf = (c: Context<AppEnv>) => ({ today: c.var.deps.clock.today(), actor: { name: c.var.actor.name, id: c.var.actor.id ?? null } });

const notFoundPage = (c: Context) => c.html(<MessagePage title="Import not found" message="There is no import with that number." />, 404);

/** What the page says just after the import was confirmed: the job may be running still, or done already (the page reloads itself when it ends). */
const CONFIRMED_NOTICES: Partial<Record<string, string>> = { importing: 'The import is running.', done: 'The import is done.' };

async function jobPage(c: Context<AppEnv>, id: number, extra: { problem?: string; notice?: string; confirmed?: boolean; mappingErrors?: Record<string, string>; mappingValues?: Mapping } = {}, status: 200 | 409 | 422 = 200) {
  const db = c.var.deps.db;
  await reapStale(db);
  const job = await getJob(db, id);
  if (!job) return notFoundPage(c);
  const page = Number(c.req.query('page') ?? '1');
  const rejects = await rejectsPage(db, id, Number.isInteger(page) && page > 0 ? page : 1);
  const { confirmed, ...rest } = extra;
  const notice = rest.notice ?? (confirmed ? CONFIRMED_NOTICES[job.status] : undefined);
  return c.html(<ImportJobPage job={job} rejects={rejects} {...rest} notice={notice} />, status);
}

/** The mapping a form posts: each field's column index ("" for none) and the revenue scale. */
export function mappingFromForm(kind: ImportKind, values: Record<string, string>): Mapping {
  const columns: Mapping['columns'] = {};
  for (const f of fieldsOf(kind)) {
    const v = values[f];
    columns[f as Field] = v === undefined || v === '' || !/^\d{1,4}$/.test(v) ? null : Number(v);
  }
  const scale = Number(values.revenueScale ?? '1');
  return { columns, revenueScale: (REVENUE_SCALES as readonly number[]).includes(scale) ? scale : 1 };
}

export function importPages() {
  const app = new Hono<AppEnv>();

  app.get('/imports', async (c) => {
    const db = c.var.deps.db;
    await reapStale(db);
    return c.html(<ImportsPage jobs={await recentJobs(db)} maxBytes={importMaxBytes(c.var.deps.config)} />);
  });

  app.post('/imports', async (c) => {
    const { db, config } = c.var.deps;
    const max = importMaxBytes(config);
    let confirm = false;
    const again = async (problem: string, status: 413 | 422, kind?: string) => c.html(<ImportsPage jobs={await recentJobs(db)} maxBytes={max} problem={problem} kind={kind} confirm={confirm} />, status);
    // The form adds a few hundred bytes around the file.
    const slack = 64 * 1024;
    if (Number(c.req.header('content-length') ?? 0) > max + slack) return again(tooLargeMessage(max), 413);
    const boundary = boundaryOf(c.req.header('content-type'));
    if (!boundary) return again('Choose a CSV file to upload.', 422);
    const events = readMultipart(limited(bodyBytes(c.req.raw), max + slack, { bytes: 0 }), boundary);
    let kind: ImportKind = 'prospects';
    let outcome: Awaited<ReturnType<typeof uploadFile>> | null = null;
    try {
      for (let e = await events.next(); !e.done; e = await events.next()) {
        const ev: MultipartEvent = e.value;
        if (ev.type === 'field' && ev.name === 'kind') kind = ev.value === 'customers' ? 'customers' : 'prospects';
        if (ev.type === 'field' && ev.name === 'confirm') confirm = ev.value === '1';
        if (ev.type !== 'file' || ev.name !== 'file') continue;
        if (!ev.filename) return again('Choose a CSV file to upload.', 422, kind);
        const bytes = async function* () {
          for (let x = await events.next(); !x.done && x.value.type !== 'fileEnd'; x = await events.next()) if (x.value.type === 'data') yield x.value.bytes;
        };
        outcome = await uploadFile(db, { kind, fileName: ev.filename, bytes: bytes(), maxBytes: max, confirm }, ctxOf(c));
        break;
      }
    } catch (err) {
      if (err instanceof TooLarge) return again(tooLargeMessage(max), 413, kind);
      if (err instanceof MultipartError) return again(`The upload was cut short or malformed (${err.message}). Try again.`, 422, kind);
      throw err;
    } finally {
      await events.return(undefined).catch(() => {});
    }
    if (!outcome) return again('Choose a CSV file to upload.', 422, kind);
    if (!outcome.ok) return again(outcome.error, outcome.status === 413 ? 413 : 422, kind);
    return c.redirect(`/imports/${outcome.job.id}`, 303);
  });

  app.get('/imports/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    return jobPage(c, id, { confirmed: Boolean(c.req.query('confirmed')) });
  });

  app.get('/imports/:id/progress', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    if (!isHtmx(c)) return c.redirect(`/imports/${id}`, 303);
    const db = c.var.deps.db;
    await reapStale(db);
    const job = await getJob(db, id);
    if (!job) return notFoundPage(c);
    // Finished: the whole page changes (results instead of progress).
    if (job.status !== 'analyzing' && job.status !== 'importing') c.header('HX-Refresh', 'true');
    return c.html(<Progress job={job} />);
  });

  const refused = (c: Context<AppEnv>, id: number, r: Refusal) => (r.status === 404 ? notFoundPage(c) : jobPage(c, id, { problem: r.error }, r.status === 409 ? 409 : 422));

  app.post('/imports/:id/mapping', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const db = c.var.deps.db;
    const job = await getJob(db, id);
    if (!job) return notFoundPage(c);
    const mapping = mappingFromForm(job.kind as ImportKind, await formValues(c));
    const r = await chooseMapping(db, id, mapping, ctxOf(c));
    if (r.ok) return c.redirect(`/imports/${id}`, 303);
    // Said above the page too: a job past its mapping (a dry run done) shows no mapping form.
    if (r.problems) return jobPage(c, id, { mappingErrors: r.problems, mappingValues: mapping, problem: `The mapping does not fit this file: ${Object.entries(r.problems).map(([k, m]) => `${k} ${m}`).join('; ')}.` }, 422);
    return refused(c, id, r);
  });

  app.post('/imports/:id/confirm', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const r = await confirmImport(c.var.deps.db, id, ctxOf(c));
    return r.ok ? c.redirect(`/imports/${id}?confirmed=1`, 303) : refused(c, id, r);
  });

  app.post('/imports/:id/remap', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const r = await remapImport(c.var.deps.db, id);
    return r.ok ? c.redirect(`/imports/${id}`, 303) : refused(c, id, r);
  });

  app.post('/imports/:id/cancel', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundPage(c);
    const r = await cancelImport(c.var.deps.db, id);
    return r.ok ? c.redirect(`/imports/${id}`, 303) : refused(c, id, r);
  });

  app.get('/imports/:id/rejects.csv', async (c) => {
    const id = parseId(c.req.param('id'));
    const db = c.var.deps.db;
    if (!id || !(await getJob(db, id))) return notFoundPage(c);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="import-${id}-rejected.csv"`);
    return stream(c, async (s) => {
      await s.write('\uFEFF' + csvLine(['line', 'reason']));
      for (let after = 0; ; ) {
        const rows = await rejectsAfter(db, id, after);
        if (!rows.length) break;
        await s.write(rows.map((r) => csvLine([r.line, r.reason])).join(''));
        after = rows[rows.length - 1]!.line;
      }
    });
  });

  return app;
}

export function rejectsAfter(db: Db, jobId: number, afterLine: number, limit = 5000) {
  return db
    .select({ line: importRejects.line, reason: importRejects.reason })
    .from(importRejects)
    .where(and(eq(importRejects.jobId, jobId), gt(importRejects.line, afterLine)))
    .orderBy(asc(importRejects.line))
    .limit(limit);
}
