// The load test's database: bench/load.ts's generated accounts (signals, grades from the app's
// own grader), then a team of reps over four levels who own them as the ownership rules would
// (each account with a rep senior enough for its grade), a few managers, and a daily re-grade as
// of the app's clock, so every stored grade is what the app computes today. Sessions are made
// with the app's createSession(), as bench/session.ts does.

import postgres from 'postgres';
import { regradeOpenProspects } from '../../src/grading/daily-regrade.ts';
import { openPostgres } from '../../src/db/client.ts';
import { createSession } from '../../src/users/sessions.ts';
import { SESSION_COOKIE } from '../../src/access/client.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { BENCH_AS_OF } from '../../bench/config.ts';

export type SimUser = {
  id: number;
  name: string;
  role: 'rep' | 'manager';
  level: number | null;
  cookie: string;
  /** Open prospects the rep owns (reps only). */
  accounts: number[];
};

export type Prepared = { reps: number; managers: number; regrade: { scanned: number; updated: number; ms: number }; maxSignalId: number; seconds: number };

export async function prepareTeam(url: string, opts: { reps: number; managers: number }): Promise<Prepared> {
  const started = performance.now();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`select setseed(0.2026)`);
      // Levels 1–4 in proportion 30/30/24/16 %, capacity 350–550 points (bench/territory.ts's team).
      await tx.unsafe(`
        insert into users (email, name, role, level, capacity, state, region)
        select 'load-rep' || i || '@load.invalid', 'Load Rep ' || i, 'rep',
          case when i % 100 < 30 then 1 when i % 100 < 60 then 2 when i % 100 < 84 then 3 else 4 end,
          350 + floor(random() * 201), 'active', (array['North','South','East','West'])[1 + i % 4]
        from generate_series(1, ${opts.reps}) i`);
      await tx.unsafe(`
        insert into users (email, name, role, state)
        select 'load-manager' || i || '@load.invalid', 'Load Manager ' || i, 'manager', 'active' from generate_series(1, ${opts.managers}) i`);
      // Owners senior enough for each account (A: level 3+, B: 2+, C/D and customers: 1+), at random among them.
      await tx.unsafe(`
        with r as (
          select l.min, array_agg(u.id order by u.id) ids, count(*)::int n
          from (values (1), (2), (3)) l(min) join users u on u.role = 'rep' and u.level >= l.min group by l.min)
        update accounts a set owner_id = r.ids[1 + floor(random() * r.n)::int]
        from r where r.min = case a.grade when 'A' then 3 when 'B' then 2 else 1 end`);
    });
  } finally {
    await sql.end();
  }
  // The stored grades were made as of the data's date; the app's clock is later.
  const database = await openPostgres(url, { max: 2 });
  let regrade: Prepared['regrade'];
  try {
    const r = await regradeOpenProspects(database.db, { asOf: BENCH_AS_OF, actor: 'load test setup' });
    regrade = { scanned: r.scanned, updated: r.updated, ms: r.ms };
  } finally {
    await database.close();
  }
  const after = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await after.unsafe('vacuum analyze');
    const [m] = await after<{ max: number }[]>`select coalesce(max(id), 0)::int as max from signals`;
    return { reps: opts.reps, managers: opts.managers, regrade, maxSignalId: m!.max, seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    await after.end();
  }
}

/**
 * The simulated people: `seniors` level-4 reps (they may log timing signals: a grade they raise
 * stays theirs), `juniors` reps of levels 1–3 (touches only, which never move a grade, so never
 * the owner) and `managers`, each with a session cookie, reps with the open prospects they own.
 */
export async function simUsers(url: string, counts: { seniors: number; juniors: number; managers: number }): Promise<SimUser[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const database = await openPostgres(url, { max: 1 });
  const now = fixedClock(BENCH_AS_OF).now();
  try {
    const pick = (level: string, n: number) => sql<{ id: number; name: string; level: number | null; accounts: number[] }[]>`
      select u.id, u.name, u.level, (select array_agg(a.id order by a.id) from accounts a where a.owner_id = u.id and a.kind = 'prospect' and a.status = 'open') as accounts
      from users u where u.role = 'rep' and ${sql.unsafe(level)}
        and (select count(*) from accounts a where a.owner_id = u.id and a.kind = 'prospect' and a.status = 'open') >= 20
      order by u.id limit ${n}`;
    const seniors = await pick('u.level = 4', counts.seniors);
    const juniors = await pick('u.level < 4', counts.juniors);
    const managers = await sql<{ id: number; name: string }[]>`select id, name from users where role = 'manager' and email like 'load-manager%' order by id limit ${counts.managers}`;
    if (seniors.length < counts.seniors || juniors.length < counts.juniors || managers.length < counts.managers) throw new Error('not enough reps owning 20 open prospects, or managers, for the simulated users');
    const out: SimUser[] = [];
    for (const u of [...seniors, ...juniors]) {
      const { token } = await createSession(database.db, u.id, { now, days: 365 });
      out.push({ id: u.id, name: u.name, role: 'rep', level: u.level, cookie: `${SESSION_COOKIE}=${token}`, accounts: u.accounts });
    }
    for (const m of managers) {
      const { token } = await createSession(database.db, m.id, { now, days: 365 });
      out.push({ id: m.id, name: m.name, role: 'manager', level: null, cookie: `${SESSION_COOKIE}=${token}`, accounts: [] });
    }
    return out;
  } finally {
    await sql.end();
    await database.close();
  }
}
