import { GRADES } from '../policy/policy.ts';
import { breachOf, utilization, type Breach, type Load, type OwnedAccount, type Rep } from './model.ts';

// Assigning one account (DOMAIN.md §3). Pure: the caller reads the team and its loads, and writes
// back what this decides. Loads include the account on its current owner (loadsOf over everyone).

export type AssignmentOutcome = 'kept' | 'pinned' | 'assigned' | 'unassignable' | 'no_need';

export type Assignment = { outcome: AssignmentOutcome; ownerId: number | null; reason: string };

/** Names for reasons: a rep's name when the caller has it, else "Rep #id". */
export type RepNames = ReadonlyMap<number, string>;

export const repLabel = (id: number, names?: RepNames) => names?.get(id) ?? `Rep #${id}`;

/** "A prospect", "Key customer": grades are prospects', anything else a customer tier. */
export const accountNoun = (key: string) => ((GRADES as readonly string[]).includes(key) ? `${key} prospect` : `${key} customer`);

/** "an A prospect", "a Key customer". */
export const anAccount = (key: string) => `${/^[AEIOU]/i.test(key) ? 'an' : 'a'} ${accountNoun(key)}`;

export const pct = (u: number) => (Number.isFinite(u) ? `${Math.round(u * 100)} %` : 'no capacity');

const num = (x: number) => String(Math.round(x * 100) / 100);

/** A candidate's standing for one account: the rule's sort keys, in order. */
type Candidate = { rep: Rep; fits: boolean; atMin: boolean; after: number; utilAfter: number; countAfter: number };

function candidate(rep: Rep, account: OwnedAccount, load: Load | undefined): Candidate {
  const need = account.need!;
  const l = load ?? { load: 0, count: 0 };
  // The current owner's load already holds the account.
  const own = rep.id === account.ownerId && load !== undefined;
  const after = own ? l.load : l.load + need.load;
  const countAfter = own ? l.count : l.count + 1;
  return { rep, fits: after <= rep.capacity, atMin: rep.level === need.minLevel, after, utilAfter: utilization(after, rep.capacity), countAfter };
}

/** Negative when `a` comes first: within capacity, at the minimum level, lowest utilization after, fewer accounts, lowest id. */
function compare(a: Candidate, b: Candidate): number {
  if (a.fits !== b.fits) return a.fits ? -1 : 1;
  if (a.atMin !== b.atMin) return a.atMin ? -1 : 1;
  if (a.utilAfter !== b.utilAfter) return a.utilAfter < b.utilAfter ? -1 : 1;
  if (a.countAfter !== b.countAfter) return a.countAfter - b.countAfter;
  return a.rep.id - b.rep.id;
}

const eligible = (r: Rep, minLevel: number) => r.state === 'active' && r.level >= minLevel;

function whyNotOwner(account: OwnedAccount, owner: Rep | undefined, c: Candidate | undefined, names?: RepNames): string {
  const b: Breach | null = breachOf(account, owner);
  const who = account.ownerId === null ? '' : repLabel(account.ownerId, names);
  switch (b) {
    case 'unowned':
      return 'it had no owner';
    case 'owner_not_a_rep':
      return `its owner (${who}) is not a rep`;
    case 'owner_deactivated':
      return `its owner ${who} is deactivated`;
    case 'below_level':
      return `${who}'s level ${owner!.level} is below the minimum ${account.need!.minLevel}`;
    case 'owner_on_leave':
      return `its owner ${who} is on leave`;
    default:
      return c ? `${who} would be over capacity (${num(c.after)} of ${num(owner!.capacity)})` : `${who} cannot keep it`;
  }
}

/**
 * Where one account should go by the rules. `loads` are every rep's current loads, this account
 * included on its current owner. An account nobody qualifies for keeps its owner and is flagged.
 */
export function assignAccount(account: OwnedAccount, reps: readonly Rep[], loads: ReadonlyMap<number, Load>, names?: RepNames): Assignment {
  const need = account.need;
  if (!need) return { outcome: 'no_need', ownerId: account.ownerId, reason: 'Left as it is: a lost, disqualified or ungraded account carries no load and needs no owner.' };
  const what = anAccount(need.key);
  const owner = account.ownerId === null ? undefined : reps.find((r) => r.id === account.ownerId);
  if (account.pinned) {
    const b = breachOf(account, owner);
    const note = b ? ` even though ${whyNotOwner(account, owner, undefined, names)}` : '';
    return { outcome: 'pinned', ownerId: account.ownerId, reason: `Kept where it is: a manager pinned it to its owner${note}.` };
  }

  const ownerCandidate = owner && eligible(owner, need.minLevel) ? candidate(owner, account, loads.get(owner.id)) : undefined;
  if (ownerCandidate?.fits) {
    return {
      outcome: 'kept',
      ownerId: owner!.id,
      reason: `Kept with its owner: level ${owner!.level} meets the ${accountNoun(need.key)}'s minimum ${need.minLevel} and stays within capacity (${num(ownerCandidate.after)} of ${num(owner!.capacity)}).`,
    };
  }

  // The best candidate and the runner-up (to say what decided), in one pass.
  let best: Candidate | undefined;
  let next: Candidate | undefined;
  let anyAtMin = false;
  for (const r of reps) {
    if (!eligible(r, need.minLevel)) continue;
    const c = candidate(r, account, loads.get(r.id));
    anyAtMin ||= c.atMin;
    if (!best || compare(c, best) < 0) {
      next = best;
      best = c;
    } else if (!next || compare(c, next) < 0) next = c;
  }
  if (!best) {
    return {
      outcome: 'unassignable',
      ownerId: account.ownerId,
      reason: `Unassignable: no active rep has level ${need.minLevel} or above for ${what}, so it stays where it is for a manager to decide.`,
    };
  }
  const to = repLabel(best.rep.id, names);
  if (best.rep.id === account.ownerId) {
    return {
      outcome: 'kept',
      ownerId: best.rep.id,
      reason: `Kept with its owner although over capacity (${num(best.after)} of ${num(best.rep.capacity)}): no other rep with level ${need.minLevel} or above has room or a lower load.`,
    };
  }
  const level = best.atMin
    ? `level ${best.rep.level} is the minimum for ${what}`
    : `level ${best.rep.level} qualifies for ${what} and no rep at the minimum level ${need.minLevel} ${anyAtMin ? 'has room' : 'is active'}`;
  let order: string;
  if (!best.fits) order = `nobody qualified has room, so the lowest utilization after adding (${pct(best.utilAfter)})`;
  else if (!next || next.fits !== best.fits || next.atMin !== best.atMin || next.utilAfter !== best.utilAfter) order = `lowest utilization after adding (${pct(best.utilAfter)})`;
  else if (next.countAfter !== best.countAfter) order = `utilization after adding tied at ${pct(best.utilAfter)}, fewest accounts (${best.countAfter})`;
  else order = `utilization after adding and account count tied (${pct(best.utilAfter)}, ${best.countAfter}), lowest id`;
  const because = account.ownerId === null ? 'it had no owner' : whyNotOwner(account, owner, ownerCandidate, names);
  return { outcome: 'assigned', ownerId: best.rep.id, reason: `Given to ${to} because ${because}: ${level}; ${order}.` };
}

/**
 * Several accounts at once, the most demanding first (highest minimum level, then highest load,
 * then id), each seeing the loads the earlier ones left, so a batch spreads out.
 */
export function assignMany(accounts: readonly OwnedAccount[], reps: readonly Rep[], loads: ReadonlyMap<number, Load>, names?: RepNames): Map<number, Assignment> {
  const live = new Map<number, Load>();
  for (const [id, l] of loads) live.set(id, { load: l.load, count: l.count });
  const order = [...accounts].sort(
    (a, b) => (b.need?.minLevel ?? 0) - (a.need?.minLevel ?? 0) || (b.need?.load ?? 0) - (a.need?.load ?? 0) || a.id - b.id,
  );
  const out = new Map<number, Assignment>();
  for (const a of order) {
    const r = assignAccount(a, reps, live, names);
    out.set(a.id, r);
    if (r.outcome === 'assigned' && r.ownerId !== a.ownerId && a.need) {
      const from = a.ownerId === null ? undefined : live.get(a.ownerId);
      if (from) {
        from.load -= a.need.load;
        from.count -= 1;
      }
      const to = live.get(r.ownerId!) ?? { load: 0, count: 0 };
      to.load += a.need.load;
      to.count += 1;
      live.set(r.ownerId!, to);
    }
  }
  return out;
}
