import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, gradeChanges } from '../db/schema.ts';
import { currentPolicy } from '../policy/store.ts';
import type { Policy } from '../policy/policy.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { changeRow, factsOf, gradeOrFlagsChanged, summaryOf, type GradeCause } from './apply-grading.ts';
import { summaryLine } from './explain.ts';
import { makeGrader } from './grading.ts';
import { LoadCache, assignAccounts } from '../ownership/auto-assign.ts';

export type RegradeStats = { asOf: string; policyVersion: number; scanned: number; updated: number; changed: number; reassigned: number; ms: number };

const BATCH = 5000;

/**
 * Re-grades every open prospect as of `asOf` from the signal summary kept on each account
 * (no signal rows are read). Writes only rows whose grade, flags, close-by date, slip count or
 * one-line reason moved, and records a grade change only when the grade or flags moved, so
 * running it twice for one day changes nothing the second time. Each batch is one transaction:
 * an interrupted run leaves whole batches and is finished by the next run.
 */
export async function regradeOpenProspects(
  db: Db,
  opts: { asOf: string; cause?: GradeCause; actor?: string; batchSize?: number; policy?: { version: number; policy: Policy } },
): Promise<RegradeStats> {
  const started = performance.now();
  // A policy edit passes its own version, so the grades it causes name it even if a newer one is saved meanwhile.
  const { version, policy } = opts.policy ?? (await currentPolicy(db));
  const grader = makeGrader(policy.grading, opts.asOf);
  const ctx = { policy, policyVersion: version, asOf: opts.asOf, cause: opts.cause ?? 'daily', actor: opts.actor ?? 'daily re-grade' } as const;
  const batchSize = opts.batchSize ?? BATCH;
  let lastId = 0, scanned = 0, updated = 0, changed = 0;
  const minLevel = (grade: string | null) => (grade ? (policy.ownership.byGrade[grade as 'A'] ?? { minLevel: 0 }).minLevel : 0);
  // Each rep's load, read once when a batch first needs it and kept up to date as accounts move.
  const assignOpts = { policy, actor: ctx.actor, cause: ctx.cause === 'policy' ? ('policy' as const) : ('daily_regrade' as const), policyVersion: ctx.cause === 'policy' ? version : undefined, loads: new LoadCache() };
  let reassigned = 0;
  for (;;) {
    // Read, grade and write each batch in one transaction with its rows locked: a signal, edit or
    // status change committed meanwhile waits, or is seen, and never has its grade overwritten
    // by one computed from the rows as they were before it.
    const batch = await db.transaction(async (tx) => {
      const rows = await tx
        .select({
          id: accounts.id,
          employees: accounts.employees,
          revenue: accounts.revenue,
          growthPct: accounts.growthPct,
          need: accounts.need,
          addedOn: accounts.addedOn,
          grade: accounts.grade,
          flags: accounts.flags,
          closeBy: accounts.closeBy,
          fit: accounts.fit,
          reason: accounts.reason,
          slipCount: accounts.slipCount,
          policyVersion: accounts.policyVersion,
          latestTimingType: accounts.latestTimingType,
          latestTimingDate: accounts.latestTimingDate,
          latestTimingExpected: accounts.latestTimingExpected,
          lastSignalOn: accounts.lastSignalOn,
          priorSlips: accounts.priorSlips,
        })
        .from(accounts)
        .where(and(eq(accounts.kind, 'prospect'), eq(accounts.status, 'open'), gt(accounts.id, lastId)))
        .orderBy(asc(accounts.id))
        .limit(batchSize)
        .for('update');
      if (!rows.length) return null;

      const updates: { id: number; grade: string; fit: number | null; close_by: string | null; flags: string[]; reason: string; slip_count: number }[] = [];
      const changes: ReturnType<typeof changeRow>[] = [];
      const rose: number[] = [];
      for (const r of rows) {
        const g = grader.gradeSummary(factsOf(r), summaryOf(r));
        const moved = gradeOrFlagsChanged(r, g);
        if (!moved && r.closeBy === g.closeBy && r.slipCount === g.slipCount && r.fit === g.fit.score && r.policyVersion === version) continue;
        const reason = summaryLine(g, policy.grading);
        updates.push({ id: r.id, grade: g.grade, fit: g.fit.score, close_by: g.closeBy, flags: g.flags, reason, slip_count: g.slipCount });
        if (moved) changes.push(changeRow(r.id, r.grade, g, ctx));
        if (moved && minLevel(g.grade) > minLevel(r.grade)) rose.push(r.id);
      }
      if (updates.length) {
        // One statement per batch; the rows travel as one JSON parameter on either driver.
        await tx.execute(sql`
          update ${accounts} a set
            grade = v.grade, fit = v.fit, close_by = v.close_by, flags = v.flags, reason = v.reason,
            slip_count = v.slip_count, graded_on = ${opts.asOf}::date, policy_version = ${version}
          from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
            as v(id int, grade text, fit float8, close_by date, flags text[], reason text, slip_count int)
          where a.id = v.id`);
        if (changes.length) {
          // Also one JSON parameter: building thousands of bound parameters costs more than the insert.
          await tx.execute(sql`
            insert into ${gradeChanges} (account_id, from_grade, to_grade, fit, flags, reason, reasons, cause, actor, policy_version, as_of)
            select "accountId", "fromGrade", "toGrade", fit, flags, reason, reasons, cause, actor, "policyVersion", "asOf"
            from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
              as c("accountId" int, "fromGrade" text, "toGrade" text, fit float8, flags text[], reason text, reasons jsonb,
                   cause text, actor text, "policyVersion" int, "asOf" date)`);
        }
      }
      // Grades that rose above what their owners' level allows go to someone senior enough
      // (DOMAIN.md §3), in the batch's own transaction: an interrupted run leaves no raised grade unplaced.
      const moved = rose.length ? (await assignAccounts(tx, rose, assignOpts)).length : 0;
      return { lastId: rows[rows.length - 1]!.id, scanned: rows.length, updated: updates.length, changed: changes.length, moved };
    });
    if (!batch) break;
    lastId = batch.lastId;
    scanned += batch.scanned;
    updated += batch.updated;
    changed += batch.changed;
    reassigned += batch.moved;
  }
  // One audit row per run that wrote something (each grade change is in grade_changes, with its actor).
  if (updated) await writeAudit(db, { actor: ctx.actor, entity: 'account', entityId: null, accountId: null, action: `regrade_${ctx.cause}`, after: { asOf: opts.asOf, policyVersion: version, scanned, updated, changed, reassigned } });
  return { asOf: opts.asOf, policyVersion: version, scanned, updated, changed, reassigned, ms: Math.round(performance.now() - started) };
}
