import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../src/db/client.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { testApp } from './app.ts';
import { PEOPLE, ensureUser, sessionToken, type TestUser } from './auth.ts';

export type TestServer = {
  url: string;
  close(): Promise<void>;
  /** A signed-in session cookie for a browser context (default: the manager "web"), made in the database. */
  sessionCookie(who?: TestUser): Promise<{ name: string; value: string; url: string }>;
};

/** The app on a real loopback port (for the browser), closed by the returned function. Requests carry no credentials of their own. */
export async function startTestServer(db: Db, today = '2026-06-30'): Promise<TestServer> {
  const clock = fixedClock(today);
  const { hono } = testApp(db, today, clock);
  return new Promise((resolve) => {
    const server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      const url = `http://127.0.0.1:${info.port}`;
      resolve({
        url,
        close: () => new Promise<void>((res) => server.close(() => res())),
        sessionCookie: async (who: TestUser = PEOPLE.web) => {
          const user = await ensureUser(db, who);
          return { name: 'pipegrade_session', value: await sessionToken(db, user.id, clock.now()), url };
        },
      });
    });
  });
}
