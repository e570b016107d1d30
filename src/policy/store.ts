import { desc, eq, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { policies } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { auditDiff, diffPolicies, type PolicyChange } from './diff.ts';
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

export type PolicyVersionInfo = { version: number; note: string | null; createdBy: string; createdAt: Date };

/** Saved versions, newest first. */
export async function listVersions(db: Db, opts: { limit?: number; offset?: number } = {}): Promise<{ total: number; versions: PolicyVersionInfo[] }> {
  const [versions, [counted]] = await Promise.all([
    db
      .select({ version: policies.version, note: policies.note, createdBy: policies.createdBy, createdAt: policies.createdAt })
      .from(policies)
      .orderBy(desc(policies.version))
      .limit(opts.limit ?? 100)
      .offset(opts.offset ?? 0),
    query<{ n: number }>(db, sql`select count(*)::int as n from ${policies}`),
  ]);
  return { total: Number(counted?.n ?? 0), versions };
}

export type StoredVersion = PolicyVersionInfo & { policy: Policy; previous: number | null };

/** One saved version, parsed like the current one (sections added since get their defaults), and the version before it. */
export async function getVersion(db: Db, version: number): Promise<StoredVersion | null> {
  const [row] = await db
    .select({ version: policies.version, note: policies.note, createdBy: policies.createdBy, createdAt: policies.createdAt, text: sql<string>`${policies.body}::text` })
    .from(policies)
    .where(eq(policies.version, version));
  if (!row) return null;
  const parsed = parsePolicy(JSON.parse(row.text));
  if (!parsed.ok) throw new PolicyStoreError(`Stored policy version ${version} is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const [prev] = await query<{ version: number }>(db, sql`select max(version) as version from ${policies} where version < ${version}`);
  const { text: _text, ...info } = row;
  return { ...info, policy: parsed.policy, previous: prev?.version ?? null };
}

/** The key of the advisory lock that serialises policy saves (the territory's is 73_001). */
export const POLICY_LOCK = 73_101;

export type SaveResult =
  | { ok: true; version: number; changes: PolicyChange[] }
  | { ok: false; reason: 'conflict'; current: PolicyVersionInfo }
  | { ok: false; reason: 'unchanged'; current: PolicyVersionInfo };

/**
 * Saves an edited (already validated) policy as a new version, if the current version is still
 * the one the edit was based on; with its audit row (the fields that changed), in one transaction.
 * Two saves at once take turns, so the second one sees the first and is refused.
 */
export async function savePolicy(
  db: Db,
  input: { basedOn: number; policy: Policy; note: string | null; actor: { name: string; id?: number | null }; restoredFrom?: number | null },
): Promise<SaveResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${POLICY_LOCK})`);
    const current = await currentPolicy(tx);
    const [info] = await tx
      .select({ version: policies.version, note: policies.note, createdBy: policies.createdBy, createdAt: policies.createdAt })
      .from(policies)
      .where(eq(policies.version, current.version));
    if (current.version !== input.basedOn) return { ok: false, reason: 'conflict', current: info! };
    const changes = diffPolicies(current.policy, input.policy);
    if (!changes.length) return { ok: false, reason: 'unchanged', current: info! };
    const [row] = await tx
      .insert(policies)
      .values({ body: input.policy, note: input.note, createdBy: input.actor.name })
      .returning({ version: policies.version });
    const { before, after } = auditDiff(changes);
    await writeAudit(tx, {
      actor: input.actor.name,
      actorId: input.actor.id ?? undefined,
      entity: 'policy',
      entityId: row!.version,
      accountId: null,
      action: input.restoredFrom ? 'restored' : 'saved',
      before: { ...before, version: current.version },
      after: { ...after, version: row!.version, note: input.note, ...(input.restoredFrom ? { restoredFrom: input.restoredFrom } : {}) },
    });
    return { ok: true, version: row!.version, changes };
  });
}
