import { Hono, type Context } from 'hono';
import { asc, eq } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import { users } from '../db/schema.ts';
import { notFoundJson, parseId, validJson } from '../shared/http.ts';
import { createUser, updateUser, type UserFailure } from './actions.ts';
import { userJson } from './model.ts';
import { newUserApiSchema, userPatchSchema } from './validation.ts';

// The JSON twins of one's own page and the team roster. A user made here without a password can
// use the API (with a token from `npm run user:create -- --token` or their page) but not sign in.

function failure(c: Context, f: UserFailure) {
  if (f.reason === 'not_found') return notFoundJson(c, 'user');
  if (f.reason === 'forbidden') return c.json({ error: f.message }, 403);
  if (f.reason === 'conflict') return c.json({ error: 'conflict: the user changed since the version you sent', currentVersion: f.current.version, current: userJson(f.current) }, 409);
  return c.json({ error: 'validation failed', issues: Object.entries(f.errors).map(([path, message]) => ({ path, message })) }, 422);
}

export function userApi() {
  const app = new Hono<AppEnv>();

  app.get('/me', async (c) => {
    const [row] = await c.var.deps.db.select().from(users).where(eq(users.id, c.var.user!.id));
    return c.json(userJson(row!));
  });

  app.get('/users', async (c) => {
    const rows = await c.var.deps.db.select().from(users).orderBy(asc(users.role), asc(users.level), asc(users.name), asc(users.id));
    return c.json({ users: rows.map(userJson) });
  });

  app.post('/users', async (c) => {
    const parsed = await validJson(c, newUserApiSchema);
    if (!parsed.ok) return parsed.response;
    const r = await createUser(c.var.deps.db, parsed.data, c.var.actor);
    if (!r.ok) return failure(c, r);
    c.header('Location', `/api/users/${r.user.id}`);
    return c.json(userJson(r.user), 201);
  });

  app.get('/users/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const [row] = id ? await c.var.deps.db.select().from(users).where(eq(users.id, id)) : [];
    return row ? c.json(userJson(row)) : notFoundJson(c, 'user');
  });

  app.patch('/users/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'user');
    const parsed = await validJson(c, userPatchSchema);
    if (!parsed.ok) return parsed.response;
    const { version, ...patch } = parsed.data;
    const r = await updateUser(c.var.deps.db, id, version, patch, c.var.actor);
    return r.ok ? c.json({ ...userJson(r.user), reassignedAccounts: r.reassigned ?? 0 }) : failure(c, r);
  });

  return app;
}
