// The baseline for the territory benchmark: node:http + postgres.js running the same two reads
// the territory page makes (the reps, the accounts grouped by owner and requirement), rows
// returned as JSON. No framework, no sign-in, no load arithmetic, no HTML.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { failIpc, serveIpc } from './ipc.ts';

try {
  const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.DB_POOL_MAX ?? 10), onnotice: () => {}, idle_timeout: 30 });
  const server = createServer(async (req, res) => {
    if (req.url !== '/territory') {
      res.writeHead(404).end();
      return;
    }
    try {
      const [reps, groups] = await Promise.all([
        sql.unsafe(`select id, name, email, level, capacity, state, region from users where role = 'rep' and level is not null order by level desc, id`),
        sql.unsafe(`select owner_id as "ownerId", kind, status, grade, tier, count(*)::int as n,
            (count(*) filter (where 'stale' = any(flags)))::int as stale, (count(*) filter (where pinned))::int as pinned,
            (count(*) filter (where unassignable))::int as unassignable
          from accounts group by 1, 2, 3, 4, 5`),
      ]);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reps, groups }));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  server.listen(0, '127.0.0.1', () => {
    serveIpc((server.address() as AddressInfo).port, async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await sql.end({ timeout: 2 });
    });
  });
} catch (err) {
  failIpc(err);
}
