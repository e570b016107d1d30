import type { OwnershipPolicy } from '../policy/policy.ts';
import { GRADES } from '../policy/policy.ts';
import { requirementOf, utilization } from '../ownership/model.ts';
import { addMonths } from '../shared/dates.ts';
import { MATRIX_COLS, MATRIX_ROWS, matrixCell, type MatrixCol, type MatrixRow, type Place } from './diff.ts';
import { monthLabel } from './weeks.ts';

// PURE: the review page's numbers from the per-week rows derive.ts keeps (snapshot_counts,
// snapshot_moves, snapshot_months): totals with their change, the movement matrix, one line per
// rep, the 12-week trend and the pipeline by close month.

/** A week's accounts of one owner in one state (a snapshot_counts row). */
export type CountRow = {
  week: string;
  ownerId: number | null;
  kind: string;
  status: string;
  grade: string | null;
  tier: string | null;
  stale: boolean;
  n: number;
  openValue: number;
};

export type GradeKey = (typeof GRADES)[number];

export type WeekTotals = {
  /** Open prospects per grade ('none': not graded). */
  grades: Record<GradeKey | 'none', number>;
  /** Customers per tier (a tier the policy no longer names is kept under its own name). */
  tiers: Record<string, number>;
  openProspects: number;
  customers: number;
  /** Lost or disqualified prospects. */
  closed: number;
  stale: number;
  /** Open deal value of the open prospects and customers. */
  openValue: number;
};

export function totalsOf(rows: readonly CountRow[], tierNames: readonly string[]): WeekTotals {
  const t: WeekTotals = { grades: { A: 0, B: 0, C: 0, D: 0, none: 0 }, tiers: Object.fromEntries(tierNames.map((n) => [n, 0])), openProspects: 0, customers: 0, closed: 0, stale: 0, openValue: 0 };
  for (const r of rows) {
    if (r.kind === 'customer') {
      t.customers += r.n;
      const k = r.tier ?? 'no tier';
      t.tiers[k] = (t.tiers[k] ?? 0) + r.n;
      t.openValue += r.openValue;
    } else if (r.status === 'open') {
      t.openProspects += r.n;
      const g = (GRADES as readonly string[]).includes(r.grade ?? '') ? (r.grade as GradeKey) : 'none';
      t.grades[g] += r.n;
      if (r.stale) t.stale += r.n;
      t.openValue += r.openValue;
    } else t.closed += r.n;
  }
  return t;
}

export type CountLine = { key: string; label: string; group: 'grade' | 'tier' | 'total'; now: number; before: number | null; change: number | null };

/** One line per grade and tier (and the totals): this week, the week before, and the change. */
export function countLines(cur: WeekTotals, prev: WeekTotals | null): CountLine[] {
  const line = (key: string, label: string, group: CountLine['group'], now: number, before: number | undefined): CountLine => ({
    key,
    label,
    group,
    now,
    before: prev ? (before ?? 0) : null,
    change: prev ? now - (before ?? 0) : null,
  });
  const out: CountLine[] = GRADES.map((g) => line(g, `Grade ${g}`, 'grade', cur.grades[g], prev?.grades[g]));
  if (cur.grades.none || prev?.grades.none) out.push(line('none', 'Not graded', 'grade', cur.grades.none, prev?.grades.none));
  out.push(line('open', 'Open prospects', 'total', cur.openProspects, prev?.openProspects));
  const tiers = [...new Set([...Object.keys(cur.tiers), ...Object.keys(prev?.tiers ?? {})])];
  for (const t of tiers) out.push(line(`tier:${t}`, t, 'tier', cur.tiers[t] ?? 0, prev?.tiers[t]));
  out.push(line('customers', 'Customers', 'total', cur.customers, prev?.customers));
  out.push(line('closed', 'Lost or disqualified', 'total', cur.closed, prev?.closed));
  return out;
}

/** A snapshot_moves row: accounts of one owner that went from one place to another. */
export type MoveRow = { ownerId: number | null; fromKey: string; toKey: string; n: number };

export type Matrix = {
  cells: Record<MatrixRow, Record<MatrixCol, number>>;
  rowTotals: Record<MatrixRow, number>;
  colTotals: Record<MatrixCol, number>;
  total: number;
};

export function matrixOf(moves: readonly MoveRow[]): Matrix {
  const zeroCols = () => Object.fromEntries(MATRIX_COLS.map((c) => [c, 0])) as Record<MatrixCol, number>;
  const cells = Object.fromEntries(MATRIX_ROWS.map((r) => [r, zeroCols()])) as Matrix['cells'];
  const rowTotals = Object.fromEntries(MATRIX_ROWS.map((r) => [r, 0])) as Record<MatrixRow, number>;
  const colTotals = zeroCols();
  let total = 0;
  for (const m of moves) {
    const cell = matrixCell(m.fromKey as Place, m.toKey as Place);
    if (!cell) continue;
    cells[cell.row][cell.col] += m.n;
    rowTotals[cell.row] += m.n;
    colTotals[cell.col] += m.n;
    total += m.n;
  }
  return { cells, rowTotals, colTotals, total };
}

export type RepInfo = { id: number; name: string; role: string; level: number | null; capacity: number; region: string | null; state: string };

export type RepLine = {
  /** null: the accounts nobody owns. */
  ownerId: number | null;
  name: string;
  level: number | null;
  region: string | null;
  state: string | null;
  grades: Record<GradeKey, number>;
  customers: number;
  /** Open prospects and customers they own. */
  accounts: number;
  stale: number;
  load: number;
  capacity: number | null;
  /** load / capacity (null for nobody). */
  utilization: number | null;
  overdue: number;
};

export type OwnerFilter = { owner?: number | 'none'; level?: number; region?: string };

/** Whether a person passes the review's owner, level and region filters (as the SQL filters rows). */
export function repMatches(rep: { id: number; level: number | null; region: string | null }, f: OwnerFilter): boolean {
  if (f.owner === 'none') return false;
  if (f.owner !== undefined && rep.id !== f.owner) return false;
  if (f.level !== undefined && rep.level !== f.level) return false;
  if (f.region !== undefined && rep.region !== f.region) return false;
  return true;
}

/**
 * One line per rep (every rep who passes the filters, and anyone else who owns accounts this
 * week), with the load their accounts carry under the ownership policy; unassigned accounts last.
 */
export function repLines(rows: readonly CountRow[], people: readonly RepInfo[], overdue: ReadonlyMap<number, number>, policy: OwnershipPolicy, filter: OwnerFilter = {}): RepLine[] {
  const byOwner = new Map<number | null, CountRow[]>();
  for (const r of rows) {
    const list = byOwner.get(r.ownerId) ?? [];
    list.push(r);
    byOwner.set(r.ownerId, list);
  }
  const known = new Map(people.map((p) => [p.id, p]));
  const ids = new Set<number>();
  for (const p of people) if (p.role === 'rep' && p.state !== 'deactivated' && repMatches(p, filter)) ids.add(p.id);
  for (const id of byOwner.keys()) if (id !== null) ids.add(id);
  const lineOf = (ownerId: number | null): RepLine => {
    const p = ownerId === null ? undefined : known.get(ownerId);
    const l: RepLine = {
      ownerId,
      name: ownerId === null ? 'Unassigned' : (p?.name ?? `User #${ownerId}`),
      level: p?.level ?? null,
      region: p?.region ?? null,
      state: p?.state ?? null,
      grades: { A: 0, B: 0, C: 0, D: 0 },
      customers: 0,
      accounts: 0,
      stale: 0,
      load: 0,
      capacity: ownerId === null ? null : (p?.capacity ?? null),
      utilization: null,
      overdue: ownerId === null ? 0 : (overdue.get(ownerId) ?? 0),
    };
    for (const r of byOwner.get(ownerId) ?? []) {
      const need = requirementOf(r, policy);
      if (need) l.load += need.load * r.n;
      if (r.kind === 'customer') {
        l.customers += r.n;
        l.accounts += r.n;
      } else if (r.status === 'open') {
        l.accounts += r.n;
        if (r.grade && r.grade in l.grades) l.grades[r.grade as GradeKey] += r.n;
        if (r.stale) l.stale += r.n;
      }
    }
    l.utilization = l.capacity === null ? null : utilization(l.load, l.capacity);
    return l;
  };
  const lines = [...ids].map(lineOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.ownerId ?? 0) - (b.ownerId ?? 0)));
  if (byOwner.has(null)) lines.push(lineOf(null));
  return lines;
}

/** Open prospects per grade and week, for the trend chart: one value per week per grade. */
export function gradeTrend(rows: readonly { week: string; grade: string | null; n: number }[], weeks: readonly string[]): Record<GradeKey, number[]> {
  const at = new Map(weeks.map((w, i) => [w, i]));
  const out = Object.fromEntries(GRADES.map((g) => [g, weeks.map(() => 0)])) as Record<GradeKey, number[]>;
  for (const r of rows) {
    const i = at.get(r.week);
    if (i !== undefined && r.grade && r.grade in out) out[r.grade as GradeKey][i]! += r.n;
  }
  return out;
}

/** Open deal value of open prospects in one close-by month ('' when they have no close-by date). */
export type MonthRow = { month: string; n: number; openValue: number };
export type MonthBucket = { key: string; label: string; value: number; n: number };

/**
 * The pipeline by expected close month, from the week's month on for `months` months: what is
 * due earlier (a close-by date already passed) comes first, then each month, then later ones,
 * then the accounts with no close-by date. Empty edge buckets are left out.
 */
export function valueByMonth(rows: readonly MonthRow[], week: string, months = 12): MonthBucket[] {
  const first = week.slice(0, 7);
  const keys: string[] = [];
  for (let i = 0; i < months; i++) keys.push(addMonths(`${first}-01`, i).slice(0, 7));
  const last = keys[keys.length - 1]!;
  const buckets = new Map<string, MonthBucket>([
    ['before', { key: 'before', label: 'Overdue', value: 0, n: 0 }],
    ...keys.map((k): [string, MonthBucket] => [k, { key: k, label: monthLabel(k), value: 0, n: 0 }]),
    ['later', { key: 'later', label: 'Later', value: 0, n: 0 }],
    ['none', { key: 'none', label: 'No date', value: 0, n: 0 }],
  ]);
  for (const r of rows) {
    const k = r.month === '' ? 'none' : r.month < first ? 'before' : r.month > last ? 'later' : r.month;
    const b = buckets.get(k)!;
    b.value += r.openValue;
    b.n += r.n;
  }
  return [...buckets.values()].filter((b) => keys.includes(b.key) || b.n > 0);
}
