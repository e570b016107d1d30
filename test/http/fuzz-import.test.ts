import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { accounts, auditLog } from '../../src/db/schema.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';
import { changedTables, fuzzParams, hostileString, tableDigest, TODAY, XSS, XSS_NEEDLES } from '../fuzz/harness.ts';

// Property-based fuzzing of the CSV import (src/import): random files, from nearly right to
// hostile (script and formula cells, NUL, right-to-left text, dates like 2026-02-30, numbers out of
// range, quotes left open, ragged rows, other separators, a byte-order mark, bytes that are not
// UTF-8), uploaded, dry-run and confirmed through the API. Never a 5xx; a refused upload stores
// nothing; a job ends done with every row counted once (new, updated, unchanged or rejected); what
// is stored passes the same rules as a form; and the pages that show the file's values never run
// them as script.

const database = await testDatabase();
const db = database.db;

type Job = { id: number; status: string; error: string | null; file: { rows: number }; counts: { total: number; new: number; updated: number; unchanged: number; rejected: number } };

/** A website domain as src/prospects/validation.ts accepts it. */
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

const COLUMNS = ['Account Name', 'Website', 'Industry', 'Employees', 'Annual Revenue', 'Growth %', 'Need', 'Situation', 'Created Date', 'Owner'];

/** A value as it might be in each column: mostly plausible, sometimes hostile. */
const plausible: Record<string, fc.Arbitrary<string>> = {
  'Account Name': fc.oneof(fc.constantFrom('Acme, Inc.', 'Gamma "Quoted" LLC', 'Ünïcode GmbH', 'שלום בע״מ', ...XSS, '=HYPERLINK("http://evil.example","x")', '@SUM(1+1)'), fc.string({ minLength: 1, maxLength: 20 })),
  Website: fc.constantFrom('acme.example.com', 'https://www.acme.example.com/about', 'not a website', 'javascript:alert(1)', '', 'xn--bcher-kva.example'),
  Industry: fc.oneof(fc.constantFrom('Retail', '', XSS[1]), fc.string({ maxLength: 10 })),
  Employees: fc.constantFrom('2,500', '51-200', 'n/a', '-5', '1e9', '99999999999', 'NaN', 'Infinity', '12', '', '１２'),
  'Annual Revenue': fc.constantFrom('$40,000,000.00', '18.3 MM', '1.250.000,50', '-1', '1e400', '', 'abc', '9'.repeat(40)),
  'Growth %': fc.constantFrom('15', '-100', '-101', '150000', '3,5', '', 'NaN'),
  Need: fc.constantFrom('High', 'medium', 'urgent', '', 'critical'),
  Situation: fc.constantFrom('greenfield', 'incumbent', 'other', ''),
  'Created Date': fc.constantFrom('2026-03-01', '03/01/2026', '31/12/2026', '2026-02-30', '2026-13-45', '0000-01-01', '9999-12-31', '2027-01-01', '', 'yesterday'),
  Owner: fc.constantFrom('rita@test.invalid', 'Otto Rep', 'nobody@example.com', '', XSS[0]),
};

const quote = (cell: string) => (/[",\r\n;\t|]/.test(cell) || cell.trim() !== cell ? `"${cell.replace(/"/g, '""')}"` : cell);

const row = fc.tuple(...COLUMNS.map((c) => fc.oneof({ weight: 4, arbitrary: plausible[c]! }, { weight: 1, arbitrary: hostileString }))).map((cells) => cells as string[]);

/** A CSV file, usually well formed, sometimes broken in the ways real files are. */
const csvFile: fc.Arbitrary<{ label: string; bytes: Uint8Array<ArrayBuffer> }> = fc
  .record({
    rows: fc.array(row, { minLength: 0, maxLength: 6 }),
    sep: fc.constantFrom(',', ',', ',', ';', '\t'),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    breakage: fc.constantFrom('none', 'none', 'none', 'open quote', 'ragged', 'latin1', 'nul byte', 'empty', 'header only', 'huge cell'),
  })
  .map(({ rows, sep, eol, bom, breakage }) => {
    const lines = [COLUMNS, ...rows].map((cells, i) => {
      let cs = cells.map(quote);
      if (breakage === 'ragged' && i % 2) cs = i % 4 === 1 ? cs.slice(0, 3) : [...cs, 'extra', 'cells'];
      return cs.join(sep);
    });
    if (breakage === 'open quote' && lines.length > 1) lines[1] = `"${lines[1]}`;
    if (breakage === 'header only') lines.splice(1);
    if (breakage === 'huge cell') lines.push(['Huge', 'huge.example.com', 'x'.repeat(300_000)].join(sep));
    let text = breakage === 'empty' ? '' : lines.join(eol) + eol;
    if (bom) text = '\uFEFF' + text;
    let bytes: Uint8Array<ArrayBuffer> = new TextEncoder().encode(text);
    if (breakage === 'latin1') bytes = Uint8Array.from([...Buffer.from(text, 'latin1')]);
    if (breakage === 'nul byte') bytes = Uint8Array.from([...bytes.slice(0, bytes.length >> 1), 0, ...bytes.slice(bytes.length >> 1)]);
    return { label: `${breakage}, ${rows.length} rows, sep ${JSON.stringify(sep)}, eol ${JSON.stringify(eol)}${bom ? ', BOM' : ''}: ${JSON.stringify(text.slice(0, 400))}`, bytes };
  });

const hasImport = testApp(db).hono.routes.some((r) => r.method === 'POST' && r.path === '/api/imports');

describe.runIf(hasImport)('fuzzing the CSV import', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  it('random and hostile files: never a 5xx, every row counted once, only valid values stored, nothing runs as script', async () => {
    const t = testApp(db, TODAY);
    await t.apiUser();
    await t.user();
    await fc.assert(
      fc.asyncProperty(csvFile, async (file) => {
        await importsIdle(db);
        const before = await tableDigest(db);
        const [{ n: accountsBefore }] = (await db.select({ n: count() }).from(accounts)) as [{ n: number }];
        const up = await t.app.request('/api/imports?kind=prospects', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: file.bytes });
        const upText = await up.text();
        const where = `${file.label}\n→ ${up.status} ${upText.slice(0, 400)}`;
        expect(up.status, where).toBeLessThan(500);
        const answer = JSON.parse(upText) as { error?: string; import?: Job; id?: number; issues?: { path: string; message: string }[] };
        if (up.status >= 400) {
          expect(answer.error, where).toBeTruthy();
          // A file whose columns the mapping cannot place is kept (to map by hand); anything else refused stores nothing.
          if (answer.import) expect(answer.issues!.every((i) => i.path.startsWith('mapping.')), where).toBe(true);
          else expect(changedTables(before, await tableDigest(db)), where).toEqual([]);
          return;
        }
        expect(up.status, where).toBe(202);
        await importsIdle(db);
        let job = (await (await t.get(`/api/imports/${answer.id}`)).json()) as Job;
        expect(job.status, `${where}\njob: ${JSON.stringify(job).slice(0, 400)}`).toBe('ready');
        const confirmed = await t.json('POST', `/api/imports/${job.id}/confirm`);
        expect(confirmed.status, where).toBe(202);
        await importsIdle(db);
        job = (await (await t.get(`/api/imports/${job.id}`)).json()) as Job;
        expect(job, where).toMatchObject({ status: 'done', error: null });
        const c = job.counts;
        expect(c.new + c.updated + c.unchanged + c.rejected, `every row counted once: ${where}`).toBe(c.total);
        const [{ n: accountsAfter }] = (await db.select({ n: count() }).from(accounts)) as [{ n: number }];
        expect(accountsAfter - accountsBefore, where).toBe(c.new);
        // What was stored passes the rules a form applies.
        for (const a of await db.select().from(accounts)) {
          expect(a.name.length > 0 && a.name.length <= 200 && !a.name.includes('\u0000'), `name ${JSON.stringify(a.name)}`).toBe(true);
          if (a.domain !== null) expect(a.domain, 'domain').toMatch(HOST);
          if (a.employees !== null) expect(Number.isInteger(a.employees) && a.employees >= 0 && a.employees <= 10_000_000, `employees ${a.employees}`).toBe(true);
          if (a.revenue !== null) expect(a.revenue >= 0 && a.revenue <= 1e15, `revenue ${a.revenue}`).toBe(true);
          if (a.growthPct !== null) expect(a.growthPct >= -100 && a.growthPct <= 100_000, `growth ${a.growthPct}`).toBe(true);
          expect(a.addedOn >= '1900-01-01' && a.addedOn <= TODAY, `added ${a.addedOn}`).toBe(true);
        }
        // The job's pages, its rejects and the list show the file's values as text.
        for (const url of [`/imports/${job.id}`, '/imports', '/prospects?status=open', `/imports/${job.id}/rejects.csv`]) {
          const res = await t.get(url);
          const body = await res.text();
          expect(res.status, url).toBeLessThan(500);
          if ((res.headers.get('content-type') ?? '').includes('text/html')) for (const needle of XSS_NEEDLES) expect(body.includes(needle), `${url} shows ${needle}`).toBe(false);
          if (url.endsWith('.csv')) expect(body.split(/\r?\n/).some((line) => /(^|,)"?[=+@]/.test(line)), `${url} has a formula cell`).toBe(false);
        }
        // Each stored account has its audit row (the import writes them in the same transaction).
        expect(((await db.select({ n: count() }).from(auditLog)) as [{ n: number }])[0].n).toBeGreaterThanOrEqual(c.new);
      }),
      fuzzParams(12),
    );
  }, 120_000);
});
