import { inArray, sql, type SQL } from 'drizzle-orm';
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
// Cost: two passes (open prospects, then customers), measured on the 2-core development machine
// while it ran other test suites (load average 9-14), with every account changing grade or tier (the
// worst case): 100,000 accounts (80,000 open prospects, 15,000 customers with 5 won deals each,
// 22,857 needing a new owner, 200 reps) take 1.5-5.5 s on PGlite and 4-8.7 s on PostgreSQL; 10,000
// take 0.7-1.6 s. It stays one request; each page of the list runs it again.
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

// Each batch is read as one JSON value, only the columns its kind needs, and names only for the
// page of changes shown: on the embedded database, reading cells one by one costs more than
// grading them (a batch of 5,000 prospects: ~60 ms as JSON, ~170 ms as rows).
type ProspectRow = {
  id: number;
  ownerId: number | null;
  pinned: boolean;
  employees: number | null;
  revenue: number | null;
  growthPct: number | null;
  need: string | null;
  addedOn: string;
  grade: string | null;
  flags: string[];
  latestTimingType: string | null;
  latestTimingDate: string | null;
  latestTimingExpected: string | null;
  lastSignalOn: string | null;
  priorSlips: number;
};
type CustomerRow = { id: number; ownerId: number | null; pinned: boolean; fit: number | null; daysPaidLate: number | null; tier: string | null; tierScore: number | null };

async function batch<T extends { id: number }>(db: Db, rows: SQL): Promise<T[]> {
  const [r] = await query<{ j: string }>(db, sql`select coalesce(json_agg(t order by t.id), '[]')::text as j from (${rows}) t`);
  return JSON.parse(r?.j ?? '[]') as T[];
}

const prospectBatch = (db: Db, after: number, size: number) =>
  batch<ProspectRow>(
    db,
    sql`select id, owner_id as "ownerId", pinned, employees, revenue, growth_pct as "growthPct", need, added_on as "addedOn", grade, flags,
          latest_timing_type as "latestTimingType", latest_timing_date as "latestTimingDate", latest_timing_expected as "latestTimingExpected",
          last_signal_on as "lastSignalOn", prior_slips as "priorSlips"
        from ${accounts} where id > ${after} and kind = 'prospect' and status = 'open' order by id limit ${size}`,
  );

const customerBatch = (db: Db, after: number, size: number) =>
  batch<CustomerRow>(
    db,
    sql`select id, owner_id as "ownerId", pinned, fit, days_paid_late as "daysPaidLate", tier, tier_score as "tierScore"
        from ${accounts} where id > ${after} and kind = 'customer' order by id limit ${size}`,
  );

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
  const affected: { acct: OwnedAccount; key: string }[] = [];

  /** The ownership side of one account, once its new grade or tier is known. */
  const place = (r: { id: number; ownerId: number | null; pinned: boolean }, kind: string, before: { grade: string | null; tier: string | null }, after: { grade: string | null; tier: string | null }, rose: boolean) => {
    const need = req(to, 'to', { kind, status: 'open', ...after });
    if (!need) return;
    if (r.ownerId !== null) {
      const l = loads.get(r.ownerId);
      if (l) {
        l.load += need.load;
        l.count++;
      }
    }
    const owner = r.ownerId === null ? undefined : repById.get(r.ownerId);
    const acct: OwnedAccount = { id: r.id, ownerId: r.ownerId, pinned: r.pinned, need };
    if (!needsAssignment(acct, owner)) return;
    // Only what the change causes: a grade or tier that rose (the re-grade and re-tiering place
    // those), or an owner who met the old requirement and not the new one. An owner given by hand
    // in breach of the old policy stays a manager's call.
    const old = req(from, 'from', { kind, status: 'open', ...before });
    const metBefore = !old || !needsAssignment({ ...acct, need: old }, owner);
    if (rose || metBefore) affected.push({ acct, key: need.key });
  };

  for (let lastId = 0; ; ) {
    const rows = await prospectBatch(db, lastId, size);
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    for (const r of rows) {
      prospects++;
      const g = grader.gradeSummary(factsOf(r), summaryOf(r));
      let rose = false;
      if (r.grade !== g.grade) {
        if (listName === 'grades' && gradesChanged >= first && gradeRows.length < pageSize) gradeRows.push({ id: r.id, name: '', from: r.grade, to: g.grade, fit: g.fit.score });
        gradesChanged++;
        tally(gradeMoves, r.grade, g.grade);
        rose = gradeLevel(g.grade) > gradeLevel(r.grade);
      } else if (gradeOrFlagsChanged(r, g)) flagsOnly++;
      place(r, 'prospect', { grade: r.grade, tier: null }, { grade: g.grade, tier: null }, rose);
    }
  }

  for (let lastId = 0; ; ) {
    const rows = await customerBatch(db, lastId, size);
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    const totals = await dealTotalsByAccount(db, rows[0]!.id, lastId, to.tiering, asOf);
    for (const r of rows) {
      customers++;
      const t = scoreTotals(customerFacts(r), totals.get(r.id) ?? NO_DEALS, to.tiering, asOf);
      let rose = false;
      if (r.tier !== t.tier) {
        if (listName === 'tiers' && tiersChanged >= first && tierRows.length < pageSize) tierRows.push({ id: r.id, name: '', from: r.tier, to: t.tier, fromScore: r.tierScore, score: t.score });
        tiersChanged++;
        tally(tierMoves, r.tier, t.tier);
        rose = tierLevel(t.tier) > tierLevel(r.tier);
      }
      place(r, 'customer', { grade: null, tier: r.tier }, { grade: null, tier: t.tier }, rose);
    }
  }
  affected.sort((x, y) => x.acct.id - y.acct.id);

  const decided = assignMany(
    affected.map((a) => a.acct),
    reps,
    loads,
    names,
  );
  let assigned = 0;
  const ownerRows: OwnerMove[] = [];
  affected.forEach(({ acct, key }, i) => {
    const a = decided.get(acct.id)!;
    const outcome = a.outcome === 'assigned' ? 'assigned' : 'unassignable';
    if (outcome === 'assigned') assigned++;
    if (listName !== 'owners' || i < first || ownerRows.length >= pageSize) return;
    ownerRows.push({
      id: acct.id,
      name: '',
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

  const shown: { id: number; name: string }[] = listName === 'grades' ? gradeRows : listName === 'tiers' ? tierRows : ownerRows;
  if (shown.length) {
    const named = await db.select({ id: accounts.id, name: accounts.name }).from(accounts).where(inArray(accounts.id, shown.map((r) => r.id)));
    const byId = new Map(named.map((r) => [r.id, r.name]));
    for (const r of shown) r.name = byId.get(r.id) ?? '';
  }

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
