// The baseline for the page benchmarks: node:http + postgres.js running the statements the app
// sends (captured from it at the start of the run, see bench/bare-queries.ts; unnamed statements,
// as drizzle sends them), rows returned as JSON. No framework, no validation, no grading, no HTML.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { runCase, statementsFor, type Captured, type PageCase, type Stmt } from '../bare-queries.ts';
import { failIpc, serveIpc } from './ipc.ts';

try {
  const { captured, cases } = JSON.parse(readFileSync(process.env.BARE_STATEMENTS!, 'utf8')) as { captured: Captured; cases: PageCase[] };
  const byPath = new Map(cases.filter((c) => !c.prospect).map((c) => [c.path, c.name]));
  const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.DB_POOL_MAX ?? 10), onnotice: () => {}, idle_timeout: 30 });
  const run = (s: Stmt) => sql.unsafe(s.text, s.params as never[], { prepare: false }) as unknown as Promise<unknown[]>;

  const server = createServer(async (req, res) => {
    try {
      const m = /^\/prospects\/(\d+)$/.exec(req.url ?? '');
      const name = m ? 'prospect' : byPath.get(req.url ?? '');
      if (!name) {
        res.writeHead(404).end();
        return;
      }
      const rows = await runCase(run, statementsFor(captured, name, m ? Number(m[1]) : undefined), !!m);
      if (!rows) {
        res.writeHead(404).end();
        return;
      }
      const json = JSON.stringify(rows);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  server.listen(0, '127.0.0.1', () => {
    serveIpc((server.address() as AddressInfo).port, async () => {
      await new Promise<void>((res) => server.close(() => res()));
      // Requests the load generator abandoned at its deadline may still be running.
      await new Promise((res) => setTimeout(res, 1000));
      await sql.end({ timeout: 5 });
    });
  });
} catch (err) {
  failIpc(err);
}
