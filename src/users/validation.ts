import { z } from 'zod';
import { optionalDate, optionalEnum, optionalNumber, optionalText, requiredText } from '../shared/validation.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts';
import { ROLES, USER_STATES, normalizeEmail } from './model.ts';

// Users as forms (every value a string) and the JSON API (typed values) send them.

const EMAIL = /^[^\s@\u0000]+@[^\s@\u0000]+\.[^\s@\u0000]+$/;

const email = z.preprocess(
  (v) => (typeof v === 'string' ? normalizeEmail(v) : v),
  z.string({ error: 'is required' }).min(1, 'is required').max(254, 'must be at most 254 characters').regex(EMAIL, 'must be an email address such as maya@example.com'),
);

const optionalPassword = z.preprocess(
  (v) => (v === undefined || v === null || v === '' ? null : v),
  z.string({ error: 'must be text' }).min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`).nullable(),
);

const level = optionalNumber({ min: 1, max: 4, int: true });
// Up to the most the policy's defaultCapacity may be, so the default the team form starts with is one it takes.
const capacity = optionalNumber({ min: 0, max: 100_000 }).meta({ description: "Load points. Left out or null on a new user, or null on an edit: the policy's default capacity (ownership.defaultCapacity) in force at the time." });

const fields = {
  email,
  name: requiredText(120, 'is required'),
  role: z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` }),
  level,
  capacity,
  region: optionalText(80),
  state: optionalEnum(USER_STATES),
  leaveFrom: optionalDate(),
  leaveUntil: optionalDate(),
  // What happens to a rep's accounts when they go on leave: flagged for cover (the default) or
  // reassigned now by the rules. A deactivated rep's accounts are always reassigned.
  accounts: optionalEnum(['cover', 'reassign'] as const),
};

type Shape = { role?: string; level?: number | null; state?: string | null; leaveFrom?: string | null; leaveUntil?: string | null };

/** Rules across fields: reps have a level; leave has a start, and ends after it starts. */
function crossCheck(u: Shape, ctx: z.RefinementCtx, partial: boolean) {
  if (u.role === 'rep' && (u.level === null || (!partial && u.level === undefined))) ctx.addIssue({ code: 'custom', path: ['level'], message: 'a rep has a level (1–4)' });
  if (u.state === 'on_leave' && !u.leaveFrom && !partial) ctx.addIssue({ code: 'custom', path: ['leaveFrom'], message: 'give the first day of leave' });
  if (u.leaveFrom && u.leaveUntil && u.leaveUntil < u.leaveFrom) ctx.addIssue({ code: 'custom', path: ['leaveUntil'], message: 'cannot be before the first day of leave' });
}

/** A whole user as stored: only reps have a level, leave dates only while on leave. */
function settled<U extends Shape>(u: U) {
  return {
    ...u,
    level: u.role === 'rep' ? u.level : null,
    state: u.state ?? 'active',
    leaveFrom: u.state === 'on_leave' ? u.leaveFrom : null,
    leaveUntil: u.state === 'on_leave' ? u.leaveUntil : null,
  };
}

// A capacity left out stays null here: it is the policy's defaultCapacity, which only the
// action can read (createUser for a new user, the edit page for an edit).
const newUser = (strict: boolean) =>
  (strict ? z.strictObject({ ...fields, password: optionalPassword }) : z.object({ ...fields, password: optionalPassword }))
    .superRefine((u, ctx) => crossCheck(u, ctx, false))
    .transform(settled);

/** A new user from the team form (or the script): fields a browser adds, such as its button, are ignored. */
export const newUserSchema = newUser(false);
/** A new user from the API: an unknown field is refused, as PATCH refuses it. */
export const newUserApiSchema = newUser(true);
export type NewUser = z.infer<typeof newUserSchema>;

const version = z.coerce.number({ error: 'is required' }).int().min(1);

/** The edit form: every field as shown, plus the version it was based on and an optional new password. */
export const userEditSchema = z
  .object({ ...fields, version, password: optionalPassword })
  .superRefine((u, ctx) => crossCheck(u, ctx, false))
  .transform(settled);
export type UserEdit = z.infer<typeof userEditSchema>;

/** The API's partial update: any subset of fields, and optionally the version it was based on. */
export const userPatchSchema = z
  .object({ ...fields, version: version.optional(), password: optionalPassword })
  .partial()
  .strict()
  .superRefine((u, ctx) => crossCheck(u, ctx, true));
export type UserPatch = z.infer<typeof userPatchSchema>;

export const signInSchema = z.object({
  // An email with a NUL (which PostgreSQL cannot store in login_attempts) reads as none given.
  email: z.preprocess((v) => (typeof v === 'string' && !v.includes('\u0000') ? normalizeEmail(v) : ''), z.string().max(254)),
  password: z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string().max(PASSWORD_MAX)),
});

export const passwordChangeSchema = z
  .object({
    current: z.string({ error: 'is required' }).min(1, 'is required').max(PASSWORD_MAX),
    password: z.string({ error: 'is required' }).min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
    confirm: z.string({ error: 'is required' }),
  })
  .refine((p) => p.password === p.confirm, { path: ['confirm'], message: 'does not match the new password' });

export const tokenNameSchema = z.object({ name: requiredText(80, 'give the token a name, such as "CRM sync"') });
