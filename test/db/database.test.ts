import { count, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { query } from '../../src/db/client.ts';
import { accounts, policies } from '../../src/db/schema.ts';
import { currentPolicy, ensureDefaultPolicy } from '../../src/policy/store.ts';
import { resetDatabase, testDatabase, testDb } from '../support/db.ts';

const database = await testDatabase();
const { db } = database;

beforeEach(() => resetDatabase(database));

describe(`the test database (${testDb()})`, () => {
  it('is the driver this project asked for', () => {
    expect(database.driver).toBe(testDb());
  });

  it('has the migrations applied', async () => {
    const tables = await query<{ name: string }>(
      db,
      sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', 'grade_changes', 'job_runs', 'policies', 'signals']));
    const [journal] = await query<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(journal!.n).toBeGreaterThanOrEqual(2);
  });

  it('has the pg_trgm extension', async () => {
    const rows = await query<{ extname: string }>(db, sql`select extname from pg_extension where extname = 'pg_trgm'`);
    expect(rows).toHaveLength(1);
    const [similar] = await query<{ s: number }>(db, sql`select similarity('pipegrade', 'pipegrades') as s`);
    expect(Number(similar!.s)).toBeGreaterThan(0.5);
  });

  it('resetDatabase empties the tables, restarts identities and leaves exactly the default policy', async () => {
    await db.insert(accounts).values([
      { name: 'Acme', nameKey: 'acme', addedOn: '2026-01-05' },
      { name: 'Globex', nameKey: 'globex', addedOn: '2026-01-06' },
    ]);
    await db.insert(policies).values({ body: { grading: {} }, note: 'edit', createdBy: 'someone' });
    expect((await db.select({ n: count() }).from(accounts))[0]!.n).toBe(2);
    expect((await db.select({ n: count() }).from(policies))[0]!.n).toBe(2);

    await resetDatabase(database);

    expect(await db.select().from(accounts)).toEqual([]);
    const rows = await db.select().from(policies);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: 1, note: 'default', createdBy: 'system' });
    const [again] = await db.insert(accounts).values({ name: 'Initech', nameKey: 'initech', addedOn: '2026-01-07' }).returning();
    expect(again!.id).toBe(1);
  });

  it('ensureDefaultPolicy inserts only into an empty policies table', async () => {
    expect(await ensureDefaultPolicy(db)).toBe(false);
    expect((await db.select({ n: count() }).from(policies))[0]!.n).toBe(1);
    await db.delete(policies);
    expect(await ensureDefaultPolicy(db)).toBe(true);
    expect((await db.select({ n: count() }).from(policies))[0]!.n).toBe(1);
  });

  it('currentPolicy reads the default policy', async () => {
    const { version, policy } = await currentPolicy(db);
    expect(version).toBeGreaterThanOrEqual(1);
    expect(policy.grading.fit.floor).toBe(40);
  });

  it('currentPolicy reads the highest version, filling missing sections with defaults', async () => {
    await db.insert(policies).values({ body: { grading: { ...(await currentPolicy(db)).policy.grading, staleDays: 45 } } });
    const { version, policy } = await currentPolicy(db);
    expect(version).toBe(2);
    expect(policy.grading.staleDays).toBe(45);
    expect(policy.tiering.tiers.length).toBeGreaterThan(0);
  });

  it('currentPolicy throws on an invalid stored policy, and on none', async () => {
    await db.insert(policies).values({ body: { grading: { windowMonths: 'soon' } } });
    await expect(currentPolicy(db)).rejects.toThrow(/version 2 is invalid/);
    await db.delete(policies);
    await expect(currentPolicy(db)).rejects.toThrow(/no policy/i);
  });
});
