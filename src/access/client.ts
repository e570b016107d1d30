import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

// What the app knows of the client: its address (for rate limits), whether it came over https
// (for Secure cookies) and the origin it sees the app at. Forwarded headers are believed only with
// TRUSTED_PROXY=on, since anyone can send them.

export const isApi = (c: Context) => c.req.path.startsWith('/api/') || c.req.path === '/api';

/** The client's address: the socket's peer, or with a trusted proxy the last hop it added to X-Forwarded-For. */
export function clientIp(c: Context, trustedProxy: boolean): string {
  if (trustedProxy) {
    const last = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // no socket: app.request() in tests
  }
}

export function isHttps(c: Context, trustedProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return trustedProxy && (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}

/** The origin the browser sees the app at (scheme and host). */
export function selfOrigin(c: Context, trustedProxy: boolean): string {
  const url = new URL(c.req.url);
  if (!trustedProxy) return url.origin;
  const host = (c.req.header('x-forwarded-host') ?? '').split(',')[0]!.trim() || url.host;
  return `${isHttps(c, true) ? 'https' : 'http'}://${host}`;
}

// The session cookie: http-only, SameSite=Lax, and over https Secure with the __Host- prefix (no
// Domain, Path=/), so no other site nor a sub-domain can set or read it.
export const SESSION_COOKIE = 'pipegrade_session';
export const SECURE_SESSION_COOKIE = '__Host-pipegrade_session';

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SECURE_SESSION_COOKIE) ?? getCookie(c, SESSION_COOKIE);
}

export function writeSessionCookie(c: Context, token: string, opts: { secure: boolean; maxAgeSeconds: number }) {
  setCookie(c, opts.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: opts.secure,
    maxAge: opts.maxAgeSeconds,
  });
}

export function clearSessionCookie(c: Context, secure: boolean) {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  if (secure) deleteCookie(c, SECURE_SESSION_COOKIE, { path: '/', secure: true });
}
