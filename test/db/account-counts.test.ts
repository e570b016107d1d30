import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.ts';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { changeStatus } from '../../src/prospects/actions.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

type Row = { kind: string; status: string; grade: string; flag: string; n: number };

/** The counters the triggers keep, and the same counts computed from the accounts themselves. */
async function kept(): Promise<Row[]> {
  return query<Row>(db, sql`select kind, status, grade, flag, n::int as n from account_counts where n <> 0 order by 1, 2, 3, 4`);
}
async function live(): Promise<Row[]> {
  return query<Row>(
    db,
    sql`select kind, status, coalesce(grade, '') as grade, f as flag, count(*)::int as n
        from accounts, unnest(flags || ''::text) as f group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
  );
}

describe('the account counters', () => {
  it('match the accounts after inserts, signals, status changes, a daily re-grade and deletes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const p = await insertProspect(db, { name: `Counted ${i}`, need: i % 3 === 0 ? null : 'high', employees: i % 4 === 0 ? 10 : 600 });
      ids.push(p.id);
    }
    expect(await kept()).toEqual(await live());
    await insertSignal(db, ids[0]!, { type: 'selection_started', date: '2026-06-01' });
    await insertSignal(db, ids[1]!, { type: 'selection_started', date: '2026-02-01' });
    await insertSignal(db, ids[2]!, { type: 'need_denied', date: '2026-06-20' });
    await changeStatus(db, ids[3]!, { status: 'lost', reason: 'rival' }, { today: '2026-06-30', actor: { name: 'test' } });
    expect(await kept()).toEqual(await live());
    await regradeOpenProspects(db, { asOf: '2026-09-15' });
    expect(await kept()).toEqual(await live());
    await db.execute(sql`delete from accounts where id in (${ids[4]!}, ${ids[5]!})`);
    const after = await kept();
    expect(after).toEqual(await live());
    const all = after.filter((r) => r.flag === '').reduce((s, r) => s + r.n, 0);
    expect(all).toBe(10);
  });

  it('serve the list page the same counts a live count gives', async () => {
    for (let i = 0; i < 5; i++) await insertProspect(db, { name: `Listed ${i}`, employees: i * 300 });
    const viaCounters = await query<{ n: number }>(db, sql`select sum(n)::int as n from account_counts where kind = 'prospect' and status = 'open' and flag = 'no_timing'`);
    const viaRows = await query<{ n: number }>(db, sql`select count(*)::int as n from accounts where kind = 'prospect' and status = 'open' and 'no_timing' = any(flags)`);
    expect(viaCounters[0]!.n).toBe(5);
    expect(viaCounters[0]!.n).toBe(viaRows[0]!.n);
  });
});
