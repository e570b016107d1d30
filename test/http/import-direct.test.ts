import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { asc, count, eq, sql } from 'drizzle-orm';
import { accounts, auditLog, deals, gradeChanges, importFileChunks, importJobs, importRejects, importRows, users } from '../../src/db/schema.ts';
import { IMPORT_LOCK, importsIdle } from '../../src/import/runner.ts';
import { query } from '../../src/db/client.ts';
import { openWorkerPostgres, resetDatabase, testDatabase, testDb } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, apiToken, ensureUser } from '../support/auth.ts';
import { insertProspect } from '../support/factories.ts';
import { startTestServer } from '../support/server.ts';

// "Import straight away": POST /api/imports?confirm=true (and the upload form's checkbox). A file
// whose columns map is imported without stopping at the dry run: on PostgreSQL while it arrives,
// in one transaction (the answer has the job done); on the embedded database, or when the direct
// path cannot start or fails part way, from the stored file as a confirm would. Either way the
// database ends as the two-step flow (upload, confirm) leaves it.

const database = await testDatabase();
const db = database.db;
const pg = testDb() === 'postgres';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

type Job = {
  id: number;
  status: string;
  counts: { processed: number; total: number; new: number; updated: number; unchanged: number; rejected: number };
  mapping: Record<string, string | number | null> | null;
  result: { new: number; updated: number; unchanged: number; rejected: number; assigned: number; reassigned: number; gradeChanges: number; fromDryRun: boolean } | null;
  error: string | null;
  confirmedBy: string | null;
  file: { name: string; bytes: number; rows: number; delimiter: string };
};
type T = ReturnType<typeof testApp>;

const post = (t: T, body: string | Buffer, query = 'kind=prospects&confirm=true') =>
  t.app.request(`/api/imports?${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: typeof body === 'string' ? body : new Uint8Array(body) });

const jobOf = async (t: T, id: number) => (await (await t.get(`/api/imports/${id}`)).json()) as Job;

/** POST with confirm=true: the answer (202), and the job once nothing runs any more. */
async function importNow(t: T, body: string | Buffer, query?: string): Promise<{ answer: Job; job: Job }> {
  const res = await post(t, body, query);
  expect(res.status, await res.clone().text()).toBe(202);
  const answer = (await res.json()) as Job;
  expect(res.headers.get('location')).toBe(`/api/imports/${answer.id}`);
  await importsIdle(db);
  return { answer, job: await jobOf(t, answer.id) };
}

/** What a direct import's answer says, by database: done at once on PostgreSQL, importing (from the stored file) on PGlite. */
function expectAnswerOfDirect(answer: Job) {
  if (pg) {
    expect(answer.status).toBe('done');
    expect(answer.result?.fromDryRun).toBe(false);
  } else {
    expect(answer.status).toBe('importing');
    expect(answer.result).toBeNull();
  }
}

const rejectsOf = async (t: T, id: number) => ((await (await t.get(`/api/imports/${id}/rejects`)).json()) as { rejects: { line: number; reason: string }[] }).rejects;

const n = async (table: typeof accounts | typeof gradeChanges | typeof auditLog | typeof importJobs | typeof importFileChunks | typeof importRows | typeof importRejects) =>
  (await db.select({ n: count() }).from(table))[0]!.n;
const tally = async () => ({ accounts: await n(accounts), gradeChanges: await n(gradeChanges), audit: await n(auditLog) });
/** Whether some session holds the import lock (IMPORT_LOCK, src/import/runner.ts). */
const importLockHeld = async () =>
  (await query<{ n: number }>(db, sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 0 and objid = ${IMPORT_LOCK} and granted`))[0]!.n > 0;
const byName = async (name: string) => (await db.select().from(accounts).where(eq(accounts.name, name)))[0];

// Three accounts the file meets: one it renames and grows (its grade moves), one it leaves as it
// is (blank cells), one it renames and gives an industry (its grade stays).
async function seedExisting() {
  const acme = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, revenue: null, growthPct: null, need: null });
  const keep = await insertProspect(db, { name: 'Keep Co', domain: 'keep.example.com', employees: 700, revenue: 5_000_000, industry: 'Retail' });
  const beta = await insertProspect(db, { name: 'Beta Old', domain: 'beta.example.com', employees: 600 });
  return { acme, keep, beta };
}

const FILE = [
  'Name,Website,Employees,Annual Revenue,Industry,Owner,Created Date',
  'Acme Corporation,acme.example.com,2500,,,,', // 2: update, grade D → C
  'Keep Co,keep.example.com,,,,,', // 3: unchanged
  'Beta Works,beta.example.com,600,,Software,,', // 4: update, same grade
  'New Alpha,alpha.example.com,1200,"$30,000,000",Software,rita@test.invalid,2026-05-01', // 5: new, owner by email
  'New Bravo,bravo.example.com,50,,,,2026-06-01', // 6: new, no owner (the rules place one)
  'New Charlie,charlie.example.com,lots,,,,', // 7: rejected
  'New Alpha Again,alpha.example.com,10,,,,', // 8: the same company as line 5
  'New Delta,,300,,,Otto Rep,', // 9: new, owner by name, no website
  'New Echo,echo.example.com,5000,"$90,000,000",,,', // 10: new, no owner
].join('\n');
const NEW_NAMES = ['New Alpha', 'New Bravo', 'New Delta', 'New Echo'];

/** The rows an import leaves, without ids, times or the import's own number (they may differ between two runs). */
async function snapshot() {
  const people = new Map((await db.select().from(users)).map((u) => [u.id, u.email]));
  const all = await db.select().from(accounts).orderBy(asc(accounts.name));
  const nameOf = new Map(all.map((a) => [a.id, a.name]));
  const accountRows = all.map(({ id: _id, createdAt: _c, updatedAt: _u, ownerId, ...rest }) => ({ ...rest, owner: ownerId === null ? null : people.get(ownerId) }));
  const changes = (await db.select().from(gradeChanges))
    .map(({ id: _id, at: _at, accountId, ...rest }) => ({ account: nameOf.get(accountId), ...rest }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const strip = (v: unknown) => {
    if (!v || typeof v !== 'object') return v;
    const { importId: _i, fromDryRun: _f, ownerId, ...rest } = v as Record<string, unknown>;
    return { ...rest, ...(ownerId === undefined ? {} : { owner: ownerId === null ? null : people.get(ownerId as number) }) };
  };
  const audit = (await db.select().from(auditLog))
    .map((a) => ({ actor: a.actor, entity: a.entity, account: a.accountId === null ? null : nameOf.get(a.accountId), sameEntity: a.entityId === a.accountId, action: a.action, before: strip(a.before), after: strip(a.after) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { accounts: accountRows, gradeChanges: changes, audit };
}

describe('importing straight away (confirm=true)', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  it('a file whose columns map is imported without a dry run to stop at: new, updated, unchanged and rejected rows, owners, grade changes and audit', async () => {
    const { acme, keep, beta } = await seedExisting();
    const before = await tally();
    const t = testApp(db);
    const { answer, job } = await importNow(t, FILE);
    expectAnswerOfDirect(answer);
    expect(job.status).toBe('done');
    expect(job.error).toBeNull();
    expect(job.confirmedBy).toBe('api');
    expect(job.file).toEqual({ name: 'upload.csv', bytes: Buffer.byteLength(FILE), rows: 9, delimiter: ',' });
    expect(job.counts).toEqual({ processed: 9, total: 9, new: 4, updated: 2, unchanged: 1, rejected: 2 });
    expect(job.mapping).toMatchObject({ name: 'Name', domain: 'Website', employees: 'Employees', revenue: 'Annual Revenue', industry: 'Industry', owner: 'Owner', addedOn: 'Created Date' });
    expect(job.result).toMatchObject({ new: 4, updated: 2, unchanged: 1, rejected: 2, assigned: 2 });
    if (pg) expect(answer.counts).toEqual(job.counts);
    expect(await rejectsOf(t, job.id)).toEqual([
      { line: 7, reason: 'Employees: "lots" is not a number' },
      { line: 8, reason: 'the same company as line 5: each company once per file' },
    ]);

    // The new accounts, each with its first grade change (cause import); owners from the file, else placed by the rules.
    const rita = await ensureUser(db, PEOPLE.rep);
    const otto = await ensureUser(db, PEOPLE.otherRep);
    const alpha = (await byName('New Alpha'))!;
    expect(alpha).toMatchObject({ domain: 'alpha.example.com', employees: 1200, revenue: 30_000_000, industry: 'Software', addedOn: '2026-05-01', ownerId: rita.id, gradedOn: '2026-06-30', version: 1 });
    expect((await byName('New Delta'))!).toMatchObject({ domain: null, employees: 300, addedOn: '2026-06-30', ownerId: otto.id });
    expect((await byName('New Bravo'))!.addedOn).toBe('2026-06-01');
    for (const name of NEW_NAMES) {
      const a = (await byName(name))!;
      expect(a.grade, name).toMatch(/^[ABCD]$/);
      expect(a.ownerId, name).not.toBeNull();
      const history = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, a.id));
      expect(history.map((h) => [h.fromGrade, h.toGrade, h.cause, h.actor, h.asOf, h.reason === a.reason]), name).toEqual([[null, a.grade, 'import', 'api', '2026-06-30', true]]);
      expect(history[0]!.reasons, name).not.toEqual([]);
    }
    expect(await byName('New Charlie')).toBeUndefined();
    expect(await byName('New Alpha Again')).toBeUndefined();

    // The accounts the file met: updated in place (one grade change where the grade moved), or left alone.
    const acmeNow = (await db.select().from(accounts).where(eq(accounts.id, acme.id)))[0]!;
    expect(acmeNow).toMatchObject({ name: 'Acme Corporation', employees: 2500, version: acme.version + 1, grade: 'C' });
    const acmeChanges = await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, acme.id)).orderBy(asc(gradeChanges.id));
    expect(acmeChanges.filter((c) => c.cause === 'import').map((c) => [c.fromGrade, c.toGrade])).toEqual([['D', 'C']]);
    const betaNow = (await db.select().from(accounts).where(eq(accounts.id, beta.id)))[0]!;
    expect(betaNow).toMatchObject({ name: 'Beta Works', industry: 'Software', version: beta.version + 1, grade: beta.grade });
    expect((await db.select().from(gradeChanges).where(eq(gradeChanges.accountId, beta.id))).filter((c) => c.cause === 'import')).toEqual([]);
    expect((await db.select().from(accounts).where(eq(accounts.id, keep.id)))[0]).toMatchObject({ name: 'Keep Co', employees: 700, industry: 'Retail', version: keep.version });

    // One audit row per updated account (with its line), one per owner placed, and the import's own.
    const audit = await db.select().from(auditLog).where(sql`${auditLog.actor} = 'api'`).orderBy(asc(auditLog.id));
    const updates = audit.filter((a) => a.action === 'updated_by_import');
    expect(updates.map((a) => [a.accountId, (a.after as { line: number }).line]).sort()).toEqual([[acme.id, 2], [beta.id, 4]].sort());
    expect(updates.find((a) => a.accountId === acme.id)!.before).toMatchObject({ name: 'Acme Old Name', employees: 10, grade: 'D' });
    expect(updates.find((a) => a.accountId === acme.id)!.after).toMatchObject({ name: 'Acme Corporation', employees: 2500, grade: 'C', importId: job.id });
    const placed = audit.filter((a) => a.action === 'owner_assigned');
    expect(placed.map((a) => a.accountId).sort()).toEqual([(await byName('New Bravo'))!.id, (await byName('New Echo'))!.id].sort());
    const summary = audit.filter((a) => a.action === 'import');
    expect(summary).toHaveLength(1);
    expect(summary[0]!.after).toMatchObject({ importId: job.id, kind: 'prospects', new: 4, updated: 2, unchanged: 1, rejected: 2, assigned: 2, asOf: '2026-06-30' });
    expect(audit.map((a) => a.action).sort()).toEqual(['import', 'owner_assigned', 'owner_assigned', 'updated_by_import', 'updated_by_import']);

    const after = await tally();
    // 4 new accounts, 4 first grade changes + Acme's move, 5 audit rows.
    expect(after).toEqual({ accounts: before.accounts + 4, gradeChanges: before.gradeChanges + 5, audit: before.audit + 5 });
    // Nothing of the file or of a dry run is kept once imported.
    expect(await n(importFileChunks)).toBe(0);
    expect(await n(importRows)).toBe(0);
  });

  it('leaves the database as the two-step flow (upload, confirm) does for the same file, and the same file again changes nothing', async () => {
    // The two-step flow, on a fresh database.
    await seedExisting();
    const t1 = testApp(db);
    const up = await post(t1, FILE, 'kind=prospects');
    expect(up.status).toBe(202);
    const { id } = (await up.json()) as Job;
    await importsIdle(db);
    const confirmed = await t1.json('POST', `/api/imports/${id}/confirm`);
    expect(confirmed.status).toBe(202);
    await importsIdle(db);
    const twoStep = await jobOf(t1, id);
    expect(twoStep.status).toBe('done');
    const expected = await snapshot();

    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
    await seedExisting();
    const t2 = testApp(db);
    const { answer, job } = await importNow(t2, FILE);
    expectAnswerOfDirect(answer);
    expect(job.status).toBe('done');
    expect(job.counts).toEqual(twoStep.counts);
    // The same result but for where it came from; the samples of new accounts name their id once written (the dry run's cannot).
    type Samples = { samples: { new: { id: number | null; name: string }[] } };
    const { fromDryRun: _a, summary: directSummary, ...directResult } = job.result as unknown as Record<string, unknown> & { summary: Samples };
    const { fromDryRun: _b, summary: twoStepSummary, ...twoStepResult } = twoStep.result as unknown as Record<string, unknown> & { summary: Samples };
    expect(directResult).toEqual(twoStepResult);
    const withoutIds = (s: Samples) => ({ ...s, samples: { ...s.samples, new: s.samples.new.map((x) => ({ ...x, id: null })) } });
    expect(withoutIds(directSummary)).toEqual(withoutIds(twoStepSummary));
    expect(directSummary.samples.new.map((x) => x.name)).toEqual(NEW_NAMES);
    for (const x of directSummary.samples.new) if (x.id !== null) expect((await db.select().from(accounts).where(eq(accounts.id, x.id)))[0]?.name).toBe(x.name);
    expect(await rejectsOf(t2, job.id)).toEqual(await rejectsOf(t1, id));
    const got = await snapshot();
    expect(got.accounts).toEqual(expected.accounts);
    expect(got.gradeChanges).toEqual(expected.gradeChanges);
    expect(got.audit).toEqual(expected.audit);
    expect(got.accounts.map((a) => a.name)).toEqual(expect.arrayContaining(NEW_NAMES));

    // Again: every row is already there.
    const before = await tally();
    const rows = await db.select().from(accounts).orderBy(asc(accounts.id));
    const again = await importNow(t2, FILE);
    expect(again.job.status).toBe('done');
    if (pg) expect(again.answer.status).toBe('done');
    expect(again.job.counts).toEqual({ processed: 9, total: 9, new: 0, updated: 0, unchanged: 7, rejected: 2 });
    expect(await tally()).toEqual(before);
    expect(await db.select().from(accounts).orderBy(asc(accounts.id))).toEqual(rows);
  });

  it('confirm=false is the usual upload: the dry run, and nothing written', async () => {
    const t = testApp(db);
    const res = await post(t, FILE, 'kind=prospects&confirm=false');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    await importsIdle(db);
    const job = await jobOf(t, id);
    expect(job.status).toBe('ready');
    expect(job.counts).toMatchObject({ new: 7, rejected: 2 });
    expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });
  });

  it('a confirm other than true or false is refused with 422 naming it, and nothing is stored', async () => {
    const t = testApp(db);
    for (const v of ['maybe', '1', 'TRUE', '']) {
      const res = await post(t, FILE, `kind=prospects&confirm=${v}`);
      expect(res.status, v).toBe(422);
      expect(await res.json(), v).toEqual({ error: 'validation failed', issues: [{ path: 'confirm', message: 'must be true or false' }] });
    }
    expect(await n(importJobs)).toBe(0);
    expect(await n(importFileChunks)).toBe(0);
    expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });
  });

  it('a file whose columns do not map waits for its mapping (422), writes nothing, and imports after the mapping is sent and confirmed', async () => {
    const t = testApp(db);
    const res = await post(t, 'Colour,Size\nred,10\nblue,20\n');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { issues: unknown[]; import: Job };
    expect(body.issues).toEqual([{ path: 'mapping.name', message: 'choose the column that holds the company name' }]);
    expect(body.import.status).toBe('mapping');
    await importsIdle(db);
    expect((await jobOf(t, body.import.id)).status).toBe('mapping');
    expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });

    const mapped = await t.json('PUT', `/api/imports/${body.import.id}/mapping`, { name: 'Colour' });
    expect(mapped.status).toBe(202);
    await importsIdle(db);
    // The mapping starts the dry run: it stops there, as any import does once it waited for its mapping.
    expect((await jobOf(t, body.import.id)).status).toBe('ready');
    expect((await tally()).accounts).toBe(0);
    expect((await t.json('POST', `/api/imports/${body.import.id}/confirm`)).status).toBe(202);
    await importsIdle(db);
    const done = await jobOf(t, body.import.id);
    expect(done.status).toBe('done');
    expect(done.counts).toMatchObject({ new: 2, rejected: 0 });
    expect((await db.select({ name: accounts.name }).from(accounts).orderBy(asc(accounts.name))).map((a) => a.name)).toEqual(['blue', 'red']);
  });

  it('a mapping sent with the file makes it fit, and is remembered: the next file with those columns imports straight away without one', async () => {
    const t = testApp(db);
    const mapping = encodeURIComponent(JSON.stringify({ name: 'Colour', employees: 'Size' }));
    const first = await importNow(t, 'Colour,Size\nred,10\n', `kind=prospects&confirm=true&mapping=${mapping}`);
    expectAnswerOfDirect(first.answer);
    expect(first.job.status).toBe('done');
    expect(first.job.mapping).toMatchObject({ name: 'Colour', employees: 'Size' });
    const second = await importNow(t, 'Colour,Size\nblue,20\n');
    expectAnswerOfDirect(second.answer);
    expect(second.job.status).toBe('done');
    expect((await db.select({ name: accounts.name, employees: accounts.employees }).from(accounts).orderBy(asc(accounts.name)))).toEqual([
      { name: 'blue', employees: 20 },
      { name: 'red', employees: 10 },
    ]);
  });

  it('customers with deals: imported from the stored file, as a confirm would', async () => {
    const t = testApp(db);
    const { answer, job } = await importNow(t, fixture('maventech-pipeline.csv'), 'kind=customers&confirm=true');
    // Only prospects are written while the file arrives.
    expect(answer.status).toBe('importing');
    expect(job.status).toBe('done');
    expect(job.counts).toMatchObject({ new: 6, updated: 0, rejected: 0 });
    expect((await byName('Cancity'))!).toMatchObject({ kind: 'customer', convertedOn: '2017-03-01' });
    expect(await n(accounts)).toBe(2);
    expect((await db.select({ n: count() }).from(deals))[0]!.n).toBe(6);
  });
});

describe('when importing straight away goes wrong', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  // Over one batch of rows (5,000) on PostgreSQL, so that the direct import wrote several before
  // the last; on PGlite (no direct import: the file is imported after the upload) a few suffice.
  const MANY = pg ? 5050 : 50;
  const bigFile = (last: string) => {
    const rows = ['Name,Website,Employees'];
    for (let i = 1; i <= MANY; i++) rows.push(`Company ${i},company-${i}.example.com,${i}`);
    rows.push(last);
    return rows.join('\n');
  };

  it('an import that fails part way writes nothing, and releases the lock: the next import is done', async () => {
    const before = await tally();
    await db.execute(sql`create or replace function import_direct_explode() returns trigger language plpgsql as $$
      begin if new.name = 'Explode Ltd' then raise exception 'injected failure on %', new.name; end if; return new; end $$`);
    await db.execute(sql`create trigger import_direct_explode before insert on accounts for each row execute function import_direct_explode()`);
    let id: number;
    try {
      const t = testApp(db);
      const res = await post(t, bigFile('Explode Ltd,explode.example.com,10'));
      expect(res.status).toBe(202);
      const answer = (await res.json()) as Job;
      id = answer.id;
      // The direct path gave up: the import from the stored file runs (and fails the same way).
      expect(answer.status).toBe('importing');
      await importsIdle(db);
      const job = await jobOf(t, id);
      expect(job.status).toBe('failed');
      expect(job.error).toContain('nothing of it was saved');
      expect(job.error).toContain('injected failure on Explode Ltd');
    } finally {
      await db.execute(sql`drop trigger if exists import_direct_explode on accounts`);
      await db.execute(sql`drop function if exists import_direct_explode()`);
    }
    expect(await tally()).toEqual(before);
    expect((await db.select({ n: count() }).from(accounts).where(sql`${accounts.name} like 'Company %'`))[0]!.n).toBe(0);
    expect(await n(importFileChunks)).toBe(0);
    expect(await n(importRows)).toBe(0);
    // A failed job is not confirmed by accident.
    expect((await testApp(db).json('POST', `/api/imports/${id!}/confirm`)).status).toBe(409);

    // The same file, now that nothing explodes: several batches written while it arrives (on PostgreSQL).
    const t = testApp(db);
    const started = performance.now();
    const { answer, job } = await importNow(t, bigFile('Company 1,,99'));
    expect(performance.now() - started).toBeLessThan(20_000);
    expectAnswerOfDirect(answer);
    expect(job.status).toBe('done');
    expect(job.counts).toMatchObject({ processed: MANY + 1, new: MANY, rejected: 1 });
    // A duplicate of a row from the first batch, found in the second.
    expect(await rejectsOf(t, job.id)).toEqual([{ line: MANY + 2, reason: 'the same company as line 2: each company once per file' }]);
    expect(await tally()).toEqual({ accounts: MANY, gradeChanges: MANY, audit: before.audit + 1 + job.result!.assigned });
    expect(job.result!.assigned).toBe(MANY);
    expect((await db.select({ n: count() }).from(accounts).where(sql`owner_id is null and not unassignable`))[0]!.n).toBe(0);
  }, 60_000);

  it.runIf(pg)('while another import holds the lock, the import waits for it and then runs from the stored file', async () => {
    const holder = await openWorkerPostgres({ max: 1 });
    let released = false;
    try {
      await holder.db.execute(sql`select pg_advisory_lock(${IMPORT_LOCK})`);
      const t = testApp(db);
      const res = await post(t, FILE);
      expect(res.status).toBe(202);
      const answer = (await res.json()) as Job;
      expect(answer.status).toBe('importing');
      // Still waiting: nothing written.
      await new Promise((r) => setTimeout(r, 300));
      expect((await jobOf(t, answer.id)).status).toBe('importing');
      expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });
      await holder.db.execute(sql`select pg_advisory_unlock(${IMPORT_LOCK})`);
      released = true;
      await importsIdle(db);
      const job = await jobOf(t, answer.id);
      expect(job.status).toBe('done');
      expect(job.counts).toEqual({ processed: 9, total: 9, new: 7, updated: 0, unchanged: 0, rejected: 2 });
      expect(await tally()).toEqual({ accounts: 7, gradeChanges: 7, audit: 1 + job.result!.assigned });
    } finally {
      if (!released) await holder.db.execute(sql`select pg_advisory_unlock_all()`).catch(() => {});
      await holder.close();
    }
  });

  it('two imports of the same file at once take turns: each company is added once', async () => {
    const t = testApp(db);
    const [a, b] = await Promise.all([post(t, FILE), post(t, FILE)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const ids = [((await a.json()) as Job).id, ((await b.json()) as Job).id];
    await importsIdle(db);
    const jobs = await Promise.all(ids.map((id) => jobOf(t, id)));
    expect(jobs.map((j) => j.status)).toEqual(['done', 'done']);
    // One of them added the seven companies; the other found them there.
    expect(jobs.map((j) => [j.counts.new, j.counts.unchanged, j.counts.rejected]).sort()).toEqual([
      [0, 7, 2],
      [7, 0, 2],
    ]);
    expect(await tally()).toEqual({ accounts: 7, gradeChanges: 7, audit: 1 + jobs.reduce((s, j) => s + j.result!.assigned, 0) });
    expect(await importLockHeld()).toBe(false);
  });

  /** A file over the 1 MiB the upload reads before it hands rows on, so the direct import has begun. */
  const largeLines = (count: number, prefix: string) => {
    const rows = ['Name,Website,Employees'];
    for (let i = 0; i < count; i++) rows.push(`${prefix} ${i},${prefix.toLowerCase()}-${i}.example.com,${10 + (i % 900)}`);
    return rows;
  };

  /** The state after an upload cut short: no account, no job left uploading, no file. */
  async function expectNothingLeft() {
    expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });
    expect((await db.select({ id: importJobs.id, status: importJobs.status }).from(importJobs)).filter((j) => j.status === 'uploading' || j.status === 'importing')).toEqual([]);
    expect(await n(importFileChunks)).toBe(0);
    expect(await n(importRows)).toBe(0);
  }

  async function nextImportIsDone(t: T) {
    const started = performance.now();
    const { answer, job } = await importNow(t, 'Name,Website\nAfter Co,after.example.com\nLater Co,later.example.com\n');
    expect(performance.now() - started).toBeLessThan(10_000);
    expectAnswerOfDirect(answer);
    expect(job.status).toBe('done');
    expect(job.counts).toMatchObject({ new: 2 });
    expect((await db.select({ name: accounts.name }).from(accounts).orderBy(asc(accounts.name))).map((a) => a.name)).toEqual(['After Co', 'Later Co']);
  }

  it('a body that breaks off part way (the client went away) writes nothing and leaves no job running', async () => {
    const lines = largeLines(60_000, 'Firm');
    const enc = new TextEncoder();
    const half = enc.encode(lines.slice(0, 45_000).join('\n') + '\n');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent >= half.length) {
          // After the header and over a batch of rows: the direct import (or dry run) is under way.
          ctl.error(new Error('the client went away'));
          return;
        }
        ctl.enqueue(half.subarray(sent, sent + 64 * 1024));
        sent += 64 * 1024;
      },
    });
    const t = testApp(db);
    const res = await t.app.request('/api/imports?kind=prospects&confirm=true', { method: 'POST', headers: { 'content-type': 'text/csv' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBeGreaterThanOrEqual(400);
    // Given up before the answer: the direct import's transaction is gone, and its lock with it.
    expect(await importLockHeld()).toBe(false);
    await importsIdle(db);
    await expectNothingLeft();
    await nextImportIsDone(t);
  }, 30_000);

  it('an upload aborted by the client over HTTP writes nothing and leaves no job running', async () => {
    const server = await startTestServer(db);
    try {
      const t = testApp(db);
      const bearer = await apiToken(db, (await ensureUser(db, PEOPLE.api)).id);
      const lines = largeLines(60_000, 'Firm');
      const data = Buffer.from(lines.slice(0, 45_000).join('\n') + '\n');
      const url = new URL(`${server.url}/api/imports?kind=prospects&confirm=true`);
      const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
      const outcome = new Promise<string>((resolve) => {
        req.on('response', (r) => resolve(`answered ${r.statusCode}`));
        req.on('error', () => resolve('aborted'));
        req.on('close', () => resolve('closed'));
      });
      req.write(data);
      // Wait until the server has stored a piece of the file (the rows are being handed on), then go away.
      await expect.poll(async () => n(importFileChunks), { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
      req.destroy();
      expect(await outcome).not.toMatch(/^answered 2/);
      // The server notices and gives the upload up.
      await expect.poll(async () => (await db.select({ s: importJobs.status }).from(importJobs)).filter((j) => j.s === 'uploading').length, { timeout: 10_000, interval: 50 }).toBe(0);
      // …and lets go of the import lock at once.
      await expect.poll(importLockHeld, { timeout: 5_000, interval: 20 }).toBe(false);
      await importsIdle(db);
      await expectNothingLeft();
      expect(await n(importJobs)).toBe(0);
      await nextImportIsDone(t);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a column found to be day-first after rows were written: the direct pass is discarded and every date is read day-first', async () => {
    // On PostgreSQL over a batch of rows before the day-first date, so the direct import had written some.
    const early = pg ? 5200 : 20;
    const rows = ['Name,Website,Created Date'];
    for (let i = 1; i <= early; i++) rows.push(`Early ${i},early-${i}.example.com,03/04/2026`);
    rows.push('Late Co,late.example.com,25/04/2026');
    const t = testApp(db);
    const { answer, job } = await importNow(t, rows.join('\n'));
    // Not done during the upload: imported from the stored file, reading the column day-first.
    expect(answer.status).toBe('importing');
    expect(job.status).toBe('done');
    expect(job.counts).toMatchObject({ processed: early + 1, new: early + 1, rejected: 0 });
    expect(await tally()).toEqual({ accounts: early + 1, gradeChanges: early + 1, audit: 1 + job.result!.assigned });
    const dates = await db.select({ addedOn: accounts.addedOn, n: count() }).from(accounts).groupBy(accounts.addedOn).orderBy(asc(accounts.addedOn));
    expect(dates).toEqual([
      { addedOn: '2026-04-03', n: early },
      { addedOn: '2026-04-25', n: 1 },
    ]);
  }, 60_000);
});

describe('the upload form’s "Import straight away"', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  const BOUNDARY = '----pipegradeDirectBoundary5Zq1';
  function multipart(parts: ({ name: string; value: string } | { name: string; filename: string; content: string })[]): Uint8Array<ArrayBuffer> {
    const chunks: Buffer[] = [];
    for (const p of parts) {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\n`));
      if ('filename' in p) chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: text/csv\r\n\r\n`), Buffer.from(p.content), Buffer.from('\r\n'));
      else chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
    chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    return new Uint8Array(Buffer.concat(chunks));
  }
  const form = (t: T, parts: Parameters<typeof multipart>[0]) =>
    t.app.request('/imports', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart(parts) });
  const idOf = (res: Response) => Number(/\/imports\/(\d+)$/.exec(res.headers.get('location') ?? '')![1]);

  it('the form offers the checkbox before the file', async () => {
    const html = await (await testApp(db).get('/imports')).text();
    const box = html.indexOf('name="confirm"');
    expect(box).toBeGreaterThan(-1);
    expect(html).toMatch(/<input [^>]*type="checkbox" name="confirm" value="1"[^>]*>\s*Import straight away/);
    expect(box).toBeLessThan(html.indexOf('name="file"'));
  });

  it('ticked: the file is imported and its page says so with the counts', async () => {
    const existing = await insertProspect(db, { name: 'Acme Old Name', domain: 'acme.example.com', employees: 10, revenue: null, growthPct: null, need: null });
    const t = testApp(db);
    const res = await form(t, [
      { name: 'kind', value: 'prospects' },
      { name: 'confirm', value: '1' },
      { name: 'file', filename: 'weekly.csv', content: FILE },
    ]);
    expect(res.status).toBe(303);
    const id = idOf(res);
    await importsIdle(db);
    const [job] = await db.select().from(importJobs).where(eq(importJobs.id, id));
    expect(job).toMatchObject({ status: 'done', fileName: 'weekly.csv', confirmedBy: 'web', newRows: 6, updatedRows: 1, rejectedRows: 2 });
    const page = text(await (await t.get(`/imports/${id}`)).text());
    expect(page).toContain('imported');
    expect(page).toContain('Imported by web');
    for (const c of ['6 were added', '1 were updated', '2 rejected']) expect(page).toContain(c);
    expect((await db.select().from(accounts).where(eq(accounts.id, existing.id)))[0]!.name).toBe('Acme Corporation');
    expect(await n(accounts)).toBe(7);
    expect(text(await (await t.get('/imports')).text())).toContain('weekly.csv imported');
  });

  it('not ticked: the job waits for its mapping, and nothing is written', async () => {
    const t = testApp(db);
    const res = await form(t, [
      { name: 'kind', value: 'prospects' },
      { name: 'file', filename: 'weekly.csv', content: FILE },
    ]);
    expect(res.status).toBe(303);
    const id = idOf(res);
    await importsIdle(db);
    expect((await db.select({ s: importJobs.status }).from(importJobs).where(eq(importJobs.id, id)))[0]!.s).toBe('mapping');
    expect(await tally()).toEqual({ accounts: 0, gradeChanges: 0, audit: 0 });
  });

  it('ticked, with a file whose columns do not map: the job waits for its mapping all the same', async () => {
    const t = testApp(db);
    const res = await form(t, [
      { name: 'kind', value: 'prospects' },
      { name: 'confirm', value: '1' },
      { name: 'file', filename: 'colours.csv', content: 'Colour,Size\nred,10\n' },
    ]);
    expect(res.status).toBe(303);
    await importsIdle(db);
    expect((await db.select({ s: importJobs.status }).from(importJobs).where(eq(importJobs.id, idOf(res))))[0]!.s).toBe('mapping');
    expect(await n(accounts)).toBe(0);
  });
});

describe('the API document and the driver', () => {
  it('the OpenAPI document lists the confirm query parameter of POST /api/imports', async () => {
    const res = await testApp(db, '2026-06-30', undefined, { as: 'anonymous' }).get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { enum?: string[] }; description?: string }[] }>> };
    const params = doc.paths['/api/imports']!.post!.parameters ?? [];
    const confirm = params.find((p) => p.name === 'confirm');
    expect(confirm).toMatchObject({ in: 'query' });
    expect(confirm!.schema?.enum).toEqual(['true', 'false']);
  });

  it.runIf(pg)('postgres.js sockets are patched to send at once (TCP_NODELAY)', () => {
    expect((globalThis as { __pipegradePostgresJsNoDelayPatched?: boolean }).__pipegradePostgresJsNoDelayPatched).toBe(true);
  });
});
