import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { withDatabase } from '../support/context.ts';
import { testDb } from '../support/db.ts';
import { openPostgres, type Database } from '../../src/db/client.ts';
import { ensureDefaultPolicy } from '../../src/policy/store.ts';
import { dateIn } from '../../src/shared/dates.ts';
import { startApp, until, within, type AppProcess } from '../faults/server-process.ts';

// SIGTERM to the app as it runs in production (node --import tsx src/server.ts on PostgreSQL):
// it stops taking connections, finishes the requests in flight and a scheduled job's current
// transaction, and exits 0; a job it stopped, or one whose process was killed, runs again on the
// next start. The test makes requests and jobs slow by holding row locks they need.

type Sql = import('postgres').Sql;

describe.runIf(testDb() === 'postgres')('shutdown', () => {
  const server = testDb() === 'postgres' ? inject('postgres') : undefined;
  const name = `pipegrade_shutdown_${process.pid}`;
  const url = () => withDatabase(server!.adminUrl, name);
  let database: Database;
  let sql: Sql;
  let token: string;
  const apps: AppProcess[] = [];
  const today = dateIn('UTC', new Date()); // the app's clock is the real one

  async function admin(statement: string) {
    const { default: postgres } = await import('postgres');
    const s = postgres(server!.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await s.unsafe(statement);
    } finally {
      await s.end({ timeout: 5 });
    }
  }

  beforeAll(async () => {
    await admin(`drop database if exists ${name} with (force)`);
    await admin(`create database ${name} template ${server!.template}`);
    database = await openPostgres(url(), { max: 2 });
    await ensureDefaultPolicy(database.db);
    const manager = await ensureUser(database.db, PEOPLE.manager);
    token = await apiToken(database.db, manager.id);
    const { default: postgres } = await import('postgres');
    sql = postgres(url(), { max: 3, onnotice: () => {} });
    // 12,000 open prospects graded long ago under no policy version: the daily re-grade rewrites
    // each one, in batches of 5,000 (three transactions).
    await sql`
      insert into accounts (kind, name, name_key, added_on, grade, policy_version, graded_on)
      select 'prospect', 'Shutdown ' || i, 'shutdown ' || i, date '2025-01-01', 'D', 0, date '2025-01-02'
      from generate_series(1, 12000) i`;
  }, 60_000);

  afterAll(async () => {
    for (const a of apps) if (a.child.exitCode === null && a.child.signalCode === null) a.signal('SIGKILL');
    await sql?.end({ timeout: 5 });
    await database?.close();
    await admin(`drop database if exists ${name} with (force)`);
  });

  const start = async (env: Record<string, string>) => {
    const app = await startApp({ DATABASE_URL: url(), ...env });
    apps.push(app);
    return app;
  };
  const ids = async () => (await sql<{ id: number }[]>`select id from accounts order by id`).map((r) => r.id);
  const gradedToday = async () => (await sql<{ n: number }[]>`select count(*)::int as n from accounts where graded_on = ${today}`)[0]!.n;
  const claims = async () => sql<{ status: string }[]>`select status from job_runs where job = 'daily-regrade' and run_key = ${today}`;
  const lockWaits = async () => (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${name} and wait_event_type = 'Lock'`)[0]!.n;
  /** Holds a row lock on an account until release() (a transaction on a connection of its own). */
  async function holdRow(id: number) {
    const held = await sql.reserve();
    await held`begin`;
    await held`select id from accounts where id = ${id} for update`;
    return async () => {
      await held`commit`;
      held.release();
    };
  }
  const refused = (app: AppProcess) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(app.url).port), '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });

  it('finishes a request in flight, refusing new connections meanwhile, then exits 0', async () => {
    const app = await start({ SCHEDULER: 'off' });
    const [id] = await ids();
    const release = await holdRow(id!);
    let released = false;
    try {
      const inFlight = fetch(`${app.url}/api/prospects/${id}/signals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'call', date: today, note: 'sent before SIGTERM' }),
      });
      await until(async () => (await lockWaits()) > 0, 'the request waits for the row', 15_000, 50);
      app.signal('SIGTERM');
      await app.waitFor(/SIGTERM: finishing requests in flight/, 10_000);
      await until(() => refused(app), 'new connections are refused', 5000, 50);
      // Still waiting for its request: it has not exited.
      await new Promise((r) => setTimeout(r, 500));
      expect(app.child.exitCode).toBeNull();
      await release();
      released = true;
      const res = await within(10_000, 'the request in flight is answered', inFlight);
      expect(res.status).toBe(201);
      expect(await within(10_000, 'the app exits', app.exited)).toBe(0);
    } finally {
      if (!released) await release();
    }
    expect(app.output()).toMatch(/Stopped\./);
    expect(app.output()).not.toMatch(/Still busy|Error|at .*\.ts:\d+/);
    expect((await sql`select 1 from signals where note = 'sent before SIGTERM'`).length).toBe(1);
  }, 90_000);

  it('a running job finishes its current transaction and releases its claim; the next start runs it again', async () => {
    const all = await ids();
    // Batch 1 goes through, batch 2 waits for this row.
    const release = await holdRow(all[7000]!);
    let released = false;
    try {
      const app = await start({ SCHEDULER: 'on' });
      await until(async () => (await gradedToday()) === 5000 && (await lockWaits()) > 0, 'the re-grade is in its second batch', 60_000, 100);
      expect((await claims()).map((c) => c.status)).toEqual(['running']);
      app.signal('SIGTERM');
      await app.waitFor(/SIGTERM/, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(app.child.exitCode).toBeNull(); // waiting for the job's transaction
      await release();
      released = true;
      expect(await within(20_000, 'the app exits', app.exited)).toBe(0);
      expect(app.output()).toMatch(/daily-regrade .* stopped by the shutdown after its current transaction/);
    } finally {
      if (!released) await release();
    }
    // Whole batches only: the one in flight committed, the third never started; the claim is gone.
    expect(await gradedToday()).toBe(10_000);
    expect(await claims()).toEqual([]);

    const again = await start({ SCHEDULER: 'on' });
    await until(async () => (await claims())[0]?.status === 'done', 'the re-grade runs again and finishes', 60_000, 200);
    expect(await gradedToday()).toBe(12_000);
    again.signal('SIGTERM');
    expect(await within(30_000, 'the app exits', again.exited)).toBe(0);
  }, 180_000);

  it('a job whose process was killed (kill -9) does not block the next run: the next start takes its claim over', async () => {
    await sql`delete from job_runs`;
    await sql`update accounts set policy_version = 0`; // a new run has all 12,000 to do again
    const all = await ids();
    const release = await holdRow(all[7000]!);
    let released = false;
    try {
      const app = await start({ SCHEDULER: 'on' });
      await until(async () => (await lockWaits()) > 0 && (await claims()).length === 1, 'the re-grade is in its second batch', 60_000, 100);
      app.signal('SIGKILL');
      await app.exited;
      await release();
      released = true;
    } finally {
      if (!released) await release();
    }
    expect((await claims()).map((c) => c.status)).toEqual(['running']); // left behind by the dead process

    const next = await start({ SCHEDULER: 'on' });
    await until(async () => (await claims())[0]?.status === 'done', 'the next start takes the claim over and finishes', 60_000, 200);
    expect((await sql<{ n: number }[]>`select count(*)::int as n from accounts where policy_version = 0`)[0]!.n).toBe(0);
    next.signal('SIGTERM');
    expect(await within(30_000, 'the app exits', next.exited)).toBe(0);
  }, 180_000);
});
