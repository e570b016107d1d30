import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder, openPglite, openPostgres, query, type Database } from '../../src/db/client.ts';
import { filterMoves, getPlan, MOVES_PAGE } from '../../src/ownership/plans.ts';
import { WORKER_DB_PREFIX, withDatabase } from '../support/context.ts';
import { testDb } from '../support/db.ts';

// Migration 0012 stops storing each balance move's sentence (balance_plan_moves.why) and keeps what
// it is rendered from. Plans stored before it must read the same afterwards: a fresh database is
// migrated up to 0011, given plans as the planner of that time stored them (the fixture), then
// migrated to the latest; every move's rendered sentence equals the one it had stored.

type Fixture = {
  plans: {
    title: string;
    plan: { target: number; reps: { id: number; name?: string }[]; moves: { accountId: number; from: number | null; to: number; key: string; load: number; minLevel: number; reason: string; why: string }[] };
  }[];
};
const fixture = JSON.parse(readFileSync(new URL('../fixtures/balance/moves-before-0012.json', import.meta.url), 'utf8')) as Fixture;

const LAST_BEFORE = 11; // drizzle/0011_domain_prefix_search.sql
const work = mkdtempSync(join(tmpdir(), 'pipegrade-migration-0012-'));
const dbName = `${WORKER_DB_PREFIX}${process.env.VITEST_POOL_ID ?? '1'}_mig0012`;
let database: Database;

/** A copy of drizzle/ that ends at migration LAST_BEFORE. */
function migrationsUpTo(last: number): string {
  const dir = join(work, 'drizzle');
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= last);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

async function adminSql(statement: string) {
  const { default: postgres } = await import('postgres');
  const admin = postgres(inject('postgres').adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

beforeAll(async () => {
  const older = migrationsUpTo(LAST_BEFORE);
  if (testDb() === 'pglite') {
    database = await openPglite();
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: older });
  } else {
    await adminSql(`drop database if exists "${dbName}" with (force)`);
    await adminSql(`create database "${dbName}"`);
    database = await openPostgres(withDatabase(inject('postgres').adminUrl, dbName), { max: 2 });
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    await migrate(database.db as never, { migrationsFolder: older });
  }
}, 60_000);

afterAll(async () => {
  await database?.close();
  if (testDb() === 'postgres') await adminSql(`drop database if exists "${dbName}" with (force)`);
  rmSync(work, { recursive: true, force: true });
});

describe('migration 0012: balance moves without their stored sentence', () => {
  it('keeps every stored plan reading as it did', async () => {
    const db = database.db;
    const cols = await query<{ c: string }>(db, sql`select column_name as c from information_schema.columns where table_name = 'balance_plan_moves' and column_name = 'why'`);
    expect(cols).toHaveLength(1); // the schema as it was

    // The plans as proposePlan stored them then (the moves' sentences in why).
    const ids: number[] = [];
    for (const { plan } of fixture.plans) {
      const summary = { target: plan.target, moveCount: plan.moves.length };
      const [row] = await query<{ id: number }>(
        db,
        sql`insert into balance_plans (as_of, policy_version, options, summary, reps, created_by)
            values ('2026-11-01', 1, '{"cover":true}'::jsonb, ${JSON.stringify(summary)}::jsonb, ${JSON.stringify(plan.reps)}::jsonb, 'Mona Manager') returning id`,
      );
      ids.push(row!.id);
      const rows = plan.moves.map((m, i) => ({ ...m, seq: i + 1, toLevel: 0 }));
      await db.execute(sql`
        insert into balance_plan_moves (plan_id, seq, account_id, from_owner, to_owner, to_level, key, load, min_level, reason, why)
        select ${row!.id}, seq, "accountId", "from", "to", "toLevel", key, load, "minLevel", reason, why
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as v(seq int, "accountId" int, "from" int, "to" int, "toLevel" int, key text, load float8, "minLevel" int, reason text, why text)`);
    }

    await database.migrate();
    const after = await query<{ c: string }>(db, sql`select column_name as c from information_schema.columns where table_name = 'balance_plan_moves' order by ordinal_position`);
    expect(after.map((r) => r.c)).not.toContain('why');
    expect(after.map((r) => r.c)).toEqual(expect.arrayContaining(['util_after', 'made_room', 'room_for_level', 'from_load']));

    for (const [k, { title, plan: stored }] of fixture.plans.entries()) {
      const plan = (await getPlan(db, ids[k]!))!;
      const shown: string[] = [];
      for (let page = 1; (page - 1) * MOVES_PAGE < stored.moves.length; page++) shown.push(...(await filterMoves(db, plan, { page })).moves.map((m) => m.why));
      expect(shown, title).toEqual(stored.moves.map((m) => m.why));
    }
  });
});
