import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { query, type Db } from '../db/client.ts';
import { importFileChunks, importJobs, importMappings, importRejects, type ImportJobRow } from '../db/schema.ts';
import type { ImportKind, Mapping, PresetName } from './mapping.ts';

// The import jobs, their files, rejected rows and remembered mappings in the database.

export type ImportStatus = 'uploading' | 'mapping' | 'analyzing' | 'ready' | 'importing' | 'done' | 'failed' | 'cancelled';
export const RUNNING: readonly ImportStatus[] = ['uploading', 'analyzing', 'importing'];

export type Reject = { line: number; reason: string };

export async function createJob(db: Db, v: { kind: ImportKind; fileName: string; actor: { name: string; id: number | null } }): Promise<number> {
  const [row] = await db
    .insert(importJobs)
    .values({ kind: v.kind, status: 'uploading', fileName: v.fileName.slice(0, 200), createdBy: v.actor.name, createdById: v.actor.id, heartbeatAt: sql`now()` })
    .returning({ id: importJobs.id });
  return row!.id;
}

/** Stores a piece of the file, and says the upload is alive (a long upload is not taken for dead). */
export async function putChunk(db: Db, jobId: number, seq: number, data: string): Promise<void> {
  await db.insert(importFileChunks).values({ jobId, seq, data });
  await db.update(importJobs).set({ heartbeatAt: sql`now()` }).where(eq(importJobs.id, jobId));
}

/** The file's text, piece by piece, in the order it came. */
export async function* fileChunks(db: Db, jobId: number): AsyncGenerator<string> {
  for (let seq = 0; ; seq++) {
    const [row] = await db.select({ data: importFileChunks.data }).from(importFileChunks).where(and(eq(importFileChunks.jobId, jobId), eq(importFileChunks.seq, seq)));
    if (!row) return;
    yield row.data;
  }
}

export async function getJob(db: Db, id: number): Promise<ImportJobRow | undefined> {
  const [row] = await db.select().from(importJobs).where(eq(importJobs.id, id));
  return row;
}

export async function recentJobs(db: Db, limit = 20): Promise<ImportJobRow[]> {
  return db.select().from(importJobs).where(sql`${importJobs.status} <> 'uploading'`).orderBy(desc(importJobs.createdAt), desc(importJobs.id)).limit(limit);
}

export async function deleteJob(db: Db, id: number): Promise<void> {
  await db.delete(importJobs).where(eq(importJobs.id, id));
}

/** Moves a job from one state to another; false when it was not in `from` (someone else moved it first). */
export async function transition(db: Db, id: number, from: readonly ImportStatus[], set: PgUpdateSetSource<typeof importJobs>): Promise<boolean> {
  const rows = await db
    .update(importJobs)
    .set(set)
    .where(and(eq(importJobs.id, id), inArray(importJobs.status, [...from])))
    .returning({ id: importJobs.id });
  return rows.length > 0;
}

export async function updateJob(db: Db, id: number, set: PgUpdateSetSource<typeof importJobs>): Promise<void> {
  await db.update(importJobs).set(set).where(eq(importJobs.id, id));
}

export async function savedMapping(db: Db, kind: ImportKind, signature: string): Promise<{ mapping: Mapping; preset: PresetName | null } | undefined> {
  const [row] = await db.select().from(importMappings).where(and(eq(importMappings.kind, kind), eq(importMappings.signature, signature)));
  return row ? { mapping: row.mapping as Mapping, preset: row.preset as PresetName | null } : undefined;
}

export async function rememberMapping(db: Db, kind: ImportKind, signature: string, mapping: Mapping, preset: string | null, actor: string): Promise<void> {
  await db
    .insert(importMappings)
    .values({ kind, signature, mapping, preset, updatedBy: actor })
    .onConflictDoUpdate({ target: [importMappings.kind, importMappings.signature], set: { mapping, preset, updatedBy: actor, updatedAt: sql`now()` } });
}

export async function addRejects(db: Db, jobId: number, rejects: readonly Reject[]): Promise<void> {
  if (!rejects.length) return;
  await db.execute(sql`
    insert into ${importRejects} (job_id, line, reason)
    select ${jobId}, line, reason from jsonb_to_recordset(${JSON.stringify(rejects)}::jsonb) as r(line int, reason text)
    on conflict do nothing`);
}

export async function clearRejects(db: Db, jobId: number): Promise<void> {
  await db.delete(importRejects).where(eq(importRejects.jobId, jobId));
}

export const REJECTS_PAGE_SIZE = 50;

export async function rejectsPage(db: Db, jobId: number, page: number, size = REJECTS_PAGE_SIZE): Promise<{ rows: Reject[]; total: number; page: number; pages: number }> {
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(importRejects).where(eq(importRejects.jobId, jobId));
  const pages = Math.max(1, Math.ceil(n / size));
  const p = Math.min(Math.max(1, page), pages);
  const rows = await db
    .select({ line: importRejects.line, reason: importRejects.reason })
    .from(importRejects)
    .where(eq(importRejects.jobId, jobId))
    .orderBy(asc(importRejects.line))
    .limit(size)
    .offset((p - 1) * size);
  return { rows, total: n, page: p, pages };
}

export async function dropFile(db: Db, jobId: number): Promise<void> {
  await db.delete(importFileChunks).where(eq(importFileChunks.jobId, jobId));
}

/** How long a running job may go without a heartbeat before it is taken for dead. */
export const STALE_SECONDS = 30;

/**
 * Marks failed the jobs whose runner stopped: a heartbeat older than STALE_SECONDS, or (same
 * process) a job this process does not run any more. The import is one transaction, so a runner
 * that died wrote nothing.
 */
export async function failStaleJobs(db: Db, runner: string, runningHere: readonly number[]): Promise<number> {
  const rows = await query<{ id: number }>(
    db,
    sql`update ${importJobs} set status = 'failed', finished_at = now(),
          error = case when status = 'importing' then 'The server stopped while this import was being written. Nothing of it was saved; run it again.'
                       when status = 'uploading' then 'The upload did not finish.'
                       else 'The server stopped during the dry run. Run it again.' end
        where status in ('uploading', 'analyzing', 'importing')
          and (heartbeat_at < now() - make_interval(secs => ${STALE_SECONDS})
               or (runner = ${runner} and heartbeat_at < now() - interval '5 seconds'
                   and not (id = any(array(select (jsonb_array_elements_text(${JSON.stringify(runningHere)}::jsonb))::int)))))
        returning id`,
  );
  return rows.length;
}
