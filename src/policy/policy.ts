import { z } from 'zod';

// The policy holds every number of DOMAIN.md; the code reads them from here, never from literals.
// A stored policy is parsed through this schema, so sections added later get their defaults.

export const GRADES = ['A', 'B', 'C', 'D'] as const;
export type Grade = (typeof GRADES)[number];

export const NEEDS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Need = (typeof NEEDS)[number];

export const SITUATIONS = ['greenfield', 'incumbent'] as const;
export type Situation = (typeof SITUATIONS)[number];

export const TIMING_SIGNALS = [
  'selection_started',
  'replacement_selection_started',
  'waiting_on_event',
  'incumbent_failing',
  'self_built_unmaintained',
  'need_no_urgency',
  'incumbent_aging',
  'need_denied',
  'incumbent_satisfied',
  'recently_signed',
  'self_build_in_progress',
] as const;
export type TimingSignalType = (typeof TIMING_SIGNALS)[number];

export const TOUCH_SIGNALS = ['call', 'meeting', 'email', 'visit', 'note'] as const;
export type TouchSignalType = (typeof TOUCH_SIGNALS)[number];

export const SIGNAL_TYPES = [...TIMING_SIGNALS, ...TOUCH_SIGNALS] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

// Messages name the allowed range, since the policy editor shows them next to each field.
const number = () => z.number({ error: 'must be a number' });
const points = number().min(0, 'must be 0 to 100 points').max(100, 'must be 0 to 100 points');
const weight = number().min(0, 'cannot be negative').max(1000, 'must be at most 1000');

/** A banded factor: `base` points below the first threshold, then each threshold's points from its lower bound up. */
export const bandsSchema = z
  .object({
    weight,
    base: points,
    steps: z.array(z.object({ from: number(), points })).min(1, 'needs at least one band'),
  })
  .refine((b) => b.steps.every((s, i) => i === 0 || s.from > b.steps[i - 1]!.from), {
    message: 'band lower bounds must increase',
    path: ['steps'],
  });
export type Bands = z.infer<typeof bandsSchema>;

const months = number().int('must be a whole number of months').min(0, 'cannot be negative').max(120, 'must be at most 120 months');
const days = number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days');

const signalCatalogueSchema = z.object(
  Object.fromEntries(
    TIMING_SIGNALS.map((t) => [t, z.object({ situation: z.enum(SITUATIONS, { error: 'choose greenfield or incumbent' }), window: z.enum(GRADES, { error: 'choose A, B, C or D' }) })]),
  ) as Record<TimingSignalType, z.ZodObject<{ situation: z.ZodEnum<{ greenfield: 'greenfield'; incumbent: 'incumbent' }>; window: z.ZodEnum<{ A: 'A'; B: 'B'; C: 'C'; D: 'D' }> }>>,
);

export const gradingPolicySchema = z
  .object({
    /** Months from a timing signal to its close-by date, per catalogue window; also the window-grade bounds. */
    windowMonths: z.object({ A: months, B: months, C: months }),
    /** For waiting_on_event with an event date: close by the event + this many months. */
    eventLeadMonths: months,
    /** D evidence older than this leaves the prospect without timing evidence (requalify). */
    requalifyMonths: months,
    staleDays: days,
    catalogue: signalCatalogueSchema,
    fit: z.object({
      size: bandsSchema,
      revenue: bandsSchema,
      growth: bandsSchema,
      need: z.object({ weight, points: z.object(Object.fromEntries(NEEDS.map((n) => [n, points])) as Record<Need, typeof points>) }),
      /** Fit below the floor demotes one letter. */
      floor: points,
      /** With no timing evidence: fit at or above this grades C, else D. */
      fitOnlyC: points,
    }),
  })
  .refine((g) => g.windowMonths.A <= g.windowMonths.B && g.windowMonths.B <= g.windowMonths.C, {
    message: 'windows must widen from A to C',
    path: ['windowMonths'],
  });
export type GradingPolicy = z.infer<typeof gradingPolicySchema>;

export const TIERS_DEFAULT = ['Strategic', 'Key', 'Standard'] as const;

export const tieringPolicySchema = z.object({
  /** Tier names from best to worst with the lowest score each reaches; the last one catches the rest. */
  tiers: z
    .array(z.object({ name: z.string({ error: 'name the tier' }).trim().min(1, 'name the tier').max(40, 'must be at most 40 characters'), minScore: points }))
    .min(1, 'needs at least one tier')
    .refine((ts) => ts.every((t, i) => i === 0 || t.minScore < ts[i - 1]!.minScore), 'tiers go from best to worst, each with a lower minimum score')
    .refine((ts) => new Set(ts.map((t) => t.name.toLowerCase())).size === ts.length, 'tier names must differ'),
  factors: z.object({
    sales12m: bandsSchema,
    lifetimeSales: bandsSchema,
    /** Average days paid late; bands on the number of days, lower is better. */
    credit: bandsSchema,
    margin: bandsSchema,
    growth: bandsSchema,
  }),
  windowMonths: months.min(1),
});
export type TieringPolicy = z.infer<typeof tieringPolicySchema>;

const seniority = z.object({
  minLevel: number().int('must be a level from 1 to 4').min(1, 'must be a level from 1 to 4').max(4, 'must be a level from 1 to 4'),
  load: number().min(0, 'cannot be negative').max(1000, 'must be at most 1000 points'),
});
export const ownershipPolicySchema = z.object({
  levels: z.array(z.object({ level: number().int().min(1), name: z.string().trim().min(1, 'name the level').max(60, 'must be at most 60 characters') })).min(1),
  defaultCapacity: number().min(1, 'must be at least 1 point').max(100000, 'must be at most 100,000 points'),
  byTier: z.record(z.string(), seniority),
  byGrade: z.object({ A: seniority, B: seniority, C: seniority, D: seniority }),
});
export type OwnershipPolicy = z.infer<typeof ownershipPolicySchema>;

const interval = z.object({ callDays: days, visitDays: days });
export const cadencePolicySchema = z.object({
  byTier: z.record(z.string(), interval),
  byGrade: z.object({ A: days, B: days, C: days, D: days }),
  callTypes: z.array(z.enum(SIGNAL_TYPES)).min(1, 'choose at least one signal'),
  visitTypes: z.array(z.enum(SIGNAL_TYPES)).min(1, 'choose at least one signal'),
});
export type CadencePolicy = z.infer<typeof cadencePolicySchema>;

const bands = (weight: number, base: number, steps: [number, number][]): Bands => ({
  weight,
  base,
  steps: steps.map(([from, p]) => ({ from, points: p })),
});

export const DEFAULT_POLICY = {
  grading: {
    windowMonths: { A: 3, B: 6, C: 12 },
    eventLeadMonths: 3,
    requalifyMonths: 12,
    staleDays: 30,
    catalogue: {
      selection_started: { situation: 'greenfield', window: 'A' },
      replacement_selection_started: { situation: 'incumbent', window: 'A' },
      waiting_on_event: { situation: 'greenfield', window: 'B' },
      incumbent_failing: { situation: 'incumbent', window: 'B' },
      self_built_unmaintained: { situation: 'incumbent', window: 'B' },
      need_no_urgency: { situation: 'greenfield', window: 'C' },
      incumbent_aging: { situation: 'incumbent', window: 'C' },
      need_denied: { situation: 'greenfield', window: 'D' },
      incumbent_satisfied: { situation: 'incumbent', window: 'D' },
      recently_signed: { situation: 'incumbent', window: 'D' },
      self_build_in_progress: { situation: 'incumbent', window: 'D' },
    },
    fit: {
      size: bands(25, 20, [[50, 50], [250, 80], [1000, 100]]),
      revenue: bands(25, 20, [[1_000_000, 50], [10_000_000, 80], [100_000_000, 100]]),
      growth: bands(20, 10, [[0, 40], [10, 70], [25, 100]]),
      need: { weight: 30, points: { none: 0, low: 30, medium: 60, high: 85, critical: 100 } },
      floor: 40,
      fitOnlyC: 70,
    },
  },
  tiering: {
    tiers: [
      { name: 'Strategic', minScore: 75 },
      { name: 'Key', minScore: 60 },
      { name: 'Standard', minScore: 0 },
    ],
    factors: {
      sales12m: bands(30, 20, [[10_000, 50], [50_000, 80], [200_000, 100]]),
      lifetimeSales: bands(15, 20, [[50_000, 50], [250_000, 80], [1_000_000, 100]]),
      // 0 days → 100 · 1–30 → 70 · 31–60 → 40 · > 60 → 0 (days are whole numbers; fractions round up).
      credit: bands(20, 100, [[1, 70], [31, 40], [61, 0]]),
      margin: bands(15, 20, [[10, 50], [25, 80], [40, 100]]),
      growth: bands(20, 20, [[0, 50], [10, 80], [30, 100]]),
    },
    windowMonths: 12,
  },
  ownership: {
    levels: [
      { level: 1, name: 'Associate' },
      { level: 2, name: 'Account Executive' },
      { level: 3, name: 'Senior AE' },
      { level: 4, name: 'Key Account Manager' },
    ],
    defaultCapacity: 100,
    byTier: {
      Strategic: { minLevel: 4, load: 10 },
      Key: { minLevel: 3, load: 5 },
      Standard: { minLevel: 2, load: 2 },
    },
    byGrade: {
      A: { minLevel: 3, load: 4 },
      B: { minLevel: 2, load: 3 },
      C: { minLevel: 1, load: 2 },
      D: { minLevel: 1, load: 1 },
    },
  },
  cadence: {
    byTier: {
      Strategic: { callDays: 30, visitDays: 90 },
      Key: { callDays: 90, visitDays: 180 },
      Standard: { callDays: 180, visitDays: 365 },
    },
    byGrade: { A: 7, B: 14, C: 30, D: 90 },
    callTypes: ['call', 'meeting', 'visit'],
    visitTypes: ['visit', 'meeting'],
  },
} satisfies Policy;

export const policySchema = z.object({
  grading: gradingPolicySchema.default(DEFAULT_POLICY.grading as GradingPolicy),
  tiering: tieringPolicySchema.default(DEFAULT_POLICY.tiering),
  ownership: ownershipPolicySchema.default(DEFAULT_POLICY.ownership),
  cadence: cadencePolicySchema.default(DEFAULT_POLICY.cadence as CadencePolicy),
});

export type Policy = {
  grading: GradingPolicy;
  tiering: TieringPolicy;
  ownership: OwnershipPolicy;
  cadence: CadencePolicy;
};

export function defaultPolicy(): Policy {
  return structuredClone(DEFAULT_POLICY) as Policy;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deep-merges overrides into a base (objects merge, arrays and scalars replace). */
export function mergePolicy(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) out[k] = mergePolicy(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type PolicyParse = { ok: true; policy: Policy } | { ok: false; issues: { path: string; message: string }[] };

export function parsePolicy(body: unknown): PolicyParse {
  const r = policySchema.safeParse(body);
  if (r.success) return { ok: true, policy: r.data as Policy };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}

export type PolicyIssue = { path: (string | number)[]; message: string };

/**
 * Rules across fields that an edited policy must keep before it is saved. Stored versions and the
 * previews' overrides are parsed without them (an old version stays readable; a preview may try
 * tiers that ownership does not name yet), so they live here and not in policySchema.
 */
export function crossFieldIssues(p: Policy): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  const w = p.grading.windowMonths;
  if (w.A < 1) out.push({ path: ['grading', 'windowMonths', 'A'], message: 'must be at least 1 month' });
  if (w.B <= w.A) out.push({ path: ['grading', 'windowMonths', 'B'], message: `must be more months than A's window (${w.A})` });
  if (w.C <= w.B) out.push({ path: ['grading', 'windowMonths', 'C'], message: `must be more months than B's window (${w.B})` });
  if (p.grading.requalifyMonths < 1) out.push({ path: ['grading', 'requalifyMonths'], message: 'must be at least 1 month' });
  const f = p.grading.fit;
  // All weights 0 would divide by zero when the factors are rescaled.
  if (f.size.weight + f.revenue.weight + f.growth.weight + f.need.weight <= 0) out.push({ path: ['grading', 'fit', 'size', 'weight'], message: 'at least one fit factor needs a weight above 0' });
  const t = p.tiering.factors;
  if (t.sales12m.weight + t.lifetimeSales.weight + t.credit.weight + t.margin.weight + t.growth.weight <= 0)
    out.push({ path: ['tiering', 'factors', 'sales12m', 'weight'], message: 'at least one tier factor needs a weight above 0' });

  // Every tier needs an owner level, a load and contact intervals, and nothing else does.
  const names = p.tiering.tiers.map((x) => x.name);
  for (const [section, what] of [
    ['ownership', 'a minimum owner level and a load'],
    ['cadence', 'a call and a visit interval'],
  ] as const) {
    const byTier = p[section].byTier;
    for (const n of names) if (!Object.hasOwn(byTier, n)) out.push({ path: [section, 'byTier', n], message: `give the ${n} tier ${what}` });
    for (const k of Object.keys(byTier)) if (!names.includes(k)) out.push({ path: [section, 'byTier', k], message: `${k} is not a tier: remove it, or add the tier` });
  }

  const levels = p.ownership.levels.map((l) => l.level);
  if (new Set(levels).size !== levels.length) out.push({ path: ['ownership', 'levels'], message: 'each level is listed once' });
  const known = new Set(levels);
  const checkLevel = (path: (string | number)[], level: number) => {
    if (!known.has(level)) out.push({ path: [...path, 'minLevel'], message: `there is no level ${level}` });
  };
  for (const [k, s] of Object.entries(p.ownership.byTier)) checkLevel(['ownership', 'byTier', k], s.minLevel);
  for (const [k, s] of Object.entries(p.ownership.byGrade)) checkLevel(['ownership', 'byGrade', k], s.minLevel);

  const touch = new Set<string>(TOUCH_SIGNALS);
  for (const key of ['callTypes', 'visitTypes'] as const) {
    if (p.cadence[key].some((x) => !touch.has(x))) out.push({ path: ['cadence', key], message: `only contact signals (${TOUCH_SIGNALS.join(', ')}) count` });
  }
  return out;
}

/** An edited policy: every section given (no defaults), and the rules across fields. */
export const policyEditSchema = z
  .object({
    grading: gradingPolicySchema,
    tiering: tieringPolicySchema,
    ownership: ownershipPolicySchema,
    cadence: cadencePolicySchema,
  })
  .superRefine((p, ctx) => {
    for (const i of crossFieldIssues(p as Policy)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  });

/** Leaf paths of a JSON value ("grading.fit.size.steps.0.from"); empty objects and arrays are leaves. */
export function leafPaths(v: unknown, prefix = '', out: string[] = []): string[] {
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : isPlainObject(v) ? Object.entries(v) : null;
  if (!entries || !entries.length) {
    if (prefix) out.push(prefix);
    return out;
  }
  for (const [k, x] of entries) leafPaths(x, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/**
 * Validates a policy to be saved: the edit schema, and no field it does not know (a mistyped key
 * would otherwise be dropped silently and its section keep the old numbers).
 */
export function parsePolicyEdit(body: unknown): PolicyParse {
  const r = policyEditSchema.safeParse(body);
  if (!r.success) {
    // One message per field: the first (a value out of range need not also be "no such level").
    const byPath = new Map<string, string>();
    for (const i of r.error.issues) {
      const path = i.path.map(String).join('.');
      if (!byPath.has(path)) byPath.set(path, i.message);
    }
    return { ok: false, issues: [...byPath].map(([path, message]) => ({ path, message })) };
  }
  const known = new Set(leafPaths(r.data));
  const unknown = leafPaths(body).filter((p) => !known.has(p));
  if (unknown.length) return { ok: false, issues: unknown.map((path) => ({ path, message: 'unknown field' })) };
  return { ok: true, policy: r.data as Policy };
}
