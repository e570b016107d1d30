import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { MessagePage } from '../../views/errors.tsx';
import { DemoRefusedError } from './load-demo.ts';
import { loadDemoWithTeam } from './demo-team.ts';

// Loading the demo is only allowed into an empty database, so it can never mix with real data.
// From here (an admin's button, or the API) the demo people come without passwords; `npm run demo`
// gives them their published demo passwords and prints them.

export function demoPages() {
  const app = new Hono<AppEnv>();
  app.post('/demo', async (c) => {
    try {
      await loadDemoWithTeam(c.var.deps.db, { today: c.var.deps.clock.today(), passwords: false, actor: c.var.actor });
      return c.redirect('/prospects', 303);
    } catch (err) {
      if (err instanceof DemoRefusedError)
        return c.html(<MessagePage title="Demo not loaded" message="The demo data loads only into an empty database, and this one already has prospects." />, 409);
      throw err;
    }
  });
  return app;
}

export function demoApi() {
  const app = new Hono<AppEnv>();
  app.post('/demo', async (c) => {
    try {
      const { loaded } = await loadDemoWithTeam(c.var.deps.db, { today: c.var.deps.clock.today(), passwords: false, actor: c.var.actor });
      return c.json(loaded, 201);
    } catch (err) {
      if (err instanceof DemoRefusedError) return c.json({ error: 'the demo loads only into an empty database' }, 409);
      throw err;
    }
  });
  return app;
}
