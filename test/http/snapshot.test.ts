import { beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { accountSnapshots, accounts, auditLog, deals, jobRuns, snapshotWeeks } from '../../src/db/schema.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { runJobOnce } from '../../src/jobs/scheduler.ts';
import { changeStatus } from '../../src/prospects/actions.ts';
import { nameKey } from '../../src/prospects/validation.ts';
import { weeklySnapshotJob } from '../../src/review/jobs.ts';
import { backfillSnapshots, takeSnapshot } from '../../src/review/snapshot.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer } from '../support/customers.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const MONDAY = '2026-06-29';

/** An account row as given, with no grading: what a snapshot copies is what the table holds. */
async function account(over: Partial<typeof accounts.$inferInsert> & { name: string }) {
  const [row] = await db
    .insert(accounts)
    .values({ nameKey: nameKey(over.name), addedOn: '2026-01-05', grade: 'B', fit: 60, flags: [], ...over })
    .returning();
  return row!;
}

const snapshotOf = (week: string) => db.select().from(accountSnapshots).where(eq(accountSnapshots.week, week)).orderBy(asc(accountSnapshots.accountId));

describe('taking the weekly snapshot', () => {
  it('keeps every account as it stands, with the value of its open deals, once per week', async () => {
    const rep = await ensureUser(db, PEOPLE.rep);
    const a = await account({ name: 'Acme', grade: 'A', fit: 79.5, closeBy: '2026-09-01', flags: ['stale'], slipCount: 2, ownerId: rep.id });
    const c = await account({ name: 'Cust', kind: 'customer', grade: 'B', tier: 'Key', tierScore: 64, convertedOn: '2026-03-01' });
    const l = await account({ name: 'Lost', status: 'lost', grade: 'C' });
    await db.insert(deals).values([
      { accountId: a.id, title: 'one', value: 1000 },
      { accountId: a.id, title: 'two', value: 500 },
      { accountId: a.id, title: 'won', value: 9999, status: 'won', closedOn: '2026-06-01' },
      { accountId: c.id, title: 'lost', value: 7777, status: 'lost', closedOn: '2026-06-01' },
    ]);

    const t = testApp(db, MONDAY);
    const res = await t.form('/review/snapshots', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/review?week=${MONDAY}&notice=taken`);
    const rows = await snapshotOf(MONDAY);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ accountId: a.id, kind: 'prospect', status: 'open', grade: 'A', fit: 79.5, ownerId: rep.id, closeBy: '2026-09-01', flags: ['stale'], slipCount: 2, openValue: 1500 });
    expect(rows[1]).toMatchObject({ accountId: c.id, kind: 'customer', tier: 'Key', tierScore: 64, openValue: 0 });
    expect(rows[2]).toMatchObject({ accountId: l.id, status: 'lost', grade: 'C' });
    const [week] = await db.select().from(snapshotWeeks);
    expect(week).toMatchObject({ week: MONDAY, source: 'live', accounts: 3, takenBy: 'web' });

    // Again, by the button, the API and another day of the week: nothing changes, and it says so.
    await account({ name: 'Later' });
    const again = await t.form('/review/snapshots', {});
    expect(again.headers.get('location')).toBe('/review?notice=exists');
    expect(await testApp(db, '2026-07-02').app.request('/api/review/snapshots', { method: 'POST' })).toMatchObject({ status: 200 });
    const api = await testApp(db, '2026-07-02').json('POST', '/api/review/snapshots', {});
    expect(await api.json()).toMatchObject({ taken: [], skipped: [MONDAY] });
    expect(await snapshotOf(MONDAY)).toHaveLength(3);
    expect((await db.select().from(snapshotWeeks))[0]!.takenAt).toEqual(week!.takenAt);
  });

  it('is taken once when two instances try at the same moment', async () => {
    for (let i = 0; i < 5; i++) await account({ name: `Acct ${i}` });
    const both = await Promise.all([1, 2].map((n) => takeSnapshot(db, { today: MONDAY, actor: `instance ${n}` })));
    const taken = both.flatMap((r) => (r.ok ? r.taken : []));
    expect(taken).toHaveLength(1);
    expect(both.flatMap((r) => (r.ok ? r.skipped : []))).toEqual([MONDAY]);
    expect(await snapshotOf(MONDAY)).toHaveLength(5);
  });

  it('is a job of the scheduler, claimed per week, so it runs once a week whatever the day', async () => {
    await account({ name: 'Acme' });
    expect(weeklySnapshotJob.runKey('2026-07-05')).toBe(MONDAY); // a Sunday belongs to the week before it
    expect(await runJobOnce(db, weeklySnapshotJob, '2026-07-01')).toBe('ran');
    expect(await runJobOnce(db, weeklySnapshotJob, '2026-07-03')).toBe('skipped');
    const [run] = await db.select().from(jobRuns).where(eq(jobRuns.job, 'weekly-snapshot'));
    expect(run).toMatchObject({ runKey: MONDAY, status: 'done', stats: { week: MONDAY, taken: true, accounts: 1 } });
    expect((await db.select().from(snapshotWeeks))[0]).toMatchObject({ week: MONDAY, takenBy: 'weekly snapshot' });
    // The next week's run takes the next week, and compares it with this one.
    expect(await runJobOnce(db, weeklySnapshotJob, '2026-07-06')).toBe('ran');
    expect((await db.select().from(snapshotWeeks).orderBy(asc(snapshotWeeks.week))).map((w) => [w.week, w.comparedWith])).toEqual([
      [MONDAY, null],
      ['2026-07-06', MONDAY],
    ]);
  });

  it('refuses a week that is not a Monday or has not begun, and only managers take one', async () => {
    expect(await takeSnapshot(db, { today: MONDAY, week: '2026-06-30', actor: 't' })).toMatchObject({ ok: false, reason: 'not_monday' });
    expect(await takeSnapshot(db, { today: MONDAY, week: '2026-07-06', actor: 't' })).toMatchObject({ ok: false, reason: 'future' });
    const api = await testApp(db, MONDAY).json('POST', '/api/review/snapshots', { week: '2026-06-30' });
    expect(api.status).toBe(422);
    expect((await testApp(db, MONDAY, undefined, { as: 'rep' }).form('/review/snapshots', {})).status).toBe(403);
    expect((await testApp(db, MONDAY, undefined, { as: 'rep' }).json('POST', '/api/review/snapshots', {})).status).toBe(403);
    expect(await db.select().from(snapshotWeeks)).toEqual([]);
  });
});

describe('back-filling past weeks from history', () => {
  /** A prospect with a year's worth of story in a few steps: C on arrival, A on a signal, slipped to B when its date passed. */
  async function storied() {
    const x = await insertProspect(db, { name: 'Xylo', addedOn: '2026-03-02' }, '2026-03-02');
    await insertSignal(db, x.id, { type: 'selection_started', date: '2026-03-10' }, '2026-03-10');
    await regradeOpenProspects(db, { asOf: '2026-06-15' });
    const late = await insertProspect(db, { name: 'Latecomer', addedOn: '2026-05-20' }, '2026-05-20');
    const lost = await insertProspect(db, { name: 'Gone', addedOn: '2026-03-02' }, '2026-03-02');
    const r = await changeStatus(db, lost.id, { status: 'lost', reason: 'went elsewhere' }, { today: '2026-05-12', actor: { name: 'test' } });
    expect(r.ok).toBe(true);
    // The audit row is stamped by the database clock; put it on the day the test says it happened.
    await db.update(auditLog).set({ at: new Date('2026-05-12T15:00:00Z') }).where(and(eq(auditLog.accountId, lost.id), eq(auditLog.action, 'lost')));
    const cust = await insertCustomer(db, { name: 'Won', addedOn: '2026-03-02' }, [{ closedOn: '2026-06-01', value: 250_000 }], '2026-06-01');
    const rep = await ensureUser(db, { ...PEOPLE.rep, level: 4 });
    await db.update(accounts).set({ ownerId: rep.id }).where(eq(accounts.id, x.id));
    return { x, late, lost, cust, rep };
  }

  it('rebuilds each week’s grade, close-by date, slips, status and kind as the history says', async () => {
    const { x, late, lost, cust, rep } = await storied();
    const res = await testApp(db, MONDAY).form('/review/backfills', { weeks: '12' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/review?week=2026-06-22&notice=backfilled');
    const weeks = await db.select().from(snapshotWeeks).orderBy(asc(snapshotWeeks.week));
    expect(weeks.map((w) => w.week)).toEqual(['2026-04-06', '2026-04-13', '2026-04-20', '2026-04-27', '2026-05-04', '2026-05-11', '2026-05-18', '2026-05-25', '2026-06-01', '2026-06-08', '2026-06-15', '2026-06-22']);
    expect(weeks.every((w) => w.source === 'backfill')).toBe(true);

    const at = async (week: string, id: number) => (await snapshotOf(week)).find((r) => r.accountId === id);
    expect(await at('2026-04-06', x.id)).toMatchObject({ grade: 'A', closeBy: '2026-06-10', flags: [], slipCount: 0, ownerId: rep.id });
    expect(await at('2026-06-08', x.id)).toMatchObject({ grade: 'A', slipCount: 0 });
    const slipped = await at('2026-06-15', x.id);
    expect(slipped).toMatchObject({ grade: 'B', closeBy: '2026-06-10', slipCount: 1 });
    expect(slipped!.flags).toContain('slipped');
    expect(await at('2026-05-18', late.id)).toBeUndefined();
    expect(await at('2026-05-25', late.id)).toMatchObject({ grade: 'C', status: 'open' });
    expect(await at('2026-05-11', lost.id)).toMatchObject({ status: 'open' });
    expect(await at('2026-05-18', lost.id)).toMatchObject({ status: 'lost' });
    expect(await at('2026-05-25', cust.id)).toMatchObject({ kind: 'prospect', tier: null });
    expect(await at('2026-06-01', cust.id)).toMatchObject({ kind: 'customer', tier: cust.tier, status: 'open' });

    // Each week's review compares it with the week before: the slip, the loss, the conversion.
    const review = async (week: string) => (await (await testApp(db, MONDAY).get(`/api/review?week=${week}`)).json()) as { lists: Record<string, { total: number; rows: { accountId: number; slipCount: number }[] }>; week: { source: string } };
    expect((await review('2026-06-15')).lists.slipped!.rows).toMatchObject([{ accountId: x.id, slipCount: 1 }]);
    expect((await review('2026-05-18')).lists.lost!.rows.map((r) => r.accountId)).toEqual([lost.id]);
    expect((await review('2026-06-01')).lists.converted!.rows.map((r) => r.accountId)).toEqual([cust.id]);
    expect((await review('2026-05-25')).lists.new!.rows.map((r) => r.accountId)).toEqual([late.id]);
    // The page says where the numbers come from.
    const page = await (await testApp(db, MONDAY).get('/review?week=2026-06-15')).text();
    expect(page).toContain('back-filled from grade and tier history: owners in back-filled weeks are today');
  });

  it('leaves weeks already taken alone, and then compares the live week with the last back-filled one', async () => {
    await storied();
    const first = await backfillSnapshots(db, { today: MONDAY, weeks: 4, actor: 't' });
    expect(first).toMatchObject({ ok: true, taken: [{ week: '2026-06-01' }, { week: '2026-06-08' }, { week: '2026-06-15' }, { week: '2026-06-22' }] });
    const before = await db.select({ n: sql<number>`count(*)::int` }).from(accountSnapshots);
    const again = await backfillSnapshots(db, { today: MONDAY, weeks: 6, actor: 't' });
    expect(again).toMatchObject({ ok: true, taken: [{ week: '2026-05-18' }, { week: '2026-05-25' }], skipped: ['2026-06-01', '2026-06-08', '2026-06-15', '2026-06-22'] });
    const june1 = await snapshotOf('2026-06-01');
    expect(june1.length).toBeGreaterThan(0);
    const after = await db.select({ n: sql<number>`count(*)::int` }).from(accountSnapshots);
    expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe((await snapshotOf('2026-05-18')).length + (await snapshotOf('2026-05-25')).length);
    // 2026-06-01 was derived against nothing before; now against 2026-05-25.
    const weeks = await db.select().from(snapshotWeeks).orderBy(asc(snapshotWeeks.week));
    expect(weeks.find((w) => w.week === '2026-06-01')!.comparedWith).toBe('2026-05-25');
    const none = await backfillSnapshots(db, { today: MONDAY, weeks: 6, actor: 't' });
    expect(none).toMatchObject({ ok: true, taken: [] });
    expect((await testApp(db, MONDAY).form('/review/backfills', { weeks: '6' })).headers.get('location')).toBe('/review?notice=nothing');

    await takeSnapshot(db, { today: MONDAY, actor: 't' });
    expect((await db.select().from(snapshotWeeks).where(eq(snapshotWeeks.week, MONDAY)))[0]).toMatchObject({ source: 'live', comparedWith: '2026-06-22' });
  });

  it('refuses a number of weeks out of range', async () => {
    const res = await testApp(db, MONDAY).form('/review/backfills', { weeks: '500' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Back-fill between 1 and 104 weeks.');
    expect((await testApp(db, MONDAY).json('POST', '/api/review/backfills', { weeks: 0 })).status).toBe(422);
    expect(await db.select().from(snapshotWeeks)).toEqual([]);
  });
});
