// What must hold after any fault (and after the load test): every logged signal has its audit
// row and vice versa, each account's stored grade is what the pure grader computes from its
// signals, its latest grade change names the grade it has, and the trigger-kept counters agree
// with the accounts. Returns the problems found (none: an empty list).

import { sql } from 'drizzle-orm';
import { query, type Db } from '../../src/db/client.ts';
import { factsOf } from '../../src/grading/apply-grading.ts';
import { makeGrader } from '../../src/grading/grading.ts';
import { currentPolicy } from '../../src/policy/store.ts';

type AccountFacts = {
  id: number;
  employees: number | null;
  revenue: number | null;
  growthPct: number | null;
  need: string | null;
  addedOn: string;
  grade: string | null;
  fit: number | null;
  closeBy: string | null;
  flags: string[];
  slipCount: number;
  latestTimingType: string | null;
  latestTimingDate: string | null;
  latestTimingExpected: string | null;
  lastSignalOn: string | null;
  priorSlips: number;
  lastChange: string | null;
};

const ids = (xs: readonly number[]) => JSON.stringify(xs);
const day = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/**
 * `accountIds`: the accounts to re-grade and compare (those written today: the grader runs as of
 * `today`). `signalsAfterId`: only signals above this id need an audit row (rows loaded in bulk
 * before have none).
 */
export async function checkIntegrity(db: Db, opts: { today: string; accountIds: readonly number[]; signalsAfterId?: number }): Promise<string[]> {
  const problems: string[] = [];
  const after = opts.signalsAfterId ?? 0;

  const unaudited = await query<{ id: number }>(
    db,
    sql`select s.id from signals s
        where s.id > ${after} and not exists (select 1 from audit_log a where a.entity = 'signal' and a.action = 'logged' and a.entity_id = s.id)
        order by s.id limit 20`,
  );
  if (unaudited.length) problems.push(`signals without their audit row: ${unaudited.map((r) => r.id).join(', ')}`);
  const orphans = await query<{ id: number }>(
    db,
    sql`select a.entity_id as id from audit_log a
        where a.entity = 'signal' and a.action = 'logged' and a.entity_id > ${after} and not exists (select 1 from signals s where s.id = a.entity_id)
        order by 1 limit 20`,
  );
  if (orphans.length) problems.push(`audit rows of signals that are not stored: ${orphans.map((r) => r.id).join(', ')}`);

  const { policy } = await currentPolicy(db);
  const grader = makeGrader(policy.grading, opts.today);
  for (let i = 0; i < opts.accountIds.length; i += 500) {
    const chunk = opts.accountIds.slice(i, i + 500);
    const rows = await query<AccountFacts>(
      db,
      sql`select a.id, a.employees, a.revenue, a.growth_pct as "growthPct", a.need, a.added_on::text as "addedOn", a.grade, a.fit, a.close_by::text as "closeBy",
                 a.flags, a.slip_count as "slipCount", a.latest_timing_type as "latestTimingType", a.latest_timing_date::text as "latestTimingDate",
                 a.latest_timing_expected::text as "latestTimingExpected", a.last_signal_on::text as "lastSignalOn", a.prior_slips as "priorSlips",
                 (select g.to_grade from grade_changes g where g.account_id = a.id order by g.at desc, g.id desc limit 1) as "lastChange"
          from accounts a where a.id in (select (jsonb_array_elements_text(${ids(chunk)}::jsonb))::int) and a.kind = 'prospect'`,
    );
    const sigs = await query<{ accountId: number; type: string; date: string; expectedDate: string | null }>(
      db,
      sql`select account_id as "accountId", type, date::text as date, expected_date::text as "expectedDate" from signals
          where account_id in (select (jsonb_array_elements_text(${ids(chunk)}::jsonb))::int) order by account_id, logged_at, id`,
    );
    const byAccount = new Map<number, typeof sigs>();
    for (const s of sigs) (byAccount.get(s.accountId) ?? byAccount.set(s.accountId, []).get(s.accountId)!).push(s);
    for (const a of rows) {
      const list = (byAccount.get(a.id) ?? []).map((s) => ({ type: s.type as never, date: day(s.date)!, expectedDate: day(s.expectedDate) }));
      const summary = grader.summarize(list);
      const g = grader.gradeSummary(factsOf({ ...a, revenue: a.revenue === null ? null : Number(a.revenue), growthPct: a.growthPct === null ? null : Number(a.growthPct) } as never), summary);
      const want = {
        grade: g.grade,
        fit: g.fit.score,
        closeBy: g.closeBy,
        flags: g.flags,
        slipCount: g.slipCount,
        latestTimingType: summary.latestTiming?.type ?? null,
        latestTimingDate: summary.latestTiming?.date ?? null,
        latestTimingExpected: summary.latestTiming?.expectedDate ?? null,
        lastSignalOn: summary.lastSignalOn,
        priorSlips: summary.priorSlips,
      };
      const have = {
        grade: a.grade,
        fit: a.fit === null ? null : Number(a.fit),
        closeBy: day(a.closeBy),
        flags: a.flags,
        slipCount: a.slipCount,
        latestTimingType: a.latestTimingType,
        latestTimingDate: day(a.latestTimingDate),
        latestTimingExpected: day(a.latestTimingExpected),
        lastSignalOn: day(a.lastSignalOn),
        priorSlips: a.priorSlips,
      };
      if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`account ${a.id}: stored ${JSON.stringify(have)}, a fresh grading gives ${JSON.stringify(want)}`);
      if (a.lastChange !== null && a.lastChange !== a.grade) problems.push(`account ${a.id}: grade ${a.grade} but its latest grade change is to ${a.lastChange}`);
      if (problems.length > 50) return problems;
    }
  }

  const [has] = await query<{ ok: boolean }>(db, sql`select to_regclass('account_counts') is not null as ok`);
  if (has?.ok) {
    const diff = await query<Record<string, unknown>>(
      db,
      sql`select coalesce(a.kind, c.kind) as kind, coalesce(a.status, c.status) as status, coalesce(a.grade, c.grade) as grade, a.n as rows, c.n as counted
          from (select kind, status, coalesce(grade, '') as grade, count(*)::bigint as n from accounts group by 1, 2, 3) a
          full join (select kind, status, grade, sum(n)::bigint as n from account_counts where flag = '' group by 1, 2, 3) c using (kind, status, grade)
          where coalesce(a.n, 0) <> coalesce(c.n, 0)`,
    );
    if (diff.length) problems.push(`account_counts disagree with accounts: ${JSON.stringify(diff.slice(0, 5))}`);
  }
  return problems;
}
