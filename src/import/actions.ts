import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { importJobs, type ImportJobRow } from '../db/schema.ts';
import { detectPreset, headerSignature, mappingProblems, presetMapping, type ImportKind, type Mapping, type PresetName } from './mapping.ts';
import { RUNNER, startDryRun, startImport } from './runner.ts';
import { createJob, dropFile, getJob, rememberMapping, savedMapping, transition } from './store.ts';
import { receiveFile } from './upload.ts';

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
 */
export async function uploadFile(
  db: Db,
  input: { kind: ImportKind; fileName: string; bytes: AsyncIterable<Uint8Array>; maxBytes: number; preset?: PresetName },
  ctx: Ctx,
): Promise<Uploaded | Refusal> {
  const id = await createJob(db, { kind: input.kind, fileName: input.fileName || 'upload.csv', actor: ctx.actor });
  const got = await receiveFile(db, id, input.bytes, input.maxBytes);
  if (!got.ok) return refuse(got.status, got.error, { line: got.line });
  const signature = headerSignature(got.header);
  const saved = input.preset ? undefined : await savedMapping(db, input.kind, signature);
  const preset = input.preset ?? saved?.preset ?? detectPreset(got.header);
  const useSaved = !!saved && savedFits(saved.mapping, got.header);
  const mapping = useSaved ? saved!.mapping : presetMapping(input.kind, got.header, preset as PresetName);
  const stored = await transition(db, id, ['uploading'], {
    status: 'mapping',
    fileBytes: got.bytes,
    delimiter: got.delimiter,
    header: got.header,
    columns: got.columns,
    signature,
    preset,
    mapping,
    totalRows: got.rows,
    heartbeatAt: sql`now()`,
  });
  if (!stored) return refuse(409, 'The upload took too long and was given up; upload the file again.');
  return { ok: true, job: (await getJob(db, id))!, mappingSource: useSaved ? 'saved' : 'preset' };
}

const savedFits = (m: Mapping, header: string[]) => Object.values(m.columns).every((c) => c === null || c === undefined || (c >= 0 && c < header.length));

/** Sets the mapping of a job waiting for one (or re-maps a dry run), remembers it for files with this header, and starts the dry run. */
export async function chooseMapping(db: Db, id: number, mapping: Mapping, ctx: Ctx): Promise<{ ok: true; job: ImportJobRow } | Refusal> {
  const job = await getJob(db, id);
  if (!job) return refuse(404, 'import not found');
  if (job.status !== 'mapping' && job.status !== 'ready') return refuse(409, `this import is ${job.status}: its mapping can no longer change`);
  const problems = mappingProblems(job.kind as ImportKind, job.header as string[], mapping);
  if (Object.keys(problems).length) return refuse(422, 'the mapping does not fit this file', { problems });
  const moved = await transition(db, id, ['mapping', 'ready'], {
    status: 'analyzing',
    mapping,
    processed: 0,
    newRows: 0,
    updatedRows: 0,
    unchangedRows: 0,
    rejectedRows: 0,
    summary: null,
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
  if (await transition(db, id, ['mapping', 'ready'], { status: 'cancelled', finishedAt: sql`now()` })) {
    await dropFile(db, id);
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
