import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgres, query, type Database } from '../../src/db/client.ts';
import { auditLog, gradeChanges, signals } from '../../src/db/schema.ts';
import { ensureDefaultPolicy } from '../../src/policy/store.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, apiToken, cookieHeader, ensureUser, sessionToken } from '../support/auth.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { testDb } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { findPostgresBin } from '../support/postgres-cluster.ts';
import { checkIntegrity } from '../faults/integrity.ts';
import { startStoppableCluster, type StoppableCluster } from '../faults/pg-server.ts';
import { until, within } from '../faults/server-process.ts';

// PostgreSQL dies (an immediate stop: no checkpoint, crash recovery on the next start) under the
// app and comes back. Its own cluster, since it is stopped; only in the postgres project, which
// has the binaries (or fails the run when CI requires them).

const TODAY = '2026-06-30';
const MESSAGE = 'The database is not reachable right now. Nothing was saved; please try again in a moment.';
/** Longest any request may take during the outage: a clear answer, never a hang. */
const ANSWER_MS = 8000;

describe.runIf(testDb() === 'postgres')('PostgreSQL stopped under load and started again', () => {
  let cluster: StoppableCluster;
  let database: Database;
  let t: ReturnType<typeof testApp>;
  let signedIn: (path: string, init?: RequestInit) => Promise<Response>;
  const prospects: number[] = [];

  beforeAll(async () => {
    const bin = findPostgresBin();
    if ('missing' in bin) throw new Error(bin.missing.why.join('\n'));
    cluster = await startStoppableCluster(bin);
    const { default: postgres } = await import('postgres');
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    await admin.unsafe('create database app');
    await admin.end();
    database = await openPostgres(cluster.url('app'), { max: 10 });
    await database.migrate();
    await ensureDefaultPolicy(database.db);
    for (let i = 0; i < 12; i++) {
      const p = await insertProspect(database.db, { name: `Outage ${i}`, domain: `outage-${i}.example.com` }, TODAY);
      await insertSignal(database.db, p.id, { type: i % 2 ? 'incumbent_aging' : 'call', date: '2026-05-01' }, TODAY);
      prospects.push(p.id);
    }
    t = testApp(database.db, TODAY);
    // Credentials made now, before any outage (testApp checks its own in the database on every request).
    const manager = await ensureUser(database.db, PEOPLE.manager);
    const cookie = cookieHeader(await sessionToken(database.db, manager.id, fixedClock(TODAY).now()));
    const token = await apiToken(database.db, manager.id);
    signedIn = (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (path.startsWith('/api/')) headers.set('authorization', `Bearer ${token}`);
      else headers.set('cookie', cookie), headers.set('origin', 'http://localhost');
      return Promise.resolve(t.hono.request(path, { ...init, headers }));
    };
  }, 120_000);

  it('runs on the patched postgres.js (src/db/client.ts): without the patch a dying server can crash the app or leave its pool broken', () => {
    expect((globalThis as { __pipegradePostgresJsPatched?: boolean }).__pipegradePostgresJsPatched).toBe(true);
  });

  afterAll(async () => {
    await database?.close().catch(() => {});
    cluster?.destroy();
  });

  /** The app's outage warnings are expected; an error log (a 500) is not. */
  function quietly() {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    return { errors: () => error.mock.calls.map((c) => String(c[0])), restore: () => (warn.mockRestore(), error.mockRestore()) };
  }

  const recovered = () => until(async () => (await t.get('/healthz')).status === 200, 'the app answers again after PostgreSQL is back', 20_000, 200);

  it('a signal being written when the server dies is not stored at all, and the writer gets a clear 503', async () => {
    const id = prospects[0]!;
    const db = database.db;
    const stateOf = async () => ({
      account: (await query(db, sql`select grade, flags, fit, close_by, last_signal_on, version from accounts where id = ${id}`))[0],
      signals: (await db.select({ id: signals.id }).from(signals).where(eq(signals.accountId, id))).length,
      changes: (await db.select({ id: gradeChanges.id }).from(gradeChanges).where(eq(gradeChanges.accountId, id))).length,
      audit: (await db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.accountId, id))).length,
    });
    const before = await stateOf();

    // Hold the audit table so the request's transaction stops after writing the signal and the grade, before its audit row.
    const { default: postgres } = await import('postgres');
    const locker = postgres(cluster.url('app'), { max: 1, onnotice: () => {} });
    const held = await locker.reserve();
    await held`begin`;
    await held`lock table audit_log in exclusive mode`;
    const quiet = quietly();
    try {
      const started = performance.now();
      const pending = t.form(`/prospects/${id}/signals`, { type: 'selection_started', date: '2026-06-29', note: 'in flight when the server died' });
      await until(async () => (await held`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = 'app'`)[0]!.n > 0, 'the write waits inside its transaction', 10_000, 50);
      // It did write the signal and the new grade in its transaction (they are there for it, not yet for anyone else).
      cluster.stop('immediate');
      const res = await within(ANSWER_MS + 2000, 'the answer to the write', pending);
      expect(performance.now() - started).toBeLessThan(ANSWER_MS + 2000);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = text(await res.text());
      expect(body).toContain(MESSAGE);
      expect(body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+|ECONN|postgres:\/\//);
    } finally {
      await locker.end({ timeout: 1 }).catch(() => {});
      cluster.start();
    }
    try {
      await recovered();
      expect(quiet.errors()).toEqual([]);
    } finally {
      quiet.restore();
    }
    // All or nothing: no signal, no grade change, no audit row, the account as it was.
    expect(await stateOf()).toEqual(before);
    expect(await checkIntegrity(db, { today: TODAY, accountIds: prospects })).toEqual([]);
    // And the app works again without a restart: the same write now goes through.
    const again = await t.form(`/prospects/${id}/signals`, { type: 'selection_started', date: '2026-06-29', note: 'after the restart' });
    expect(again.status).toBe(303);
    const after = await stateOf();
    expect(after.signals).toBe(before.signals + 1);
    expect(after.audit).toBe(before.audit + 1);
  }, 90_000);

  it('under load: requests during the outage answer 503 within seconds, the app recovers by itself, and no write is half-done', async () => {
    type Result = { op: string; status: number; ms: number; start: number; end: number; note?: string; account?: number; body?: string; retryAfter?: string | null; location?: string | null };
    const results: Result[] = [];
    let stop = false;
    let n = 0;
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    async function one(op: string, worker: number): Promise<void> {
      const account = prospects[(worker * 7 + n) % prospects.length]!;
      const note = op === 'write' ? `load ${worker}-${n++}` : undefined;
      const start = now();
      const res = await within(15_000, `${op} (a hang)`, (() => {
        switch (op) {
          case 'list':
            return signedIn('/prospects');
          case 'page':
            return signedIn(`/prospects/${account}`);
          case 'api':
            return signedIn('/api/prospects');
          default:
            return signedIn(`/prospects/${account}/signals`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ type: n % 3 ? 'call' : 'selection_started', date: '2026-06-30', note: note! }).toString(),
            });
        }
      })());
      const body = await res.text();
      results.push({ op, status: res.status, ms: now() - start, start, end: now(), note, account, body: res.status >= 500 ? body : undefined, retryAfter: res.headers.get('retry-after'), location: res.headers.get('location') });
    }
    const ops = ['write', 'list', 'page', 'write', 'api', 'write'];
    const workers = ops.map(async (first, w) => {
      for (let i = 0; !stop; i++) await one(ops[(w + i) % ops.length]!, w);
      void first;
    });

    const quiet = quietly();
    let stoppedAt = 0, startedAt = 0;
    try {
      await new Promise((r) => setTimeout(r, 1500));
      stoppedAt = now();
      cluster.stop('immediate');
      await new Promise((r) => setTimeout(r, 4000));
      startedAt = now();
      cluster.start();
      // Keep the load on until writes have gone through again for a while.
      await until(() => results.some((r) => r.start > startedAt && r.op === 'write' && r.status === 303), 'a write succeeds again', 20_000, 100);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      stop = true;
      await Promise.allSettled(workers);
      quiet.restore();
    }
    await Promise.all(workers); // a hang fails the test here
    expect(quiet.errors()).toEqual([]);

    // A 303 is a logged signal, never a trip to the sign-in page (a session lookup that failed is a 503 too).
    expect(results.filter((r) => r.status === 303 && !/logged=1/.test(r.location ?? ''))).toEqual([]);
    const during = results.filter((r) => r.end > stoppedAt && r.start < startedAt);
    const statuses = [...new Set(results.map((r) => r.status))].sort();
    expect(statuses.every((s) => [200, 303, 503].includes(s)), `statuses ${statuses}`).toBe(true);
    expect(during.filter((r) => r.status === 503).length).toBeGreaterThan(5);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(ANSWER_MS);
    for (const r of results.filter((x) => x.status === 503)) {
      expect(r.retryAfter).toBe('5');
      expect(r.body).toContain(r.op === 'api' ? JSON.stringify({ error: MESSAGE }) : MESSAGE);
      expect(r.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+|ECONN|postgres:\/\//);
    }
    // Back by itself: every request started a second after the restart succeeded.
    const late = results.filter((r) => r.start > startedAt + 1000);
    expect(late.length).toBeGreaterThan(5);
    expect(late.filter((r) => r.status >= 500)).toEqual([]);

    // Each acknowledged write is stored once; an unacknowledged one at most once; nothing half-done.
    const db = database.db;
    const stored = await query<{ note: string; n: number }>(db, sql`select note, count(*)::int as n from signals where note like 'load %' group by note`);
    const count = new Map(stored.map((s) => [s.note, s.n]));
    const writes = results.filter((r) => r.op === 'write');
    for (const w of writes) {
      if (w.status === 303) expect(count.get(w.note!), `acknowledged ${w.note}`).toBe(1);
      else expect(count.get(w.note!) ?? 0, `failed ${w.note}`).toBeLessThanOrEqual(1);
    }
    expect(stored.every((s) => s.n === 1)).toBe(true);
    expect(writes.filter((w) => w.status === 303).length).toBeGreaterThan(10);
    expect(await checkIntegrity(db, { today: TODAY, accountIds: prospects })).toEqual([]);
    const audited = await db.select({ id: auditLog.id }).from(auditLog).where(and(eq(auditLog.entity, 'signal'), sql`${auditLog.after}->>'note' like 'load %'`));
    expect(audited.length).toBe(stored.length);
  }, 120_000);
});
