import type { OwnershipPolicy } from '../policy/policy.ts';

// The data the pure ownership core works on (DOMAIN.md §3): reps with a level and a capacity,
// accounts with what their grade or tier requires of an owner. No I/O: the database layer loads
// these and writes back what assignment and balancing decide.

export type RepState = 'active' | 'on_leave' | 'deactivated';

export type Rep = { id: number; level: number; capacity: number; state: RepState };

/** What an account asks of its owner: the minimum level and the load points it carries. */
export type Requirement = { key: string; minLevel: number; load: number };

/** An account as ownership sees it; `need` null: it carries no load (a lost or disqualified prospect). */
export type OwnedAccount = { id: number; ownerId: number | null; pinned: boolean; need: Requirement | null };

export type AccountFacts = { kind: string; status: string; grade: string | null; tier: string | null };

/**
 * What an account requires: a customer by its tier, an open prospect by its grade. Lost and
 * disqualified prospects (and a prospect not graded yet) carry nothing. A tier the policy does not
 * list is treated as the most demanding tier it does list, so nobody junior gets it by accident.
 */
export function requirementOf(a: AccountFacts, policy: OwnershipPolicy): Requirement | null {
  if (a.kind === 'customer') {
    if (!a.tier) return null;
    const s = policy.byTier[a.tier];
    if (s) return { key: a.tier, minLevel: s.minLevel, load: s.load };
    const top = Object.values(policy.byTier).reduce((m, x) => (x.minLevel > m.minLevel || (x.minLevel === m.minLevel && x.load > m.load) ? x : m), { minLevel: 1, load: 0 });
    return { key: a.tier, minLevel: top.minLevel, load: top.load };
  }
  if (a.status !== 'open' || !a.grade) return null;
  const s = policy.byGrade[a.grade as keyof OwnershipPolicy['byGrade']];
  return s ? { key: a.grade, minLevel: s.minLevel, load: s.load } : null;
}

/** A rep's load: the points and the number of accounts they carry. */
export type Load = { load: number; count: number };

/** Every rep's load from the accounts they own (reps owning nothing have a zero entry). */
export function loadsOf(accounts: readonly OwnedAccount[], reps: readonly Rep[]): Map<number, Load> {
  const out = new Map<number, Load>();
  for (const r of reps) out.set(r.id, { load: 0, count: 0 });
  for (const a of accounts) {
    if (a.ownerId === null || !a.need) continue;
    const l = out.get(a.ownerId);
    if (l) {
      l.load += a.need.load;
      l.count += 1;
    }
  }
  return out;
}

export const utilization = (load: number, capacity: number) => (capacity > 0 ? load / capacity : Infinity);

/** Why an account's ownership breaks the policy, or null when it does not. */
export type Breach = 'unowned' | 'below_level' | 'owner_deactivated' | 'owner_not_a_rep' | 'owner_on_leave';

export function breachOf(a: OwnedAccount, owner: Rep | undefined): Breach | null {
  if (!a.need) return null;
  if (a.ownerId === null) return 'unowned';
  if (!owner) return 'owner_not_a_rep';
  if (owner.state === 'deactivated') return 'owner_deactivated';
  if (owner.level < a.need.minLevel) return 'below_level';
  if (owner.state === 'on_leave') return 'owner_on_leave';
  return null;
}
