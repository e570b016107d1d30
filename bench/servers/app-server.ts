// The real app (createApp) for the page benchmarks: PostgreSQL when DATABASE_URL is set, else
// PGlite in DATA_DIR; 127.0.0.1 on a free port; clock fixed at BENCH_AS_OF; no scheduler.

import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.tsx';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { BENCH_AS_OF } from '../config.ts';
import { failIpc, serveIpc } from './ipc.ts';

try {
  const config = parseConfig({ ...process.env, HOST: '127.0.0.1', SCHEDULER: 'off' });
  const database = await openDatabase(config);
  const app = createApp({ db: database.db, config, clock: fixedClock(BENCH_AS_OF) });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
    serveIpc(info.port, async () => {
      await new Promise<void>((res) => server.close(() => res()));
      // Requests the load generator abandoned at its deadline may still be running.
      await new Promise((res) => setTimeout(res, 1000));
      await database.close();
    });
  });
} catch (err) {
  failIpc(err);
}
