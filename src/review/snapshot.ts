import { eq, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accountSnapshots, accounts, auditLog, deals, gradeChanges, snapshotWeeks, tierChanges } from '../db/schema.ts';
import { currentPolicy } from '../policy/store.ts';
import { CLOSE_BY_PATTERN, stateAsOf, type CurrentAccount, type DealFact, type GradeEvent, type History, type StatusEvent, type TierEvent } from './backfill.ts';
import { deriveWeek, recordOverdue, weeksToDerive } from './derive.ts';
import { isMonday, mondayOf, weeksBefore } from './weeks.ts';

// Taking the weekly snapshot (DOMAIN.md §4): every account as it stands, in one INSERT … SELECT,
// with the review data derived from it, in one transaction. A week is taken once: its row in
// snapshot_weeks is the claim, so taking it again (another instance, the button, the script)
// changes nothing. Past weeks cannot be seen as they were, so they are rebuilt from history
// (backfill.ts) and marked 'backfill'.

export type SnapshotSource = 'live' | 'backfill';

export type WeekTaken = { week: string; source: SnapshotSource; accounts: number };

export type SnapshotOutcome =
  | { ok: true; taken: WeekTaken[]; skipped: string[]; ms: number; insertMs: number; deriveMs: number }
  | { ok: false; reason: 'not_monday' | 'future'; message: string };

type Opts = { today: string; actor: string; timeZone?: string };

/**
 * Takes `week` (a Monday, default the current week): as things stand now for the current week,
 * rebuilt from history for a past one. Nothing happens for a week already taken (`skipped`).
 */
export async function takeSnapshot(db: Db, opts: Opts & { week?: string }): Promise<SnapshotOutcome> {
  const current = mondayOf(opts.today);
  const week = opts.week ?? current;
  if (!isMonday(week)) return { ok: false, reason: 'not_monday', message: `${week} is not a Monday: a review week is named by its Monday.` };
  if (week > current) return { ok: false, reason: 'future', message: `The week of ${week} has not begun yet.` };
  if (week < current) return backfill(db, [week], opts);

  const started = performance.now();
  return db.transaction(async (tx) => {
    if (!(await claim(tx, [week], 'live', opts.actor)).length) return { ok: true as const, taken: [], skipped: [week], ms: 0, insertMs: 0, deriveMs: 0 };
    const t = performance.now();
    const result = await tx.execute(sql`
      insert into ${accountSnapshots} (week, account_id, kind, status, grade, fit, tier, tier_score, owner_id, close_by, flags, slip_count, open_value)
      select ${week}::date, a.id, a.kind, a.status, a.grade, a.fit, a.tier, a.tier_score, a.owner_id, a.close_by, a.flags, a.slip_count, coalesce(d.v, 0)
      from ${accounts} a
      left join (select account_id, sum(value) as v from ${deals} where status = 'open' group by account_id) d on d.account_id = a.id`);
    const n = affected(result);
    const insertMs = performance.now() - t;
    await tx.update(snapshotWeeks).set({ accounts: n }).where(eq(snapshotWeeks.week, week));
    const d = performance.now();
    const { policy } = await currentPolicy(tx);
    await recordOverdue(tx, week, policy);
    for (const w of await weeksToDerive(tx, [week])) await deriveWeek(tx, w, policy);
    return {
      ok: true as const,
      taken: [{ week, source: 'live' as const, accounts: n }],
      skipped: [],
      ms: Math.round(performance.now() - started),
      insertMs: Math.round(insertMs),
      deriveMs: Math.round(performance.now() - d),
    };
  });
}

/** Rebuilds the `weeks` Mondays before the current week from history; weeks already taken are left alone. */
export async function backfillSnapshots(db: Db, opts: Opts & { weeks: number }): Promise<SnapshotOutcome> {
  return backfill(db, weeksBefore(mondayOf(opts.today), opts.weeks), opts);
}

/** Rows of a raw statement that wrote: postgres.js counts them on the result, PGlite as affectedRows. */
function affected(result: unknown): number {
  if (Array.isArray(result)) return (result as { count?: number }).count ?? result.length;
  const r = result as { affectedRows?: number; rowCount?: number };
  return r.affectedRows ?? r.rowCount ?? 0;
}

/** Claims the weeks not taken yet (in the caller's transaction); returns those claimed. */
async function claim(tx: Db, weeks: readonly string[], source: SnapshotSource, actor: string): Promise<string[]> {
  const rows = await tx
    .insert(snapshotWeeks)
    .values(weeks.map((week) => ({ week, source, accounts: 0, takenBy: actor })))
    .onConflictDoNothing()
    .returning({ week: snapshotWeeks.week });
  return rows.map((r) => r.week).sort();
}

const BATCH = 2000;
const CHUNK = 5000;

async function backfill(db: Db, weeks: readonly string[], opts: Opts): Promise<SnapshotOutcome> {
  const started = performance.now();
  const tz = opts.timeZone ?? 'UTC';
  return db.transaction(async (tx) => {
    const claimed = await claim(tx, weeks, 'backfill', opts.actor);
    const skipped = weeks.filter((w) => !claimed.includes(w));
    if (!claimed.length) return { ok: true as const, taken: [], skipped, ms: 0, insertMs: 0, deriveMs: 0 };
    const last = claimed[claimed.length - 1]!;
    const counts = new Map(claimed.map((w) => [w, 0]));
    let lastId = 0;
    for (;;) {
      const batch = await query<CurrentAccount & { fit: number | null }>(
        tx,
        sql`select id, kind, status, grade, fit, tier, tier_score as "tierScore", owner_id as "ownerId", close_by::text as "closeBy", flags,
              slip_count as "slipCount", added_on::text as "addedOn", converted_on::text as "convertedOn",
              (updated_at at time zone ${tz})::date::text as "updatedOn"
            from ${accounts} where id > ${lastId} and added_on <= ${last}::date order by id limit ${BATCH}`,
      );
      if (!batch.length) break;
      const lo = Number(batch[0]!.id), hi = Number(batch[batch.length - 1]!.id);
      lastId = hi;
      const history = await historyOf(tx, lo, hi, tz);
      const rows: Record<string, unknown>[] = [];
      for (const a of batch) {
        const h = history.get(Number(a.id)) ?? EMPTY;
        for (const week of claimed) {
          const s = stateAsOf({ ...a, id: Number(a.id), fit: a.fit === null ? null : Number(a.fit) }, h, week);
          if (!s) continue;
          counts.set(week, counts.get(week)! + 1);
          rows.push({ week, account_id: s.accountId, kind: s.kind, status: s.status, grade: s.grade, fit: s.fit, tier: s.tier, tier_score: s.tierScore, owner_id: s.ownerId, close_by: s.closeBy, flags: s.flags, slip_count: s.slipCount, open_value: s.openValue });
        }
      }
      for (let i = 0; i < rows.length; i += CHUNK) {
        await tx.execute(sql`
          insert into ${accountSnapshots} (week, account_id, kind, status, grade, fit, tier, tier_score, owner_id, close_by, flags, slip_count, open_value)
          select v.week, v.account_id, v.kind, v.status, v.grade, v.fit, v.tier, v.tier_score, v.owner_id, v.close_by, v.flags, v.slip_count, v.open_value
          from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + CHUNK))}::jsonb) as v(week date, account_id int, kind text, status text, grade text,
            fit float8, tier text, tier_score float8, owner_id int, close_by date, flags text[], slip_count int, open_value float8)`);
      }
    }
    const insertMs = performance.now() - started;
    for (const [week, n] of counts) await tx.update(snapshotWeeks).set({ accounts: n }).where(eq(snapshotWeeks.week, week));
    const d = performance.now();
    const { policy } = await currentPolicy(tx);
    for (const w of claimed) await recordOverdue(tx, w, policy);
    for (const w of await weeksToDerive(tx, claimed)) await deriveWeek(tx, w, policy);
    return {
      ok: true as const,
      taken: claimed.map((week) => ({ week, source: 'backfill' as const, accounts: counts.get(week)! })),
      skipped,
      ms: Math.round(performance.now() - started),
      insertMs: Math.round(insertMs),
      deriveMs: Math.round(performance.now() - d),
    };
  });
}

const EMPTY: History = { grades: [], tiers: [], statuses: [], deals: [] };

/** The grade, tier, status and deal history of the accounts with ids lo..hi, per account, in order. */
async function historyOf(tx: Db, lo: number, hi: number, tz: string): Promise<Map<number, History>> {
  const range = (col: unknown) => sql`${col} between ${lo} and ${hi}`;
  // One after the other: a transaction is one connection.
  const grades = await query<GradeEvent & { account_id: number }>(
    tx,
    sql`select account_id, as_of::text as "asOf", cause, from_grade as "fromGrade", to_grade as "toGrade", fit, flags,
          substring(reasons::text from ${CLOSE_BY_PATTERN}) as "closeBy"
        from ${gradeChanges} where ${range(gradeChanges.accountId)} order by account_id, at, id`,
  );
  const tiers = await query<TierEvent & { account_id: number }>(
    tx,
    sql`select account_id, as_of::text as "asOf", to_tier as "toTier", score from ${tierChanges} where ${range(tierChanges.accountId)} order by account_id, at, id`,
  );
  const statuses = await query<StatusEvent & { account_id: number }>(
    tx,
    sql`select account_id, (at at time zone ${tz})::date::text as "on", before->>'status' as "from", after->>'status' as "to"
        from ${auditLog}
        where ${range(auditLog.accountId)} and entity = 'account' and action in ('lost', 'disqualified', 'reopened', 'reopened_and_converted')
        order by account_id, at, id`,
  );
  const dealRows = await query<DealFact & { account_id: number }>(
    tx,
    sql`select account_id, value, status, (created_at at time zone ${tz})::date::text as "createdOn", closed_on::text as "closedOn"
        from ${deals} where ${range(deals.accountId)}`,
  );
  const out = new Map<number, { grades: GradeEvent[]; tiers: TierEvent[]; statuses: StatusEvent[]; deals: DealFact[] }>();
  const of = (id: number) => {
    let h = out.get(Number(id));
    if (!h) out.set(Number(id), (h = { grades: [], tiers: [], statuses: [], deals: [] }));
    return h;
  };
  for (const g of grades) of(g.account_id).grades.push({ ...g, fit: g.fit === null ? null : Number(g.fit) });
  for (const t of tiers) of(t.account_id).tiers.push({ ...t, score: t.score === null ? null : Number(t.score) });
  for (const s of statuses) of(s.account_id).statuses.push(s);
  for (const d of dealRows) of(d.account_id).deals.push({ ...d, value: Number(d.value) });
  return out;
}

/** The weeks taken, newest first. */
export async function snapshotWeekList(db: Db) {
  return db.select().from(snapshotWeeks).orderBy(sql`${snapshotWeeks.week} desc`);
}

