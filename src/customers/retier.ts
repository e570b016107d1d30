import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts, deals, tierChanges } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import type { Policy, TieringPolicy } from '../policy/policy.ts';
import { addMonths } from '../shared/dates.ts';
import { currentPolicy } from '../policy/store.ts';
import { customerFacts, tierChangeRow, type TieringContext } from './apply-tiering.ts';
import { tierSummary } from './explain-tier.ts';
import { scoreTotals, type DealTotals, type Tiering } from './tiering.ts';
import { LoadCache, assignAccounts } from '../ownership/auto-assign.ts';

// Re-tiering every customer as of a day: a preview that writes nothing, and the run that applies
// it. Both walk the customers in keyset batches by id and sum each batch's won deals in one grouped
// query (no deal row is read into JS), so a million customers are a few hundred queries, not millions.

const BATCH = 5000;

export type TierMove = { id: number; name: string; from: string | null; to: string; fromScore: number | null; score: number | null };

export type RetierPreview = {
  asOf: string;
  policyVersion: number;
  /** Customers scored. */
  scanned: number;
  /** Customers whose tier would change. */
  changes: number;
  /** Customers whose score or one-line reason would move within the same tier. */
  rescored: number;
  /** How many move from each tier to each other. */
  byMove: { from: string | null; to: string; n: number }[];
  /** The moves, by id, up to the limit asked for. */
  moves: TierMove[];
  truncated: boolean;
};

export type RetierStats = { asOf: string; policyVersion: number; scanned: number; updated: number; changed: number; reassigned: number; ms: number };

type CustomerRow = {
  id: number;
  name: string;
  fit: number | null;
  daysPaidLate: number | null;
  tier: string | null;
  tierScore: number | null;
  tierReason: string | null;
  tierPolicyVersion: number | null;
};

const customerCols = {
  id: accounts.id,
  name: accounts.name,
  fit: accounts.fit,
  daysPaidLate: accounts.daysPaidLate,
  tier: accounts.tier,
  tierScore: accounts.tierScore,
  tierReason: accounts.tierReason,
  tierPolicyVersion: accounts.tierPolicyVersion,
};

/**
 * The deal sums of the customers with ids in [first, last], by account, computed in the database:
 * one grouped query per batch, no deal row read into JS. The same sums as `dealTotals` over the
 * account's deals (won, closed on or before as-of; margin over the deals of the window with one).
 */
export async function dealTotalsByAccount(tx: Db, first: number, last: number, policy: TieringPolicy, asOf: string): Promise<Map<number, DealTotals>> {
  const start12 = addMonths(asOf, -policy.windowMonths);
  const start24 = addMonths(asOf, -2 * policy.windowMonths);
  const in12 = sql`${deals.closedOn} > ${start12}::date`;
  const withMargin = sql`${in12} and ${deals.marginPct} is not null`;
  const rows = await tx
    .select({
      accountId: deals.accountId,
      sales12m: sql<number>`coalesce(sum(${deals.value}) filter (where ${in12}), 0)::float8`.mapWith(Number),
      salesPrior12m: sql<number>`coalesce(sum(${deals.value}) filter (where ${deals.closedOn} > ${start24}::date and ${deals.closedOn} <= ${start12}::date), 0)::float8`.mapWith(Number),
      lifetimeSales: sql<number>`coalesce(sum(${deals.value}), 0)::float8`.mapWith(Number),
      wonDeals12m: sql<number>`(count(*) filter (where ${in12}))::int`.mapWith(Number),
      wonDeals: sql<number>`count(*)::int`.mapWith(Number),
      marginValue: sql<number>`coalesce(sum(${deals.value}) filter (where ${withMargin}), 0)::float8`.mapWith(Number),
      marginWeighted: sql<number>`coalesce(sum(${deals.value} * ${deals.marginPct}) filter (where ${withMargin}), 0)::float8`.mapWith(Number),
    })
    .from(deals)
    .where(and(gte(deals.accountId, first), lte(deals.accountId, last), eq(deals.status, 'won'), lte(deals.closedOn, asOf)))
    .groupBy(deals.accountId);
  const out = new Map<number, DealTotals>();
  for (const { accountId, ...t } of rows) out.set(accountId, t);
  return out;
}

const NO_DEALS: DealTotals = { sales12m: 0, salesPrior12m: 0, lifetimeSales: 0, wonDeals12m: 0, wonDeals: 0, marginValue: 0, marginWeighted: 0 };

type Scored = { row: CustomerRow; t: Tiering; reason: string; moved: boolean; written: boolean };

function scoreBatch(rows: CustomerRow[], totals: Map<number, DealTotals>, policy: Policy, policyVersion: number, asOf: string): Scored[] {
  return rows.map((row) => {
    const t = scoreTotals(customerFacts(row), totals.get(row.id) ?? NO_DEALS, policy.tiering, asOf);
    const reason = tierSummary(t, policy.tiering);
    const moved = row.tier !== t.tier;
    // A row is written only when something it shows moved, so a second run for one day writes nothing.
    const written = moved || row.tierScore !== t.score || row.tierReason !== reason || row.tierPolicyVersion !== policyVersion;
    return { row, t, reason, moved, written };
  });
}

async function nextBatch(tx: Db, lastId: number, size: number, lock: boolean): Promise<CustomerRow[]> {
  const q = tx
    .select(customerCols)
    .from(accounts)
    .where(and(eq(accounts.kind, 'customer'), gt(accounts.id, lastId)))
    .orderBy(asc(accounts.id))
    .limit(size);
  return lock ? q.for('update') : q;
}

/** What re-tiering every customer as of `asOf` would change. Writes nothing. */
export async function previewRetier(db: Db, opts: { asOf: string; batchSize?: number; limit?: number }): Promise<RetierPreview> {
  const { version, policy } = await currentPolicy(db);
  const size = opts.batchSize ?? BATCH;
  const limit = opts.limit ?? 1000;
  const byMove = new Map<string, { from: string | null; to: string; n: number }>();
  const moves: TierMove[] = [];
  let lastId = 0, scanned = 0, changes = 0, rescored = 0;
  for (;;) {
    const rows = await nextBatch(db, lastId, size, false);
    if (!rows.length) break;
    const totals = await dealTotalsByAccount(db, rows[0]!.id, rows[rows.length - 1]!.id, policy.tiering, opts.asOf);
    for (const s of scoreBatch(rows, totals, policy, version, opts.asOf)) {
      if (s.moved) {
        changes++;
        const key = `${s.row.tier ?? ''}\u0000${s.t.tier}`;
        const m = byMove.get(key) ?? byMove.set(key, { from: s.row.tier, to: s.t.tier, n: 0 }).get(key)!;
        m.n++;
        if (moves.length < limit) moves.push({ id: s.row.id, name: s.row.name, from: s.row.tier, to: s.t.tier, fromScore: s.row.tierScore, score: s.t.score });
      } else if (s.written) rescored++;
    }
    scanned += rows.length;
    lastId = rows[rows.length - 1]!.id;
  }
  const order = policy.tiering.tiers.map((t) => t.name);
  const rank = (t: string | null) => (t === null ? -1 : order.indexOf(t));
  return {
    asOf: opts.asOf,
    policyVersion: version,
    scanned,
    changes,
    rescored,
    byMove: [...byMove.values()].sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to)),
    moves,
    truncated: changes > moves.length,
  };
}

/**
 * Re-tiers every customer as of `asOf`. Writes only rows whose tier, score, reason or policy
 * version moved, and records a tier change only when the tier moved, so a second run for one day
 * writes nothing. Each batch is one transaction with its rows locked: a deal or payment committed
 * meanwhile waits, or is seen, and is never overwritten by a tier computed from older data.
 */
export async function retierCustomers(
  db: Db,
  opts: { asOf: string; cause: 'quarterly' | 'manual' | 'policy'; actor: string; batchSize?: number; policy?: { version: number; policy: Policy } },
): Promise<RetierStats> {
  const started = performance.now();
  // A policy edit passes its own version, so the tiers it causes name it even if a newer one is saved meanwhile.
  const { version, policy } = opts.policy ?? (await currentPolicy(db));
  const ctx: TieringContext = { policy, policyVersion: version, asOf: opts.asOf, cause: opts.cause, actor: opts.actor };
  const size = opts.batchSize ?? BATCH;
  let lastId = 0, scanned = 0, updated = 0, changed = 0;
  const minLevel = (tier: string | null) => (tier ? (policy.ownership.byTier[tier]?.minLevel ?? 0) : 0);
  // Each rep's load, read once when a batch first needs it and kept up to date as accounts move.
  const assignOpts = { policy, actor: opts.actor, cause: opts.cause === 'policy' ? ('policy' as const) : ('retier' as const), policyVersion: opts.cause === 'policy' ? version : undefined, loads: new LoadCache() };
  let reassigned = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await nextBatch(tx, lastId, size, true);
      const rose: number[] = [];
      if (!rows.length) return null;
      const totals = await dealTotalsByAccount(tx, rows[0]!.id, rows[rows.length - 1]!.id, policy.tiering, opts.asOf);
      const updates: { id: number; tier: string; tier_score: number | null; tier_reason: string }[] = [];
      const changes: ReturnType<typeof tierChangeRow>[] = [];
      for (const s of scoreBatch(rows, totals, policy, version, opts.asOf)) {
        if (!s.written) continue;
        updates.push({ id: s.row.id, tier: s.t.tier, tier_score: s.t.score, tier_reason: s.reason });
        if (s.moved) changes.push(tierChangeRow(s.row.id, s.row.tier, s.t, ctx));
        if (s.moved && minLevel(s.t.tier) > minLevel(s.row.tier)) rose.push(s.row.id);
      }
      if (updates.length) {
        // One statement per batch; the rows travel as one JSON parameter on either driver.
        await tx.execute(sql`
          update ${accounts} a set
            tier = v.tier, tier_score = v.tier_score, tier_reason = v.tier_reason,
            tiered_on = ${opts.asOf}::date, tier_policy_version = ${version}
          from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
            as v(id int, tier text, tier_score float8, tier_reason text)
          where a.id = v.id`);
        if (changes.length) {
          // Also one JSON parameter: thousands of bound parameters cost more than the insert.
          await tx.execute(sql`
            insert into ${tierChanges} (account_id, from_tier, to_tier, score, reasons, cause, actor, policy_version, as_of)
            select "accountId", "fromTier", "toTier", score, reasons, cause, actor, "policyVersion", "asOf"
            from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
              as c("accountId" int, "fromTier" text, "toTier" text, score float8, reasons jsonb, cause text, actor text, "policyVersion" int, "asOf" date)`);
        }
      }
      // Tiers that rose above what their owners' level allows go to someone senior enough
      // (DOMAIN.md §3), in the batch's own transaction: an interrupted run leaves none unplaced.
      const moved = rose.length ? (await assignAccounts(tx, rose, assignOpts)).length : 0;
      return { lastId: rows[rows.length - 1]!.id, scanned: rows.length, updated: updates.length, changed: changes.length, moved };
    });
    if (!batch) break;
    lastId = batch.lastId;
    scanned += batch.scanned;
    updated += batch.updated;
    changed += batch.changed;
    reassigned += batch.moved;
  }
  const stats = { asOf: opts.asOf, policyVersion: version, scanned, updated, changed, reassigned, ms: Math.round(performance.now() - started) };
  // One audit row per run that wrote something; each tier change is in tier_changes.
  if (updated) await writeAudit(db, { actor: opts.actor, entity: 'account', entityId: null, accountId: null, action: `retier_${opts.cause}`, after: { ...stats, ms: undefined } });
  return stats;
}

/** "2026-Q4": the quarter a day falls in, the quarterly job's run key. */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}
