import { SIGNAL_LABELS } from '../grading/explain.ts';
import { DEFAULT_POLICY, GRADES, NEEDS, TIMING_SIGNALS, TOUCH_SIGNALS, parsePolicyEdit, type Bands, type Policy } from './policy.ts';

// The policy editor's form: every number of the policy as a named field, read back into a policy
// and validated with the edit schema, each issue put back on the field it is about. Pure.
//
// Field names are the policy's own paths ("grading.windowMonths.B"), except the tiers: one row
// per tier ("tiers.1.name", "tiers.1.minScore", "tiers.1.minLevel", "tiers.1.callDays"), so a tier
// renamed or added in the form keeps its ownership and cadence numbers (which the policy keys by
// name). Band and tier rows left blank are dropped; the form always offers one blank row to add.

export type FormValues = Record<string, string>;
export type FormErrors = Record<string, string>;

export const FIT_BANDS = ['size', 'revenue', 'growth'] as const;
export const TIER_BANDS = ['sales12m', 'lifetimeSales', 'credit', 'margin', 'growth'] as const;

export const FIT_LABELS: Record<(typeof FIT_BANDS)[number] | 'need', string> = { size: 'Size (employees)', revenue: 'Revenue (annual)', growth: 'Growth (% a year)', need: 'Need' };
export const TIER_FACTOR_NAMES: Record<(typeof TIER_BANDS)[number], string> = {
  sales12m: 'Sales in the sales window',
  lifetimeSales: 'Lifetime sales',
  credit: 'Credit (average days paid late)',
  margin: 'Margin (gross %)',
  growth: 'Growth (% against the window before)',
};

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function bandsToForm(out: FormValues, prefix: string, b: Bands) {
  out[`${prefix}.weight`] = str(b.weight);
  out[`${prefix}.base`] = str(b.base);
  b.steps.forEach((s, i) => {
    out[`${prefix}.steps.${i}.from`] = str(s.from);
    out[`${prefix}.steps.${i}.points`] = str(s.points);
  });
}

/** The form's values for a policy. */
export function policyToForm(p: Policy): FormValues {
  const out: FormValues = {};
  const g = p.grading;
  for (const k of ['A', 'B', 'C'] as const) out[`grading.windowMonths.${k}`] = str(g.windowMonths[k]);
  out['grading.eventLeadMonths'] = str(g.eventLeadMonths);
  out['grading.requalifyMonths'] = str(g.requalifyMonths);
  out['grading.staleDays'] = str(g.staleDays);
  for (const t of TIMING_SIGNALS) out[`grading.catalogue.${t}.window`] = g.catalogue[t]?.window ?? '';
  for (const f of FIT_BANDS) bandsToForm(out, `grading.fit.${f}`, g.fit[f]);
  out['grading.fit.need.weight'] = str(g.fit.need.weight);
  for (const n of NEEDS) out[`grading.fit.need.points.${n}`] = str(g.fit.need.points[n]);
  out['grading.fit.floor'] = str(g.fit.floor);
  out['grading.fit.fitOnlyC'] = str(g.fit.fitOnlyC);

  p.tiering.tiers.forEach((t, i) => {
    out[`tiers.${i}.name`] = t.name;
    out[`tiers.${i}.minScore`] = str(t.minScore);
    const o = p.ownership.byTier[t.name];
    const c = p.cadence.byTier[t.name];
    out[`tiers.${i}.minLevel`] = str(o?.minLevel);
    out[`tiers.${i}.load`] = str(o?.load);
    out[`tiers.${i}.callDays`] = str(c?.callDays);
    out[`tiers.${i}.visitDays`] = str(c?.visitDays);
  });
  for (const f of TIER_BANDS) bandsToForm(out, `tiering.factors.${f}`, p.tiering.factors[f]);
  out['tiering.windowMonths'] = str(p.tiering.windowMonths);

  p.ownership.levels.forEach((l, i) => (out[`ownership.levels.${i}.name`] = l.name));
  out['ownership.defaultCapacity'] = str(p.ownership.defaultCapacity);
  for (const k of GRADES) {
    out[`ownership.byGrade.${k}.minLevel`] = str(p.ownership.byGrade[k].minLevel);
    out[`ownership.byGrade.${k}.load`] = str(p.ownership.byGrade[k].load);
    out[`cadence.byGrade.${k}`] = str(p.cadence.byGrade[k]);
  }
  for (const t of p.cadence.callTypes) out[`cadence.callTypes.${t}`] = 'on';
  for (const t of p.cadence.visitTypes) out[`cadence.visitTypes.${t}`] = 'on';
  return out;
}

/** The row numbers present in the form under `prefix` ("tiers" → 0, 1, 2 from "tiers.2.name"), ascending. */
export function rowsOf(values: FormValues, prefix: string): number[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d{1,3})\\.`);
  const rows = new Set<number>();
  for (const k of Object.keys(values)) {
    const m = re.exec(k);
    if (m) rows.add(Number(m[1]));
  }
  return [...rows].sort((a, b) => a - b);
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/** Reads the form into a policy (fields that do not parse as numbers are left out, with their error). */
function build(values: FormValues, base: Policy) {
  const errors: FormErrors = {};
  // For each list, the form row each item of the policy's list came from.
  const rows: Record<string, number[]> = {};
  // A field that does not parse stands in with the base's number (or 0), so that the schema still
  // checks everything else and the manager sees every problem at once; its own message wins.
  const fallback = (field: string) => {
    const v = field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), base);
    return typeof v === 'number' ? v : 0;
  };
  const num = (field: string): number => {
    const raw = values[field];
    if (blank(raw)) {
      errors[field] = 'is required';
      return fallback(field);
    }
    const s = raw!.trim().replace(/[,\s_]/g, '');
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
      errors[field] = 'must be a number';
      return fallback(field);
    }
    return Number(s);
  };
  const bands = (prefix: string) => {
    const steps: { from: number; points: number }[] = [];
    rows[`${prefix}.steps`] = [];
    for (const i of rowsOf(values, `${prefix}.steps`)) {
      const from = `${prefix}.steps.${i}.from`;
      const pts = `${prefix}.steps.${i}.points`;
      if (blank(values[from]) && blank(values[pts])) continue;
      steps.push({ from: num(from), points: num(pts) });
      if (blank(values[from]) || blank(values[pts])) errors[blank(values[from]) ? from : pts] = 'fill in both, or clear both to remove the band';
      rows[`${prefix}.steps`]!.push(i);
    }
    return { weight: num(`${prefix}.weight`), base: num(`${prefix}.base`), steps };
  };

  const catalogue = Object.fromEntries(
    TIMING_SIGNALS.map((t) => [t, { situation: base.grading.catalogue[t]?.situation ?? DEFAULT_POLICY.grading.catalogue[t].situation, window: values[`grading.catalogue.${t}.window`] ?? '' }]),
  );
  const grading = {
    windowMonths: { A: num('grading.windowMonths.A'), B: num('grading.windowMonths.B'), C: num('grading.windowMonths.C') },
    eventLeadMonths: num('grading.eventLeadMonths'),
    requalifyMonths: num('grading.requalifyMonths'),
    staleDays: num('grading.staleDays'),
    catalogue,
    fit: {
      size: bands('grading.fit.size'),
      revenue: bands('grading.fit.revenue'),
      growth: bands('grading.fit.growth'),
      need: { weight: num('grading.fit.need.weight'), points: Object.fromEntries(NEEDS.map((n) => [n, num(`grading.fit.need.points.${n}`)])) },
      floor: num('grading.fit.floor'),
      fitOnlyC: num('grading.fit.fitOnlyC'),
    },
  };

  const tiers: { name: string; minScore: number }[] = [];
  const ownByTier: Record<string, unknown> = {};
  const cadByTier: Record<string, unknown> = {};
  rows.tiers = [];
  const TIER_FIELDS = ['name', 'minScore', 'minLevel', 'load', 'callDays', 'visitDays'] as const;
  for (const i of rowsOf(values, 'tiers')) {
    const f = (k: (typeof TIER_FIELDS)[number]) => `tiers.${i}.${k}`;
    if (TIER_FIELDS.every((k) => blank(values[f(k)]))) continue;
    const name = (values[f('name')] ?? '').trim();
    if (!name) {
      errors[f('name')] = 'name the tier, or clear the whole row to remove it';
      continue;
    }
    tiers.push({ name, minScore: num(f('minScore')) });
    rows.tiers.push(i);
    ownByTier[name] = { minLevel: num(f('minLevel')), load: num(f('load')) };
    cadByTier[name] = { callDays: num(f('callDays')), visitDays: num(f('visitDays')) };
  }
  const tiering = {
    tiers,
    factors: Object.fromEntries(TIER_BANDS.map((f) => [f, bands(`tiering.factors.${f}`)])),
    windowMonths: num('tiering.windowMonths'),
  };

  const ownership = {
    levels: base.ownership.levels.map((l, i) => ({ level: l.level, name: values[`ownership.levels.${i}.name`] ?? l.name })),
    defaultCapacity: num('ownership.defaultCapacity'),
    byTier: ownByTier,
    byGrade: Object.fromEntries(GRADES.map((k) => [k, { minLevel: num(`ownership.byGrade.${k}.minLevel`), load: num(`ownership.byGrade.${k}.load`) }])),
  };
  // The base's order first, so an untouched list is not a change.
  const checked = (key: 'callTypes' | 'visitTypes') => {
    const on = (t: string) => !blank(values[`cadence.${key}.${t}`]);
    const kept = base.cadence[key].filter(on);
    return [...kept, ...TOUCH_SIGNALS.filter((t) => on(t) && !kept.includes(t))];
  };
  const cadence = {
    byTier: cadByTier,
    byGrade: Object.fromEntries(GRADES.map((k) => [k, num(`cadence.byGrade.${k}`)])),
    callTypes: checked('callTypes'),
    visitTypes: checked('visitTypes'),
  };
  return { policy: { grading, tiering, ownership, cadence }, errors, rows };
}

/** The form field an issue of the policy is about (or the group it belongs to). */
export function fieldOfIssue(path: string, rows: Record<string, number[]>, tierNames: readonly string[]): string {
  const parts = path.split('.');
  const tierRow = (name: string | undefined) => {
    const i = name === undefined ? -1 : tierNames.indexOf(name);
    return i < 0 ? undefined : rows.tiers?.[i];
  };
  if (parts[0] === 'tiering' && parts[1] === 'tiers') {
    const row = parts[2] === undefined ? undefined : rows.tiers?.[Number(parts[2])];
    return row === undefined ? 'tiers' : `tiers.${row}.${parts[3] ?? 'name'}`;
  }
  if ((parts[0] === 'ownership' || parts[0] === 'cadence') && parts[1] === 'byTier') {
    const row = tierRow(parts[2]);
    if (row === undefined) return 'tiers';
    return `tiers.${row}.${parts[3] ?? (parts[0] === 'ownership' ? 'minLevel' : 'callDays')}`;
  }
  const steps = parts.indexOf('steps');
  if (steps > 0) {
    const prefix = parts.slice(0, steps + 1).join('.');
    const row = parts[steps + 1] === undefined ? undefined : rows[prefix]?.[Number(parts[steps + 1])];
    return row === undefined ? prefix : `${prefix}.${row}.${parts[steps + 2] ?? 'from'}`;
  }
  if (parts[0] === 'cadence' && (parts[1] === 'callTypes' || parts[1] === 'visitTypes')) return `cadence.${parts[1]}`;
  if (parts[0] === 'ownership' && parts[1] === 'levels' && parts[3] !== 'name') return 'ownership.levels';
  if (parts[0] === 'grading' && parts[1] === 'catalogue' && parts[2]) return `grading.catalogue.${parts[2]}.window`;
  return path;
}

export type PolicyFormResult = { ok: true; policy: Policy } | { ok: false; errors: FormErrors };

/**
 * Reads and validates the editor's form. `base` gives what the form does not show (the signals'
 * situations, the level numbers). Each error is keyed by its form field.
 */
export function readPolicyForm(values: FormValues, base: Policy): PolicyFormResult {
  const built = build(values, base);
  const parsed = parsePolicyEdit(built.policy);
  if (parsed.ok && !Object.keys(built.errors).length) return { ok: true, policy: parsed.policy };
  const errors: FormErrors = { ...built.errors };
  if (!parsed.ok) {
    const names = built.policy.tiering.tiers.map((t) => t.name);
    for (const i of parsed.issues) {
      const field = fieldOfIssue(i.path, built.rows, names);
      // A field that did not parse says so; zod's "expected number" for it would add nothing.
      if (!(field in errors)) errors[field] = i.message;
    }
  }
  return { ok: false, errors };
}

const ORDINAL = (i: number) => `band ${i + 1}`;

/** What a policy path means, in words: the diff's and the audit trail's labels. */
export function labelOf(path: string): string {
  const p = path.split('.');
  const [section, a, b, c, d] = p;
  if (section === 'grading') {
    if (a === 'windowMonths') return b ? `Grade ${b} window (months from a timing signal)` : 'Close windows';
    if (a === 'eventLeadMonths') return 'Waiting on an event: months after the event';
    if (a === 'requalifyMonths') return 'D evidence counts for (months)';
    if (a === 'staleDays') return 'Stale after (days without a signal)';
    if (a === 'catalogue') return `${SIGNAL_LABELS[b as keyof typeof SIGNAL_LABELS] ?? b}: ${c === 'situation' ? 'situation' : 'window'}`;
    if (a === 'fit') {
      if (b === 'floor') return 'Fit floor (below it demotes one letter)';
      if (b === 'fitOnlyC') return 'Fit for a C without timing evidence';
      const factor = FIT_LABELS[b as keyof typeof FIT_LABELS] ?? b;
      if (b === 'need' && c === 'points') return `Fit, need ${d}: points`;
      return `Fit, ${factor}: ${bandsPart(c, d, p[5])}`;
    }
  }
  if (section === 'tiering') {
    if (a === 'tiers') return `Tier ${Number(b) + 1}: ${c === 'minScore' ? 'minimum score' : 'name'}`;
    if (a === 'windowMonths') return 'Sales window (months)';
    if (a === 'factors') return `Tier score, ${TIER_FACTOR_NAMES[b as keyof typeof TIER_FACTOR_NAMES] ?? b}: ${bandsPart(c, d, p[5])}`;
  }
  if (section === 'ownership') {
    if (a === 'levels') return b === undefined ? 'Levels' : `Level ${Number(b) + 1} ${c === 'name' ? 'name' : 'number'}`;
    if (a === 'defaultCapacity') return 'Default rep capacity (load points)';
    if (a === 'byTier') return `${b} customer: ${c === 'load' ? 'load points' : 'minimum owner level'}`;
    if (a === 'byGrade') return `${b} prospect: ${c === 'load' ? 'load points' : 'minimum owner level'}`;
  }
  if (section === 'cadence') {
    if (a === 'byTier') return `${b} customer: ${c === 'visitDays' ? 'visit' : 'call'} every (days)`;
    if (a === 'byGrade') return `${b} prospect: a touch every (days)`;
    if (a === 'callTypes') return 'Signals that count as a call';
    if (a === 'visitTypes') return 'Signals that count as a visit';
  }
  return path;
}

function bandsPart(key: string | undefined, i: string | undefined, leaf: string | undefined): string {
  if (key === 'weight') return 'weight';
  if (key === 'base') return 'points below the first bound';
  if (key === 'steps') return i === undefined ? 'bands' : `${ORDINAL(Number(i))} ${leaf === 'points' ? 'points' : 'from'}`;
  return key ?? '';
}

/** A form field's label for the list of errors above the form. */
export function formFieldLabel(field: string, values: FormValues): string {
  const m = /^tiers\.(\d+)\.(\w+)$/.exec(field);
  if (m) {
    const name = values[`tiers.${m[1]}.name`]?.trim() || `Tier ${Number(m[1]) + 1}`;
    const what: Record<string, string> = { name: 'name', minScore: 'minimum score', minLevel: 'minimum owner level', load: 'load points', callDays: 'call every (days)', visitDays: 'visit every (days)' };
    return `${name}: ${what[m[2]!] ?? m[2]}`;
  }
  if (field === 'tiers') return 'Tiers';
  if (field === 'note') return 'Note';
  return labelOf(field);
}
