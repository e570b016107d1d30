import { beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, actionItems, auditLog, users } from '../../src/db/schema.ts';
import { nameKey } from '../../src/prospects/validation.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { ensureUser } from '../support/auth.ts';

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const W1 = '2026-06-22', W2 = '2026-06-29', W3 = '2026-07-06';

type Acct = typeof accounts.$inferInsert;
async function account(over: Partial<Acct> & { name: string }) {
  const [row] = await db.insert(accounts).values({ nameKey: nameKey(over.name), addedOn: '2026-01-05', grade: 'B', fit: 60, flags: [], ...over }).returning();
  return row!;
}
const set = (id: number, values: Partial<Acct>) => db.update(accounts).set(values).where(eq(accounts.id, id));
const take = async (today: string) => expect((await testApp(db, today).form('/review/snapshots', {})).status).toBe(303);

type ReviewJson = {
  week: { week: string };
  comparedWith: { week: string } | null;
  counts: { key: string; now: number; before: number | null; change: number | null }[];
  matrix: { cells: Record<string, Record<string, number>>; total: number };
  lists: Record<string, { total: number; rows: { accountId: number; name: string; grade: string | null; prevGrade: string | null; slipCount: number; ownerName: string | null }[] }>;
  reps: { ownerId: number | null; name: string; grades: Record<string, number>; stale: number; load: number; utilization: number | null; overdue: number }[];
  trend: { weeks: string[]; values: Record<string, number[]> };
  actionItems: { id: number; text: string; status: string; week: string; version: number }[];
  notes: { body: string }[];
};

/**
 * Two weeks of a small pipeline, Maya's (level 3, North) and Jonas's (level 2, South):
 *   Alpha A→A, Bravo B→A (up), Charlie C→D (down), Delta A→customer (converted), Echo B→lost,
 *   Foxtrot A→B slipped, Golf lost→C (reopened: new), Hotel Standard→Key (up), India D stale both
 *   weeks, and Juliet B added in the second week (new).
 */
async function twoWeeks() {
  const maya = await ensureUser(db, { email: 'maya@test.invalid', name: 'Maya Patel', role: 'rep', level: 3 });
  const jonas = await ensureUser(db, { email: 'jonas@test.invalid', name: 'Jonas Berg', role: 'rep', level: 2 });
  await db.update(users).set({ region: 'North', capacity: 50 }).where(eq(users.id, maya.id));
  await db.update(users).set({ region: 'South' }).where(eq(users.id, jonas.id));
  const m = { ownerId: maya.id }, j = { ownerId: jonas.id };
  const a = {
    alpha: await account({ name: 'Alpha', grade: 'A', closeBy: '2026-08-01', ...m }),
    bravo: await account({ name: 'Bravo', grade: 'B', closeBy: '2026-09-15', ...m }),
    charlie: await account({ name: 'Charlie', grade: 'C', ...m }),
    delta: await account({ name: 'Delta', grade: 'A', ...m }),
    echo: await account({ name: 'Echo', grade: 'B', ...m }),
    foxtrot: await account({ name: 'Foxtrot', grade: 'A', closeBy: '2026-06-25', ...j }),
    golf: await account({ name: 'Golf', grade: 'C', status: 'lost', ...j }),
    hotel: await account({ name: 'Hotel', kind: 'customer', grade: 'A', tier: 'Standard', ...j }),
    india: await account({ name: 'India', grade: 'D', flags: ['stale'], ...j }),
  };
  await take(W1);
  await set(a.bravo.id, { grade: 'A' });
  await set(a.charlie.id, { grade: 'D' });
  await set(a.delta.id, { kind: 'customer', tier: 'Key', convertedOn: '2026-06-24' });
  await set(a.echo.id, { status: 'lost' });
  await set(a.foxtrot.id, { grade: 'B', flags: ['slipped'], slipCount: 1 });
  await set(a.golf.id, { status: 'open' });
  await set(a.hotel.id, { tier: 'Key' });
  const juliet = await account({ name: 'Juliet', grade: 'B', ...j });
  await take(W2);
  return { maya, jonas, ...a, juliet };
}

async function reviewJson(path = `/api/review?week=${W2}`) {
  const res = await testApp(db, W2).get(path);
  expect(res.status).toBe(200);
  return (await res.json()) as ReviewJson;
}
const ids = (rows: { accountId: number }[]) => rows.map((r) => r.accountId);

describe('the review of a week against the week before', () => {
  it('counts by grade and tier with the change, the movement matrix, and every list', async () => {
    const x = await twoWeeks();
    const r = await reviewJson();
    expect(r.week.week).toBe(W2);
    expect(r.comparedWith!.week).toBe(W1);
    const count = (k: string) => r.counts.find((c) => c.key === k)!;
    expect(count('A')).toMatchObject({ before: 3, now: 2, change: -1 }); // Alpha, Delta, Foxtrot → Alpha, Bravo
    expect(count('B')).toMatchObject({ before: 2, now: 2, change: 0 }); // Bravo, Echo → Foxtrot, Juliet
    expect(count('D')).toMatchObject({ before: 1, now: 2, change: 1 });
    expect(count('tier:Key')).toMatchObject({ before: 0, now: 2, change: 2 });
    expect(count('tier:Standard')).toMatchObject({ before: 1, now: 0, change: -1 });
    expect(count('closed')).toMatchObject({ before: 1, now: 1 });

    const c = r.matrix.cells;
    expect(c.A!.A).toBe(1);
    expect(c.B!.A).toBe(1);
    expect(c.C!.D).toBe(1);
    expect(c.A!.converted).toBe(1);
    expect(c.B!.lost).toBe(1);
    expect(c.A!.B).toBe(1);
    expect(c.D!.D).toBe(1);
    expect(c.new!.C).toBe(1); // Golf, reopened
    expect(c.new!.B).toBe(1); // Juliet, added
    expect(r.matrix.total).toBe(9); // every open prospect of either week; Hotel stayed a customer

    expect(ids(r.lists.upgraded!.rows)).toEqual([x.bravo.id, x.hotel.id]);
    expect(ids(r.lists.downgraded!.rows)).toEqual([x.foxtrot.id, x.charlie.id]);
    expect(ids(r.lists.new!.rows)).toEqual([x.juliet.id, x.golf.id]);
    expect(ids(r.lists.converted!.rows)).toEqual([x.delta.id]);
    expect(ids(r.lists.lost!.rows)).toEqual([x.echo.id]);
    expect(r.lists.slipped!.rows).toMatchObject([{ accountId: x.foxtrot.id, slipCount: 1, prevGrade: 'A', grade: 'B' }]);
    expect(ids(r.lists.stale!.rows)).toEqual([x.india.id]);
    expect(ids(r.lists.a_list!.rows)).toEqual([x.alpha.id, x.bravo.id]); // by close-by date
    expect(r.lists.a_list!.rows[0]).toMatchObject({ name: 'Alpha', ownerName: 'Maya Patel' });
    expect(Object.fromEntries(Object.entries(r.lists).map(([k, v]) => [k, v.total]))).toEqual({ upgraded: 2, downgraded: 2, new: 2, converted: 1, lost: 1, slipped: 1, stale: 1, a_list: 2 });
  });

  it('has one line per rep: accounts by grade, stale, load and utilization under the policy', async () => {
    const x = await twoWeeks();
    const r = await reviewJson();
    const maya = r.reps.find((l) => l.ownerId === x.maya.id)!;
    // Alpha A (4) + Bravo A (4) + Charlie D (1) + Delta Key (5); Echo is lost and carries nothing.
    expect(maya).toMatchObject({ grades: { A: 2, B: 0, C: 0, D: 1 }, load: 14, stale: 0 });
    expect(maya.utilization).toBeCloseTo(14 / 50);
    const jonas = r.reps.find((l) => l.ownerId === x.jonas.id)!;
    expect(jonas).toMatchObject({ grades: { A: 0, B: 2, C: 1, D: 1 }, stale: 1 });
    expect(r.trend.weeks).toEqual([W1, W2]);
    expect(r.trend.values.A).toEqual([3, 2]);
  });

  it('renders the page: counts, matrix, lists linking to each account, charts, per rep, and a print link', async () => {
    const x = await twoWeeks();
    const res = await testApp(db, W2).get('/review');
    expect(res.status).toBe(200);
    const html = await res.text();
    const body = text(html);
    expect(body).toContain('Pipeline review: week of 29 Jun 2026');
    expect(body).toContain('Compared with the week of 22 Jun 2026');
    expect(html).toContain(`<a href="/prospects/${x.bravo.id}">Bravo</a>`);
    expect(html).toContain(`<a href="/customers/${x.delta.id}">Delta</a>`);
    expect(body).toMatch(/Upgraded \(2\)/);
    expect(body).toMatch(/Slipped \(1\)/);
    expect(html).toContain('role="img"');
    expect(html).toContain('Open prospects by grade, last 2 weeks');
    expect(body).toContain('Maya Patel');
    expect(html).toContain(`href="/review?week=${W2}&amp;print=1"`);
    expect(html).toContain(`href="/review.csv?week=${W2}&amp;list=upgraded"`);
    // The week before is one link away; the select lists both weeks.
    expect(html).toContain(`href="/review?week=${W1}" rel="prev"`);
    expect(html).toMatch(new RegExp(`<option value="${W2}" selected="">`));
    // A rep reads the review too, but gets no snapshot buttons.
    const rep = await (await testApp(db, W2, undefined, { as: 'rep' }).get('/review')).text();
    expect(rep).toContain('Pipeline review: week of 29 Jun 2026');
    expect(rep).not.toContain('action="/review/snapshots"');
    expect(html).toContain('action="/review/backfills"');
  });

  it('shows the printable view with its print script, an earlier week, and 404 for a week not taken', async () => {
    await twoWeeks();
    const print = await (await testApp(db, W2).get(`/review?week=${W2}&print=1`)).text();
    expect(print).toContain('<script src="/assets/review-print.js" defer');
    expect((await testApp(db, W2).get('/assets/review-print.js')).status).toBe(200);
    const first = text(await (await testApp(db, W2).get(`/review?week=${W1}`)).text());
    expect(first).toContain('The first week taken: nothing to compare with yet.');
    expect((await testApp(db, W2).get('/review?week=2026-01-05')).status).toBe(404);
    expect((await testApp(db, W2).get('/api/review?week=2026-01-05')).status).toBe(404);
    expect((await testApp(db, W2).get('/api/review?week=2026-06-30')).status).toBe(422);
  });

  it('says so when no week was taken yet', async () => {
    const html = await (await testApp(db, W2).get('/review')).text();
    expect(text(html)).toContain('No weekly snapshot has been taken yet.');
    expect(html).toContain('Take this week');
    expect((await testApp(db, W2).get('/api/review')).status).toBe(404);
  });
});

describe('filters', () => {
  it('by owner, level and region narrow the counts, the matrix, the lists and the reps', async () => {
    const x = await twoWeeks();
    const maya = await reviewJson(`/api/review?week=${W2}&owner=${x.maya.id}`);
    expect(ids(maya.lists.upgraded!.rows)).toEqual([x.bravo.id]);
    expect(ids(maya.lists.a_list!.rows)).toEqual([x.alpha.id, x.bravo.id]);
    expect(maya.lists.stale!.total).toBe(0);
    expect(maya.matrix.total).toBe(5);
    expect(maya.reps.map((l) => l.name)).toEqual(['Maya Patel']);
    expect(maya.counts.find((c) => c.key === 'A')).toMatchObject({ before: 2, now: 2 });

    const south = await reviewJson(`/api/review?week=${W2}&region=South`);
    expect(ids(south.lists.new!.rows)).toEqual([x.juliet.id, x.golf.id]);
    expect(south.reps.map((l) => l.name)).toEqual(['Jonas Berg']);
    const level3 = await reviewJson(`/api/review?week=${W2}&level=3`);
    expect(ids(level3.lists.downgraded!.rows)).toEqual([x.charlie.id]);
    const nobody = await reviewJson(`/api/review?week=${W2}&owner=none`);
    expect(nobody.matrix.total).toBe(0);
    expect((await testApp(db, W2).get(`/api/review?level=9`)).status).toBe(422);

    // The page's GET form: a bad value is dropped, a good one kept and shown.
    const page = text(await (await testApp(db, W2).get(`/review?week=${W2}&region=North&level=banana`)).text());
    expect(page).toContain('Showing the accounts of reps in North only.');
    expect(page).not.toContain('Juliet');
  });
});

describe('CSV export', () => {
  it('exports every list with the filters applied', async () => {
    const x = await twoWeeks();
    const res = await testApp(db, W2).get(`/review.csv?week=${W2}&list=upgraded`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain(`review-${W2}-upgraded.csv`);
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('week,list,account_id,name,kind,status,grade,tier,fit,tier_score,close_by,flags,slip_count,open_value,owner_id,owner,week_before,kind_before,status_before,grade_before,tier_before,slip_count_before');
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['Bravo', 'Hotel']);
    expect(lines[1]).toContain(`${W2},upgraded,${x.bravo.id},Bravo,prospect,open,A,`);
    expect(lines[1]).toContain(`,${W1},prospect,open,B,`);

    const csv = async (q: string) => (await (await testApp(db, W2).get(`/review.csv?week=${W2}&${q}`)).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect((await csv(`list=upgraded&owner=${x.jonas.id}`)).slice(1).map((l) => l.split(',')[3])).toEqual(['Hotel']);
    expect((await csv('list=a_list')).slice(1).map((l) => l.split(',')[10])).toEqual(['2026-08-01', '2026-09-15']);
    expect((await csv('list=slipped'))[1]).toContain(',Foxtrot,');
    const reps = await csv('list=reps');
    expect(reps[0]).toContain('owner_id,name,level,region');
    expect(reps.some((l) => l.includes(',Maya Patel,3,North,active,2,0,0,1,'))).toBe(true);
    expect((await testApp(db, W2).get(`/review.csv?week=${W2}&list=nope`)).status).toBe(422);
  });

  it('streams a long list whole, past the first page; the page shows its first rows and pages through it', async () => {
    await db.insert(accounts).values(Array.from({ length: 2105 }, (_, i) => ({ name: `S${i}`, nameKey: `s${i}`, addedOn: '2026-01-05', grade: i < 5 ? 'A' : 'C', flags: ['stale'] })));
    await take(W2);
    const lines = (await (await testApp(db, W2).get(`/review.csv?list=stale`)).text()).trim().split('\r\n');
    expect(lines).toHaveLength(2106);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[2])).size).toBe(2105);

    const t = testApp(db, W2);
    const review = await (await t.get('/review')).text();
    expect(text(review)).toContain('Showing 10 of 2,105: see all 2,105');
    // The whole list, 100 a page, in the review's order (grade, then id), every account once.
    const seen: string[] = [];
    let next: string | undefined = `/review/list?week=${W2}&list=stale`;
    for (let pages = 0; next && pages < 30; pages++) {
      const html: string = await (await t.get(next)).text();
      expect(html).toContain('Stale: week of 29 Jun 2026');
      seen.push(...[...html.matchAll(/<a href="\/prospects\/\d+">(S\d+)<\/a>/g)].map((m) => m[1]!));
      next = html.match(/href="([^"]+)" rel="next"/)?.[1]?.replace(/&amp;/g, '&');
    }
    expect(seen).toHaveLength(2105);
    expect(new Set(seen).size).toBe(2105);
    expect(seen.slice(0, 6)).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5']); // the A ones first
    expect((await t.get(`/review/list?week=${W2}&list=stale&after=nonsense`)).status).toBe(422);
    expect((await t.get(`/review/list?week=${W2}&list=bogus`)).status).toBe(404);
  });
});

describe('notes and action items', () => {
  it('adds a note without JavaScript (303) and with htmx (the section back)', async () => {
    await twoWeeks();
    const t = testApp(db, W2);
    const res = await t.form(`/review/weeks/${W2}/notes`, { body: 'Push Bravo to a demo' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/review?week=${W2}&notice=note#notes`);
    const frag = await t.form(`/review/weeks/${W2}/notes`, { body: 'Second note' }, { 'HX-Request': 'true' });
    expect(frag.status).toBe(200);
    const html = await frag.text();
    expect(html.startsWith('<section class="card review-section" id="notes"')).toBe(true);
    expect(text(html)).toContain('Push Bravo to a demo');
    expect(text(html)).toContain('Second note');
    expect((await reviewJson()).notes.map((n) => n.body)).toEqual(['Push Bravo to a demo', 'Second note']);
    expect(text(await (await t.get(`/review?week=${W1}`)).text())).not.toContain('Push Bravo');
    const blank = await t.form(`/review/weeks/${W2}/notes`, { body: '  ' });
    expect(blank.status).toBe(422);
    expect(await blank.text()).toContain('id="f-body-err">write the note');
    expect((await t.form(`/review/weeks/2026-01-05/notes`, { body: 'x' })).status).toBe(404);
  });

  it('refuses a bad action item with 422, the values kept and a message per field', async () => {
    const x = await twoWeeks();
    const t = testApp(db, W2);
    const res = await t.form(`/review/weeks/${W2}/action-items`, { text: 'Call Bravo', ownerId: '', dueOn: '2026-06-01', accountId: 'abc' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-ownerId-err">choose who will do it');
    expect(html).toContain(`id="f-dueOn-err">cannot be before the week of the review (${W2})`);
    expect(html).toContain('id="f-accountId-err">must be an account number');
    expect(inputValue(html, 'text')).toBe('Call Bravo');
    expect(inputValue(html, 'dueOn')).toBe('2026-06-01');
    expect(inputValue(html, 'accountId')).toBe('abc');
    // Known only to the database: an account that does not exist, a person deactivated.
    await db.update(users).set({ state: 'deactivated' }).where(eq(users.id, x.jonas.id));
    const again = await t.form(`/review/weeks/${W2}/action-items`, { text: 'Call Bravo', ownerId: String(x.jonas.id), dueOn: '2026-07-03', accountId: '99999' }, { 'HX-Request': 'true' });
    expect(again.status).toBe(422);
    const frag = await again.text();
    expect(frag).toContain('id="f-accountId-err">there is no account #99999');
    expect(frag).toContain('id="f-ownerId-err">that person is deactivated');
    expect(frag).toMatch(new RegExp(`<option value="${x.maya.id}"`));
    expect(await db.select().from(actionItems)).toEqual([]);
  });

  it('keeps open items on every later week until done; done ones do not come back', async () => {
    const x = await twoWeeks();
    const t = testApp(db, W2);
    const add = (text: string) => t.form(`/review/weeks/${W2}/action-items`, { text, ownerId: String(x.maya.id), dueOn: '2026-07-03', accountId: String(x.bravo.id) });
    expect((await add('Book the Bravo demo')).status).toBe(303);
    expect((await add('Send Echo a win-back offer')).status).toBe(303);
    const [open, done] = await db.select().from(actionItems).orderBy(actionItems.id);
    const res = await testApp(db, '2026-07-01').form(`/action-items/${done!.id}/completion`, { version: String(done!.version), week: W2 });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/review?week=${W2}&notice=done#actions`);
    expect((await db.select().from(actionItems).where(eq(actionItems.id, done!.id)))[0]).toMatchObject({ status: 'done', doneOn: '2026-07-01', doneBy: 'web', version: 2 });

    await take(W3);
    const next = (await (await testApp(db, W3).get(`/api/review?week=${W3}`)).json()) as ReviewJson;
    expect(next.actionItems.map((i) => [i.text, i.status, i.week])).toEqual([['Book the Bravo demo', 'open', W2]]);
    const page = text(await (await testApp(db, W3).get(`/review?week=${W3}`)).text());
    expect(page).toContain('Book the Bravo demo from the week of 29 Jun 2026');
    expect(page).not.toContain('win-back');
    // Its own week still shows both.
    expect((await reviewJson()).actionItems.map((i) => i.status).sort()).toEqual(['done', 'open']);

    // Reopened, it comes back.
    const reopen = await testApp(db, W3).form(`/action-items/${done!.id}/reopening`, { version: '2', week: W3 }, { 'HX-Request': 'true' });
    expect(reopen.status).toBe(200);
    expect(text(await reopen.text())).toContain('Send Echo a win-back offer');
    expect(open!.status).toBe('open');
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'action_item'), eq(auditLog.entityId, done!.id))).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(['created', 'done', 'reopened']);
    expect(audit[1]).toMatchObject({ actor: 'web', accountId: x.bravo.id, before: { status: 'open' }, after: { status: 'done', doneOn: '2026-07-01' } });
  });

  it('refuses an edit made on an old version with 409, and unknown ids with 404', async () => {
    const x = await twoWeeks();
    const api = testApp(db, W2);
    const created = await api.json('POST', `/api/review/weeks/${W2}/action-items`, { text: 'Chase Foxtrot', ownerId: x.jonas.id, dueOn: '2026-07-10' });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: number; version: number; status: string };
    expect(item).toMatchObject({ version: 1, status: 'open' });
    const first = await api.json('PATCH', `/api/action-items/${item.id}`, { version: 1, status: 'done' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'done', version: 2, doneOn: W2 });
    // Someone still looking at version 1 reopens it: refused, with the current state.
    const stale = await api.json('PATCH', `/api/action-items/${item.id}`, { version: 1, status: 'open' });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ currentVersion: 2, current: { status: 'done' } });
    const page = await testApp(db, W2).form(`/action-items/${item.id}/reopening`, { version: '1', week: W2 });
    expect(page.status).toBe(409);
    expect(text(await page.text())).toContain('“Chase Foxtrot” was changed by someone else meanwhile: it is now done');
    expect((await db.select().from(actionItems))[0]).toMatchObject({ status: 'done', version: 2 });

    expect((await api.json('PATCH', `/api/action-items/99999`, { version: 1, status: 'done' })).status).toBe(404);
    expect((await api.get('/api/action-items/99999')).status).toBe(404);
    expect((await testApp(db, W2).form('/action-items/99999/completion', { version: '1' })).status).toBe(404);
    expect((await api.json('POST', `/api/review/weeks/2026-01-05/action-items`, { text: 'x', ownerId: x.maya.id, dueOn: '2026-07-10' })).status).toBe(404);
    const bad = await api.json('POST', `/api/review/weeks/${W2}/action-items`, { text: '', ownerId: 'x', dueOn: 'soon', extra: 1 });
    expect(bad.status).toBe(422);
    const issues = ((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(issues).toEqual(['dueOn', 'extra', 'ownerId', 'text']);
    expect((await api.json('POST', `/api/review/weeks/${W2}/notes`, { body: 'From the API' })).status).toBe(201);
  });
});
