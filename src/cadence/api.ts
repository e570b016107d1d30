import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { hasRole } from '../access/rules.ts';
import { currentPolicy } from '../policy/store.ts';
import { validationError } from '../shared/http.ts';
import { overdueTouches } from './queries.ts';

// GET /api/cadence/overdue?owner=&limit=: overdue touches, most overdue first. Reps get their
// own; managers and admins anyone's (owner=<id>) or everyone's (no owner).

const one = (v: unknown) => (Array.isArray(v) ? v[0] : v === '' ? undefined : v);
export const overdueQuerySchema = z.object({
  owner: z.preprocess(one, z.coerce.number({ error: 'must be a person’s number' }).int().min(1).max(2_147_483_647).optional()),
  limit: z.preprocess(one, z.coerce.number({ error: 'must be a number from 1 to 500' }).int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500').default(50)),
});

export function cadenceApi() {
  const app = new Hono<AppEnv>();

  app.get('/cadence/overdue', async (c) => {
    const parsed = overdueQuerySchema.safeParse(c.req.queries());
    if (!parsed.success) return validationError(c, parsed.error);
    const { db, clock } = c.var.deps;
    const user = c.var.user!;
    let owner = parsed.data.owner;
    if (!hasRole(user.role, 'manager')) {
      if (owner !== undefined && owner !== user.id) return c.json({ error: 'reps see their own overdue touches; leave owner out or send your own id' }, 403);
      owner = user.id;
    }
    const today = clock.today();
    const { policy } = await currentPolicy(db);
    const r = await overdueTouches(db, policy, today, owner === undefined ? {} : { ownerId: owner }, parsed.data.limit);
    return c.json({ asOf: today, owner: owner ?? null, total: r.total, overdue: r.rows });
  });

  return app;
}
