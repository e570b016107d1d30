import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import type { Db } from '../db/client.ts';
import { hasRole } from '../access/rules.ts';
import { currentPolicy } from '../policy/store.ts';
import { validationError } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import type { SessionUser } from '../users/model.ts';
import { HomePage } from '../../views/home/page.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { findUser, homeReps, loadHome } from './queries.ts';

// A rep's home: their overdue touches, A list, stale prospects and this week's changes. Reps see
// their own; managers and admins the whole team's by default, or one person's with ?rep=<id>.

const one = (v: unknown) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v);
export const homeQuerySchema = z.object({
  rep: z.preprocess(
    one,
    z
      .string()
      .trim()
      .regex(/^(team|[1-9]\d{0,8})$/, 'must be a person’s number, or empty for the whole team')
      .transform((v) => (v === 'team' ? ('team' as const) : Number(v)))
      .optional(),
  ),
});

type Scope = { ok: true; rep: { id: number; name: string } | null; choice: string } | { ok: false; status: 403 | 404; message: string };

/** Whose home the viewer asked for, and whether they may see it. */
export async function resolveScope(db: Db, viewer: SessionUser, rep: number | 'team' | undefined): Promise<Scope> {
  const manager = hasRole(viewer.role, 'manager');
  if (rep === undefined) rep = manager ? 'team' : viewer.id;
  if (!manager && rep !== viewer.id) return { ok: false, status: 403, message: 'Reps see their own home; a manager can look at anyone’s.' };
  if (rep === 'team') return { ok: true, rep: null, choice: '' };
  if (rep === viewer.id) return { ok: true, rep: { id: viewer.id, name: viewer.name }, choice: String(rep) };
  const u = await findUser(db, rep);
  if (!u) return { ok: false, status: 404, message: `There is no person number ${rep}.` };
  return { ok: true, rep: { id: u.id, name: u.name }, choice: String(u.id) };
}

async function home(c: Context<AppEnv>, rep: { id: number; name: string } | null) {
  const { db, clock, config } = c.var.deps;
  const { policy } = await currentPolicy(db);
  return loadHome(db, policy, clock.today(), config.orgTimeZone, rep);
}

export function homePages() {
  const app = new Hono<AppEnv>();

  app.get('/home', async (c) => {
    const parsed = homeQuerySchema.safeParse(c.req.queries());
    if (!parsed.success) return c.html(<MessagePage title="Whose home?" message={`rep ${fieldErrors(parsed.error).rep ?? 'is not valid'}.`} />, 422);
    const user = c.var.user!;
    const scope = await resolveScope(c.var.deps.db, user, parsed.data.rep);
    if (!scope.ok) return c.html(<MessagePage title={scope.status === 404 ? 'Not found' : 'Not allowed'} message={scope.message} />, scope.status);
    const manager = hasRole(user.role, 'manager');
    const [data, reps] = await Promise.all([home(c, scope.rep), manager ? homeReps(c.var.deps.db) : null]);
    return c.html(<HomePage home={data} reps={reps} choice={scope.choice} />);
  });

  return app;
}

export function homeApi() {
  const app = new Hono<AppEnv>();

  app.get('/home', async (c) => {
    const parsed = homeQuerySchema.safeParse(c.req.queries());
    if (!parsed.success) return validationError(c, parsed.error);
    const scope = await resolveScope(c.var.deps.db, c.var.user!, parsed.data.rep);
    if (!scope.ok) return c.json({ error: scope.message }, scope.status);
    return c.json(await home(c, scope.rep));
  });

  return app;
}
