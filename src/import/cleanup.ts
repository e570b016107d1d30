import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import type { Job } from '../jobs/scheduler.ts';

// An upload nobody confirms keeps its file and its dry run's rows (a million-row file is hundreds
// of MiB). Once a day, imports left waiting at the mapping or the dry run for a week are cancelled
// and what they kept is dropped; finished ones keep nothing either.

export const ABANDONED_DAYS = 7;

export async function dropAbandonedImports(db: Db, today: string, days = ABANDONED_DAYS): Promise<{ cancelled: number }> {
  const cancelled = await query<{ id: number }>(
    db,
    sql`update import_jobs set status = 'cancelled', speculation = null, finished_at = now(),
          error = ${`Left unconfirmed for ${days} days: its file and dry run were dropped. Upload the file again to import it.`}
        where status in ('mapping', 'ready') and coalesce(finished_at, created_at) < (${today}::date - ${days}::int)::timestamptz
        returning id`,
  );
  await dropFinishedFiles(db);
  return { cancelled: cancelled.length };
}

/** The files and dry-run rows of imports that are over (done, failed, cancelled): nothing reads them again. */
export async function dropFinishedFiles(db: Db): Promise<void> {
  const over = sql`(select id from import_jobs where status in ('done', 'failed', 'cancelled'))`;
  await db.execute(sql`delete from import_file_chunks where job_id in ${over}`);
  await db.execute(sql`delete from import_rows where job_id in ${over}`);
}

export const importCleanupJob: Job = {
  name: 'import-cleanup',
  runKey: (today) => today,
  run: (db, today) => dropAbandonedImports(db, today),
};
