import { and, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, deals, tierChanges, type AccountRow } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { explainTier, tierSummary } from './explain-tier.ts';
import { scoreCustomer, type DealFact, type Tiering } from './tiering.ts';
import { ensureOwner } from '../ownership/auto-assign.ts';

export type TierCause = 'quarterly' | 'manual' | 'policy' | 'deal' | 'converted' | 'payment' | 'conversion_reversed';

export type TieringContext = {
  policy: Policy;
  policyVersion: number;
  asOf: string;
  cause: TierCause;
  actor: string;
};

/** What the tier scorer takes from an account row: its payment record and the fit it had as a prospect. */
export function customerFacts(a: Pick<AccountRow, 'daysPaidLate' | 'fit'>) {
  return { daysPaidLate: a.daysPaidLate, priorFit: a.fit };
}

/** The columns a customer keeps from its last tiering. The one-line reason names no date, so re-scoring an unchanged customer writes nothing. */
export function tierColumns(t: Tiering, policy: Policy, policyVersion: number) {
  return {
    tier: t.tier,
    tierScore: t.score,
    tierReason: tierSummary(t, policy.tiering),
    tieredOn: t.asOf,
    tierPolicyVersion: policyVersion,
  };
}

export function tierChangeRow(accountId: number, fromTier: string | null, t: Tiering, ctx: TieringContext, lead: string[] = []) {
  return {
    accountId,
    fromTier,
    toTier: t.tier,
    score: t.score,
    reasons: [...lead, ...explainTier(t, ctx.policy.tiering)],
    cause: ctx.cause,
    actor: ctx.actor,
    policyVersion: ctx.policyVersion,
    asOf: ctx.asOf,
  };
}

/** The won deals a tiering counts (closed on or before as-of), as the pure scorer takes them. */
export async function wonDealsOf(tx: Db, accountId: number, asOf: string): Promise<DealFact[]> {
  return tx
    .select({ value: deals.value, marginPct: deals.marginPct, status: deals.status, closedOn: deals.closedOn })
    .from(deals)
    .where(and(eq(deals.accountId, accountId), eq(deals.status, 'won'), lte(deals.closedOn, asOf)));
}

/**
 * Re-scores one customer from its won deals and stores the result, in the caller's transaction
 * (the account row is locked). Records a tier change when the tier moved, or always with
 * `record: 'always'` (a conversion is kept even though there was no tier before). Returns null
 * for an unknown account or one that is not a customer.
 */
export async function applyTiering(
  tx: Db,
  accountId: number,
  ctx: TieringContext,
  opts: { record?: 'moved' | 'always'; lead?: string[] } = {},
): Promise<{ account: AccountRow; tiering: Tiering; changed: boolean } | null> {
  const [acct] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  if (!acct || acct.kind !== 'customer') return null;
  const t = scoreCustomer(customerFacts(acct), await wonDealsOf(tx, accountId, ctx.asOf), ctx.policy.tiering, ctx.asOf);
  const changed = acct.tier !== t.tier;
  const [updated] = await tx.update(accounts).set(tierColumns(t, ctx.policy, ctx.policyVersion)).where(eq(accounts.id, accountId)).returning();
  if (changed || opts.record === 'always') await tx.insert(tierChanges).values(tierChangeRow(accountId, acct.tier, t, ctx, opts.lead));
  // A tier that may now need a more senior owner (DOMAIN.md §3).
  if (changed) {
    const moved = await ensureOwner(tx, accountId, { policy: ctx.policy, actor: ctx.actor, cause: 'tier_rose' });
    if (moved) {
      const [again] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
      return { account: again!, tiering: t, changed };
    }
  }
  return { account: updated!, tiering: t, changed };
}
