import { and, asc, count, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, auditLog, balancePlanMoves, balancePlans, type BalancePlanRow } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { currentPolicy } from '../policy/store.ts';
import type { Actor } from '../users/model.ts';
import { TERRITORY_LOCK } from './auto-assign.ts';
import { moveExplainer, planBalance, type BalancePlan, type Move, type MoveFacts } from './balance.ts';
import { requirementOf } from './model.ts';
import { loadOwnedAccounts, loadReps, loadsFromGroups, ownerGroups, type TeamRep } from './territory.ts';

// A balance is proposed (computed and stored), previewed, then applied whole or discarded. The
// plan keeps what it was computed on: each rep's level, capacity, state and load, and each moved
// account's owner and requirement. Applying re-checks all of it under the territory lock and
// refuses the whole plan if anything moved, rather than apply half of a stale plan.

export type PlanOptions = { cover: boolean };

const MOVE_CHUNK = 10_000;

export type StoredRep = BalancePlan['reps'][number] & { name: string; region: string | null };

export type PlanSummary = Omit<BalancePlan, 'moves' | 'reps'> & { moveCount: number; ms: number; readMs: number; writeMs: number; accounts: number };

export type PlanView = {
  id: number;
  status: 'proposed' | 'applied' | 'discarded';
  asOf: string;
  policyVersion: number;
  options: PlanOptions;
  summary: PlanSummary;
  reps: StoredRep[];
  createdBy: string;
  createdAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
};

const viewOf = (r: BalancePlanRow): PlanView => ({
  id: r.id,
  status: r.status as PlanView['status'],
  asOf: r.asOf,
  policyVersion: r.policyVersion,
  options: r.options as PlanOptions,
  summary: r.summary as PlanSummary,
  reps: r.reps as StoredRep[],
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
});

/** Computes a balance on the territory as it is now and stores it as a proposal. */
export async function proposePlan(db: Db, opts: PlanOptions & { asOf: string; actor: Actor }): Promise<PlanView> {
  // One snapshot for the reps, the accounts and the policy, so the plan is of one moment.
  const row = await db.transaction(
    async (tx) => {
      const { version, policy } = await currentPolicy(tx);
      const t0 = performance.now();
      const [reps, owned] = [await loadReps(tx), await loadOwnedAccounts(tx, policy.ownership)];
      const started = performance.now();
      const plan = planBalance(owned, reps, { cover: opts.cover });
      const ms = Math.round(performance.now() - started);
      const names = new Map(reps.map((r) => [r.id, r] as const));
      const storedReps: StoredRep[] = plan.reps.map((r) => ({ ...r, name: names.get(r.id)?.name ?? `#${r.id}`, region: names.get(r.id)?.region ?? null }));
      const { moves, reps: _, ...rest } = plan;
      const summary: PlanSummary = { ...rest, moveCount: moves.length, ms, readMs: Math.round(started - t0), writeMs: 0, accounts: owned.length };
      const t1 = performance.now();
      const [row] = await tx
        .insert(balancePlans)
        .values({ asOf: opts.asOf, policyVersion: version, options: { cover: opts.cover }, summary, reps: storedReps, createdBy: opts.actor.name, createdById: opts.actor.id ?? null })
        .returning();
      const levelOf = new Map(reps.map((r) => [r.id, r.level]));
      // The moves as one JSON parameter per chunk: thousands of bound parameters cost more than the insert.
      // Not their sentences: those are rendered from these fields when shown (explainMoves).
      for (let i = 0; i < moves.length; i += MOVE_CHUNK) {
        const chunk = moves.slice(i, i + MOVE_CHUNK).map((m, j) => ({ ...m, seq: i + j + 1, toLevel: levelOf.get(m.to) ?? 0 }));
        await tx.execute(sql`
          insert into ${balancePlanMoves} (plan_id, seq, account_id, from_owner, to_owner, to_level, key, load, min_level, reason, util_after, made_room, room_for_level, from_load)
          select ${row!.id}, seq, "accountId", "from", "to", "toLevel", key, load, "minLevel", reason, "utilAfter", "madeRoom", "roomForLevel", "fromLoad"
          from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb)
            as v(seq int, "accountId" int, "from" int, "to" int, "toLevel" int, key text, load float8, "minLevel" int, reason text,
                 "utilAfter" float8, "madeRoom" boolean, "roomForLevel" int, "fromLoad" float8)`);
      }
      // How long reading and writing took beside planning, for the plan page and the benchmark.
      await tx.update(balancePlans).set({ summary: { ...summary, writeMs: Math.round(performance.now() - t1) } }).where(eq(balancePlans.id, row!.id));
      return { ...row!, summary: { ...summary, writeMs: Math.round(performance.now() - t1) } };
    },
    { isolationLevel: 'repeatable read' },
  );
  return viewOf(row);
}

/** A move as the plan page and the API show it, with its sentence. */
export type ShownMove = Pick<Move, 'accountId' | 'from' | 'to' | 'key' | 'load' | 'minLevel' | 'reason'> & { why: string };

/** Renders the sentences of a stored plan's moves, with the reps' names and levels as the plan saw them. */
export function explainMoves(plan: Pick<PlanView, 'reps' | 'summary'>): (m: MoveFacts) => string {
  return moveExplainer({ reps: plan.reps, target: plan.summary.target, names: new Map(plan.reps.map((r) => [r.id, r.name])) });
}

/** The columns a move's sentence is rendered from. */
const factColumns = {
  from: balancePlanMoves.fromOwner,
  to: balancePlanMoves.toOwner,
  key: balancePlanMoves.key,
  minLevel: balancePlanMoves.minLevel,
  reason: balancePlanMoves.reason,
  utilAfter: balancePlanMoves.utilAfter,
  madeRoom: balancePlanMoves.madeRoom,
  roomForLevel: balancePlanMoves.roomForLevel,
  fromLoad: balancePlanMoves.fromLoad,
};

export async function getPlan(db: Db, id: number): Promise<PlanView | null> {
  const [row] = await db.select().from(balancePlans).where(eq(balancePlans.id, id));
  return row ? viewOf(row) : null;
}

export async function recentPlans(db: Db, limit = 10) {
  return db
    .select({ id: balancePlans.id, status: balancePlans.status, createdBy: balancePlans.createdBy, createdAt: balancePlans.createdAt, decidedBy: balancePlans.decidedBy, summary: balancePlans.summary })
    .from(balancePlans)
    .orderBy(desc(balancePlans.id))
    .limit(limit);
}

export type ApplyResult =
  | { ok: true; plan: PlanView; moved: number }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'decided'; plan: PlanView }
  | { ok: false; reason: 'stale'; problems: string[] };

const MAX_PROBLEMS = 8;

/** What changed since the plan was computed, in sentences (empty: nothing, it can be applied). */
async function staleness(tx: Db, plan: PlanView): Promise<string[]> {
  const problems: string[] = [];
  const { version, policy } = await currentPolicy(tx);
  if (version !== plan.policyVersion) problems.push(`The ownership policy changed (version ${plan.policyVersion} → ${version}).`);
  const reps = await loadReps(tx);
  const now = new Map<number, TeamRep>(reps.map((r) => [r.id, r]));
  const loads = loadsFromGroups(await ownerGroups(tx), reps, policy.ownership);
  for (const r of plan.reps) {
    const cur = now.get(r.id);
    if (!cur) problems.push(`${r.name} is no longer a rep.`);
    else if (cur.level !== r.level || cur.capacity !== r.capacity || cur.state !== r.state) problems.push(`${r.name}'s level, capacity or state changed.`);
    else {
      const l = loads.get(r.id)!;
      if (l.load !== r.before.load || l.count !== r.before.count) problems.push(`${r.name} now carries ${l.count} accounts (${l.load} points); the plan was made when they carried ${r.before.count} (${r.before.load}).`);
    }
    if (problems.length >= MAX_PROBLEMS) return problems;
  }
  if (reps.length !== plan.reps.length) problems.push('Reps were added to the team.');
  if (!plan.summary.moveCount) return problems;
  // Every moved account, locked, beside what the plan saw.
  const rows = await query<{ id: number; ownerId: number | null; pinned: boolean; kind: string; status: string; grade: string | null; tier: string | null; from: number | null; key: string }>(
    tx,
    sql`select m.account_id as id, a.owner_id as "ownerId", a.pinned, a.kind, a.status, a.grade, a.tier, m.from_owner as "from", m.key
        from ${balancePlanMoves} m join ${accounts} a on a.id = m.account_id
        where m.plan_id = ${plan.id} order by m.account_id for update of a`,
  );
  if (rows.length < plan.summary.moveCount) problems.push(`${plan.summary.moveCount - rows.length} of the accounts it moves no longer exist.`);
  for (const a of rows) {
    const need = requirementOf(a, policy.ownership);
    if (a.ownerId !== a.from) problems.push(`Account #${a.id} changed owner since.`);
    else if (a.pinned) problems.push(`Account #${a.id} was pinned since.`);
    else if (!need || need.key !== a.key) problems.push(`Account #${a.id} is now ${need ? need.key : 'closed'}, not ${a.key}.`);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

/** Applies a proposed plan whole, in one transaction, or refuses it whole when the territory changed. */
export async function applyPlan(db: Db, id: number, actor: Actor): Promise<ApplyResult> {
  return db.transaction(async (tx) => {
    // Serialised with automatic assignment and other plans: two managers applying at once take turns.
    await tx.execute(sql`select pg_advisory_xact_lock(${TERRITORY_LOCK})`);
    const [row] = await tx.select().from(balancePlans).where(eq(balancePlans.id, id)).for('update');
    if (!row) return { ok: false as const, reason: 'not_found' as const };
    const plan = viewOf(row);
    if (plan.status !== 'proposed') return { ok: false as const, reason: 'decided' as const, plan };
    const problems = await staleness(tx, plan);
    if (problems.length) return { ok: false as const, reason: 'stale' as const, problems };
    const moved = plan.summary.moveCount;
    if (moved) {
      // Each audit row keeps the move's sentence, rendered here as the plan page shows it (plans
      // store no sentences: rendering them costs the plans applied, not every plan proposed).
      const why = explainMoves(plan);
      const facts = await tx
        .select({ seq: balancePlanMoves.seq, ...factColumns })
        .from(balancePlanMoves)
        .where(eq(balancePlanMoves.planId, plan.id))
        .orderBy(asc(balancePlanMoves.seq));
      const whys = JSON.stringify(facts.map((m) => [m.seq, why(m as MoveFacts)]));
      await tx.execute(sql`
        update ${accounts} a set owner_id = m.to_owner, unassignable = false, updated_at = now()
        from ${balancePlanMoves} m where m.plan_id = ${plan.id} and a.id = m.account_id`);
      const names = JSON.stringify(Object.fromEntries(plan.reps.map((r) => [r.id, r.name])));
      // One statement for every move's audit row: a plan may move thousands of accounts.
      await tx.execute(sql`
        insert into ${auditLog} (actor_id, actor, entity, entity_id, account_id, action, before, after)
        select ${actor.id ?? null}::int, ${actor.name}, 'account', m.account_id, m.account_id, 'owner_changed',
          jsonb_build_object('ownerId', m.from_owner, 'owner', n.names ->> m.from_owner::text),
          jsonb_build_object('ownerId', m.to_owner, 'owner', n.names ->> m.to_owner::text, 'cause', ${`balance plan #${plan.id}`}::text, 'reason', m.reason, 'why', w.e ->> 1)
        from ${balancePlanMoves} m cross join (select ${names}::jsonb as names) n
          join jsonb_array_elements(${whys}::jsonb) w(e) on (w.e ->> 0)::int = m.seq
        where m.plan_id = ${plan.id} order by m.seq`);
    }
    const [after] = await tx
      .update(balancePlans)
      .set({ status: 'applied', decidedBy: actor.name, decidedAt: sql`now()` })
      .where(eq(balancePlans.id, id))
      .returning();
    await writeAudit(tx, { actor: actor.name, actorId: actor.id ?? null, entity: 'account', entityId: null, accountId: null, action: 'balance_applied', after: { plan: id, moves: moved } });
    return { ok: true as const, plan: viewOf(after!), moved };
  });
}

export async function discardPlan(db: Db, id: number, actor: Actor): Promise<{ ok: true; plan: PlanView } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'decided'; plan: PlanView }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(balancePlans).where(eq(balancePlans.id, id)).for('update');
    if (!row) return { ok: false as const, reason: 'not_found' as const };
    if (row.status !== 'proposed') return { ok: false as const, reason: 'decided' as const, plan: viewOf(row) };
    const [after] = await tx.update(balancePlans).set({ status: 'discarded', decidedBy: actor.name, decidedAt: sql`now()` }).where(eq(balancePlans.id, id)).returning();
    return { ok: true as const, plan: viewOf(after!) };
  });
}

export type MoveFilter = { rep?: number; reason?: string; level?: number; page: number };
export const MOVES_PAGE = 100;

/** The plan's moves that match a filter, one page of them, and how many match. */
export async function filterMoves(db: Db, plan: PlanView, f: MoveFilter): Promise<{ moves: ShownMove[]; total: number }> {
  const w: SQL[] = [eq(balancePlanMoves.planId, plan.id)];
  if (f.rep !== undefined) w.push(or(eq(balancePlanMoves.fromOwner, f.rep), eq(balancePlanMoves.toOwner, f.rep))!);
  if (f.reason !== undefined) w.push(eq(balancePlanMoves.reason, f.reason));
  if (f.level !== undefined) w.push(eq(balancePlanMoves.toLevel, f.level));
  const [rows, [{ n } = { n: 0 }]] = await Promise.all([
    db
      .select({
        accountId: balancePlanMoves.accountId,
        load: balancePlanMoves.load,
        ...factColumns,
      })
      .from(balancePlanMoves)
      .where(and(...w))
      .orderBy(asc(balancePlanMoves.seq))
      .limit(MOVES_PAGE)
      .offset((f.page - 1) * MOVES_PAGE),
    db.select({ n: count() }).from(balancePlanMoves).where(and(...w)),
  ]);
  const why = explainMoves(plan);
  const moves = rows.map((m): ShownMove => ({ accountId: m.accountId, from: m.from, to: m.to, key: m.key, load: m.load, minLevel: m.minLevel, reason: m.reason as Move['reason'], why: why(m as MoveFacts) }));
  return { moves, total: n };
}
