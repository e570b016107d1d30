import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, signals, type AccountRow, type SignalRow } from '../db/schema.ts';
import { applyGrading, type GradeCause } from '../grading/apply-grading.ts';
import type { Grading } from '../grading/grading.ts';
import { currentPolicy } from '../policy/store.ts';
import { initialOwnerId } from '../access/rules.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Actor } from '../users/model.ts';
import { nameKey, type NewProspect, type SignalInput } from './validation.ts';

// Each action is one transaction: the change, the grade it causes and its audit row are written together.

export type { Actor };
export type ActionContext = { today: string; actor: Actor };

/** A prospect as its audit rows keep it: the fields people edit and the grade they lead to. */
export function prospectAudit(a: AccountRow) {
  return {
    name: a.name,
    domain: a.domain,
    industry: a.industry,
    employees: a.employees,
    revenue: a.revenue,
    growthPct: a.growthPct,
    need: a.need,
    situation: a.situation,
    addedOn: a.addedOn,
    status: a.status,
    statusReason: a.statusReason,
    ownerId: a.ownerId,
    grade: a.grade,
    fit: a.fit,
    flags: a.flags,
    version: a.version,
  };
}

const audit = (tx: Db, ctx: ActionContext, e: { entity: 'account' | 'signal'; entityId: number; accountId: number; action: string; before?: unknown; after?: unknown }) =>
  writeAudit(tx, { actor: ctx.actor.name, actorId: ctx.actor.id ?? null, ...e });

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
      .values({ ...input, nameKey: nameKey(input.name), addedOn: input.addedOn ?? ctx.today, ownerId: initialOwnerId(ctx.actor) })
      .returning({ id: accounts.id });
    const r = await regrade(tx, row!.id, ctx, 'created');
    await audit(tx, ctx, { entity: 'account', entityId: r.account.id, accountId: r.account.id, action: 'created', after: prospectAudit(r.account) });
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
    await audit(tx, ctx, { entity: 'account', entityId: id, accountId: id, action: 'edited', before: prospectAudit(current), after: prospectAudit(r.account) });
    return { ok: true as const, account: r.account, grading: r.grading };
  });
}

export async function logSignal(db: Db, id: number, input: SignalInput, ctx: ActionContext): Promise<(Graded & { signal: SignalRow }) | Failure> {
  return db.transaction(async (tx) => {
    // Lock the account first so concurrent signals on one prospect grade one after the other.
    const [current] = await tx.select({ id: accounts.id, kind: accounts.kind, grade: accounts.grade }).from(accounts).where(eq(accounts.id, id)).for('update');
    if (!current || current.kind !== 'prospect') return { ok: false as const, reason: 'not_found' as const };
    const [signal] = await tx
      .insert(signals)
      .values({ accountId: id, ...input, loggedBy: ctx.actor.name })
      .returning();
    const r = await regrade(tx, id, ctx, 'signal');
    const { id: signalId, accountId: _, loggedAt: __, ...fields } = signal!;
    await audit(tx, ctx, { entity: 'signal', entityId: signalId, accountId: id, action: 'logged', after: { ...fields, gradeBefore: current.grade, gradeAfter: r.account.grade } });
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
    const action = change.status === 'open' ? 'reopened' : change.status;
    await audit(tx, ctx, { entity: 'account', entityId: id, accountId: id, action, before: prospectAudit(current), after: prospectAudit(r.account) });
    return { ok: true as const, account: r.account, grading: r.grading };
  });
}
