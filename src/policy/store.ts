import { desc, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { policies } from '../db/schema.ts';
import { defaultPolicy, mergePolicy, parsePolicy, type Policy } from './policy.ts';

// Policies are stored one row per edit; the current one is the highest version.

/**
 * Inserts the default policy when the policies table is empty (a fresh database: it becomes
 * version 1). A single insert ... where not exists, so running it again is a no-op. Returns
 * whether a row was inserted.
 */
export async function ensureDefaultPolicy(db: Db): Promise<boolean> {
  const body = JSON.stringify(defaultPolicy());
  const inserted = await query<{ version: number }>(
    db,
    sql`insert into ${policies} (body, note, created_by)
        select ${body}::jsonb, 'default', 'system'
        where not exists (select 1 from ${policies})
        returning version`,
  );
  return inserted.length > 0;
}

export class PolicyStoreError extends Error {}

// Parsed policies by their stored text: a version's text never changes, so each is parsed once
// (pages read the policy on every request). Frozen, since every caller shares one object.
const parsedPolicies = new Map<string, Policy>();

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The highest-versioned policy, parsed (sections added since it was stored get their defaults). */
export async function currentPolicy(db: Db): Promise<{ version: number; policy: Policy }> {
  const [row] = await db
    .select({ version: policies.version, text: sql<string>`${policies.body}::text` })
    .from(policies)
    .orderBy(desc(policies.version))
    .limit(1);
  if (!row) throw new PolicyStoreError('No policy is stored: the policies table is empty (run ensureDefaultPolicy).');
  const known = parsedPolicies.get(row.text);
  if (known) return { version: row.version, policy: known };
  const parsed = parsePolicy(JSON.parse(row.text));
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n');
    throw new PolicyStoreError(`Stored policy version ${row.version} is invalid:\n${issues}`);
  }
  if (parsedPolicies.size >= 20) parsedPolicies.clear();
  parsedPolicies.set(row.text, deepFreeze(parsed.policy));
  return { version: row.version, policy: parsed.policy };
}

export type PreviewPolicy =
  | { ok: true; version: number | null; policy: Policy }
  | { ok: false; issues: { path: string; message: string }[] };

/**
 * The policy a preview runs with: the current one, or the current one with the body's overrides
 * merged over it (then no stored version made it). Issue paths are prefixed `policy.`.
 */
export async function previewPolicy(db: Db, overrides: Record<string, unknown> | undefined): Promise<PreviewPolicy> {
  const current = await currentPolicy(db);
  if (!overrides) return { ok: true, version: current.version, policy: current.policy };
  const merged = parsePolicy(mergePolicy(current.policy, overrides));
  if (!merged.ok) return { ok: false, issues: merged.issues.map((i) => ({ ...i, path: `policy.${i.path}` })) };
  return { ok: true, version: null, policy: merged.policy };
}
