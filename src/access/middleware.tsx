import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import { accounts, deals, users } from '../db/schema.ts';
import { sessionUser } from '../users/model.ts';
import { findSession } from '../users/sessions.ts';
import { findTokenUser } from '../users/tokens.ts';
import { isHtmx, parseId } from '../shared/http.ts';
import { ErrorFragment, MessagePage } from '../../views/errors.tsx';
import { clearSessionCookie, isApi, isHttps, readSessionCookie } from './client.ts';
import { decide, mayChangeAccount, ruleFor, type Rule } from './rules.ts';

// Who is asking (authenticate) and whether they may (authorize): the two middlewares every
// request passes. Pages know people by their session cookie, the API by a bearer token only
// (a cookie is never accepted there, so a cross-site page cannot use it).

export const authenticate = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const { db, clock, config } = c.var.deps;
  c.set('user', null);
  c.set('auth', null);
  c.set('actor', { name: 'anonymous', id: null, role: null });
  // Assets and the health check need no one, and no database.
  if (c.req.path.startsWith('/assets/') || c.req.path === '/healthz') return next();
  const now = clock.now();
  if (isApi(c)) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    const found = m ? await findTokenUser(db, m[1]!, now) : null;
    if (found) {
      const user = sessionUser(found.user);
      c.set('user', user);
      c.set('auth', { via: 'token', tokenId: found.token.id });
      c.set('actor', { name: user.name, id: user.id, role: user.role });
    }
  } else {
    const token = readSessionCookie(c);
    const found = token ? await findSession(db, token, { now, days: config.sessionDays, maxDays: config.sessionMaxDays }) : null;
    if (found) {
      const user = sessionUser(found.user);
      c.set('user', user);
      c.set('auth', { via: 'session', sessionId: found.session.id });
      c.set('actor', { name: user.name, id: user.id, role: user.role });
    } else if (token) {
      clearSessionCookie(c, isHttps(c, config.trustedProxy));
    }
  }
  await next();
  // What someone signed in sees is theirs: no shared cache may keep it.
  if (c.var.user && !c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'private, no-cache');
};

/** The route that will answer: the first matched one that is not a middleware. */
export function endpointRoute(c: Context): { method: string; path: string } | undefined {
  return matchedRoutes(c).find((r) => r.method !== 'ALL');
}

/** A path parameter's value, read by position from the route's pattern (`/deals/:id/win`). */
export function paramOf(pattern: string, path: string, name: string): string | undefined {
  const i = pattern.split('/').indexOf(`:${name}`);
  return i < 0 ? undefined : path.split('/')[i];
}

export function forbidden(c: Context<AppEnv>, message: string) {
  if (isApi(c)) return c.json({ error: message }, 403);
  if (isHtmx(c)) {
    c.header('HX-Retarget', '#flash');
    c.header('HX-Reswap', 'innerHTML');
    return c.html(<ErrorFragment message={message} />, 403);
  }
  return c.html(<MessagePage title="Not allowed" message={message} />, 403);
}

/** Signed out: the API answers 401; a page sends the browser to sign in and come back. */
export function signInFirst(c: Context<AppEnv>) {
  if (isApi(c)) {
    c.header('WWW-Authenticate', 'Bearer realm="pipegrade"');
    return c.json({ error: 'authentication required: send Authorization: Bearer <token> (make one on your page, /me)' }, 401);
  }
  const here = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : pathOf(c.req.header('HX-Current-URL') ?? c.req.header('referer'), c) ?? '/prospects';
  const to = `/sign-in?next=${encodeURIComponent(here)}`;
  if (isHtmx(c)) {
    c.header('HX-Redirect', to);
    return c.html(<ErrorFragment message="Your session has ended: sign in again." />, 401);
  }
  return c.redirect(to, 303);
}

/** The path of a same-origin URL, for coming back after signing in. */
function pathOf(url: string | undefined, c: Context): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.origin === new URL(c.req.url).origin ? u.pathname + u.search : undefined;
  } catch {
    return undefined;
  }
}

async function ownerOf(c: Context<AppEnv>, rule: Extract<Rule, { kind: 'ownsAccount' | 'ownsDeal' }>, pattern: string) {
  const db = c.var.deps.db;
  const id = parseId(paramOf(pattern, c.req.path, rule.param));
  if (!id) return undefined;
  const accountId = rule.kind === 'ownsAccount' ? id : (await db.select({ accountId: deals.accountId }).from(deals).where(eq(deals.id, id)))[0]?.accountId;
  if (!accountId) return undefined;
  const [row] = await db
    .select({ id: accounts.id, name: accounts.name, ownerId: accounts.ownerId, ownerName: users.name })
    .from(accounts)
    .leftJoin(users, eq(users.id, accounts.ownerId))
    .where(eq(accounts.id, accountId));
  return row;
}

export const authorize = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const user = c.var.user;
  const route = endpointRoute(c);
  if (!route) {
    // No such route: the API still wants a token first; a page is simply not found.
    if (isApi(c) && !user) return signInFirst(c);
    return next();
  }
  const rule = ruleFor(c.req.method, route.path);
  if (!rule) {
    console.warn(`[access] no rule for ${c.req.method} ${route.path}: refused (add it to src/access/rules.ts)`);
    return forbidden(c, 'This action has no access rule yet, so it is refused.');
  }
  const decision = decide(rule, user);
  if (decision === 'allow') return next();
  if (decision === 'signIn') return signInFirst(c);
  if (decision === 'deny') return forbidden(c, 'Your role does not allow this.');
  if (rule.kind !== 'ownsAccount' && rule.kind !== 'ownsDeal') return forbidden(c, 'Your role does not allow this.');
  const account = await ownerOf(c, rule, route.path);
  // An account or deal that is not there: the route answers its own 404.
  if (!account || mayChangeAccount(user!, account.ownerId)) return next();
  if (account.ownerId === null) return forbidden(c, `${account.name} has no owner yet: a manager can change it, or make it yours.`);
  return forbidden(c, `${account.name} is ${account.ownerName ?? 'someone else'}’s: only its owner or a manager can change it.`);
};
