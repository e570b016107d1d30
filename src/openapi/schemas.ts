import { z } from 'zod';
import { FLAGS } from '../grading/grading.ts';
import { GRADES, NEEDS, SITUATIONS, policyEditSchema } from '../policy/policy.ts';
import { WHAT_IF_LISTS } from '../policy/what-if.ts';
import { ROLES, USER_STATES } from '../users/model.ts';

// What the API answers, as zod schemas for the OpenAPI document's components. The request side is
// the routes' own schemas (src/openapi/registry.ts); these describe the JSON the routes build by
// hand (prospectJson, dealJson, userJson, ...), and test/http/openapi.test.ts parses real answers
// with them (strictly), so a field added to an answer must be added here too.

const int = z.number().int();
const date = z.string().meta({ format: 'date' });
const dateTime = z.string().meta({ format: 'date-time' });
const grade = z.enum(GRADES);

export const ErrorSchema = z.object({ error: z.string() }).meta({ description: 'What went wrong, in a sentence.' });

export const ValidationErrorSchema = z
  .object({ error: z.string(), issues: z.array(z.object({ path: z.string().meta({ description: 'The field, dotted: "policy.grading.windowMonths.B"' }), message: z.string() })) })
  .meta({ description: 'Bad input: one issue per field.' });

export const ConflictSchema = z
  .object({ error: z.string(), currentVersion: int.optional(), current: z.unknown().optional() })
  .meta({ description: 'The thing changed since the version you sent: `current` is what it is now.' });

export const ProspectSchema = z.object({
  id: int,
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string().nullable(),
  employees: int.nullable(),
  revenue: z.number().nullable(),
  growthPct: z.number().nullable(),
  need: z.enum(NEEDS).nullable(),
  situation: z.enum(SITUATIONS).nullable(),
  status: z.enum(['open', 'disqualified', 'lost']),
  statusReason: z.string().nullable(),
  addedOn: date,
  ownerId: int.nullable(),
  version: int.meta({ description: 'Send it back with a change: an older one is a 409.' }),
  grade: grade.nullable(),
  fit: z.number().nullable(),
  closeBy: date.nullable(),
  flags: z.array(z.enum(FLAGS)),
  reason: z.string().nullable().meta({ description: 'The grade in one line.' }),
  slipCount: int,
  lastSignalOn: date.nullable(),
  gradedOn: date.nullable(),
  policyVersion: int.nullable(),
});

export const CustomerSchema = ProspectSchema.extend({
  kind: z.enum(['prospect', 'customer']),
  convertedOn: date.nullable(),
  closedGrade: grade.nullable(),
  daysPaidLate: z.number().nullable(),
  tier: z.string().nullable(),
  tierScore: z.number().nullable(),
  tierReason: z.string().nullable(),
  tieredOn: date.nullable(),
  tierPolicyVersion: int.nullable(),
});

export const SignalSchema = z.object({
  id: int,
  type: z.string(),
  date,
  expectedDate: date.nullable(),
  event: z.string().nullable(),
  note: z.string().nullable(),
  loggedBy: z.string().nullable(),
  loggedAt: dateTime,
});

export const GradeChangeSchema = z.object({
  from: grade.nullable(),
  to: grade.nullable(),
  fit: z.number().nullable(),
  flags: z.array(z.string()),
  reason: z.string().nullable(),
  reasons: z.unknown(),
  cause: z.string().meta({ description: 'created, signal, edit, status, policy, daily, import, converted, conversion_reversed' }),
  actor: z.string(),
  policyVersion: int.nullable(),
  asOf: date,
  at: dateTime,
});

export const DealSchema = z.object({
  id: int,
  accountId: int,
  title: z.string(),
  value: z.number(),
  marginPct: z.number().nullable(),
  status: z.enum(['open', 'won', 'lost']),
  expectedCloseOn: date.nullable(),
  closedOn: date.nullable(),
  lostReason: z.string().nullable(),
  version: int,
  createdBy: z.string(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const UserSchema = z.object({
  id: int,
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  level: int.nullable(),
  levelLabel: z.string().nullable(),
  capacity: z.number(),
  region: z.string().nullable(),
  state: z.enum(USER_STATES),
  leaveFrom: date.nullable(),
  leaveUntil: date.nullable(),
  canSignIn: z.boolean(),
  version: int,
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const PolicySchema = policyEditSchema.meta({ description: 'Every number of the rules (DOMAIN.md).' });

const versionInfo = { version: int, note: z.string().nullable(), createdBy: z.string(), createdAt: dateTime };
export const PolicyVersionInfoSchema = z.object(versionInfo);

const counts = z.array(z.object({ from: z.string().nullable(), to: z.string(), n: int }));

export const ApplicationSchema = z
  .object({
    status: z.enum(['none', 'running', 'done']),
    phase: z.enum(['waiting', 'preview', 'grades', 'tiers', 'owners']).optional(),
    startedAt: dateTime.optional(),
    stalled: z.boolean().optional().meta({ description: 'While running: no heartbeat for minutes, so the instance applying it has probably stopped; POST …/application takes over.' }),
    finishedAt: dateTime.nullable().optional(),
    prospects: z.object({ done: int, total: int }).optional(),
    customers: z.object({ done: int, total: int }).optional(),
    stats: z.record(z.string(), z.unknown()).optional().meta({ description: 'When done: what the application changed (grades, tiers, owners), and whether a newer version superseded it.' }),
    mode: z.enum(['inline', 'background']).optional().meta({ description: 'On a save: whether it was applied before the answer, or is applying in the background.' }),
  })
  .meta({ description: 'How far applying a version to every account has got.' });

const change = z.object({ path: z.string(), label: z.string(), from: z.unknown().optional(), to: z.unknown().optional() });

export const PolicyVersionSchema = z.object({
  ...versionInfo,
  current: z.boolean(),
  previous: int.nullable(),
  policy: PolicySchema,
  changes: z.array(change).nullable().meta({ description: 'The fields that differ from the version before (null for the first).' }),
  application: ApplicationSchema,
});

export const PolicySavedSchema = z.object({ version: int, policy: PolicySchema, changes: z.array(change), application: ApplicationSchema });

export const PolicyPreviewSchema = z.object({
  basedOn: int.meta({ description: 'The version the preview compares with (the one in force).' }),
  asOf: date,
  scanned: z.object({ prospects: int, customers: int }),
  grades: z.object({ changed: int, flagsOnly: int, moves: counts }),
  tiers: z.object({ changed: int, moves: counts }),
  owners: z.object({ changed: int, assigned: int, unassignable: int }),
  list: z.object({
    name: z.enum(WHAT_IF_LISTS),
    page: int,
    pageSize: int,
    total: int,
    pages: int,
    rows: z.array(z.record(z.string(), z.unknown())).meta({ description: 'grades: id, name, from, to, fit; tiers: id, name, from, to, fromScore, score; owners: id, name, key, minLevel, fromOwnerId, fromOwner, toOwnerId, toOwner, outcome, reason.' }),
  }),
  ms: int,
});
