import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Policy } from '../policy/policy.ts';
import { assignMany, type Assignment } from './assignment.ts';
import { breachOf, requirementOf, type Load, type OwnedAccount, type Rep } from './model.ts';
import { loadReps, loadsFromGroups, ownerGroups, type TeamRep } from './territory.ts';

// Automatic assignment (DOMAIN.md §3) runs whenever ownership may need to change: a prospect with
// no owner, a grade or tier that rises above its owner's level, a rep who leaves. The pure rule is
// in assignment.ts; this reads the team's loads, writes the outcome and its audit row.

export type AssignCause = 'created' | 'grade_rose' | 'tier_rose' | 'rep_deactivated' | 'rep_on_leave' | 'rep_level_lowered' | 'manual_request' | 'daily_regrade' | 'retier' | 'import' | 'policy';

const CAUSE_TEXT: Record<AssignCause, string> = {
  created: 'a new account without an owner',
  grade_rose: 'its grade rose above its owner’s level',
  tier_rose: 'its tier rose above its owner’s level',
  rep_deactivated: 'its owner was deactivated',
  rep_on_leave: 'its owner went on leave',
  rep_level_lowered: 'its owner’s level was lowered',
  manual_request: 'a manager asked for the rules to assign it',
  daily_regrade: 'the daily re-grade raised its grade above its owner’s level',
  retier: 're-tiering raised its tier above its owner’s level',
  import: 'an imported account without an owner',
  policy: 'a policy change raised what it requires of its owner',
};

type AccountFactsRow = { id: number; ownerId: number | null; pinned: boolean; kind: string; status: string; grade: string | null; tier: string | null; unassignable: boolean };

/** Whether this account's owner breaks the level rule (or it has none) so the rules must place it. */
export function needsAssignment(a: OwnedAccount, owner: Rep | undefined): boolean {
  if (a.pinned || !a.need) return false;
  const b = breachOf(a, owner);
  return b !== null && b !== 'owner_on_leave';
}

export type AssignOutcome = { accountId: number; from: number | null; assignment: Assignment };

/**
 * Assigns the given accounts by the rules, in the caller's transaction: the ones in breach (no
 * owner, an owner below their level, or gone) always; with `force`, every unpinned one (a rep
 * leaving, a manager's request). Assignments are serialised by an advisory lock so two at once do
 * not both fill the same rep past capacity.
 */
export async function assignAccounts(
  tx: Db,
  ids: readonly number[],
  opts: { policy: Policy; actor: string; actorId?: number | null; cause: AssignCause; force?: boolean; reps?: TeamRep[]; policyVersion?: number; loads?: LoadCache },
): Promise<AssignOutcome[]> {
  if (!ids.length) return [];
  const rows = await query<AccountFactsRow>(
    tx,
    sql`select id, owner_id as "ownerId", pinned, kind, status, grade, tier, unassignable from ${accounts}
        where id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::int) order by id for update`,
  );
  const reps = opts.reps ?? (await loadReps(tx));
  const repById = new Map<number, Rep>(reps.map((r) => [r.id, r]));
  const owned = rows.map((r) => ({ row: r, acct: { id: r.id, ownerId: r.ownerId, pinned: r.pinned, need: requirementOf(r, opts.policy.ownership) } as OwnedAccount }));
  const todo = owned.filter(({ acct }) => (opts.force ? !acct.pinned && !!acct.need : needsAssignment(acct, acct.ownerId === null ? undefined : repById.get(acct.ownerId))));
  if (!todo.length) return [];

  await tx.execute(sql`select pg_advisory_xact_lock(${TERRITORY_LOCK})`);
  const loads = opts.loads ? await opts.loads.get(tx, reps, opts.policy) : loadsFromGroups(await ownerGroups(tx), reps, opts.policy.ownership);
  // A leaving rep is already on leave or deactivated in this transaction, so the rule never keeps them.
  const decided = assignMany(
    todo.map(({ acct }) => acct),
    reps,
    loads,
    new Map(reps.map((r) => [r.id, r.name])),
  );
  const out: AssignOutcome[] = [];
  const updates: { id: number; owner_id: number | null; unassignable: boolean }[] = [];
  const audits: Parameters<typeof writeAudit>[1] = [];
  const names = new Map(reps.map((r) => [r.id, r.name]));
  for (const { row, acct } of todo) {
    const a = decided.get(row.id);
    if (!a) continue;
    const unassignable = a.outcome === 'unassignable';
    const ownerId = a.ownerId;
    if (ownerId === row.ownerId && unassignable === row.unassignable) continue;
    if (opts.loads && ownerId !== row.ownerId) opts.loads.move(row.ownerId, ownerId, acct.need?.load ?? 0);
    updates.push({ id: row.id, owner_id: ownerId, unassignable });
    out.push({ accountId: row.id, from: row.ownerId, assignment: a });
    audits.push({
      actor: opts.actor,
      actorId: opts.actorId,
      entity: 'account',
      entityId: row.id,
      accountId: row.id,
      action: unassignable ? 'flagged_unassignable' : 'owner_assigned',
      before: { ownerId: row.ownerId, owner: row.ownerId === null ? null : (names.get(row.ownerId) ?? null) },
      after: { ownerId, owner: ownerId === null ? null : (names.get(ownerId) ?? null), cause: opts.cause, why: `${CAUSE_TEXT[opts.cause]}. ${a.reason}`, ...(opts.policyVersion === undefined ? {} : { policyVersion: opts.policyVersion }) },
    });
  }
  if (updates.length) {
    await tx.execute(sql`
      update ${accounts} a set owner_id = v.owner_id, unassignable = v.unassignable
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as v(id int, owner_id int, unassignable boolean)
      where a.id = v.id`);
    await writeAudit(tx, audits);
  }
  return out;
}

/** The key of the advisory lock that serialises assignment and plan application. */
export const TERRITORY_LOCK = 73_001;

/** After one account's grade or tier changed (or it was created): place it if its owner no longer fits. */
export async function ensureOwner(tx: Db, accountId: number, opts: { policy: Policy; actor: string; actorId?: number | null; cause: AssignCause }): Promise<AssignOutcome | null> {
  const [r] = await assignAccounts(tx, [accountId], opts);
  return r ?? null;
}

/** Every unpinned account a rep owns, placed again by the rules (they were deactivated, or went on leave and the manager chose to reassign). */
export async function reassignAccountsOf(tx: Db, repId: number, opts: { policy: Policy; actor: string; actorId?: number | null; cause: 'rep_deactivated' | 'rep_on_leave' }): Promise<AssignOutcome[]> {
  const ids = await query<{ id: number }>(tx, sql`select id from ${accounts} where owner_id = ${repId} and not pinned order by id`);
  return assignAccounts(
    tx,
    ids.map((r) => r.id),
    { ...opts, force: true },
  );
}

/** Assigns many accounts (a job's worth) in transactions of a few thousand; returns how many moved. */
export async function reassignInBatches(db: Db, ids: readonly number[], opts: { policy: Policy; actor: string; cause: AssignCause; policyVersion?: number }, size = 5000): Promise<number> {
  let moved = 0;
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    moved += (await db.transaction((tx) => assignAccounts(tx, chunk, opts))).length;
  }
  return moved;
}

/** Reps' loads for a run of many assignments: read once, then kept up to date as accounts move. */
export class LoadCache {
  private loads: Map<number, Load> | null = null;

  async get(tx: Db, reps: readonly Rep[], policy: Policy): Promise<Map<number, Load>> {
    this.loads ??= loadsFromGroups(await ownerGroups(tx), reps, policy.ownership);
    return this.loads;
  }

  move(from: number | null, to: number | null, load: number): void {
    const f = from === null ? undefined : this.loads?.get(from);
    const t = to === null ? undefined : this.loads?.get(to);
    if (f) {
      f.load -= load;
      f.count -= 1;
    }
    if (t) {
      t.load += load;
      t.count += 1;
    }
  }
}
