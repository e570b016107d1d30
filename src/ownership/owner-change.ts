import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, users, type AccountRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { OwnershipPolicy } from '../policy/policy.ts';
import { currentPolicy } from '../policy/store.ts';
import type { Actor } from '../users/model.ts';
import { assignAccounts, type AssignOutcome } from './auto-assign.ts';
import { requirementOf, type Requirement } from './model.ts';
import { loadsFromGroups, type OwnerGroup } from './territory.ts';

// Managers set an owner by hand (warned when it breaks the policy), pin or unpin an account, or ask
// the rules to place it. A rep changes only the accounts they own.

type Person = { id: number; name: string; role: string; level: number | null; state: string; capacity: number };

export type OwnerInfo = {
  owner: (Person & { load: number; count: number }) | null;
  candidates: Person[];
  requirement: Requirement | null;
  /** Why the current ownership breaks the policy, in a sentence; null when it does not. */
  breach: string | null;
  pinned: boolean;
  unassignable: boolean;
  levelName: (level: number) => string;
};

const levelNamer = (p: OwnershipPolicy) => (level: number) => p.levels.find((l) => l.level === level)?.name ?? `Level ${level}`;

/** What an account requires, in words: "an A prospect", "a Strategic customer". */
export function accountLabel(a: Pick<AccountRow, 'kind' | 'grade' | 'tier'>): string {
  return a.kind === 'customer' ? `a ${a.tier ?? 'untiered'} customer` : `${/^[AEIOU]/.test(a.grade ?? '') ? 'an' : 'a'} ${a.grade ?? 'ungraded'} prospect`;
}

/** One rep's load from the accounts they own (one index range). */
async function loadOf(db: Db, person: Person, policy: OwnershipPolicy): Promise<{ load: number; count: number }> {
  const groups = await query<OwnerGroup>(
    db,
    sql`select owner_id as "ownerId", kind, status, grade, tier, count(*)::int as n, 0 as stale, 0 as pinned, 0 as unassignable
        from ${accounts} where owner_id = ${person.id} group by 1, 2, 3, 4, 5`,
  );
  return loadsFromGroups(groups, [{ id: person.id, level: person.level ?? 0, capacity: person.capacity, state: 'active' }], policy).get(person.id)!;
}

/** The problems with `person` owning an account that requires `need` (with their load after taking it). */
export function ownershipProblems(person: Person | null, need: Requirement | null, loadAfter: number | null, policy: OwnershipPolicy): string[] {
  if (!need) return [];
  if (!person) return ['Nobody owns it: the rules or a manager should give it to a rep.'];
  const out: string[] = [];
  const name = levelNamer(policy);
  if (person.role !== 'rep' || person.level === null) out.push(`${person.name} is not a rep; accounts belong to reps of level ${need.minLevel} (${name(need.minLevel)}) or above.`);
  else if (person.level < need.minLevel) out.push(`${person.name} is level ${person.level} (${name(person.level)}); it needs level ${need.minLevel} (${name(need.minLevel)}) or above.`);
  if (person.state === 'deactivated') out.push(`${person.name} is deactivated.`);
  if (person.state === 'on_leave') out.push(`${person.name} is on leave: it needs cover.`);
  if (loadAfter !== null && person.role === 'rep' && loadAfter > person.capacity) out.push(`${person.name} carries ${fmt(loadAfter)} load points against a capacity of ${fmt(person.capacity)}.`);
  return out;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

const personCols = { id: users.id, name: users.name, role: users.role, level: users.level, state: users.state, capacity: users.capacity };

/** The owner of an account, who it could be given to, and whether its ownership breaks the policy. */
export async function ownerInfo(db: Db, account: AccountRow): Promise<OwnerInfo> {
  const [{ policy }, candidates] = await Promise.all([
    currentPolicy(db),
    db.select(personCols).from(users).where(ne(users.state, 'deactivated')).orderBy(asc(users.name), asc(users.id)),
  ]);
  const need = requirementOf(account, policy.ownership);
  const base = { candidates, requirement: need, pinned: account.pinned, unassignable: account.unassignable, levelName: levelNamer(policy.ownership) };
  if (account.ownerId === null) return { ...base, owner: null, breach: need ? ownershipProblems(null, need, null, policy.ownership)[0]! : null };
  const [owner] = await db.select(personCols).from(users).where(eq(users.id, account.ownerId));
  if (!owner) return { ...base, owner: null, breach: null };
  const load = await loadOf(db, owner, policy.ownership);
  // Capacity is the rep's concern (the territory page), not this account's breach.
  const problems = ownershipProblems(owner, need, null, policy.ownership);
  return { ...base, owner: { ...owner, ...load }, breach: problems.length ? problems.join(' ') : null };
}

export type OwnerChange =
  | { ok: true; account: AccountRow; changed: boolean; warnings: string[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> };

/**
 * Gives an account to `ownerId` (null: nobody), recorded in the audit trail. A choice that breaks
 * the policy (a level too low, someone on leave or over capacity) is made, since the manager
 * decided, and comes back with warnings; the account page keeps showing the breach.
 */
export async function changeOwner(db: Db, accountId: number, ownerId: number | null, actor: Actor): Promise<OwnerChange> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!current) return { ok: false as const, reason: 'not_found' as const };
    const { policy } = await currentPolicy(tx);
    let person: Person | null = null;
    if (ownerId !== null) {
      const [u] = await tx.select(personCols).from(users).where(and(eq(users.id, ownerId), ne(users.state, 'deactivated')));
      if (!u) return { ok: false as const, reason: 'invalid' as const, errors: { ownerId: 'choose someone on the team who is not deactivated' } };
      person = u;
    }
    const need = requirementOf(current, policy.ownership);
    const loadAfter = person ? (await loadOf(tx, person, policy.ownership)).load + (current.ownerId === ownerId ? 0 : (need?.load ?? 0)) : null;
    const warnings = ownershipProblems(person, need, loadAfter, policy.ownership);
    if (current.ownerId === ownerId) return { ok: true as const, account: current, changed: false, warnings };
    const [prev] = current.ownerId === null ? [] : await tx.select({ name: users.name }).from(users).where(eq(users.id, current.ownerId));
    const [after] = await tx.update(accounts).set({ ownerId, unassignable: false, updatedAt: sql`now()` }).where(eq(accounts.id, accountId)).returning();
    await writeAudit(tx, {
      actor: actor.name,
      actorId: actor.id ?? null,
      entity: 'account',
      entityId: accountId,
      accountId,
      action: 'owner_changed',
      before: { ownerId: current.ownerId, owner: prev?.name ?? null },
      after: { ownerId, owner: person?.name ?? null, cause: 'by hand', ...(warnings.length ? { breach: warnings } : {}) },
    });
    return { ok: true as const, account: after!, changed: true, warnings };
  });
}

export type PinChange = { ok: true; account: AccountRow; changed: boolean } | { ok: false; reason: 'not_found' };

/** Pins an account to its owner (assignment and balancing leave it alone) or unpins it. */
export async function setPinned(db: Db, accountId: number, pinned: boolean, actor: Actor): Promise<PinChange> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!current) return { ok: false as const, reason: 'not_found' as const };
    if (current.pinned === pinned) return { ok: true as const, account: current, changed: false };
    const [after] = await tx.update(accounts).set({ pinned, updatedAt: sql`now()` }).where(eq(accounts.id, accountId)).returning();
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'account', entityId: accountId, accountId, action: pinned ? 'pinned' : 'unpinned', before: { pinned: current.pinned, ownerId: current.ownerId }, after: { pinned, ownerId: current.ownerId } });
    return { ok: true as const, account: after!, changed: true };
  });
}

export type RuleAssignment = { ok: true; account: AccountRow; outcome: AssignOutcome | null; message: string } | { ok: false; reason: 'not_found' | 'pinned' | 'no_need' };

/** Places one account by the rules now (a manager's request): kept if its owner fits, else the best rep. */
export async function assignByRules(db: Db, accountId: number, actor: Actor): Promise<RuleAssignment> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!current) return { ok: false as const, reason: 'not_found' as const };
    if (current.pinned) return { ok: false as const, reason: 'pinned' as const };
    const { policy } = await currentPolicy(tx);
    if (!requirementOf(current, policy.ownership)) return { ok: false as const, reason: 'no_need' as const };
    const [outcome] = await assignAccounts(tx, [accountId], { policy, actor: actor.name, actorId: actor.id ?? null, cause: 'manual_request', force: true });
    const [after] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
    const message = outcome ? outcome.assignment.reason : 'The rules keep it with its owner.';
    return { ok: true as const, account: after!, outcome: outcome ?? null, message };
  });
}
