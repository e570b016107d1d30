import { anAccount, pct, repLabel, type RepNames } from './assignment.ts';
import { utilization, type OwnedAccount, type Rep, type RepState } from './model.ts';

// Balancing a territory (DOMAIN.md §3). Pure: the caller loads every account and rep and stores
// the plan. Priorities: clear breaches, then bring reps within capacity, then even utilization,
// with as few moves as possible; pinned accounts never move, nobody junior or inactive gets one.
//
// How: the lowest even target T (a utilization every active rep should stay under) that a greedy
// can reach, searched from the lower bound up. For a given T, accounts stay where they are unless
// forced (breach) or their rep is over T; an over-T rep sheds its largest accounts first (fewest
// moves), junior ones first when the levels above are short of room. The pool is then placed by
// the assignment rule with T in place of capacity; a senior account that fits nowhere makes room
// by moving junior accounts off a senior rep. Accounts of one (load, minimum level) class are
// interchangeable, so the search works on counts and names accounts only for the final plan.

export type MoveReason = 'unowned' | 'below_level' | 'owner_deactivated' | 'owner_not_a_rep' | 'cover' | 'over_capacity' | 'evening';

/**
 * One account moved. Its sentence (why) is not kept: moveExplainer renders it from these fields
 * and the plan's reps and target, when a page or the API shows the move.
 */
export type Move = {
  accountId: number;
  from: number | null;
  to: number;
  key: string;
  load: number;
  minLevel: number;
  reason: MoveReason;
  /** The receiving rep's utilization once it took this account (as placed, in the plan's order). */
  utilAfter: number;
  /** The receiving rep made room for it by passing junior accounts on. */
  madeRoom: boolean;
  /** Passed on to make room for an account needing this level or above; else null. */
  roomForLevel: number | null;
  /** Its owner's load the reason speaks of (over capacity, evening; not when passed on to make room); else null. */
  fromLoad: number | null;
};

export type LoadFigures = { load: number; count: number; utilization: number };

export type RepOutcome = { id: number; level: number; capacity: number; state: RepState; before: LoadFigures; after: LoadFigures };

export type BalancePlan = {
  moves: Move[];
  reps: RepOutcome[];
  bound: { utilization: number; level: number };
  target: number;
  maxBefore: number;
  maxAfter: number;
  /** The same rule and target from scratch, ignoring owners: accounts it moves, and at best (see fromScratchMoves). */
  fromScratch: { moves: number; movesAtBest: number; maxUtilization: number };
  breachesBefore: number;
  breachesAfter: number;
  unassignable: number[];
  pinnedInBreach: number[];
  needingCover: number[];
};

export type BalanceOptions = { cover: boolean };

/** Move reasons in the order the plan lists them. */
export const MOVE_REASONS: readonly MoveReason[] = ['unowned', 'below_level', 'owner_deactivated', 'owner_not_a_rep', 'cover', 'over_capacity', 'evening'];
const B_UNOWNED = 0;
const B_BELOW = 1;
const B_DEACTIVATED = 2;
const B_NOT_A_REP = 3;
const B_ON_LEAVE = 4;
const R_OVER = 5;
const R_EVEN = 6;

const EPS = 1e-9;

/** Each rep's load, count and utilization from the accounts they own (like loadsOf, with utilization). */
export function summarizeLoads(accounts: readonly OwnedAccount[], reps: readonly Rep[]): Map<number, LoadFigures> {
  const out = new Map<number, LoadFigures>();
  for (const r of reps) out.set(r.id, { load: 0, count: 0, utilization: 0 });
  for (const a of accounts) {
    if (a.ownerId === null || !a.need) continue;
    const l = out.get(a.ownerId);
    if (l) {
      l.load += a.need.load;
      l.count += 1;
    }
  }
  for (const r of reps) {
    const l = out.get(r.id)!;
    l.utilization = utilization(l.load, r.capacity);
  }
  return out;
}

// Account status while planning.
const MOVABLE = 0; // on an active rep who qualifies: stays unless its rep sheds it
const FORCED = 1; // must move (breach, or cover)
const STAY = 2; // stays whatever: pinned, needing cover, unassignable
const NONE = 3; // carries no load: not planned

/** The team and accounts in typed arrays: reps by id, accounts by id, classes in placement order. */
type Team = {
  reps: Rep[];
  R: number;
  cap: Float64Array;
  level: Float64Array;
  active: Uint8Array;
  /** Receivers' level index (active, capacity > 0), else -1. */
  li: Int32Array;
  levels: number[];
  levelReps: Int32Array[];
  /** Classes (load, minimum level), by minimum level desc then load desc. */
  C: number;
  cLoad: Float64Array;
  cMin: Float64Array;
  firstLi: Int32Array;
  atMinLi: Int32Array;
  /** Heap slot of each class at each level (classes of equal load share one; a level of equal capacities has one for all). */
  heapOf: Int32Array[];
  heapX: number[][];
  /** Every account given, by id (those without a need have status NONE). */
  accounts: OwnedAccount[];
  M: number;
  aOwner: Int32Array;
  aClass: Int32Array;
  aStatus: Uint8Array;
  aReason: Int8Array;
  base: Float64Array;
  baseCount: Int32Array;
  /** Movable accounts by (rep, class), id order. */
  bStart: Int32Array;
  bItems: Int32Array;
  /** Forced accounts by class, id order. */
  fStart: Int32Array;
  fItems: Int32Array;
  forcedLoadByClass: Float64Array;
  before: { load: Float64Array; count: Int32Array };
  unassignable: number[];
  pinnedInBreach: number[];
  needingCover: number[];
  breachesBefore: number;
  /** Breaches of accounts that stay whatever (pinned, unassignable). */
  stayBreaches: number;
  bound: { utilization: number; level: number };
};

function byId<T extends { id: number }>(xs: readonly T[]): T[] {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]!.id > xs[i]!.id) return [...xs].sort((a, b) => a.id - b.id);
  return xs as T[];
}

function prepare(accountsIn: readonly OwnedAccount[], repsIn: readonly Rep[], cover: boolean): Team {
  const reps = byId(repsIn);
  const R = reps.length;
  const cap = new Float64Array(R);
  const level = new Float64Array(R);
  const active = new Uint8Array(R);
  const state = new Uint8Array(R); // 0 active, 1 on leave, 2 deactivated
  for (let r = 0; r < R; r++) {
    cap[r] = reps[r]!.capacity;
    level[r] = reps[r]!.level;
    active[r] = reps[r]!.state === 'active' ? 1 : 0;
    state[r] = reps[r]!.state === 'active' ? 0 : reps[r]!.state === 'on_leave' ? 1 : 2;
  }
  // Rep ids to indexes: an array when ids are small integers (the usual case), else a map.
  const maxId = R ? reps[R - 1]!.id : 0;
  const dense = R > 0 && reps[0]!.id >= 0 && maxId < 50_000_000 && reps.every((r) => Number.isInteger(r.id));
  const idArr = dense ? new Int32Array(maxId + 1).fill(-1) : null;
  const idMap = dense ? null : new Map<number, number>();
  reps.forEach((r, i) => (idArr ? (idArr[r.id] = i) : idMap!.set(r.id, i)));
  const repIndex = (id: number) => (idArr ? (id >= 0 && id <= maxId && Number.isInteger(id) ? idArr[id]! : -1) : (idMap!.get(id) ?? -1));

  const levels = [...new Set(reps.filter((r, i) => active[i] && cap[i]! > 0).map((r) => r.level))].sort((a, b) => a - b);
  const li = new Int32Array(R).fill(-1);
  const members: number[][] = levels.map(() => []);
  for (let r = 0; r < R; r++)
    if (active[r] && cap[r]! > 0) {
      li[r] = levels.indexOf(level[r]!);
      members[li[r]!]!.push(r);
    }
  const levelReps = members.map((m) => Int32Array.from(m));

  // Accounts with a need, by id; classes by (load, minimum level).
  const accounts = byId(accountsIn);
  const M = accounts.length;
  const byNeed = new Map<object, number>();
  const byKey = new Map<string, number>();
  const rawClass = new Int32Array(M);
  const classes: { load: number; min: number }[] = [];
  // Callers share one requirement object per key, so the last one seen usually matches.
  let lastNeed: object | null = null;
  const seen: object[] = [];
  const seenClass: number[] = [];
  let lastClass = -1;
  for (let i = 0; i < M; i++) {
    const need = accounts[i]!.need;
    if (!need) {
      rawClass[i] = -1;
      continue;
    }
    if (need === lastNeed) {
      rawClass[i] = lastClass;
      continue;
    }
    let c: number | undefined;
    for (let k = 0; k < seen.length; k++)
      if (seen[k] === need) {
        c = seenClass[k]!;
        break;
      }
    if (c === undefined) c = byNeed.get(need);
    if (c === undefined) {
      const k = `${need.load}|${need.minLevel}`;
      c = byKey.get(k);
      if (c === undefined) {
        c = classes.length;
        classes.push({ load: need.load, min: need.minLevel });
        byKey.set(k, c);
      }
      byNeed.set(need, c);
      if (seen.length < 32) {
        seen.push(need);
        seenClass.push(c);
      }
    }
    rawClass[i] = c;
    lastNeed = need;
    lastClass = c;
  }
  const order = classes.map((_, i) => i).sort((a, b) => classes[b]!.min - classes[a]!.min || classes[b]!.load - classes[a]!.load);
  const remap = new Int32Array(classes.length);
  order.forEach((raw, c) => (remap[raw] = c));
  const C = classes.length;
  const cLoad = Float64Array.from(order.map((i) => classes[i]!.load));
  const cMin = Float64Array.from(order.map((i) => classes[i]!.min));
  const firstLi = Int32Array.from(order.map((i) => levels.findIndex((l) => l >= classes[i]!.min)));
  const atMinLi = Int32Array.from(order.map((i) => levels.indexOf(classes[i]!.min)));

  // Heaps: one per distinct load per level, or one per level when its capacities are all equal
  // (then every load orders the reps the same way).
  const heapOf: Int32Array[] = [];
  const heapX: number[][] = [];
  for (let l = 0; l < levels.length; l++) {
    const caps = new Set(levelReps[l]!.map((r) => cap[r]!));
    const slot = new Int32Array(C).fill(-1);
    const xs: number[] = [];
    for (let c = 0; c < C; c++) {
      if (cMin[c]! > levels[l]!) continue;
      const x = caps.size <= 1 ? 0 : cLoad[c]!;
      let k = xs.indexOf(x);
      if (k < 0) k = xs.push(x) - 1;
      slot[c] = k;
    }
    heapOf.push(slot);
    heapX.push(xs);
  }

  const aOwner = new Int32Array(M);
  const aClass = new Int32Array(M);
  const aStatus = new Uint8Array(M);
  const aReason = new Int8Array(M).fill(-1);
  const base = new Float64Array(R);
  const baseCount = new Int32Array(R);
  const beforeLoad = new Float64Array(R);
  const beforeCount = new Int32Array(R);
  const forcedLoadByClass = new Float64Array(C);
  const unassignable: number[] = [];
  const pinnedInBreach: number[] = [];
  const needingCover: number[] = [];
  let breachesBefore = 0;
  let stayBreaches = 0;
  const bCount = new Int32Array(R * C + 1);
  const fCount = new Int32Array(C + 1);
  for (let i = 0; i < M; i++) {
    const a = accounts[i]!;
    if (rawClass[i]! < 0) {
      aStatus[i] = NONE;
      aClass[i] = -1;
      aOwner[i] = -1;
      continue;
    }
    const c = remap[rawClass[i]!]!;
    aClass[i] = c;
    const r = a.ownerId === null ? -1 : repIndex(a.ownerId);
    aOwner[i] = r;
    const load = cLoad[c]!;
    if (r >= 0) {
      beforeLoad[r]! += load;
      beforeCount[r]! += 1;
    }
    // breachOf (model.ts) on the typed arrays, as an index into MOVE_REASONS (on leave: cover).
    const b =
      a.ownerId === null ? B_UNOWNED : r < 0 ? B_NOT_A_REP : state[r] === 2 ? B_DEACTIVATED : level[r]! < cMin[c]! ? B_BELOW : state[r] === 1 ? B_ON_LEAVE : -1;
    const counted = b >= 0 && (b !== B_ON_LEAVE || cover);
    if (counted) breachesBefore++;
    let status = MOVABLE;
    if (a.pinned) {
      status = STAY;
      if (b === B_ON_LEAVE && !cover) needingCover.push(a.id);
      else if (b >= 0) pinnedInBreach.push(a.id);
    } else if (b === B_ON_LEAVE && !cover) {
      status = STAY;
      needingCover.push(a.id);
    } else if (b >= 0) {
      if (firstLi[c]! < 0) {
        status = STAY;
        unassignable.push(a.id);
      } else {
        status = FORCED;
        aReason[i] = b;
      }
    } else if (firstLi[c]! < 0) {
      status = STAY; // on an active rep, but nobody could take it from them
    }
    aStatus[i] = status;
    if (status === STAY && counted) stayBreaches++;
    if (status === FORCED) {
      fCount[c + 1]! += 1;
      forcedLoadByClass[c]! += load;
    } else if (r >= 0 && active[r]) {
      base[r]! += load;
      baseCount[r]! += 1;
      if (status === MOVABLE) bCount[r * C + c + 1]! += 1;
    }
  }
  // Buckets in id order (accounts are in id order already).
  for (let k = 1; k <= R * C; k++) bCount[k]! += bCount[k - 1]!;
  for (let k = 1; k <= C; k++) fCount[k]! += fCount[k - 1]!;
  const bStart = bCount;
  const fStart = fCount;
  const bItems = new Int32Array(bStart[R * C]!);
  const fItems = new Int32Array(fStart[C]!);
  const bFill = bStart.slice(0, R * C);
  const fFill = fStart.slice(0, C);
  for (let i = 0; i < M; i++) {
    if (aStatus[i] === MOVABLE) bItems[bFill[aOwner[i]! * C + aClass[i]!]!++] = i;
    else if (aStatus[i] === FORCED) fItems[fFill[aClass[i]!]!++] = i;
  }

  const team: Team = {
    reps,
    R,
    cap,
    level,
    active,
    li,
    levels,
    levelReps,
    C,
    cLoad,
    cMin,
    firstLi,
    atMinLi,
    heapOf,
    heapX,
    accounts,
    M,
    aOwner,
    aClass,
    aStatus,
    aReason,
    base,
    baseCount,
    bStart,
    bItems,
    fStart,
    fItems,
    forcedLoadByClass,
    before: { load: beforeLoad, count: beforeCount },
    unassignable,
    pinnedInBreach,
    needingCover,
    breachesBefore,
    stayBreaches,
    bound: { utilization: 0, level: levels[0] ?? 1 },
  };
  team.bound = lowerBound(team);
  return team;
}

/**
 * The lowest maximum utilization any plan can reach: accounts needing level ≥ L can only go to
 * active reps of level ≥ L, which also keep what is pinned to them. Accounts that stay on
 * inactive reps (pinned, needing cover) or nowhere (unassignable, off active reps) are left out,
 * so that this is a true lower bound (the plan's maximum is never below it).
 */
function lowerBound(t: Team): { utilization: number; level: number } {
  const fixed = new Float64Array(t.R);
  for (let i = 0; i < t.accounts.length; i++) {
    const r = t.aOwner[i]!;
    if (t.aStatus[i] === STAY && r >= 0 && t.active[r]) fixed[r]! += t.cLoad[t.aClass[i]!]!;
  }
  const movable = new Float64Array(t.C);
  for (let c = 0; c < t.C; c++) movable[c] = t.forcedLoadByClass[c]!;
  for (let r = 0; r < t.R; r++) for (let c = 0; c < t.C; c++) movable[c]! += (t.bStart[r * t.C + c + 1]! - t.bStart[r * t.C + c]!) * t.cLoad[c]!;
  const marks = [...new Set([...t.reps.filter((_, r) => t.active[r]).map((r) => r.level), ...t.cMin])].sort((a, b) => a - b);
  let best = { utilization: 0, level: t.levels[0] ?? marks[0] ?? 1 };
  for (const m of marks) {
    let demand = 0;
    let capacity = 0;
    for (let c = 0; c < t.C; c++) if (t.cMin[c]! >= m) demand += movable[c]!;
    for (let r = 0; r < t.R; r++)
      if (t.active[r] && t.level[r]! >= m) {
        demand += fixed[r]!;
        capacity += t.cap[r]!;
      }
    if (demand <= 0) continue;
    const u = utilization(demand, capacity);
    if (u > best.utilization + EPS) best = { utilization: u, level: m };
  }
  return best;
}

/** A binary min-heap of rep indexes on (utilization after adding x, count, index). */
class RepHeap {
  items: Int32Array;
  pos: Int32Array;
  key: Float64Array;
  size = 0;
  constructor(
    readonly x: number,
    members: Int32Array,
    R: number,
    readonly load: Float64Array,
    readonly count: Int32Array,
    readonly cap: Float64Array,
  ) {
    this.items = Int32Array.from(members);
    this.pos = new Int32Array(R).fill(-1);
    this.key = new Float64Array(R);
    for (const r of members) this.key[r] = (load[r]! + x) / cap[r]!;
    this.size = members.length;
    for (let k = 0; k < this.size; k++) this.pos[this.items[k]!] = k;
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.down(k);
  }
  less(a: number, b: number): boolean {
    const ua = this.key[a]!;
    const ub = this.key[b]!;
    if (ua !== ub) return ua < ub;
    if (this.count[a] !== this.count[b]) return this.count[a]! < this.count[b]!;
    return a < b;
  }
  up(k: number) {
    const it = this.items;
    const v = it[k]!;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.less(v, it[p]!)) break;
      it[k] = it[p]!;
      this.pos[it[k]!] = k;
      k = p;
    }
    it[k] = v;
    this.pos[v] = k;
  }
  down(k: number) {
    const it = this.items;
    const n = this.size;
    const v = it[k]!;
    for (;;) {
      let ch = 2 * k + 1;
      if (ch >= n) break;
      if (ch + 1 < n && this.less(it[ch + 1]!, it[ch]!)) ch++;
      if (!this.less(it[ch]!, v)) break;
      it[k] = it[ch]!;
      this.pos[it[k]!] = k;
      k = ch;
    }
    it[k] = v;
    this.pos[v] = k;
  }
  /** Keys afresh for every member (other classes' placements moved loads), then heapify. */
  rebuild() {
    for (let k = 0; k < this.size; k++) {
      const r = this.items[k]!;
      this.key[r] = (this.load[r]! + this.x) / this.cap[r]!;
    }
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.down(k);
  }
  /** After r's load rose. */
  raise(r: number) {
    this.key[r] = (this.load[r]! + this.x) / this.cap[r]!;
    this.down(this.pos[r]!);
  }
  /** After r's load changed either way. */
  update(r: number) {
    this.key[r] = (this.load[r]! + this.x) / this.cap[r]!;
    this.up(this.pos[r]!);
    this.down(this.pos[r]!);
  }
}

/** Where the placements of one class went, in order; flags: 1 at the minimum level, 2 made room. */
type Slots = { rep: number[]; util: number[]; flags: number[] };
type Eviction = { rep: number; cls: number; k: number; reason: number; forCls: number };

type Run = {
  ok: boolean;
  load: Float64Array;
  count: Int32Array;
  /** Movable accounts taken off each (rep, class): shed first, then evicted. */
  taken: Int32Array;
  shedOf: Int32Array;
  slots: Slots[];
  evictions: Eviction[];
  /** From scratch: the reps each class's placements went to, in order. */
  placed: Int32Array[] | null;
};

/**
 * One pass at target T. `plan`: shed, place, make room; fails when an account fits nowhere under
 * T. `scratch`: every movable account is placed afresh (no shedding), over T when it must be.
 */
function run(t: Team, T: number, mode: 'plan' | 'scratch', record: boolean): Run {
  const { R, C, cap, cLoad, cMin, levels, levelReps, li, bStart } = t;
  const L = levels.length;
  const load = new Float64Array(R);
  const count = new Int32Array(R);
  const taken = new Int32Array(R * C);
  const shedOf = new Int32Array(record ? R * C : 0);
  const pool = new Int32Array(C);
  for (let c = 0; c < C; c++) pool[c] = t.fStart[c + 1]! - t.fStart[c]!;
  const avail = (r: number, c: number) => bStart[r * C + c + 1]! - bStart[r * C + c]! - taken[r * C + c]!;

  if (mode === 'scratch') {
    for (let r = 0; r < R; r++) {
      if (!t.active[r]) continue;
      load[r] = t.base[r]!;
      count[r] = t.baseCount[r]!;
      for (let c = 0; c < C; c++) {
        const n = avail(r, c);
        taken[r * C + c] = n;
        pool[c]! += n;
        load[r]! -= n * cLoad[c]!;
        count[r]! -= n;
      }
    }
  } else {
    // Levels short of room under T: reps at or above them shed junior accounts first.
    const tight: number[] = [];
    for (let l = 1; l < L; l++) {
      const m = levels[l]!;
      let s = 0;
      for (let r = 0; r < R; r++) if (t.active[r] && t.level[r]! >= m) s += t.base[r]! - T * cap[r]!;
      for (let c = 0; c < C; c++) if (cMin[c]! >= m) s += t.forcedLoadByClass[c]!;
      if (s > EPS) tight.push(m);
    }
    const shedOrder = new Map<number, Int32Array>();
    const orderFor = (lv: number) => {
      let o = shedOrder.get(lv);
      if (!o) {
        const help = (c: number) => tight.filter((m) => cMin[c]! < m && m <= lv).length;
        const cs: number[] = [];
        for (let c = 0; c < C; c++) if (cLoad[c]! > 0 && cMin[c]! <= lv) cs.push(c);
        cs.sort((a, b) => help(b) - help(a) || cLoad[b]! - cLoad[a]! || cMin[a]! - cMin[b]! || a - b);
        shedOrder.set(lv, (o = Int32Array.from(cs)));
      }
      return o;
    };
    for (let r = 0; r < R; r++) {
      if (!t.active[r]) continue;
      load[r] = t.base[r]!;
      count[r] = t.baseCount[r]!;
      const excess = load[r]! - T * cap[r]!;
      if (excess <= EPS) continue;
      const shed = takeOff(t, r, orderFor(t.level[r]!), excess, taken);
      for (let k = 0; k < shed.length; k += 2) {
        const c = shed[k]!;
        const n = shed[k + 1]!;
        pool[c]! += n;
        load[r]! -= n * cLoad[c]!;
        count[r]! -= n;
        if (record) shedOf[r * C + c]! += n;
      }
    }
  }

  // One heap per (level, distinct load); classes of a level share them (see prepare). Only the
  // heaps of the class being placed are kept up to date; the next class rebuilds its own.
  const heaps: RepHeap[][] = levels.map((_, l) => t.heapX[l]!.map((x) => new RepHeap(x, levelReps[l]!, R, load, count, cap)));
  const slots: Slots[] = record ? Array.from({ length: C }, () => ({ rep: [], util: [], flags: [] })) : [];
  const evictions: Eviction[] = [];
  const placed = mode === 'scratch' ? Array.from(pool, (n) => new Int32Array(n)) : null;
  const limit = (r: number) => T * cap[r]! + EPS;

  for (let c = 0; c < C; c++) {
    const n0 = pool[c]!;
    if (!n0) continue;
    const x = cLoad[c]!;
    const fl = t.firstLi[c]!;
    const am = t.atMinLi[c]!;
    for (let l = Math.max(fl, 0); l < L; l++) heaps[l]![t.heapOf[l]![c]!]!.rebuild();
    for (let j = 0; j < pool[c]!; j++) {
      let r = -1;
      if (am >= 0) {
        const h = heaps[am]![t.heapOf[am]![c]!]!;
        const top = h.items[0]!;
        if (h.size && load[top]! + x <= limit(top)) r = top;
      }
      if (r < 0) r = bestAbove(heaps, t, c, fl, am, x, load, count, cap, T);
      let evicted = false;
      if (r < 0 && mode === 'plan') {
        r = makeRoom(t, c, T, load, count, taken, avail, pool, record ? evictions : null);
        if (r >= 0) evicted = true;
      }
      if (r < 0) {
        if (mode === 'plan') return { ok: false, load, count, taken, shedOf, slots, evictions, placed };
        // Nobody has room under T: the rule's order without the room test.
        r = bestAbove(heaps, t, c, fl, -1, x, load, count, cap, Infinity, am);
      }
      load[r]! += x;
      count[r]! += 1;
      const h = heaps[li[r]!]![t.heapOf[li[r]!]![c]!]!;
      if (evicted) h.update(r);
      else h.raise(r);
      if (placed) placed[c]![j] = r;
      if (record) {
        const s = slots[c]!;
        s.rep.push(r);
        s.util.push(load[r]! / cap[r]!);
        s.flags.push((t.level[r] === cMin[c] ? 1 : 0) | (evicted ? 2 : 0));
      }
    }
  }
  return { ok: true, load, count, taken, shedOf, slots, evictions, placed };
}

/** The best heap top at levels from `fl` up (skipping `skip`) that fits under T; `prefer` is tried first. */
function bestAbove(heaps: RepHeap[][], t: Team, c: number, fl: number, skip: number, x: number, load: Float64Array, count: Int32Array, cap: Float64Array, T: number, prefer = -1): number {
  if (prefer >= 0) {
    const h = heaps[prefer]![t.heapOf[prefer]![c]!]!;
    if (h.size) return h.items[0]!;
  }
  let best = -1;
  let bu = 0;
  for (let l = fl; l < heaps.length; l++) {
    if (l === skip) continue;
    const h = heaps[l]![t.heapOf[l]![c]!]!;
    if (!h.size) continue;
    const r = h.items[0]!;
    if (T !== Infinity && load[r]! + x > T * cap[r]! + EPS) continue;
    const u = (load[r]! + x) / cap[r]!;
    if (best < 0 || u < bu || (u === bu && (count[r]! < count[best]! || (count[r] === count[best] && r < best)))) {
      best = r;
      bu = u;
    }
  }
  return best;
}

/**
 * Which movable accounts of rep r to take off to shed `amount` points, as [class, n, …]: the
 * largest that fit in what is left, in the given class order, then the smallest that covers the rest.
 */
function takeOff(t: Team, r: number, order: Int32Array, amount: number, taken: Int32Array): number[] {
  const { C, cLoad, bStart } = t;
  const out: number[] = [];
  let rem = amount;
  for (let k = 0; k < order.length && rem > EPS; k++) {
    const c = order[k]!;
    const a = bStart[r * C + c + 1]! - bStart[r * C + c]! - taken[r * C + c]!;
    if (!a) continue;
    const n = Math.min(a, Math.floor((rem + EPS) / cLoad[c]!));
    if (n > 0) {
      taken[r * C + c]! += n;
      rem -= n * cLoad[c]!;
      out.push(c, n);
    }
  }
  if (rem > EPS) {
    let cover = -1;
    for (let k = 0; k < order.length; k++) {
      const c = order[k]!;
      if (bStart[r * C + c + 1]! - bStart[r * C + c]! - taken[r * C + c]! <= 0) continue;
      if (cover < 0 || cLoad[c]! < cLoad[cover]!) cover = c;
    }
    if (cover >= 0) {
      taken[r * C + cover]! += 1;
      out.push(cover, 1);
    }
  }
  return out;
}

/**
 * Room for one account of class c that fits nowhere under T: the qualified rep (at the minimum
 * level first) that needs the fewest points of junior accounts moved off to take it.
 */
function makeRoom(
  t: Team,
  c: number,
  T: number,
  load: Float64Array,
  count: Int32Array,
  taken: Int32Array,
  avail: (r: number, c: number) => number,
  pool: Int32Array,
  evictions: Eviction[] | null,
): number {
  const { C, cLoad, cMin, levels, levelReps, cap } = t;
  const x = cLoad[c]!;
  const mu = cMin[c]!;
  if (t.firstLi[c]! < 0 || x <= 0) return -1;
  let best = -1;
  let bestNeed = 0;
  let bestAtMin = false;
  for (let l = t.firstLi[c]!; l < levels.length; l++) {
    const atMin = levels[l] === mu;
    if (best >= 0 && bestAtMin && !atMin) break;
    for (const r of levelReps[l]!) {
      const need = load[r]! + x - T * cap[r]!;
      if (x > T * cap[r]! + EPS) continue;
      let junior = 0;
      for (let j = 0; j < C; j++) if (cMin[j]! < mu && cLoad[j]! > 0) junior += avail(r, j) * cLoad[j]!;
      if (junior + EPS < need) continue;
      if (best < 0 || (atMin && !bestAtMin) || (atMin === bestAtMin && need < bestNeed)) {
        best = r;
        bestNeed = need;
        bestAtMin = atMin;
      }
    }
  }
  if (best < 0) return -1;
  const order: number[] = [];
  for (let j = 0; j < C; j++) if (cMin[j]! < mu && cLoad[j]! > 0) order.push(j);
  order.sort((a, b) => cLoad[b]! - cLoad[a]! || cMin[a]! - cMin[b]! || a - b);
  const reason = load[best]! + x > cap[best]! + EPS ? R_OVER : R_EVEN;
  const off = takeOff(t, best, Int32Array.from(order), bestNeed, taken);
  for (let k = 0; k < off.length; k += 2) {
    const j = off[k]!;
    const n = off[k + 1]!;
    pool[j]! += n;
    load[best]! -= n * cLoad[j]!;
    count[best]! -= n;
    evictions?.push({ rep: best, cls: j, k: n, reason, forCls: c });
  }
  return best;
}

function fromScratchMoves(t: Team, placed: Int32Array[]): { moves: number; movesAtBest: number } {
  const { C, R, M } = t;
  const next = new Int32Array(C);
  const got = new Int32Array(C * R);
  let moves = 0;
  let pool = 0;
  for (let i = 0; i < M; i++) {
    const st = t.aStatus[i];
    if (st !== MOVABLE && st !== FORCED) continue;
    const c = t.aClass[i]!;
    if (placed[c]![next[c]!++] !== t.aOwner[i]) moves++;
    pool++;
  }
  let kept = 0;
  for (let c = 0; c < C; c++) for (const r of placed[c]!) got[c * R + r]! += 1;
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      const mine = t.bStart[r * C + c + 1]! - t.bStart[r * C + c]!;
      kept += Math.min(mine, got[c * R + r]!);
    }
  return { moves, movesAtBest: pool - kept };
}

const maxUtil = (t: Team, load: Float64Array) => {
  let m = 0;
  for (let r = 0; r < t.R; r++) if (t.active[r]) m = Math.max(m, utilization(load[r]!, t.cap[r]!));
  return m;
};

/** The smallest target from the bound up that the greedy reaches (to 0.05 %). */
function searchTarget(t: Team): number {
  let lo = t.bound.utilization;
  if (!Number.isFinite(lo)) lo = 0;
  if (run(t, lo, 'plan', false).ok) return lo;
  // Far enough that everyone fits anywhere: a sure success.
  let total = 0;
  let maxLoad = 0;
  for (let c = 0; c < t.C; c++) maxLoad = Math.max(maxLoad, t.cLoad[c]!);
  for (let r = 0; r < t.R; r++) total += t.active[r] ? t.base[r]! : 0;
  for (let c = 0; c < t.C; c++) total += t.forcedLoadByClass[c]!;
  let minCap = Infinity;
  for (let r = 0; r < t.R; r++) if (t.li[r]! >= 0) minCap = Math.min(minCap, t.cap[r]!);
  const sure = Number.isFinite(minCap) ? (total + maxLoad) / minCap + 1 : 1;
  let step = Math.max(lo, 0.01) * 0.001;
  let hi = lo + step;
  while (hi < sure && !run(t, hi, 'plan', false).ok) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi >= sure) hi = sure;
  while (hi - lo > Math.max(hi * 0.0005, 1e-9)) {
    const mid = (lo + hi) / 2;
    if (run(t, mid, 'plan', false).ok) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A balance plan for the whole territory (DOMAIN.md §3); deterministic whatever the input order. */
export function planBalance(accounts: readonly OwnedAccount[], reps: readonly Rep[], opts: BalanceOptions): BalancePlan {
  const t = prepare(accounts, reps, opts.cover);
  const T = searchTarget(t);
  const res = run(t, T, 'plan', true);

  // From scratch with the same T and rule, ignoring owners: each class's accounts in id order
  // take its placements in order. At best, an account whose owner got a placement of its class
  // would stay: the lowest count any naming of that from-scratch assignment could reach.
  const scratch = run(t, T, 'scratch', false);
  const scratchMoves = fromScratchMoves(t, scratch.placed!);

  // Name the accounts. A slot on a rep who gave up an account of its class takes one of those
  // back (no move); the other pool accounts, in id order, take the other slots in order.
  const { C, R, M, bStart, bItems, accounts: all } = t;
  const returned = new Int32Array(R * C);
  const freeSlots: Int32Array[] = [];
  for (let c = 0; c < C; c++) {
    const sl = res.slots[c]!;
    const free: number[] = [];
    for (let k = 0; k < sl.rep.length; k++) {
      const rc = sl.rep[k]! * C + c;
      if (returned[rc]! < res.taken[rc]!) returned[rc]! += 1;
      else free.push(k);
    }
    freeSlots.push(Int32Array.from(free));
  }
  // Reason per account in the pool: -1 not in it, -2 taken back.
  const mark = new Int8Array(M).fill(-1);
  const madeRoomFor = new Int32Array(M).fill(-1);
  for (let c = 0; c < C; c++) for (let k = t.fStart[c]!; k < t.fStart[c + 1]!; k++) mark[t.fItems[k]!] = t.aReason[t.fItems[k]!]!;
  const evictionsAt = new Map<number, Eviction[]>();
  for (const e of res.evictions) {
    const rc = e.rep * C + e.cls;
    const list = evictionsAt.get(rc);
    if (list) list.push(e);
    else evictionsAt.set(rc, [e]);
  }
  for (let r = 0; r < R; r++) {
    const reasonShed = t.base[r]! > t.cap[r]! + EPS ? R_OVER : R_EVEN;
    for (let c = 0; c < C; c++) {
      const rc = r * C + c;
      const n = res.taken[rc]!;
      if (!n) continue;
      const start = bStart[rc]!;
      const shed = res.shedOf[rc]!;
      const evs = evictionsAt.get(rc);
      let e = 0;
      let left = 0;
      for (let k = 0; k < n; k++) {
        const i = bItems[start + k]!;
        if (k >= n - returned[rc]!) mark[i] = -2;
        else if (k < shed) mark[i] = reasonShed;
        else {
          while (left === 0) left = evs![e++]!.k;
          mark[i] = evs![e - 1]!.reason;
          madeRoomFor[i] = evs![e - 1]!.forCls;
          left--;
        }
      }
    }
  }

  const afterLoad = new Float64Array(R);
  const afterCount = new Int32Array(R);
  const byReason: Move[][] = MOVE_REASONS.map(() => []);
  const nextFree = new Int32Array(C);
  let breachesAfter = t.stayBreaches;
  for (let i = 0; i < M; i++) {
    const c = t.aClass[i]!;
    if (c < 0) continue;
    let r = t.aOwner[i]!;
    const reason = mark[i]!;
    if (reason >= 0) {
      const k = freeSlots[c]![nextFree[c]!++]!;
      const sl = res.slots[c]!;
      const to = sl.rep[k]!;
      const a = all[i]!;
      const need = a.need!;
      // By construction a receiver is active with the level; counted all the same.
      if (!t.active[to] || t.level[to]! < need.minLevel) breachesAfter++;
      byReason[reason]!.push({
        accountId: a.id,
        from: a.ownerId,
        to: t.reps[to]!.id,
        key: need.key,
        load: need.load,
        minLevel: need.minLevel,
        reason: MOVE_REASONS[reason]!,
        utilAfter: sl.util[k]!,
        madeRoom: (sl.flags[k]! & 2) !== 0,
        roomForLevel: madeRoomFor[i]! >= 0 ? t.cMin[madeRoomFor[i]!]! : null,
        fromLoad: (reason === R_OVER || reason === R_EVEN) && madeRoomFor[i]! < 0 ? t.base[r]! : null,
      });
      r = to;
    }
    if (r >= 0) {
      afterLoad[r]! += t.cLoad[c]!;
      afterCount[r]! += 1;
    }
  }
  const moves = byReason.flat();

  const figures = (l: number, n: number, capacity: number): LoadFigures => ({ load: round(l), count: n, utilization: utilization(l, capacity) });
  const repsOut: RepOutcome[] = t.reps
    .map((rep, r) => ({
      id: rep.id,
      level: rep.level,
      capacity: rep.capacity,
      state: rep.state,
      before: figures(t.before.load[r]!, t.before.count[r]!, rep.capacity),
      after: figures(afterLoad[r]!, afterCount[r]!, rep.capacity),
    }))
    .sort((a, b) => b.level - a.level || a.id - b.id);

  return {
    moves,
    reps: repsOut,
    bound: t.bound,
    target: T,
    maxBefore: maxUtil(t, t.before.load),
    maxAfter: maxUtil(t, afterLoad),
    fromScratch: { ...scratchMoves, maxUtilization: maxUtil(t, scratch.load) },
    breachesBefore: t.breachesBefore,
    breachesAfter,
    unassignable: t.unassignable,
    pinnedInBreach: t.pinnedInBreach,
    needingCover: t.needingCover,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const num = (x: number) => String(Math.round(x * 100) / 100);

/** What a move's sentence is rendered from, beside the move: its plan's reps (as they were then) and target. */
export type WhyContext = { reps: readonly Rep[]; target: number; names?: RepNames };

export type MoveFacts = Pick<Move, 'from' | 'to' | 'key' | 'minLevel' | 'reason' | 'utilAfter' | 'madeRoom' | 'roomForLevel' | 'fromLoad'>;

/**
 * The one-sentence why of each move of a plan, rendered when shown (pure; the plan keeps only the
 * fields). The parts shared by many moves are built once per explainer.
 */
export function moveExplainer(ctx: WhyContext): (m: MoveFacts) => string {
  const { names } = ctx;
  const repOf = new Map(ctx.reps.map((r) => [r.id, r]));
  // Levels with a rep who could take accounts (active, with capacity).
  const levels = new Set(ctx.reps.filter((r) => r.state === 'active' && r.capacity > 0).map((r) => r.level));
  const target = pct(ctx.target);
  const wasCache = new Map<string, string>();
  const destCache = new Map<string, string>();
  const percent: string[] = [];
  const pctOf = (u: number) => {
    const k = Math.round(u * 100);
    return k >= 0 && k < 10_000 ? (percent[k] ??= pct(u)) : pct(u);
  };
  const wasOf = (m: MoveFacts): string => {
    const who = m.from === null ? '' : repLabel(m.from, names);
    if (m.roomForLevel !== null) return `${who} passed it on to make room for an account only level ${m.roomForLevel} or above can take`;
    const from = m.from === null ? undefined : repOf.get(m.from);
    switch (m.reason) {
      case 'unowned':
        return 'It had no owner';
      case 'owner_not_a_rep':
        return `Its owner (#${m.from}) is not a rep`;
      case 'owner_deactivated':
        return `${who} is deactivated`;
      case 'below_level':
        return `${who}'s level ${from?.level ?? '?'} is below the minimum ${m.minLevel} for ${anAccount(m.key)}`;
      case 'cover':
        return `${who} is on leave`;
      case 'over_capacity':
        return m.fromLoad === null || !from ? `${who} was over capacity` : `${who} was over capacity (${num(m.fromLoad)} of ${num(from.capacity)} points)`;
      default:
        return m.fromLoad === null || !from ? `${who} was above the even target of ${target}` : `${who} was at ${pct(m.fromLoad / from.capacity)}, above the even target of ${target}`;
    }
  };
  const destOf = (m: MoveFacts): string => {
    const rep = repLabel(m.to, names);
    const lv = repOf.get(m.to)?.level;
    if (m.madeRoom) return `${rep} (level ${lv}) qualifies and made room for it (`;
    if (lv === m.minLevel) return `${rep} has level ${lv}, the minimum for ${anAccount(m.key)}, and the lowest utilization after adding (`;
    const none = levels.has(m.minLevel) ? `no level-${m.minLevel} rep had room under ${target}` : `no active rep is at level ${m.minLevel}`;
    return `${rep} (level ${lv}) qualifies with the lowest utilization after adding as ${none} (`;
  };
  return (m: MoveFacts): string => {
    const wk = `${m.from}|${m.reason}|${m.roomForLevel}|${m.key}|${m.minLevel}|${m.fromLoad}`;
    let was = wasCache.get(wk);
    if (was === undefined) wasCache.set(wk, (was = wasOf(m)));
    const dk = `${m.to}|${m.madeRoom}|${m.key}|${m.minLevel}`;
    let dest = destCache.get(dk);
    if (dest === undefined) destCache.set(dk, (dest = destOf(m)));
    return was + '; ' + dest + pctOf(m.utilAfter) + ' after).';
  };
}
