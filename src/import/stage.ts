import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import type { BulkColumn } from '../db/bulk.ts';

// A prospects dry run keeps every accepted row in import_rows, graded and explained (apply.ts,
// ImportPass.stage). Confirming then writes the lot with a few set-based statements — new accounts,
// changed accounts, grade history, audit entries — after checking that what the dry run saw still
// holds. When it does not (an account edited or added since, a policy saved, another day, the cache
// lost in a crash), applyStaged throws StaleDryRun and the runner works from the file again.

export const STAGE_COLUMNS: readonly BulkColumn[] = [
  ['job_id', 'int'], ['line', 'int'], ['is_new', 'bool'], ['account_id', 'int'], ['before_version', 'int'], ['before_fingerprint', 'text'],
  ['name', 'text'], ['name_key', 'text'], ['domain', 'text'], ['industry', 'text'], ['employees', 'int'], ['revenue', 'float8'],
  ['growth_pct', 'float8'], ['need', 'text'], ['situation', 'text'], ['owner_id', 'int'], ['added_on', 'date'],
  ['grade', 'text'], ['fit', 'float8'], ['close_by', 'date'], ['flags', 'text[]'], ['reason', 'text'], ['slip_count', 'int'],
  ['from_grade', 'text'], ['moved', 'bool'], ['rose', 'bool'], ['reasons', 'jsonb'], ['audit_before', 'jsonb'], ['audit_after', 'jsonb'],
];

/**
 * What an import's change of an account rests on, as one value: what it may overwrite and what its
 * grade was worked out from. Not every write bumps an account's version (an owner placed by the
 * rules, a re-grade, a signal), so the version alone would let an import undo them.
 */
export function accountFingerprint(alias: string) {
  const cols = ['kind', 'status', 'name', 'name_key', 'domain', 'industry', 'employees', 'revenue', 'growth_pct', 'need', 'situation', 'owner_id', 'pinned', 'added_on',
    'grade', 'fit', 'close_by', 'flags', 'reason', 'slip_count', 'policy_version', 'latest_timing_type', 'latest_timing_date', 'latest_timing_expected', 'last_signal_on', 'prior_slips', 'version'];
  return sql.raw(`md5(row(${cols.map((c) => `${alias}.${c}`).join(', ')})::text)`);
}

/** What an import sets on an account it changes, from `alias` (a row with the account's columns). */
export function importedFacts(alias: string, s: { policyVersion: number; today: string }) {
  const from = ['name', 'name_key', 'domain', 'industry', 'employees', 'revenue', 'growth_pct', 'need', 'situation', 'owner_id', 'grade', 'fit', 'close_by', 'flags', 'reason', 'slip_count'];
  return sql`${sql.raw(from.map((c) => `${c} = ${alias}.${c}`).join(', '))},
    policy_version = case when a.kind = 'prospect' then ${s.policyVersion}::int else a.policy_version end,
    graded_on = case when a.kind = 'prospect' then ${s.today}::date else a.graded_on end,
    version = a.version + 1, updated_at = now()`;
}

/** What the dry run saw has changed: the import must work from the file again. */
export class StaleDryRun extends Error {}

export async function clearStaged(db: Db, jobId: number): Promise<void> {
  await db.execute(sql`delete from import_rows where job_id = ${jobId}`);
}

export type StagedSetup = {
  jobId: number;
  today: string;
  policyVersion: number;
  actor: { name: string; id: number | null };
  /** The dry run's counts of new and updated rows: the cache must hold exactly these. */
  expect: { new: number; updated: number };
  /** How many of the file's lines one statement adds (smaller on the embedded database, whose memory is a WebAssembly heap). */
  linesPerStatement?: number;
};

export type StagedResult = { created: number; updated: number; gradeChanges: number; toAssign: { created: number[]; rose: number[] } };

/**
 * Writes a job's staged rows in the caller's transaction. Throws StaleDryRun before writing
 * anything that stays when the staged rows no longer describe the database; the caller runs this
 * in a savepoint, since the check of changed accounts is the update itself.
 */
export async function applyStaged(tx: Db, s: StagedSetup, progress: (written: number) => void = () => {}): Promise<StagedResult> {
  const job = s.jobId;
  const [held] = await query<{ new: number; updated: number; first: number | null; last: number | null }>(
    tx,
    sql`select count(*) filter (where is_new)::int as new, count(*) filter (where not is_new)::int as updated, min(line) as first, max(line) as last
        from import_rows where job_id = ${job}`,
  );
  if (held!.new !== s.expect.new || held!.updated !== s.expect.updated) throw new StaleDryRun('the dry run’s rows are no longer kept');

  // A company added (or given this website or name) since the dry run would now be matched, not added.
  const [taken] = await query<{ line: number }>(
    tx,
    sql`(select r.line from import_rows r join accounts a on a.domain = r.domain where r.job_id = ${job} and r.is_new limit 1)
        union all
        (select r.line from import_rows r join accounts a on a.name_key = r.name_key and (r.domain is null or a.domain is null)
          where r.job_id = ${job} and r.is_new limit 1)
        union all
        (select r.line from import_rows r join users u on u.id = r.owner_id where r.job_id = ${job} and u.state = 'deactivated' limit 1)
        limit 1`,
  );
  if (taken) throw new StaleDryRun(`line ${taken.line} would now be matched or owned differently`);

  // Changed accounts, only where nothing changed them since the dry run read them (row locks taken here).
  let updated = 0;
  if (s.expect.updated) {
    const rows = await query<{ id: number }>(
      tx,
      sql`update accounts a set
${importedFacts('r', s)}
          from import_rows r
          where r.job_id = ${job} and not r.is_new and a.id = r.account_id and a.version = r.before_version
            and ${accountFingerprint('a')} = r.before_fingerprint
          returning a.id`,
    );
    updated = rows.length;
    if (updated !== s.expect.updated) throw new StaleDryRun(`${s.expect.updated - updated} of the accounts to update were changed since the dry run`);
    progress(updated);
  }

  // New accounts and their first grade change, a range of lines at a time (memory stays bounded:
  // each statement queues its foreign-key checks and keeps its rows for the counters' trigger),
  // each range in one statement (the ids drawn once, used twice).
  let unowned: number[] = [];
  const step = s.linesPerStatement ?? 200_000;
  for (let lo = held!.first ?? 0; s.expect.new && lo <= (held!.last ?? -1); lo += step) {
    const hi = lo + step - 1;
    const rows = await query<{ id: number }>(
      tx,
      sql`with ids as materialized (
            select line, nextval(pg_get_serial_sequence('accounts', 'id'))::int as id from import_rows
            where job_id = ${job} and is_new and line between ${lo} and ${hi}
          ),
          made as (
            insert into accounts (id, name, name_key, domain, industry, employees, revenue, growth_pct, need, situation, owner_id, added_on,
                                  grade, fit, close_by, flags, reason, graded_on, policy_version, slip_count)
            overriding system value
            select ids.id, r.name, r.name_key, r.domain, r.industry, r.employees, r.revenue, r.growth_pct, r.need, r.situation, r.owner_id, r.added_on,
                   r.grade, r.fit, r.close_by, r.flags, r.reason, ${s.today}::date, ${s.policyVersion}, r.slip_count
            from import_rows r join ids using (line) where r.job_id = ${job} and r.is_new and r.line between ${lo} and ${hi}
            returning id, owner_id
          ),
          history as (
            insert into grade_changes (account_id, from_grade, to_grade, fit, flags, reason, reasons, cause, actor, policy_version, as_of)
            select ids.id, null, r.grade, r.fit, r.flags, r.reason, r.reasons, 'import', ${s.actor.name}, ${s.policyVersion}, ${s.today}::date
            from import_rows r join ids using (line) where r.job_id = ${job} and r.is_new and r.line between ${lo} and ${hi}
          )
          select id from made where owner_id is null order by id`,
    );
    for (const r of rows) unowned.push(r.id);
    const span = (held!.last ?? 0) - (held!.first ?? 0) + 1;
    progress(updated + Math.min(s.expect.new, Math.round((s.expect.new * (hi - (held!.first ?? 0) + 1)) / span)));
  }
  unowned = unowned.sort((a, b) => a - b);

  let moved = 0;
  let rose: number[] = [];
  if (s.expect.updated) {
    const [m] = await query<{ n: number }>(
      tx,
      sql`with h as (
            insert into grade_changes (account_id, from_grade, to_grade, fit, flags, reason, reasons, cause, actor, policy_version, as_of)
            select r.account_id, r.from_grade, r.grade, r.fit, r.flags, r.reason, r.reasons, 'import', ${s.actor.name}, ${s.policyVersion}, ${s.today}::date
            from import_rows r where r.job_id = ${job} and not r.is_new and r.moved
            returning 1
          ) select count(*)::int as n from h`,
    );
    moved = m!.n;
    await tx.execute(sql`
      insert into audit_log (actor_id, actor, entity, entity_id, account_id, action, before, after)
      select ${s.actor.id}, ${s.actor.name}, 'account', r.account_id, r.account_id, 'updated_by_import', r.audit_before, r.audit_after
      from import_rows r where r.job_id = ${job} and not r.is_new order by r.line`);
    rose = (await query<{ id: number }>(tx, sql`select account_id as id from import_rows where job_id = ${job} and not is_new and rose order by account_id`)).map((r) => r.id);
  }
  return { created: s.expect.new, updated, gradeChanges: moved, toAssign: { created: unowned, rose } };
}
