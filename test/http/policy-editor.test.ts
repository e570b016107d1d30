import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { and, asc, count, eq } from 'drizzle-orm';
import { accounts, auditLog, gradeChanges, jobRuns, policies, tierChanges, users } from '../../src/db/schema.ts';
import { policyToForm } from '../../src/policy/form.ts';
import { currentPolicy } from '../../src/policy/store.ts';
import { policyApplySettings, settleApplications } from '../../src/policy/apply.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { inputValue, testApp, text } from '../support/app.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertCustomer } from '../support/customers.ts';

// The policy editor (GitHub issue #7) through its pages: a what-if preview, saving a version that
// is applied with that version as the cause, 422 and 409 with the manager's values kept, versions
// and restoring, and the audit trail.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));
afterEach(async () => {
  policyApplySettings.inlineLimit = 10_000;
  await settleApplications();
});

let seq = 0;
async function rep(name: string, level: number) {
  seq++;
  const [u] = await db
    .insert(users)
    .values({ email: `${name.toLowerCase().replace(/\W+/g, '.')}.${seq}@test.invalid`, name, role: 'rep', level })
    .returning();
  return u!;
}
const acct = async (id: number) => (await db.select().from(accounts).where(eq(accounts.id, id)))[0]!;
const policyRows = async () => (await db.select({ n: count() }).from(policies))[0]!.n;
const policyAudit = () => db.select().from(auditLog).where(eq(auditLog.entity, 'policy')).orderBy(asc(auditLog.id));

/**
 * A B prospect that an A window of 4 months makes an A (incumbent failing on 2026-04-01 closes by
 * 2026-10-01: past 3 months from 2026-06-30, within 4), owned by a level-2 rep; a senior rep.
 */
async function borderline() {
  const ae = await rep('Ann AE', 2);
  const senior = await rep('Sam Senior', 3);
  const p = await insertProspect(db, { name: 'Borderline Ltd' });
  await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
  await db.update(accounts).set({ ownerId: ae.id }).where(eq(accounts.id, p.id));
  expect((await acct(p.id)).grade).toBe('B');
  return { p, ae, senior };
}

/** The editor's fields for the current policy, with some changed. */
async function formWith(over: Record<string, string>) {
  const { version, policy } = await currentPolicy(db);
  return { ...policyToForm(policy), version: String(version), note: 'test edit', ...over };
}

/** Preview, then save what was previewed, as a manager filling in the form would. */
async function previewAndSave(fields: Record<string, string>) {
  const t = testApp(db);
  const preview = await t.form('/policy/preview', fields);
  expect(preview.status).toBe(200);
  const html = await preview.text();
  const previewed = inputValue(html, 'previewed');
  expect(previewed).toBeTruthy();
  const saved = await t.form('/policy', { ...fields, previewed: previewed! });
  return { preview: html, saved };
}

describe('the editor', () => {
  it('shows every number of the policy in one form, for managers only', async () => {
    const res = await testApp(db).get('/policy/edit');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(inputValue(html, 'grading.windowMonths.A')).toBe('3');
    expect(inputValue(html, 'grading.fit.revenue.steps.2.from')).toBe('100000000');
    expect(inputValue(html, 'tiers.1.name')).toBe('Key');
    expect(inputValue(html, 'tiers.0.callDays')).toBe('30');
    expect(inputValue(html, 'cadence.byGrade.D')).toBe('90');
    expect(inputValue(html, 'ownership.byGrade.A.load')).toBe('4');
    expect(html).toContain('<label for="f-grading.staleDays">Stale after (days without a signal)</label>');
    // No Save button before a preview.
    expect(html).not.toContain('formaction="/policy"');
    expect((await testApp(db).get('/policy')).status).toBe(200);
    expect(await (await testApp(db).get('/policy')).text()).toContain('href="/policy/edit"');
  });

  it('reps may read the policy but not edit, preview or save it', async () => {
    const t = testApp(db, '2026-06-30', undefined, { as: 'rep' });
    expect((await t.get('/policy')).status).toBe(200);
    expect(await (await t.get('/policy')).text()).not.toContain('href="/policy/edit"');
    expect((await t.get('/policy/edit')).status).toBe(403);
    const fields = await formWith({ 'grading.windowMonths.A': '4' });
    expect((await t.form('/policy/preview', fields)).status).toBe(403);
    expect((await t.form('/policy', fields)).status).toBe(403);
    expect((await t.json('PUT', '/api/policy', { version: 1, policy: { grading: { windowMonths: { A: 4 } } } })).status).toBe(403);
    expect((await t.json('POST', '/api/policy/preview', {})).status).toBe(403);
    expect(await policyRows()).toBe(1);
  });
});

describe('the day a version was saved', () => {
  it('reads in TZ_ORG on the policy page and the editor (02:30 UTC on 1 July is 30 June in New York)', async () => {
    await testApp(db).get('/policy'); // the default policy, stored on first use
    await db.update(policies).set({ createdAt: new Date('2026-07-01T02:30:00Z') });
    const ny = { env: { TZ_ORG: 'America/New_York' } };
    const page = text(await (await testApp(db, '2026-07-01', undefined, ny).get('/policy')).text());
    expect(page).toMatch(/saved 2026-06-30 by/);
    const edit = text(await (await testApp(db, '2026-07-01', undefined, ny).get('/policy/edit')).text());
    expect(edit).toMatch(/on 2026-06-30\./);
    const utc = text(await (await testApp(db, '2026-07-01').get('/policy')).text());
    expect(utc).toMatch(/saved 2026-07-01 by/);
  });
});

describe('previewing and saving', () => {
  it('a raised A window: the preview lists the grade and owner it changes, saving applies them with cause policy and the new version', async () => {
    const { p, ae, senior } = await borderline();
    const fields = await formWith({ 'grading.windowMonths.A': '4' });
    const preview = await (await testApp(db).form('/policy/preview', fields)).text();

    const counts = text(preview.match(/<ul class="stats-list"[\s\S]*?<\/ul>/)![0]);
    expect(counts).toContain('1 prospects change grade (B → A: 1)');
    expect(counts).toContain('0 customers change tier');
    expect(counts).toContain('1 accounts need a new owner (1 would go to another rep, 0 find nobody senior enough and are flagged)');
    expect(text(preview.match(/data-testid="preview-rows"[\s\S]*?<\/table>/)![0])).toContain('Borderline Ltd B A');
    // Nothing is written by a preview.
    expect(await policyRows()).toBe(1);
    expect((await acct(p.id)).grade).toBe('B');

    const saved = await testApp(db).form('/policy', { ...fields, previewed: inputValue(preview, 'previewed')! });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/policy/versions/2?saved=1');
    const after = await acct(p.id);
    expect(after).toMatchObject({ grade: 'A', policyVersion: 2, ownerId: senior.id });
    const [change] = await db.select().from(gradeChanges).where(and(eq(gradeChanges.accountId, p.id), eq(gradeChanges.cause, 'policy')));
    expect(change).toMatchObject({ fromGrade: 'B', toGrade: 'A', policyVersion: 2, actor: 'web' });
    const [moved, ...more] = (await db.select().from(auditLog).where(and(eq(auditLog.accountId, p.id), eq(auditLog.action, 'owner_assigned'))).orderBy(asc(auditLog.id))).filter(
      (r) => (r.after as { cause: string }).cause === 'policy',
    );
    expect(more).toEqual([]);
    expect(moved!.before).toMatchObject({ ownerId: ae.id });
    expect(moved!.after).toMatchObject({ ownerId: senior.id, cause: 'policy', policyVersion: 2 });

    const page = await testApp(db).get('/policy/versions/2?saved=1');
    const html = text(await page.text());
    expect(html).toContain('Saved as version 2.');
    expect(html).toContain('Grade A window (months from a timing signal) grading.windowMonths.A 3 4');
    expect(html).toMatch(/Applied As of 2026-06-30: 1 grade changes over 1 open prospects, 0 tier changes over 0 customers, 1 accounts given a new owner/);
  });

  it('records the save in the audit trail with the fields that changed, who saved it and the note', async () => {
    await previewAndSave(await formWith({ 'grading.staleDays': '45', 'tiers.1.minScore': '65', note: 'slower staleness' }));
    const [saved, applied] = await policyAudit();
    expect(saved).toMatchObject({ entity: 'policy', entityId: 2, action: 'saved', actor: 'web' });
    expect(saved!.actorId).toBe((await testApp(db).user())!.id);
    expect(saved!.before).toEqual({ 'grading.staleDays': 30, 'tiering.tiers.1.minScore': 60, version: 1 });
    expect(saved!.after).toEqual({ 'grading.staleDays': 45, 'tiering.tiers.1.minScore': 65, version: 2, note: 'slower staleness' });
    expect(applied).toMatchObject({ entity: 'policy', entityId: 2, action: 'applied' });
    const [row] = await db.select().from(policies).where(eq(policies.version, 2));
    expect(row).toMatchObject({ note: 'slower staleness', createdBy: 'web' });
    // The audit page shows it.
    const audit = text(await (await testApp(db).get('/audit')).text());
    expect(audit).toContain('grading.staleDays: 30 → 45');
  });

  it('the preview counts what saving then does: grades, tiers and owners', async () => {
    await borderline();
    const c1 = await rep('Cal Associate', 1);
    // A C prospect owned by a level-1 rep: C asking for level 2 moves it.
    const cp = await insertProspect(db, { name: 'Cee Co' });
    await insertSignal(db, cp.id, { type: 'need_no_urgency', date: '2026-06-01' });
    await db.update(accounts).set({ ownerId: c1.id }).where(eq(accounts.id, cp.id));
    expect((await acct(cp.id)).grade).toBe('C');
    const customer = await insertCustomer(db, { name: 'Kay Customer' }, [{ value: 120_000, marginPct: 32, closedOn: '2026-03-02' }]);
    expect(customer.tier).toBe('Key');
    const fields = await formWith({ 'grading.windowMonths.A': '4', 'ownership.byGrade.C.minLevel': '2', 'tiers.0.minScore': String(Math.floor(customer.tierScore!)) });
    const api = await testApp(db).json('POST', '/api/policy/preview', {
      policy: { grading: { windowMonths: { A: 4 } }, ownership: { byGrade: { C: { minLevel: 2, load: 2 } } }, tiering: { tiers: [{ name: 'Strategic', minScore: Math.floor(customer.tierScore!) }, { name: 'Key', minScore: 60 }, { name: 'Standard', minScore: 0 }] } },
    });
    expect(api.status).toBe(200);
    const predicted = (await api.json()) as { grades: { changed: number }; tiers: { changed: number }; owners: { changed: number } };
    // Owners: the B that becomes an A (level 2 → 3), the C now asking for level 2, and the customer
    // now Strategic, which needs a level 4 nobody has (flagged unassignable).
    expect(predicted).toMatchObject({ grades: { changed: 1 }, tiers: { changed: 1 }, owners: { changed: 3, assigned: 2, unassignable: 1 } });

    const { saved } = await previewAndSave(fields);
    expect(saved.status).toBe(303);
    const [g] = await db.select({ n: count() }).from(gradeChanges).where(eq(gradeChanges.cause, 'policy'));
    const [t] = await db.select({ n: count() }).from(tierChanges).where(and(eq(tierChanges.cause, 'policy'), eq(tierChanges.policyVersion, 2)));
    const owners = (await db.select().from(auditLog).where(eq(auditLog.entity, 'account'))).filter((r) => (r.after as { cause?: string } | null)?.cause === 'policy');
    expect(owners.map((r) => r.action).sort()).toEqual(['flagged_unassignable', 'owner_assigned', 'owner_assigned']);
    expect({ grades: g!.n, tiers: t!.n, owners: owners.length }).toEqual({ grades: predicted.grades.changed, tiers: predicted.tiers.changed, owners: predicted.owners.changed });
    expect((await acct(customer.id)).tier).toBe('Strategic');
    expect((await acct(cp.id)).ownerId).not.toBe(c1.id);
  });

  it('pages through the changes and switches between grades, tiers and owners', async () => {
    for (let i = 0; i < 3; i++) {
      const p = await insertProspect(db, { name: `Edge ${i}` });
      await insertSignal(db, p.id, { type: 'incumbent_failing', date: '2026-04-01' });
    }
    const t = testApp(db);
    const fields = await formWith({ 'grading.windowMonths.A': '4' });
    const first = await (await t.form('/policy/preview', fields)).text();
    expect(text(first)).toContain('Grades 3');
    expect(text(first.match(/data-testid="preview-rows"[\s\S]*?<\/table>/)![0])).toContain('Edge 0 B A');
    // No rep at all: each new A would find nobody senior enough.
    const owners = await (await t.form('/policy/preview', { ...fields, list: 'grades', show: 'owners' })).text();
    expect(inputValue(owners, 'list')).toBe('owners');
    expect(owners).toContain('aria-pressed="true">Owners');
    expect(text(owners.match(/data-testid="preview-rows"[\s\S]*?<\/table>/)![0])).toContain('Edge 2 A: level 3 nobody unassignable (stays, flagged)');
    const tiers = await (await t.form('/policy/preview', { ...fields, show: 'tiers' })).text();
    expect(text(tiers)).toContain('Nothing in this list changes.');
  });

  it('asks for a preview when the numbers changed since the last one, and saves nothing', async () => {
    const t = testApp(db);
    const fields = await formWith({ 'grading.windowMonths.A': '4' });
    const previewed = inputValue(await (await t.form('/policy/preview', fields)).text(), 'previewed')!;
    const res = await t.form('/policy', { ...fields, 'grading.staleDays': '40', previewed });
    expect(res.status).toBe(200);
    expect(text(await res.text())).toContain('The numbers changed since the last preview');
    expect(await policyRows()).toBe(1);
  });
});

describe('bad input and conflicts', () => {
  it('invalid numbers: 422, the same form with the manager’s values and each field’s message, nothing stored', async () => {
    const { p } = await borderline();
    const fields = await formWith({ 'grading.windowMonths.B': '2', 'grading.staleDays': 'soon', 'tiers.1.minScore': '90', 'grading.fit.need.points.high': '120' });
    for (const path of ['/policy/preview', '/policy']) {
      const res = await testApp(db).form(path, fields);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(inputValue(html, 'grading.staleDays')).toBe('soon');
      expect(inputValue(html, 'grading.windowMonths.B')).toBe('2');
      expect(inputValue(html, 'tiers.1.minScore')).toBe('90');
      expect(html).toContain('<div class="error" id="f-grading.staleDays-err">must be a number</div>');
      expect(html).toContain(`<div class="error" id="f-grading.windowMonths.B-err">must be more months than A&#39;s window (3)</div>`);
      expect(html).toContain('<div class="error" id="f-grading.fit.need.points.high-err">must be 0 to 100 points</div>');
      expect(html).toMatch(/<div class="alert error" id="f-tiers" role="alert">tiers go from best to worst/);
      expect(html).toMatch(/aria-invalid="true"[^>]*aria-describedby="f-grading.staleDays-err"|id="f-grading.staleDays"[^>]*aria-invalid="true"/);
      expect(text(html)).toContain('Please correct these');
      expect(text(html)).toContain('Close windows : windows must widen from A to C');
      expect(text(html)).not.toContain('undefined');
    }
    expect(await policyRows()).toBe(1);
    expect(await policyAudit()).toEqual([]);
    expect((await acct(p.id)).grade).toBe('B');
  });

  it('a note longer than 500 characters is refused on the note', async () => {
    const res = await testApp(db).form('/policy/preview', await formWith({ note: 'x'.repeat(501) }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('<div class="error" id="f-note-err">must be at most 500 characters</div>');
  });

  it('a tier row without a name, and a band half filled in, say so on the field', async () => {
    const res = await testApp(db).form('/policy/preview', await formWith({ 'tiers.3.minScore': '10', 'grading.fit.size.steps.3.from': '5000' }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-tiers.3.name-err">name the tier, or clear the whole row to remove it</div>');
    expect(html).toContain('id="f-grading.fit.size.steps.3.points-err">fill in both, or clear both to remove the band</div>');
  });

  it('saving on an older version: 409, the values kept, who saved the newer one', async () => {
    const fields = await formWith({ 'grading.windowMonths.A': '4' });
    const t = testApp(db);
    const previewed = inputValue(await (await t.form('/policy/preview', fields)).text(), 'previewed')!;
    // Someone else saves meanwhile.
    const other = await testApp(db, '2026-06-30', undefined, { as: 'admin' }).json('PUT', '/api/policy', { version: 1, policy: { grading: { staleDays: 20 } }, note: 'theirs' });
    expect(other.status).toBe(200);
    const res = await t.form('/policy', { ...fields, previewed });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(inputValue(html, 'grading.windowMonths.A')).toBe('4');
    expect(text(html)).toContain('Ada Admin saved version 2');
    expect(text(html)).toContain('while you edited version 1');
    // The form is now based on version 2: a new preview, then save, replaces it.
    expect(inputValue(html, 'version')).toBe('2');
    expect(await policyRows()).toBe(2);
    const again = await previewAndSave({ ...fields, version: '2' });
    expect(again.saved.status).toBe(303);
    const { version, policy } = await currentPolicy(db);
    expect(version).toBe(3);
    // The form carried every number: saving it puts back staleness 30 over theirs.
    expect(policy.grading).toMatchObject({ windowMonths: { A: 4 }, staleDays: 30 });
  });

  it('saving the same numbers is refused: nothing to save', async () => {
    const { saved } = await previewAndSave(await formWith({}));
    expect(saved.status).toBe(422);
    expect(text(await saved.text())).toContain('Nothing to save');
    expect(await policyRows()).toBe(1);
  });
});

describe('versions', () => {
  it('lists every version, shows one with its diff, and restores an old one through the same preview', async () => {
    const { p } = await borderline();
    await previewAndSave(await formWith({ 'grading.windowMonths.A': '4', note: 'longer A' }));
    expect((await acct(p.id)).grade).toBe('A');

    const list = text(await (await testApp(db).get('/policy/versions')).text());
    expect(list).toMatch(/2 \(in force\) .* web longer A/);
    expect(list).toMatch(/1 .* system default/);

    const v1 = await (await testApp(db).get('/policy/versions/1')).text();
    expect(text(v1)).toContain('The first version: nothing before it.');
    expect(v1).toContain('href="/policy/edit?from=1"');

    const edit = await testApp(db).get('/policy/edit?from=1');
    const html = await edit.text();
    expect(inputValue(html, 'grading.windowMonths.A')).toBe('3');
    expect(inputValue(html, 'version')).toBe('2');
    expect(inputValue(html, 'restoring')).toBe('1');
    const fields = { ...policyToForm((await currentPolicy(db)).policy), 'grading.windowMonths.A': '3', version: '2', restoring: '1', note: 'Restore version 1' };
    const { preview, saved } = await previewAndSave(fields);
    expect(text(preview)).toContain('1 prospects change grade (A → B: 1)');
    expect(saved.headers.get('location')).toBe('/policy/versions/3?saved=1');

    const [v1row] = await db.select().from(policies).where(eq(policies.version, 1));
    const [v3row] = await db.select().from(policies).where(eq(policies.version, 3));
    expect(v3row!.body).toEqual(v1row!.body);
    expect((await acct(p.id)).grade).toBe('B');
    const restored = (await policyAudit()).find((r) => r.entityId === 3);
    expect(restored).toMatchObject({ action: 'restored', after: { restoredFrom: 1, 'grading.windowMonths.A': 3 } });
    const [back] = await db.select().from(gradeChanges).where(and(eq(gradeChanges.accountId, p.id), eq(gradeChanges.policyVersion, 3)));
    expect(back).toMatchObject({ fromGrade: 'A', toGrade: 'B', cause: 'policy' });
  });

  it('an unknown version is a 404', async () => {
    expect((await testApp(db).get('/policy/versions/99')).status).toBe(404);
    expect((await testApp(db).get('/policy/edit?from=99')).status).toBe(404);
  });
});

describe('big installs: applying in the background', () => {
  it('answers at once and the version page shows progress until it is applied', async () => {
    const { p } = await borderline();
    policyApplySettings.inlineLimit = 0;
    const { saved } = await previewAndSave(await formWith({ 'grading.windowMonths.A': '4' }));
    expect(saved.status).toBe(303);
    // Either still running (progress shown, and htmx asked to poll) or already done.
    const during = await testApp(db).get('/policy/versions/2', { 'HX-Request': 'true' });
    expect(during.headers.get('vary')).toContain('HX-Request');
    const fragment = await during.text();
    expect(fragment.startsWith('<section class="card application" id="application"')).toBe(true);
    expect(fragment).toMatch(/Applying version 2|Applied/);
    await settleApplications();
    expect((await acct(p.id)).grade).toBe('A');
    const [run] = await db.select().from(jobRuns).where(and(eq(jobRuns.job, 'policy-apply'), eq(jobRuns.runKey, 'v2')));
    expect(run).toMatchObject({ status: 'done', stats: { version: 2, grades: { changed: 1 }, superseded: false } });
    const done = await (await testApp(db).get('/policy/versions/2', { 'HX-Request': 'true' })).text();
    expect(done).toContain('Applied');
    expect(done).not.toContain('hx-trigger');
  });

  it('shows a running application with its progress and asks htmx to poll', async () => {
    await borderline();
    await db.insert(policies).values({ body: (await currentPolicy(db)).policy, note: 'big one', createdBy: 'web' });
    await db.insert(jobRuns).values({ job: 'policy-apply', runKey: 'v2', stats: { phase: 'grades' } });
    const html = await (await testApp(db).get('/policy/versions/2')).text();
    expect(html).toContain('hx-trigger="every 3s"');
    expect(text(html)).toContain('now re-grading open prospects');
    expect(text(html)).toContain('Prospects re-graded 0 % 0 of 1');
    // Applying again while it runs is refused.
    expect((await testApp(db).form('/policy/versions/2/application', {})).status).toBe(409);
  });

  it('an application whose instance stopped can be taken over from the version page', async () => {
    const { p } = await borderline();
    const policy = structuredClone((await currentPolicy(db)).policy);
    policy.grading.windowMonths.A = 4;
    await db.insert(policies).values({ body: policy, note: 'cut off', createdBy: 'web' });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await db.insert(jobRuns).values({ job: 'policy-apply', runKey: 'v2', stats: { phase: 'grades', claim: { host: 'elsewhere', pid: 1, boot: 'x', beatAt: hourAgo } } });
    const page = text(await (await testApp(db).get('/policy/versions/2')).text());
    expect(page).toContain('the instance applying it has probably stopped');
    const res = await testApp(db).form('/policy/versions/2/application', {});
    expect(res.status).toBe(303);
    expect((await acct(p.id)).grade).toBe('A');
    const [run] = await db.select().from(jobRuns).where(eq(jobRuns.runKey, 'v2'));
    expect(run!.status).toBe('done');
  });

  it('a version whose application never ran can be applied from its page', async () => {
    const { p } = await borderline();
    const policy = structuredClone((await currentPolicy(db)).policy);
    policy.grading.windowMonths.A = 4;
    await db.insert(policies).values({ body: policy, note: 'cut off', createdBy: 'web' });
    const page = text(await (await testApp(db).get('/policy/versions/2')).text());
    expect(page).toContain('Not applied');
    const res = await testApp(db).form('/policy/versions/2/application', {});
    expect(res.status).toBe(303);
    expect((await acct(p.id)).grade).toBe('A');
    expect((await testApp(db).form('/policy/versions/2/application', {})).status).toBe(409);
    expect((await testApp(db).form('/policy/versions/1/application', {})).status).toBe(409);
  });
});
