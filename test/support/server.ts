import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../src/db/client.ts';
import { testApp } from './app.ts';

/** The app on a real loopback port (for the browser), closed by the returned function. */
export async function startTestServer(db: Db, today = '2026-06-30'): Promise<{ url: string; close(): Promise<void> }> {
  const { app } = testApp(db, today);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((res) => server.close(() => res())),
      });
    });
  });
}
