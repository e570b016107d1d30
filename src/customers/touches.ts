import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { accounts, signals, type SignalRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { TOUCH_SIGNALS } from '../policy/policy.ts';
import { signalSchema } from '../prospects/validation.ts';
import type { ActionContext } from '../prospects/actions.ts';

// Customers are called and visited (DOMAIN.md §5): a touch is a signal of a touch type on the
// customer. It never changes the tier (only deals and payments do) and counts for the cadence.

export const touchSchema = (today: string) =>
  signalSchema(today).refine((s) => (TOUCH_SIGNALS as readonly string[]).includes(s.type), { path: ['type'], message: `a customer's touch is one of: ${TOUCH_SIGNALS.join(', ')}` });
export type TouchInput = z.infer<ReturnType<typeof touchSchema>>;

export type TouchResult = { ok: true; signal: SignalRow } | { ok: false; reason: 'not_found' };

export async function logTouch(db: Db, accountId: number, input: TouchInput, ctx: ActionContext): Promise<TouchResult> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select({ id: accounts.id, kind: accounts.kind }).from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!current || current.kind !== 'customer') return { ok: false as const, reason: 'not_found' as const };
    const [signal] = await tx
      .insert(signals)
      .values({ accountId, type: input.type, date: input.date, note: input.note ?? null, loggedBy: ctx.actor.name })
      .returning();
    await tx
      .update(accounts)
      .set({ lastSignalOn: sql`greatest(${accounts.lastSignalOn}, ${input.date}::date)` })
      .where(eq(accounts.id, accountId));
    const { id, accountId: _, loggedAt: __, ...fields } = signal!;
    await writeAudit(tx, { actor: ctx.actor.name, actorId: ctx.actor.id ?? null, entity: 'signal', entityId: id, accountId, action: 'logged', after: fields });
    return { ok: true as const, signal: signal! };
  });
}

/** A customer's recent touches, newest first. */
export function touchesOf(db: Db, accountId: number, limit = 50) {
  return db
    .select()
    .from(signals)
    .where(and(eq(signals.accountId, accountId), inArray(signals.type, [...TOUCH_SIGNALS])))
    .orderBy(desc(signals.date), desc(signals.loggedAt), desc(signals.id))
    .limit(limit);
}
