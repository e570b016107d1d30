import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { accounts, auditLog, gradeChanges, users } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { changeRow, gradeOrFlagsChanged, summaryOf, type GradingContext } from '../grading/apply-grading.ts';
import { summaryLine } from '../grading/explain.ts';
import { makeGrader, type Grader, type Grading, type SignalSummary } from '../grading/grading.ts';
import { nameKey } from '../prospects/validation.ts';
import type { CsvRow } from './csv.ts';
import { readRow, type Candidate, type ProspectField, type RowContext } from './rows.ts';
import type { Reject } from './store.ts';

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
};

const EXISTING_COLUMNS = sql`id, kind, status, name, name_key as "nameKey", domain, industry, employees, revenue, growth_pct as "growthPct", need, situation,
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
};

export type PassCounts = { processed: number; new: number; updated: number; unchanged: number; rejected: number };

export type PassSetup = {
  importId: number;
  fileName: string;
  today: string;
  policy: Policy;
  policyVersion: number;
  actor: { name: string; id: number | null };
  write: boolean;
  rows: RowContext;
};

type UserRef = { id: number; name: string };

const SAMPLE_SIZE = 25;
const EMPTY_SUMMARY: SignalSummary = { latestTiming: null, lastSignalOn: null, priorSlips: 0 };

/** 53-bit string hash (cyrb53): in-file duplicate keys cost a number each, not a string. */
function hash(s: string): number {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
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

type NewRow = { c: Candidate; id: number; ownerId: number | null; g: Grading; reason: string };
type UpdateRow = { c: Candidate; before: Existing; after: Existing; changes: string[]; g: Grading | null; reason: string | null; moved: boolean };

export class ImportPass {
  readonly counts: PassCounts = { processed: 0, new: 0, updated: 0, unchanged: 0, rejected: 0 };
  private grades = { new: noGrades(), updated: noGrades() };
  private samples: PassSummary['samples'] = { new: [], updated: [] };
  private unknownOwners = new Map<string, number>();
  private pinnedOwnerKept = 0;
  private gradeMoves = 0;
  private seen = new Map<number, number>();
  private rejects: Reject[] = [];
  private grader: Grader;
  private gctx: GradingContext;
  /** Accounts the ownership rules must place once everything is written (new without an owner; grades that rose). */
  readonly toAssign: { created: number[]; rose: number[] } = { created: [], rose: [] };

  private constructor(
    private q: Db,
    private s: PassSetup,
    private owners: { byEmail: Map<string, UserRef>; byName: Map<string, UserRef | null> },
  ) {
    this.grader = makeGrader(s.policy.grading, s.today);
    this.gctx = { policy: s.policy, policyVersion: s.policyVersion, asOf: s.today, cause: 'import', actor: s.actor.name };
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
  read(rows: readonly CsvRow[]): Candidate[] {
    const out: Candidate[] = [];
    for (const row of rows) {
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
    };
  }

  private reject(line: number, reason: string) {
    this.counts.processed++;
    this.counts.rejected++;
    this.rejects.push({ line, reason });
  }

  private ownerOf(cell: string | null): number | null {
    if (!cell) return null;
    const u = this.owners.byEmail.get(cell.toLowerCase()) ?? this.owners.byName.get(nameKey(cell));
    if (u) return u.id;
    const k = cell.slice(0, 100);
    this.unknownOwners.set(k, (this.unknownOwners.get(k) ?? 0) + 1);
    return null;
  }

  /** The accounts these candidates may be: by domain, and by name key (locked when writing). */
  private async existing(cands: readonly Candidate[]) {
    const domains = [...new Set(cands.map((c) => c.domain).filter((d): d is string => !!d))];
    const names = [...new Set(cands.map((c) => c.nameKey))];
    const lock = this.s.write ? sql` order by id for update` : sql``;
    const [byD, byN] = await Promise.all([
      domains.length ? query<Existing>(this.q, sql`select ${EXISTING_COLUMNS} from ${accounts} where domain = any(array(select jsonb_array_elements_text(${JSON.stringify(domains)}::jsonb)))${lock}`) : [],
      names.length ? query<Existing>(this.q, sql`select ${EXISTING_COLUMNS} from ${accounts} where name_key = any(array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb)))${lock}`) : [],
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

  /** Matches, grades and (when writing) stores the candidates of one batch. */
  async apply(cands: readonly Candidate[]): Promise<void> {
    if (!cands.length) return;
    const { byDomain, byName } = await this.existing(cands);
    const created: NewRow[] = [];
    const updated: UpdateRow[] = [];
    for (const c of cands) {
      let match: Existing | undefined;
      const byNameOf = (onlyWithoutDomain: boolean) => (byName.get(c.nameKey) ?? []).filter((a) => !onlyWithoutDomain || a.domain === null);
      if (c.domain) match = byDomain.get(c.domain);
      if (!match) {
        // A name match with another website is another company of the same name.
        const named = byNameOf(!!c.domain);
        if (named.length > 1) {
          const which = named.slice(0, 3).map((a) => `#${a.id} ${a.name}`).join(', ');
          this.reject(c.line, `matches ${named.length} accounts by name (${which}${named.length > 3 ? ', …' : ''}); add their website to tell them apart`);
          continue;
        }
        match = named[0];
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
        const reason = summaryLine(g, this.s.policy.grading);
        created.push({ c, id: 0, ownerId, g, reason });
        this.counts.new++;
        this.grades.new[g.grade]++;
        if (this.samples.new.length < SAMPLE_SIZE)
          this.samples.new.push({ line: c.line, id: null, name: c.prospect.name, domain: c.domain, grade: g.grade, fit: g.fit.score, flags: g.flags, reason, owner: c.owner });
      }
    }
    if (this.s.write) await this.write(created, updated);
  }

  /** The line of an earlier row of this file that is the same company, or null (and remember this one). */
  private duplicateOf(c: Candidate, match: Existing | undefined): number | null {
    const keys: string[] = [];
    if (match) keys.push(`#${match.id}`);
    else if (c.domain) keys.push(`d:${c.domain}`, `n0:${c.nameKey}`);
    else keys.push(`n:${c.nameKey}`);
    for (const k of keys) {
      const line = this.seen.get(hash(k));
      if (line !== undefined) return line;
    }
    const mark = [`n:${c.nameKey}`, ...(c.domain ? [`d:${c.domain}`] : [`n0:${c.nameKey}`]), ...(match ? [`#${match.id}`] : [])];
    for (const k of mark) if (!this.seen.has(hash(k))) this.seen.set(hash(k), c.line);
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

  private async write(created: NewRow[], updated: UpdateRow[]) {
    const q = this.q;
    const s = this.s;
    const changes: ReturnType<typeof changeRow>[] = [];
    const audits: AuditJson[] = [];
    if (created.length) {
      const ids = await query<{ id: number }>(q, sql`select nextval(pg_get_serial_sequence('accounts', 'id'))::int as id from generate_series(1, ${created.length})`);
      const rows = created.map((r, i) => {
        r.id = ids[i]!.id;
        const p = r.c.prospect;
        return {
          id: r.id, name: p.name, name_key: r.c.nameKey, domain: r.c.domain, industry: p.industry, employees: p.employees, revenue: p.revenue,
          growth_pct: p.growthPct, need: p.need, situation: p.situation, owner_id: r.ownerId, added_on: p.addedOn ?? s.today,
          grade: r.g.grade, fit: r.g.fit.score, close_by: r.g.closeBy, flags: r.g.flags, reason: r.reason, slip_count: r.g.slipCount,
        };
      });
      await q.execute(sql`
        insert into ${accounts} overriding system value
          (id, name, name_key, domain, industry, employees, revenue, growth_pct, need, situation, owner_id, added_on,
           grade, fit, close_by, flags, reason, graded_on, policy_version, slip_count)
        select id, name, name_key, domain, industry, employees, revenue, growth_pct, need, situation, owner_id, added_on,
           grade, fit, close_by, flags, reason, ${s.today}::date, ${s.policyVersion}, slip_count
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as v(id int, name text, name_key text, domain text, industry text, employees int, revenue float8, growth_pct float8, need text,
               situation text, owner_id int, added_on date, grade text, fit float8, close_by date, flags text[], reason text, slip_count int)`);
      for (const r of created) {
        changes.push(changeRow(r.id, null, r.g, this.gctx));
        if (r.ownerId === null) this.toAssign.created.push(r.id);
        audits.push({
          entity_id: r.id,
          action: 'imported',
          before: null,
          after: { importId: s.importId, line: r.c.line, ...pick(r.c, r.ownerId), grade: r.g.grade, fit: r.g.fit.score, flags: r.g.flags },
        });
      }
    }
    if (updated.length) {
      const rows = updated.map(({ after: a }) => ({
        id: a.id, name: a.name, name_key: a.nameKey, domain: a.domain, industry: a.industry, employees: a.employees, revenue: a.revenue,
        growth_pct: a.growthPct, need: a.need, situation: a.situation, owner_id: a.ownerId,
        grade: a.grade, fit: a.fit, close_by: a.closeBy, flags: a.flags, reason: a.reason, slip_count: a.slipCount, policy_version: a.policyVersion,
      }));
      await q.execute(sql`
        update ${accounts} a set
          name = v.name, name_key = v.name_key, domain = v.domain, industry = v.industry, employees = v.employees, revenue = v.revenue,
          growth_pct = v.growth_pct, need = v.need, situation = v.situation, owner_id = v.owner_id,
          grade = v.grade, fit = v.fit, close_by = v.close_by, flags = v.flags, reason = v.reason, slip_count = v.slip_count,
          policy_version = v.policy_version, graded_on = case when a.kind = 'prospect' then ${s.today}::date else a.graded_on end,
          version = a.version + 1, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as v(id int, name text, name_key text, domain text, industry text, employees int, revenue float8, growth_pct float8, need text,
               situation text, owner_id int, grade text, fit float8, close_by date, flags text[], reason text, slip_count int, policy_version int)
        where a.id = v.id`);
      const minLevel = (grade: string | null) => (grade ? (s.policy.ownership.byGrade[grade as 'A']?.minLevel ?? 0) : 0);
      for (const u of updated) {
        if (u.g && u.moved) changes.push(changeRow(u.after.id, u.before.grade, u.g, this.gctx));
        if (u.g && u.before.status === 'open' && minLevel(u.after.grade) > minLevel(u.before.grade)) this.toAssign.rose.push(u.after.id);
        const keys = [...u.changes.map((f) => (f === 'owner' ? 'ownerId' : f)), 'grade', 'fit'] as (keyof Existing)[];
        audits.push({
          entity_id: u.after.id,
          action: 'updated_by_import',
          before: Object.fromEntries(keys.map((k) => [k, u.before[k]])),
          after: { ...Object.fromEntries(keys.map((k) => [k, u.after[k]])), importId: s.importId, line: u.c.line },
        });
      }
    }
    if (changes.length) {
      await q.execute(sql`
        insert into ${gradeChanges} (account_id, from_grade, to_grade, fit, flags, reason, reasons, cause, actor, policy_version, as_of)
        select "accountId", "fromGrade", "toGrade", fit, flags, reason, reasons, cause, actor, "policyVersion", "asOf"
        from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
          as c("accountId" int, "fromGrade" text, "toGrade" text, fit float8, flags text[], reason text, reasons jsonb,
               cause text, actor text, "policyVersion" int, "asOf" date)`);
    }
    if (audits.length) {
      await q.execute(sql`
        insert into ${auditLog} (actor_id, actor, entity, entity_id, account_id, action, before, after)
        select ${s.actor.id}, ${s.actor.name}, 'account', entity_id, entity_id, action, before, after
        from jsonb_to_recordset(${JSON.stringify(audits)}::jsonb) as r(entity_id int, action text, before jsonb, after jsonb)`);
    }
  }
}

type AuditJson = { entity_id: number; action: string; before: unknown; after: unknown };

function factsOfCandidate(c: Candidate) {
  const p = c.prospect;
  return { employees: p.employees, revenue: p.revenue, growthPct: p.growthPct, need: p.need as never };
}

function pick(c: Candidate, ownerId: number | null) {
  const p = c.prospect;
  return { name: p.name, domain: c.domain, industry: p.industry, employees: p.employees, revenue: p.revenue, growthPct: p.growthPct, need: p.need, situation: p.situation, addedOn: p.addedOn, ownerId };
}
