import { createApp } from '../../src/app.tsx';
import { parseConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import type { UserRow } from '../../src/db/schema.ts';
import { fixedClock, type Clock } from '../../src/shared/clock.ts';
import { PEOPLE, apiToken, cookieHeader, ensureUser, sessionExists, sessionToken, tokenExists, type TestUser } from './auth.ts';

export type ActAs = 'manager' | 'rep' | 'otherRep' | 'admin' | 'anonymous' | TestUser;

export type TestAppOptions = {
  /**
   * Who the requests come from. Default: a manager, named "web" on pages (session cookie) and "api"
   * on /api (bearer token). Users and credentials are made on the first request and again after a
   * database reset; each page request also carries this site's Origin, as a browser's form post does.
   */
  as?: ActAs;
  env?: Record<string, string>;
};

/** The app over a test database with a fixed clock; requests go through app.request(), no server. */
export function testApp(db: Db, today = '2026-06-30', clock: Clock = fixedClock(today), opts: TestAppOptions = {}) {
  const hono = createApp({ db, config: parseConfig({ SCHEDULER: 'off', ...opts.env }), clock });
  const as = opts.as ?? 'manager';
  const people = (api: boolean): TestUser | null => {
    if (as === 'anonymous') return null;
    if (as === 'manager') return api ? PEOPLE.api : PEOPLE.web;
    return typeof as === 'string' ? PEOPLE[as] : as;
  };
  const cache: { page?: { user: UserRow; token: string }; api?: { user: UserRow; token: string } } = {};

  /** This app's credentials for pages or the API, made again if a reset removed them. */
  async function credentials(api: boolean): Promise<{ user: UserRow; token: string } | null> {
    const who = people(api);
    if (!who) return null;
    const key = api ? 'api' : 'page';
    try {
      const have = cache[key];
      if (have && (api ? await tokenExists(db, have.token) : await sessionExists(db, have.token))) return have;
      const user = await ensureUser(db, who);
      const token = api ? await apiToken(db, user.id) : await sessionToken(db, user.id, clock.now());
      return (cache[key] = { user, token });
    } catch {
      // The database cannot be reached: send something anyway and let the app answer (503).
      return { user: { id: 0 } as UserRow, token: 'pgt_unreachable' };
    }
  }

  async function request(path: string, init: RequestInit = {}, env?: unknown): Promise<Response> {
    const api = path.startsWith('/api/') || path === '/api';
    const headers = new Headers(init.headers);
    const cred = await credentials(api);
    if (cred && api && !headers.has('authorization')) headers.set('authorization', `Bearer ${cred.token}`);
    if (cred && !api && !headers.has('cookie')) headers.set('cookie', cookieHeader(cred.token));
    if (!api && !headers.has('origin')) headers.set('origin', 'http://localhost');
    return hono.request(path, { ...init, headers }, env as never);
  }

  const app = { request, fetch: hono.fetch, routes: hono.routes };
  const form = (path: string, fields: Record<string, string | number>, headers: Record<string, string> = {}) =>
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString(),
    });
  const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    app,
    /** The Hono app itself: requests to it carry no credentials. */
    hono,
    form,
    json,
    get: (path: string, headers: Record<string, string> = {}) => request(path, { headers }),
    /** The user page requests act as (made if needed); null when anonymous. */
    user: async () => (await credentials(false))?.user ?? null,
    /** The user API requests act as. */
    apiUser: async () => (await credentials(true))?.user ?? null,
  };
}

/** The text of an HTML page with tags removed and whitespace folded, for assertions on what a person reads. */
export function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value attribute of the input named `name` (first match). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0];
  return tag?.match(/value="([^"]*)"/)?.[1];
}
