import { TOUCH_SIGNALS, type CadencePolicy } from '../policy/policy.ts';
import { addDays, daysBetween } from '../shared/dates.ts';

// PURE: which contacts an account is due (DOMAIN.md §5), from its last touches, the policy and an
// as-of date. Customers: a call every byTier[tier].callDays and a visit every visitDays. Open
// prospects: a touch every byGrade[grade] days. Each is due that many days after the later of
// the last such touch and the day the account started (added, for a prospect; converted, for a
// customer), so a new account is not overdue before its first interval has run.

export const TOUCH_KINDS = ['call', 'visit', 'touch'] as const;
export type TouchKind = (typeof TOUCH_KINDS)[number];

export type CadenceAccount = {
  kind: string;
  status: string;
  grade: string | null;
  tier: string | null;
  addedOn: string;
  convertedOn: string | null;
};

/** The last signal date of each class, on or before as-of (null: never). */
export type LastTouches = { call: string | null; visit: string | null; touch: string | null };

export type TouchDue = {
  kind: TouchKind;
  everyDays: number;
  /** The last touch of this class, or null. */
  lastOn: string | null;
  /** The day the interval runs from: the later of lastOn and the account's start. */
  since: string;
  dueOn: string;
  /** Days past dueOn (0 on or before it). */
  daysOverdue: number;
};

/** The signal types that count as each class of touch under the policy. */
export function touchTypes(policy: CadencePolicy): Record<TouchKind, readonly string[]> {
  return { call: policy.callTypes, visit: policy.visitTypes, touch: TOUCH_SIGNALS };
}

/** The last touches from a list of signals (any order); signals after as-of are not seen yet. */
export function lastTouchesOf(signals: readonly { type: string; date: string }[], policy: CadencePolicy, asOf: string): LastTouches {
  const types = touchTypes(policy);
  const out: LastTouches = { call: null, visit: null, touch: null };
  for (const s of signals) {
    if (s.date > asOf) continue;
    for (const k of TOUCH_KINDS) if (types[k].includes(s.type) && (out[k] === null || s.date > out[k]!)) out[k] = s.date;
  }
  return out;
}

/** Every interval that applies to the account, each with when it is due; [] when none applies. */
export function touchesDue(account: CadenceAccount, last: LastTouches, policy: CadencePolicy, asOf: string): TouchDue[] {
  const due = (kind: TouchKind, everyDays: number, start: string): TouchDue => {
    const lastOn = last[kind];
    const since = lastOn !== null && lastOn > start ? lastOn : start;
    const dueOn = addDays(since, everyDays);
    return { kind, everyDays, lastOn, since, dueOn, daysOverdue: Math.max(0, daysBetween(dueOn, asOf)) };
  };
  if (account.kind === 'customer') {
    // A tier the policy gives no cadence (a renamed tier, say) has none, rather than a guessed one.
    const interval = account.tier === null ? undefined : policy.byTier[account.tier];
    if (!interval) return [];
    const start = account.convertedOn ?? account.addedOn;
    return [due('call', interval.callDays, start), due('visit', interval.visitDays, start)];
  }
  if (account.status !== 'open' || !account.grade || !(account.grade in policy.byGrade)) return [];
  return [due('touch', policy.byGrade[account.grade as keyof CadencePolicy['byGrade']], account.addedOn)];
}

/** The one to show first: the most overdue, else the soonest due. */
export function nextDue(dues: readonly TouchDue[]): TouchDue | null {
  let best: TouchDue | null = null;
  for (const d of dues) if (!best || d.dueOn < best.dueOn) best = d;
  return best;
}

export const TOUCH_LABELS: Record<TouchKind, string> = { call: 'call', visit: 'visit', touch: 'touch' };

/** "Call overdue by 12 days (every 30 days; last 2026-05-01)", or "Next visit due 2026-07-05 (in 5 days)". */
export function dueLine(d: TouchDue, asOf: string): string {
  const label = TOUCH_LABELS[d.kind];
  const cap = label[0]!.toUpperCase() + label.slice(1);
  const last = d.lastOn ? `last ${d.lastOn}` : 'none yet';
  if (d.daysOverdue > 0) return `${cap} overdue by ${d.daysOverdue} day${d.daysOverdue === 1 ? '' : 's'} (due ${d.dueOn}; every ${d.everyDays} days; ${last})`;
  const left = daysBetween(asOf, d.dueOn);
  return `Next ${label} due ${d.dueOn} (${left === 0 ? 'today' : `in ${left} day${left === 1 ? '' : 's'}`}; every ${d.everyDays} days; ${last})`;
}
