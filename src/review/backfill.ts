// PURE: an account as it stood on a past Monday, rebuilt from the history the app keeps, so a
// new install with imported history has reviews at once (`npm run snapshot -- --backfill 12`).
//
//   grade, fit, flags   the last grade change recorded on or before the week (its as-of date);
//                       before the first one, the grade that change came from
//   close-by date       the one that grade change was explained with ("Expected to close by …")
//   slip count          the times the slipped flag came on up to then (plus any slips the account
//                       brought with it, so today's count is where it ends)
//   kind, tier          a customer from its conversion date; its tier, the last tier change by then
//   status              the last status change by then (audit trail); with none recorded, a closed
//                       prospect counts as closed from the day it was last updated
//   open deal value     deals entered by then and not yet won or lost by then
//   owner               today's owner: ownership history is not kept

/** The account today (the fields the rebuild needs). */
export type CurrentAccount = {
  id: number;
  kind: string;
  status: string;
  grade: string | null;
  fit: number | null;
  tier: string | null;
  tierScore: number | null;
  ownerId: number | null;
  closeBy: string | null;
  flags: readonly string[];
  slipCount: number;
  addedOn: string;
  convertedOn: string | null;
  /** The day the row last changed: a closed prospect's closing day when no status change was recorded. */
  updatedOn: string;
};

/** A grade change, in the order it was recorded; closeBy as its explanation gave it. */
export type GradeEvent = { asOf: string; cause: string; fromGrade: string | null; toGrade: string | null; fit: number | null; flags: readonly string[]; closeBy: string | null };
export type TierEvent = { asOf: string; toTier: string | null; score: number | null };
/** A status change from the audit trail, in order. */
export type StatusEvent = { on: string; from: string | null; to: string | null };
export type DealFact = { value: number; status: string; createdOn: string; closedOn: string | null };

export type History = { grades: readonly GradeEvent[]; tiers: readonly TierEvent[]; statuses: readonly StatusEvent[]; deals: readonly DealFact[] };

/** A snapshot row as account_snapshots keeps it (without the week). */
export type SnapshotFacts = {
  accountId: number;
  kind: string;
  status: string;
  grade: string | null;
  fit: number | null;
  tier: string | null;
  tierScore: number | null;
  ownerId: number | null;
  closeBy: string | null;
  flags: string[];
  slipCount: number;
  openValue: number;
};

/** How explain.ts words a close-by date; SQL reads it with the same pattern (substring … from). */
export const CLOSE_BY_PATTERN = 'Expected to close by (\\d{4}-\\d{2}-\\d{2})';
const CLOSE_BY = new RegExp(CLOSE_BY_PATTERN);

/** The close-by date a grade change was explained with, from its reasons (null when none). */
export function closeByOf(reasons: unknown): string | null {
  const text = typeof reasons === 'string' ? reasons : Array.isArray(reasons) ? reasons.join('\n') : '';
  return CLOSE_BY.exec(text)?.[1] ?? null;
}

/** The account as of `week`'s Monday, or null when it had not been added yet. */
export function stateAsOf(a: CurrentAccount, h: History, week: string): SnapshotFacts | null {
  if (a.addedOn > week) return null;
  const customer = a.kind === 'customer' && !!a.convertedOn && a.convertedOn <= week;

  // Grade, fit, flags and close-by date from the last grade change by then.
  let grade = a.grade, fit = a.fit, flags: readonly string[] = a.flags, closeBy = a.closeBy;
  let slips = 0, allSlips = 0, wasSlipped = false, last: GradeEvent | null = null, lastCloseBy: string | null = null;
  for (const e of h.grades) {
    // Conversions keep the prospect's close-by date; other changes say their own.
    const cb: string | null = e.cause === 'converted' || e.cause === 'conversion_reversed' ? lastCloseBy : e.closeBy;
    lastCloseBy = cb;
    const slipped = e.flags.includes('slipped');
    if (slipped && !wasSlipped) {
      allSlips++;
      if (e.asOf <= week) slips++;
    }
    wasSlipped = slipped;
    if (e.asOf <= week) {
      last = e;
      closeBy = cb;
    }
  }
  if (last) {
    grade = last.toGrade;
    fit = last.fit;
    flags = last.flags;
  } else if (h.grades.length) {
    grade = h.grades[0]!.fromGrade;
    fit = null;
    flags = [];
    closeBy = null;
  }
  const slipCount = h.grades.length ? Math.max(0, a.slipCount - allSlips) + slips : a.slipCount;

  // Tier: customers only, from the last tier change by then (the first one, the scoring at conversion, if none).
  let tier: string | null = null, tierScore: number | null = null;
  if (customer) {
    const byThen = h.tiers.filter((t) => t.asOf <= week);
    const t = byThen[byThen.length - 1] ?? h.tiers[0];
    tier = t ? t.toTier : a.tier;
    tierScore = t ? t.score : a.tierScore;
  }

  let status = 'open';
  if (!customer) {
    const byThen = h.statuses.filter((s) => s.on <= week);
    if (byThen.length) status = byThen[byThen.length - 1]!.to ?? 'open';
    else if (h.statuses.length) status = h.statuses[0]!.from ?? 'open';
    else if (a.kind === 'prospect' && a.status !== 'open' && a.updatedOn <= week) status = a.status;
  }

  let openValue = 0;
  for (const d of h.deals) if (d.createdOn <= week && (d.status === 'open' || (d.closedOn !== null && d.closedOn > week))) openValue += d.value;

  return {
    accountId: a.id,
    kind: customer ? 'customer' : 'prospect',
    status,
    grade,
    fit,
    tier,
    tierScore,
    ownerId: a.ownerId,
    closeBy,
    flags: [...flags],
    slipCount,
    openValue,
  };
}
