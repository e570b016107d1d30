import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/**
 * Accounts counted per kind, status, grade ('' for none) and flag ('' for all), kept by statement
 * triggers on accounts (drizzle/0004): the list's counts per grade read a few rows instead of
 * counting a million.
 */
export const accountCounts = pgTable(
  'account_counts',
  {
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    grade: text('grade').notNull(),
    flag: text('flag').notNull(),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.kind, t.status, t.grade, t.flag] })],
);

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

    // Customers (DOMAIN.md §2): the grade a prospect closed at is kept frozen beside its tier.
    convertedOn: date('converted_on', { mode: 'string' }),
    closedGrade: text('closed_grade'),
    daysPaidLate: doublePrecision('days_paid_late'),
    tier: text('tier'),
    tierScore: doublePrecision('tier_score'),
    tierReason: text('tier_reason'),
    tieredOn: date('tiered_on', { mode: 'string' }),
    tierPolicyVersion: integer('tier_policy_version'),

    latestTimingType: text('latest_timing_type'),
    latestTimingDate: date('latest_timing_date', { mode: 'string' }),
    latestTimingExpected: date('latest_timing_expected', { mode: 'string' }),
    lastSignalOn: date('last_signal_on', { mode: 'string' }),
    priorSlips: integer('prior_slips').notNull().default(0),

    // Ownership (DOMAIN.md §3): a pinned account keeps its owner through assignment and balancing;
    // an unassignable one found no rep senior enough with room, and waits for a manager.
    pinned: boolean('pinned').notNull().default(false),
    unassignable: boolean('unassignable').notNull().default(false),
  },
  (t) => [
    check('accounts_kind_check', sql`${t.kind} in ('prospect', 'customer')`),
    check('accounts_status_check', sql`${t.status} in ('open', 'disqualified', 'lost')`),
    check('accounts_grade_check', sql`${t.grade} is null or ${t.grade} in ('A', 'B', 'C', 'D')`),
    // text_pattern_ops: equality for matching, and prefix search (src/prospects/search.ts).
    uniqueIndex('accounts_domain_key').on(t.domain.op('text_pattern_ops')),
    index('accounts_name_key_idx').on(t.nameKey),
    // The default list order as plain ascending keys (no grade last, higher fit first, then id),
    // so a page after a given row is one index range: see listProspects' cursor.
    index('accounts_grade_order_idx').on(t.kind, t.status, sql`coalesce(${t.grade}, 'E')`, sql`(-coalesce(${t.fit}, -1))`, t.id),
    index('accounts_close_by_idx').on(t.kind, t.status, t.closeBy, t.id),
    index('accounts_last_signal_idx').on(t.kind, t.status, t.lastSignalOn, t.id),
    index('accounts_flags_idx').using('gin', t.flags),
    index('accounts_name_trgm_idx').using('gin', sql`${t.name} gin_trgm_ops`),
    index('accounts_tier_idx').on(t.kind, t.tier, t.tierScore.desc(), t.id),
    index('accounts_owner_idx').on(t.ownerId),
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

/**
 * Each account's latest signal date of each touch type (DOMAIN.md §5), for contact cadence
 * (src/cadence/queries.ts): kept by statement-level triggers on signals (drizzle/0013), so the
 * overdue lists read one row per account instead of probing its signals. No row: no touch yet.
 * Dates are the signals' own, so one after the as-of day is possible; the queries check that.
 */
export const accountTouches = pgTable(
  'account_touches',
  {
    accountId: integer('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    lastCallOn: date('last_call_on', { mode: 'string' }),
    lastMeetingOn: date('last_meeting_on', { mode: 'string' }),
    lastEmailOn: date('last_email_on', { mode: 'string' }),
    lastVisitOn: date('last_visit_on', { mode: 'string' }),
    lastNoteOn: date('last_note_on', { mode: 'string' }),
  },
  (t) => [
    // The few accounts with a kept date after an as-of day (a signal dated ahead), which the
    // overdue queries (src/cadence/queries.ts) recompute from their signals.
    index('account_touches_ahead_idx').on(sql`greatest(${t.lastCallOn}, ${t.lastMeetingOn}, ${t.lastEmailOn}, ${t.lastVisitOn}, ${t.lastNoteOn})`),
  ],
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

/** Deals on an account; the first won deal converts a prospect into a customer. */
export const deals = pgTable(
  'deals',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    value: doublePrecision('value').notNull(),
    marginPct: doublePrecision('margin_pct'),
    status: text('status').notNull().default('open'),
    expectedCloseOn: date('expected_close_on', { mode: 'string' }),
    closedOn: date('closed_on', { mode: 'string' }),
    lostReason: text('lost_reason'),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull().default('system'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('deals_status_check', sql`${t.status} in ('open', 'won', 'lost')`),
    check('deals_value_check', sql`${t.value} >= 0`),
    check('deals_margin_check', sql`${t.marginPct} is null or (${t.marginPct} >= 0 and ${t.marginPct} <= 100)`),
    index('deals_account_idx').on(t.accountId, t.status, t.closedOn),
  ],
);

/** One row each time a customer's tier changes (or is first scored), with why and who or what. */
export const tierChanges = pgTable(
  'tier_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromTier: text('from_tier'),
    toTier: text('to_tier'),
    score: doublePrecision('score'),
    reasons: jsonb('reasons').notNull(),
    cause: text('cause').notNull(),
    actor: text('actor').notNull(),
    policyVersion: integer('policy_version'),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('tier_changes_account_idx').on(t.accountId, t.at, t.id), index('tier_changes_as_of_idx').on(t.asOf)],
);

/** People: reps (with a level and capacity), managers and admins. */
export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    level: integer('level'),
    capacity: doublePrecision('capacity').notNull().default(100),
    region: text('region'),
    state: text('state').notNull().default('active'),
    leaveFrom: date('leave_from', { mode: 'string' }),
    leaveUntil: date('leave_until', { mode: 'string' }),
    passwordHash: text('password_hash'),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_role_check', sql`${t.role} in ('rep', 'manager', 'admin')`),
    check('users_state_check', sql`${t.state} in ('active', 'on_leave', 'deactivated')`),
    check('users_level_check', sql`${t.level} is null or ${t.level} between 1 and 4`),
  ],
);

/** Signed-in sessions; the cookie carries a random token, the table only its hash. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/** Personal API tokens, shown once and stored hashed. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** Sign-in attempts, counted per account and per address for rate limiting. */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    ok: boolean('ok').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('login_attempts_email_idx').on(t.email, t.at), index('login_attempts_ip_idx').on(t.ip, t.at)],
);

/** The audit trail: every change to accounts, signals, deals, ownership, policy and users. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorId: integer('actor_id'),
    actor: text('actor').notNull(),
    entity: text('entity').notNull(),
    entityId: integer('entity_id'),
    accountId: integer('account_id'),
    action: text('action').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_account_idx').on(t.accountId, t.at),
    index('audit_log_actor_idx').on(t.actorId, t.at),
  ],
);

export type DealRow = typeof deals.$inferSelect;
export type TierChangeRow = typeof tierChanges.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;

/**
 * A proposed territory balance (DOMAIN.md §3): the moves, each rep's load before and after, and
 * the state it was computed on, so applying it to data that has changed since is refused whole.
 */
export const balancePlans = pgTable(
  'balance_plans',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    status: text('status').notNull().default('proposed'),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    policyVersion: integer('policy_version').notNull(),
    options: jsonb('options').notNull(),
    summary: jsonb('summary').notNull(),
    reps: jsonb('reps').notNull(),
    createdBy: text('created_by').notNull(),
    createdById: integer('created_by_id'),
    createdAt: createdAt(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [check('balance_plans_status_check', sql`${t.status} in ('proposed', 'applied', 'discarded')`), index('balance_plans_created_idx').on(t.createdAt)],
);

/** The weeks a snapshot was taken for (DOMAIN.md §4): the Monday, in the org's time zone. */
export const snapshotWeeks = pgTable('snapshot_weeks', {
  week: date('week', { mode: 'string' }).primaryKey(),
  source: text('source').notNull(),
  accounts: integer('accounts').notNull(),
  takenBy: text('taken_by').notNull(),
  takenAt: timestamp('taken_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  // The snapshot week the derived review data (snapshot_moves, snapshot_changes) compare with.
  comparedWith: date('compared_with', { mode: 'string' }),
});

/** Each account as it stood in a week's snapshot: what the weekly review compares. */
export const accountSnapshots = pgTable(
  'account_snapshots',
  {
    week: date('week', { mode: 'string' }).notNull(),
    // No foreign key: a snapshot is history, and a million-row insert checks none.
    accountId: integer('account_id').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    grade: text('grade'),
    fit: doublePrecision('fit'),
    tier: text('tier'),
    tierScore: doublePrecision('tier_score'),
    ownerId: integer('owner_id'),
    closeBy: date('close_by', { mode: 'string' }),
    flags: text('flags').array().notNull(),
    slipCount: integer('slip_count').notNull().default(0),
    openValue: doublePrecision('open_value').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.week, t.accountId] }),
    index('account_snapshots_owner_idx').on(t.week, t.ownerId),
    // The review's A list and stale list, in their display order, read a few rows of a week.
    index('account_snapshots_a_list_idx')
      .on(t.week, t.closeBy, t.accountId)
      .where(sql`${t.kind} = 'prospect' and ${t.status} = 'open' and ${t.grade} = 'A'`),
    index('account_snapshots_stale_idx')
      .on(t.week, t.grade, t.accountId)
      .where(sql`${t.kind} = 'prospect' and ${t.status} = 'open' and 'stale' = any(${t.flags})`),
  ],
);

// Per-week review data derived from account_snapshots when a week is taken (src/review/derive.ts),
// so the review page reads a few hundred rows instead of joining two weeks of every account.

/** Accounts of a week per owner and state: the counts, the 12-week trend, the per-rep table. */
export const snapshotCounts = pgTable(
  'snapshot_counts',
  {
    week: date('week', { mode: 'string' }).notNull(),
    ownerId: integer('owner_id'),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    grade: text('grade'),
    tier: text('tier'),
    stale: boolean('stale').notNull(),
    n: integer('n').notNull(),
    openValue: doublePrecision('open_value').notNull(),
  },
  (t) => [index('snapshot_counts_week_idx').on(t.week, t.ownerId)],
);

/** Open deal value of a week's open prospects per owner and close-by month ('' when none). */
export const snapshotMonths = pgTable(
  'snapshot_months',
  {
    week: date('week', { mode: 'string' }).notNull(),
    ownerId: integer('owner_id'),
    month: text('month').notNull(),
    n: integer('n').notNull(),
    openValue: doublePrecision('open_value').notNull(),
  },
  (t) => [index('snapshot_months_week_idx').on(t.week, t.ownerId)],
);

/** The movement matrix of a week against the week it compares with: accounts per owner and (from, to). */
export const snapshotMoves = pgTable(
  'snapshot_moves',
  {
    week: date('week', { mode: 'string' }).notNull(),
    ownerId: integer('owner_id'),
    fromKey: text('from_key').notNull(),
    toKey: text('to_key').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [index('snapshot_moves_week_idx').on(t.week, t.ownerId)],
);

/** The accounts of each change list of a week (upgraded, downgraded, new, …), in display order. */
export const snapshotChanges = pgTable(
  'snapshot_changes',
  {
    week: date('week', { mode: 'string' }).notNull(),
    list: text('list').notNull(),
    pos: integer('pos').notNull(),
    accountId: integer('account_id').notNull(),
    ownerId: integer('owner_id'),
  },
  (t) => [primaryKey({ columns: [t.week, t.list, t.pos] }), index('snapshot_changes_owner_idx').on(t.week, t.list, t.ownerId)],
);

/** Per owner, the accounts with an overdue touch on the week's Monday (src/cadence's rule). */
export const snapshotOverdue = pgTable(
  'snapshot_overdue',
  {
    week: date('week', { mode: 'string' }).notNull(),
    ownerId: integer('owner_id').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.week, t.ownerId] })],
);

/** What the pipeline review meeting noted about a week. */
export const reviewNotes = pgTable(
  'review_notes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    week: date('week', { mode: 'string' }).notNull(),
    body: text('body').notNull(),
    createdBy: text('created_by').notNull(),
    createdById: integer('created_by_id'),
    createdAt: createdAt(),
  },
  (t) => [index('review_notes_week_idx').on(t.week, t.id)],
);

/** An action item from a review: open ones come back every week until done. */
export const actionItems = pgTable(
  'action_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    week: date('week', { mode: 'string' }).notNull(),
    text: text('text').notNull(),
    ownerId: integer('owner_id').references(() => users.id),
    dueOn: date('due_on', { mode: 'string' }),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('open'),
    doneOn: date('done_on', { mode: 'string' }),
    doneBy: text('done_by'),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull(),
    createdById: integer('created_by_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('action_items_status_check', sql`${t.status} in ('open', 'done')`), index('action_items_week_idx').on(t.week), index('action_items_status_idx').on(t.status, t.dueOn)],
);

/** A plan's moves, one row each, so the preview pages and filters them and applying is set-based. */
export const balancePlanMoves = pgTable(
  'balance_plan_moves',
  {
    planId: integer('plan_id')
      .notNull()
      .references(() => balancePlans.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    accountId: integer('account_id').notNull(),
    fromOwner: integer('from_owner'),
    toOwner: integer('to_owner').notNull(),
    toLevel: integer('to_level').notNull(),
    key: text('key').notNull(),
    load: doublePrecision('load').notNull(),
    minLevel: integer('min_level').notNull(),
    reason: text('reason').notNull(),
    // What the move's sentence is rendered from, with the plan's reps and target (its sentence is
    // not kept: moveExplainer in src/ownership/balance.ts renders it when shown).
    utilAfter: doublePrecision('util_after').notNull(),
    madeRoom: boolean('made_room').notNull().default(false),
    roomForLevel: integer('room_for_level'),
    fromLoad: doublePrecision('from_load'),
  },
  (t) => [primaryKey({ columns: [t.planId, t.seq] })],
);

export type BalancePlanRow = typeof balancePlans.$inferSelect;
export type AccountSnapshotRow = typeof accountSnapshots.$inferSelect;
export type ActionItemRow = typeof actionItems.$inferSelect;

/**
 * A CSV import (DOMAIN.md §7): the uploaded file (kept in import_file_chunks, so any app instance
 * can run its dry run and its import), the column mapping, the counts of the last dry run or
 * import and its outcome. A job left running by a server that stopped is marked failed when its
 * heartbeat is old; the import itself is one transaction, so nothing of it stays.
 */
export const importJobs = pgTable(
  'import_jobs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    fileName: text('file_name').notNull(),
    fileBytes: bigint('file_bytes', { mode: 'number' }).notNull().default(0),
    delimiter: text('delimiter').notNull().default(','),
    header: jsonb('header').notNull().default(sql`'[]'::jsonb`),
    /** Per column: a few sample values and what its dates look like (see src/import/upload.ts). */
    columns: jsonb('columns').notNull().default(sql`'[]'::jsonb`),
    signature: text('signature').notNull().default(''),
    preset: text('preset'),
    mapping: jsonb('mapping'),
    totalRows: integer('total_rows').notNull().default(0),
    processed: integer('processed').notNull().default(0),
    newRows: integer('new_rows').notNull().default(0),
    updatedRows: integer('updated_rows').notNull().default(0),
    unchangedRows: integer('unchanged_rows').notNull().default(0),
    rejectedRows: integer('rejected_rows').notNull().default(0),
    /** The dry run's details (grades, samples, warnings); after the import, what it wrote. */
    summary: jsonb('summary'),
    /** A dry run made while the file arrived, for the mapping proposed then: used when that mapping is chosen (src/import/speculate.ts). */
    speculation: jsonb('speculation'),
    result: jsonb('result'),
    asOf: date('as_of', { mode: 'string' }),
    policyVersion: integer('policy_version'),
    error: text('error'),
    errorLine: integer('error_line'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    runner: text('runner'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }),
    createdBy: text('created_by').notNull(),
    createdById: integer('created_by_id'),
    confirmedBy: text('confirmed_by'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    check('import_jobs_kind_check', sql`${t.kind} in ('prospects', 'customers')`),
    check('import_jobs_status_check', sql`${t.status} in ('uploading', 'mapping', 'analyzing', 'ready', 'importing', 'done', 'failed', 'cancelled')`),
    index('import_jobs_created_idx').on(t.createdAt),
    index('import_jobs_running_idx').on(t.status).where(sql`${t.status} in ('uploading', 'analyzing', 'importing')`),
  ],
);

/** The uploaded file as text, in pieces of about 1 MiB, read back in order by each pass. */
export const importFileChunks = pgTable(
  'import_file_chunks',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

/** Rows a dry run or an import left out, with the file line they start on and why. */
export const importRejects = pgTable(
  'import_rejects',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.line] })],
);

/** The last mapping used for a file of this kind and header, offered again for the next such file. */
export const importMappings = pgTable(
  'import_mappings',
  {
    kind: text('kind').notNull(),
    signature: text('signature').notNull(),
    mapping: jsonb('mapping').notNull(),
    preset: text('preset'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.signature] })],
);

export type ImportJobRow = typeof importJobs.$inferSelect;

/**
 * What a prospects dry run found, row by row, so that confirming writes it with a few set-based
 * statements instead of reading the file again: each accepted row as the account it makes (`isNew`)
 * or as the account it changes (with the version read, so an edit made since is noticed), graded,
 * with its grade change's explanation and its audit entry. UNLOGGED (migration 0010): it is a
 * cache; after a crash or a fail-over it is empty and the import works from the file again.
 */
export const importRows = pgTable(
  'import_rows',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    isNew: boolean('is_new').notNull(),
    accountId: integer('account_id'),
    beforeVersion: integer('before_version'),
    /** What the dry run read of the account it changes (src/import/stage.ts ACCOUNT_FINGERPRINT): not every write bumps the version. */
    beforeFingerprint: text('before_fingerprint'),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    domain: text('domain'),
    industry: text('industry'),
    employees: integer('employees'),
    revenue: doublePrecision('revenue'),
    growthPct: doublePrecision('growth_pct'),
    need: text('need'),
    situation: text('situation'),
    ownerId: integer('owner_id'),
    addedOn: date('added_on', { mode: 'string' }),
    grade: text('grade'),
    fit: doublePrecision('fit'),
    closeBy: date('close_by', { mode: 'string' }),
    flags: text('flags').array(),
    reason: text('reason'),
    slipCount: integer('slip_count'),
    /** The grade before (updates); whether grade or flags moved (a grade change is recorded); whether the grade now needs a more senior owner. */
    fromGrade: text('from_grade'),
    moved: boolean('moved').notNull().default(false),
    rose: boolean('rose').notNull().default(false),
    reasons: jsonb('reasons'),
    auditBefore: jsonb('audit_before'),
    auditAfter: jsonb('audit_after'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.line] })],
);
