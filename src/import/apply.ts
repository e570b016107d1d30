import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, users } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { gradeOrFlagsChanged, summaryOf } from '../grading/apply-grading.ts';
import { explain, summaryLine } from '../grading/explain.ts';
import { makeGrader, type Grader, type Grading, type SignalSummary } from '../grading/grading.ts';
import { nameKey } from '../prospects/validation.ts';
import { createDeal } from '../customers/deal-actions.ts';
import type { CsvRow } from './csv.ts';
import { readRow, type Candidate, type ProspectField, type RowContext } from './rows.ts';
import type { Reject } from './store.ts';
import { bulkInsert, canCopy, copyIn, copyText, type BulkColumn } from '../db/bulk.ts';
import { accountFingerprint, importedFacts, STAGE_COLUMNS } from './stage.ts';

// One pass over a file's rows, batch by batch: read and validate each row (rows.ts), match it to
// an account (by website domain, then by exact name), grade what would be new or change with the
// pure grader, and, when writing, store all of it in the caller's transaction with set-based
// statements (jsonb_to_recordset), a few per batch. The dry run and the import are the same
// pass; only the import writes.

/** An account as matching and grading need it. */
export type Existing = {
  id: number;
  kind: string;
  status: string;
  name: string;
  nameKey: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  revenue: number | null;
  growthPct: number | null;
  need: string | null;
  situation: string | null;
  ownerId: number | null;
  pinned: boolean;
  addedOn: string;
  grade: string | null;
  fit: number | null;
  closeBy: string | null;
  flags: string[];
  reason: string | null;
  slipCount: number;
  policyVersion: number | null;
  latestTimingType: string | null;
  latestTimingDate: string | null;
  latestTimingExpected: string | null;
  lastSignalOn: string | null;
  priorSlips: number;
  version: number;
  /** What a staged change rests on (stage.ts accountFingerprint). */
  fingerprint: string;
};

const EXISTING_COLUMNS = sql`${accountFingerprint('accounts')} as fingerprint, id, kind, status, name, name_key as "nameKey", domain, industry, employees, revenue, growth_pct as "growthPct", need, situation,
  owner_id as "ownerId", pinned, added_on::text as "addedOn", grade, fit, close_by::text as "closeBy", flags, reason, slip_count as "slipCount",
  policy_version as "policyVersion", latest_timing_type as "latestTimingType", latest_timing_date::text as "latestTimingDate",
  latest_timing_expected::text as "latestTimingExpected", last_signal_on::text as "lastSignalOn", prior_slips as "priorSlips", version`;

export type Sample = {
  line: number;
  id: number | null;
  name: string;
  domain: string | null;
  grade: string | null;
  from?: string | null;
  fit: number | null;
  flags: string[];
  reason: string | null;
  changes?: string[];
  owner?: string | null;
};

export type GradeCounts = Record<'A' | 'B' | 'C' | 'D', number>;
const noGrades = (): GradeCounts => ({ A: 0, B: 0, C: 0, D: 0 });

export type PassSummary = {
  grades: { new: GradeCounts; updated: GradeCounts };
  samples: { new: Sample[]; updated: Sample[] };
  /** Owner cells that name nobody: those accounts are placed by the ownership rules. */
  unknownOwners: { owner: string; rows: number }[];
  /** Accounts whose grade moved, among the updated. */
  gradeChanges: number;
  pinnedOwnerKept: number;
  /** Customers with deals: deals new and already there, won deals, accounts a won deal would convert; accounts new and updated. */
  deals?: { new: number; existing: number; won: number; conversions: number; accountsNew: number; accountsUpdated: number };
};

export type PassCounts = { processed: number; new: number; updated: number; unchanged: number; rejected: number };

export type PassSetup = {
  importId: number;
  fileName: string;
  today: string;
  policy: Policy;
  policyVersion: number;
  actor: { name: string; id: number | null };
  /** Write the accounts and deals of a file of customers with deals (at confirm time); prospects are kept instead (stage). */
  write: boolean;
  /** Keep each accepted row in import_rows, graded, for the import to write set-based (prospects). */
  stage?: boolean;
  /** Staged rows may be written while the next batch is read (on a pool, never in a transaction). */
  overlapWrites?: boolean;
  /**
   * Writing prospects in a transaction on PostgreSQL (an import made during its upload): each
   * batch's lookup runs ahead on this pool (committed accounts; the file's own earlier rows are
   * known to the pass), and each batch is written by COPY while the next one is read and graded.
   */
  pool?: Db;
  rows: RowContext;
};

type UserRef = { id: number; name: string };

const SAMPLE_SIZE = 25;
/**
 * Rows worked through between two turns of the event loop: a batch is a few tens of milliseconds
 * of JavaScript, and the batch before it is being written meanwhile, statement after statement,
 * each of which waits for a turn to be sent.
 */
const BREATHE = 200;
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rows as COPY text in UTF-8, a slice at a time (see BREATHE). */
async function copyBytes(columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < rows.length; i += BREATHE * 5) {
    if (i) await breathe();
    parts.push(Buffer.from(copyText(columns, rows.slice(i, i + BREATHE * 5))));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
const EMPTY_SUMMARY: SignalSummary = { latestTiming: null, lastSignalOn: null, priorSlips: 0 };

/** A 64-bit hash of a string (cyrb53's two halves), as two 32-bit integers. */
function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 | 0, h2 | 0];
}

/**
 * The companies met so far in a file, by key, with the line they were first on: an open-addressing
 * table of 64-bit hashes in typed arrays (12 bytes a slot), so a million rows cost tens of MiB and
 * no garbage, where a Map of strings costs hundreds.
 */
class KeyLines {
  private hi = new Int32Array(1 << 12);
  private lo = new Int32Array(1 << 12);
  private lines = new Int32Array(1 << 12);
  private size = 0;

  private slot(h: [number, number]): number {
    const mask = this.lines.length - 1;
    let i = (h[0] ^ (h[1] >>> 7)) & mask;
    while (this.lines[i] !== 0 && (this.hi[i] !== h[0] || this.lo[i] !== h[1])) i = (i + 1) & mask;
    return i;
  }

  get(key: string): number | undefined {
    const line = this.lines[this.slot(hash64(key))]!;
    return line === 0 ? undefined : line;
  }

  /** Remembers a key's first line (a key already there keeps its line). */
  add(key: string, line: number): void {
    const h = hash64(key);
    const i = this.slot(h);
    if (this.lines[i] !== 0) return;
    this.hi[i] = h[0];
    this.lo[i] = h[1];
    this.lines[i] = line;
    if (++this.size * 2 > this.lines.length) this.grow();
  }

  private grow() {
    const { hi, lo, lines } = this;
    this.hi = new Int32Array(lines.length * 2);
    this.lo = new Int32Array(lines.length * 2);
    this.lines = new Int32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      const j = this.slot([hi[i]!, lo[i]!]);
      this.hi[j] = hi[i]!;
      this.lo[j] = lo[i]!;
      this.lines[j] = lines[i]!;
    }
  }
}

const FIELD_COLUMN: Record<ProspectField, keyof Existing> = {
  name: 'name',
  domain: 'domain',
  industry: 'industry',
  employees: 'employees',
  revenue: 'revenue',
  growthPct: 'growthPct',
  need: 'need',
  situation: 'situation',
};

type NewRow = { c: Candidate; id: number; ownerId: number | null; g: Grading; reason: string; sample?: Sample };
type UpdateRow = { c: Candidate; before: Existing; after: Existing; changes: string[]; g: Grading | null; reason: string | null; moved: boolean };

export class ImportPass {
  readonly counts: PassCounts = { processed: 0, new: 0, updated: 0, unchanged: 0, rejected: 0 };
  private grades = { new: noGrades(), updated: noGrades() };
  private samples: PassSummary['samples'] = { new: [], updated: [] };
  private unknownOwners = new Map<string, number>();
  private pinnedOwnerKept = 0;
  private gradeMoves = 0;
  private seen = new KeyLines();
  private rejects: Reject[] = [];
  private staging: Promise<void>[] = [];
  private grader: Grader;
  /** Accounts the ownership rules must place once everything is written (new without an owner; grades that rose). */
  readonly toAssign: { created: number[]; rose: number[] } = { created: [], rose: [] };
  /** Customers with deals: the accounts met so far (by key; the id once written), and the deals already there or in the file. */
  private accountsSeen = new Map<string, { line: number; id: number | null; row?: NewRow }>();
  private dealsSeen = new Map<string, number>();
  private deals = { new: 0, existing: 0, won: 0, conversions: 0, accountsNew: 0, accountsUpdated: 0 };

  private constructor(
    private q: Db,
    private s: PassSetup,
    private owners: { byEmail: Map<string, UserRef>; byName: Map<string, UserRef | null> },
  ) {
    this.grader = makeGrader(s.policy.grading, s.today);
  }

  static async open(q: Db, s: PassSetup): Promise<ImportPass> {
    const people = await q.select({ id: users.id, name: users.name, email: users.email, state: users.state }).from(users);
    const byEmail = new Map<string, UserRef>();
    const byName = new Map<string, UserRef | null>();
    for (const u of people) {
      if (u.state === 'deactivated') continue;
      byEmail.set(u.email.toLowerCase(), u);
      const k = nameKey(u.name);
      byName.set(k, byName.has(k) ? null : u);
    }
    return new ImportPass(q, s, { byEmail, byName });
  }

  /** Reads and validates rows (no I/O): the caller may do it while the previous batch is written. */
  async read(rows: readonly CsvRow[]): Promise<Candidate[]> {
    const out: Candidate[] = [];
    let k = 0;
    for (const row of rows) {
      if (++k % BREATHE === 0) await breathe();
      const r = readRow(row, this.s.rows);
      if (r.ok) out.push(r.candidate);
      else this.reject(r.line, r.reason);
    }
    return out;
  }

  /** Rows given up on since the last call, for the caller to record. */
  takeRejects(): Reject[] {
    const out = this.rejects;
    this.rejects = [];
    return out;
  }

  summary(): PassSummary {
    return {
      grades: this.grades,
      samples: this.samples,
      unknownOwners: [...this.unknownOwners].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([owner, rows]) => ({ owner, rows })),
      gradeChanges: this.gradeMoves,
      pinnedOwnerKept: this.pinnedOwnerKept,
      ...(this.s.rows.kind === 'customers' ? { deals: this.deals } : {}),
    };
  }

  private reject(line: number, reason: string) {
    this.counts.processed++;
    this.counts.rejected++;
    this.rejects.push({ line, reason });
  }

  /** Owner cells met so far: a file names a few people many times over. */
  private ownerCells = new Map<string, number | null>();

  private ownerOf(cell: string | null): number | null {
    if (!cell) return null;
    let id = this.ownerCells.get(cell);
    if (id === undefined) {
      id = (this.owners.byEmail.get(cell.toLowerCase()) ?? this.owners.byName.get(nameKey(cell)))?.id ?? null;
      if (this.ownerCells.size < 10_000) this.ownerCells.set(cell, id);
    }
    if (id !== null) return id;
    const k = cell.slice(0, 100);
    this.unknownOwners.set(k, (this.unknownOwners.get(k) ?? 0) + 1);
    return null;
  }

  /** The accounts these candidates may be: by domain, and by name key (read unlocked: write() locks the ones it changes). */
  lookup(cands: readonly Candidate[]): Promise<Found> | undefined {
    // Only on the pool: in a transaction, a query sent while the batch before is being copied would
    // go down the connection in COPY mode; and when writing, a batch must see what the ones before wrote.
    const pool = this.s.write ? this.s.pool : this.s.overlapWrites ? this.q : undefined;
    if (!pool) return undefined;
    const found = this.existing(cands, pool);
    // Started ahead of apply() (the next batch's lookup runs while this one is graded): awaited there.
    found.catch(() => {});
    return found;
  }

  private async existing(cands: readonly Candidate[], q: Db = this.q): Promise<Found> {
    const domains = [...new Set(cands.map((c) => c.domain).filter((d): d is string => !!d))];
    const names = [...new Set(cands.map((c) => c.nameKey))];
    const [byD, byN] = await Promise.all([
      domains.length ? query<Existing>(q, sql`select ${EXISTING_COLUMNS} from ${accounts} where domain = any(array(select jsonb_array_elements_text(${JSON.stringify(domains)}::jsonb)))`) : [],
      names.length ? query<Existing>(q, sql`select ${EXISTING_COLUMNS} from ${accounts} where name_key = any(array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb)))`) : [],
    ]);
    const byDomain = new Map<string, Existing>();
    for (const a of byD) byDomain.set(a.domain!, a);
    const byName = new Map<string, Existing[]>();
    for (const a of byN) {
      const list = byName.get(a.nameKey);
      if (list) {
        if (!list.some((x) => x.id === a.id)) list.push(a);
      } else byName.set(a.nameKey, [a]);
    }
    return { byDomain, byName };
  }

  /** Matches, grades and (when writing) stores the candidates of one batch (`found`: their lookup, if started already). */
  async apply(cands: readonly Candidate[], found?: Promise<Found>): Promise<void> {
    if (!cands.length) return;
    if (this.s.rows.kind === 'customers') return this.applyDeals(cands, found);
    const { byDomain, byName } = await (found ?? this.existing(cands));
    const created: NewRow[] = [];
    const updated: UpdateRow[] = [];
    let k = 0;
    for (const c of cands) {
      if (++k % BREATHE === 0) await breathe();
      const match = this.matchOf(c, byDomain, byName);
      if (typeof match === 'string') {
        this.reject(c.line, match);
        continue;
      }
      const dup = this.duplicateOf(c, match);
      if (dup !== null) {
        this.reject(c.line, `the same company as line ${dup}${match ? ` (#${match.id} ${match.name})` : ''}: each company once per file`);
        continue;
      }
      this.counts.processed++;
      if (match) {
        const u = this.updateOf(c, match);
        if (!u) this.counts.unchanged++;
        else {
          this.counts.updated++;
          updated.push(u);
          if (u.g) this.grades.updated[u.g.grade]++;
          if (u.moved) this.gradeMoves++;
          if (this.samples.updated.length < SAMPLE_SIZE)
            this.samples.updated.push({ line: c.line, id: match.id, name: u.after.name, domain: u.after.domain, grade: u.after.grade, from: match.grade, fit: u.after.fit, flags: u.after.flags, reason: u.after.reason, changes: u.changes });
        }
      } else {
        const ownerId = this.ownerOf(c.owner);
        const g = this.grader.gradeSummary({ ...factsOfCandidate(c), addedOn: c.prospect.addedOn ?? this.s.today }, EMPTY_SUMMARY);
        // The one-line reason costs more than the grade: a dry run writes it for its samples only.
        const row: NewRow = { c, id: 0, ownerId, g, reason: '' };
        created.push(row);
        this.counts.new++;
        this.grades.new[g.grade]++;
        if (this.samples.new.length < SAMPLE_SIZE) {
          row.reason = summaryLine(g, this.s.policy.grading);
          row.sample = { line: c.line, id: null, name: c.prospect.name, domain: c.domain, grade: g.grade, fit: g.fit.score, flags: g.flags, reason: row.reason, owner: c.owner };
          this.samples.new.push(row.sample);
        }
      }
    }
    // Prospects are written from what is kept (stage.ts), the dry run's or the import's own, or
    // straight into their tables by an import made during its upload.
    if (this.s.stage) await this.stage(created, updated);
    else if (this.s.write && this.s.pool) await this.copyInto(created, updated);
  }

  /** Queues a batch's write behind the one before (at most two wait, so memory stays bounded). */
  private async queue(work: () => Promise<void>) {
    const write = (this.staging.at(-1) ?? Promise.resolve()).then(work);
    write.catch(() => {});
    this.staging.push(write);
    // Writing in a transaction (one connection), one batch waits behind the one being written: the
    // writing is the slower side, and what waits at the end is written after the last row arrives.
    while (this.staging.length > (this.s.write ? 1 : 2)) await this.staging.shift();
  }

  /**
   * Writes a batch of prospects into accounts, grade_changes and audit_log in the pass's
   * transaction: new accounts and grade changes by COPY, changed accounts in one statement that
   * refuses any account changed since its lookup read it. Worked out now; written in turn.
   */
  private async copyInto(created: NewRow[], updated: UpdateRow[]) {
    // The ids drawn on the pool (a sequence is outside transactions) while the rows are worked out.
    const drawn = created.length ? drawIds(this.s.pool ?? this.q, created.length) : Promise.resolve([]);
    drawn.catch(() => {});
    const rows = await this.rowsOf(created, updated);
    this.withIds(created, await drawn, rows);
    // Only bytes wait for their turn (outside the JavaScript heap, where batches kept alive across
    // several collections would be copied by each), so that the transaction's connection, copying
    // the batch before, is kept busy with nothing but SQL; the rows themselves can go.
    const accountsText = rows.made.length ? await copyBytes(ACCOUNT_COPY_COLUMNS, rows.made) : null;
    const changesText = rows.changes.length ? await copyBytes(GRADE_CHANGE_COPY_COLUMNS, rows.changes) : null;
    const auditText = rows.audits.length ? await copyBytes(AUDIT_COPY_COLUMNS, rows.audits) : null;
    const edits = rows.edits;
    await this.queue(async () => {
      const q = this.q;
      if (accountsText) await copyIn(q, 'accounts', ACCOUNT_COPY_COLUMNS, accountsText);
      if (edits) await this.applyEdits(q, edits);
      if (changesText) await copyIn(q, 'grade_changes', GRADE_CHANGE_COPY_COLUMNS, changesText);
      if (auditText) await copyIn(q, 'audit_log', AUDIT_COPY_COLUMNS, auditText);
    });
  }

  /**
   * What a batch writes: new accounts and grade changes as rows in the order of their COPY columns
   * (a new account's id 0 until withIds), changed accounts as one JSON document, their audit rows.
   */
  private async rowsOf(created: NewRow[], updated: UpdateRow[]) {
    const s = this.s;
    const grading = s.policy.grading;
    const made: unknown[][] = [];
    const changes: unknown[][] = [];
    let k = 0;
    for (const r of created) {
      if (++k % BREATHE === 0) await breathe();
      const p = r.c.prospect;
      r.reason ||= summaryLine(r.g, grading);
      made.push([0, p.name, r.c.nameKey, r.c.domain, p.industry, p.employees, p.revenue, p.growthPct, p.need, p.situation, r.ownerId, p.addedOn ?? s.today,
        r.g.grade, r.g.fit.score, r.g.closeBy, r.g.flags, r.reason, s.today, s.policyVersion, r.g.slipCount]);
      changes.push([0, null, r.g.grade, r.g.fit.score, r.g.flags, r.reason, explain(r.g, grading), 'import', s.actor.name, s.policyVersion, s.today]);
    }
    const edits: Record<string, unknown>[] = [];
    const audits: unknown[][] = [];
    for (const u of updated) {
      const a = u.after;
      edits.push({ id: a.id, version: u.before.version, fingerprint: u.before.fingerprint, name: a.name, name_key: a.nameKey, domain: a.domain, industry: a.industry,
        employees: a.employees, revenue: a.revenue, growth_pct: a.growthPct, need: a.need, situation: a.situation, owner_id: a.ownerId, grade: a.grade, fit: a.fit,
        close_by: a.closeBy, flags: a.flags, reason: a.reason, slip_count: a.slipCount });
      if (u.g && u.moved) changes.push([a.id, u.before.grade, u.g.grade, u.g.fit.score, u.g.flags, u.reason, explain(u.g, grading), 'import', s.actor.name, s.policyVersion, s.today]);
      if (this.rose(u)) this.toAssign.rose.push(a.id);
      const audit = this.auditOf(u);
      audits.push([s.actor.id, s.actor.name, 'account', a.id, a.id, 'updated_by_import', audit.before, audit.after]);
    }
    const lines = new Map(updated.map((u) => [u.after.id, `${u.before.name} (#${u.before.id}, line ${u.c.line})`]));
    return { made, changes, audits, edits: edits.length ? { json: JSON.stringify(edits), n: edits.length, lines } : null };
  }

  /** New accounts take their ids: in their rows, their first grade changes and the samples; those without an owner are to be placed. */
  private withIds(created: NewRow[], ids: { id: number }[], rows: { made: unknown[][]; changes: unknown[][] }) {
    created.forEach((r, i) => {
      r.id = rows.made[i]![0] = rows.changes[i]![0] = ids[i]!.id;
      if (r.sample) r.sample.id = r.id;
      if (r.ownerId === null) this.toAssign.created.push(r.id);
    });
  }

  /** Changes accounts as rowsOf has them, refusing (the whole import) when one changed since it was read. */
  private async applyEdits(q: Db, edits: { json: string; n: number; lines: Map<number, string> }) {
    const done = await query<{ id: number }>(
      q,
      sql`update ${accounts} a set ${importedFacts('v', this.s)}
          from jsonb_to_recordset(${edits.json}::jsonb)
            as v(id int, version int, fingerprint text, name text, name_key text, domain text, industry text, employees int, revenue float8, growth_pct float8,
                 need text, situation text, owner_id int, grade text, fit float8, close_by date, flags text[], reason text, slip_count int)
          where a.id = v.id and a.version = v.version and ${accountFingerprint('a')} = v.fingerprint
          returning a.id`,
    );
    if (done.length !== edits.n) {
      const gone = new Set(done.map((r) => r.id));
      const which = [...edits.lines].find(([id]) => !gone.has(id))!;
      throw new Error(`${which[1]} was changed while the import ran; run the import again`);
    }
  }

  /** Keeps what these rows would write in import_rows (see stage.ts), with the explanations and audit entries worked out. */
  private async stage(created: NewRow[], updated: UpdateRow[]) {
    const s = this.s;
    const grading = s.policy.grading;
    const rows: unknown[][] = [];
    let k = 0;
    for (const r of created) {
      if (++k % BREATHE === 0) await breathe();
      const p = r.c.prospect;
      const reason = r.reason || summaryLine(r.g, grading);
      rows.push([
        s.importId, r.c.line, true, null, null, null, p.name, r.c.nameKey, r.c.domain, p.industry, p.employees, p.revenue, p.growthPct, p.need, p.situation,
        r.ownerId, p.addedOn ?? s.today, r.g.grade, r.g.fit.score, r.g.closeBy, r.g.flags, reason, r.g.slipCount, null, true, false, explain(r.g, grading), null, null,
      ]);
    }
    for (const u of updated) {
      const a = u.after;
      const audit = this.auditOf(u);
      rows.push([
        s.importId, u.c.line, false, a.id, u.before.version, u.before.fingerprint, a.name, a.nameKey, a.domain, a.industry, a.employees, a.revenue, a.growthPct, a.need, a.situation,
        a.ownerId, null, a.grade, a.fit, a.closeBy, a.flags, a.reason, a.slipCount, u.before.grade, !!(u.g && u.moved), this.rose(u),
        u.g && u.moved ? explain(u.g, grading) : null, audit.before, audit.after,
      ]);
    }
    if (!this.s.overlapWrites) return bulkInsert(this.q, 'import_rows', STAGE_COLUMNS, rows);
    // On the pool, the rows are written on another connection while the next batch is matched and
    // graded; as bytes, when COPY is at hand (see copyInto).
    if (!rows.length) return;
    if (!canCopy(this.q)) return this.queue(() => bulkInsert(this.q, 'import_rows', STAGE_COLUMNS, rows));
    const text = await copyBytes(STAGE_COLUMNS, rows);
    await this.queue(() => copyIn(this.q, 'import_rows', STAGE_COLUMNS, text));
  }

  /** Waits for the rows being written (stage with overlapWrites, or copied in); throws what failed. */
  async flushed(): Promise<void> {
    const pending = this.staging;
    this.staging = [];
    await Promise.all(pending);
  }

  /** Whether an update's new grade needs a more senior owner than the old one. */
  private rose(u: UpdateRow): boolean {
    const byGrade = this.s.policy.ownership.byGrade;
    const minLevel = (grade: string | null) => (grade ? (byGrade[grade as 'A']?.minLevel ?? 0) : 0);
    return !!u.g && u.before.status === 'open' && minLevel(u.after.grade) > minLevel(u.before.grade);
  }

  /** An update's audit entry: the fields it changed, and the grade and fit, before and after. */
  private auditOf(u: UpdateRow): { before: Record<string, unknown>; after: Record<string, unknown> } {
    const keys = [...u.changes.map((f) => (f === 'owner' ? 'ownerId' : f)), 'grade', 'fit'] as (keyof Existing)[];
    return {
      before: Object.fromEntries(keys.map((k) => [k, u.before[k]])),
      after: { ...Object.fromEntries(keys.map((k) => [k, u.after[k]])), importId: this.s.importId, line: u.c.line },
    };
  }

  /** The account a candidate is, if any; a string says why the row cannot be matched. */
  private matchOf(c: Candidate, byDomain: Map<string, Existing>, byName: Map<string, Existing[]>): Existing | undefined | string {
    let match: Existing | undefined;
    if (c.domain) match = byDomain.get(c.domain);
    if (match) return match;
    // A name match with another website is another company of the same name.
    const named = (byName.get(c.nameKey) ?? []).filter((a) => !c.domain || a.domain === null);
    if (named.length > 1) {
      const which = named.slice(0, 3).map((a) => `#${a.id} ${a.name}`).join(', ');
      return `matches ${named.length} accounts by name (${which}${named.length > 3 ? ', …' : ''}); add their website to tell them apart`;
    }
    return named[0];
  }

  /**
   * Customers with deals: one deal per row, several rows per account. The account of a row is
   * matched (or added) as a prospect's is, from its first row; each row adds its deal unless the
   * account has one of that name and amount already. Won deals go through the deal actions, so the
   * first converts the prospect into a customer and tiers it, as on the deal form.
   */
  private async applyDeals(cands: readonly Candidate[], found?: Promise<Found>): Promise<void> {
    const { byDomain, byName } = await (found ?? this.existing(cands));
    const matchedIds = new Set<number>();
    for (const c of cands) {
      const m = this.matchOf(c, byDomain, byName);
      if (m && typeof m !== 'string') matchedIds.add(m.id);
    }
    const dealsThere = new Set<string>();
    const wonThere = new Set<number>();
    if (matchedIds.size) {
      const rows = await query<{ accountId: number; title: string; value: number; status: string }>(
        this.q,
        sql`select account_id as "accountId", title, value, status from deals where account_id = any(array(select (jsonb_array_elements_text(${JSON.stringify([...matchedIds])}::jsonb))::int))`,
      );
      for (const d of rows) {
        dealsThere.add(`#${d.accountId}|${nameKey(d.title)}|${d.value}`);
        if (d.status === 'won') wonThere.add(d.accountId);
      }
    }
    const created: NewRow[] = [];
    const updated: UpdateRow[] = [];
    const dealRows: { c: Candidate; account: { id: number | null; row?: NewRow } }[] = [];
    for (const c of cands) {
      const m = this.matchOf(c, byDomain, byName);
      if (typeof m === 'string') {
        this.reject(c.line, m);
        continue;
      }
      const key = m ? `#${m.id}` : c.domain ? `d:${c.domain}` : `n:${c.nameKey}`;
      let account = this.accountsSeen.get(key);
      let changedAccount = false;
      if (!account) {
        if (m) {
          const u = this.updateOf(c, m);
          if (u) {
            updated.push(u);
            this.deals.accountsUpdated++;
            changedAccount = true;
          }
          account = { line: c.line, id: m.id };
        } else {
          const g = this.grader.gradeSummary({ ...factsOfCandidate(c), addedOn: c.prospect.addedOn ?? this.s.today }, EMPTY_SUMMARY);
          const row: NewRow = { c, id: 0, ownerId: this.ownerOf(c.owner), g, reason: summaryLine(g, this.s.policy.grading) };
          created.push(row);
          this.deals.accountsNew++;
          changedAccount = true;
          account = { line: c.line, id: null, row };
        }
        this.accountsSeen.set(key, account);
      }
      const deal = c.deal!;
      const dealKey = `${account.id !== null ? `#${account.id}` : `L${account.line}`}|${nameKey(deal.title)}|${deal.value}`;
      const inFile = this.dealsSeen.get(dealKey);
      if (inFile !== undefined) {
        this.reject(c.line, `the same deal as line ${inFile} (same company, deal name and amount): each deal once per file`);
        continue;
      }
      this.dealsSeen.set(dealKey, c.line);
      this.counts.processed++;
      if (dealsThere.has(dealKey)) {
        this.deals.existing++;
        if (changedAccount) this.counts.updated++;
        else this.counts.unchanged++;
        continue;
      }
      this.counts.new++;
      this.deals.new++;
      if (deal.status === 'won') {
        this.deals.won++;
        const accountId = account.id;
        const converts = accountId === null ? !this.dealsSeen.has(`won:L${account.line}`) : !wonThere.has(accountId) && !this.dealsSeen.has(`won:#${accountId}`);
        if (converts && (m?.kind ?? 'prospect') === 'prospect') this.deals.conversions++;
        this.dealsSeen.set(accountId === null ? `won:L${account.line}` : `won:#${accountId}`, c.line);
      }
      dealRows.push({ c, account });
      if (this.samples.new.length < SAMPLE_SIZE) {
        const g = account.row?.g;
        this.samples.new.push({
          line: c.line, id: account.id, name: c.prospect.name, domain: c.domain, grade: g?.grade ?? m?.grade ?? null, fit: g?.fit.score ?? m?.fit ?? null,
          flags: g?.flags ?? m?.flags ?? [], reason: `${deal.title}: ${deal.status}, ${deal.value.toLocaleString('en-US')}${deal.closedOn ? ` on ${deal.closedOn}` : ''}`, owner: c.owner,
        });
      }
    }
    for (const r of created) this.grades.new[r.g.grade]++;
    for (const u of updated) if (u.g) this.grades.updated[u.g.grade]++;
    if (!this.s.write) return;
    await this.write(created, updated);
    for (const { c, account } of dealRows) {
      const accountId = account.id ?? account.row!.id;
      account.id = accountId;
      const r = await createDeal(this.q, accountId, c.deal!, { today: this.s.today, actor: { name: this.s.actor.name } });
      if (!r.ok) throw new Error(`line ${c.line}: the deal could not be added (${r.reason})`);
    }
  }

  /** The line of an earlier row of this file that is the same company, or null (and remember this one). */
  private duplicateOf(c: Candidate, match: Existing | undefined): number | null {
    const keys: string[] = [];
    if (match) keys.push(`#${match.id}`);
    else if (c.domain) keys.push(`d:${c.domain}`, `n0:${c.nameKey}`);
    else keys.push(`n:${c.nameKey}`);
    for (const k of keys) {
      const line = this.seen.get(k);
      if (line !== undefined) return line;
    }
    this.seen.add(`n:${c.nameKey}`, c.line);
    this.seen.add(c.domain ? `d:${c.domain}` : `n0:${c.nameKey}`, c.line);
    if (match) this.seen.add(`#${match.id}`, c.line);
    return null;
  }

  /** What a row changes on an account it matched, or null when it changes nothing. */
  private updateOf(c: Candidate, before: Existing): UpdateRow | null {
    const after: Existing = { ...before };
    const changes: string[] = [];
    for (const f of c.given) {
      const v = c.prospect[f];
      if (f === 'name') {
        // Matched by name, the name is the same; matched by domain, a different name is a rename.
        if (c.nameKey !== before.nameKey) {
          after.name = c.prospect.name;
          after.nameKey = c.nameKey;
          changes.push('name');
        }
        continue;
      }
      const col = FIELD_COLUMN[f];
      if (before[col] !== v) {
        (after as Record<string, unknown>)[col] = v;
        changes.push(f);
      }
    }
    if (c.owner) {
      const ownerId = this.ownerOf(c.owner);
      if (ownerId !== null && ownerId !== before.ownerId) {
        if (before.pinned) this.pinnedOwnerKept++;
        else {
          after.ownerId = ownerId;
          changes.push('owner');
        }
      }
    }
    if (!changes.length) return null;
    let g: Grading | null = null;
    let moved = false;
    let reason: string | null = null;
    if (before.kind === 'prospect') {
      g = this.grader.gradeSummary(
        { employees: after.employees, revenue: after.revenue, growthPct: after.growthPct, need: after.need as never, addedOn: after.addedOn },
        summaryOf(before),
      );
      reason = summaryLine(g, this.s.policy.grading);
      moved = gradeOrFlagsChanged(before, g);
      Object.assign(after, { grade: g.grade, fit: g.fit.score, closeBy: g.closeBy, flags: g.flags, reason, slipCount: g.slipCount, policyVersion: this.s.policyVersion });
    }
    return { c, before, after, changes, g, reason, moved };
  }

  /** Writes a batch (customers with deals: their accounts, before their deals) in the pass's transaction, on either database. */
  private async write(created: NewRow[], updated: UpdateRow[]) {
    const q = this.q;
    const rows = await this.rowsOf(created, updated);
    if (created.length) this.withIds(created, await drawIds(q, created.length), rows);
    await bulkInsert(q, 'accounts', ACCOUNT_COPY_COLUMNS, rows.made);
    if (rows.edits) await this.applyEdits(q, rows.edits);
    await bulkInsert(q, 'grade_changes', GRADE_CHANGE_COPY_COLUMNS, rows.changes);
    await bulkInsert(q, 'audit_log', AUDIT_COPY_COLUMNS, rows.audits);
  }
}

/** `n` new account ids, in order. */
const drawIds = (q: Db, n: number) => query<{ id: number }>(q, sql`select nextval(pg_get_serial_sequence('accounts', 'id'))::int as id from generate_series(1, ${n})`);

const ACCOUNT_COPY_COLUMNS: readonly BulkColumn[] = [
  ['id', 'int'], ['name', 'text'], ['name_key', 'text'], ['domain', 'text'], ['industry', 'text'], ['employees', 'int'], ['revenue', 'float8'], ['growth_pct', 'float8'],
  ['need', 'text'], ['situation', 'text'], ['owner_id', 'int'], ['added_on', 'date'], ['grade', 'text'], ['fit', 'float8'], ['close_by', 'date'], ['flags', 'text[]'],
  ['reason', 'text'], ['graded_on', 'date'], ['policy_version', 'int'], ['slip_count', 'int'],
];
const GRADE_CHANGE_COPY_COLUMNS: readonly BulkColumn[] = [
  ['account_id', 'int'], ['from_grade', 'text'], ['to_grade', 'text'], ['fit', 'float8'], ['flags', 'text[]'], ['reason', 'text'], ['reasons', 'jsonb'],
  ['cause', 'text'], ['actor', 'text'], ['policy_version', 'int'], ['as_of', 'date'],
];
const AUDIT_COPY_COLUMNS: readonly BulkColumn[] = [
  ['actor_id', 'int'], ['actor', 'text'], ['entity', 'text'], ['entity_id', 'int'], ['account_id', 'int'], ['action', 'text'], ['before', 'jsonb'], ['after', 'jsonb'],
];

type Found = { byDomain: Map<string, Existing>; byName: Map<string, Existing[]> };

function factsOfCandidate(c: Candidate) {
  const p = c.prospect;
  return { employees: p.employees, revenue: p.revenue, growthPct: p.growthPct, need: p.need as never };
}

