import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, gradeChanges, jobRuns, policies } from '../../src/db/schema.ts';
import { applicationOf, policyApplySettings, settleApplications, startApplication, type ApplyStats } from '../../src/policy/apply.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// Applying saved policy versions one after another: a newer version waits for an older one still
// applying, and an older one that finds a newer version saved stops, so no batch ends up graded
// by an older policy.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));
afterEach(async () => {
  policyApplySettings.inlineLimit = 2_000;
  policyApplySettings.waitMs = 500;
  await settleApplications();
});

async function version(windowA: number) {
  const policy = structuredClone((await currentPolicy(db)).policy);
  policy.grading.windowMonths.A = windowA;
  const [row] = await db.insert(policies).values({ body: policy, note: `A ${windowA}`, createdBy: 'test' }).returning();
  return row!.version;
}

const runOf = async (v: number) => (await db.select().from(jobRuns).where(and(eq(jobRuns.job, 'policy-apply'), eq(jobRuns.runKey, `v${v}`))))[0];

describe('applying policy versions', () => {
  it('an older version that finds a newer one saved stops, superseded, and changes nothing', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
    const v2 = await version(4);
    await version(3);
    expect(await startApplication(db, v2, { today: '2026-06-30', actor: 'test' })).toEqual({ mode: 'inline', outcome: 'ran' });
    const run = await runOf(v2);
    expect(run).toMatchObject({ status: 'done', stats: { version: v2, superseded: true, grades: null } });
    expect(await db.select().from(gradeChanges).where(eq(gradeChanges.cause, 'policy'))).toEqual([]);
    expect((await db.select().from(accounts).where(eq(accounts.id, p.id)))[0]!.grade).toBe('B');
  });

  it('a newer version waits for an older one still applying, then applies', async () => {
    const p = await insertProspect(db);
    await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
    const v2 = await version(3);
    const v3 = await version(4);
    // v2 is applying elsewhere (a live heartbeat).
    await db.insert(jobRuns).values({ job: 'policy-apply', runKey: `v${v2}`, stats: { phase: 'grades', claim: { host: 'elsewhere', pid: 1, boot: 'x', beatAt: new Date().toISOString() } } });
    policyApplySettings.waitMs = 20;
    // Another application running: not in the request, whatever the size.
    expect(await startApplication(db, v3, { today: '2026-06-30', actor: 'test' })).toEqual({ mode: 'background' });
    for (let i = 0; i < 100 && (await applicationOf(db, v3)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    let a = await applicationOf(db, v3);
    for (let i = 0; i < 100 && a.status === 'running' && a.phase !== 'waiting'; i++) a = await applicationOf(db, v3);
    expect(a).toMatchObject({ status: 'running', phase: 'waiting', stalled: false });
    expect((await db.select().from(accounts).where(eq(accounts.id, p.id)))[0]!.grade).toBe('B');
    // v2 finishes (superseded, as it would find v3).
    await db.update(jobRuns).set({ status: 'done', stats: { superseded: true } }).where(eq(jobRuns.runKey, `v${v2}`));
    await settleApplications();
    const run = await runOf(v3);
    expect(run!.status).toBe('done');
    expect((run!.stats as ApplyStats).grades).toMatchObject({ changed: 1 });
    expect((await db.select().from(accounts).where(eq(accounts.id, p.id)))[0]).toMatchObject({ grade: 'A', policyVersion: v3 });
  });

  it('does not wait for an older version whose instance stopped (no heartbeat)', async () => {
    const v2 = await version(3);
    const v3 = await version(4);
    await db.insert(jobRuns).values({ job: 'policy-apply', runKey: `v${v2}`, stats: { phase: 'grades', claim: { host: 'elsewhere', pid: 1, boot: 'x', beatAt: new Date(Date.now() - 3_600_000).toISOString() } } });
    expect(await startApplication(db, v3, { today: '2026-06-30', actor: 'test' })).toEqual({ mode: 'inline', outcome: 'ran' });
    expect((await runOf(v3))!.status).toBe('done');
  });

  it('shows progress from the rows already rewritten with the version', async () => {
    for (let i = 0; i < 3; i++) await insertProspect(db);
    const v2 = await version(4);
    await db.insert(jobRuns).values({ job: 'policy-apply', runKey: `v${v2}`, stats: { phase: 'grades' } });
    const [first] = await db.select({ id: accounts.id }).from(accounts).limit(1);
    await db.update(accounts).set({ policyVersion: v2 }).where(eq(accounts.id, first!.id));
    expect(await applicationOf(db, v2)).toMatchObject({ status: 'running', phase: 'grades', prospects: { done: 1, total: 3 }, customers: { done: 0, total: 0 } });
  });
});
