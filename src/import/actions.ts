import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { importJobs, type ImportJobRow } from '../db/schema.ts';
import { detectPreset, fieldsOf, headerSignature, mappingFromNames, mappingProblems, presetMapping, type ImportKind, type Mapping, type PresetName } from './mapping.ts';
import { currentPolicy } from '../policy/store.ts';
import { importWhileUploading, RUNNER, speculate, startDryRun, startImport, type Speculation, type UploadImport } from './runner.ts';
import { errorForLog } from '../db/errors.ts';
import { createJob, dropFile, getJob, rememberMapping, savedMapping, transition } from './store.ts';
import { receiveFile } from './upload.ts';
import { clearStaged } from './stage.ts';

// What people do with an import: upload a file (and have its columns mapped), choose the mapping
// (which starts the dry run), confirm (which starts the import) or cancel. Expected refusals are
// values the routes answer with 404, 409, 413 or 422.

export type Actor = { name: string; id: number | null };
export type Ctx = { today: string; actor: Actor };

/** The upload limit of an app (IMPORT_MAX_BYTES, 200 MiB unless set). */
export function importMaxBytes(config: { importMaxBytes?: number }): number {
  const v = config.importMaxBytes;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 200 * 1024 * 1024;
}

export type Refusal = { ok: false; status: 404 | 409 | 413 | 422; error: string; line?: number; problems?: Record<string, string> };
const refuse = (status: Refusal['status'], error: string, extra: Partial<Refusal> = {}): Refusal => ({ ok: false, status, error, ...extra });

export type Uploaded = { ok: true; job: ImportJobRow; mappingSource: 'saved' | 'preset' };

/**
 * Takes a file: stores it, checks it is CSV, and maps its columns (the mapping last used for a file
 * with this header, else the preset its headers name). The job waits in 'mapping' for a person to
 * check the mapping (the API starts the dry run at once when the mapping has what it needs).
 *
 * With `confirm`, a file whose columns map as proposed is imported without stopping at the dry run:
 * on PostgreSQL while it arrives (the job is 'done' when this answers), else (or when that cannot
 * be done) from the stored file as a confirm would (the job is 'importing'). A file whose columns
 * do not map waits in 'mapping' all the same.
 */
export async function uploadFile(
  db: Db,
  input: { kind: ImportKind; fileName: string; bytes: AsyncIterable<Uint8Array>; maxBytes: number; preset?: PresetName; given?: Record<string, unknown>; confirm?: boolean },
  ctx: Ctx,
): Promise<Uploaded | Refusal> {
  const fileName = input.fileName || 'upload.csv';
  const id = await createJob(db, { kind: input.kind, fileName, actor: ctx.actor });
  let proposed: Awaited<ReturnType<typeof propose>> | null = null;
  let direct = false;
  // Once the header is in, the mapping is proposed and, when it has what it needs, the dry run for
  // it runs on the rows as they arrive (speculate): a person who keeps the proposal waits for nothing.
  const got = await receiveFile<Speculation | UploadImport | null>(db, id, input.bytes, input.maxBytes, async ({ header, delimiter, dateOrders }) => {
    proposed = await propose(db, input.kind, header, input.preset, input.given);
    if (!proposed.ready) return null;
    const v = { jobId: id, fileName, kind: input.kind, header, mapping: proposed.ready, delimiter, dateOrders, today: ctx.today, actor: ctx.actor };
    // Only a head start: if it cannot start, the dry run (or the import) runs after the upload as usual.
    if (input.confirm) {
      const sink = await importWhileUploading(db, v).catch((err: unknown) => {
        console.error(`[import] job ${id}: could not import during the upload (${errorForLog(err)}); it will run from the stored file`);
        return null;
      });
      if (sink) {
        direct = true;
        return sink;
      }
    }
    return speculate(db, v).catch(() => null);
  });
  if (!got.ok) return refuse(got.status, got.error, { line: got.line });
  const p = proposed ?? (await propose(db, input.kind, got.header, input.preset, input.given));
  const facts = {
    fileBytes: got.bytes,
    delimiter: got.delimiter,
    header: got.header,
    columns: got.columns,
    signature: p.signature,
    preset: p.preset,
    mapping: p.mapping,
    totalRows: got.rows,
  };
  const source: 'saved' | 'preset' = p.useSaved ? 'saved' : 'preset';
  if (direct && got.speculation) {
    const mapping = p.ready!;
    try {
      await (got.speculation as UploadImport).commit({ ...facts, mapping, confirmedBy: ctx.actor.name, runner: RUNNER, startedAt: sql`now()` });
      await dropFile(db, id);
      await rememberMapping(db, input.kind, p.signature, mapping, p.preset, ctx.actor.name);
      return { ok: true, job: (await getJob(db, id))!, mappingSource: source };
    } catch (err) {
      console.error(`[import] job ${id}: the import made during the upload could not be saved (${errorForLog(err)}); it will run from the stored file`);
    }
  }
  const spec = direct ? null : (got.speculation as Speculation | null);
  if (input.confirm && p.ready) {
    // No dry run to stop at: the import runs now, from what the dry run kept if it ran during the upload.
    const mapping = p.ready;
    const made = spec && (await stillHolds(db, spec, ctx.today)) ? dryRunFacts(spec) : null;
    const moved = await transition(db, id, ['uploading'], {
      ...facts,
      mapping,
      status: 'importing',
      ...(made ?? { asOf: null, policyVersion: null }),
      confirmedBy: ctx.actor.name,
      runner: RUNNER,
      heartbeatAt: sql`now()`,
      startedAt: sql`now()`,
    });
    if (!moved) return refuse(409, 'The upload took too long and was given up; upload the file again.');
    await rememberMapping(db, input.kind, p.signature, mapping, p.preset, ctx.actor.name);
    const fresh = (await getJob(db, id))!;
    startImport(db, fresh, ctx);
    return { ok: true, job: fresh, mappingSource: source };
  }
  const stored = await transition(db, id, ['uploading'], { ...facts, status: 'mapping', speculation: spec, heartbeatAt: sql`now()` });
  if (!stored) return refuse(409, 'The upload took too long and was given up; upload the file again.');
  return { ok: true, job: (await getJob(db, id))!, mappingSource: source };
}

/** The mapping offered for a header (the one last used for it, else its preset's), and the one a dry run can start with now, if any. */
async function propose(db: Db, kind: ImportKind, header: string[], presetGiven?: PresetName, given?: Record<string, unknown>) {
  const signature = headerSignature(header);
  const saved = presetGiven ? undefined : await savedMapping(db, kind, signature);
  const preset = presetGiven ?? saved?.preset ?? detectPreset(header);
  const useSaved = !!saved && savedFits(saved.mapping, header);
  const mapping = useSaved ? saved!.mapping : presetMapping(kind, header, preset as PresetName);
  const chosen = given ? mappingFromNames(kind, header, given, mapping) : { mapping, problems: mappingProblems(kind, header, mapping) };
  return { signature, preset, useSaved, mapping, ready: Object.keys(chosen.problems).length ? null : chosen.mapping };
}

/** A dry run made during the upload still describes the import: made today, with the policy in force. */
async function stillHolds(db: Db, spec: Speculation, today: string): Promise<boolean> {
  return spec.asOf === today && spec.policyVersion === (await currentPolicy(db)).version;
}

/** What a job records of its dry run. */
const dryRunFacts = (spec: Speculation) => ({
  processed: spec.counts.processed,
  newRows: spec.counts.new,
  updatedRows: spec.counts.updated,
  unchangedRows: spec.counts.unchanged,
  rejectedRows: spec.counts.rejected,
  summary: spec.summary,
  asOf: spec.asOf,
  policyVersion: spec.policyVersion,
});

/** Two mappings of a file read it the same way. */
function sameMapping(kind: ImportKind, a: Mapping, b: Mapping): boolean {
  return a.revenueScale === b.revenueScale && fieldsOf(kind).every((f) => (a.columns[f] ?? null) === (b.columns[f] ?? null));
}

const savedFits = (m: Mapping, header: string[]) => Object.values(m.columns).every((c) => c === null || c === undefined || (c >= 0 && c < header.length));

/** Sets the mapping of a job waiting for one (or re-maps a dry run), remembers it for files with this header, and starts the dry run. */
export async function chooseMapping(db: Db, id: number, mapping: Mapping, ctx: Ctx): Promise<{ ok: true; job: ImportJobRow } | Refusal> {
  const job = await getJob(db, id);
  if (!job) return refuse(404, 'import not found');
  if (job.status !== 'mapping' && job.status !== 'ready') return refuse(409, `this import is ${job.status}: its mapping can no longer change`);
  const problems = mappingProblems(job.kind as ImportKind, job.header as string[], mapping);
  if (Object.keys(problems).length) return refuse(422, 'the mapping does not fit this file', { problems });
  const spec = job.speculation as Speculation | null;
  if (job.status === 'mapping' && spec && sameMapping(job.kind as ImportKind, spec.mapping, mapping) && (await stillHolds(db, spec, ctx.today))) {
    // The dry run made during the upload was for this mapping: it is the dry run.
    const done = await transition(db, id, ['mapping'], {
      status: 'ready',
      mapping,
      ...dryRunFacts(spec),
      speculation: null,
      error: null,
      cancelRequested: false,
      heartbeatAt: sql`now()`,
      startedAt: sql`now()`,
      finishedAt: sql`now()`,
    });
    if (!done) return refuse(409, 'this import changed meanwhile: reload it');
    await rememberMapping(db, job.kind as ImportKind, job.signature, mapping, job.preset, ctx.actor.name);
    return { ok: true, job: (await getJob(db, id))! };
  }
  const moved = await transition(db, id, ['mapping', 'ready'], {
    status: 'analyzing',
    mapping,
    processed: 0,
    newRows: 0,
    updatedRows: 0,
    unchangedRows: 0,
    rejectedRows: 0,
    summary: null,
    speculation: null,
    error: null,
    cancelRequested: false,
    runner: RUNNER,
    heartbeatAt: sql`now()`,
    startedAt: sql`now()`,
    finishedAt: null,
  });
  if (!moved) return refuse(409, 'this import changed meanwhile: reload it');
  await rememberMapping(db, job.kind as ImportKind, job.signature, mapping, job.preset, ctx.actor.name);
  const fresh = (await getJob(db, id))!;
  startDryRun(db, fresh, ctx);
  return { ok: true, job: fresh };
}

/** Confirms a dry run: the import starts, in one transaction. */
export async function confirmImport(db: Db, id: number, ctx: Ctx): Promise<{ ok: true; job: ImportJobRow } | Refusal> {
  const job = await getJob(db, id);
  if (!job) return refuse(404, 'import not found');
  if (job.status !== 'ready') return refuse(409, job.status === 'mapping' ? 'choose the mapping first: the dry run has not run' : `this import is ${job.status}: only a finished dry run can be confirmed`);
  const moved = await transition(db, id, ['ready'], {
    status: 'importing',
    confirmedBy: ctx.actor.name,
    processed: 0,
    cancelRequested: false,
    runner: RUNNER,
    heartbeatAt: sql`now()`,
    startedAt: sql`now()`,
    finishedAt: null,
  });
  if (!moved) return refuse(409, 'this import was confirmed or cancelled meanwhile');
  const fresh = (await getJob(db, id))!;
  startImport(db, fresh, ctx);
  return { ok: true, job: fresh };
}

/** Cancels an import: at once before it runs; a running one stops at its next batch (an import then writes nothing). */
export async function cancelImport(db: Db, id: number): Promise<{ ok: true; job: ImportJobRow } | Refusal> {
  const job = await getJob(db, id);
  if (!job) return refuse(404, 'import not found');
  if (await transition(db, id, ['mapping', 'ready'], { status: 'cancelled', speculation: null, finishedAt: sql`now()` })) {
    await dropFile(db, id);
    await clearStaged(db, id);
  } else if (job.status === 'analyzing' || job.status === 'importing') {
    await db.update(importJobs).set({ cancelRequested: true }).where(eq(importJobs.id, id));
  } else return refuse(409, `this import is ${job.status}: there is nothing to cancel`);
  return { ok: true, job: (await getJob(db, id))! };
}

/** Back from a dry run to the mapping step. */
export async function remapImport(db: Db, id: number): Promise<{ ok: true; job: ImportJobRow } | Refusal> {
  const job = await getJob(db, id);
  if (!job) return refuse(404, 'import not found');
  if (!(await transition(db, id, ['ready'], { status: 'mapping' }))) return refuse(409, `this import is ${job.status}: its mapping can no longer change`);
  return { ok: true, job: (await getJob(db, id))! };
}
