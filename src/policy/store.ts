import { desc, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { policies } from '../db/schema.ts';
import { defaultPolicy, parsePolicy, type Policy } from './policy.ts';

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

/** The highest-versioned policy, parsed (sections added since it was stored get their defaults). */
export async function currentPolicy(db: Db): Promise<{ version: number; policy: Policy }> {
  const [row] = await db
    .select({ version: policies.version, body: policies.body })
    .from(policies)
    .orderBy(desc(policies.version))
    .limit(1);
  if (!row) throw new PolicyStoreError('No policy is stored: the policies table is empty (run ensureDefaultPolicy).');
  const parsed = parsePolicy(row.body);
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n');
    throw new PolicyStoreError(`Stored policy version ${row.version} is invalid:\n${issues}`);
  }
  return { version: row.version, policy: parsed.policy };
}
