import { beforeEach, describe, expect, it } from 'vitest';
import { asc, eq, ne } from 'drizzle-orm';
import { accounts, auditLog, deals, gradeChanges, signals, tierChanges } from '../../src/db/schema.ts';
import { createDeal, deleteDeal, editDeal, loseDeal, recordPayment, reopenDeal, winDeal } from '../../src/customers/deal-actions.ts';
import { newDealSchema } from '../../src/customers/validation.ts';
import { changeStatus } from '../../src/prospects/actions.ts';
import { resetDatabase, testDatabase } from '../support/db.ts';
import { insertProspect, insertSignal } from '../support/factories.ts';
import { insertDeal } from '../support/customers.ts';

// The first won deal converts a prospect into a customer in one transaction; undoing the only won
// deal turns it back. PGlite runs transactions one after another, PostgreSQL really overlaps them:
// both must end in the same state.

const database = await testDatabase();
const db = database.db;
beforeEach(() => resetDatabase(database));

const today = '2026-06-30';
const ctx = { today, actor: { name: 'Maya Patel' } };
const deal = (over: Record<string, unknown>) => newDealSchema(today).parse({ title: 'Licences', value: 20_000, marginPct: 30, ...over });

async function row(id: number) {
  const [r] = await db.select().from(accounts).where(eq(accounts.id, id));
  return r!;
}
const gradeRows = (id: number) => db.select().from(gradeChanges).where(eq(gradeChanges.accountId, id)).orderBy(asc(gradeChanges.id));
const tierRows = (id: number) => db.select().from(tierChanges).where(eq(tierChanges.accountId, id)).orderBy(asc(tierChanges.id));
// The audit rows of the deal actions (the fixtures' own prospect and signal rows, by 'test', are left out).
const auditRows = () => db.select().from(auditLog).where(ne(auditLog.actor, 'test')).orderBy(asc(auditLog.id));

/** An A prospect (selection started this month): fit 79.5. */
async function hotProspect(over: Record<string, unknown> = {}) {
  const p = await insertProspect(db, { name: 'Acme Corp', ...over });
  await insertSignal(db, p.id, { type: 'selection_started', date: '2026-06-01' });
  return row(p.id);
}

describe('the first won deal', () => {
  it('converts the prospect in place: same id, kind customer, grade frozen as closed at, tier scored at once', async () => {
    const p = await hotProspect();
    expect(p).toMatchObject({ kind: 'prospect', grade: 'A', fit: 79.5 });
    const r = await createDeal(db, p.id, deal({ status: 'won', closedOn: '2026-06-20' }), ctx);
    expect(r).toMatchObject({ ok: true, converted: true, reopened: null, reversed: false });
    // 20 k in the last 12 months → 50, lifetime 20 k → 20, margin 30 % → 80, first year: prior fit 79.5 stands in for growth; credit unknown.
    expect(await row(p.id)).toMatchObject({
      id: p.id,
      kind: 'customer',
      status: 'open',
      grade: 'A',
      closedGrade: 'A',
      convertedOn: '2026-06-20',
      fit: 79.5,
      tier: 'Standard',
      tierScore: 57.4,
      tieredOn: today,
      tierPolicyVersion: 1,
      version: p.version + 1,
    });
    expect((await row(p.id)).tierReason).toMatch(/^Standard: score 57\.4 \(incomplete\)/);
    // Its signals stay with it.
    expect(await db.select().from(signals).where(eq(signals.accountId, p.id))).toHaveLength(1);
  });

  it('records the conversion in the grade history and the tier history, with who and when', async () => {
    const p = await hotProspect();
    const before = await gradeRows(p.id);
    await createDeal(db, p.id, deal({ status: 'won', closedOn: '2026-06-20' }), ctx);
    const grades = await gradeRows(p.id);
    expect(grades.slice(0, before.length)).toEqual(before);
    expect(grades.slice(before.length)).toEqual([
      expect.objectContaining({ fromGrade: 'A', toGrade: 'A', cause: 'converted', actor: 'Maya Patel', asOf: today, reason: 'converted: closed at grade A on 2026-06-20' }),
    ]);
    const tiers = await tierRows(p.id);
    expect(tiers).toEqual([expect.objectContaining({ fromTier: null, toTier: 'Standard', score: 57.4, cause: 'converted', actor: 'Maya Patel', asOf: today })]);
    expect(tiers[0]!.reasons).toEqual(expect.arrayContaining([expect.stringContaining('Deal “Licences” won on 2026-06-20'), 'Tier Standard as of 2026-06-30.']));
  });

  it('writes an audit row for the deal and one for the account, with before and after', async () => {
    const p = await hotProspect();
    const r = await createDeal(db, p.id, deal({ status: 'won' }), ctx);
    const audit = await auditRows();
    expect(audit.map((a) => [a.entity, a.action, a.actor, a.accountId])).toEqual([
      ['deal', 'created', 'Maya Patel', p.id],
      ['account', 'converted', 'Maya Patel', p.id],
    ]);
    expect(audit[0]).toMatchObject({ entityId: r.ok && r.deal!.id, before: null, after: expect.objectContaining({ title: 'Licences', status: 'won', closedOn: today }) });
    expect(audit[1]).toMatchObject({ before: expect.objectContaining({ kind: 'prospect', tier: null }), after: expect.objectContaining({ kind: 'customer', tier: 'Standard', closedGrade: 'A' }) });
  });

  it('winning an open deal later converts too, closed on the day given', async () => {
    const p = await hotProspect();
    const open = await insertDeal(db, p.id, { title: 'Pilot', value: 250_000, marginPct: 45 });
    expect(open).toMatchObject({ converted: false });
    expect(await row(p.id)).toMatchObject({ kind: 'prospect', tier: null });
    const r = await winDeal(db, open.deal!.id, { closedOn: '2026-06-25', version: 1 }, ctx);
    expect(r).toMatchObject({ ok: true, converted: true, deal: expect.objectContaining({ status: 'won', closedOn: '2026-06-25', version: 2 }) });
    expect(await row(p.id)).toMatchObject({ kind: 'customer', convertedOn: '2026-06-25', tier: 'Strategic', tierScore: 91.1 });
  });

  it('on a lost or disqualified prospect reopens and converts it, and says so', async () => {
    for (const status of ['lost', 'disqualified'] as const) {
      const p = await hotProspect({ name: `Gone ${status}`, domain: `${status}.example.com` });
      expect((await changeStatus(db, p.id, { status, reason: 'Went quiet' }, ctx)).ok).toBe(true);
      const r = await createDeal(db, p.id, deal({ status: 'won' }), ctx);
      expect(r).toMatchObject({ ok: true, converted: true, reopened: { status, reason: 'Went quiet' } });
      expect(await row(p.id)).toMatchObject({ kind: 'customer', status: 'open', statusReason: null, closedGrade: 'A', tier: 'Standard' });
      const conversion = (await gradeRows(p.id)).at(-1)!;
      expect(conversion).toMatchObject({ cause: 'converted', reason: `converted: closed at grade A on ${today} (reopened from ${status})` });
      expect(conversion.reasons).toContain(`It was ${status} (Went quiet): the won deal reopened it.`);
      expect((await auditRows()).at(-1)).toMatchObject({ entity: 'account', action: 'reopened_and_converted', before: expect.objectContaining({ status }) });
    }
  });
});

describe('a second won deal', () => {
  it('never converts again, but re-scores the tier (cause deal)', async () => {
    const p = await hotProspect();
    await insertDeal(db, p.id, { status: 'won', closedOn: '2026-05-01' });
    const converted = await row(p.id);
    const r = await createDeal(db, p.id, deal({ title: 'Expansion', value: 100_000, status: 'won', closedOn: '2026-06-20' }), ctx);
    expect(r).toMatchObject({ ok: true, converted: false, reversed: false });
    // 120 k in 12 months → 80, lifetime 120 k → 50, margin 30 % → 80, prior fit 79.5: 74.3.
    expect(await row(p.id)).toMatchObject({ kind: 'customer', convertedOn: '2026-05-01', closedGrade: 'A', version: converted.version, tier: 'Key', tierScore: 74.3 });
    expect((await gradeRows(p.id)).filter((g) => g.cause === 'converted')).toHaveLength(1);
    expect((await tierRows(p.id)).map((t) => [t.fromTier, t.toTier, t.cause])).toEqual([
      [null, 'Standard', 'converted'],
      ['Standard', 'Key', 'deal'],
    ]);
  });

  it('re-scores without a tier change row when the tier stays', async () => {
    const p = await hotProspect();
    await insertDeal(db, p.id, { status: 'won' });
    await insertDeal(db, p.id, { status: 'won', value: 1000 });
    expect(await row(p.id)).toMatchObject({ tier: 'Standard', tierScore: 57.4 }); // 21 k still in the 10–50 k band
    expect(await tierRows(p.id)).toHaveLength(1);
  });
});

describe('undoing a wrongly entered won deal', () => {
  async function converted() {
    const p = await hotProspect();
    const won = await insertDeal(db, p.id, { title: 'Licences', status: 'won', closedOn: '2026-06-20' });
    return { p, won: won.deal! };
  }

  it('by deleting the only won deal reverses the conversion: prospect again, open, tier cleared, re-graded today', async () => {
    const { p, won } = await converted();
    const r = await deleteDeal(db, won.id, won.version, ctx);
    expect(r).toMatchObject({ ok: true, deal: null, reversed: true, converted: false });
    expect(await row(p.id)).toMatchObject({
      kind: 'prospect',
      status: 'open',
      closedGrade: null,
      convertedOn: null,
      tier: null,
      tierScore: null,
      tierReason: null,
      tieredOn: null,
      tierPolicyVersion: null,
      grade: 'A',
      gradedOn: today,
    });
    expect(await db.select().from(deals)).toEqual([]);
    expect((await gradeRows(p.id)).at(-1)).toMatchObject({ cause: 'conversion_reversed', fromGrade: 'A', toGrade: 'A', actor: 'Maya Patel', asOf: today });
    expect((await tierRows(p.id)).at(-1)).toMatchObject({ fromTier: 'Standard', toTier: null, score: null, cause: 'conversion_reversed', reasons: [expect.stringContaining('“Licences” was deleted')] });
    expect((await auditRows()).slice(-2).map((a) => [a.entity, a.action])).toEqual([
      ['deal', 'deleted'],
      ['account', 'conversion_reversed'],
    ]);
  });

  it('by reopening the only won deal reverses the conversion too, and a grade that moved meanwhile is re-graded as of today', async () => {
    const p = await insertProspect(db, { addedOn: '2026-01-10' }, '2026-01-10');
    await insertSignal(db, p.id, { type: 'selection_started', date: '2026-01-10' }, '2026-01-10');
    const won = await insertDeal(db, p.id, { status: 'won', closedOn: '2026-01-20' }, '2026-01-20');
    expect(await row(p.id)).toMatchObject({ kind: 'customer', closedGrade: 'A' });
    // As of today the A signal's close-by date (2026-04-10) has passed: slipped to B.
    const r = await reopenDeal(db, won.deal!.id, undefined, ctx);
    expect(r).toMatchObject({ ok: true, reversed: true, deal: expect.objectContaining({ status: 'open', closedOn: null }) });
    expect(await row(p.id)).toMatchObject({ kind: 'prospect', status: 'open', tier: null, grade: 'B', flags: ['slipped', 'stale'], gradedOn: today });
    expect((await gradeRows(p.id)).at(-1)).toMatchObject({ cause: 'conversion_reversed', fromGrade: 'A', toGrade: 'B' });
    expect((await tierRows(p.id)).at(-1)).toMatchObject({ cause: 'conversion_reversed', reasons: [expect.stringContaining('was reopened')] });
  });

  it('when another won deal remains only re-scores the tier', async () => {
    const { p, won } = await converted();
    await insertDeal(db, p.id, { title: 'Expansion', value: 100_000, status: 'won', closedOn: '2026-06-25' });
    expect(await row(p.id)).toMatchObject({ tier: 'Key' });
    const r = await deleteDeal(db, won.id, undefined, ctx);
    expect(r).toMatchObject({ ok: true, reversed: false });
    // 100 k → 80, lifetime 100 k → 50, margin 80, prior fit 79.5: 74.3 still Key.
    expect(await row(p.id)).toMatchObject({ kind: 'customer', convertedOn: '2026-06-20', tier: 'Key', tierScore: 74.3 });
    const second = (await db.select().from(deals))[0]!;
    const again = await reopenDeal(db, second.id, second.version, ctx);
    expect(again).toMatchObject({ ok: true, reversed: true });
    expect(await row(p.id)).toMatchObject({ kind: 'prospect', tier: null });
  });

  it('deleting an open or lost deal leaves a customer as it is', async () => {
    const { p } = await converted();
    const open = await insertDeal(db, p.id, { title: 'Upsell' });
    const tiersBefore = await tierRows(p.id);
    expect(await deleteDeal(db, open.deal!.id, undefined, ctx)).toMatchObject({ ok: true, reversed: false });
    expect(await row(p.id)).toMatchObject({ kind: 'customer', tier: 'Standard' });
    expect(await tierRows(p.id)).toEqual(tiersBefore);
  });
});

describe('deal rules', () => {
  it('refuses to win a lost deal, to lose a won deal, and to repeat a state, changing nothing', async () => {
    const p = await hotProspect();
    const lost = await insertDeal(db, p.id, { status: 'lost', lostReason: 'Price' });
    const won = await insertDeal(db, p.id, { status: 'won' });
    const open = await insertDeal(db, p.id, { title: 'Open one' });
    const snapshot = async () => ({ accounts: await db.select().from(accounts), deals: await db.select().from(deals).orderBy(asc(deals.id)), audit: (await auditRows()).length, tiers: (await tierRows(p.id)).length });
    const before = await snapshot();
    expect(await winDeal(db, lost.deal!.id, { closedOn: today }, ctx)).toEqual({ ok: false, reason: 'invalid', errors: { status: 'This deal was lost: reopen it before marking it won.' } });
    expect(await loseDeal(db, won.deal!.id, { lostReason: 'x', closedOn: today }, ctx)).toEqual({ ok: false, reason: 'invalid', errors: { status: 'This deal was won: reopen it before marking it lost.' } });
    expect(await winDeal(db, won.deal!.id, { closedOn: today }, ctx)).toMatchObject({ ok: false, errors: { status: 'This deal is already won.' } });
    expect(await loseDeal(db, lost.deal!.id, { lostReason: 'x', closedOn: today }, ctx)).toMatchObject({ ok: false, errors: { status: 'This deal is already lost.' } });
    expect(await reopenDeal(db, open.deal!.id, undefined, ctx)).toMatchObject({ ok: false, errors: { status: 'This deal is already open.' } });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a win, loss, edit, reopening or deletion based on an old version with a conflict, changing nothing', async () => {
    const p = await hotProspect();
    const d = (await insertDeal(db, p.id, { title: 'Pilot' })).deal!;
    expect(await editDeal(db, d.id, 1, { value: 30_000 }, ctx)).toMatchObject({ ok: true, deal: expect.objectContaining({ value: 30_000, version: 2 }) });
    for (const stale of [
      () => winDeal(db, d.id, { closedOn: today, version: 1 }, ctx),
      () => loseDeal(db, d.id, { lostReason: 'x', closedOn: today, version: 1 }, ctx),
      () => editDeal(db, d.id, 1, { value: 1 }, ctx),
      () => reopenDeal(db, d.id, 1, ctx),
      () => deleteDeal(db, d.id, 1, ctx),
    ]) {
      expect(await stale()).toMatchObject({ ok: false, reason: 'conflict', current: expect.objectContaining({ version: 2, value: 30_000 }) });
    }
    expect(await db.select().from(deals)).toEqual([expect.objectContaining({ status: 'open', value: 30_000, version: 2 })]);
    expect(await row(p.id)).toMatchObject({ kind: 'prospect' });
  });

  it('unknown accounts and deals are not found and nothing is written', async () => {
    expect(await createDeal(db, 4242, deal({}), ctx)).toEqual({ ok: false, reason: 'not_found' });
    expect(await winDeal(db, 4242, { closedOn: today }, ctx)).toEqual({ ok: false, reason: 'not_found' });
    expect(await deleteDeal(db, 4242, undefined, ctx)).toEqual({ ok: false, reason: 'not_found' });
    const p = await hotProspect();
    expect(await recordPayment(db, p.id, { daysPaidLate: 3 }, ctx)).toEqual({ ok: false, reason: 'not_found' }); // a prospect has no payment record
    expect(await db.select().from(deals)).toEqual([]);
    expect(await auditRows()).toEqual([]);
  });

  it('a payment record re-scores the tier (cause payment) and is audited', async () => {
    const p = await hotProspect();
    await insertDeal(db, p.id, { status: 'won' });
    const r = await recordPayment(db, p.id, { daysPaidLate: 0 }, ctx);
    // Credit 0 days → 100 joins: (1500 + 300 + 2000 + 1200 + 1590) / 100 = 65.9.
    expect(r).toMatchObject({ ok: true, account: expect.objectContaining({ daysPaidLate: 0, tier: 'Key', tierScore: 65.9 }) });
    expect((await tierRows(p.id)).at(-1)).toMatchObject({ fromTier: 'Standard', toTier: 'Key', cause: 'payment' });
    expect((await auditRows()).at(-1)).toMatchObject({ entity: 'account', action: 'payment', after: expect.objectContaining({ daysPaidLate: 0, tier: 'Key' }) });
    const stale = await recordPayment(db, p.id, { daysPaidLate: 90, version: 1 }, ctx);
    expect(stale).toMatchObject({ ok: false, reason: 'conflict' });
    expect(await row(p.id)).toMatchObject({ daysPaidLate: 0 });
  });
});

describe('concurrency', () => {
  it('two deals won at once convert the prospect exactly once', async () => {
    const p = await hotProspect();
    const a = (await insertDeal(db, p.id, { title: 'A' })).deal!;
    const b = (await insertDeal(db, p.id, { title: 'B', value: 100_000 })).deal!;
    const results = await Promise.all([winDeal(db, a.id, { closedOn: today }, ctx), winDeal(db, b.id, { closedOn: today }, ctx)]);
    expect(results.map((r) => r.ok && r.converted).sort()).toEqual([false, true]);
    expect((await gradeRows(p.id)).filter((g) => g.cause === 'converted')).toHaveLength(1);
    const tiers = await tierRows(p.id);
    expect(tiers.filter((t) => t.cause === 'converted')).toHaveLength(1);
    expect(await row(p.id)).toMatchObject({ kind: 'customer', tier: 'Key', tierScore: 74.3 });
    expect((await auditRows()).filter((x) => x.action === 'converted')).toHaveLength(1);
  });

  it('the same deal won twice at once is won once; the other is refused', async () => {
    const p = await hotProspect();
    const d = (await insertDeal(db, p.id)).deal!;
    const results = await Promise.all([winDeal(db, d.id, { closedOn: today, version: 1 }, ctx), winDeal(db, d.id, { closedOn: today, version: 1 }, ctx)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, reason: 'conflict' });
    expect((await gradeRows(p.id)).filter((g) => g.cause === 'converted')).toHaveLength(1);
  });

  it('a win and the deletion of the only other won deal at once leave a consistent customer', async () => {
    const p = await hotProspect();
    const first = (await insertDeal(db, p.id, { status: 'won' })).deal!;
    const open = (await insertDeal(db, p.id, { title: 'Second' })).deal!;
    await Promise.all([deleteDeal(db, first.id, undefined, ctx), winDeal(db, open.id, { closedOn: today }, ctx)]);
    // Whichever ran first, one won deal is left and the account is a customer with a tier.
    expect(await row(p.id)).toMatchObject({ kind: 'customer', tier: 'Standard' });
    expect(await db.select().from(deals)).toEqual([expect.objectContaining({ id: open.id, status: 'won' })]);
  });
});
