import type { AuditRow } from '../../src/db/schema.ts';
import { when } from '../time.ts';

// The audit trail as people read it: when, who, what, and what changed from what.

const SKIP = new Set(['version']);

const show = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '–';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '–';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** The fields that changed (or, for a creation or a deletion, that were set). */
export function changesOf(before: unknown, after: unknown): { key: string; from: string; to: string }[] {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !SKIP.has(k));
  const out: { key: string; from: string; to: string }[] = [];
  for (const k of keys) {
    const from = before ? show(b[k]) : '';
    const to = after ? show(a[k]) : '';
    if (before && after && from === to) continue;
    if (!before && to === '–') continue;
    if (!after && from === '–') continue;
    out.push({ key: k, from, to });
  }
  return out;
}

export const ENTITY_LABELS: Record<string, string> = { account: 'account', signal: 'signal', deal: 'deal', user: 'person', policy: 'policy' };

export function Changes(props: { before: unknown; after: unknown; max?: number }) {
  const list = changesOf(props.before, props.after);
  if (!list.length) return null;
  const max = props.max ?? 8;
  return (
    <ul class="diff">
      {list.slice(0, max).map((c) => (
        <li>
          <span class="muted">{c.key}:</span> {c.from && c.to ? `${c.from} → ${c.to}` : c.to || `${c.from} (removed)`}
        </li>
      ))}
      {list.length > max ? <li class="muted">and {list.length - max} more</li> : null}
    </ul>
  );
}

/** One account's own trail, newest first (the prospect page's Activity card). */
export function AccountTrail(props: { audit: AuditRow[]; accountId: number; fullLink?: boolean }) {
  if (!props.audit.length) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <>
      <ol class="timeline" data-testid="account-trail">
        {props.audit.map((e) => (
          <li>
            <span class="when">{when(e.at)}</span> · {ENTITY_LABELS[e.entity] ?? e.entity} {e.action.replace(/_/g, ' ')} <span class="muted small">by {e.actor}</span>
            <Changes before={e.before} after={e.after} max={4} />
          </li>
        ))}
      </ol>
      {props.fullLink ? (
        <p class="small">
          <a href={`/audit?account=${props.accountId}`}>The whole trail of this account</a>
        </p>
      ) : null}
    </>
  );
}
