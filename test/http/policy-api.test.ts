import { beforeEach, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { accounts, auditLog, gradeChanges, policies } from '../../src/db/schema.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

// The policy's JSON twins: versions, the what-if preview, saving with optimistic concurrency.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const policyRows = async () => (await db.select({ n: count() }).from(policies))[0]!.n;
const issuesOf = async (res: Response) => ((await res.json()) as { issues: { path: string; message: string }[] }).issues;

/** A B prospect that an A window of 4 months makes an A. */
async function borderline() {
  const p = await insertProspect(db, { name: 'Borderline Ltd' });
  await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
  return p;
}

describe('PUT /api/policy', () => {
  it('saves a partial edit as a new version and applies it: grades change with cause policy and that version', async () => {
    const p = await borderline();
    const res = await testApp(db).json('PUT', '/api/policy', { version: 1, policy: { grading: { windowMonths: { A: 4 } } }, note: 'longer A' });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBe('/api/policy/versions/2');
    const body = (await res.json()) as { version: number; policy: { grading: { windowMonths: { A: number; B: number } } }; changes: unknown[]; application: { mode: string; status: string; stats: { grades: { changed: number } } } };
    expect(body.version).toBe(2);
    expect(body.policy.grading.windowMonths).toEqual({ A: 4, B: 6, C: 12 });
    expect(body.changes).toEqual([{ path: 'grading.windowMonths.A', label: 'Grade A window (months from a timing signal)', from: 3, to: 4 }]);
    expect(body.application).toMatchObject({ mode: 'inline', status: 'done', stats: { grades: { changed: 1 } } });
    const [change] = await db.select().from(gradeChanges).where(and(eq(gradeChanges.accountId, p.id), eq(gradeChanges.cause, 'policy')));
    expect(change).toMatchObject({ fromGrade: 'B', toGrade: 'A', policyVersion: 2, actor: 'api' });
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row).toMatchObject({ grade: 'A', policyVersion: 2 });
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'policy'), eq(auditLog.action, 'saved')));
    expect(audit).toMatchObject({ entityId: 2, actor: 'api', before: { 'grading.windowMonths.A': 3, version: 1 }, after: { 'grading.windowMonths.A': 4, version: 2, note: 'longer A' } });
    expect((await testApp(db).get('/api/policy')).status).toBe(200);
    expect(((await (await testApp(db).get('/api/policy')).json()) as { version: number }).version).toBe(2);
  });

  it('an older version is a 409 naming the current one, and nothing is stored', async () => {
    const t = testApp(db);
    expect((await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 40 } } })).status).toBe(200);
    const res = await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 20 } } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'conflict: version 2 was saved since version 1, which you edited', currentVersion: 2, current: { version: 2, createdBy: 'api' } });
    expect(await policyRows()).toBe(2);
  });

  it('invalid values are a 422 with an issue per field, and nothing is stored', async () => {
    const t = testApp(db);
    const cases: [unknown, string[]][] = [
      [{ grading: { windowMonths: { B: 2 } } }, ['policy.grading.windowMonths', 'policy.grading.windowMonths.B']],
      [{ grading: { staleDays: 0, fit: { floor: 120 } } }, ['policy.grading.staleDays', 'policy.grading.fit.floor']],
      [{ grading: { staleDay: 10 } }, ['policy.grading.staleDay']],
      [{ tiering: { tiers: [{ name: 'Gold', minScore: 70 }, { name: 'Rest', minScore: 0 }] } }, [
        'policy.ownership.byTier.Gold',
        'policy.ownership.byTier.Rest',
        'policy.ownership.byTier.Strategic',
        'policy.ownership.byTier.Key',
        'policy.ownership.byTier.Standard',
        'policy.cadence.byTier.Gold',
        'policy.cadence.byTier.Rest',
        'policy.cadence.byTier.Strategic',
        'policy.cadence.byTier.Key',
        'policy.cadence.byTier.Standard',
      ]],
      [{ ownership: { byGrade: { A: { minLevel: 7, load: 4 } } } }, ['policy.ownership.byGrade.A.minLevel']],
      [{ cadence: { callTypes: ['selection_started'] } }, ['policy.cadence.callTypes']],
    ];
    for (const [policy, paths] of cases) {
      const res = await t.json('PUT', '/api/policy', { version: 1, policy });
      expect(res.status, JSON.stringify(policy)).toBe(422);
      expect((await issuesOf(res)).map((i) => i.path).sort()).toEqual([...paths].sort());
    }
    const unknown = await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDay: 10 } } });
    expect(await issuesOf(unknown)).toEqual([{ path: 'policy.grading.staleDay', message: 'unknown field' }]);
    expect(await issuesOf(await t.json('PUT', '/api/policy', { policy: {} }))).toEqual([{ path: 'version', message: 'send the version you edited (GET /api/policy gives it)' }]);
    expect(await issuesOf(await t.json('PUT', '/api/policy', { version: 1, policy: {} }))).toEqual([{ path: 'policy', message: 'is the same as version 1, the one in force: nothing to save' }]);
    expect(await issuesOf(await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 9 } }, restoredFrom: 7 }))).toEqual([{ path: 'restoredFrom', message: 'there is no version 7' }]);
    expect((await t.json('PUT', '/api/policy', '{"version": 1,')).status).toBe(400);
    expect(await policyRows()).toBe(1);
    expect(await db.select().from(auditLog).where(eq(auditLog.entity, 'policy'))).toEqual([]);
  });

  it('two saves based on the same version at once: one is saved, the other is a 409', async () => {
    const [a, b] = await Promise.all([
      testApp(db).json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 40 } } }),
      testApp(db, '2026-06-30', undefined, { as: 'admin' }).json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 20 } } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await policyRows()).toBe(2);
  });

  it('a restore is a save of the old numbers, recorded as restored', async () => {
    const t = testApp(db);
    await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 40 } } });
    const old = (await (await t.get('/api/policy/versions/1')).json()) as { policy: unknown };
    const res = await t.json('PUT', '/api/policy', { version: 2, policy: old.policy, note: 'back to 1', restoredFrom: 1 });
    expect(res.status).toBe(200);
    const [v1] = await db.select().from(policies).where(eq(policies.version, 1));
    const [v3] = await db.select().from(policies).where(eq(policies.version, 3));
    expect(v3!.body).toEqual(v1!.body);
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'policy'), eq(auditLog.entityId, 3), eq(auditLog.action, 'restored')));
    expect(audit!.after).toMatchObject({ 'grading.staleDays': 30, restoredFrom: 1 });
  });
});

describe('POST /api/policy/preview', () => {
  it('counts and lists what a partial override would change, and stores nothing', async () => {
    const p = await borderline();
    const res = await testApp(db).json('POST', '/api/policy/preview', { policy: { grading: { windowMonths: { A: 4 } } } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      basedOn: 1,
      asOf: '2026-06-30',
      scanned: { prospects: 1, customers: 0 },
      grades: { changed: 1, moves: [{ from: 'B', to: 'A', n: 1 }] },
      tiers: { changed: 0 },
      list: { name: 'grades', page: 1, total: 1, pages: 1, rows: [{ id: p.id, name: 'Borderline Ltd', from: 'B', to: 'A' }] },
    });
    expect(body).not.toHaveProperty('ownerIds');
    expect(await policyRows()).toBe(1);
    const [row] = await db.select().from(accounts).where(eq(accounts.id, p.id));
    expect(row!.grade).toBe('B');
  });

  it('without a policy nothing changes; pages and lists are chosen in the body', async () => {
    for (let i = 0; i < 3; i++) {
      const p = await insertProspect(db, { name: `Edge ${i}` });
      await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
    }
    const t = testApp(db);
    expect(await (await t.json('POST', '/api/policy/preview', {})).json()).toMatchObject({ grades: { changed: 0 }, tiers: { changed: 0 }, owners: { changed: 0 } });
    const page2 = await (await t.json('POST', '/api/policy/preview', { policy: { grading: { windowMonths: { A: 4 } } }, pageSize: 2, page: 2 })).json();
    expect(page2.list).toMatchObject({ page: 2, pageSize: 2, total: 3, pages: 2, rows: [{ name: 'Edge 2' }] });
    const owners = await (await t.json('POST', '/api/policy/preview', { policy: { grading: { windowMonths: { A: 4 } } }, list: 'owners' })).json();
    expect(owners.list.rows).toHaveLength(3);
    expect(owners.list.rows[0]).toMatchObject({ key: 'A', minLevel: 3, outcome: 'unassignable' });
  });

  it('bad bodies are a 422', async () => {
    const t = testApp(db);
    expect(await issuesOf(await t.json('POST', '/api/policy/preview', { policy: { grading: { windowMonths: { C: 5 } } } }))).toEqual([
      { path: 'policy.grading.windowMonths', message: 'windows must widen from A to C' },
      { path: 'policy.grading.windowMonths.C', message: "must be more months than B's window (6)" },
    ]);
    expect((await issuesOf(await t.json('POST', '/api/policy/preview', { list: 'people' })))[0]!.path).toBe('list');
    expect((await issuesOf(await t.json('POST', '/api/policy/preview', { pageSize: 0 })))[0]).toEqual({ path: 'pageSize', message: 'must be at least 1' });
    expect((await issuesOf(await t.json('POST', '/api/policy/preview', { extra: 1 })))[0]).toEqual({ path: 'extra', message: 'unknown field' });
  });
});

describe('versions', () => {
  it('lists versions and shows one with the changes from the one before', async () => {
    const t = testApp(db);
    await t.json('PUT', '/api/policy', { version: 1, policy: { cadence: { byGrade: { A: 5 } } }, note: 'A weekly is too slow' });
    const list = await (await t.get('/api/policy/versions')).json();
    expect(list).toMatchObject({ current: 2, total: 2, page: 1, versions: [{ version: 2, note: 'A weekly is too slow', createdBy: 'api' }, { version: 1, note: 'default', createdBy: 'system' }] });
    const v2 = await (await t.get('/api/policy/versions/2')).json();
    expect(v2).toMatchObject({ version: 2, current: true, previous: 1, changes: [{ path: 'cadence.byGrade.A', label: 'A prospect: a touch every (days)', from: 7, to: 5 }], application: { status: 'done' } });
    expect(v2.policy.cadence.byGrade.A).toBe(5);
    const v1 = await (await t.get('/api/policy/versions/1')).json();
    expect(v1).toMatchObject({ version: 1, current: false, previous: null, changes: null, application: { status: 'none' } });
    expect((await t.get('/api/policy/versions/9')).status).toBe(404);
    expect((await t.get('/api/policy/versions/x')).status).toBe(404);
  });

  it('applying a version again is refused; reps can read versions but not save, preview or apply', async () => {
    const t = testApp(db);
    await t.json('PUT', '/api/policy', { version: 1, policy: { cadence: { byGrade: { A: 5 } } } });
    expect((await t.json('POST', '/api/policy/versions/2/application', {})).status).toBe(409);
    expect((await t.json('POST', '/api/policy/versions/1/application', {})).status).toBe(409);
    const rep = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    expect((await rep.get('/api/policy/versions')).status).toBe(200);
    expect((await rep.get('/api/policy/versions/2')).status).toBe(200);
    expect((await rep.json('PUT', '/api/policy', { version: 2, policy: { grading: { staleDays: 10 } } })).status).toBe(403);
    expect((await rep.json('POST', '/api/policy/preview', {})).status).toBe(403);
    expect((await rep.json('POST', '/api/policy/versions/2/application', {})).status).toBe(403);
    expect(await policyRows()).toBe(2);
  });
});
