import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { accounts, auditLog, gradeChanges, importFileChunks, importJobs, importRows } from '../../src/db/schema.ts';
import { currentPolicy, savePolicy } from '../../src/policy/store.ts';
import { createApp } from '../../src/app.tsx';
import { parseConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { dropAbandonedImports, importCleanupJob } from '../../src/import/cleanup.ts';
import { openWorkerPostgres, resetDatabase, testDatabase, testDb } from '../support/db.ts';
import { uploadFile } from '../../src/import/actions.ts';
import { Readable } from 'node:stream';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';

// CSV imports through the API and the pages, on both databases: what a dry run says about each
// row (with its line), what confirming writes (all of it, or nothing), matching by domain then by
// name, re-imports that change nothing, and the messy files real exports are.

const database = await testDatabase();
const db = database.db;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

type Job = {
  id: number;
  status: string;
  counts: { processed: number; total: number; new: number; updated: number; unchanged: number; rejected: number };
  mapping: Record<string, string | number | null>;
  dryRun: {
    grades: { new: Record<string, number>; updated: Record<string, number> };
    samples: { new: { line: number; name: string; grade: string; fit: number | null; flags: string[]; reason: string }[]; updated: { line: number; id: number; from: string | null; grade: string; changes: string[] }[] };
    unknownOwners: { owner: string; rows: number }[];
  };
  result: { new: number; updated: number; assigned: number } | null;
  error: string | null;
};

async function upload(t: ReturnType<typeof testApp>, body: string | Buffer, query = 'kind=prospects') {
  return t.app.request(`/api/imports?${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

/** Uploads, waits for the dry run and returns the job. */
async function dryRun(t: ReturnType<typeof testApp>, body: string | Buffer, query?: string): Promise<Job> {
  const res = await upload(t, body, query);
  expect(res.status, await res.clone().text()).toBe(202);
  const { id } = (await res.json()) as Job;
  await importsIdle(db);
  return (await (await t.get(`/api/imports/${id}`)).json()) as Job;
}

async function confirm(t: ReturnType<typeof testApp>, id: number): Promise<Job> {
  const res = await t.json('POST', `/api/imports/${id}/confirm`);
  expect(res.status).toBe(202);
  await importsIdle(db);
  return (await (await t.get(`/api/imports/${id}`)).json()) as Job;
}

async function rejects(t: ReturnType<typeof testApp>, id: number) {
  return ((await (await t.get(`/api/imports/${id}/rejects`)).json()) as { rejects: { line: number; reason: string }[] }).rejects;
}

const tally = async () => {
  const [[a], [g], [l]] = await Promise.all([
    db.select({ n: count() }).from(accounts),
    db.select({ n: count() }).from(gradeChanges),
    db.select({ n: count() }).from(auditLog),
  ]);
  return { accounts: a!.n, gradeChanges: g!.n, audit: l!.n };
};

const byName = async (name: string) => (await db.select().from(accounts).where(eq(accounts.name, name)))[0];

describe('a dry run, then the import', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  it('says for each row whether it is new, updated or rejected, with its line and why, and the grade each would get', async () => {
    const t = testApp(db);
    const before = await tally();
    const job = await dryRun(t, fixture('messy.csv'));
    expect(job.status).toBe('ready');
    expect(job.counts).toEqual({ processed: 6, total: 6, new: 3, updated: 0, unchanged: 0, rejected: 3 });
    expect(await rejects(t, job.id)).toEqual([
      { line: 5, reason: 'Annual Revenue: "abc" is not a number; Created Date: "2026-13-45" is not a real date; Website: "not a website" must be a website domain such as acme.com' },
      { line: 6, reason: 'Company Name: the company name is empty' },
      { line: 7, reason: 'the same company as line 2: each company once per file' },
    ]);
    // Acme: 2,500 staff (100), $40M (80), need high (85): fit 88.1, no timing evidence → C, added in March → stale.
    const acme = job.dryRun.samples.new.find((s) => s.line === 2)!;
    expect(acme).toMatchObject({ name: 'Acme, Inc.', grade: 'C', fit: 88.1, flags: ['no_timing', 'incomplete', 'stale'] });
    expect(acme.reason).toContain('fit 88.1');
    expect(job.dryRun.samples.new.map((s) => [s.line, s.name, s.grade])).toEqual([
      [2, 'Acme, Inc.', 'C'],
      [3, 'Beta Works', 'D'],
      [4, 'Gamma "Quoted" LLC', 'D'],
    ]);
    expect(job.dryRun.grades.new).toEqual({ A: 0, B: 0, C: 1, D: 2 });
    // A dry run writes no account, grade or audit row.
    expect(await tally()).toEqual(before);
  });

  it('writes the accepted rows when confirmed: graded with cause "import", owners from the file or the ownership rules, one audit row for the import', async () => {
    const t = testApp(db);
    const job = await dryRun(t, fixture('messy.csv'));
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.counts).toMatchObject({ new: 3, updated: 0, rejected: 3 });
    const rita = await ensureUser(db, PEOPLE.rep);
    const otto = await ensureUser(db, PEOPLE.otherRep);
    const acme = (await byName('Acme, Inc.'))!;
    expect(acme).toMatchObject({ domain: 'acme.example.com', employees: 2500, revenue: 40_000_000, need: 'high', addedOn: '2026-03-01', grade: 'C', fit: 88.1, ownerId: rita.id });
    expect((await byName('Gamma "Quoted" LLC'))!).toMatchObject({ employees: 51, revenue: 1_250_000, addedOn: '2026-03-15', ownerId: otto.id });
    // No owner in the file: placed by the ownership rules (a D prospect needs level 1).
    const beta = (await byName('Beta Works'))!;
    expect(beta.ownerId).not.toBeNull();
    expect(done.result!.assigned).toBe(1);
    const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, acme.id));
    expect(history.map((h) => [h.fromGrade, h.toGrade, h.cause, h.actor])).toEqual([[null, 'C', 'import', 'api']]);
    const audit = await db.select().from(auditLog).orderBy(asc(auditLog.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['import', 'owner_assigned']);
    const summary = audit.find((a) => a.action === 'import')!;
    expect(summary.actor).toBe('api');
    expect(summary.after).toMatchObject({ importId: job.id, new: 3, updated: 0, rejected: 3, assigned: 1 });
    expect(audit.find((a) => a.action === 'owner_assigned')?.accountId).toBe(beta.id);
    // The file is not kept once imported.
    expect((await db.select({ n: count() }).from(importFileChunks))[0]!.n).toBe(0);
  });

  it('importing the same file again changes nothing: no new rows, no audit rows, no grade changes', async () => {
    const t = testApp(db);
    await confirm(t, (await dryRun(t, fixture('messy.csv'))).id);
    const before = await tally();
    const accountsBefore = await db.select().from(accounts).orderBy(asc(accounts.id));
    const again = await dryRun(t, fixture('messy.csv'));
    expect(again.counts).toMatchObject({ new: 0, updated: 0, unchanged: 3, rejected: 3 });
    const done = await confirm(t, again.id);
    expect(done.status).toBe('done');
    expect(done.counts).toMatchObject({ new: 0, updated: 0, unchanged: 3 });
    expect(await tally()).toEqual(before);
    expect(await db.select().from(accounts).orderBy(asc(accounts.id))).toEqual(accountsBefore);
  });

  it('a file that fails part way writes nothing: the whole import is one transaction', async () => {
    // More rows than one batch, and the bad one last, so earlier batches were already written when it fails.
    const rows = ['Name,Website,Employees'];
    for (let i = 1; i <= 5050; i++) rows.push(`Company ${i},company-${i}.example.com,${i}`);
    rows.push('Explode Ltd,explode.example.com,10');
    const t = testApp(db);
    const job = await dryRun(t, rows.join('\n'));
    expect(job.counts.new).toBe(5051);
    const before = await tally();
    await db.execute(sql`create or replace function import_test_explode() returns trigger language plpgsql as $$
      begin if new.name = 'Explode Ltd' then raise exception 'injected failure on %', new.name; end if; return new; end $$`);
    await db.execute(sql`create trigger import_test_explode before insert on accounts for each row execute function import_test_explode()`);
    try {
      const done = await confirm(t, job.id);
      expect(done.status).toBe('failed');
      expect(done.error).toContain('nothing of it was saved');
      expect(done.error).toContain('injected failure on Explode Ltd');
    } finally {
      await db.execute(sql`drop trigger if exists import_test_explode on accounts`);
      await db.execute(sql`drop function if exists import_test_explode()`);
    }
    expect(await tally()).toEqual(before);
    expect(before.accounts).toBe(0);
    // The failed job is not confirmed again by accident.
    expect((await t.json('POST', `/api/imports/${job.id}/confirm`)).status).toBe(409);
  }, 60_000);
});

describe('matching existing accounts', () => {
  beforeEach(() => resetDatabase(database));

  it('by website domain first (a new name is a rename), then by exact name (case and spaces aside), and never guesses between two of a name', async () => {
    const byDomain = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, revenue: null, growthPct: null, need: null });
    const byNameOnly = await insertProspect(db, { name: 'Beta  Works', domain: null, employees: 600 });
    const otherSite = await insertProspect(db, { name: 'Gamma', domain: 'gamma.example.com' });
    await insertProspect(db, { name: 'Twin Co', domain: 'twin-one.example.com' });
    await insertProspect(db, { name: 'TWIN CO', domain: 'twin-two.example.com' });
    const csv = [
      'Name,Website,Employees',
      'Acme Corporation,https://www.ACME.example.com/contact,2500', // line 2: domain → rename
      'beta works,beta.example.com,600', // line 3: name (the account has no website): gets one; same employees
      'Gamma,gamma.example.org,50', // line 4: same name, another website: another company
      'Twin Co,,40', // line 5: two accounts of that name
      'Beta Works,,601', // line 6: the same account as line 3
    ].join('\n');
    const t = testApp(db);
    const job = await dryRun(t, csv);
    expect(job.counts).toEqual({ processed: 5, total: 5, new: 1, updated: 2, unchanged: 0, rejected: 2 });
    expect(job.dryRun.samples.updated.map((s) => [s.line, s.id, s.changes])).toEqual([
      [2, byDomain.id, ['name', 'employees']],
      [3, byNameOnly.id, ['domain']],
    ]);
    const r = await rejects(t, job.id);
    expect(r[0]!.line).toBe(5);
    expect(r[0]!.reason).toMatch(/^matches 2 accounts by name \(#\d+ Twin Co, #\d+ TWIN CO\); add their website to tell them apart$/);
    expect(r[1]).toEqual({ line: 6, reason: `the same company as line 3 (#${byNameOnly.id} Beta  Works): each company once per file` });
    await confirm(t, job.id);
    const acme = (await db.select().from(accounts).where(eq(accounts.id, byDomain.id)))[0]!;
    expect(acme).toMatchObject({ name: 'Acme Corporation', nameKey: 'acme corporation', employees: 2500, version: byDomain.version + 1 });
    // 10 → 2,500 staff: the fit and the grade were worked out again, and the change kept.
    expect(acme.fit).toBe(100);
    const changes = await db.select().from(gradeChanges).where(and(eq(gradeChanges.accountId, byDomain.id), eq(gradeChanges.cause, 'import')));
    expect(changes.map((c) => [c.fromGrade, c.toGrade])).toEqual([['D', 'C']]);
    expect((await db.select().from(accounts).where(eq(accounts.id, byNameOnly.id)))[0]).toMatchObject({ name: 'Beta  Works', domain: 'beta.example.com' });
    expect((await db.select().from(accounts).where(eq(accounts.domain, 'gamma.example.org')))[0]).toMatchObject({ name: 'Gamma' });
    expect((await db.select().from(accounts).where(eq(accounts.id, otherSite.id)))[0]!.domain).toBe('gamma.example.com');
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.accountId, byDomain.id), eq(auditLog.action, 'updated_by_import')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.before).toMatchObject({ name: 'Acme Old Name', employees: 10, grade: 'D' });
    expect(audit[0]!.after).toMatchObject({ name: 'Acme Corporation', employees: 2500, grade: 'C', importId: job.id, line: 2 });
  });

  it('a blank cell never erases what is known', async () => {
    const p = await insertProspect(db, { name: 'Keep Co', domain: 'keep.example.com', employees: 700, revenue: 5_000_000, industry: 'Retail' });
    const t = testApp(db);
    const job = await dryRun(t, 'Name,Website,Employees,Annual Revenue,Industry\nKeep Co,keep.example.com,n/a,,-\n');
    expect(job.counts).toMatchObject({ unchanged: 1, updated: 0 });
    await confirm(t, job.id);
    expect((await db.select().from(accounts).where(eq(accounts.id, p.id)))[0]).toMatchObject({ employees: 700, revenue: 5_000_000, industry: 'Retail', version: p.version });
  });
});

describe('between the dry run and the import', () => {
  beforeEach(() => resetDatabase(database));
  const kept = async (jobId: number) => (await db.select({ n: count() }).from(importRows).where(eq(importRows.jobId, jobId)))[0]!.n;
  const csv = ['Name,Website,Employees', 'Acme Corporation,acme.example.com,2500', 'Beta Works,beta.example.com,40', 'Gamma,gamma.example.com,60'].join('\n');

  it('confirming writes the rows the dry run kept, graded, without reading the file again, and keeps nothing after', async () => {
    const acme = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, revenue: null, growthPct: null, need: null });
    const t = testApp(db);
    const job = await dryRun(t, csv);
    expect(job.counts).toMatchObject({ new: 2, updated: 1 });
    expect(await kept(job.id)).toBe(3);
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ new: 2, updated: 1, fromDryRun: true });
    expect((await db.select().from(accounts).where(eq(accounts.id, acme.id)))[0]).toMatchObject({ name: 'Acme Corporation', employees: 2500, version: acme.version + 1 });
    const beta = (await byName('Beta Works'))!;
    const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, beta.id));
    expect(history.map((h) => [h.fromGrade, h.toGrade, h.cause, h.reason === beta.reason])).toEqual([[null, beta.grade, 'import', true]]);
    expect(history[0]!.reasons).not.toEqual([]);
    expect(await kept(job.id)).toBe(0);
  });

  it('the dry run is made while the file arrives: the upload answers with it done, and the file is read once', async () => {
    const t = testApp(db);
    const res = await upload(t, csv);
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    expect(job.status).toBe('ready');
    expect(job.counts).toMatchObject({ processed: 3, new: 3, rejected: 0 });
    expect(job.dryRun.grades.new).toBeDefined();
    expect(await kept(job.id)).toBe(3);
    // A different mapping chosen afterwards is a new dry run, and replaces what was kept.
    const remap = await t.json('PUT', `/api/imports/${job.id}/mapping`, { name: 'Name', domain: null, employees: 'Employees' });
    expect(remap.status).toBe(202);
    expect(((await remap.json()) as Job).status).toBe('analyzing');
    await importsIdle(db);
    expect(((await (await t.get(`/api/imports/${job.id}`)).json()) as Job).status).toBe('ready');
    const rows = await db.select({ domain: importRows.domain }).from(importRows).where(eq(importRows.jobId, job.id));
    expect(rows.map((r) => r.domain)).toEqual([null, null, null]);
  });

  it('a dry run that fails during the upload does not fail the upload: it runs again after, and its failure is shown on the job', async () => {
    await db.execute(sql`create or replace function import_test_boom() returns trigger language plpgsql as $$
      begin if new.name = 'Boom Co' then raise exception 'injected failure on %', new.name; end if; return new; end $$`);
    await db.execute(sql`create trigger import_test_boom before insert on import_rows for each row execute function import_test_boom()`);
    try {
      const t = testApp(db);
      const res = await upload(t, ['Name,Website', 'Fine Co,fine.example.com', 'Boom Co,boom.example.com'].join('\n'));
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as Job;
      await importsIdle(db);
      const job = (await (await t.get(`/api/imports/${id}`)).json()) as Job;
      expect(job.status).toBe('failed');
      expect(job.error).toContain('injected failure on Boom Co');
      expect(await kept(id)).toBe(0);
      expect((await tally()).accounts).toBe(0);
    } finally {
      await db.execute(sql`drop trigger if exists import_test_boom on import_rows`);
      await db.execute(sql`drop function if exists import_test_boom()`);
    }
  });

  it.runIf(testDb() === 'postgres')('a file of several batches on a pool of one connection: every row is counted (no query goes down a connection while it copies)', async () => {
    const one = await openWorkerPostgres({ max: 1 });
    try {
      const lines = ['Name,Website'];
      for (let i = 0; i < 12_000; i++) lines.push(`Firm ${i},firm-${i}.example.com`);
      const up = await uploadFile(one.db, { kind: 'prospects', fileName: 'firms.csv', bytes: Readable.from([Buffer.from(lines.join('\n'))]), maxBytes: 1 << 26 }, { today: '2026-06-30', actor: { name: 'test', id: null } });
      if (!up.ok) throw new Error(up.error);
      expect((up.job.speculation as { counts: { new: number } }).counts.new).toBe(12_000);
      expect(await kept(up.job.id)).toBe(12_000);
    } finally {
      await one.close();
    }
  });

  it('a column found to be day-first after a date it already read spoils the early dry run: it runs again from the file', async () => {
    const t = testApp(db);
    const file = ['Name,Website,Created Date', 'Early Co,early.example.com,03/04/2026', 'Late Co,late.example.com,25/04/2026'].join('\n');
    const res = await upload(t, file);
    expect(res.status).toBe(202);
    const { id, status } = (await res.json()) as Job;
    expect(status).toBe('analyzing');
    await importsIdle(db);
    const ready = (await (await t.get(`/api/imports/${id}`)).json()) as Job;
    expect(ready.status).toBe('ready');
    const done = await confirm(t, ready.id);
    expect(done.status).toBe('done');
    expect((await byName('Early Co'))!.addedOn).toBe('2026-04-03');
    expect((await byName('Late Co'))!.addedOn).toBe('2026-04-25');
  });

  it('an account added since the dry run with a company\'s website is matched, not added twice', async () => {
    const t = testApp(db);
    const job = await dryRun(t, csv);
    expect(job.counts).toMatchObject({ new: 3, updated: 0 });
    const added = await insertProspect(db, { name: 'Beta (added by hand)', domain: 'beta.example.com', employees: 40 });
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ new: 2, updated: 1, fromDryRun: false });
    const betas = await db.select().from(accounts).where(eq(accounts.domain, 'beta.example.com'));
    expect(betas.map((b) => [b.id, b.name])).toEqual([[added.id, 'Beta Works']]);
  });

  it('an account edited since the dry run is updated from what it is now, not from what the dry run read', async () => {
    const acme = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, industry: null, revenue: null, growthPct: null, need: null });
    const t = testApp(db);
    const job = await dryRun(t, csv);
    await db.update(accounts).set({ industry: 'Aerospace', version: sql`${accounts.version} + 1` }).where(eq(accounts.id, acme.id));
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ updated: 1, fromDryRun: false });
    expect((await db.select().from(accounts).where(eq(accounts.id, acme.id)))[0]).toMatchObject({ name: 'Acme Corporation', employees: 2500, industry: 'Aerospace', version: acme.version + 2 });
  });

  it('a change that does not bump an account\'s version (its owner placed by the rules, a re-grade) is not undone by the import', async () => {
    const acme = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, industry: null, revenue: null, growthPct: null, need: null });
    const t = testApp(db);
    const job = await dryRun(t, csv);
    const otto = await ensureUser(db, PEOPLE.otherRep);
    // As the ownership rules and the daily re-grade write: owner, grade and flags, the version left alone.
    await db.update(accounts).set({ ownerId: otto.id, flags: sql`array['stale']::text[]` }).where(eq(accounts.id, acme.id));
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ updated: 1, fromDryRun: false });
    const now = (await db.select().from(accounts).where(eq(accounts.id, acme.id)))[0]!;
    expect(now).toMatchObject({ name: 'Acme Corporation', employees: 2500, ownerId: otto.id });
  });

  it('a file of more lines than one statement adds (10,000 on the embedded database) is written whole, each account with its first grade change', async () => {
    const lines = ['Name,Website,Employees'];
    for (let i = 0; i < 12_500; i++) lines.push(`Firm ${i},firm-${i}.example.com,${10 + (i % 900)}`);
    const t = testApp(db);
    const job = await dryRun(t, lines.join('\n'));
    expect(job.counts.new).toBe(12_500);
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ new: 12_500, fromDryRun: true });
    const after = await tally();
    expect(after.accounts).toBe(12_500);
    expect(after.gradeChanges).toBe(12_500);
    expect((await db.select({ n: count() }).from(accounts).where(sql`owner_id is null and not unassignable`))[0]!.n).toBe(0);
  }, 60_000);

  it('when the kept rows are gone (a crash or a fail-over empties them), the import works from the file', async () => {
    const t = testApp(db);
    const job = await dryRun(t, csv);
    await db.execute(sql`delete from import_rows`);
    const before = await tally();
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ new: 3, fromDryRun: false });
    expect((await tally()).accounts).toBe(before.accounts + 3);
  });

  it('a policy saved since the dry run grades by the new policy', async () => {
    const t = testApp(db);
    const job = await dryRun(t, csv);
    const before = await currentPolicy(db);
    const edited = structuredClone(before.policy);
    edited.grading.fit.fitOnlyC += 1;
    expect(await savePolicy(db, { basedOn: before.version, policy: edited, note: null, actor: { name: 'test' } })).toMatchObject({ ok: true });
    const { version } = await currentPolicy(db);
    expect(version).toBeGreaterThan(before.version);
    const done = await confirm(t, job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ new: 3, fromDryRun: false });
    expect((await byName('Gamma'))!.policyVersion).toBe(version);
  });
});

describe('imports nobody confirms', () => {
  beforeEach(() => resetDatabase(database));

  it('are cancelled after a week by the daily clean-up, which drops their file and dry run; recent ones are left alone', async () => {
    const t = testApp(db);
    const csv = ['Name,Website', 'Old Co,old.example.com', 'New Co,new.example.com'].join('\n');
    const old = ((await (await upload(t, csv)).json()) as Job).id;
    const recent = ((await (await upload(t, csv)).json()) as Job).id;
    await importsIdle(db);
    await db.update(importJobs).set({ createdAt: new Date('2026-06-01T10:00:00Z'), finishedAt: new Date('2026-06-01T10:00:05Z') }).where(eq(importJobs.id, old));
    await db.update(importJobs).set({ createdAt: new Date('2026-06-28T10:00:00Z'), finishedAt: new Date('2026-06-28T10:00:05Z') }).where(eq(importJobs.id, recent));
    const chunks = async (id: number) => (await db.select({ n: count() }).from(importFileChunks).where(eq(importFileChunks.jobId, id)))[0]!.n;
    const kept = async (id: number) => (await db.select({ n: count() }).from(importRows).where(eq(importRows.jobId, id)))[0]!.n;
    expect([await chunks(old), await kept(old)]).toEqual([1, 2]);
    expect(await dropAbandonedImports(db, '2026-06-30')).toEqual({ cancelled: 1 });
    const gone = (await (await t.get(`/api/imports/${old}`)).json()) as Job;
    expect(gone.status).toBe('cancelled');
    expect(gone.error).toContain('Left unconfirmed for 7 days');
    expect([await chunks(old), await kept(old)]).toEqual([0, 0]);
    expect(((await (await t.get(`/api/imports/${recent}`)).json()) as Job).status).toBe('ready');
    expect([await chunks(recent), await kept(recent)]).toEqual([1, 2]);
    expect((await t.json('POST', `/api/imports/${old}/confirm`)).status).toBe(409);
    expect((await confirm(t, recent)).status).toBe('done');
    expect(importCleanupJob.runKey('2026-06-30')).toBe('2026-06-30');
  });
});

describe('the files real exports are', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  it('a semicolon-separated file with a byte-order mark and decimal commas (a German spreadsheet), mapped by its column names', async () => {
    const t = testApp(db);
    const mapping = JSON.stringify({ name: 'Firmenname', domain: 'Website', industry: 'Branche', employees: 'Mitarbeiter', revenue: 'Umsatz', addedOn: 'Erstellt' });
    const job = await dryRun(t, fixture('semicolon-bom.csv'), `kind=prospects&mapping=${encodeURIComponent(mapping)}`);
    expect(job.counts).toMatchObject({ new: 2, rejected: 0 });
    expect(job.mapping).toMatchObject({ name: 'Firmenname', employees: 'Mitarbeiter' });
    await confirm(t, job.id);
    expect(await byName('Müller; Söhne GmbH')).toMatchObject({ domain: 'mueller-soehne.de', industry: 'Maschinenbau', employees: 1250, revenue: 12_500_000.5, addedOn: '2021-04-15' });
    expect(await byName('Kleinbetrieb AG')).toMatchObject({ domain: 'kleinbetrieb.example', employees: null, revenue: 950_000, addedOn: '2026-01-03' });
  });

  it('quoted fields holding commas and newlines; line numbers count the lines a row spans', async () => {
    const t = testApp(db);
    const job = await dryRun(t, fixture('quoted-newline.csv'));
    expect(job.counts).toMatchObject({ new: 2, rejected: 1 });
    expect(await rejects(t, job.id)).toEqual([{ line: 6, reason: 'Employees: "lots" is not a number' }]);
    await confirm(t, job.id);
    expect(await byName('Line Break Industries')).toMatchObject({ industry: 'Software, Services', employees: 300 });
  });

  it('Zoho: "$22,700,000.00", "15 Apr, 2021 00:03:00", owners by name, and an owner nobody is', async () => {
    const t = testApp(db);
    const job = await dryRun(t, fixture('zoho-leads.csv'));
    expect(job.mapping).toMatchObject({ name: 'Company', domain: 'Website', owner: 'Lead Owner', addedOn: 'Created Time', revenue: 'Annual Revenue', employees: 'No. of Employees' });
    expect(job.counts).toMatchObject({ new: 3, rejected: 0 });
    expect(job.dryRun.unknownOwners).toEqual([{ owner: 'Nobody Known', rows: 1 }]);
    await confirm(t, job.id);
    const rita = await ensureUser(db, PEOPLE.rep);
    expect(await byName('Harbor Freight Co')).toMatchObject({ domain: 'harborfreight.example.com', revenue: 22_700_000, employees: 1200, addedOn: '2021-04-15', ownerId: rita.id });
    expect(await byName('Chargepal')).toMatchObject({ domain: 'chargepal.example.com', revenue: 950_000, employees: 45, addedOn: '2026-03-03' });
    expect(await byName('Awthentikz')).toMatchObject({ domain: null, revenue: null, employees: null, addedOn: '2026-06-20' });
  });

  it('Inc. 5000 style "18.3 MM" revenue and growth, and the Salesforce sample file as it is', async () => {
    const t = testApp(db);
    await confirm(t, (await dryRun(t, fixture('inc-style.csv'))).id);
    expect(await byName('Northwind Capital Trading')).toMatchObject({ revenue: 18_300_000, growthPct: 119, employees: 95 });
    expect(await byName('Tiny Widgets')).toMatchObject({ revenue: 950_000, growthPct: -4 });
    const sf = await dryRun(t, fixture('salesforce-accounts.csv'));
    expect(sf.counts).toMatchObject({ new: 6, rejected: 0 });
    await confirm(t, sf.id);
    // "n/a" industry is unknown; the website's path and scheme go.
    expect(await byName('Zoonoodle 37')).toMatchObject({ domain: '1688.com', industry: null, employees: 28549, revenue: 5117586 });
  });

  it('revenue written in millions (MavenTech) is scaled when the mapping says so', async () => {
    const t = testApp(db);
    const job = await dryRun(t, fixture('maventech-accounts.csv'), `kind=prospects&mapping=${encodeURIComponent(JSON.stringify({ revenueScale: 1e6 }))}`);
    await confirm(t, job.id);
    expect(await byName('Acme Corporation')).toMatchObject({ industry: 'technolgy', revenue: 1_100_040_000, employees: 2822 });
  });

  it('a malformed file is refused at once with 422 and the line to fix, and nothing is kept', async () => {
    const t = testApp(db);
    const res = await upload(t, fixture('malformed.csv'));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'This is not a CSV file we can read: line 4: a quoted field is never closed: a " is missing.', line: 4 });
    expect((await db.select({ n: count() }).from(importJobs))[0]!.n).toBe(0);
    expect((await db.select({ n: count() }).from(importFileChunks))[0]!.n).toBe(0);
  });

  it('an empty file, a header alone, and a file without a company column are refused with what to do', async () => {
    const t = testApp(db);
    expect(await (await upload(t, '')).json()).toEqual({ error: 'The file is empty.' });
    expect(await (await upload(t, 'Name,Website\r\n')).json()).toEqual({ error: 'The file has a header but no rows.' });
    const res = await upload(t, 'Colour,Size\nred,10\n');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { issues: unknown[]; import: { id: number; status: string } };
    expect(body.issues).toEqual([{ path: 'mapping.name', message: 'choose the column that holds the company name' }]);
    expect(body.import.status).toBe('mapping');
    const fixed = await t.json('PUT', `/api/imports/${body.import.id}/mapping`, { name: 'Colour' });
    expect(fixed.status).toBe(202);
    await importsIdle(db);
    expect(((await (await t.get(`/api/imports/${body.import.id}`)).json()) as Job).counts).toMatchObject({ new: 1 });
  });
});

describe('upload limits', () => {
  beforeEach(() => resetDatabase(database));

  /** The app with a small import limit, and a manager's token. */
  async function smallApp(limit: number) {
    const config = parseConfig({ SCHEDULER: 'off', IMPORT_MAX_BYTES: String(limit) });
    const app = createApp({ db, config, clock: fixedClock('2026-06-30') });
    const user = await ensureUser(db, PEOPLE.api);
    return { app, token: await apiToken(db, user.id) };
  }

  it('a body over the limit is answered 413, whether it says its length or streams, and nothing is kept', async () => {
    const { app, token } = await smallApp(1024);
    const big = 'Name,Website\n' + 'Company,company.example.com\n'.repeat(100);
    const said = await app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(big.length) }, body: big });
    expect(said.status).toBe(413);
    expect((await said.json()).error).toBe('The file is larger than the import limit of 1 KiB. Split it, or ask an admin to raise IMPORT_MAX_BYTES.');
    // Streamed in pieces, with no length: stopped once past the limit.
    const pieces = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 50; i++) ctl.enqueue(new TextEncoder().encode(i === 0 ? 'Name,Website\n' : 'Company,company.example.com\n'));
        ctl.close();
      },
    });
    const streamed = await app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: pieces, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await db.select({ n: count() }).from(importJobs))[0]!.n).toBe(0);
    expect((await db.select({ n: count() }).from(importFileChunks))[0]!.n).toBe(0);
  });

  it('the import upload is not held to the app’s 1 MiB body limit', async () => {
    const t = testApp(db);
    const rows = ['Name,Website,Industry'];
    for (let i = 0, size = 0; size < 1.5 * 1024 * 1024; i++) size += rows[rows.push(`Company number ${i} with a longer name,company-${i}.example.com,Industrial Machinery and Components`) - 1]!.length + 1;
    const job = await dryRun(t, rows.join('\n'));
    expect(job.counts.new).toBe(rows.length - 1);
    // Other routes keep the limit.
    const other = await t.json('POST', '/api/prospects', { name: 'x'.repeat(1.2 * 1024 * 1024) });
    expect(other.status).toBe(413);
  });
});

describe('customers with deals', () => {
  beforeEach(() => resetDatabase(database));

  it('one deal per row: accounts added once, won deals convert them into customers, and a re-import adds no deal twice', async () => {
    const t = testApp(db);
    const job = await dryRun(t, fixture('maventech-pipeline.csv'), 'kind=customers');
    expect(job.mapping).toMatchObject({ name: 'account', dealTitle: 'product', dealValue: 'close_value', dealStatus: 'deal_stage', dealCloseDate: 'close_date', owner: 'sales_agent' });
    expect(job.counts).toMatchObject({ new: 6, updated: 0, unchanged: 0, rejected: 0 });
    expect((job.dryRun as unknown as { deals: object }).deals).toEqual({ new: 6, existing: 0, won: 5, conversions: 2, accountsNew: 2, accountsUpdated: 0 });
    await confirm(t, job.id);
    const cancity = (await byName('Cancity'))!;
    expect(cancity).toMatchObject({ kind: 'customer', convertedOn: '2017-03-01' });
    expect(cancity.tier).not.toBeNull();
    const dealRows = await db.execute(sql`select title, value, status, closed_on::text as closed from deals where account_id = ${cancity.id} order by id`);
    const list = (Array.isArray(dealRows) ? dealRows : (dealRows as { rows: unknown[] }).rows) as { title: string; value: number; status: string; closed: string }[];
    expect(list.map((d) => [d.title, d.value, d.status, d.closed])).toEqual([
      ['GTX Plus Basic', 1054, 'won', '2017-03-01'],
      ['MG Special', 50, 'won', '2017-03-07'],
      ['MG Advanced', 0, 'lost', '2017-03-08'],
      ['GTX Basic', 546, 'won', '2017-03-26'],
      ['MG Special', 56, 'won', '2017-03-09'],
    ]);
    const before = await tally();
    const again = await dryRun(t, fixture('maventech-pipeline.csv'), 'kind=customers');
    expect(again.counts).toMatchObject({ new: 0, updated: 0, unchanged: 6 });
    await confirm(t, again.id);
    expect(await tally()).toEqual(before);
  });

  it('a deal row without an amount, or a won deal without its close date, is rejected with its line', async () => {
    const t = testApp(db);
    const csv = ['Account Name,Opportunity Name,Amount,Stage,Close Date', 'Acme,Renewal,,Closed Won,2026-03-01', 'Acme,Upsell,"$5,000.00",Closed Won,', 'Acme,Pilot,1000,Prospecting,2026-09-01'].join('\n');
    const job = await dryRun(t, csv, 'kind=customers');
    expect(job.counts).toMatchObject({ new: 1, rejected: 2 });
    expect(await rejects(t, job.id)).toEqual([
      { line: 2, reason: 'Amount: the deal amount is empty' },
      { line: 3, reason: 'Close Date: is empty, and a won deal needs the day it closed' },
    ]);
  });
});
