import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openPglite, query } from '../../src/db/client.ts';
import { ensureDefaultPolicy } from '../../src/policy/store.ts';
import { dateIn } from '../../src/shared/dates.ts';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { testDb } from '../support/db.ts';
import { insertProspect } from '../support/factories.ts';
import { checkIntegrity } from '../faults/integrity.ts';
import { startApp, within } from '../faults/server-process.ts';

// The embedded database killed (kill -9) in the middle of writes: what was acknowledged is there
// after the restart, what was in flight is there whole or not at all, and the folder opens again.

describe.runIf(testDb() === 'pglite')('the embedded database after kill -9 during writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipegrade-crash-'));
  const dataDir = join(dir, 'data');
  const today = dateIn('UTC', new Date());
  let token: string;
  const prospects: number[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const database = await openPglite({ dataDir, loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) });
    try {
      await ensureDefaultPolicy(database.db);
      token = await apiToken(database.db, (await ensureUser(database.db, PEOPLE.manager)).id);
      for (let i = 0; i < 8; i++) prospects.push((await insertProspect(database.db, { name: `Crash ${i}`, domain: `crash-${i}.example.com` }, today)).id);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('loses at most the writes in flight, and the next start opens the folder cleanly', async () => {
    const app = await startApp({ DATA_DIR: dataDir, SCHEDULER: 'off' });
    type Write = { note: string; status: number | 'no answer' };
    const writes: Write[] = [];
    let n = 0;
    let stop = false;
    const post = async (w: number) => {
      while (!stop) {
        const note = `crash ${w}-${n++}`;
        const write: Write = { note, status: 'no answer' };
        writes.push(write);
        try {
          const res = await fetch(`${app.url}/api/prospects/${prospects[n % prospects.length]}/signals`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ type: n % 4 ? 'call' : 'selection_started', date: today, note }),
          });
          write.status = res.status;
          await res.arrayBuffer();
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(post);
    // Killed while writing, once a good number went through.
    await within(60_000, 'writes acknowledged', (async () => {
      while (writes.filter((w) => w.status === 201).length < 40) await new Promise((r) => setTimeout(r, 20));
    })());
    app.signal('SIGKILL');
    expect(await app.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(writers);
    const acked = writes.filter((w) => w.status === 201);
    expect(writes.every((w) => w.status === 201 || w.status === 'no answer')).toBe(true);
    const inFlight = writes.filter((w) => w.status === 'no answer');

    // The next start opens the folder (its lock was left by a dead process) and serves writes.
    const again = await startApp({ DATA_DIR: dataDir, SCHEDULER: 'off' });
    const res = await fetch(`${again.url}/api/prospects/${prospects[0]}/signals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'call', date: today, note: 'after the crash' }),
    });
    expect(res.status).toBe(201);
    again.signal('SIGTERM');
    expect(await within(30_000, 'the app exits', again.exited)).toBe(0);

    const database = await openPglite({ dataDir });
    try {
      const stored = await query<{ note: string; n: number }>(database.db, sql`select note, count(*)::int as n from signals where note like 'crash %' group by note`);
      const count = new Map(stored.map((s) => [s.note, s.n]));
      for (const w of acked) expect(count.get(w.note), `acknowledged ${w.note}`).toBe(1);
      // Beyond the acknowledged ones, only writes that were in flight, each once.
      const extra = stored.filter((s) => !acked.some((w) => w.note === s.note));
      expect(extra.every((s) => s.n === 1 && inFlight.some((w) => w.note === s.note))).toBe(true);
      expect(extra.length).toBeLessThanOrEqual(inFlight.length);
      expect(await checkIntegrity(database.db, { today, accountIds: prospects })).toEqual([]);
      const [after] = await query<{ n: number }>(database.db, sql`select count(*)::int as n from signals where note = 'after the crash'`);
      expect(after!.n).toBe(1);
    } finally {
      await database.close();
    }
  }, 180_000);
});
