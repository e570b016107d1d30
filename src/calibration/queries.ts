import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../db/client.ts';
import { accounts, auditLog, gradeChanges, policies } from '../db/schema.ts';
import { parsePolicy, type Policy } from '../policy/policy.ts';
import { addMonths, isPlausibleDate, MAX_DATE, MIN_DATE } from '../shared/dates.ts';
import { calibrate, quarterAfter, quarterOf, quarterStart, QUARTER, quartersBetween, type Calibration, type Episode, type JudgedGrade, type Windows } from './calibration.ts';

// The grade episodes of calibration.ts, read from grade_changes with what became of each
// prospect. Episodes are grouped in SQL by everything their outcome depends on (grade, day,
// policy version, end and its day), so a million accounts come back as a few thousand rows.
//
// The day a prospect was lost: the latest audit_log row 'lost' of the account (written by
// changeStatus in the same transaction as the status, so it is the loss itself), as a day in the
// organisation's time zone. Without one (data loaded by the demo or an import), the day the
// account row was last updated, which a later edit can move on; grade_changes is no help, since
// a status change writes a row only when the grade or the flags move. Disqualified prospects are
// left out: disqualifying says it never was a prospect, not that its grade was wrong.

const MAX_QUARTERS = 40;
export const DEFAULT_QUARTERS = 8;

const one = (v: unknown) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v);
const quarter = z.preprocess(
  one,
  z
    .string()
    .trim()
    .toUpperCase()
    .regex(QUARTER, 'must be a quarter such as 2026-Q1')
    // Its days must be dates PostgreSQL stores (no year 0) and the rules can add months to.
    .refine((s) => !QUARTER.test(s) || isPlausibleDate(quarterStart(s)), `must be a quarter from ${MIN_DATE.slice(0, 4)}-Q1 to ${MAX_DATE.slice(0, 4)}-Q4`)
    .optional(),
);

/** The page's, the API's and the CSV's query: a range of quarters, by default the last eight up to as-of. */
export function calibrationQuerySchema(asOf: string) {
  const current = quarterOf(asOf);
  return z
    .object({ from: quarter, to: quarter })
    .transform((q) => {
      const to = q.to ?? current;
      const from = q.from ?? quarterOf(addMonths(quarterStart(to), -3 * (DEFAULT_QUARTERS - 1)));
      return { from, to };
    })
    .refine((q) => q.from <= q.to, { message: 'must not be after "to"', path: ['from'] })
    .refine((q) => q.from > q.to || quartersBetween(q.from, q.to).length <= MAX_QUARTERS, { message: `a range of at most ${MAX_QUARTERS} quarters`, path: ['from'] });
}
export type CalibrationQuery = { from: string; to: string };

type EpisodeRow = { grade: JudgedGrade; start: string; version: number | null; endKind: 'converted' | 'lost' | 'open'; endOn: string | null; n: number };

/** Grade episodes of the range with their end, grouped. */
export async function loadEpisodes(db: Db, q: CalibrationQuery, asOf: string, timeZone: string): Promise<Episode[]> {
  const rows = await query<EpisodeRow>(
    db,
    sql`with ep as (
          select gc.to_grade as grade, gc.as_of as start, gc.policy_version as version, a.id, a.status, a.converted_on, a.updated_at
          from ${gradeChanges} gc join ${accounts} a on a.id = gc.account_id
          where gc.as_of >= ${quarterStart(q.from)}::date and gc.as_of < ${quarterAfter(q.to)}::date and gc.as_of <= ${asOf}::date
            and gc.to_grade in ('A', 'B', 'C') and gc.from_grade is distinct from gc.to_grade
            and a.status <> 'disqualified'
        ),
        ended as (
          select grade, start, version,
            case when converted_on is not null then 'converted' when status = 'lost' then 'lost' else 'open' end as end_kind,
            case when converted_on is not null then converted_on
                 when status = 'lost' then coalesce(
                   (select (max(al.at) at time zone ${timeZone})::date from ${auditLog} al where al.account_id = ep.id and al.action = 'lost'),
                   (updated_at at time zone ${timeZone})::date)
            end as end_on
          from ep
        )
        select grade, start::text as start, version, end_kind as "endKind", end_on::text as "endOn", count(*)::int as n
        from ended group by grade, start, version, end_kind, end_on`,
  );
  return rows.map((r) => ({
    grade: r.grade,
    start: r.start,
    policyVersion: r.version === null ? null : Number(r.version),
    end: r.endKind === 'open' || r.endOn === null ? { kind: 'open' } : { kind: r.endKind, on: r.endOn },
    n: Number(r.n),
  }));
}

/** The windows of every stored policy version (a policy table holds one row per edit: a few). */
export async function windowsByVersion(db: Db): Promise<Map<number, Windows>> {
  const rows = await db.select({ version: policies.version, text: sql<string>`${policies.body}::text` }).from(policies);
  const out = new Map<number, Windows>();
  for (const r of rows) {
    const parsed = parsePolicy(JSON.parse(r.text));
    if (parsed.ok) out.set(r.version, parsed.policy.grading.windowMonths);
  }
  return out;
}

export type CalibrationReport = Calibration & { from: string; to: string; windows: Windows; policyVersion: number };

/** The calibration of a quarter range as of a day; episodes of an unknown policy version use the current windows. */
export async function calibrationReport(db: Db, current: { version: number; policy: Policy }, q: CalibrationQuery, asOf: string, timeZone: string): Promise<CalibrationReport> {
  const [episodes, byVersion] = await Promise.all([loadEpisodes(db, q, asOf, timeZone), windowsByVersion(db)]);
  const windows = current.policy.grading.windowMonths;
  const result = calibrate(episodes, (v) => (v === null || v === undefined ? windows : (byVersion.get(v) ?? windows)), asOf, q);
  return { ...result, from: q.from, to: q.to, windows, policyVersion: current.version };
}
