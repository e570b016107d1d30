import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, gradeChanges, signals, type AccountRow } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { makeGrader, type Grading, type SignalSummary } from './grading.ts';
import { summaryLine, explain } from './explain.ts';
import { ensureOwner } from '../ownership/auto-assign.ts';

export type GradeCause = 'created' | 'signal' | 'edit' | 'status' | 'policy' | 'daily' | 'import' | 'converted' | 'conversion_reversed';

export type GradingContext = {
  policy: Policy;
  policyVersion: number;
  asOf: string;
  cause: GradeCause;
  actor: string;
};

/** The firmographic facts of an account row, as the pure grader takes them. */
export function factsOf(a: Pick<AccountRow, 'employees' | 'revenue' | 'growthPct' | 'need' | 'addedOn'>) {
  return {
    employees: a.employees,
    revenue: a.revenue,
    growthPct: a.growthPct,
    need: a.need as never,
    addedOn: a.addedOn,
  };
}

export function summaryOf(a: Pick<AccountRow, 'latestTimingType' | 'latestTimingDate' | 'latestTimingExpected' | 'lastSignalOn' | 'priorSlips'>): SignalSummary {
  return {
    latestTiming: a.latestTimingType && a.latestTimingDate ? { type: a.latestTimingType as never, date: a.latestTimingDate, expectedDate: a.latestTimingExpected } : null,
    lastSignalOn: a.lastSignalOn,
    priorSlips: a.priorSlips,
  };
}

/** The columns an account keeps from its last grading. */
export function gradeColumns(g: Grading, policy: Policy, policyVersion: number) {
  return {
    grade: g.grade,
    fit: g.fit.score,
    closeBy: g.closeBy,
    flags: g.flags,
    reason: summaryLine(g, policy.grading),
    gradedOn: g.asOf,
    policyVersion,
    slipCount: g.slipCount,
  };
}

export function gradeOrFlagsChanged(before: { grade: string | null; flags: string[] }, g: Grading): boolean {
  if (before.grade !== g.grade) return true;
  if (before.flags.length !== g.flags.length) return true;
  return before.flags.some((f, i) => f !== g.flags[i]);
}

/**
 * Re-grades one account from its full signal history and stores the result, in the caller's
 * transaction. Records a grade change when the grade or the flags moved. Returns null for an
 * unknown account.
 */
export async function applyGrading(tx: Db, accountId: number, ctx: GradingContext): Promise<{ account: AccountRow; grading: Grading; changed: boolean } | null> {
  const [acct] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  if (!acct) return null;
  const rows = await tx
    .select({ type: signals.type, date: signals.date, expectedDate: signals.expectedDate })
    .from(signals)
    .where(eq(signals.accountId, accountId))
    .orderBy(asc(signals.loggedAt), asc(signals.id));
  const grader = makeGrader(ctx.policy.grading, ctx.asOf);
  const summary = grader.summarize(rows);
  const g = grader.gradeSummary(factsOf(acct), summary);
  const changed = gradeOrFlagsChanged(acct, g);
  const [updated] = await tx
    .update(accounts)
    .set({
      ...gradeColumns(g, ctx.policy, ctx.policyVersion),
      latestTimingType: summary.latestTiming?.type ?? null,
      latestTimingDate: summary.latestTiming?.date ?? null,
      latestTimingExpected: summary.latestTiming?.expectedDate ?? null,
      lastSignalOn: summary.lastSignalOn,
      priorSlips: summary.priorSlips,
    })
    .where(and(eq(accounts.id, accountId)))
    .returning();
  if (changed) await tx.insert(gradeChanges).values(changeRow(accountId, acct.grade, g, ctx));
  // A new account without an owner, or a grade that may now need a more senior one (DOMAIN.md §3).
  const isNew = ctx.cause === 'created' || ctx.cause === 'import';
  if ((isNew && updated!.ownerId === null) || (changed && acct.grade !== g.grade)) {
    const moved = await ensureOwner(tx, accountId, { policy: ctx.policy, actor: ctx.actor, cause: isNew ? (ctx.cause === 'import' ? 'import' : 'created') : 'grade_rose' });
    if (moved) {
      const [again] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
      return { account: again!, grading: g, changed };
    }
  }
  return { account: updated!, grading: g, changed };
}

export function changeRow(accountId: number, fromGrade: string | null, g: Grading, ctx: GradingContext) {
  return {
    accountId,
    fromGrade,
    toGrade: g.grade,
    fit: g.fit.score,
    flags: g.flags,
    reason: summaryLine(g, ctx.policy.grading),
    reasons: explain(g, ctx.policy.grading),
    cause: ctx.cause,
    actor: ctx.actor,
    policyVersion: ctx.policyVersion,
    asOf: ctx.asOf,
  };
}
