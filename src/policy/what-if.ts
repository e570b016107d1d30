import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts } from '../db/schema.ts';
import { factsOf, gradeOrFlagsChanged, summaryOf } from '../grading/apply-grading.ts';
import { makeGrader } from '../grading/grading.ts';
import { customerFacts } from '../customers/apply-tiering.ts';
import { dealTotalsByAccount } from '../customers/retier.ts';
import { scoreTotals, type DealTotals } from '../customers/tiering.ts';
import { assignMany } from '../ownership/assignment.ts';
import { needsAssignment } from '../ownership/auto-assign.ts';
import { requirementOf, type Load, type OwnedAccount, type Requirement } from '../ownership/model.ts';
import { loadReps } from '../ownership/territory.ts';
import type { Policy } from './policy.ts';

// What saving a policy would change, computed with the pure core over the data as stored: every
// open prospect graded from its signal summary (as the daily re-grade does), every customer
// scored from its deal sums (as re-tiering does), and the owners who would no longer meet a
// changed minimum level, with where the pure assignment would move those accounts. Nothing is
// written. Accounts are read in keyset batches and counted in JS; only the page of changes asked
// for is kept, plus the accounts that need a new owner (ids and requirements), so memory stays
// small at any size.
//
// Cost: one pass over the open prospects and customers. 100,000 accounts (85,000 open prospects,
// 15,000 customers, 5 won deals each) take about 3.5 s on PGlite and 2.5 s on PostgreSQL on the
// 2-core development machine; a million about ten times that, so the editor's preview stays one
// request and is worth running once per change (each page of the list runs it again).
//
// "Changes" compare with the stored grade and tier, which is what saving writes: if today's
// re-grade has not run yet, the day's own moves are counted too.

export const WHAT_IF_LISTS = ['grades', 'tiers', 'owners'] as const;
export type WhatIfList = (typeof WHAT_IF_LISTS)[number];

export type GradeMove = { id: number; name: string; from: string | null; to: string; fit: number | null };
export type TierMove = { id: number; name: string; from: string | null; to: string; fromScore: number | null; score: number | null };
export type OwnerMove = {
  id: number;
  name: string;
  /** The grade (prospects) or tier (customers) the account will have, and what it requires. */
  key: string;
  minLevel: number;
  fromOwnerId: number | null;
  fromOwner: string | null;
  toOwnerId: number | null;
  toOwner: string | null;
  outcome: 'assigned' | 'unassignable';
  reason: string;
};
export type Count = { from: string | null; to: string; n: number };

export type WhatIf = {
  asOf: string;
  scanned: { prospects: number; customers: number };
  /** Open prospects whose grade would change (and, apart, those whose flags alone would). */
  grades: { changed: number; flagsOnly: number; moves: Count[] };
  tiers: { changed: number; moves: Count[] };
  /** Accounts whose owner would no longer meet the level their grade or tier requires. */
  owners: { changed: number; assigned: number; unassignable: number };
  list: { name: WhatIfList; page: number; pageSize: number; total: number; pages: number; rows: GradeMove[] | TierMove[] | OwnerMove[] };
  ms: number;
};

const NO_DEALS: DealTotals = { sales12m: 0, salesPrior12m: 0, lifetimeSales: 0, wonDeals12m: 0, wonDeals: 0, marginValue: 0, marginWeighted: 0 };
const BATCH = 5000;

const cols = {
  id: accounts.id,
  name: accounts.name,
  kind: accounts.kind,
  status: accounts.status,
  ownerId: accounts.ownerId,
  pinned: accounts.pinned,
  employees: accounts.employees,
  revenue: accounts.revenue,
  growthPct: accounts.growthPct,
  need: accounts.need,
  addedOn: accounts.addedOn,
  grade: accounts.grade,
  flags: accounts.flags,
  fit: accounts.fit,
  latestTimingType: accounts.latestTimingType,
  latestTimingDate: accounts.latestTimingDate,
  latestTimingExpected: accounts.latestTimingExpected,
  lastSignalOn: accounts.lastSignalOn,
  priorSlips: accounts.priorSlips,
  daysPaidLate: accounts.daysPaidLate,
  tier: accounts.tier,
  tierScore: accounts.tierScore,
};

function tally(map: Map<string, Count>, from: string | null, to: string) {
  const key = `${from ?? ''}\u0000${to}`;
  const c = map.get(key) ?? map.set(key, { from, to, n: 0 }).get(key)!;
  c.n++;
}

/**
 * What changing the policy `from` into `to` would do to the stored accounts as of `asOf`.
 * `ownerIds: true` also returns every account that would need a new owner (saving uses it).
 */
export async function whatIf(
  db: Db,
  opts: { from: Policy; to: Policy; asOf: string; list?: WhatIfList; page?: number; pageSize?: number; batchSize?: number; ownerIds?: boolean },
): Promise<WhatIf & { ownerIds: number[] }> {
  const started = performance.now();
  const { from, to, asOf } = opts;
  const listName = opts.list ?? 'grades';
  const pageSize = opts.pageSize ?? 50;
  const page = Math.max(1, opts.page ?? 1);
  const first = (page - 1) * pageSize;
  const size = opts.batchSize ?? BATCH;

  const grader = makeGrader(to.grading, asOf);
  const reps = await loadReps(db);
  const repById = new Map(reps.map((r) => [r.id, r]));
  const names = new Map(reps.map((r) => [r.id, r.name]));
  const loads = new Map<number, Load>(reps.map((r) => [r.id, { load: 0, count: 0 }]));
  // Requirements are shared per key, as the territory does: a million accounts need a handful.
  const reqCache = new Map<string, Requirement | null>();
  const req = (policy: Policy, tag: string, a: { kind: string; status: string; grade: string | null; tier: string | null }) => {
    const key = `${tag}|${a.kind}|${a.status}|${a.grade}|${a.tier}`;
    let r = reqCache.get(key);
    if (r === undefined) reqCache.set(key, (r = requirementOf(a, policy.ownership)));
    return r;
  };
  // As the re-grade and re-tiering decide that a grade or tier "rose" (they then place the account).
  const gradeLevel = (g: string | null) => (g ? (to.ownership.byGrade[g as 'A']?.minLevel ?? 0) : 0);
  const tierLevel = (t: string | null) => (t ? (to.ownership.byTier[t]?.minLevel ?? 0) : 0);

  const gradeMoves = new Map<string, Count>();
  const tierMoves = new Map<string, Count>();
  let prospects = 0, customers = 0, gradesChanged = 0, flagsOnly = 0, tiersChanged = 0;
  const gradeRows: GradeMove[] = [];
  const tierRows: TierMove[] = [];
  const affected: { acct: OwnedAccount; name: string; key: string }[] = [];

  let lastId = 0;
  for (;;) {
    const rows = await db
      .select(cols)
      .from(accounts)
      .where(and(gt(accounts.id, lastId), or(eq(accounts.kind, 'customer'), and(eq(accounts.kind, 'prospect'), eq(accounts.status, 'open')))))
      .orderBy(asc(accounts.id))
      .limit(size);
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    const custIds = rows.filter((r) => r.kind === 'customer').map((r) => r.id);
    const totals = custIds.length ? await dealTotalsByAccount(db, custIds[0]!, custIds[custIds.length - 1]!, to.tiering, asOf) : new Map<number, DealTotals>();

    for (const r of rows) {
      let grade = r.grade;
      let tier = r.tier;
      let rose = false;
      if (r.kind === 'customer') {
        customers++;
        const t = scoreTotals(customerFacts(r), totals.get(r.id) ?? NO_DEALS, to.tiering, asOf);
        tier = t.tier;
        if (r.tier !== t.tier) {
          if (listName === 'tiers' && tiersChanged >= first && tierRows.length < pageSize)
            tierRows.push({ id: r.id, name: r.name, from: r.tier, to: t.tier, fromScore: r.tierScore, score: t.score });
          tiersChanged++;
          tally(tierMoves, r.tier, t.tier);
          rose = tierLevel(t.tier) > tierLevel(r.tier);
        }
      } else {
        prospects++;
        const g = grader.gradeSummary(factsOf(r), summaryOf(r));
        grade = g.grade;
        if (r.grade !== g.grade) {
          if (listName === 'grades' && gradesChanged >= first && gradeRows.length < pageSize) gradeRows.push({ id: r.id, name: r.name, from: r.grade, to: g.grade, fit: g.fit.score });
          gradesChanged++;
          tally(gradeMoves, r.grade, g.grade);
          rose = gradeLevel(g.grade) > gradeLevel(r.grade);
        } else if (gradeOrFlagsChanged(r, g)) flagsOnly++;
      }

      const need = req(to, 'to', { kind: r.kind, status: r.status, grade, tier });
      if (!need) continue;
      if (r.ownerId !== null) {
        const l = loads.get(r.ownerId);
        if (l) {
          l.load += need.load;
          l.count++;
        }
      }
      const owner = r.ownerId === null ? undefined : repById.get(r.ownerId);
      const acct: OwnedAccount = { id: r.id, ownerId: r.ownerId, pinned: r.pinned, need };
      if (!needsAssignment(acct, owner)) continue;
      // Only what the change causes: a grade or tier that rose (the re-grade and re-tiering place
      // those), or an owner who met the old requirement and not the new one. An owner given by hand
      // in breach of the old policy stays a manager's call.
      const before = req(from, 'from', { kind: r.kind, status: r.status, grade: r.grade, tier: r.tier });
      const metBefore = !before || !needsAssignment({ ...acct, need: before }, owner);
      if (rose || metBefore) affected.push({ acct, name: r.name, key: need.key });
    }
  }

  const decided = assignMany(
    affected.map((a) => a.acct),
    reps,
    loads,
    names,
  );
  let assigned = 0;
  const ownerRows: OwnerMove[] = [];
  affected.forEach(({ acct, name, key }, i) => {
    const a = decided.get(acct.id)!;
    const outcome = a.outcome === 'assigned' ? 'assigned' : 'unassignable';
    if (outcome === 'assigned') assigned++;
    if (listName !== 'owners' || i < first || ownerRows.length >= pageSize) return;
    ownerRows.push({
      id: acct.id,
      name,
      key,
      minLevel: acct.need!.minLevel,
      fromOwnerId: acct.ownerId,
      fromOwner: acct.ownerId === null ? null : (names.get(acct.ownerId) ?? null),
      toOwnerId: outcome === 'assigned' ? a.ownerId : null,
      toOwner: outcome === 'assigned' && a.ownerId !== null ? (names.get(a.ownerId) ?? null) : null,
      outcome,
      reason: a.reason,
    });
  });

  const sortCounts = (m: Map<string, Count>) => [...m.values()].sort((a, b) => b.n - a.n || String(a.from).localeCompare(String(b.from)) || a.to.localeCompare(b.to));
  const total = listName === 'grades' ? gradesChanged : listName === 'tiers' ? tiersChanged : affected.length;
  return {
    asOf,
    scanned: { prospects, customers },
    grades: { changed: gradesChanged, flagsOnly, moves: sortCounts(gradeMoves) },
    tiers: { changed: tiersChanged, moves: sortCounts(tierMoves) },
    owners: { changed: affected.length, assigned, unassignable: affected.length - assigned },
    list: {
      name: listName,
      page,
      pageSize,
      total,
      pages: Math.max(1, Math.ceil(total / Math.max(1, pageSize))),
      rows: listName === 'grades' ? gradeRows : listName === 'tiers' ? tierRows : ownerRows,
    },
    ms: Math.round(performance.now() - started),
    ownerIds: opts.ownerIds ? affected.map((a) => a.acct.id) : [],
  };
}

/** Open prospects and customers, from the trigger-kept counters: how big an application would be. */
export async function accountsToApply(db: Db): Promise<number> {
  const [row] = await query<{ n: number }>(db, sql`select coalesce(sum(n), 0)::int as n from account_counts where flag = '' and (kind = 'customer' or status = 'open')`);
  return Number(row?.n ?? 0);
}
