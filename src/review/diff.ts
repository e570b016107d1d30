import { GRADES } from '../policy/policy.ts';

// PURE: what happened to one account between two snapshot weeks (DOMAIN.md §4), and the order
// each list is shown in. src/review/derive.ts applies these to every account of a week when the
// week is taken; the review page reads what they decided.

/** An account as a snapshot keeps it (the fields the review compares). */
export type SnapState = {
  kind: string;
  status: string;
  grade: string | null;
  tier: string | null;
  flags: readonly string[];
  slipCount: number;
};

export const CHANGE_LISTS = ['upgraded', 'downgraded', 'new', 'converted', 'lost', 'slipped'] as const;
export type ChangeList = (typeof CHANGE_LISTS)[number];

/** Every list of the review: the change lists, then the two read straight from the week. */
export const LISTS = [...CHANGE_LISTS, 'stale', 'a_list'] as const;
export type ListName = (typeof LISTS)[number];

/**
 * Where an account stands in a week, as the movement matrix sees it: an open prospect's grade
 * ('none' when not graded), a customer, a closed prospect (lost or disqualified), or absent.
 */
export type Place = 'A' | 'B' | 'C' | 'D' | 'none' | 'customer' | 'closed' | 'absent';

export function placeOf(s: Pick<SnapState, 'kind' | 'status' | 'grade'> | null): Place {
  if (!s) return 'absent';
  if (s.kind === 'customer') return 'customer';
  if (s.status !== 'open') return 'closed';
  return (GRADES as readonly string[]).includes(s.grade ?? '') ? (s.grade as Place) : 'none';
}

const isGrade = (p: Place): p is 'A' | 'B' | 'C' | 'D' => p === 'A' || p === 'B' || p === 'C' || p === 'D';

export const MATRIX_ROWS = ['A', 'B', 'C', 'D', 'new'] as const;
export const MATRIX_COLS = ['A', 'B', 'C', 'D', 'converted', 'lost'] as const;
export type MatrixRow = (typeof MATRIX_ROWS)[number];
export type MatrixCol = (typeof MATRIX_COLS)[number];

/**
 * The cell of the movement matrix a move from one place to another counts in, or null when it
 * is no move of the prospect pipeline (a customer staying one, a lost prospect staying lost, an
 * account gone). Rows are last week's grade, or "new" for anything that was not an open graded
 * prospect (added, reopened, a conversion undone); columns this week's grade, or converted, or lost.
 */
export function matrixCell(from: Place, to: Place): { row: MatrixRow; col: MatrixCol } | null {
  let col: MatrixCol | null = null;
  if (isGrade(to)) col = to;
  else if (to === 'customer' && from !== 'customer') col = 'converted';
  else if (to === 'closed' && from !== 'closed' && from !== 'customer') col = 'lost';
  if (!col) return null;
  return { row: isGrade(from) ? from : 'new', col };
}

/** A week's count of accounts of one owner in one state (snapshot_counts, summed over the rest). */
export type StateCount = { ownerId: number | null; kind: string; status: string; grade: string | null; n: number };
export type Move = { ownerId: number | null; fromKey: Place; toKey: Place; n: number };

/**
 * The moves of a week (accounts per owner and last week's place → this week's), from this week's
 * counts and the accounts that moved (`unmoved` false): every other account stayed where it was,
 * so the week's two snapshots need no second full join. Accounts gone this week are left out:
 * they are in no cell of the matrix.
 */
export function movesOf(counts: readonly StateCount[], moved: readonly { ownerId: number | null; prev: SnapState | null; cur: SnapState }[]): Move[] {
  const cells = new Map<string, Move>();
  const add = (ownerId: number | null, fromKey: Place, toKey: Place, n: number) => {
    const key = `${ownerId}|${fromKey}|${toKey}`;
    const m = cells.get(key) ?? { ownerId, fromKey, toKey, n: 0 };
    m.n += n;
    cells.set(key, m);
  };
  for (const c of counts) add(c.ownerId, placeOf(c), placeOf(c), c.n);
  for (const m of moved) {
    const to = placeOf(m.cur);
    add(m.ownerId, to, to, -1);
    add(m.ownerId, placeOf(m.prev), to, 1);
  }
  return [...cells.values()].filter((m) => m.n !== 0);
}

/** Tier names in the policy's order, best first: a lower rank is a better tier. */
export type TierRanks = ReadonlyMap<string, number>;
export const tierRanks = (tiers: readonly { name: string }[]): TierRanks => new Map(tiers.map((t, i) => [t.name, i]));

const gradeRank = (g: string | null) => (g ? (GRADES as readonly string[]).indexOf(g) : -1);

/** The change lists an account belongs to this week, given last week's state (null: it had none). */
export function changeListsOf(prev: SnapState | null, cur: SnapState | null, tiers: TierRanks): ChangeList[] {
  if (!cur) return [];
  const from = placeOf(prev), to = placeOf(cur);
  const out: ChangeList[] = [];
  if (isGrade(from) && isGrade(to)) {
    const d = gradeRank(to) - gradeRank(from);
    if (d < 0) out.push('upgraded');
    if (d > 0) out.push('downgraded');
  }
  if (from === 'customer' && to === 'customer' && prev!.tier && cur.tier && prev!.tier !== cur.tier) {
    const a = tiers.get(prev!.tier) ?? tiers.size, b = tiers.get(cur.tier) ?? tiers.size;
    if (b < a) out.push('upgraded');
    if (b > a) out.push('downgraded');
  }
  // New to the open pipeline: added this week, reopened, or a conversion undone.
  if (from === 'absent' || ((isGrade(to) || to === 'none') && !isGrade(from) && from !== 'none')) out.push('new');
  if (to === 'customer' && from !== 'customer') out.push('converted');
  if (to === 'closed' && from !== 'closed' && from !== 'customer') out.push('lost');
  // A close-by date passed since last week.
  if ((isGrade(to) || to === 'none') && cur.flags.includes('slipped') && cur.slipCount > (prev?.slipCount ?? 0)) out.push('slipped');
  return out;
}

/**
 * Whether nothing the lists look at moved: derive.ts reads only the accounts for which this is
 * false (the same test in SQL), so it must hold that an unmoved account is in no change list.
 */
export function unmoved(prev: SnapState | null, cur: SnapState | null): boolean {
  if (!prev || !cur) return prev === cur;
  return (
    prev.kind === cur.kind &&
    prev.status === cur.status &&
    prev.grade === cur.grade &&
    prev.tier === cur.tier &&
    prev.slipCount === cur.slipCount &&
    prev.flags.includes('slipped') === cur.flags.includes('slipped')
  );
}

/** An account of a change list as derive.ts sorts it: its name key (lower case) and both weeks. */
export type ListItem = { accountId: number; nameKey: string; prev: SnapState | null; cur: SnapState };

/** A place's rank for sorting: grades A–D, ungraded, customers by tier, closed, absent. */
function rankOf(s: SnapState | null, tiers: TierRanks): number {
  const p = placeOf(s);
  if (isGrade(p)) return gradeRank(p);
  if (p === 'none') return 4;
  if (p === 'customer') return 10 + (s!.tier ? (tiers.get(s!.tier) ?? tiers.size) : tiers.size + 1);
  return p === 'closed' ? 100 : 200;
}

/**
 * The order of a list: the best grade (or tier) first, then by name; lost by the grade it was
 * lost at; slipped by how often it slipped, most first.
 */
export function listComparator(list: ChangeList, tiers: TierRanks): (a: ListItem, b: ListItem) => number {
  const byName = (a: ListItem, b: ListItem) => (a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : a.accountId - b.accountId);
  if (list === 'lost') return (a, b) => rankOf(a.prev, tiers) - rankOf(b.prev, tiers) || byName(a, b);
  if (list === 'slipped') return (a, b) => b.cur.slipCount - a.cur.slipCount || rankOf(a.cur, tiers) - rankOf(b.cur, tiers) || byName(a, b);
  return (a, b) => rankOf(a.cur, tiers) - rankOf(b.cur, tiers) || byName(a, b);
}

/** Each change list's accounts in display order, from the accounts that moved. */
export function changeLists(items: readonly ListItem[], tiers: TierRanks): Record<ChangeList, ListItem[]> {
  const out = Object.fromEntries(CHANGE_LISTS.map((l) => [l, [] as ListItem[]])) as Record<ChangeList, ListItem[]>;
  for (const it of items) for (const l of changeListsOf(it.prev, it.cur, tiers)) out[l].push(it);
  for (const l of CHANGE_LISTS) out[l].sort(listComparator(l, tiers));
  return out;
}
