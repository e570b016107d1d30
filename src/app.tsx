import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { contextStorage } from 'hono/context-storage';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { sql } from 'drizzle-orm';
import type { AppEnv, Deps } from './app-env.ts';
import { customerApi } from './customers/customer-api.ts';
import { customerPages } from './customers/routes.tsx';
import { tieringApi } from './customers/api.ts';
import { demoApi, demoPages } from './demo/routes.tsx';
import { gradingApi } from './grading/api.ts';
import { policyApi, policyPages } from './policy/routes.tsx';
import { prospectApi } from './prospects/api.ts';
import { prospectPages } from './prospects/routes.tsx';
import { isHtmx } from './shared/http.ts';
import { errorForLog, isDatabaseUnavailable } from './db/errors.ts';
import { isApi, selfOrigin } from './access/client.ts';
import { authenticate, authorize, forbidden } from './access/middleware.tsx';
import { ownerApi, ownerPages } from './ownership/routes.tsx';
import { auditApi, auditPages } from './audit/routes.tsx';
import { userApi } from './users/api.ts';
import { authPages, teamPages } from './users/routes.tsx';
import { homeApi, homePages } from './home/routes.tsx';
import { cadenceApi } from './cadence/api.ts';
import { calibrationApi, calibrationPages } from './calibration/routes.tsx';
import { reviewApi } from './review/api.ts';
import { reviewPages } from './review/routes.tsx';
import { ErrorFragment, MessagePage } from '../views/errors.tsx';
import { importPages, isImportUpload } from './import/routes.tsx';
import { importApi } from './import/api.ts';
import { openApiApi, openApiPages } from './openapi/routes.tsx';

const require = createRequire(import.meta.url);
const assets = {
  'app.css': { body: readFileSync(new URL('../views/assets/app.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  'htmx.min.js': { body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')), type: 'text/javascript; charset=utf-8' },
  'review-print.js': { body: readFileSync(new URL('../views/review/print.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
} as const;

export const MAX_BODY_BYTES = 1024 * 1024;

/** The whole web app for some dependencies; no globals, so tests build as many as they like. */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>();

  // The request's context is reachable from views and the audit trail (who is acting).
  app.use('*', contextStorage());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('actor', { name: 'anonymous', id: null, role: null });
    c.set('user', null);
    c.set('auth', null);
    await next();
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  // An API answer is data, never a page to render (ASVS 14.4.2): a browser that opens it saves it.
  app.use('*', async (c, next) => {
    await next();
    if (isApi(c) && (c.res.headers.get('content-type') ?? '').startsWith('application/json') && !c.res.headers.has('content-disposition'))
      c.res.headers.set('Content-Disposition', 'attachment; filename="api.json"');
  });

  // PostgreSQL text cannot hold U+0000 and no address of this app has one: refused before any
  // filter reaches a query with it. (Body fields are checked by their schemas.)
  app.use('*', async (c, next) => {
    if (!c.req.url.includes('%00')) return next();
    const message = 'The address contains a NUL character (%00), which no field accepts.';
    return isApi(c) ? c.json({ error: message }, 400) : c.html(<MessagePage title="Bad address" message={message} />, 400);
  });

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      isApi(c)
        ? c.json({ error: `request body too large (limit ${MAX_BODY_BYTES} bytes)` }, 413)
        : c.html(<MessagePage title="Too large" message={`That request is larger than ${MAX_BODY_BYTES / 1024} KiB.`} />, 413),
  });
  // CSV uploads stream their body to the database under their own, larger limit (src/import).
  app.use('*', (c, next) => (isImportUpload(c.req.method, c.req.path) ? next() : limitBody(c, next)));

  // Cross-site request forgery: a form post (or any non-JSON body) to a page must come from a page
  // of this site, as the browser's Origin or Sec-Fetch-Site header says. htmx sends both. The API
  // takes bearer tokens only, never cookies, so a cross-site page cannot act through it.
  const csrfCheck = csrf({ origin: (origin, c) => origin === selfOrigin(c, deps.config.trustedProxy) });
  app.use('*', async (c, next) => {
    if (isApi(c)) return next();
    try {
      await csrfCheck(c, async () => {});
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403) return forbidden(c, 'This form was sent from another site, or your browser did not say where from, so it was refused. Reload the page and try again.');
      throw err;
    }
    await next();
  });

  // Who is asking, and whether they may: the rules of src/access/rules.ts, for every route.
  app.use('*', authenticate());
  app.use('*', authorize());

  app.get('/assets/:name', (c) => {
    const a = assets[c.req.param('name') as keyof typeof assets];
    if (!a) return c.notFound();
    c.header('Content-Type', a.type);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(new Uint8Array(a.body));
  });

  app.get('/healthz', async (c) => {
    try {
      await deps.db.execute(sql`select 1`);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false, error: 'database unavailable' }, 503);
    }
  });

  app.get('/', (c) => c.redirect(`/home${new URL(c.req.url).search}`));
  app.route('/', homePages());
  app.route('/', calibrationPages());
  app.route('/', authPages());
  app.route('/', teamPages());
  app.route('/', auditPages());
  app.route('/', ownerPages());
  app.route('/', prospectPages());
  app.route('/', customerPages());
  app.route('/', policyPages());
  app.route('/', reviewPages());
  app.route('/', demoPages());
  app.route('/', importPages());
  app.route('/', openApiPages());

  const api = new Hono<AppEnv>();
  api.route('/', prospectApi());
  api.route('/', customerApi());
  api.route('/', gradingApi());
  api.route('/', tieringApi());
  api.route('/', policyApi());
  api.route('/', reviewApi());
  api.route('/', demoApi());
  api.route('/', userApi());
  api.route('/', auditApi());
  api.route('/', ownerApi());
  api.route('/', homeApi());
  api.route('/', cadenceApi());
  api.route('/', calibrationApi());
  api.route('/', importApi());
  api.route('/', openApiApi());
  app.route('/api', api);

  app.notFound((c) =>
    isApi(c) ? c.json({ error: 'not found' }, 404) : c.html(<MessagePage title="Not found" message="There is no page at this address." />, 404),
  );

  app.onError((err, c) => {
    const unavailable = isDatabaseUnavailable(err);
    const status = unavailable ? 503 : 500;
    const message = unavailable
      ? 'The database is not reachable right now. Nothing was saved; please try again in a moment.'
      : 'Something went wrong on our side. Nothing was saved; please try again.';
    // Logged without a failed query's parameters, which may hold a hash.
    if (!unavailable) console.error(`[error] ${c.req.method} ${c.req.path}: ${errorForLog(err)}`);
    else console.warn(`[warn] database unavailable during ${c.req.method} ${c.req.path}: ${(err as Error).message.replace(/\nparams: [\s\S]*$/, '')}`);
    if (unavailable) c.header('Retry-After', '5');
    if (isApi(c)) return c.json({ error: message }, status);
    if (isHtmx(c)) {
      c.header('HX-Retarget', '#flash');
      c.header('HX-Reswap', 'innerHTML');
      return c.html(<ErrorFragment message={message} />, status);
    }
    return c.html(<MessagePage title={unavailable ? 'Service unavailable' : 'Error'} message={message} />, status);
  });

  return app;
}
