import { tryGetContext } from 'hono/context-storage';
import type { Db } from '../db/client.ts';
import { auditLog, type AccountRow } from '../db/schema.ts';

// The audit trail: who changed what, with the row before and after. Written in the caller's
// transaction, so a change and its audit row commit (or roll back) together.

export type AuditEntry = {
  actor: string;
  /** The user who acted; left out: the signed-in user of the request being served (null for jobs and scripts). */
  actorId?: number | null;
  entity: 'deal' | 'account' | 'signal' | 'user' | 'policy' | 'action_item';
  entityId: number | null;
  accountId: number | null;
  action: string;
  before?: unknown;
  after?: unknown;
};

export async function writeAudit(tx: Db, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (!list.length) return;
  const requestUser = requestUserId();
  await tx.insert(auditLog).values(
    list.map((e) => ({
      actorId: e.actorId !== undefined ? e.actorId : requestUser,
      actor: e.actor,
      entity: e.entity,
      entityId: e.entityId,
      accountId: e.accountId,
      action: e.action,
      before: json(e.before),
      after: json(e.after),
    })),
  );
}

/** The signed-in user of the request being served (hono's context storage), if any. */
function requestUserId(): number | null {
  const c = tryGetContext<{ Variables: { user?: { id: number } | null } }>();
  return c?.var.user?.id ?? null;
}

/** Dates become ISO strings, undefined becomes null: what jsonb keeps is what was seen. */
function json(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

/** The customer-facing state of an account, as its audit rows keep it (not the whole row). */
export function accountAudit(a: AccountRow) {
  return {
    kind: a.kind,
    status: a.status,
    statusReason: a.statusReason,
    grade: a.grade,
    closedGrade: a.closedGrade,
    convertedOn: a.convertedOn,
    daysPaidLate: a.daysPaidLate,
    tier: a.tier,
    tierScore: a.tierScore,
    version: a.version,
  };
}
