import { count, desc, inArray, or, sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, actionItems, deals, gradeChanges, jobRuns, reviewNotes, signals, snapshotWeeks, tierChanges } from '../db/schema.ts';
import { backfillSnapshots, takeSnapshot } from '../review/snapshot.ts';
import { tierChangeRow, tierColumns, type TierCause } from '../customers/apply-tiering.ts';
import { conversionChange } from '../customers/convert-prospect.ts';
import { tierSummary } from '../customers/explain-tier.ts';
import { QUARTERLY_ACTOR, quarterlyRetierJob } from '../customers/jobs.ts';
import { scoreCustomer, type Tiering } from '../customers/tiering.ts';
import { changeRow, gradeColumns, gradeOrFlagsChanged, type GradeCause } from '../grading/apply-grading.ts';
import { makeGrader, type Grader, type Grading, type SignalFact, type SignalSummary } from '../grading/grading.ts';
import type { Policy } from '../policy/policy.ts';
import { currentPolicy } from '../policy/store.ts';
import { nameKey } from '../prospects/validation.ts';
import { addMonths, dayNumber, fromDayNumber, fromParts } from '../shared/dates.ts';
import { generateDemo, type DemoProspect } from './generate.ts';

// Loads the demo pipeline in one transaction, with the grade history the app would have
// written had it been running all along: graded when each prospect was added, after each
// signal, by the daily re-grade as days passed (windows moving, close-by dates passing,
// prospects going stale) and when a prospect was disqualified or lost. A change row is kept
// only when the grade or the flags moved, as applyGrading and the daily re-grade do, so the
// stored grade columns end exactly where applyGrading as of today (or as of the day a closed
// prospect left the pipeline) would put them.
//
// A customer's grade history ends on the day its first deal was won, with the conversion; its
// tier history follows from there as the app would have kept it: scored at conversion, re-scored
// at each later won deal, when its payment record came in, and by the quarterly re-tier on the
// first day of each quarter (which writes only what moved). The quarterly run of the current
// quarter is recorded as done, so the re-tier page shows what moved since.

export class DemoRefusedError extends Error {}

export type DemoLoadOptions = { today: string; seed?: number; count?: number; force?: boolean };
export type DemoLoadResult = { prospects: number; customers: number; signals: number; gradeChanges: number; deals: number; tierChanges: number; skipped: number };

const CHUNK = 1000;
/** The actor the daily re-grade records (regradeOpenProspects' default). */
const DAILY_ACTOR = 'daily re-grade';

/** The time of day each kind of event is stamped with (UTC): the daily job runs overnight, reps log at midday. */
const at = (date: string, hour: number, minute = 0) => new Date(`${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);

type ChangeRow = typeof gradeChanges.$inferInsert & { at: Date };
type TierRow = Omit<ReturnType<typeof tierChangeRow>, 'accountId'> & { at: Date };
type AccountInsert = typeof accounts.$inferInsert;
type SignalInsert = Omit<typeof signals.$inferInsert, 'accountId'>;
type DealInsert = Omit<typeof deals.$inferInsert, 'accountId'>;

type Replayed = { account: AccountInsert; signals: SignalInsert[]; changes: Omit<ChangeRow, 'accountId'>[]; deals: DealInsert[]; tierChanges: TierRow[] };

/**
 * Refuses (DemoRefusedError) when any account exists, unless `force`: then the demo prospects
 * are added, except those whose domain or name an existing account already has.
 */
export async function loadDemo(db: Db, opts: DemoLoadOptions): Promise<DemoLoadResult> {
  const { prospects } = generateDemo({ today: opts.today, seed: opts.seed, count: opts.count });
  return db.transaction(async (tx) => {
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(accounts);
    if (n > 0 && !opts.force) {
      throw new DemoRefusedError(
        `The database already holds ${n} account${n === 1 ? '' : 's'}: the demo loads only into an empty database. ` +
          'Use --force to add the demo prospects anyway (those whose domain or name already exists are skipped).',
      );
    }
    const todo = n > 0 ? await withoutExisting(tx, prospects) : prospects;

    const { version, policy } = await currentPolicy(tx);
    const graders = new Map<string, Grader>();
    const graderFor = (asOf: string) => {
      let g = graders.get(asOf);
      if (!g) graders.set(asOf, (g = makeGrader(policy.grading, asOf)));
      return g;
    };
    const days = new Map<number, string>();
    const dayOf = (n: number) => {
      let d = days.get(n);
      if (d === undefined) days.set(n, (d = fromDayNumber(n)));
      return d;
    };
    const replayed = todo.map((p) => replay(p, { policy, policyVersion: version, today: opts.today, graderFor, dayOf }));

    const ids = new Map<string, number>();
    for (let i = 0; i < replayed.length; i += CHUNK) {
      const rows = await tx
        .insert(accounts)
        .values(replayed.slice(i, i + CHUNK).map((r) => r.account))
        .returning({ id: accounts.id, domain: accounts.domain });
      for (const row of rows) ids.set(row.domain!, row.id);
    }
    const idOf = (r: Replayed) => ids.get(r.account.domain!)!;
    const signalRows = replayed.flatMap((r) => r.signals.map((s) => ({ ...s, accountId: idOf(r) })));
    const changeRows = replayed.flatMap((r) => r.changes.map((c) => ({ ...c, accountId: idOf(r) })));
    const dealRows = replayed.flatMap((r) => r.deals.map((d) => ({ ...d, accountId: idOf(r) })));
    const tierRows = replayed.flatMap((r) => r.tierChanges.map((c) => ({ ...c, accountId: idOf(r) })));
    for (let i = 0; i < signalRows.length; i += CHUNK) await tx.insert(signals).values(signalRows.slice(i, i + CHUNK));
    for (let i = 0; i < changeRows.length; i += CHUNK) await tx.insert(gradeChanges).values(changeRows.slice(i, i + CHUNK));
    for (let i = 0; i < dealRows.length; i += CHUNK) await tx.insert(deals).values(dealRows.slice(i, i + CHUNK));
    for (let i = 0; i < tierRows.length; i += CHUNK) await tx.insert(tierChanges).values(tierRows.slice(i, i + CHUNK));
    const customers = replayed.filter((r) => r.account.kind === 'customer').length;
    if (n === 0 && customers > 0) {
      // This quarter's re-tier ran on its first day (replayed above): claim it, as the job would have.
      const start = quarterStart(opts.today);
      await tx
        .insert(jobRuns)
        .values({ job: quarterlyRetierJob.name, runKey: quarterlyRetierJob.runKey(opts.today), status: 'done', stats: { demo: true, asOf: start }, startedAt: at(start, 3), finishedAt: at(start, 3, 1) })
        .onConflictDoNothing();
    }
    return {
      prospects: replayed.length,
      customers,
      signals: signalRows.length,
      gradeChanges: changeRows.length,
      deals: dealRows.length,
      tierChanges: tierRows.length,
      skipped: prospects.length - todo.length,
    };
  });
}

async function withoutExisting(tx: Db, prospects: DemoProspect[]): Promise<DemoProspect[]> {
  const domains = new Set<string>(), names = new Set<string>();
  for (let i = 0; i < prospects.length; i += CHUNK) {
    const part = prospects.slice(i, i + CHUNK);
    const rows = await tx
      .select({ domain: accounts.domain, nameKey: accounts.nameKey })
      .from(accounts)
      .where(or(inArray(accounts.domain, part.map((p) => p.domain)), inArray(accounts.nameKey, part.map((p) => nameKey(p.name)))));
    for (const r of rows) {
      if (r.domain) domains.add(r.domain);
      names.add(r.nameKey);
    }
  }
  return prospects.filter((p) => !domains.has(p.domain) && !names.has(nameKey(p.name)));
}

/** One prospect's life, day by day from the day it was added to today (or the day it was closed). */
type ReplayCtx = {
  policy: Policy;
  policyVersion: number;
  today: string;
  /** Shared across prospects: a grader per day, and each day's ISO date. */
  graderFor: (asOf: string) => Grader;
  dayOf: (dayNumber: number) => string;
};

function replay(p: DemoProspect, { policy, policyVersion, today, graderFor, dayOf }: ReplayCtx): Replayed {
  const facts = { employees: p.employees, revenue: p.revenue, growthPct: p.growthPct, need: p.need, addedOn: p.addedOn };
  const end = p.statusOn ?? p.convertedOn ?? today;
  const changes: Omit<ChangeRow, 'accountId'>[] = [];
  const signalRows: SignalInsert[] = [];
  const logged: SignalFact[] = [];
  let summary: SignalSummary = { latestTiming: null, lastSignalOn: null, priorSlips: 0 };
  const state: { before: { grade: string | null; flags: string[] }; last: Grading | null } = { before: { grade: null, flags: [] }, last: null };

  const grade = (asOf: string, cause: GradeCause, actor: string, when: Date) => {
    const g = graderFor(asOf).gradeSummary(facts, summary);
    if (gradeOrFlagsChanged(state.before, g)) {
      const { accountId: _, ...row } = changeRow(0, state.before.grade, g, { policy, policyVersion, asOf, cause, actor });
      changes.push({ ...row, at: when });
    }
    state.before = g;
    state.last = g;
  };

  const first = dayNumber(p.addedOn), lastDay = dayNumber(end);
  let i = 0;
  for (let n = first; n <= lastDay; n++) {
    const day = dayOf(n);
    if (n === first) grade(day, 'created', p.rep, at(day, 9));
    else grade(day, 'daily', DAILY_ACTOR, at(day, 2));
    // Signals of the day, in the order logged, from midday on.
    for (let k = 0; i < p.signals.length && p.signals[i]!.date === day; i++, k++) {
      const s = p.signals[i]!;
      const loggedAt = at(day, 12, 0);
      loggedAt.setUTCMinutes(k * 15);
      signalRows.push({ ...s, loggedAt });
      logged.push(s);
      summary = graderFor(day).summarize(logged);
      grade(day, 'signal', s.loggedBy, loggedAt);
    }
    if (n === lastDay && p.status !== 'open') grade(day, 'status', p.rep, at(day, 17));
  }
  const g = state.last;
  if (i !== p.signals.length || !g) throw new Error(`Demo prospect ${p.name}: signals must fall between ${p.addedOn} and ${end}, in date order.`);
  // A customer's calls and visits since it converted: after its grade froze, so no re-grade sees them.
  for (const [k, s] of p.touches.entries()) {
    const loggedAt = at(s.date, 12, 0);
    if (k > 0 && p.touches[k - 1]!.date === s.date) loggedAt.setUTCMinutes(15);
    signalRows.push({ ...s, loggedAt });
  }

  const created = at(p.addedOn, 9);
  const customer = p.convertedOn ? replayCustomer(p, g, { policy, policyVersion, today }) : null;
  if (customer) changes.push(customer.conversion);
  return {
    account: {
      kind: customer ? 'customer' : 'prospect',
      name: p.name,
      nameKey: nameKey(p.name),
      domain: p.domain,
      industry: p.industry,
      employees: p.employees,
      revenue: p.revenue,
      growthPct: p.growthPct,
      need: p.need,
      situation: p.situation,
      status: p.status,
      statusReason: p.statusReason,
      addedOn: p.addedOn,
      version: p.status === 'open' ? 1 : 2,
      createdAt: created,
      updatedAt: p.statusOn ? at(p.statusOn, 17) : created,
      ...gradeColumns(g, policy, policyVersion),
      latestTimingType: summary.latestTiming?.type ?? null,
      latestTimingDate: summary.latestTiming?.date ?? null,
      latestTimingExpected: summary.latestTiming?.expectedDate ?? null,
      lastSignalOn: summary.lastSignalOn,
      priorSlips: summary.priorSlips,
      ...(customer?.columns ?? {}),
    },
    signals: signalRows,
    changes,
    deals: p.deals.map(({ createdOn, ...d }) => ({
      ...d,
      version: d.status === 'open' ? 1 : 2,
      createdAt: at(createdOn, 11),
      updatedAt: at(d.closedOn ?? createdOn, d.closedOn ? 15 : 11),
    })),
    tierChanges: customer?.tierChanges ?? [],
  };
}

/** The first day of the quarter `day` falls in. */
function quarterStart(day: string): string {
  const m = Number(day.slice(5, 7));
  return fromParts(Number(day.slice(0, 4)), Math.floor((m - 1) / 3) * 3 + 1, 1);
}

type TierEvent = { day: string; at: Date; cause: TierCause; actor: string };

/** A customer's conversion and tier history, from its first won deal to today. */
function replayCustomer(p: DemoProspect, closed: Grading, { policy, policyVersion, today }: Pick<ReplayCtx, 'policy' | 'policyVersion' | 'today'>) {
  const convertedOn = p.convertedOn!;
  const first = p.deals.find((d) => d.status === 'won' && d.closedOn === convertedOn)!;
  const { accountId: _, ...conversionRow } = conversionChange(
    { id: 0, grade: closed.grade, fit: closed.fit.score, flags: closed.flags, policyVersion },
    { title: first.title, closedOn: convertedOn },
    null,
    { actor: p.rep, asOf: convertedOn, policyVersion },
  );
  const conversion = { ...conversionRow, at: at(convertedOn, 16) };

  const events: TierEvent[] = [{ day: convertedOn, at: conversion.at, cause: 'converted', actor: p.rep }];
  for (const d of p.deals) if (d.status === 'won' && d.closedOn! > convertedOn) events.push({ day: d.closedOn!, at: at(d.closedOn!, 15), cause: 'deal', actor: p.rep });
  if (p.paymentOn) events.push({ day: p.paymentOn, at: at(p.paymentOn, 14), cause: 'payment', actor: p.rep });
  for (let q = addMonths(quarterStart(convertedOn), 3); q <= today; q = addMonths(q, 3)) events.push({ day: q, at: at(q, 3), cause: 'quarterly', actor: QUARTERLY_ACTOR });
  events.sort((a, b) => a.at.getTime() - b.at.getTime());

  let daysPaidLate: number | null = null;
  let last: { t: Tiering; reason: string; at: Date } | null = null;
  const tierRows: TierRow[] = [];
  for (const e of events) {
    if (e.cause === 'payment') daysPaidLate = p.daysPaidLate;
    const t = scoreCustomer({ daysPaidLate, priorFit: closed.fit.score }, p.deals, policy.tiering, e.day);
    const reason = tierSummary(t, policy.tiering);
    // The quarterly run writes only customers whose tier, score or reason moved; the others always write.
    if (e.cause === 'quarterly' && last && last.t.tier === t.tier && last.t.score === t.score && last.reason === reason) continue;
    const from = last?.t.tier ?? null;
    if (from !== t.tier || e.cause === 'converted') {
      const { accountId: _a, ...row } = tierChangeRow(0, from, t, { policy, policyVersion, asOf: e.day, cause: e.cause, actor: e.actor }, e.cause === 'converted' ? conversionRow.reasons : []);
      tierRows.push({ ...row, at: e.at });
    }
    last = { t, reason, at: e.at };
  }
  return {
    conversion,
    tierChanges: tierRows,
    columns: {
      closedGrade: closed.grade,
      convertedOn,
      daysPaidLate: p.daysPaidLate,
      ...tierColumns(last!.t, policy, policyVersion),
      version: p.paymentOn ? 3 : 2,
      updatedAt: p.paymentOn ? at(p.paymentOn, 14) : conversion.at,
    },
  };
}

/**
 * The demo's weekly review: the 12 weeks before this one back-filled from the history just
 * loaded, this week's snapshot, and a few notes and action items (one done, one carried over from
 * last week). Snapshots keep each account's owner, so this runs once the demo accounts have theirs.
 * Weeks already taken are left alone; the notes are added only to a review that has none.
 */
export async function loadDemoReview(db: Db, opts: { today: string; managerId?: number | null }): Promise<void> {
  const actor = 'demo loader';
  await backfillSnapshots(db, { today: opts.today, weeks: 12, actor });
  await takeSnapshot(db, { today: opts.today, actor });
  const [thisWeek, lastWeek] = (await db.select({ week: snapshotWeeks.week }).from(snapshotWeeks).orderBy(desc(snapshotWeeks.week)).limit(2)).map((w) => w.week);
  if (!thisWeek || !lastWeek || (await db.select({ id: reviewNotes.id }).from(reviewNotes).limit(1)).length) return;
  // The soonest-closing A prospect and the most-slipped one of last week, with their owners.
  const pick = (order: SQL, where: SQL) =>
    query<{ id: number; name: string; owner_id: number }>(
      db,
      sql`select s.account_id as id, a.name, s.owner_id from account_snapshots s join accounts a on a.id = s.account_id
          where s.week = ${lastWeek}::date and s.kind = 'prospect' and s.status = 'open' and s.owner_id is not null and ${where}
          order by ${order}, s.account_id limit 1`,
    );
  const [top] = await pick(sql`s.close_by nulls last`, sql`s.grade = 'A'`);
  const [slipped] = await pick(sql`s.slip_count desc`, sql`'slipped' = any(s.flags)`);
  const day = (week: string, n: number) => fromDayNumber(dayNumber(week) + n);
  await db.insert(reviewNotes).values([
    { week: lastWeek, body: 'Forecast call: the A list is on track; the slipped deals need new dates before the quarter ends.', createdBy: actor },
    { week: thisWeek, body: 'Two conversions this week. Stale prospects are up: every rep clears their oldest five before Friday.', createdBy: actor },
  ]);
  const items: (typeof actionItems.$inferInsert)[] = [];
  if (slipped) items.push({ week: lastWeek, text: `Get a new decision date from ${slipped.name}`, ownerId: Number(slipped.owner_id), dueOn: day(lastWeek, 4), accountId: Number(slipped.id), status: 'done', doneOn: day(lastWeek, 3), doneBy: actor, version: 2, createdBy: actor });
  if (top) items.push({ week: lastWeek, text: `Book the final demo with ${top.name}`, ownerId: Number(top.owner_id), dueOn: day(thisWeek, 2), accountId: Number(top.id), createdBy: actor });
  if (opts.managerId) items.push({ week: thisWeek, text: 'Propose a territory balance for the reps over capacity', ownerId: opts.managerId, dueOn: day(thisWeek, 7), createdBy: actor });
  if (items.length) await db.insert(actionItems).values(items);
}
