import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { count, eq, sql } from 'drizzle-orm';
import { accounts, importFileChunks, importJobs } from '../../src/db/schema.ts';
import { importsIdle } from '../../src/import/runner.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { testApp, text } from '../support/app.ts';
import { PEOPLE, ensureUser } from '../support/auth.ts';

// The import pages as a manager uses them without JavaScript: upload (multipart form), check the
// mapping, read the dry run, confirm, and the outcome; progress is a fragment htmx polls.

const database = await testDatabase();
const db = database.db;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

const BOUNDARY = '----pipegradeTestBoundary7MA4YWxkTrZu0gW';

function multipart(parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer | string })[]): Uint8Array<ArrayBuffer> {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\n`));
    if ('filename' in p) chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: text/csv\r\n\r\n`), Buffer.from(p.content), Buffer.from('\r\n'));
    else chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

async function uploadForm(t: ReturnType<typeof testApp>, filename: string, content: Buffer | string, kind = 'prospects') {
  return t.app.request('/imports', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart([{ name: 'kind', value: kind }, { name: 'file', filename, content }]),
  });
}

const idOf = (res: Response) => Number(/\/imports\/(\d+)$/.exec(res.headers.get('location') ?? '')![1]);

describe('the import pages', () => {
  beforeEach(async () => {
    await resetDatabase(database);
    await ensureUser(db, PEOPLE.rep);
    await ensureUser(db, PEOPLE.otherRep);
  });

  it('upload, mapping, dry run, confirm: each step a plain form, each page says where the import stands', async () => {
    const t = testApp(db);
    const home = await t.get('/imports');
    expect(home.status).toBe(200);
    const form = await home.text();
    expect(form).toContain('enctype="multipart/form-data"');
    expect(text(form)).toContain('No imports yet.');

    const up = await uploadForm(t, 'leads.csv', fixture('zoho-leads.csv'));
    expect(up.status).toBe(303);
    const id = idOf(up);
    const mapping = await (await t.get(`/imports/${id}`)).text();
    expect(text(mapping)).toContain('The columns look like a Zoho CRM export');
    // The preset chose Company for the name; the form shows each column's first values.
    expect(mapping).toMatch(/<select id="m-name" name="name">[\s\S]*?<option value="2" selected="">Company<\/option>/);
    expect(text(mapping)).toContain('e.g. Harbor Freight Co · Chargepal · Awthentikz');

    const mapped = await t.form(`/imports/${id}/mapping`, { name: '2', domain: '5', industry: '6', owner: '3', addedOn: '9', revenue: '10', employees: '11', revenueScale: '1' });
    expect(mapped.status).toBe(303);
    await importsIdle(db);
    const dry = text(await (await t.get(`/imports/${id}`)).text());
    expect(dry).toContain('Dry run');
    expect(dry).toContain('3 would be added');
    expect(dry).toContain('Owners that match no one in the team (by email or name): Nobody Known (1)');
    expect(dry).toContain('Harbor Freight Co');
    expect((await db.select({ n: count() }).from(accounts))[0]!.n).toBe(0);

    const confirmed = await t.form(`/imports/${id}/confirm`, {});
    expect(confirmed.status).toBe(303);
    await importsIdle(db);
    const done = text(await (await t.get(`/imports/${id}`)).text());
    expect(done).toContain('3 were added');
    expect((await db.select({ n: count() }).from(accounts))[0]!.n).toBe(3);
    expect(text(await (await t.get('/imports')).text())).toContain('leads.csv imported');
  });

  it('a mapping without the company column is sent back with the field to fix', async () => {
    const t = testApp(db);
    const id = idOf(await uploadForm(t, 'x.csv', 'Colour,Size\nred,10\n'));
    const res = await t.form(`/imports/${id}/mapping`, { name: '', industry: '0', revenueScale: '1' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(text(html)).toContain('choose the column that holds the company name');
    expect(html).toMatch(/<select id="m-industry" name="industry"[^>]*>[\s\S]*?<option value="0" selected="">Colour<\/option>/);
  });

  it('the mapping chosen for a file is offered again for the next file with the same columns', async () => {
    const t = testApp(db);
    const csv = 'Firma,Netz,Leute\nAlpha GmbH,alpha.example.com,10\n';
    const first = idOf(await uploadForm(t, 'a.csv', csv));
    await t.form(`/imports/${first}/mapping`, { name: '0', domain: '1', employees: '2', revenueScale: '1' });
    await importsIdle(db);
    const second = idOf(await uploadForm(t, 'b.csv', 'Firma,Netz,Leute\nBeta GmbH,beta.example.com,20\n'));
    const [job] = await db.select().from(importJobs).where(eq(importJobs.id, second));
    expect(job!.mapping).toMatchObject({ columns: { name: 0, domain: 1, employees: 2 } });
    // And through the API it starts the dry run at once.
    const api = await t.app.request('/api/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'Firma,Netz,Leute\nGamma GmbH,gamma.example.com,30\n' });
    expect(api.status).toBe(202);
    expect((await api.json()).mapping).toMatchObject({ name: 'Firma', domain: 'Netz', employees: 'Leute' });
    await importsIdle(db);
  });

  it('a malformed file and a file too large are refused on the upload page with what to fix', async () => {
    const t = testApp(db);
    const bad = await uploadForm(t, 'bad.csv', fixture('malformed.csv'));
    expect(bad.status).toBe(422);
    expect(text(await bad.text())).toContain('This is not a CSV file we can read: line 4: a quoted field is never closed: a " is missing.');
    const none = await t.app.request('/imports', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart([{ name: 'kind', value: 'prospects' }, { name: 'file', filename: '', content: '' }]) });
    expect(none.status).toBe(422);
    expect(text(await none.text())).toContain('Choose a CSV file to upload.');
    const big = await t.app.request('/imports', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(300 * 1024 * 1024) }, body: multipart([]) });
    expect(big.status).toBe(413);
    expect(text(await big.text())).toContain('The file is larger than the import limit of 200 MiB.');
    expect((await db.select({ n: count() }).from(importJobs))[0]!.n).toBe(0);
  });

  it('shows times in the organisation’s time zone (TZ_ORG), as the audit trail does', async () => {
    const ny = testApp(db, '2026-06-30', undefined, { env: { TZ_ORG: 'America/New_York' } });
    const id = idOf(await uploadForm(ny, 'tz.csv', 'Account Name,Website\nZone Ltd,zone.example.com\n'));
    expect((await ny.form(`/imports/${id}/mapping`, { name: '0', domain: '1', revenueScale: '1' })).status).toBe(303);
    await importsIdle(db);
    expect((await ny.form(`/imports/${id}/confirm`, {})).status).toBe(303);
    await importsIdle(db);
    // Uploaded at 02:30 UTC on July 1, which is 22:30 on June 30 in New York (UTC−4 in summer);
    // finished at 14:05 UTC, 10:05 there.
    await db.update(importJobs).set({ createdAt: new Date('2026-07-01T02:30:00Z'), finishedAt: new Date('2026-07-01T14:05:00Z') }).where(eq(importJobs.id, id));
    const list = text(await (await ny.get('/imports')).text());
    expect(list).toContain('web 2026-06-30 22:30');
    expect(list).not.toContain('2026-07-01 02:30');
    const page = text(await (await ny.get(`/imports/${id}`)).text());
    expect(page).toContain('uploaded by web 2026-06-30 22:30');
    expect(page).toContain('finished 2026-07-01 10:05');
    expect(page).not.toContain('2026-07-01 02:30');
    expect(page).not.toContain('14:05');
    // With TZ_ORG unset (UTC) the same instants read as UTC.
    const utc = text(await (await testApp(db).get(`/imports/${id}`)).text());
    expect(utc).toContain('uploaded by web 2026-07-01 02:30');
    expect(utc).toContain('finished 2026-07-01 14:05');
  });

  it('progress: the page polls a fragment every second while the job runs, and reloads when it is done', async () => {
    const t = testApp(db);
    const id = idOf(await uploadForm(t, 'sf.csv', fixture('salesforce-accounts.csv')));
    await db.update(importJobs).set({ status: 'analyzing', processed: 3, heartbeatAt: sql`now()`, runner: 'elsewhere' }).where(eq(importJobs.id, id));
    const page = await (await t.get(`/imports/${id}`)).text();
    expect(page).toContain(`hx-get="/imports/${id}/progress" hx-trigger="every 1s"`);
    expect(text(page)).toContain('Dry run: 50 %');
    expect(text(page)).toContain('3 of 6 rows');
    const running = await t.get(`/imports/${id}/progress`, { 'HX-Request': 'true' });
    expect(running.headers.get('hx-refresh')).toBeNull();
    await db.update(importJobs).set({ status: 'ready' }).where(eq(importJobs.id, id));
    const finished = await t.get(`/imports/${id}/progress`, { 'HX-Request': 'true' });
    expect(finished.headers.get('hx-refresh')).toBe('true');
    // Without htmx the fragment's address leads to the page.
    expect((await t.get(`/imports/${id}/progress`)).status).toBe(303);
  });

  it('a job whose server stopped (its heartbeat is old) is shown failed, and nothing of it stays', async () => {
    const t = testApp(db);
    const id = idOf(await uploadForm(t, 'sf.csv', fixture('salesforce-accounts.csv')));
    await db.update(importJobs).set({ status: 'importing', runner: 'a server that stopped', heartbeatAt: sql`now() - interval '5 minutes'` }).where(eq(importJobs.id, id));
    const job = await (await t.get(`/api/imports/${id}`)).json();
    expect(job.status).toBe('failed');
    expect(job.error).toBe('The server stopped while this import was being written. Nothing of it was saved; run it again.');
    expect(text(await (await t.get(`/imports/${id}`)).text())).toContain('Nothing of it was saved');
    expect((await db.select({ n: count() }).from(importFileChunks))[0]!.n).toBe(0);
  });

  it('cancel before confirming drops the file; a cancelled import cannot be confirmed', async () => {
    const t = testApp(db);
    const id = idOf(await uploadForm(t, 'sf.csv', fixture('salesforce-accounts.csv')));
    expect((await t.form(`/imports/${id}/cancel`, {})).status).toBe(303);
    expect(text(await (await t.get(`/imports/${id}`)).text())).toContain('This import was cancelled; nothing of it was written.');
    const again = await t.form(`/imports/${id}/confirm`, {});
    expect(again.status).toBe(409);
    expect(text(await again.text())).toContain('this import is cancelled: only a finished dry run can be confirmed');
  });

  it('the rejected rows download as CSV with their lines', async () => {
    const t = testApp(db);
    const id = idOf(await uploadForm(t, 'q.csv', fixture('quoted-newline.csv')));
    await t.form(`/imports/${id}/mapping`, { name: '0', domain: '1', industry: '2', employees: '3', revenueScale: '1' });
    await importsIdle(db);
    const res = await t.get(`/imports/${id}/rejects.csv`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // With a byte-order mark, for spreadsheets.
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe('\uFEFFline,reason\r\n6,"Employees: ""lots"" is not a number"\r\n');
  });
});

describe('who may import', () => {
  beforeEach(() => resetDatabase(database));

  it('reps and people signed out may not; nothing is stored for them', async () => {
    const rep = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    expect((await rep.get('/imports')).status).toBe(403);
    expect((await rep.app.request('/api/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'Name\nX\n' })).status).toBe(403);
    expect((await uploadForm(rep, 'x.csv', 'Name\nX\n')).status).toBe(403);
    const anon = testApp(db, '2026-06-30', undefined, { as: 'anonymous' });
    expect((await anon.app.request('/api/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'Name\nX\n' })).status).toBe(401);
    expect((await anon.get('/imports')).headers.get('location')).toBe('/sign-in?next=%2Fimports');
    expect((await db.select({ n: count() }).from(importJobs))[0]!.n).toBe(0);
    const admin = testApp(db, '2026-06-30', undefined, { as: 'admin' });
    expect((await admin.get('/imports')).status).toBe(200);
  });
});
