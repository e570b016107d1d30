import { eq, max, sql } from 'drizzle-orm';
import { addDays } from '../shared/dates.ts';
import type { Db } from '../db/client.ts';
import { accounts, users } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { hashPassword } from '../users/passwords.ts';
import type { Actor, Role } from '../users/model.ts';
import { DEMO_REPS, generateDemo } from './generate.ts';
import { loadDemo, loadDemoReview, type DemoLoadOptions, type DemoLoadResult } from './load-demo.ts';

// The demo's team: one admin, one manager and the demo's reps (two at each level), who own the
// demo accounts they worked. Their passwords are DETERMINISTIC AND PUBLIC ("demo-<first
// name>-pipegrade"): fine for a demo on a laptop, never for real data. `npm run demo` sets and
// prints them; the "Load demo data" button (an admin's) adds the people without passwords, so
// nobody can sign in as them until an admin sets one on the team page.

export type DemoPerson = { name: string; email: string; role: Role; level: number | null; region: string | null };

const REGIONS = ['North', 'South', 'East', 'West'] as const;

/** The demo reps' capacity in load points: room for the demo pipeline, so a balance can bring everyone within it. */
export const DEMO_CAPACITY = 150;

/** The demo rep who is on leave (their accounts need cover). */
export const DEMO_ON_LEAVE = 'Owen Fischer';

const emailOf = (name: string) => `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { name: 'Sam Okoro', email: emailOf('Sam Okoro'), role: 'admin', level: null, region: null },
  { name: 'Dana Whitfield', email: emailOf('Dana Whitfield'), role: 'manager', level: null, region: null },
  // Levels 4, 3, 2, 1, 4, 3, 2, 1: two reps at each level.
  ...DEMO_REPS.map((name, i) => ({ name, email: emailOf(name), role: 'rep' as const, level: 4 - (i % 4), region: REGIONS[i % REGIONS.length]! })),
];

/** The published demo password of a demo person. */
export const demoPassword = (p: Pick<DemoPerson, 'name'>) => `demo-${p.name.split(' ')[0]!.toLowerCase()}-pipegrade`;

export type DemoTeamMember = DemoPerson & { id: number; created: boolean; password: string | null };

const LOADER: Actor = { name: 'demo loader', id: null };

/**
 * Adds the demo people who are not there yet (by email); existing people are left as they are.
 * With `passwords`, the ones added get their demo password (returned, to be printed).
 */
export async function ensureDemoTeam(db: Db, opts: { passwords: boolean; actor?: Actor }): Promise<DemoTeamMember[]> {
  const actor = opts.actor ?? LOADER;
  const hashes = opts.passwords ? await Promise.all(DEMO_PEOPLE.map((p) => hashPassword(demoPassword(p)))) : null;
  return db.transaction(async (tx) => {
    const out: DemoTeamMember[] = [];
    for (const [i, p] of DEMO_PEOPLE.entries()) {
      const [have] = await tx.select({ id: users.id }).from(users).where(eq(users.email, p.email));
      if (have) {
        out.push({ ...p, id: have.id, created: false, password: null });
        continue;
      }
      const [row] = await tx
        .insert(users)
        .values({ name: p.name, email: p.email, role: p.role, level: p.level, region: p.region, capacity: p.role === 'rep' ? DEMO_CAPACITY : undefined, passwordHash: hashes?.[i] ?? null })
        .returning();
      await writeAudit(tx, {
        actor: actor.name,
        actorId: actor.id ?? null,
        entity: 'user',
        entityId: row!.id,
        accountId: null,
        action: 'created',
        after: { email: p.email, name: p.name, role: p.role, level: p.level, region: p.region, demo: true, hasPassword: !!hashes },
      });
      out.push({ ...p, id: row!.id, created: true, password: hashes ? demoPassword(p) : null });
    }
    return out;
  });
}

/**
 * loadDemo, then the demo team, and each demo account given to the rep who worked it. Refused
 * (DemoRefusedError) as loadDemo is, before any person is added.
 */
export async function loadDemoWithTeam(db: Db, opts: DemoLoadOptions & { passwords: boolean; actor?: Actor }): Promise<{ loaded: DemoLoadResult; team: DemoTeamMember[] }> {
  const [{ before } = { before: 0 }] = await db.select({ before: max(accounts.id) }).from(accounts);
  const loaded = await loadDemo(db, opts);
  const team = await ensureDemoTeam(db, opts);
  const idOf = new Map(team.map((m) => [m.name, m.id]));
  const owners = generateDemo({ today: opts.today, seed: opts.seed, count: opts.count })
    .prospects.map((p) => ({ domain: p.domain, owner: idOf.get(p.rep) }))
    .filter((o) => o.owner !== undefined);
  await db.transaction(async (tx) => {
    // Only the accounts this load added (a forced load skips existing ones, which keep their owner).
    await tx.execute(sql`
      update ${accounts} a set owner_id = v.owner
      from jsonb_to_recordset(${JSON.stringify(owners)}::jsonb) as v(domain text, owner int)
      where a.domain = v.domain and a.id > ${before ?? 0} and a.owner_id is null`);
    // The territory shows ownership at work: a rep on leave whose accounts need cover, and a few
    // pinned accounts (the demo's owners are whoever worked the account, so some are in breach
    // until a manager proposes a balance).
    const onLeave = team.find((m) => m.name === DEMO_ON_LEAVE && m.created);
    if (onLeave) await tx.update(users).set({ state: 'on_leave', leaveFrom: addDays(opts.today, -7), leaveUntil: addDays(opts.today, 21) }).where(eq(users.id, onLeave.id));
    await tx.execute(sql`
      update ${accounts} set pinned = true
      where id in (select id from ${accounts} where id > ${before ?? 0} and kind = 'customer' and owner_id is not null order by id limit 3)`);
    const actor = opts.actor ?? LOADER;
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'account', entityId: null, accountId: null, action: 'demo_loaded', after: loaded });
  });
  // Weekly reviews of the last 12 weeks, once the accounts have their owners (snapshots keep them).
  await loadDemoReview(db, { today: opts.today, managerId: team.find((m) => m.role === 'manager')?.id });
  return { loaded, team };
}
