import type { Policy } from './policy.ts';

// What changed between two policies, field by field: the version page's diff and the audit row
// of a save. Pure.

export type PolicyValue = string | number | boolean | null;
export type PolicyChange = { path: string; from: PolicyValue | undefined; to: PolicyValue | undefined };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is PolicyValue => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Every field of a policy by its dotted path. Lists of plain values (the signal types that count as
 * a call) are one field, written "call, meeting"; lists of objects (bands, tiers) go by index.
 */
export function flattenPolicy(p: unknown, prefix = '', out = new Map<string, PolicyValue>()): Map<string, PolicyValue> {
  if (Array.isArray(p)) {
    if (p.every(isScalar)) out.set(prefix, p.join(', '));
    else p.forEach((x, i) => flattenPolicy(x, `${prefix}.${i}`, out));
  } else if (isObject(p)) {
    for (const [k, v] of Object.entries(p)) flattenPolicy(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (isScalar(p)) out.set(prefix, p);
  return out;
}

/** The fields that differ, in the order of the newer policy, then the ones it no longer has. */
export function diffPolicies(before: Policy | null, after: Policy): PolicyChange[] {
  const a = before ? flattenPolicy(before) : new Map<string, PolicyValue>();
  const b = flattenPolicy(after);
  const out: PolicyChange[] = [];
  for (const [path, to] of b) {
    const from = a.get(path);
    if (from !== to) out.push({ path, from, to });
  }
  for (const [path, from] of a) if (!b.has(path)) out.push({ path, from, to: undefined });
  return out;
}

/** The audit row's before and after: only the changed fields, by path (a missing side is null). */
export function auditDiff(changes: readonly PolicyChange[]): { before: Record<string, PolicyValue>; after: Record<string, PolicyValue> } {
  const before: Record<string, PolicyValue> = {};
  const after: Record<string, PolicyValue> = {};
  for (const c of changes) {
    before[c.path] = c.from ?? null;
    after[c.path] = c.to ?? null;
  }
  return { before, after };
}
