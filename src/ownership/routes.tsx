import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { formValues, notFoundJson, parseId, validJson } from '../shared/http.ts';
import { csvResponse } from '../shared/csv.ts';
import { currentPolicy } from '../policy/store.ts';
import { accountKind } from '../customers/queries.ts';
import { MessagePage } from '../../views/errors.tsx';
import { PlanPage } from '../../views/ownership/plan.tsx';
import { TerritoryPage } from '../../views/ownership/territory.tsx';
import { assignByRules, changeOwner, setPinned } from './owner-change.ts';
import { applyPlan, discardPlan, filterMoves, getPlan, proposePlan, recentPlans, type ApplyResult, type PlanView, type ShownMove } from './plans.ts';
import { loadReps, ownerGroups, summarizeTerritory, type Territory } from './territory.ts';

// Ownership over HTTP: an account's owner, pin and rule-based placement; the territory page; and
// balance plans (propose, preview, apply whole or discard). Every page action has a JSON twin.

const ownerSchema = z.object({
  ownerId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number({ error: 'must be a user number, or null for nobody' }).int().min(1).max(2_147_483_647).nullable()),
});
const pinSchema = z.object({ pinned: z.preprocess((v) => (v === 'true' || v === 'on' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean({ error: 'must be true or false' })) });
const planSchema = z.object({ cover: z.preprocess((v) => (v === 'true' || v === 'on' || v === '1' ? true : v === undefined || v === '' || v === 'false' || v === '0' ? false : v), z.boolean({ error: 'must be true or false' })) });
/** The JSON bodies of the API twins (strict: an unknown field is refused); the OpenAPI document reads them too. */
export const ownerApiSchema = ownerSchema.strict();
export const pinApiSchema = z.object({ pinned: z.boolean({ error: 'must be true or false' }) }).strict();
export const planApiSchema = z.object({ cover: z.boolean({ error: 'must be true or false' }).default(false).meta({ description: 'Also move the accounts of reps on leave.' }) }).strict();
const movesQuery = z.object({
  rep: z.coerce.number().int().min(1).max(2_147_483_647).optional().catch(undefined),
  reason: z.enum(['unowned', 'below_level', 'owner_deactivated', 'owner_not_a_rep', 'cover', 'over_capacity', 'evening']).optional().catch(undefined),
  level: z.coerce.number().int().min(1).max(9).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

const pathOf = (a: { id: number; kind: string }) => `/${a.kind === 'customer' ? 'customers' : 'prospects'}/${a.id}`;

async function loadTerritory(c: Context<AppEnv>): Promise<Territory> {
  const db = c.var.deps.db;
  const [{ policy }, reps, groups] = await Promise.all([currentPolicy(db), loadReps(db), ownerGroups(db)]);
  return summarizeTerritory(groups, reps, policy.ownership, policy.tiering.tiers.map((t) => t.name));
}

const staleMessage = (problems: string[]) => `The territory changed since this plan was made, so nothing was applied. ${problems.join(' ')} Propose a new balance.`;

export function ownerPages() {
  const app = new Hono<AppEnv>();
  const notFound = (c: Context) => c.html(<MessagePage title="Account not found" message="There is no account with that number." />, 404);

  app.post('/accounts/:id/owner', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFound(c);
    const parsed = ownerSchema.safeParse(await formValues(c));
    if (!parsed.success) return c.html(<MessagePage title="Owner not changed" message="Choose someone from the list." />, 422);
    const r = await changeOwner(c.var.deps.db, id, parsed.data.ownerId, c.var.actor);
    if (!r.ok) return r.reason === 'not_found' ? notFound(c) : c.html(<MessagePage title="Owner not changed" message={Object.values(r.errors).join(' ')} />, 422);
    return c.redirect(`${pathOf(r.account)}?owner=${r.warnings.length ? 'warned' : 'changed'}#owner`, 303);
  });

  // Links that know only an account's number (plan moves, audit rows) land on its page.
  app.get('/accounts/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const kind = id ? await accountKind(c.var.deps.db, id) : undefined;
    if (!kind) return notFound(c);
    return c.redirect(pathOf({ id: id!, kind }), 302);
  });

  app.post('/accounts/:id/pin', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFound(c);
    const parsed = pinSchema.safeParse(await formValues(c));
    if (!parsed.success) return c.html(<MessagePage title="Not changed" message="Say whether to pin or unpin." />, 422);
    const r = await setPinned(c.var.deps.db, id, parsed.data.pinned, c.var.actor);
    if (!r.ok) return notFound(c);
    return c.redirect(`${pathOf(r.account)}?owner=${parsed.data.pinned ? 'pinned' : 'unpinned'}#owner`, 303);
  });

  app.post('/accounts/:id/assignment', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFound(c);
    const r = await assignByRules(c.var.deps.db, id, c.var.actor);
    if (!r.ok) {
      if (r.reason === 'not_found') return notFound(c);
      const message = r.reason === 'pinned' ? 'This account is pinned to its owner: unpin it first.' : 'This account is closed and needs no owner by the rules.';
      return c.html(<MessagePage title="Not assigned" message={message} />, 422);
    }
    const key = !r.outcome ? 'kept' : r.outcome.assignment.outcome === 'unassignable' ? 'unassignable' : 'assigned';
    return c.redirect(`${pathOf(r.account)}?owner=${key}#owner`, 303);
  });

  app.get('/territory', async (c) => {
    const [territory, plans, { policy }] = await Promise.all([loadTerritory(c), recentPlans(c.var.deps.db), currentPolicy(c.var.deps.db)]);
    return c.html(<TerritoryPage territory={territory} plans={plans} levels={policy.ownership.levels} />);
  });

  app.get('/territory.csv', async (c) => {
    const t = await loadTerritory(c);
    const tiers = Object.keys(t.reps[0]?.tiers ?? {});
    const header = ['rep_id', 'name', 'level', 'state', 'region', 'capacity', 'load', 'utilization_pct', 'accounts', 'A', 'B', 'C', 'D', ...tiers, 'breaches', 'stale', 'pinned'];
    const rows = t.reps.map((r) => [r.id, r.name, r.level, r.state, r.region ?? '', r.capacity, r.load, Math.round(r.utilization * 1000) / 10, r.count, r.grades.A, r.grades.B, r.grades.C, r.grades.D, ...tiers.map((k) => r.tiers[k] ?? 0), r.breaches, r.stale, r.pinned]);
    return csvResponse(c, `territory-${c.var.deps.clock.today()}.csv`, header, rows);
  });

  app.post('/territory/plans', async (c) => {
    const parsed = planSchema.safeParse(await formValues(c));
    if (!parsed.success) return c.html(<MessagePage title="No plan" message="The cover option must be on or off." />, 422);
    const plan = await proposePlan(c.var.deps.db, { cover: parsed.data.cover, asOf: c.var.deps.clock.today(), actor: c.var.actor });
    return c.redirect(`/territory/plans/${plan.id}`, 303);
  });

  const planPage = async (c: Context<AppEnv>, plan: PlanView, status: 200 | 409 | 422, extra: { problem?: string; notice?: string } = {}) => {
    const f = movesQuery.parse(c.req.query());
    const { moves, total } = await filterMoves(c.var.deps.db, plan, f);
    return c.html(<PlanPage plan={plan} moves={moves} total={total} filter={f} {...extra} />, status);
  };

  app.get('/territory/plans/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const plan = id ? await getPlan(c.var.deps.db, id) : null;
    if (!plan) return c.html(<MessagePage title="Plan not found" message="There is no balance plan with that number." />, 404);
    const notice = c.req.query('applied') ? `Applied: ${plan.summary.moveCount} accounts moved, each recorded in the audit trail.` : c.req.query('discarded') ? 'Discarded: nothing was changed.' : undefined;
    return planPage(c, plan, 200, { notice });
  });

  app.post('/territory/plans/:id/apply', async (c) => {
    const id = parseId(c.req.param('id'));
    const r: ApplyResult = id ? await applyPlan(c.var.deps.db, id, c.var.actor) : { ok: false, reason: 'not_found' };
    if (r.ok) return c.redirect(`/territory/plans/${r.plan.id}?applied=1`, 303);
    if (r.reason === 'not_found') return c.html(<MessagePage title="Plan not found" message="There is no balance plan with that number." />, 404);
    if (r.reason === 'decided') return planPage(c, r.plan, 409, { problem: `This plan was already ${r.plan.status}${r.plan.decidedBy ? ` by ${r.plan.decidedBy}` : ''}; nothing was changed.` });
    const plan = (await getPlan(c.var.deps.db, id!))!;
    return planPage(c, plan, 409, { problem: staleMessage(r.problems) });
  });

  app.post('/territory/plans/:id/discard', async (c) => {
    const id = parseId(c.req.param('id'));
    const r = id ? await discardPlan(c.var.deps.db, id, c.var.actor) : ({ ok: false, reason: 'not_found' } as const);
    if (r.ok) return c.redirect(`/territory/plans/${r.plan.id}?discarded=1`, 303);
    if (r.reason === 'not_found') return c.html(<MessagePage title="Plan not found" message="There is no balance plan with that number." />, 404);
    return planPage(c, r.plan, 409, { problem: `This plan was already ${r.plan.status}; nothing was changed.` });
  });

  return app;
}

const planJson = (p: PlanView, moves: ShownMove[], total: number) => ({
  id: p.id,
  status: p.status,
  asOf: p.asOf,
  policyVersion: p.policyVersion,
  options: p.options,
  summary: p.summary,
  reps: p.reps,
  moves,
  movesTotal: total,
  createdBy: p.createdBy,
  createdAt: p.createdAt,
  decidedBy: p.decidedBy,
  decidedAt: p.decidedAt,
});

export function ownerApi() {
  const app = new Hono<AppEnv>();

  const idOr404 = (c: Context) => {
    const id = parseId(c.req.param('id'));
    return id;
  };

  app.put('/accounts/:id/owner', async (c) => {
    const id = idOr404(c);
    if (!id) return notFoundJson(c, 'account');
    const parsed = await validJson(c, ownerApiSchema);
    if (!parsed.ok) return parsed.response;
    const r = await changeOwner(c.var.deps.db, id, parsed.data.ownerId, c.var.actor);
    if (!r.ok) return r.reason === 'not_found' ? notFoundJson(c, 'account') : c.json({ error: 'validation failed', issues: Object.entries(r.errors).map(([path, message]) => ({ path, message })) }, 422);
    return c.json({ id: r.account.id, ownerId: r.account.ownerId, changed: r.changed, warnings: r.warnings, version: r.account.version });
  });

  app.put('/accounts/:id/pin', async (c) => {
    const id = idOr404(c);
    if (!id) return notFoundJson(c, 'account');
    const parsed = await validJson(c, pinApiSchema);
    if (!parsed.ok) return parsed.response;
    const r = await setPinned(c.var.deps.db, id, parsed.data.pinned, c.var.actor);
    if (!r.ok) return notFoundJson(c, 'account');
    return c.json({ id: r.account.id, ownerId: r.account.ownerId, pinned: r.account.pinned, changed: r.changed });
  });

  app.post('/accounts/:id/assignment', async (c) => {
    const id = idOr404(c);
    if (!id) return notFoundJson(c, 'account');
    const r = await assignByRules(c.var.deps.db, id, c.var.actor);
    if (!r.ok) {
      if (r.reason === 'not_found') return notFoundJson(c, 'account');
      return c.json({ error: r.reason === 'pinned' ? 'the account is pinned to its owner: unpin it first' : 'the account is closed and needs no owner by the rules' }, 422);
    }
    return c.json({
      id: r.account.id,
      ownerId: r.account.ownerId,
      unassignable: r.account.unassignable,
      outcome: r.outcome ? r.outcome.assignment.outcome : 'kept',
      from: r.outcome ? r.outcome.from : r.account.ownerId,
      reason: r.message,
    });
  });

  app.get('/territory', async (c) => c.json(await loadTerritory(c)));

  app.post('/territory/plans', async (c) => {
    const parsed = await validJson(c, planApiSchema, { optional: true });
    if (!parsed.ok) return parsed.response;
    const plan = await proposePlan(c.var.deps.db, { cover: parsed.data.cover, asOf: c.var.deps.clock.today(), actor: c.var.actor });
    const { moves, total } = await filterMoves(c.var.deps.db, plan, { page: 1 });
    return c.json(planJson(plan, moves, total), 201);
  });

  app.get('/territory/plans/:id', async (c) => {
    const id = idOr404(c);
    const plan = id ? await getPlan(c.var.deps.db, id) : null;
    if (!plan) return notFoundJson(c, 'plan');
    const q = movesQuery.parse(c.req.query());
    const { moves, total } = await filterMoves(c.var.deps.db, plan, q);
    return c.json(planJson(plan, moves, total));
  });

  app.post('/territory/plans/:id/apply', async (c) => {
    const id = idOr404(c);
    const r: ApplyResult = id ? await applyPlan(c.var.deps.db, id, c.var.actor) : { ok: false, reason: 'not_found' };
    if (r.ok) return c.json({ id: r.plan.id, status: r.plan.status, moved: r.moved });
    if (r.reason === 'not_found') return notFoundJson(c, 'plan');
    if (r.reason === 'decided') return c.json({ error: `the plan was already ${r.plan.status}`, status: r.plan.status }, 409);
    return c.json({ error: 'the territory changed since this plan was made; nothing was applied: propose a new balance', problems: r.problems }, 409);
  });

  app.post('/territory/plans/:id/discard', async (c) => {
    const id = idOr404(c);
    const r = id ? await discardPlan(c.var.deps.db, id, c.var.actor) : ({ ok: false, reason: 'not_found' } as const);
    if (r.ok) return c.json({ id: r.plan.id, status: r.plan.status });
    if (r.reason === 'not_found') return notFoundJson(c, 'plan');
    return c.json({ error: `the plan was already ${r.plan.status}`, status: r.plan.status }, 409);
  });

  return app;
}
