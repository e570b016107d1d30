import { z } from 'zod';
import { overdueQuerySchema } from '../cadence/api.ts';
import { calibrationQuerySchema } from '../calibration/queries.ts';
import { auditQuerySchema } from '../audit/queries.ts';
import { tieringPreviewSchema } from '../customers/api.ts';
import { customerQuerySchema } from '../customers/queries.ts';
import { touchSchema } from '../customers/touches.ts';
import { dealLossSchema, dealPatchSchema, dealWinSchema, newDealSchema, paymentSchema, versionOnlySchema } from '../customers/validation.ts';
import { previewSchema as gradingPreviewSchema } from '../grading/api.ts';
import { homeQuerySchema } from '../home/routes.tsx';
import { ownerApiSchema, pinApiSchema, planApiSchema } from '../ownership/routes.tsx';
import { importUploadQuery } from '../import/api.ts';
import { previewBodySchema, savePolicyBodySchema, versionsQuerySchema } from '../policy/validation.ts';
import { listQuerySchema } from '../prospects/queries.ts';
import { newProspectSchema, prospectPatchSchema, reopeningApiSchema, signalSchema, statusChangeApiSchema } from '../prospects/validation.ts';
import { reviewQuerySchema } from '../review/queries.ts';
import { actionItemPatchSchema, actionItemSchema, backfillSchema, noteSchema, snapshotSchema } from '../review/validation.ts';
import { newUserApiSchema, userPatchSchema } from '../users/validation.ts';
import {
  ConflictSchema,
  CustomerSchema,
  DealSchema,
  ErrorSchema,
  GradeChangeSchema,
  PolicyPreviewSchema,
  PolicySavedSchema,
  PolicySchema,
  PolicyVersionInfoSchema,
  PolicyVersionSchema,
  ProspectSchema,
  SignalSchema,
  UserSchema,
} from './schemas.ts';

// Every /api operation, declared once with the zod schemas its route validates with: the source
// of the OpenAPI document (/api/openapi.json) and its reference page (/docs/api). Collected here
// rather than beside each route, so the document has one owner; test/http/openapi.test.ts walks
// the app's routes and fails, naming them, when an /api route is missing here or one here is gone.
//
// A few routes validate with a schema written inline in their handler; those are mirrored below
// (marked "mirrors"), and the day they are exported they should be imported instead.

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ApiResponse = { status: number; description: string; schema?: z.ZodType };

export type ApiOperation = {
  method: Method;
  /** The Hono pattern, as registered: "/api/prospects/:id". */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Path parameters other than a numeric id. */
  params?: Record<string, { schema: z.ZodType; description: string }>;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body may be left out (an empty body reads as {}). */
  bodyOptional?: boolean;
  /** Not JSON: e.g. the CSV of an import. */
  rawBody?: { contentType: string; description: string };
  responses: ApiResponse[];
  /** No token needed. */
  public?: boolean;
};

// Schemas that take "today" check dates against it; the document needs only their shape.
const DAY = '2026-01-01';
const WEEK = '2026-01-05';

const ok = (description: string, schema?: z.ZodType): ApiResponse => ({ status: 200, description, schema });
const created = (description: string, schema?: z.ZodType): ApiResponse => ({ status: 201, description, schema });
const notFound = (what: string): ApiResponse => ({ status: 404, description: `No such ${what}.`, schema: ErrorSchema });
const conflict = (description: string): ApiResponse => ({ status: 409, description, schema: ConflictSchema });

const page = (rows: string, item?: z.ZodType) =>
  z.object({ total: z.number().int(), page: z.number().int(), pages: z.number().int(), [rows]: z.array(item ?? z.record(z.string(), z.unknown())) });

/** Mirrors src/ownership/routes.tsx movesQuery (bad values are ignored, not refused). */
const movesQuery = z.object({
  rep: z.coerce.number().int().min(1).optional(),
  reason: z.enum(['unowned', 'below_level', 'owner_deactivated', 'owner_not_a_rep', 'cover', 'over_capacity', 'evening']).optional(),
  level: z.coerce.number().int().min(1).max(9).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
});
/** Mirrors the limit query of GET /api/tiering/runs/preview. */
const retierPreviewQuery = z.object({ limit: z.coerce.number().int().min(0).max(100_000).optional().meta({ description: 'How many moves to list (default 1000).' }) });
/** Mirrors the review's limit (src/review/api.ts). */
const reviewQuery = reviewQuerySchema.extend({ limit: z.coerce.number().int().min(0).max(1000).optional().meta({ description: 'Rows per list (default 100).' }) });
const importMappingBody = z.record(z.string(), z.union([z.string(), z.number(), z.null()])).meta({ description: 'Field to column name (null: not imported); revenueScale a number.' });
const rejectsQuery = z.object({ page: z.coerce.number().int().min(1).optional() });

const idParam = (what: string) => ({ id: { schema: z.number().int().min(1), description: `The ${what}'s id.` } });
const weekParam = { week: { schema: z.string().meta({ format: 'date' }), description: 'The review week, named by its Monday (YYYY-MM-DD).' } };
const versionParam = { version: { schema: z.number().int().min(1), description: 'A policy version.' } };

const object = z.record(z.string(), z.unknown());

export const OPERATIONS: ApiOperation[] = [
  // Prospects
  { method: 'GET', path: '/api/prospects', tag: 'Prospects', summary: 'List prospects with the list page filters, and counts per grade', query: listQuerySchema, responses: [ok('A page of prospects.', page('prospects', ProspectSchema).extend({ counts: object }))] },
  { method: 'POST', path: '/api/prospects', tag: 'Prospects', summary: 'Add a prospect (graded, and placed by the ownership rules)', body: newProspectSchema(DAY).strict(), responses: [created('The prospect, graded.', ProspectSchema)] },
  { method: 'GET', path: '/api/prospects/:id', tag: 'Prospects', summary: 'One prospect with its live grading: reasons and fit factors', params: idParam('prospect'), responses: [ok('The prospect and its grading.', ProspectSchema.extend({ grading: object })), notFound('prospect')] },
  { method: 'PATCH', path: '/api/prospects/:id', tag: 'Prospects', summary: 'Change some fields (send the version you read)', params: idParam('prospect'), body: prospectPatchSchema(DAY), responses: [ok('The prospect, re-graded.', ProspectSchema), notFound('prospect'), conflict('The prospect changed since that version.')] },
  { method: 'PUT', path: '/api/prospects/:id', tag: 'Prospects', summary: 'The same as PATCH', params: idParam('prospect'), body: prospectPatchSchema(DAY), responses: [ok('The prospect, re-graded.', ProspectSchema), notFound('prospect'), conflict('The prospect changed since that version.')] },
  { method: 'GET', path: '/api/prospects/:id/signals', tag: 'Prospects', summary: "A prospect's signals", params: idParam('prospect'), responses: [ok('Its signals.', z.object({ signals: z.array(SignalSchema) })), notFound('prospect')] },
  { method: 'POST', path: '/api/prospects/:id/signals', tag: 'Prospects', summary: 'Log a signal (re-grades the prospect)', params: idParam('prospect'), body: signalSchema(DAY).strict(), responses: [created('The signal and the prospect re-graded.', z.object({ signal: SignalSchema, prospect: ProspectSchema })), notFound('prospect')] },
  { method: 'GET', path: '/api/prospects/:id/history', tag: 'Prospects', summary: "A prospect's grade changes, with their causes", params: idParam('prospect'), responses: [ok('Its grade history.', z.object({ history: z.array(GradeChangeSchema) })), notFound('prospect')] },
  { method: 'POST', path: '/api/prospects/:id/disqualification', tag: 'Prospects', summary: 'Disqualify a prospect (with a reason)', params: idParam('prospect'), body: statusChangeApiSchema, responses: [ok('The prospect.', ProspectSchema), notFound('prospect'), conflict('The prospect changed since that version.')] },
  { method: 'POST', path: '/api/prospects/:id/loss', tag: 'Prospects', summary: 'Mark a prospect lost (with a reason)', params: idParam('prospect'), body: statusChangeApiSchema, responses: [ok('The prospect.', ProspectSchema), notFound('prospect'), conflict('The prospect changed since that version.')] },
  { method: 'POST', path: '/api/prospects/:id/reopening', tag: 'Prospects', summary: 'Reopen a disqualified or lost prospect', params: idParam('prospect'), body: reopeningApiSchema, bodyOptional: true, responses: [ok('The prospect, graded again.', ProspectSchema), notFound('prospect'), conflict('The prospect changed since that version.')] },
  { method: 'POST', path: '/api/grading/preview', tag: 'Grading', summary: 'Grade a prospect given in the body; stores nothing', body: gradingPreviewSchema, responses: [ok('The grade, fit, close-by date, flags and reasons.', object)] },

  // Customers and deals
  { method: 'GET', path: '/api/customers', tag: 'Customers', summary: 'List customers, with counts per tier', query: customerQuerySchema, responses: [ok('A page of customers.', page('customers', CustomerSchema).extend({ counts: object }))] },
  { method: 'GET', path: '/api/customers/:id', tag: 'Customers', summary: 'One customer: deals, live tier with reasons, tier history, the grade it closed at', params: idParam('customer'), responses: [ok('The customer.', CustomerSchema.extend({ tiering: object, deals: z.array(DealSchema), tierHistory: z.array(object) })), notFound('customer')] },
  { method: 'PUT', path: '/api/customers/:id/payment', tag: 'Customers', summary: 'Set the average days paid late (re-scores the tier)', params: idParam('customer'), body: paymentSchema, responses: [ok('The customer, re-tiered.', CustomerSchema), notFound('customer'), conflict('The customer changed since that version.')] },
  { method: 'GET', path: '/api/customers/:id/touches', tag: 'Customers', summary: "A customer's touches (calls, meetings, visits)", params: idParam('customer'), responses: [ok('Its touches.', z.object({ touches: z.array(object) })), notFound('customer')] },
  { method: 'POST', path: '/api/customers/:id/touches', tag: 'Customers', summary: 'Log a touch with a customer', params: idParam('customer'), body: touchSchema(DAY).strict(), responses: [created('The touch.', z.object({ touch: object })), notFound('customer')] },
  { method: 'GET', path: '/api/accounts/:id/deals', tag: 'Deals', summary: "An account's deals", params: idParam('account'), responses: [ok('Its deals.', z.object({ deals: z.array(DealSchema) })), notFound('account')] },
  { method: 'POST', path: '/api/accounts/:id/deals', tag: 'Deals', summary: 'Add a deal (a won one may convert the prospect into a customer)', params: idParam('account'), body: newDealSchema(DAY, { strict: true }), responses: [created('The deal and the account, with what it caused.', object), notFound('account')] },
  { method: 'GET', path: '/api/deals/:id', tag: 'Deals', summary: 'One deal', params: idParam('deal'), responses: [ok('The deal.', DealSchema), notFound('deal')] },
  { method: 'PATCH', path: '/api/deals/:id', tag: 'Deals', summary: 'Edit a deal (send the version you read)', params: idParam('deal'), body: dealPatchSchema, responses: [ok('The deal and its account.', object), notFound('deal'), conflict('The deal changed since that version.')] },
  { method: 'POST', path: '/api/deals/:id/win', tag: 'Deals', summary: 'Win a deal (the first won deal converts the prospect)', params: idParam('deal'), body: dealWinSchema(DAY).strict(), bodyOptional: true, responses: [ok('The deal and its account.', object), notFound('deal'), conflict('The deal changed since that version.')] },
  { method: 'POST', path: '/api/deals/:id/loss', tag: 'Deals', summary: 'Lose a deal (with a reason)', params: idParam('deal'), body: dealLossSchema(DAY).strict(), responses: [ok('The deal and its account.', object), notFound('deal'), conflict('The deal changed since that version.')] },
  { method: 'POST', path: '/api/deals/:id/reopening', tag: 'Deals', summary: 'Reopen a won or lost deal', params: idParam('deal'), body: versionOnlySchema.strict(), bodyOptional: true, responses: [ok('The deal and its account.', object), notFound('deal'), conflict('The deal changed since that version.')] },
  { method: 'DELETE', path: '/api/deals/:id', tag: 'Deals', summary: 'Delete a deal (undoes a conversion it caused)', params: idParam('deal'), query: versionOnlySchema, responses: [ok('The account after.', object), notFound('deal'), conflict('The deal changed since that version.')] },
  { method: 'POST', path: '/api/tiering/preview', tag: 'Tiering', summary: 'Score a customer given in the body; stores nothing', body: tieringPreviewSchema, responses: [ok('The tier, score, reasons and factors.', object)] },
  { method: 'GET', path: '/api/tiering/runs/preview', tag: 'Tiering', summary: 'What re-tiering every customer now would change', query: retierPreviewQuery, responses: [ok('Counts and the moves.', object)] },
  { method: 'POST', path: '/api/tiering/runs', tag: 'Tiering', summary: 'Re-tier every customer now', responses: [created('What it changed.', object)] },

  // Policy
  { method: 'GET', path: '/api/policy', tag: 'Policy', summary: 'The policy in force', responses: [ok('Its version and numbers.', z.object({ version: z.number().int(), policy: PolicySchema }))] },
  { method: 'PUT', path: '/api/policy', tag: 'Policy', summary: 'Save an edited policy as a new version, and apply it', description: 'The `policy` is the whole policy or only the fields to change, merged over the version in force and validated whole (the rules across fields included). Send the `version` you edited: if another was saved since, the answer is 409. The new version is applied to every account (grade and tier changes with cause "policy" and this version; owners who no longer meet the level replaced): before the answer for up to 10,000 accounts, else in the background (see `application`).', body: savePolicyBodySchema, responses: [ok('The new version and how far its application got.', PolicySavedSchema), conflict('A newer version was saved since the one you edited.')] },
  { method: 'POST', path: '/api/policy/preview', tag: 'Policy', summary: 'What saving a policy would change: counts and a page of changes', description: 'Grades every open prospect and scores every customer with the policy given (merged over the one in force), and finds the accounts whose owner would no longer meet the level. Stores nothing.', body: previewBodySchema, bodyOptional: true, responses: [ok('Counts and one page of the chosen list.', PolicyPreviewSchema)] },
  { method: 'GET', path: '/api/policy/versions', tag: 'Policy', summary: 'Saved policy versions, newest first', query: versionsQuerySchema, responses: [ok('A page of versions.', z.object({ current: z.number().int(), total: z.number().int(), page: z.number().int(), pages: z.number().int(), versions: z.array(PolicyVersionInfoSchema) }))] },
  { method: 'GET', path: '/api/policy/versions/:version', tag: 'Policy', summary: 'One version: its numbers, what changed from the one before, its application', params: versionParam, responses: [ok('The version.', PolicyVersionSchema), notFound('policy version')] },
  { method: 'POST', path: '/api/policy/versions/:version/application', tag: 'Policy', summary: 'Apply the version in force to every account (when its application failed or was cut off)', params: versionParam, responses: [ok('Applied.', z.object({ version: z.number().int(), application: object })), { status: 202, description: 'Applying in the background.' }, notFound('policy version'), conflict('Not the version in force, or already applied or applying.')] },

  // Ownership
  { method: 'PUT', path: '/api/accounts/:id/owner', tag: 'Ownership', summary: 'Give an account to someone (answers warnings when that breaks the policy)', params: idParam('account'), body: ownerApiSchema, responses: [ok('The owner now, and any warnings.', object), notFound('account')] },
  { method: 'PUT', path: '/api/accounts/:id/pin', tag: 'Ownership', summary: 'Pin an account to its owner, or unpin it', params: idParam('account'), body: pinApiSchema, responses: [ok('Pinned or not.', object), notFound('account')] },
  { method: 'POST', path: '/api/accounts/:id/assignment', tag: 'Ownership', summary: 'Place an account by the ownership rules now', params: idParam('account'), responses: [ok('Where it went and why.', object), notFound('account')] },
  { method: 'GET', path: '/api/territory', tag: 'Ownership', summary: "Every rep's load, capacity, utilization, accounts by grade and tier; totals per level", responses: [ok('The territory.', object)] },
  { method: 'POST', path: '/api/territory/plans', tag: 'Ownership', summary: 'Propose a balance (nothing moves yet)', body: planApiSchema, bodyOptional: true, responses: [created('The plan with its first page of moves.', object)] },
  { method: 'GET', path: '/api/territory/plans/:id', tag: 'Ownership', summary: 'A plan with its moves, filtered', params: idParam('plan'), query: movesQuery, responses: [ok('The plan.', object), notFound('plan')] },
  { method: 'POST', path: '/api/territory/plans/:id/apply', tag: 'Ownership', summary: 'Apply a plan whole (refused when the territory changed since)', params: idParam('plan'), responses: [ok('Applied.', object), notFound('plan'), conflict('Already decided, or the territory changed since: nothing was applied.')] },
  { method: 'POST', path: '/api/territory/plans/:id/discard', tag: 'Ownership', summary: 'Discard a plan', params: idParam('plan'), responses: [ok('Discarded.', object), notFound('plan'), conflict('Already decided.')] },

  // Review
  { method: 'GET', path: '/api/review', tag: 'Review', summary: 'The weekly pipeline review of a week', query: reviewQuery, responses: [ok('The review.', object), { status: 404, description: 'No snapshot was taken (for that week).', schema: ErrorSchema }] },
  { method: 'GET', path: '/api/review/weeks', tag: 'Review', summary: 'The weeks with a snapshot', responses: [ok('The weeks.', z.object({ weeks: z.array(object) }))] },
  { method: 'POST', path: '/api/review/snapshots', tag: 'Review', summary: "Take a week's snapshot", body: snapshotSchema, bodyOptional: true, responses: [created('Taken.', object), ok('Already taken.', object)] },
  { method: 'POST', path: '/api/review/backfills', tag: 'Review', summary: 'Back-fill the snapshots of past weeks from the history', body: backfillSchema, bodyOptional: true, responses: [created('Taken.', object), ok('Nothing to take.', object)] },
  { method: 'POST', path: '/api/review/weeks/:week/notes', tag: 'Review', summary: "Add a note to a week's review", params: weekParam, body: noteSchema.strict(), responses: [created('The note.', object), { status: 404, description: 'No snapshot was taken for that week.', schema: ErrorSchema }] },
  { method: 'POST', path: '/api/review/weeks/:week/action-items', tag: 'Review', summary: "Add an action item to a week's review", params: weekParam, body: actionItemSchema(WEEK).strict(), responses: [created('The action item.', object), { status: 404, description: 'No snapshot was taken for that week.', schema: ErrorSchema }] },
  { method: 'GET', path: '/api/action-items/:id', tag: 'Review', summary: 'One action item', params: idParam('action item'), responses: [ok('The action item.', object), notFound('action item')] },
  { method: 'PATCH', path: '/api/action-items/:id', tag: 'Review', summary: 'Change an action item, or mark it done (send the version you read)', params: idParam('action item'), body: actionItemPatchSchema(WEEK), responses: [ok('The action item.', object), notFound('action item'), conflict('The action item changed since that version.')] },

  // Home, cadence, calibration
  { method: 'GET', path: '/api/home', tag: 'Home', summary: "A rep's home: overdue touches, A list, stale prospects, this week's changes", query: homeQuerySchema, responses: [ok('The home.', object)] },
  { method: 'GET', path: '/api/cadence/overdue', tag: 'Home', summary: 'Overdue touches, most overdue first', query: overdueQuerySchema, responses: [ok('The overdue touches and their total.', object)] },
  { method: 'GET', path: '/api/calibration', tag: 'Calibration', summary: 'Grade outcomes per grade and quarter, with hit rates', query: calibrationQuerySchema(DAY), responses: [ok('The report.', object)] },

  // Imports
  { method: 'POST', path: '/api/imports', tag: 'Imports', summary: 'Upload a CSV file: a dry run starts (nothing is written yet), or with confirm=true the import itself', query: importUploadQuery, rawBody: { contentType: 'text/csv', description: 'The CSV file itself.' }, responses: [{ status: 202, description: 'The import: its dry run (or with confirm=true, the import) done or under way.', schema: object }, { status: 413, description: 'The file is too large.', schema: ErrorSchema }, { status: 415, description: 'Not a CSV body.', schema: ErrorSchema }] },
  { method: 'GET', path: '/api/imports', tag: 'Imports', summary: 'Recent imports', responses: [ok('The imports.', z.object({ imports: z.array(object) }))] },
  { method: 'GET', path: '/api/imports/:id', tag: 'Imports', summary: 'One import: its mapping, dry run and result', params: idParam('import'), responses: [ok('The import.', object), notFound('import')] },
  { method: 'GET', path: '/api/imports/:id/rejects', tag: 'Imports', summary: 'The rows an import rejects, with the reason for each', params: idParam('import'), query: rejectsQuery, responses: [ok('A page of rejected rows.', page('rejects')), notFound('import')] },
  { method: 'PUT', path: '/api/imports/:id/mapping', tag: 'Imports', summary: "Choose an import's column mapping (runs the dry run again)", params: idParam('import'), body: importMappingBody, responses: [{ status: 202, description: 'The import, checking its rows again.', schema: object }, notFound('import'), conflict('The import is past choosing a mapping.')] },
  { method: 'POST', path: '/api/imports/:id/confirm', tag: 'Imports', summary: 'Write an import whose dry run is done: all of it or nothing', params: idParam('import'), responses: [{ status: 202, description: 'The import, writing.', schema: object }, notFound('import'), conflict('The import is not ready to confirm.')] },
  { method: 'POST', path: '/api/imports/:id/cancel', tag: 'Imports', summary: 'Cancel an import', params: idParam('import'), responses: [ok('The import, cancelled.', object), notFound('import'), conflict('The import can no longer be cancelled.')] },

  // Team and audit
  { method: 'GET', path: '/api/me', tag: 'Team', summary: 'Who the token belongs to', responses: [ok('The user.', UserSchema)] },
  { method: 'GET', path: '/api/users', tag: 'Team', summary: 'The team', responses: [ok('Everyone.', z.object({ users: z.array(UserSchema) }))] },
  { method: 'POST', path: '/api/users', tag: 'Team', summary: 'Add someone (without a password they use the API only)', body: newUserApiSchema, responses: [created('The user.', UserSchema)] },
  { method: 'GET', path: '/api/users/:id', tag: 'Team', summary: 'One user', params: idParam('user'), responses: [ok('The user.', UserSchema), notFound('user')] },
  { method: 'PATCH', path: '/api/users/:id', tag: 'Team', summary: 'Change some fields of a user (version optional)', params: idParam('user'), body: userPatchSchema, responses: [ok('The user, and how many of their accounts were reassigned.', UserSchema.extend({ reassignedAccounts: z.number().int() })), notFound('user'), conflict('The user changed since that version.')] },
  { method: 'GET', path: '/api/audit', tag: 'Team', summary: 'The audit trail, newest first', query: auditQuerySchema, responses: [ok('A page of entries.', page('entries'))] },
  { method: 'POST', path: '/api/demo', tag: 'Team', summary: 'Load the demo data into an empty database', responses: [created('What was loaded.', object), conflict('The database is not empty.')] },

  // This document
  { method: 'GET', path: '/api/openapi.json', tag: 'Reference', summary: 'This OpenAPI document', public: true, responses: [ok('The OpenAPI 3.1 document.', object)] },
];
