import type { UserRow } from '../db/schema.ts';
import type { Actor, Role } from '../users/model.ts';

// Who may do what: every route of the app (method and Hono path pattern) has one rule here, and
// one middleware (src/access/middleware.ts) enforces it before the route runs. A route without a
// rule answers 403, and test/http/permissions.test.ts walks every route of the app with every
// role, so a new route must be given its rule here.
//
//   public        anyone, signed in or not
//   signedIn      any signed-in user: the whole pipeline is visible to every role
//   atLeast(r)    role r or above (rep < manager < admin)
//   ownsAccount   a rep only on an account they own (accounts.owner_id); managers and admins on any
//   ownsDeal      the same, for the account a deal belongs to
//
// Managers change any account, the roster (reps), ownership and re-tiering; admins also manage
// every user (create any role, change roles, reset passwords). The finer rules on people are
// userChangeProblem below, which the user actions call.

export type Rule =
  | { kind: 'public' }
  | { kind: 'signedIn' }
  | { kind: 'atLeast'; role: Role }
  | { kind: 'ownsAccount'; param: string }
  | { kind: 'ownsDeal'; param: string };

const PUBLIC: Rule = { kind: 'public' };
const SIGNED_IN: Rule = { kind: 'signedIn' };
const atLeast = (role: Role): Rule => ({ kind: 'atLeast', role });
const OWNS_ACCOUNT: Rule = { kind: 'ownsAccount', param: 'id' };
const OWNS_DEAL: Rule = { kind: 'ownsDeal', param: 'id' };
const MANAGER = atLeast('manager');
const ADMIN = atLeast('admin');

/** Every route: `METHOD /path/:param` as registered in Hono (HEAD is checked as GET). */
export const RULES: Readonly<Record<string, Rule>> = {
  // Open to all: assets, health, signing in.
  'GET /assets/:name': PUBLIC,
  'GET /healthz': PUBLIC,
  // The API's description (no data in it): readable without a token, see src/openapi/routes.tsx.
  'GET /api/openapi.json': PUBLIC,
  'GET /docs/api': PUBLIC,
  'GET /sign-in': PUBLIC,
  'POST /sign-in': PUBLIC,

  // Pages.
  'GET /': SIGNED_IN,
  'GET /home': SIGNED_IN, // reps their own; managers anyone's (checked in the route)
  'GET /calibration': SIGNED_IN,
  'GET /calibration.csv': SIGNED_IN,
  'POST /sign-out': SIGNED_IN,
  'GET /prospects': SIGNED_IN,
  'GET /prospects.csv': SIGNED_IN,
  'GET /prospects/new': SIGNED_IN,
  'POST /prospects': SIGNED_IN, // a rep's new prospect is theirs (initialOwnerId)
  'GET /prospects/:id': SIGNED_IN,
  'GET /prospects/:id/edit': OWNS_ACCOUNT,
  'POST /prospects/:id': OWNS_ACCOUNT,
  'POST /prospects/:id/signals': OWNS_ACCOUNT,
  'POST /prospects/:id/disqualification': OWNS_ACCOUNT,
  'POST /prospects/:id/loss': OWNS_ACCOUNT,
  'POST /prospects/:id/reopening': OWNS_ACCOUNT,
  'GET /customers': SIGNED_IN,
  'GET /customers.csv': SIGNED_IN,
  'GET /customers/:id': SIGNED_IN,
  'POST /customers/:id/payment': OWNS_ACCOUNT,
  'POST /customers/:id/touches': OWNS_ACCOUNT,
  'POST /accounts/:id/deals': OWNS_ACCOUNT,
  'POST /accounts/:id/owner': MANAGER,
  'POST /accounts/:id/pin': MANAGER,
  'POST /accounts/:id/assignment': MANAGER,
  'GET /accounts/:id': SIGNED_IN,
  'GET /territory': SIGNED_IN,
  'GET /territory.csv': SIGNED_IN,
  'POST /territory/plans': MANAGER,
  'GET /territory/plans/:id': MANAGER,
  'POST /territory/plans/:id/apply': MANAGER,
  'POST /territory/plans/:id/discard': MANAGER,
  'GET /deals/:id/edit': OWNS_DEAL,
  'POST /deals/:id': OWNS_DEAL,
  'POST /deals/:id/win': OWNS_DEAL,
  'POST /deals/:id/loss': OWNS_DEAL,
  'POST /deals/:id/reopening': OWNS_DEAL,
  'POST /deals/:id/deletion': OWNS_DEAL,
  'GET /tiering': SIGNED_IN,
  // The weekly review: everyone reads it and records the meeting's notes and action items (any
  // signed-in user may mark an item done or reopen it; the audit trail says who); managers take
  // and back-fill snapshots.
  'GET /review': SIGNED_IN,
  'GET /review.csv': SIGNED_IN,
  'GET /review/list': SIGNED_IN,
  'POST /review/snapshots': MANAGER,
  'POST /review/backfills': MANAGER,
  'POST /review/weeks/:week/notes': SIGNED_IN,
  'POST /review/weeks/:week/action-items': SIGNED_IN,
  'POST /action-items/:id/completion': SIGNED_IN,
  'POST /action-items/:id/reopening': SIGNED_IN,
  'POST /tiering/runs': MANAGER,
  'GET /policy': SIGNED_IN,
  // The policy: everyone reads it and its versions; managers preview, save and apply edits.
  'GET /policy/edit': MANAGER,
  'POST /policy/preview': MANAGER,
  'POST /policy': MANAGER,
  'GET /policy/versions': SIGNED_IN,
  'GET /policy/versions/:version': SIGNED_IN,
  'POST /policy/versions/:version/application': MANAGER,
  'POST /demo': ADMIN,
  // CSV imports (src/import): managers bring accounts in.
  'GET /imports': MANAGER,
  'POST /imports': MANAGER,
  'GET /imports/:id': MANAGER,
  'GET /imports/:id/progress': MANAGER,
  'GET /imports/:id/rejects.csv': MANAGER,
  'POST /imports/:id/mapping': MANAGER,
  'POST /imports/:id/confirm': MANAGER,
  'POST /imports/:id/remap': MANAGER,
  'POST /imports/:id/cancel': MANAGER,
  'GET /audit': MANAGER,
  'GET /team': MANAGER,
  'GET /team/new': MANAGER,
  'POST /team': MANAGER,
  'GET /team/:id/edit': MANAGER,
  'POST /team/:id': MANAGER,
  'POST /team/:id/deactivation': MANAGER,
  'POST /team/:id/reactivation': MANAGER,
  'GET /me': SIGNED_IN,
  'POST /me/password': SIGNED_IN,
  'POST /me/tokens': SIGNED_IN,
  'POST /me/tokens/:id/revocation': SIGNED_IN, // only the user's own tokens are found
  'POST /me/sign-out-everywhere': SIGNED_IN,

  // The JSON API: a bearer token on every route.
  'GET /api/prospects': SIGNED_IN,
  'POST /api/prospects': SIGNED_IN,
  'GET /api/prospects/:id': SIGNED_IN,
  'PATCH /api/prospects/:id': OWNS_ACCOUNT,
  'PUT /api/prospects/:id': OWNS_ACCOUNT,
  'GET /api/prospects/:id/signals': SIGNED_IN,
  'POST /api/prospects/:id/signals': OWNS_ACCOUNT,
  'GET /api/prospects/:id/history': SIGNED_IN,
  'POST /api/prospects/:id/disqualification': OWNS_ACCOUNT,
  'POST /api/prospects/:id/loss': OWNS_ACCOUNT,
  'POST /api/prospects/:id/reopening': OWNS_ACCOUNT,
  'GET /api/customers': SIGNED_IN,
  'GET /api/customers/:id': SIGNED_IN,
  'PUT /api/customers/:id/payment': OWNS_ACCOUNT,
  'GET /api/customers/:id/touches': SIGNED_IN,
  'POST /api/customers/:id/touches': OWNS_ACCOUNT,
  'GET /api/accounts/:id/deals': SIGNED_IN,
  'POST /api/accounts/:id/deals': OWNS_ACCOUNT,
  'PUT /api/accounts/:id/owner': MANAGER,
  'PUT /api/accounts/:id/pin': MANAGER,
  'POST /api/accounts/:id/assignment': MANAGER,
  'GET /api/territory': SIGNED_IN,
  'POST /api/territory/plans': MANAGER,
  'GET /api/territory/plans/:id': MANAGER,
  'POST /api/territory/plans/:id/apply': MANAGER,
  'POST /api/territory/plans/:id/discard': MANAGER,
  'GET /api/deals/:id': SIGNED_IN,
  'PATCH /api/deals/:id': OWNS_DEAL,
  'POST /api/deals/:id/win': OWNS_DEAL,
  'POST /api/deals/:id/loss': OWNS_DEAL,
  'POST /api/deals/:id/reopening': OWNS_DEAL,
  'DELETE /api/deals/:id': OWNS_DEAL,
  'GET /api/tiering/runs/preview': SIGNED_IN,
  'POST /api/tiering/runs': MANAGER,
  'POST /api/grading/preview': SIGNED_IN,
  'POST /api/tiering/preview': SIGNED_IN,
  'GET /api/policy': SIGNED_IN,
  'GET /api/policy/versions': SIGNED_IN,
  'GET /api/policy/versions/:version': SIGNED_IN,
  'POST /api/policy/preview': MANAGER,
  'PUT /api/policy': MANAGER,
  'POST /api/policy/versions/:version/application': MANAGER,
  'GET /api/review': SIGNED_IN,
  'GET /api/review/weeks': SIGNED_IN,
  'POST /api/review/snapshots': MANAGER,
  'POST /api/review/backfills': MANAGER,
  'POST /api/review/weeks/:week/notes': SIGNED_IN,
  'POST /api/review/weeks/:week/action-items': SIGNED_IN,
  'GET /api/action-items/:id': SIGNED_IN,
  'PATCH /api/action-items/:id': SIGNED_IN,
  'POST /api/demo': ADMIN,
  'GET /api/imports': MANAGER,
  'POST /api/imports': MANAGER,
  'GET /api/imports/:id': MANAGER,
  'GET /api/imports/:id/rejects': MANAGER,
  'PUT /api/imports/:id/mapping': MANAGER,
  'POST /api/imports/:id/confirm': MANAGER,
  'POST /api/imports/:id/cancel': MANAGER,
  'GET /api/me': SIGNED_IN,
  'GET /api/home': SIGNED_IN, // as GET /home
  'GET /api/cadence/overdue': SIGNED_IN, // reps their own (checked in the route)
  'GET /api/calibration': SIGNED_IN,
  'GET /api/users': MANAGER,
  'POST /api/users': MANAGER,
  'GET /api/users/:id': MANAGER,
  'PATCH /api/users/:id': MANAGER,
  'GET /api/audit': MANAGER,
};

export const ruleKey = (method: string, path: string) => `${method === 'HEAD' ? 'GET' : method} ${path}`;

export function ruleFor(method: string, path: string): Rule | undefined {
  return RULES[ruleKey(method, path)];
}

const RANK: Record<Role, number> = { rep: 1, manager: 2, admin: 3 };

export const hasRole = (role: Role | null | undefined, min: Role) => !!role && RANK[role] >= RANK[min];

/** Whether someone of `role` (with id `userId`) may change an account owned by `ownerId`. */
export function mayChangeAccount(user: { id: number; role: Role }, ownerId: number | null): boolean {
  return hasRole(user.role, 'manager') || (user.role === 'rep' && ownerId === user.id);
}

/**
 * The decision for a rule before any ownership is looked up: `owner` means the route's account
 * (or deal) must be looked up and passed to mayChangeAccount.
 */
export function decide(rule: Rule, user: { id: number; role: Role } | null): 'allow' | 'signIn' | 'deny' | 'owner' {
  if (rule.kind === 'public') return 'allow';
  if (!user) return 'signIn';
  switch (rule.kind) {
    case 'signedIn':
      return 'allow';
    case 'atLeast':
      return hasRole(user.role, rule.role) ? 'allow' : 'deny';
    case 'ownsAccount':
    case 'ownsDeal':
      return hasRole(user.role, 'manager') ? 'allow' : 'owner';
  }
}

/** Who owns a prospect when it is added: the rep who adds it (until the ownership rules decide); others leave it unassigned. */
export function initialOwnerId(actor: Actor): number | null {
  return actor.role === 'rep' && actor.id ? actor.id : null;
}

export type UserChange = { role?: Role; state?: string | null; password?: boolean };

/**
 * Why `actor` may not make `change` to `target` (null: a new user), or null when they may.
 * Admins manage everyone (but cannot demote or deactivate themselves, so an admin always
 * remains); managers add reps (with a first password) and edit them, but neither make managers or admins
 * nor reset passwords.
 */
export function userChangeProblem(actor: { id?: number | null; role?: Role | null }, target: UserRow | null, change: UserChange): string | null {
  if (actor.role === 'admin') {
    if (target && target.id === actor.id) {
      if (change.role && change.role !== 'admin') return 'You cannot take away your own admin role; ask another admin.';
      if (change.state === 'deactivated') return 'You cannot deactivate yourself; ask another admin.';
    }
    return null;
  }
  if (actor.role === 'manager') {
    if (target && target.role !== 'rep') return 'Managers edit reps; only an admin changes managers and admins.';
    if (change.role && change.role !== 'rep') return 'Only an admin can make someone a manager or an admin.';
    if (change.password && target) return 'Only an admin can set someone else’s password.';
    return null;
  }
  return 'Only managers and admins change the team.';
}
