import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { importFileChunks, importJobs, type ImportJobRow } from '../db/schema.ts';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { currentPolicy } from '../policy/store.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { assignAccounts, LoadCache } from '../ownership/auto-assign.ts';
import { loadReps } from '../ownership/territory.ts';
import { errorForLog } from '../db/errors.ts';
import { CsvReader, type CsvRow, type Delimiter } from './csv.ts';
import { ImportPass, type PassSetup } from './apply.ts';
import type { ImportKind, Mapping } from './mapping.ts';
import { rowContext } from './rows.ts';
import { applyStaged, clearStaged, StaleDryRun, type StagedResult } from './stage.ts';
import { dropFinishedFiles } from './cleanup.ts';
import { addRejects, clearRejects, failStaleJobs, fileChunks } from './store.ts';
import type { ColumnInfo, RowSink } from './upload.ts';
import type { DateOrder } from './values.ts';

// Dry runs and imports run in the server process, apart from the request that started them: the
// page (or an API client) polls the job's row. The import is one transaction, so it writes all of
// the file or nothing; a job whose runner stopped (its heartbeat is old) is marked failed.

/** This process, as the runner of the jobs it starts. */
export const RUNNER = randomUUID();

const BATCH = 5000;
const FIRST_BATCH = 1000;
const HEARTBEAT_MS = 2000;
const ASSIGN_CHUNK = 5000;
/** Imports take turns: two at once could both add the same company. */
export const IMPORT_LOCK = 73_101;

type Actor = { name: string; id: number | null };
type Run = { promise: Promise<void> };
const running = new WeakMap<Db, Map<number, Run>>();

function runsOf(db: Db): Map<number, Run> {
  let m = running.get(db);
  if (!m) running.set(db, (m = new Map()));
  return m;
}

export const runningHere = (db: Db) => [...runsOf(db).keys()];

/** Resolves once every job this process runs on `db` has finished (tests, shutdown). */
export async function importsIdle(db: Db): Promise<void> {
  for (;;) {
    const runs = [...runsOf(db).values()];
    if (!runs.length) return;
    await Promise.all(runs.map((r) => r.promise));
  }
}

export async function reapStale(db: Db): Promise<void> {
  if (await failStaleJobs(db, RUNNER, runningHere(db))) await dropFinishedFiles(db);
}

/** PGlite runs one statement at a time: nothing may wait on the pool while the import's transaction is open. */
function isEmbedded(db: Db): boolean {
  // postgres.js's client is a function; PGlite's an object that can dump its data folder.
  const client = (db as unknown as { $client?: unknown }).$client as { dumpDataDir?: unknown } | undefined;
  return typeof client === 'object' && client !== null && typeof client.dumpDataDir === 'function';
}

function launch(db: Db, jobId: number, work: () => Promise<void>) {
  const runs = runsOf(db);
  const promise = work()
    .catch((err) => console.error(`[import] job ${jobId} crashed: ${errorForLog(err)}`))
    .finally(() => runs.delete(jobId));
  runs.set(jobId, { promise });
}

/** The rows of a job's file, in batches, without its header. */
async function* batchesOf(q: Db, job: ImportJobRow): AsyncGenerator<CsvRow[]> {
  const reader = new CsvReader(job.delimiter as Delimiter);
  let header = true;
  let batch: CsvRow[] = [];
  const take = function* (rows: CsvRow[]) {
    for (const r of rows) {
      if (header) {
        header = false;
        continue;
      }
      batch.push(r);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  };
  try {
    for await (const text of fileChunks(q, job.id)) yield* take(reader.push(text));
    yield* take(await reader.end());
  } finally {
    reader.destroy();
  }
  if (batch.length) yield batch;
}

type FileFacts = { id: number; fileName: string; kind: ImportKind; header: string[]; mapping: Mapping; delimiter: Delimiter; dateOrders: readonly (DateOrder | null)[] };

const factsOf = (job: ImportJobRow): FileFacts => ({
  id: job.id,
  fileName: job.fileName,
  kind: job.kind as ImportKind,
  header: job.header as string[],
  mapping: job.mapping as Mapping,
  delimiter: job.delimiter as Delimiter,
  dateOrders: (job.columns as ColumnInfo[]).map((c) => c.dateOrder),
});

async function setupOf(q: Db, f: FileFacts, opts: { today: string; actor: Actor; write: boolean; stage?: boolean; overlapWrites?: boolean; pool?: Db }): Promise<PassSetup> {
  const { version, policy } = await currentPolicy(q);
  return {
    importId: f.id,
    fileName: f.fileName,
    today: opts.today,
    policy,
    policyVersion: version,
    actor: opts.actor,
    write: opts.write,
    stage: opts.stage ?? false,
    overlapWrites: opts.overlapWrites ?? false,
    pool: opts.pool,
    rows: rowContext({ kind: f.kind, header: f.header, mapping: f.mapping, today: opts.today, decimalComma: f.delimiter === ';', dateOrders: f.dateOrders }),
  };
}

/** Applies batches one after another, reading (and looking up) each while the one before is applied; rejects recorded as they come. */
function batchPipe(q: Db, jobId: number, pass: ImportPass) {
  let applying: Promise<void> = Promise.resolve();
  let batch: CsvRow[] = [];
  const feed = async (rows: readonly CsvRow[], beforeApply?: () => void) => {
    const cands = await pass.read(rows);
    const found = pass.lookup(cands);
    await applying;
    beforeApply?.();
    applying = pass.apply(cands, found).then(() => addRejects(q, jobId, pass.takeRejects()));
    // Awaited with the next batch or at the end; until then a failure must not go unhandled.
    applying.catch(() => {});
  };
  let fed = false;
  const flush = async () => {
    const rows = batch;
    batch = [];
    fed = true;
    if (rows.length) await feed(rows);
  };
  return {
    feed,
    /** Rows as they come (a file arriving): fed a full batch at a time. */
    async add(rows: readonly CsvRow[]) {
      for (const r of rows) {
        batch.push(r);
        // A small first batch, so the writing starts early.
        if (batch.length >= (fed ? BATCH : FIRST_BATCH)) await flush();
      }
    },
    /** Feeds what add() holds back, and waits for everything fed. */
    async end() {
      await flush();
      await applying;
    },
    /** Forgets what add() holds back (after a failure). */
    drop() {
      batch = [];
    },
    drain: () => applying,
  };
}

class Cancelled extends Error {}

/** Keeps a job's heartbeat (and, when asked, its progress) in its row; learns of a cancel request. */
function heartbeat(db: Db, jobId: number, status: 'uploading' | 'analyzing' | 'importing', enabled: boolean) {
  let cancelled = false;
  let inflight: Promise<unknown> = Promise.resolve();
  let progress: Record<string, number> | null = null;
  const beat = () => {
    if (!enabled) return;
    const set = progress ?? {};
    progress = null;
    inflight = inflight
      .then(() =>
        query<{ cancel: boolean }>(
          db,
          sql`update ${importJobs} set heartbeat_at = now()${sql.join(
            Object.entries(set).map(([k, v]) => sql`, ${sql.identifier(k)} = ${v}`),
            sql``,
          )} where id = ${jobId} and status = ${status} returning cancel_requested as cancel`,
        ),
      )
      .then((rows) => {
        if (rows.length && rows[0]!.cancel) cancelled = true;
      })
      .catch(() => {});
  };
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return {
    get cancelled() {
      return cancelled;
    },
    /** Records counts with the next write (at once when none is under way). */
    progress(counts: { processed: number; new: number; updated: number; unchanged: number; rejected: number }) {
      progress = { processed: counts.processed, new_rows: counts.new, updated_rows: counts.updated, unchanged_rows: counts.unchanged, rejected_rows: counts.rejected };
      beat();
    },
    /** Waits for the write under way. */
    settle: () => inflight,
    async stop() {
      clearInterval(timer);
      await inflight;
    },
  };
}

const counts = (p: ImportPass) => ({
  processed: p.counts.processed,
  newRows: p.counts.new,
  updatedRows: p.counts.updated,
  unchangedRows: p.counts.unchanged,
  rejectedRows: p.counts.rejected,
});

/** A dry run made while the file arrived, for the mapping proposed then (kept in import_jobs.speculation). */
export type Speculation = {
  mapping: Mapping;
  asOf: string;
  policyVersion: number;
  counts: { processed: number; new: number; updated: number; unchanged: number; rejected: number };
  summary: ReturnType<ImportPass['summary']>;
};

/**
 * A dry run fed with the rows of a file as they arrive (upload.ts hands them on), so that when
 * the proposed mapping is the one chosen, the dry run is already done: the file is read once.
 * Dates are read with the orders known so far (`dateOrders` fills in as the upload learns them).
 */
export async function speculate(
  db: Db,
  v: { jobId: number; fileName: string; kind: ImportKind; header: string[]; mapping: Mapping; delimiter: Delimiter; dateOrders: readonly (DateOrder | null)[]; today: string; actor: Actor },
): Promise<RowSink<Speculation | null>> {
  const setup = await setupOf(db, { ...v, id: v.jobId }, { today: v.today, actor: v.actor, write: false, stage: v.kind === 'prospects', overlapWrites: true });
  const pass = await ImportPass.open(db, setup);
  const pipe = batchPipe(db, v.jobId, pass);
  // A head start only: if it fails, the upload goes on and the dry run runs after it, where a
  // failure is shown on the job.
  let failed = false;
  const giveUp = (err: unknown) => {
    failed = true;
    pipe.drop();
    console.error(`[import] job ${v.jobId}: the dry run during the upload stopped (${errorForLog(err)}); it will run after the upload`);
  };
  // Let what is still being written end, so nothing lands after the real dry run begins.
  const settle = async () => {
    await pipe.drain().catch(() => {});
    await pass.flushed().catch(() => {});
  };
  return {
    async push(rows) {
      if (failed) return;
      try {
        await pipe.add(rows);
      } catch (err) {
        giveUp(err);
      }
    },
    async finish() {
      if (failed) {
        await settle();
        return null;
      }
      try {
        await pipe.end();
        await pass.flushed();
        await analyzeStaged(db, pass.counts.new + pass.counts.updated);
        return { mapping: v.mapping, asOf: v.today, policyVersion: setup.policyVersion, counts: { ...pass.counts }, summary: pass.summary() };
      } catch (err) {
        giveUp(err);
        return null;
      }
    },
    async abort() {
      failed = true;
      pipe.drop();
      await settle();
    },
  };
}

/** Fresh statistics for the kept rows once many were added: the import joins them with accounts, and a plan made for a few hundred rows would crawl through a million. */
async function analyzeStaged(db: Db, kept: number): Promise<void> {
  if (kept >= 10_000) await db.execute(sql`analyze import_rows (job_id, is_new, line, account_id, domain, name_key, owner_id)`);
}

/** Reads the job's file and applies each batch, reading the next batch while the last is applied. */
async function passOver(q: Db, job: ImportJobRow, pass: ImportPass, beat: ReturnType<typeof heartbeat>): Promise<void> {
  const pipe = batchPipe(q, job.id, pass);
  const stopIfCancelled = () => {
    if (beat.cancelled) throw new Cancelled();
  };
  for await (const rows of batchesOf(q, job)) {
    await pipe.feed(rows, stopIfCancelled);
    beat.progress(pass.counts);
  }
  await pipe.drain();
  beat.progress(pass.counts);
}

/** Runs the dry run of a job now in 'analyzing': counts, grades, samples and rejected rows; writes no account. */
export function startDryRun(db: Db, job: ImportJobRow, opts: { today: string; actor: Actor }): void {
  launch(db, job.id, async () => {
    const beat = heartbeat(db, job.id, 'analyzing', true);
    try {
      await clearRejects(db, job.id);
      await clearStaged(db, job.id);
      // Prospects: each accepted row is kept, graded, so that confirming only has to write it.
      const setup = await setupOf(db, factsOf(job), { ...opts, write: false, stage: job.kind === 'prospects', overlapWrites: true });
      const pass = await ImportPass.open(db, setup);
      await passOver(db, job, pass, beat);
      await pass.flushed();
      await analyzeStaged(db, pass.counts.new + pass.counts.updated);
      await beat.stop();
      await db
        .update(importJobs)
        .set({ status: 'ready', ...counts(pass), summary: pass.summary(), asOf: opts.today, policyVersion: setup.policyVersion, finishedAt: sql`now()`, heartbeatAt: sql`now()` })
        .where(and(eq(importJobs.id, job.id), eq(importJobs.status, 'analyzing')));
    } catch (err) {
      await beat.stop();
      await finishBadly(db, job.id, 'analyzing', err);
    }
  });
}

/** Imports a job now in 'importing': every row the dry run accepted, in one transaction. */
export function startImport(db: Db, job: ImportJobRow, opts: { today: string; actor: Actor }): void {
  launch(db, job.id, async () => {
    const embedded = isEmbedded(db);
    const beat = heartbeat(db, job.id, 'importing', !embedded);
    try {
      await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`);
        // The trigram indexes take new names in bulk: fewer, larger merges of their pending lists,
        // each sorted in memory; and the joins over a large file's kept rows stay in memory too.
        // (Imports take turns, so one transaction at a time asks for this much.)
        await tx.execute(sql`set local gin_pending_list_limit = '32MB'`);
        // (Not on the embedded database, whose memory is a WebAssembly heap.)
        if (!embedded) await tx.execute(sql`set local work_mem = '256MB'`);
        const prospects = job.kind === 'prospects';
        const setup = await setupOf(tx, factsOf(job), { ...opts, write: !prospects, stage: prospects });
        let pass: ImportPass | null = null;
        let staged: StagedResult | null = null;
        const stagedSetup = (expect: { new: number; updated: number }) => ({ jobId: job.id, today: opts.today, policyVersion: setup.policyVersion, actor: opts.actor, expect, linesPerStatement: embedded ? 10_000 : 200_000 });
        const written = (n: number) => beat.progress({ processed: n, new: job.newRows, updated: job.updatedRows, unchanged: job.unchangedRows, rejected: job.rejectedRows });
        if (prospects && job.asOf === opts.today && job.policyVersion === setup.policyVersion) {
          // What the dry run kept, written set-based; in a savepoint, so a stale cache leaves nothing behind.
          staged = await tx
            .transaction((sp) => applyStaged(sp, stagedSetup({ new: job.newRows, updated: job.updatedRows }), written))
            .catch((err: unknown) => {
              if (err instanceof StaleDryRun) return null;
              throw err;
            });
        }
        if (!staged) {
          // No dry run to trust (customers, or something changed since): the file again, in this transaction.
          await clearRejects(tx, job.id);
          if (prospects) await clearStaged(tx, job.id);
          pass = await ImportPass.open(tx, setup);
          await passOver(tx, job, pass, beat);
          if (prospects) {
            try {
              staged = await applyStaged(tx, stagedSetup({ new: pass.counts.new, updated: pass.counts.updated }), written);
            } catch (err) {
              if (err instanceof StaleDryRun) throw new Error(`accounts were changed while the import ran (${err.message}); run the import again`);
              throw err;
            }
          }
        }
        const c = pass ? pass.counts : { processed: job.newRows + job.updatedRows + job.unchangedRows + job.rejectedRows, new: job.newRows, updated: job.updatedRows, unchanged: job.unchangedRows, rejected: job.rejectedRows };
        const summary = pass ? pass.summary() : (job.summary as ReturnType<ImportPass['summary']>);
        await finishImport(tx, { job: factsOf(job), from: 'importing', setup, actor: opts.actor, today: opts.today, counts: c, summary, toAssign: staged?.toAssign ?? pass!.toAssign, fromDryRun: !pass, beat });
      });
      await db.delete(importFileChunks).where(eq(importFileChunks.jobId, job.id));
      await clearStaged(db, job.id);
    } catch (err) {
      await beat.stop();
      await finishBadly(db, job.id, 'importing', err);
    }
  });
}

type Counts = { processed: number; new: number; updated: number; unchanged: number; rejected: number };

/**
 * The end of an import, in its transaction: owners for what needs one, the import's audit entry,
 * and the job marked done (last: the job says "done" exactly when the rows are there).
 */
async function finishImport(
  tx: Db,
  v: {
    job: Pick<FileFacts, 'id' | 'fileName' | 'kind'>;
    from: 'importing' | 'uploading';
    setup: PassSetup;
    actor: Actor;
    today: string;
    counts: Counts;
    summary: ReturnType<ImportPass['summary']>;
    toAssign: { created: number[]; rose: number[] };
    fromDryRun: boolean;
    beat: ReturnType<typeof heartbeat>;
    set?: PgUpdateSetSource<typeof importJobs>;
  },
): Promise<void> {
  const { policy, policyVersion } = v.setup;
  // The reps and their loads read once for every chunk (the loads kept up to date as accounts move).
  const reps = await loadReps(tx);
  const loads = new LoadCache();
  const assign = async (ids: number[], cause: 'import' | 'grade_rose') => {
    let n = 0;
    for (let i = 0; i < ids.length; i += ASSIGN_CHUNK) n += (await assignAccounts(tx, ids.slice(i, i + ASSIGN_CHUNK), { policy, actor: v.actor.name, actorId: v.actor.id, cause, reps, loads })).length;
    return n;
  };
  const assigned = await assign(v.toAssign.created, 'import');
  const reassigned = await assign(v.toAssign.rose, 'grade_rose');
  const c = v.counts;
  const result = { new: c.new, updated: c.updated, unchanged: c.unchanged, rejected: c.rejected, assigned, reassigned, gradeChanges: v.summary.gradeChanges, fromDryRun: v.fromDryRun };
  // A file that changed nothing leaves no trace in the audit trail.
  if (c.new + c.updated) await writeAudit(tx, {
    actor: v.actor.name,
    actorId: v.actor.id,
    entity: 'account',
    entityId: null,
    accountId: null,
    action: 'import',
    after: { importId: v.job.id, file: v.job.fileName, kind: v.job.kind, asOf: v.today, policyVersion, ...result },
  });
  await v.beat.stop();
  const [done] = await tx
    .update(importJobs)
    .set({ ...v.set, status: 'done', processed: c.processed, newRows: c.new, updatedRows: c.updated, unchangedRows: c.unchanged, rejectedRows: c.rejected, result: { ...result, summary: v.summary }, asOf: v.today, policyVersion, finishedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(and(eq(importJobs.id, v.job.id), eq(importJobs.status, v.from)))
    .returning({ id: importJobs.id });
  if (!done) throw new Error('the import was given up meanwhile (no sign of life for too long)');
}

/** A transaction opened now and ended later, by whoever holds it (drizzle's transactions are callbacks). */
async function openTransaction(db: Db): Promise<{ tx: Db; end(commit: boolean): Promise<void> }> {
  class Rollback extends Error {}
  let decide!: (commit: boolean) => void;
  const decision = new Promise<boolean>((r) => (decide = r));
  let opened!: (tx: Db) => void;
  const ready = new Promise<Db>((r) => (opened = r));
  const done = db.transaction(async (tx) => {
    opened(tx);
    if (!(await decision)) throw new Rollback();
  });
  done.catch(() => {});
  const tx = await Promise.race([ready, done.then(() => Promise.reject(new Error('the transaction ended before it began')))]);
  return {
    tx,
    async end(commit) {
      decide(commit);
      try {
        await done;
      } catch (err) {
        if (!(err instanceof Rollback)) throw err;
      }
    },
  };
}

/** An import made while its file arrived: committed by `commit` once the upload has the file's facts. */
export type UploadImport = { commit(set: PgUpdateSetSource<typeof importJobs>): Promise<void> };

/**
 * Imports a file of prospects as it arrives, on PostgreSQL, in one transaction: each batch is read,
 * validated, matched (looked up on the pool) and graded while the one before is written by COPY
 * (ImportPass.copyInto), so the reading and the writing overlap on the machine's cores. Null when it
 * cannot start (another import holds the lock, or the embedded database, which has one connection);
 * a failure on the way rolls everything back and finish() answers null: the upload then queues the
 * import from the stored file, as a confirm would.
 */
export async function importWhileUploading(
  db: Db,
  v: { jobId: number; fileName: string; kind: ImportKind; header: string[]; mapping: Mapping; delimiter: Delimiter; dateOrders: readonly (DateOrder | null)[]; today: string; actor: Actor },
): Promise<RowSink<UploadImport | null> | null> {
  if (v.kind !== 'prospects' || isEmbedded(db)) return null;
  const t = await openTransaction(db);
  const tx = t.tx;
  let pass: ImportPass;
  let setup: PassSetup;
  try {
    const [got] = await query<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${IMPORT_LOCK}) as ok`);
    if (!got!.ok) {
      await t.end(false);
      return null;
    }
    await tx.execute(sql`set local gin_pending_list_limit = '32MB'`);
    await tx.execute(sql`set local work_mem = '256MB'`);
    setup = await setupOf(tx, { ...v, id: v.jobId }, { today: v.today, actor: v.actor, write: true, pool: db });
    pass = await ImportPass.open(tx, setup);
  } catch (err) {
    await t.end(false).catch(() => {});
    throw err;
  }
  // Rejected rows go on the pool: the transaction's connection is busy copying.
  const pipe = batchPipe(db, v.jobId, pass);
  const beat = heartbeat(db, v.jobId, 'uploading', true);
  let failed: unknown = null;
  const giveUp = async (err: unknown, why: 'failed' | 'upload ended' = 'failed') => {
    if (failed) return;
    failed = err;
    pipe.drop();
    // An upload refused or cut short is answered (and logged) by the upload itself.
    if (why === 'failed') console.error(`[import] job ${v.jobId}: the import during the upload stopped (${errorForLog(err)}); it will run from the stored file`);
    await pipe.drain().catch(() => {});
    await pass.flushed().catch(() => {});
    await beat.stop();
    await t.end(false).catch(() => {});
  };
  return {
    async push(rows) {
      if (failed) return;
      try {
        await pipe.add(rows);
        beat.progress(pass.counts);
      } catch (err) {
        await giveUp(err);
      }
    },
    async finish() {
      if (failed) return null;
      try {
        await pipe.end();
        await pass.flushed();
      } catch (err) {
        await giveUp(err);
        return null;
      }
      return {
        commit: async (set) => {
          try {
            await finishImport(tx, { job: { id: v.jobId, fileName: v.fileName, kind: v.kind }, from: 'uploading', setup, actor: v.actor, today: v.today, counts: { ...pass.counts }, summary: pass.summary(), toAssign: pass.toAssign, fromDryRun: false, beat, set: { ...set, summary: pass.summary() } });
          } catch (err) {
            await beat.stop();
            await t.end(false).catch(() => {});
            throw err;
          }
          await t.end(true);
        },
      };
    },
    async abort() {
      await giveUp(new Error('the upload ended without the whole file'), 'upload ended');
    },
  };
}

async function finishBadly(db: Db, jobId: number, from: 'analyzing' | 'importing', err: unknown) {
  const cancelled = err instanceof Cancelled;
  if (!cancelled) console.error(`[import] job ${jobId} failed during the ${from === 'importing' ? 'import' : 'dry run'}: ${errorForLog(err)}`);
  const message = cancelled
    ? null
    : from === 'importing'
      ? `The import failed and nothing of it was saved: ${shortError(err)}`
      : `The dry run failed: ${shortError(err)}`;
  await db
    .update(importJobs)
    .set({ status: cancelled ? 'cancelled' : 'failed', error: message, finishedAt: sql`now()` })
    .where(and(eq(importJobs.id, jobId), eq(importJobs.status, from)))
    .catch(() => {});
  await db.delete(importFileChunks).where(eq(importFileChunks.jobId, jobId)).catch(() => {});
  await clearStaged(db, jobId).catch(() => {});
}

function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  // A failed query's message carries its text and parameters: keep the database's own words.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : null;
  const text = cause ?? m.replace(/\nparams:[\s\S]*$/, '').replace(/^Failed query:[\s\S]*$/, 'a database error');
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}
