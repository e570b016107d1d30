import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, gradeChanges, tierChanges, type AccountRow, type DealRow } from '../db/schema.ts';
import { accountAudit, writeAudit } from '../audit/audit-log.ts';
import { applyGrading, changeRow } from '../grading/apply-grading.ts';
import { currentPolicy } from '../policy/store.ts';
import type { Grading } from '../grading/grading.ts';
import { applyTiering } from './apply-tiering.ts';
import type { Tiering } from './tiering.ts';

// The first won deal turns a prospect into a customer: the same row (id, signals, grade history)
// with its grade frozen as the grade it closed at. Undoing that deal turns it back. Both run in the
// caller's transaction, with the account row already locked.

export type ActionContext = { today: string; actor: { name: string } };

export type Conversion = {
  account: AccountRow;
  tiering: Tiering;
  /** The status the prospect had when a won deal reopened it (disqualified or lost), else null. */
  reopened: { status: string; reason: string | null } | null;
};

export function convertedLine(grade: string | null, closedOn: string): string {
  return `closed at grade ${grade ?? '–'} on ${closedOn}`;
}

/** The grade-history row that keeps a conversion: the grade frozen as it closed, and why. */
export function conversionChange(
  acct: Pick<AccountRow, 'id' | 'grade' | 'fit' | 'flags' | 'policyVersion'>,
  deal: { title: string; closedOn: string },
  reopened: Conversion['reopened'],
  ctx: { actor: string; asOf: string; policyVersion: number },
) {
  const won = `Deal “${deal.title}” won on ${deal.closedOn}: converted into a customer, ${convertedLine(acct.grade, deal.closedOn)}.`;
  const reasons = reopened ? [won, `It was ${reopened.status}${reopened.reason ? ` (${reopened.reason})` : ''}: the won deal reopened it.`] : [won];
  return {
    accountId: acct.id,
    fromGrade: acct.grade,
    toGrade: acct.grade,
    fit: acct.fit,
    flags: acct.flags,
    reason: `converted: ${convertedLine(acct.grade, deal.closedOn)}${reopened ? ` (reopened from ${reopened.status})` : ''}`,
    reasons,
    cause: 'converted',
    actor: ctx.actor,
    policyVersion: acct.policyVersion ?? ctx.policyVersion,
    asOf: ctx.asOf,
  };
}

export async function convertProspect(tx: Db, acct: AccountRow, deal: DealRow, ctx: ActionContext): Promise<Conversion> {
  const { version, policy } = await currentPolicy(tx);
  const closedOn = deal.closedOn!;
  const reopened = acct.status !== 'open' ? { status: acct.status, reason: acct.statusReason } : null;
  await tx
    .update(accounts)
    .set({
      kind: 'customer',
      status: 'open',
      statusReason: null,
      closedGrade: acct.grade,
      convertedOn: closedOn,
      version: sql`${accounts.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(accounts.id, acct.id));
  const change = conversionChange(acct, { title: deal.title, closedOn }, reopened, { actor: ctx.actor.name, asOf: ctx.today, policyVersion: version });
  await tx.insert(gradeChanges).values(change);
  const r = await applyTiering(tx, acct.id, { policy, policyVersion: version, asOf: ctx.today, cause: 'converted', actor: ctx.actor.name }, { record: 'always', lead: change.reasons });
  await writeAudit(tx, {
    actor: ctx.actor.name,
    entity: 'account',
    entityId: acct.id,
    accountId: acct.id,
    action: reopened ? 'reopened_and_converted' : 'converted',
    before: accountAudit(acct),
    after: { ...accountAudit(r!.account), dealId: deal.id },
  });
  return { account: r!.account, tiering: r!.tiering, reopened };
}

/**
 * The only won deal was deleted or reopened: the customer is a prospect again (open), its tier
 * cleared and its grade re-graded as of today. Both histories say so.
 */
export async function reverseConversion(tx: Db, acct: AccountRow, deal: DealRow, how: 'deleted' | 'reopened', ctx: ActionContext): Promise<{ account: AccountRow; grading: Grading }> {
  const { version, policy } = await currentPolicy(tx);
  await tx
    .update(accounts)
    .set({
      kind: 'prospect',
      status: 'open',
      statusReason: null,
      closedGrade: null,
      convertedOn: null,
      tier: null,
      tierScore: null,
      tierReason: null,
      tieredOn: null,
      tierPolicyVersion: null,
      version: sql`${accounts.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(accounts.id, acct.id));
  const why = `Conversion reversed: the only won deal “${deal.title}” was ${how}; the account is a prospect again.`;
  await tx.insert(tierChanges).values({
    accountId: acct.id,
    fromTier: acct.tier,
    toTier: null,
    score: null,
    reasons: [why],
    cause: 'conversion_reversed',
    actor: ctx.actor.name,
    policyVersion: version,
    asOf: ctx.today,
  });
  const gctx = { policy, policyVersion: version, asOf: ctx.today, cause: 'conversion_reversed', actor: ctx.actor.name } as const;
  const g = (await applyGrading(tx, acct.id, gctx))!;
  // The reversal is kept in the grade history even when the grade itself did not move.
  if (!g.changed) await tx.insert(gradeChanges).values(changeRow(acct.id, acct.grade, g.grading, gctx));
  await writeAudit(tx, {
    actor: ctx.actor.name,
    entity: 'account',
    entityId: acct.id,
    accountId: acct.id,
    action: 'conversion_reversed',
    before: accountAudit(acct),
    after: { ...accountAudit(g.account), dealId: deal.id },
  });
  return { account: g.account, grading: g.grading };
}
