import { and, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, deals, type AccountRow, type DealRow } from '../db/schema.ts';
import { accountAudit, writeAudit } from '../audit/audit-log.ts';
import { currentPolicy } from '../policy/store.ts';
import { applyTiering, type TierCause } from './apply-tiering.ts';
import { convertProspect, reverseConversion, type ActionContext } from './convert-prospect.ts';
import type { Tiering } from './tiering.ts';
import type { DealEdit, DealLoss, DealWin, NewDeal, PaymentInput } from './validation.ts';

// Each deal action is one transaction that locks the account row first: concurrent actions on
// one account run one after the other, so two wins at once convert it exactly once.

export type { ActionContext };

export type DealFailure =
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: DealRow }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> };

export type DealOutcome = {
  ok: true;
  /** The deal after the action; null once deleted. */
  deal: DealRow | null;
  /** The account after the action. */
  account: AccountRow;
  /** This action converted the prospect into a customer. */
  converted: boolean;
  /** The status a won deal reopened the prospect from (disqualified or lost). */
  reopened: { status: string; reason: string | null } | null;
  /** This action undid the conversion: the account is a prospect again. */
  reversed: boolean;
  /** The tier as re-scored by this action, if it was. */
  tiering: Tiering | null;
};

const notFound = { ok: false as const, reason: 'not_found' as const };
const invalid = (errors: Record<string, string>) => ({ ok: false as const, reason: 'invalid' as const, errors });

async function lockAccount(tx: Db, id: number) {
  const [acct] = await tx.select().from(accounts).where(eq(accounts.id, id)).for('update');
  return acct;
}

/** Locks the deal's account, then the deal (always in that order), and re-reads both. */
async function lockDeal(tx: Db, dealId: number): Promise<{ acct: AccountRow; deal: DealRow } | null> {
  const [ref] = await tx.select({ accountId: deals.accountId }).from(deals).where(eq(deals.id, dealId));
  if (!ref) return null;
  const acct = await lockAccount(tx, ref.accountId);
  const [deal] = await tx.select().from(deals).where(eq(deals.id, dealId)).for('update');
  return acct && deal ? { acct, deal } : null;
}

async function retier(tx: Db, accountId: number, cause: TierCause, ctx: ActionContext) {
  const { version, policy } = await currentPolicy(tx);
  return applyTiering(tx, accountId, { policy, policyVersion: version, asOf: ctx.today, cause, actor: ctx.actor.name });
}

type Effect = Omit<DealOutcome, 'ok' | 'deal'>;

/** A deal was won: the first converts the prospect, any later one re-scores the customer's tier. */
async function afterWon(tx: Db, acct: AccountRow, deal: DealRow, ctx: ActionContext): Promise<Effect> {
  if (acct.kind === 'prospect') {
    const c = await convertProspect(tx, acct, deal, ctx);
    return { account: c.account, converted: true, reopened: c.reopened, reversed: false, tiering: c.tiering };
  }
  const r = (await retier(tx, acct.id, 'deal', ctx))!;
  return { account: r.account, converted: false, reopened: null, reversed: false, tiering: r.tiering };
}

/** A won deal was undone: with no won deal left the conversion is reversed, else the tier is re-scored. */
async function afterUnwon(tx: Db, acct: AccountRow, deal: DealRow, how: 'deleted' | 'reopened', ctx: ActionContext): Promise<Effect> {
  const unchanged = { account: acct, converted: false, reopened: null, reversed: false, tiering: null };
  if (acct.kind !== 'customer') return unchanged;
  const [{ n } = { n: 0 }] = await tx
    .select({ n: count() })
    .from(deals)
    .where(and(eq(deals.accountId, acct.id), eq(deals.status, 'won')));
  if (n === 0) {
    const r = await reverseConversion(tx, acct, deal, how, ctx);
    return { account: r.account, converted: false, reopened: null, reversed: true, tiering: null };
  }
  const r = (await retier(tx, acct.id, 'deal', ctx))!;
  return { account: r.account, converted: false, reopened: null, reversed: false, tiering: r.tiering };
}

const audit = (tx: Db, ctx: ActionContext, action: string, before: DealRow | null, after: DealRow | null) =>
  writeAudit(tx, { actor: ctx.actor.name, entity: 'deal', entityId: (after ?? before)!.id, accountId: (after ?? before)!.accountId, action, before, after });

export async function createDeal(db: Db, accountId: number, input: NewDeal, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const acct = await lockAccount(tx, accountId);
    if (!acct) return notFound;
    const [deal] = await tx
      .insert(deals)
      .values({
        accountId,
        title: input.title,
        value: input.value,
        marginPct: input.marginPct,
        status: input.status,
        expectedCloseOn: input.expectedCloseOn,
        closedOn: input.closedOn,
        lostReason: input.status === 'lost' ? input.lostReason : null,
        createdBy: ctx.actor.name,
      })
      .returning();
    await audit(tx, ctx, 'created', null, deal!);
    const effect = input.status === 'won' ? await afterWon(tx, acct, deal!, ctx) : { account: acct, converted: false, reopened: null, reversed: false, tiering: null };
    return { ok: true as const, deal: deal!, ...effect };
  });
}

/** Edits title, value, margin or expected close; a won deal's edit re-scores the customer's tier. */
export async function editDeal(db: Db, dealId: number, version: number, input: DealEdit, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const locked = await lockDeal(tx, dealId);
    if (!locked) return notFound;
    const { acct, deal } = locked;
    if (deal.version !== version) return { ok: false as const, reason: 'conflict' as const, current: deal };
    const [after] = await tx
      .update(deals)
      .set({ ...input, version: sql`${deals.version} + 1`, updatedAt: sql`now()` })
      .where(eq(deals.id, dealId))
      .returning();
    await audit(tx, ctx, 'edited', deal, after!);
    if (deal.status === 'won' && acct.kind === 'customer') {
      const r = (await retier(tx, acct.id, 'deal', ctx))!;
      return { ok: true as const, deal: after!, account: r.account, converted: false, reopened: null, reversed: false, tiering: r.tiering };
    }
    return { ok: true as const, deal: after!, account: acct, converted: false, reopened: null, reversed: false, tiering: null };
  });
}

export async function winDeal(db: Db, dealId: number, input: DealWin, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const locked = await lockDeal(tx, dealId);
    if (!locked) return notFound;
    const { acct, deal } = locked;
    if (input.version !== undefined && deal.version !== input.version) return { ok: false as const, reason: 'conflict' as const, current: deal };
    if (deal.status === 'won') return invalid({ status: 'This deal is already won.' });
    if (deal.status === 'lost') return invalid({ status: 'This deal was lost: reopen it before marking it won.' });
    const [after] = await tx
      .update(deals)
      .set({ status: 'won', closedOn: input.closedOn, lostReason: null, version: sql`${deals.version} + 1`, updatedAt: sql`now()` })
      .where(eq(deals.id, dealId))
      .returning();
    await audit(tx, ctx, 'won', deal, after!);
    return { ok: true as const, deal: after!, ...(await afterWon(tx, acct, after!, ctx)) };
  });
}

export async function loseDeal(db: Db, dealId: number, input: DealLoss, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const locked = await lockDeal(tx, dealId);
    if (!locked) return notFound;
    const { acct, deal } = locked;
    if (input.version !== undefined && deal.version !== input.version) return { ok: false as const, reason: 'conflict' as const, current: deal };
    if (deal.status === 'won') return invalid({ status: 'This deal was won: reopen it before marking it lost.' });
    if (deal.status === 'lost') return invalid({ status: 'This deal is already lost.' });
    const [after] = await tx
      .update(deals)
      .set({ status: 'lost', closedOn: input.closedOn, lostReason: input.lostReason, version: sql`${deals.version} + 1`, updatedAt: sql`now()` })
      .where(eq(deals.id, dealId))
      .returning();
    await audit(tx, ctx, 'lost', deal, after!);
    return { ok: true as const, deal: after!, account: acct, converted: false, reopened: null, reversed: false, tiering: null };
  });
}

/** Back to open. Reopening the only won deal reverses the conversion. */
export async function reopenDeal(db: Db, dealId: number, version: number | undefined, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const locked = await lockDeal(tx, dealId);
    if (!locked) return notFound;
    const { acct, deal } = locked;
    if (version !== undefined && deal.version !== version) return { ok: false as const, reason: 'conflict' as const, current: deal };
    if (deal.status === 'open') return invalid({ status: 'This deal is already open.' });
    const [after] = await tx
      .update(deals)
      .set({ status: 'open', closedOn: null, lostReason: null, version: sql`${deals.version} + 1`, updatedAt: sql`now()` })
      .where(eq(deals.id, dealId))
      .returning();
    await audit(tx, ctx, 'reopened', deal, after!);
    const effect = deal.status === 'won' ? await afterUnwon(tx, acct, deal, 'reopened', ctx) : { account: acct, converted: false, reopened: null, reversed: false, tiering: null };
    return { ok: true as const, deal: after!, ...effect };
  });
}

/** Deletes a wrongly entered deal. Deleting the only won deal reverses the conversion. */
export async function deleteDeal(db: Db, dealId: number, version: number | undefined, ctx: ActionContext): Promise<DealOutcome | DealFailure> {
  return db.transaction(async (tx) => {
    const locked = await lockDeal(tx, dealId);
    if (!locked) return notFound;
    const { acct, deal } = locked;
    if (version !== undefined && deal.version !== version) return { ok: false as const, reason: 'conflict' as const, current: deal };
    await tx.delete(deals).where(eq(deals.id, dealId));
    await audit(tx, ctx, 'deleted', deal, null);
    const effect = deal.status === 'won' ? await afterUnwon(tx, acct, deal, 'deleted', ctx) : { account: acct, converted: false, reopened: null, reversed: false, tiering: null };
    return { ok: true as const, deal: null, ...effect };
  });
}

export type PaymentFailure =
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: AccountRow };

/** Records a customer's average days paid late and re-scores its tier. */
export async function recordPayment(db: Db, accountId: number, input: PaymentInput, ctx: ActionContext): Promise<{ ok: true; account: AccountRow; tiering: Tiering } | PaymentFailure> {
  return db.transaction(async (tx) => {
    const acct = await lockAccount(tx, accountId);
    if (!acct || acct.kind !== 'customer') return notFound;
    if (input.version !== undefined && acct.version !== input.version) return { ok: false as const, reason: 'conflict' as const, current: acct };
    await tx
      .update(accounts)
      .set({ daysPaidLate: input.daysPaidLate, version: sql`${accounts.version} + 1`, updatedAt: sql`now()` })
      .where(eq(accounts.id, accountId));
    const r = (await retier(tx, accountId, 'payment', ctx))!;
    await writeAudit(tx, { actor: ctx.actor.name, entity: 'account', entityId: accountId, accountId, action: 'payment', before: accountAudit(acct), after: accountAudit(r.account) });
    return { ok: true as const, account: r.account, tiering: r.tiering };
  });
}
