// 8. The territory balance planner (src/ownership/balance.ts), pure and in memory: planBalance()
// on a generated team, its moves against a from-scratch assignment, and its maximum utilization
// against the lower bound. Data are generated here (seeded), not read from a database.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { planBalance, type BalancePlan } from '../src/ownership/balance.ts';
import { requirementOf, type OwnedAccount, type Rep, type RepState, type Requirement } from '../src/ownership/model.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import type { Scale } from './config.ts';
import { fmt, fmtInt, fmtMiB, fmtMs, goal, log, median, table } from './stats.ts';

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type PlannerTeam = { accounts: OwnedAccount[]; reps: Rep[]; notes: Record<string, number> };

/**
 * A realistic territory: reps 40/30/20/10 % over levels 1–4, a few on leave or deactivated;
 * accounts mostly C/D prospects, some A/B, 15 % customers by tier; owners mostly at the account's
 * minimum level, unevenly (some reps are favoured); about 5 % unowned, 1 % owned below level,
 * 0.2 % owned by a non-rep, 1 % pinned. Capacities are set so the team averages about 90 %.
 */
export function plannerTeam(nAccounts: number, nReps: number, seed = 42): PlannerTeam {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly (readonly [T, number])[]): T => {
    let u = rnd() * xs.reduce((s, x) => s + x[1], 0);
    for (const [v, w] of xs) if ((u -= w) < 0) return v;
    return xs[xs.length - 1]![0];
  };
  const policy = defaultPolicy().ownership;
  const needs = new Map<string, Requirement | null>();
  const needOf = (kind: string, status: string, grade: string | null, tier: string | null) => {
    const k = `${kind}|${status}|${grade}|${tier}`;
    if (!needs.has(k)) needs.set(k, requirementOf({ kind, status, grade, tier }, policy));
    return needs.get(k)!;
  };

  const reps: Rep[] = [];
  const popularity: number[] = [];
  for (let i = 0; i < nReps; i++) {
    const level = pick([
      [1, 40],
      [2, 30],
      [3, 20],
      [4, 10],
    ] as const);
    const state: RepState = pick([
      ['active', 97],
      ['on_leave', 2],
      ['deactivated', 1],
    ] as const);
    reps.push({ id: 1000 + i * 3, level, capacity: 0, state });
    // Log-normal-ish: a few reps get much more than their share.
    popularity.push(Math.exp((rnd() + rnd() + rnd() - 1.5) * 0.6));
  }
  const byLevel = [1, 2, 3, 4].map((l) => reps.map((r, i) => [i, r.level === l ? 3 * popularity[i]! : r.level > l ? popularity[i]! : 0] as const).filter((x) => x[1] > 0));
  // Cumulative weights for a fast weighted draw per minimum level.
  const cumul = byLevel.map((xs) => {
    const idx = Int32Array.from(xs.map((x) => x[0]));
    const cw = new Float64Array(xs.length);
    let s = 0;
    xs.forEach((x, k) => (cw[k] = s += x[1]));
    return { idx, cw, total: s };
  });
  const draw = (minLevel: number) => {
    const { idx, cw, total } = cumul[Math.min(4, Math.max(1, minLevel)) - 1]!;
    const u = rnd() * total;
    let lo = 0;
    let hi = cw.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cw[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return idx[lo]!;
  };

  const accounts: OwnedAccount[] = [];
  const load = new Float64Array(nReps);
  const notes = { unowned: 0, belowLevel: 0, notARep: 0, pinned: 0, noNeed: 0 };
  for (let i = 0; i < nAccounts; i++) {
    const customer = rnd() < 0.15;
    const need = customer
      ? needOf('customer', 'won', null, pick([
          ['Strategic', 5],
          ['Key', 20],
          ['Standard', 75],
        ] as const))
      : rnd() < 0.1
        ? needOf('prospect', rnd() < 0.5 ? 'lost' : 'disqualified', 'D', null)
        : needOf('prospect', 'open', pick([
            ['A', 5],
            ['B', 10],
            ['C', 35],
            ['D', 40],
          ] as const), null);
    let ownerId: number | null;
    const u = rnd();
    if (!need) {
      notes.noNeed++;
      ownerId = reps[draw(1)]!.id;
    } else if (u < 0.05) {
      notes.unowned++;
      ownerId = null;
    } else if (u < 0.06 && need.minLevel > 1) {
      const r = reps[draw(need.minLevel - 1)]!;
      ownerId = r.id;
      if (r.level < need.minLevel) notes.belowLevel++;
    } else if (u < 0.062) {
      notes.notARep++;
      ownerId = 7; // a manager
    } else {
      const r = draw(need.minLevel);
      ownerId = reps[r]!.id;
      load[r]! += need.load;
    }
    const pinned = rnd() < 0.01;
    if (pinned) notes.pinned++;
    accounts.push({ id: 100_000 + i, ownerId, pinned, need });
  }
  // Capacities round to 10 points, 0.8–1.25 × an even share of the load at 90 %, independent of
  // who got what: some reps start well over capacity, some with room.
  let total = 0;
  for (const a of accounts) total += a.need?.load ?? 0;
  const share = total / (nReps * 0.97) / 0.9;
  for (const r of reps) r.capacity = Math.max(10, Math.round((share * (0.8 + 0.45 * rnd())) / 10) * 10);
  return { accounts, reps, notes };
}

export type PlannerCase = {
  accounts: number;
  reps: number;
  runs: number;
  ms: number[];
  median: number;
  plan: Omit<BalancePlan, 'moves' | 'reps' | 'unassignable' | 'pinnedInBreach' | 'needingCover'> & {
    moves: number;
    unassignable: number;
    pinnedInBreach: number;
    needingCover: number;
    byReason: Record<string, number>;
    overCapacityBefore: number;
    overCapacityAfter: number;
    minAfter: number;
  };
  /** Heap after a full GC: the data alone, then the data and one plan; the process's peak RSS. */
  memory: { data: number; withPlan: number; peakRss: number };
};

export type PlannerResult = { cases: PlannerCase[] };

/** A full garbage collection, for heap figures that mean something (the flag can be set at run time). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function runCase(nAccounts: number, nReps: number, runs: number): PlannerCase {
  const team = plannerTeam(nAccounts, nReps);
  let plan: BalancePlan | null = null;
  fullGc();
  const data = process.memoryUsage().heapUsed;
  // One warm-up, then timed runs.
  plan = planBalance(team.accounts, team.reps, { cover: false });
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    plan = null;
    const t0 = performance.now();
    plan = planBalance(team.accounts, team.reps, { cover: false });
    ms.push(performance.now() - t0);
  }
  fullGc();
  const withPlan = process.memoryUsage().heapUsed;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const p = plan;
  const byReason: Record<string, number> = {};
  for (const m of p.moves) byReason[m.reason] = (byReason[m.reason] ?? 0) + 1;
  const active = p.reps.filter((r) => r.state === 'active');
  const { moves, reps, ...rest } = p;
  const c: PlannerCase = {
    accounts: nAccounts,
    reps: nReps,
    runs,
    ms,
    median: median(ms),
    plan: {
      ...rest,
      unassignable: rest.unassignable.length,
      pinnedInBreach: rest.pinnedInBreach.length,
      needingCover: rest.needingCover.length,
      moves: moves.length,
      byReason,
      overCapacityBefore: active.filter((r) => r.before.utilization > 1).length,
      overCapacityAfter: active.filter((r) => r.after.utilization > 1).length,
      minAfter: Math.min(...active.map((r) => r.after.utilization)),
    },
    memory: { data, withPlan, peakRss },
  };
  log(
    `  ${fmtInt(nAccounts)} accounts / ${fmtInt(nReps)} reps: median ${fmtMs(c.median)} (runs ${ms.map((x) => fmtMs(x)).join(', ')}); ` +
      `moves ${fmtInt(moves.length)} vs from scratch ${fmtInt(p.fromScratch.moves)} (at best ${fmtInt(p.fromScratch.movesAtBest)}); bound ${fmt(p.bound.utilization * 100, 2)} % (level ${p.bound.level}), ` +
      `target ${fmt(p.target * 100, 2)} %, max after ${fmt(p.maxAfter * 100, 2)} % (before ${fmt(p.maxBefore * 100, 1)} %), from scratch ${fmt(p.fromScratch.maxUtilization * 100, 2)} %; ` +
      `breaches ${p.breachesBefore} → ${p.breachesAfter}`,
  );
  return c;
}

export function runPlannerBench(scale: Scale): PlannerResult {
  const sizes: [number, number, number][] =
    scale.name === 'full'
      ? [
          [100_000, 500, 7],
          [1_000_000, 2_000, 5],
        ]
      : [
          [10_000, 50, 7],
          [100_000, 500, 7],
        ];
  return { cases: sizes.map(([a, r, runs]) => runCase(a, r, runs)) };
}

export function plannerMarkdown(r: PlannerResult): string {
  const pctOf = (x: number) => `${fmt(x * 100, 2)} %`;
  const rows = r.cases.map((c) => [
    `${fmtInt(c.accounts)} / ${fmtInt(c.reps)}`,
    `**${fmtMs(c.median)}**`,
    `${fmtMs(Math.min(...c.ms))} – ${fmtMs(Math.max(...c.ms))}`,
    `**${fmtInt(c.plan.moves)}**`,
    `${fmtInt(c.plan.fromScratch.moves)} (at best ${fmtInt(c.plan.fromScratch.movesAtBest)})`,
    `${pctOf(c.plan.bound.utilization)} (level ${c.plan.bound.level})`,
    `**${pctOf(c.plan.maxAfter)}**`,
    pctOf(c.plan.target),
    pctOf(c.plan.fromScratch.maxUtilization),
    `${pctOf(c.plan.maxBefore)} → ${pctOf(c.plan.maxAfter)}`,
    `${fmtMiB(c.memory.data)} / ${fmtMiB(c.memory.withPlan - c.memory.data)} / ${fmtMiB(c.memory.peakRss)}`,
  ]);
  const detail = r.cases.map(
    (c) =>
      `- ${fmtInt(c.accounts)} / ${fmtInt(c.reps)}: moves by reason ${Object.entries(c.plan.byReason)
        .map(([k, v]) => `${k} ${fmtInt(v)}`)
        .join(', ')}; breaches ${fmtInt(c.plan.breachesBefore)} → ${fmtInt(c.plan.breachesAfter)} ` +
      `(${fmtInt(c.plan.pinnedInBreach)} pinned left in breach, ${fmtInt(c.plan.unassignable)} unassignable); ` +
      `${fmtInt(c.plan.needingCover)} accounts of reps on leave left needing cover; active reps over capacity ${c.plan.overCapacityBefore} → ${c.plan.overCapacityAfter}; ` +
      `lowest utilization after ${pctOf(c.plan.minAfter)}.`,
  );
  const at100k = r.cases.find((c) => c.accounts === 100_000);
  const within = r.cases.every((c) => c.plan.maxAfter <= c.plan.bound.utilization * 1.01 + 1e-12);
  return [
    '### 8. Territory balance planner (pure, one core)',
    '',
    'Generated by bench/planner.ts (seeded): reps 40/30/20/10 % at levels 1–4, about 2 % on leave and 1 % deactivated; accounts 85 % prospects (A 5 %, B 10 %, C 35 %, D 40 % of the open ones; 10 % lost or disqualified) and 15 % customers (Strategic 5 %, Key 20 %, Standard 75 %), load points and minimum levels from the default policy; ' +
      'owners mostly at the minimum level, unevenly (some reps favoured); about 5 % unowned, 1 % owned below level, 0.2 % by a non-rep, 1 % pinned; capacities round to 10 points, 0.8–1.25 × an even share at 90 %, independent of the load, so some reps start far over capacity. ' +
      `\`planBalance(accounts, reps, { cover: false })\` (the from-scratch comparison included) after one warm-up, then ${r.cases.map((c) => c.runs).join(' / ')} timed runs; the median is reported. ` +
      'The bound is the lowest maximum utilization any plan can reach (per level: the load that needs that level or above over the capacity of the active reps there); the from-scratch assignment re-places every unpinned account by the same rule and target, ignoring current owners (each kind of account in id order takes the places the rule picks in order); "at best" counts an account as staying whenever the rule gives its owner a place for its kind of account, the fewest moves any naming of that assignment could reach.',
    '',
    table(['accounts / reps', 'time (median)', 'range', 'moves', 'from-scratch moves', 'bound', 'max after', 'target', 'from-scratch max', 'max before → after', 'heap: data / plan; peak RSS'], rows),
    '',
    ...detail,
    '',
    'Memory: the heap after a full garbage collection holding the generated data, what one plan (its moves, every rep) adds to it, and the peak RSS of the benchmark process so far (it grows with the largest case).',
    '',
    (at100k ? `Goal ≤ 0.5 s for 100,000 accounts / 500 reps: ${goal(at100k.median <= 500)} (${fmtMs(at100k.median)}). ` : '') +
      `Goal max after within 1 % of the bound: ${goal(within)}. Goal far fewer moves than from scratch: ${goal(r.cases.every((c) => c.plan.moves < c.plan.fromScratch.moves / 2))} (also fewer than from scratch at best: ${r.cases.every((c) => c.plan.moves < c.plan.fromScratch.movesAtBest) ? 'yes' : 'no'}).`,
  ].join('\n');
}
