import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, actionItems, reviewNotes, snapshotWeeks, users, type ActionItemRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Actor } from '../users/model.ts';
import type { ActionItemInput, ActionItemPatch } from './validation.ts';

// What the review meeting records against a week: notes, and action items that come back on
// every later week's review until done. Each change is one transaction; action items are audited.

export type MeetingContext = { today: string; actor: Actor };

export type Failure =
  | { ok: false; reason: 'no_week' }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: ActionItemRow }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> };

async function weekExists(tx: Db, week: string): Promise<boolean> {
  const [r] = await tx.select({ week: snapshotWeeks.week }).from(snapshotWeeks).where(eq(snapshotWeeks.week, week));
  return !!r;
}

export async function addNote(db: Db, week: string, body: string, ctx: MeetingContext) {
  return db.transaction(async (tx) => {
    if (!(await weekExists(tx, week))) return { ok: false as const, reason: 'no_week' as const };
    const [note] = await tx.insert(reviewNotes).values({ week, body, createdBy: ctx.actor.name, createdById: ctx.actor.id ?? null }).returning();
    return { ok: true as const, note: note! };
  });
}

/** Why an owner or account named on an action item will not do (field → message). */
async function problems(tx: Db, input: { ownerId?: number | null; accountId?: number | null }): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  if (input.ownerId != null) {
    const [u] = await tx.select({ state: users.state }).from(users).where(eq(users.id, input.ownerId));
    if (!u) errors.ownerId = `there is no person #${input.ownerId}`;
    else if (u.state === 'deactivated') errors.ownerId = 'that person is deactivated: choose someone active';
  }
  if (input.accountId != null) {
    const [a] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, input.accountId));
    if (!a) errors.accountId = `there is no account #${input.accountId}`;
  }
  return errors;
}

/** What an action item's audit rows keep. */
const itemAudit = (i: ActionItemRow) => ({ week: i.week, text: i.text, ownerId: i.ownerId, dueOn: i.dueOn, accountId: i.accountId, status: i.status, doneOn: i.doneOn, version: i.version });

export async function addActionItem(db: Db, week: string, input: ActionItemInput, ctx: MeetingContext): Promise<{ ok: true; item: ActionItemRow } | Failure> {
  return db.transaction(async (tx) => {
    if (!(await weekExists(tx, week))) return { ok: false as const, reason: 'no_week' as const };
    const errors = await problems(tx, input);
    if (Object.keys(errors).length) return { ok: false as const, reason: 'invalid' as const, errors };
    const [item] = await tx
      .insert(actionItems)
      .values({ week, text: input.text, ownerId: input.ownerId, dueOn: input.dueOn, accountId: input.accountId, createdBy: ctx.actor.name, createdById: ctx.actor.id ?? null })
      .returning();
    await writeAudit(tx, { actor: ctx.actor.name, entity: 'action_item', entityId: item!.id, accountId: item!.accountId, action: 'created', after: itemAudit(item!) });
    return { ok: true as const, item: item! };
  });
}

export async function getActionItem(db: Db, id: number) {
  const [row] = await db.select().from(actionItems).where(eq(actionItems.id, id));
  return row;
}

/**
 * Changes an action item seen at `version` (an older version is refused, never merged): marks it
 * done (today, by the actor) or open again, and/or edits its fields.
 */
export async function changeActionItem(db: Db, id: number, change: ActionItemPatch, ctx: MeetingContext): Promise<{ ok: true; item: ActionItemRow } | Failure> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(actionItems).where(eq(actionItems.id, id)).for('update');
    if (!current) return { ok: false as const, reason: 'not_found' as const };
    if (current.version !== change.version) return { ok: false as const, reason: 'conflict' as const, current };
    const edits = Object.keys(change).filter((k) => k !== 'version' && k !== 'status');
    if (change.status && change.status === current.status && !edits.length) {
      return { ok: false as const, reason: 'invalid' as const, errors: { status: change.status === 'done' ? 'This action item is already done.' : 'This action item is already open.' } };
    }
    const errors = await problems(tx, change);
    if (Object.keys(errors).length) return { ok: false as const, reason: 'invalid' as const, errors };
    const { version: _, status, ...fields } = change;
    const statusFields =
      status === undefined || status === current.status
        ? {}
        : status === 'done'
          ? { status, doneOn: ctx.today, doneBy: ctx.actor.name }
          : { status, doneOn: null, doneBy: null };
    const [item] = await tx
      .update(actionItems)
      .set({ ...fields, ...statusFields, version: sql`${actionItems.version} + 1`, updatedAt: sql`now()` })
      .where(eq(actionItems.id, id))
      .returning();
    const action = status && status !== current.status ? (status === 'done' ? 'done' : 'reopened') : 'edited';
    await writeAudit(tx, { actor: ctx.actor.name, entity: 'action_item', entityId: id, accountId: item!.accountId ?? current.accountId, action, before: itemAudit(current), after: itemAudit(item!) });
    return { ok: true as const, item: item! };
  });
}
