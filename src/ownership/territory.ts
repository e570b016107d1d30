import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, users } from '../db/schema.ts';
import type { OwnershipPolicy } from '../policy/policy.ts';
import { breachOf, requirementOf, utilization, type Load, type OwnedAccount, type Rep, type RepState } from './model.ts';

// Reading the territory: the reps, and the accounts grouped by owner and by what they require.
// Loads are computed here from grouped counts (a few hundred rows), never account by account.

export type TeamRep = Rep & { name: string; region: string | null; email: string };

/** Every rep (users with the rep role and a level), deactivated ones included. */
export async function loadReps(db: Db): Promise<TeamRep[]> {
  const rows = await query<{ id: number; name: string; email: string; level: number; capacity: number; state: string; region: string | null }>(
    db,
    sql`select id, name, email, level, capacity, state, region from ${users} where role = 'rep' and level is not null order by level desc, id`,
  );
  return rows.map((r) => ({ ...r, state: r.state as RepState }));
}

/** Accounts counted by owner and by what decides their requirement, with stale and pinned counts. */
export type OwnerGroup = { ownerId: number | null; kind: string; status: string; grade: string | null; tier: string | null; n: number; stale: number; pinned: number; unassignable: number };

export async function ownerGroups(db: Db): Promise<OwnerGroup[]> {
  return query<OwnerGroup>(
    db,
    sql`select owner_id as "ownerId", kind, status, grade, tier, count(*)::int as n,
          (count(*) filter (where 'stale' = any(flags)))::int as stale,
          (count(*) filter (where pinned))::int as pinned,
          (count(*) filter (where unassignable))::int as unassignable
        from ${accounts} group by 1, 2, 3, 4, 5`,
  );
}

/** Each rep's load from grouped counts (every rep listed has an entry). */
export function loadsFromGroups(groups: readonly OwnerGroup[], reps: readonly Rep[], policy: OwnershipPolicy): Map<number, Load> {
  const out = new Map<number, Load>();
  for (const r of reps) out.set(r.id, { load: 0, count: 0 });
  for (const g of groups) {
    if (g.ownerId === null) continue;
    const need = requirementOf(g, policy);
    const l = out.get(g.ownerId);
    if (!need || !l) continue;
    l.load += need.load * g.n;
    l.count += g.n;
  }
  return out;
}

/** Every account as the planner sees it (id order). */
export async function loadOwnedAccounts(db: Db, policy: OwnershipPolicy): Promise<OwnedAccount[]> {
  const rows = await query<{ id: number; o: number | null; p: boolean; k: string; s: string; g: string | null; t: string | null }>(
    db,
    sql`select id, owner_id as o, pinned as p, kind as k, status as s, grade as g, tier as t from ${accounts} order by id`,
  );
  // Requirements are shared objects per key: a million accounts need only a handful.
  const needs = new Map<string, ReturnType<typeof requirementOf>>();
  const out: OwnedAccount[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const key = `${r.k}|${r.s}|${r.g}|${r.t}`;
    let need = needs.get(key);
    if (need === undefined) needs.set(key, (need = requirementOf({ kind: r.k, status: r.s, grade: r.g, tier: r.t }, policy)));
    out[i] = { id: r.id, ownerId: r.o, pinned: r.p, need };
  }
  return out;
}

const GRADE_KEYS = ['A', 'B', 'C', 'D'] as const;

export type RepSummary = TeamRep & {
  load: number;
  count: number;
  utilization: number;
  grades: Record<string, number>;
  tiers: Record<string, number>;
  breaches: number;
  stale: number;
  pinned: number;
};

export type LevelTotals = { level: number; name: string; reps: number; activeReps: number; load: number; capacity: number; utilization: number; count: number; breaches: number; stale: number };

export type Territory = {
  reps: RepSummary[];
  levels: LevelTotals[];
  unowned: { count: number; load: number };
  nonRepOwned: { count: number; load: number };
  needingCover: { repId: number; count: number }[];
  unassignable: number;
  total: { load: number; capacity: number; utilization: number; accounts: number; breaches: number };
};

/** The territory page's figures: per rep, per level and for the team, from the grouped counts. */
export function summarizeTerritory(groups: readonly OwnerGroup[], reps: readonly TeamRep[], policy: OwnershipPolicy, tiers: readonly string[]): Territory {
  const byId = new Map<number, RepSummary>();
  for (const r of reps) {
    byId.set(r.id, { ...r, load: 0, count: 0, utilization: 0, grades: Object.fromEntries(GRADE_KEYS.map((g) => [g, 0])), tiers: Object.fromEntries(tiers.map((t) => [t, 0])), breaches: 0, stale: 0, pinned: 0 });
  }
  const unowned = { count: 0, load: 0 };
  const nonRepOwned = { count: 0, load: 0 };
  let unassignable = 0;
  for (const g of groups) {
    unassignable += g.unassignable;
    const need = requirementOf(g, policy);
    if (!need) continue;
    const rep = g.ownerId === null ? undefined : byId.get(g.ownerId);
    if (g.ownerId === null) {
      unowned.count += g.n;
      unowned.load += need.load * g.n;
      continue;
    }
    if (!rep) {
      nonRepOwned.count += g.n;
      nonRepOwned.load += need.load * g.n;
      continue;
    }
    rep.load += need.load * g.n;
    rep.count += g.n;
    rep.stale += g.stale;
    rep.pinned += g.pinned;
    if (g.kind === 'customer') rep.tiers[need.key] = (rep.tiers[need.key] ?? 0) + g.n;
    else rep.grades[need.key] = (rep.grades[need.key] ?? 0) + g.n;
    const b = breachOf({ id: 0, ownerId: g.ownerId, pinned: false, need }, rep);
    if (b && b !== 'owner_on_leave') rep.breaches += g.n;
  }
  const out = [...byId.values()];
  for (const r of out) r.utilization = utilization(r.load, r.capacity);
  const levelName = new Map(policy.levels.map((l) => [l.level, l.name]));
  const levels: LevelTotals[] = [...new Set(out.map((r) => r.level))]
    .sort((a, b) => b - a)
    .map((level) => {
      const at = out.filter((r) => r.level === level);
      const active = at.filter((r) => r.state === 'active');
      const load = at.reduce((s, r) => s + r.load, 0);
      const capacity = active.reduce((s, r) => s + r.capacity, 0);
      return {
        level,
        name: levelName.get(level) ?? `Level ${level}`,
        reps: at.length,
        activeReps: active.length,
        load,
        capacity,
        utilization: utilization(load, capacity),
        count: at.reduce((s, r) => s + r.count, 0),
        breaches: at.reduce((s, r) => s + r.breaches, 0),
        stale: at.reduce((s, r) => s + r.stale, 0),
      };
    });
  const needingCover = out.filter((r) => r.state === 'on_leave' && r.count > 0).map((r) => ({ repId: r.id, count: r.count }));
  const load = out.reduce((s, r) => s + r.load, 0) + unowned.load + nonRepOwned.load;
  const capacity = out.filter((r) => r.state === 'active').reduce((s, r) => s + r.capacity, 0);
  const breaches = out.reduce((s, r) => s + r.breaches, 0) + unowned.count + nonRepOwned.count;
  return { reps: out, levels, unowned, nonRepOwned, needingCover, unassignable, total: { load, capacity, utilization: utilization(load, capacity), accounts: out.reduce((s, r) => s + r.count, 0) + unowned.count + nonRepOwned.count, breaches } };
}
