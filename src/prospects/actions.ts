import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, signals, type AccountRow, type SignalRow } from '../db/schema.ts';
import { applyGrading, type GradeCause } from '../grading/apply-grading.ts';
import type { Grading } from '../grading/grading.ts';
import { currentPolicy } from '../policy/store.ts';
import { nameKey, type NewProspect, type SignalInput } from './validation.ts';

// Each action is one transaction: the change and the grade it causes are written together.

export type Actor = { name: string };
export type ActionContext = { today: string; actor: Actor };

export type Failure =
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: AccountRow }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> };

type Graded = { ok: true; account: AccountRow; grading: Grading };

async function regrade(tx: Db, id: number, ctx: ActionContext, cause: GradeCause) {
  const { version, policy } = await currentPolicy(tx);
  const r = await applyGrading(tx, id, { policy, policyVersion: version, asOf: ctx.today, cause, actor: ctx.actor.name });
  return r!;
}

async function domainTaken(tx: Db, domain: string | null | undefined, exceptId?: number): Promise<AccountRow | undefined> {
  if (!domain) return undefined;
  const [row] = await tx
    .select()
    .from(accounts)
    .where(exceptId === undefined ? eq(accounts.domain, domain) : and(eq(accounts.domain, domain), ne(accounts.id, exceptId)));
  return row;
}

const duplicate = (other: AccountRow): Failure => ({
  ok: false,
  reason: 'invalid',
  errors: { domain: `already used by ${other.name} (#${other.id})` },
});

export async function createProspect(db: Db, input: NewProspect, ctx: ActionContext): Promise<Graded | Failure> {
  return db.transaction(async (tx) => {
    const other = await domainTaken(tx, input.domain);
    if (other) return duplicate(other);
    const [row] = await tx
      .insert(accounts)
      .values({ ...input, nameKey: nameKey(input.name), addedOn: input.addedOn ?? ctx.today })
      .returning({ id: accounts.id });
    const r = await regrade(tx, row!.id, ctx, 'created');
    return { ok: true as const, account: r.account, grading: r.grading };
  });
}

/** Applies an edit made on `version`; an edit based on an older version is refused, never merged blindly. */
export async function updateProspect(db: Db, id: number, version: number, input: Partial<NewProspect>, ctx: ActionContext): Promise<Graded | Failure> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, id)).for('update');
    if (!current || current.kind !== 'prospect') return { ok: false as const, reason: 'not_found' as const };
    if (current.version !== version) return { ok: false as const, reason: 'conflict' as const, current };
    const other = await domainTaken(tx, input.domain, id);
    if (other) return duplicate(other);
    const { addedOn, ...fields } = input;
    await tx
      .update(accounts)
      .set({
        ...fields,
        ...(addedOn ? { addedOn } : {}),
        ...(fields.name ? { nameKey: nameKey(fields.name) } : {}),
        version: sql`${accounts.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(accounts.id, id));
    const r = await regrade(tx, id, ctx, 'edit');
    return { ok: true as const, account: r.account, grading: r.grading };
  });
}

export async function logSignal(db: Db, id: number, input: SignalInput, ctx: ActionContext): Promise<(Graded & { signal: SignalRow }) | Failure> {
  return db.transaction(async (tx) => {
    // Lock the account first so concurrent signals on one prospect grade one after the other.
    const [current] = await tx.select({ id: accounts.id, kind: accounts.kind }).from(accounts).where(eq(accounts.id, id)).for('update');
    if (!current || current.kind !== 'prospect') return { ok: false as const, reason: 'not_found' as const };
    const [signal] = await tx
      .insert(signals)
      .values({ accountId: id, ...input, loggedBy: ctx.actor.name })
      .returning();
    const r = await regrade(tx, id, ctx, 'signal');
    return { ok: true as const, account: r.account, grading: r.grading, signal: signal! };
  });
}

export type StatusChange = { status: 'open' | 'disqualified' | 'lost'; reason: string | null };

/** Disqualify, mark lost or reopen. The prospect keeps its history; reopening re-grades it as of today. */
export async function changeStatus(db: Db, id: number, change: StatusChange, ctx: ActionContext, version?: number): Promise<Graded | Failure> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, id)).for('update');
    if (!current || current.kind !== 'prospect') return { ok: false as const, reason: 'not_found' as const };
    if (version !== undefined && current.version !== version) return { ok: false as const, reason: 'conflict' as const, current };
    if (current.status === change.status) {
      const msg = change.status === 'open' ? 'is already open' : `is already ${change.status}`;
      return { ok: false as const, reason: 'invalid' as const, errors: { status: `This prospect ${msg}.` } };
    }
    await tx
      .update(accounts)
      .set({ status: change.status, statusReason: change.reason, version: sql`${accounts.version} + 1`, updatedAt: sql`now()` })
      .where(eq(accounts.id, id));
    const r = await regrade(tx, id, ctx, 'status');
    return { ok: true as const, account: r.account, grading: r.grading };
  });
}
