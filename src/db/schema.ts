import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Every policy edit is a new row; the current policy is the highest version. */
export const policies = pgTable('policies', {
  version: integer('version').primaryKey().generatedAlwaysAsIdentity(),
  body: jsonb('body').notNull(),
  note: text('note'),
  createdBy: text('created_by').notNull().default('system'),
  createdAt: createdAt(),
});

/**
 * A prospect or a customer: one row for the account's whole life, so conversion keeps its id.
 * The grade columns are the last result of the pure grader, kept for listing and sorting (the
 * page explains a grade by re-grading live); the one-line reason never mentions today's date, so
 * a daily re-grade writes only the rows whose grade really moved;
 * the latest_* / last_signal_on / prior_slips columns summarise the signal history so a
 * daily re-grade needs no signal rows.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull().default('prospect'),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    domain: text('domain'),
    industry: text('industry'),
    employees: integer('employees'),
    revenue: doublePrecision('revenue'),
    growthPct: doublePrecision('growth_pct'),
    need: text('need'),
    situation: text('situation'),
    status: text('status').notNull().default('open'),
    statusReason: text('status_reason'),
    ownerId: integer('owner_id'),
    addedOn: date('added_on', { mode: 'string' }).notNull(),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),

    grade: text('grade'),
    fit: doublePrecision('fit'),
    closeBy: date('close_by', { mode: 'string' }),
    flags: text('flags').array().notNull().default(sql`'{}'::text[]`),
    reason: text('reason'),
    gradedOn: date('graded_on', { mode: 'string' }),
    policyVersion: integer('policy_version'),
    slipCount: integer('slip_count').notNull().default(0),

    latestTimingType: text('latest_timing_type'),
    latestTimingDate: date('latest_timing_date', { mode: 'string' }),
    latestTimingExpected: date('latest_timing_expected', { mode: 'string' }),
    lastSignalOn: date('last_signal_on', { mode: 'string' }),
    priorSlips: integer('prior_slips').notNull().default(0),
  },
  (t) => [
    check('accounts_kind_check', sql`${t.kind} in ('prospect', 'customer')`),
    check('accounts_status_check', sql`${t.status} in ('open', 'disqualified', 'lost')`),
    check('accounts_grade_check', sql`${t.grade} is null or ${t.grade} in ('A', 'B', 'C', 'D')`),
    uniqueIndex('accounts_domain_key').on(t.domain),
    index('accounts_name_key_idx').on(t.nameKey),
    index('accounts_list_idx').on(t.kind, t.status, t.grade, t.fit.desc(), t.id),
    index('accounts_close_by_idx').on(t.kind, t.status, t.closeBy, t.id),
    index('accounts_last_signal_idx').on(t.kind, t.status, t.lastSignalOn, t.id),
    index('accounts_flags_idx').using('gin', t.flags),
    index('accounts_name_trgm_idx').using('gin', sql`${t.name} gin_trgm_ops`),
    index('accounts_domain_trgm_idx').using('gin', sql`${t.domain} gin_trgm_ops`),
  ],
);

export const signals = pgTable(
  'signals',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    expectedDate: date('expected_date', { mode: 'string' }),
    event: text('event'),
    note: text('note'),
    loggedBy: text('logged_by'),
    loggedAt: timestamp('logged_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('signals_account_idx').on(t.accountId, t.date, t.loggedAt, t.id)],
);

/** One row each time an account's grade or flags change, with why and who or what. */
export const gradeChanges = pgTable(
  'grade_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromGrade: text('from_grade'),
    toGrade: text('to_grade'),
    fit: doublePrecision('fit'),
    flags: text('flags').array().notNull(),
    reason: text('reason'),
    reasons: jsonb('reasons').notNull(),
    cause: text('cause').notNull(),
    actor: text('actor').notNull(),
    policyVersion: integer('policy_version'),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('grade_changes_account_idx').on(t.accountId, t.at, t.id), index('grade_changes_as_of_idx').on(t.asOf)],
);

/** Claims a scheduled job's run, so that several app instances run each job once. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    job: text('job').notNull(),
    runKey: text('run_key').notNull(),
    status: text('status').notNull().default('running'),
    stats: jsonb('stats'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('job_runs_job_key').on(t.job, t.runKey)],
);

export type AccountRow = typeof accounts.$inferSelect;
export type SignalRow = typeof signals.$inferSelect;
export type GradeChangeRow = typeof gradeChanges.$inferSelect;
