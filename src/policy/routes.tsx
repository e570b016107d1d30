import { Hono } from 'hono';
import { desc } from 'drizzle-orm';
import type { AppEnv } from '../app-env.ts';
import { policies } from '../db/schema.ts';
import { PolicyPage } from '../../views/policy/show.tsx';
import { currentPolicy } from './store.ts';

export function policyPages() {
  const app = new Hono<AppEnv>();
  app.get('/policy', async (c) => {
    const { db } = c.var.deps;
    const { version, policy } = await currentPolicy(db);
    const [row] = await db.select().from(policies).orderBy(desc(policies.version)).limit(1);
    return c.html(<PolicyPage version={version} policy={policy} createdAt={row!.createdAt} createdBy={row!.createdBy} />);
  });
  return app;
}

export function policyApi() {
  const app = new Hono<AppEnv>();
  app.get('/policy', async (c) => {
    const { version, policy } = await currentPolicy(c.var.deps.db);
    return c.json({ version, policy });
  });
  return app;
}
