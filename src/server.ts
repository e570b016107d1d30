import { serve } from '@hono/node-server';
import { resolve } from 'node:path';
import { createApp } from './app.tsx';
import { ConfigError, parseConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { quarterlyRetierJob } from './customers/jobs.ts';
import { dailyRegradeJob } from './grading/jobs.ts';
import { weeklySnapshotJob } from './review/jobs.ts';
import { importCleanupJob } from './import/cleanup.ts';
import { startScheduler } from './jobs/scheduler.ts';
import { ensureDefaultPolicy } from './policy/store.ts';
import { anyoneCanSignIn } from './users/sign-in.ts';
import { systemClock } from './shared/clock.ts';

// The only module that reads the environment and the real clock.

async function main() {
  const started = performance.now();
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${resolve(config.dataDir)}`;
  const database = await openDatabase(config);
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  const firstRun = !(await anyoneCanSignIn(database.db));
  const clock = systemClock(config.orgTimeZone);
  const app = createApp({ db: database.db, config, clock });

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
    const ms = Math.round(performance.now() - started);
    console.log(`pipegrade is running on ${where} (started in ${ms} ms).`);
    console.log(`  Open http://localhost:${config.port}`);
    if (firstRun) console.log('  Nobody can sign in yet: create the first admin with npm run user:create -- --email you@example.com --name "Your Name" --role admin (or stop and run npm run demo, which prints its demo team\'s passwords).');
    console.log(`  No data yet? As an admin, click "Load demo data" on the prospects page, or stop and run: npm run demo`);
  });
  const scheduler = config.scheduler ? startScheduler(database.db, clock, [dailyRegradeJob, quarterlyRetierJob, weeklySnapshotJob, importCleanupJob]) : null;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: finishing requests in flight, then stopping.`);
    const force = setTimeout(() => {
      console.error('Still busy after 20 s; exiting anyway.');
      process.exit(1);
    }, 20_000);
    force.unref();
    // No new connections from now on; requests in flight finish, and so does a scheduled job's
    // current transaction (scheduler.stop() refuses it the next one), at the same time.
    await Promise.all([new Promise<void>((res) => server.close(() => res())), scheduler?.stop()]);
    await database.close();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('pipegrade could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
