import { Hono, type Context } from 'hono';
import { asc, eq } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import type { Db } from '../db/client.ts';
import { users, type UserRow } from '../db/schema.ts';
import { clearSessionCookie, clientIp, isHttps, readSessionCookie, writeSessionCookie } from '../access/client.ts';
import { userChangeProblem } from '../access/rules.ts';
import { forbidden } from '../access/middleware.tsx';
import { formValues, parseId } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import { emptyForm, type FormState } from '../../views/components.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { MePage } from '../../views/auth/me.tsx';
import { SignInPage } from '../../views/auth/sign-in.tsx';
import { RosterPage } from '../../views/team/roster.tsx';
import { UserFormPage } from '../../views/team/form.tsx';
import { changeOwnPassword, createUser, policyCapacity, signOutEverywhere, updateUser, type UserFailure } from './actions.ts';
import { userJson } from './model.ts';
import { generatePassword } from './passwords.ts';
import { activeSessionCount, createSession, deleteSession } from './sessions.ts';
import { anyoneCanSignIn, signIn } from './sign-in.ts';
import { sha256 } from './secrets.ts';
import { createApiToken, listTokens, revokeToken, tokenJson } from './tokens.ts';
import { newUserSchema, passwordChangeSchema, signInSchema, tokenNameSchema, userEditSchema } from './validation.ts';

// Signing in and out, one's own page (tokens, password, sessions), and the team roster.

/** Where to go after signing in: only a path on this site (never //elsewhere or a URL). */
export function safeNext(raw: string | undefined): string | undefined {
  if (!raw || raw.length > 500 || !/^\/(?![/\\])/.test(raw) || /[\u0000-\u001f]/.test(raw) || raw.startsWith('/sign-in')) return undefined;
  return raw;
}

const noStore = (c: Context) => c.header('Cache-Control', 'no-store');

/** What a form shows again: never a password. */
const withoutPasswords = (values: Record<string, string>) => {
  const { password: _p, current: _c, confirm: _f, ...rest } = values;
  return rest;
};

const SIGNED_OUT: Record<string, string> = {
  '1': 'You are signed out.',
  everywhere: 'You are signed out everywhere: every session of yours has ended.',
  password: 'Your password was changed. Sign in with the new one.',
};

async function renderMe(c: Context<AppEnv>, status: 200 | 201 | 422 | 404, extra: { newToken?: { name: string; token: string }; tokenForm?: FormState; passwordForm?: FormState; notice?: string } = {}) {
  const { db, clock } = c.var.deps;
  const me = c.var.user!;
  const [row] = await db.select().from(users).where(eq(users.id, me.id));
  const [tokens, sessions] = await Promise.all([listTokens(db, me.id), activeSessionCount(db, me.id, clock.now())]);
  noStore(c);
  return c.html(
    <MePage
      user={userJson(row!)}
      tokens={tokens.map(tokenJson)}
      sessions={sessions}
      newToken={extra.newToken}
      tokenForm={extra.tokenForm ?? emptyForm()}
      passwordForm={extra.passwordForm ?? emptyForm()}
      notice={extra.notice}
    />,
    status,
  );
}

export function authPages() {
  const app = new Hono<AppEnv>();

  app.get('/sign-in', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (c.var.user) return c.redirect(next ?? '/home', 303);
    noStore(c);
    return c.html(<SignInPage next={next} notice={SIGNED_OUT[c.req.query('out') ?? '']} firstRun={!(await anyoneCanSignIn(c.var.deps.db))} />);
  });

  app.post('/sign-in', async (c) => {
    const { db, clock, config } = c.var.deps;
    const values = await formValues(c);
    const next = safeNext(values.next);
    noStore(c);
    const parsed = signInSchema.safeParse(values);
    // Longer than any email or password can be: it matches nobody.
    if (!parsed.success) return c.html(<SignInPage next={next} problem="That email and password do not match. Check both and try again." />, 401);
    const { email, password } = parsed.data;
    if (!email || !password) return c.html(<SignInPage email={email} next={next} problem="Enter your email and your password." />, 422);
    const r = await signIn(db, { email, password, ip: clientIp(c, config.trustedProxy), now: clock.now() });
    if (!r.ok) {
      if (r.reason === 'limited') {
        const minutes = Math.ceil(r.retryAfterSeconds / 60);
        c.header('Retry-After', String(r.retryAfterSeconds));
        return c.html(
          <SignInPage email={email} next={next} problem={`Too many sign-in attempts for this account or from this address. Wait ${minutes === 1 ? 'a minute' : `about ${minutes} minutes`}, then try again.`} />,
          429,
        );
      }
      if (r.reason === 'deactivated') return c.html(<SignInPage next={next} problem="This account is deactivated, so it cannot sign in. Ask a manager or an admin." />, 403);
      return c.html(<SignInPage email={email} next={next} problem="That email and password do not match. Check both and try again." />, 401);
    }
    // A new session for every sign-in; the one this browser had before (if any) ends.
    const old = readSessionCookie(c);
    if (old) await deleteSession(db, sha256(old));
    const s = await createSession(db, r.user.id, { now: clock.now(), days: config.sessionDays, maxDays: config.sessionMaxDays, ip: clientIp(c, config.trustedProxy), userAgent: c.req.header('user-agent') });
    writeSessionCookie(c, s.token, { secure: isHttps(c, config.trustedProxy), maxAgeSeconds: Math.min(config.sessionDays, config.sessionMaxDays) * 86_400 });
    return c.redirect(next ?? '/home', 303);
  });

  app.post('/sign-out', async (c) => {
    const auth = c.var.auth;
    if (auth?.via === 'session') await deleteSession(c.var.deps.db, auth.sessionId);
    clearSessionCookie(c, isHttps(c, c.var.deps.config.trustedProxy));
    return c.redirect('/sign-in?out=1', 303);
  });

  app.get('/me', async (c) => {
    const q = c.req.query();
    const notice = q.revoked ? 'Token revoked: it no longer works.' : q.password ? 'Password changed. Your other sessions have ended.' : undefined;
    return renderMe(c, 200, { notice });
  });

  app.post('/me/tokens', async (c) => {
    const values = await formValues(c);
    const parsed = tokenNameSchema.safeParse(values);
    if (!parsed.success) return renderMe(c, 422, { tokenForm: { values, errors: fieldErrors(parsed.error) } });
    const { token } = await createApiToken(c.var.deps.db, c.var.user!.id, parsed.data.name, c.var.actor, c.var.deps.clock.now());
    return renderMe(c, 201, { newToken: { name: parsed.data.name, token } });
  });

  app.post('/me/tokens/:id/revocation', async (c) => {
    const id = parseId(c.req.param('id'));
    const row = id && (await revokeToken(c.var.deps.db, c.var.user!.id, id, c.var.actor, c.var.deps.clock.now()));
    if (!row) return c.html(<MessagePage title="Token not found" message="You have no token with that number." />, 404);
    return c.redirect('/me?revoked=1#tokens', 303);
  });

  app.post('/me/password', async (c) => {
    const values = await formValues(c);
    const parsed = passwordChangeSchema.safeParse(values);
    if (!parsed.success) return renderMe(c, 422, { passwordForm: { values: {}, errors: fieldErrors(parsed.error) } });
    const auth = c.var.auth;
    const r = await changeOwnPassword(c.var.deps.db, c.var.user!.id, parsed.data, c.var.actor, auth?.via === 'session' ? auth.sessionId : undefined);
    if (!r.ok) return renderMe(c, 422, { passwordForm: { values: {}, errors: r.errors } });
    return c.redirect('/me?password=1#password', 303);
  });

  app.post('/me/sign-out-everywhere', async (c) => {
    await signOutEverywhere(c.var.deps.db, c.var.user!.id, c.var.actor);
    clearSessionCookie(c, isHttps(c, c.var.deps.config.trustedProxy));
    return c.redirect('/sign-in?out=everywhere', 303);
  });

  return app;
}

async function allUsers(db: Db) {
  return db.select().from(users).orderBy(asc(users.name), asc(users.id));
}

const NOTICES: Record<string, string> = {
  added: 'Added to the team.',
  saved: 'Changes saved.',
  deactivated: 'Deactivated: they can no longer sign in, and their sessions have ended. Their history stays.',
  reactivated: 'Reactivated: they can sign in again.',
};

const userForm = (u: UserRow): Record<string, unknown> => ({
  name: u.name,
  email: u.email,
  role: u.role,
  level: u.level,
  capacity: u.capacity,
  region: u.region,
  state: u.state,
  leaveFrom: u.leaveFrom,
  leaveUntil: u.leaveUntil,
  version: u.version,
});

export function teamPages() {
  const app = new Hono<AppEnv>();

  const roster = async (c: Context<AppEnv>, status: 200 | 201 | 403 | 404 | 409 | 422, extra: { notice?: string; problem?: string; newPassword?: { name: string; password: string } } = {}) => {
    const list = await allUsers(c.var.deps.db);
    if (extra.newPassword) noStore(c);
    return c.html(<RosterPage users={list.map(userJson)} {...extra} />, status);
  };

  const notFound = (c: Context<AppEnv>) => c.html(<MessagePage title="Not found" message="There is nobody with that number on the team." />, 404);

  app.get('/team', (c) => {
    const moved = c.req.query('reassigned');
    if (moved && /^\d{1,7}$/.test(moved)) return roster(c, 200, { notice: `Changes saved. ${moved} ${moved === '1' ? 'account was' : 'accounts were'} reassigned by the ownership rules; each move is in the audit trail.` });
    return roster(c, 200, { notice: NOTICES[Object.keys(c.req.query()).find((k) => k in NOTICES) ?? ''] });
  });

  // The capacity field starts at the policy's default, the one a blank field gets.
  app.get('/team/new', async (c) => {
    const capacity = await policyCapacity(c.var.deps.db);
    return c.html(<UserFormPage form={emptyForm({ role: 'rep', level: 1, capacity, state: 'active' })} mode="new" defaultCapacity={capacity} />);
  });

  app.post('/team', async (c) => {
    const values = await formValues(c);
    const parsed = newUserSchema.safeParse(values);
    const again = async (status: 403 | 422, errors: Record<string, string>, problem?: string) =>
      c.html(<UserFormPage form={{ values: withoutPasswords(values), errors }} mode="new" problem={problem} defaultCapacity={await policyCapacity(c.var.deps.db)} />, status);
    if (!parsed.success) return again(422, fieldErrors(parsed.error));
    const generated = parsed.data.password ? null : generatePassword();
    const r = await createUser(c.var.deps.db, { ...parsed.data, password: parsed.data.password ?? generated }, c.var.actor);
    if (!r.ok) return r.reason === 'forbidden' ? again(403, {}, r.message) : again(422, r.reason === 'invalid' ? r.errors : {});
    if (generated) return roster(c, 201, { notice: NOTICES.added, newPassword: { name: r.user.name, password: generated } });
    return c.redirect('/team?added=1', 303);
  });

  app.get('/team/:id/edit', async (c) => {
    const id = parseId(c.req.param('id'));
    const [u] = id ? await c.var.deps.db.select().from(users).where(eq(users.id, id)) : [];
    if (!u) return notFound(c);
    const problem = userChangeProblem(c.var.actor, u, {});
    if (problem) return forbidden(c, problem);
    return c.html(<UserFormPage form={emptyForm(userForm(u))} mode="edit" id={u.id} name={u.name} defaultCapacity={await policyCapacity(c.var.deps.db)} />);
  });

  app.post('/team/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFound(c);
    const values = await formValues(c);
    const parsed = userEditSchema.safeParse(values);
    const again = async (status: 403 | 409 | 422, form: FormState, msg?: { conflict?: string; problem?: string }) =>
      c.html(<UserFormPage form={form} mode="edit" id={id} {...msg} defaultCapacity={await policyCapacity(c.var.deps.db)} />, status);
    if (!parsed.success) return again(422, { values: withoutPasswords(values), errors: fieldErrors(parsed.error) });
    const { version, ...patch } = parsed.data;
    // A capacity cleared on the form is null: updateUser makes it the policy's default again (as on the new-person form).
    const r = await updateUser(c.var.deps.db, id, version, patch, c.var.actor);
    if (r.ok) return c.redirect(r.reassigned ? `/team?reassigned=${r.reassigned}` : '/team?saved=1', 303);
    return failedEdit(c, r, (status, f) =>
      f.reason === 'conflict'
        ? again(409, { values: { ...withoutPasswords(values), version: f.current.version }, errors: {} }, { conflict: `${f.current.name} was changed by someone else while you edited. Your values are kept below; saving again will replace theirs.` })
        : f.reason === 'forbidden'
          ? again(403, { values: withoutPasswords(values), errors: {} }, { problem: f.message })
          : again(422, { values: withoutPasswords(values), errors: f.reason === 'invalid' ? f.errors : {} }),
    );
  });

  const stateChange = (path: 'deactivation' | 'reactivation', state: 'deactivated' | 'active') =>
    app.post(`/team/:id/${path}`, async (c) => {
      const id = parseId(c.req.param('id'));
      if (!id) return notFound(c);
      const values = await formValues(c);
      const version = /^\d+$/.test(values.version ?? '') ? Number(values.version) : undefined;
      const r = await updateUser(c.var.deps.db, id, version, { state }, c.var.actor);
      if (r.ok) return c.redirect(r.reassigned ? `/team?reassigned=${r.reassigned}` : `/team?${state === 'active' ? 'reactivated' : 'deactivated'}=1`, 303);
      if (r.reason === 'not_found') return notFound(c);
      if (r.reason === 'forbidden') return roster(c, 403, { problem: r.message });
      if (r.reason === 'conflict') return roster(c, 409, { problem: `${r.current.name} changed while you were looking: check the list and try again.` });
      return roster(c, 422, { problem: Object.values(r.errors).join(' ') });
    });
  stateChange('deactivation', 'deactivated');
  stateChange('reactivation', 'active');

  return app;
}

function failedEdit(c: Context<AppEnv>, f: UserFailure, render: (status: number, f: UserFailure) => Response | Promise<Response>) {
  if (f.reason === 'not_found') return c.html(<MessagePage title="Not found" message="There is nobody with that number on the team." />, 404);
  return render(0, f);
}
