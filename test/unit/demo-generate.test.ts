import { describe, expect, it } from 'vitest';
import { DEMO_CUSTOMER_MONTHS, DEMO_MONTHS, DEMO_REPS, STORY_KEYS, demoTierOf, generateDemo, landsAsPlanned } from '../../src/demo/generate.ts';
import { newDealSchema } from '../../src/customers/validation.ts';
import { FLAGS, makeGrader, type Grading } from '../../src/grading/grading.ts';
import { GRADES, TIMING_SIGNALS, defaultPolicy } from '../../src/policy/policy.ts';
import { newProspectSchema, normalizeDomain, signalSchema } from '../../src/prospects/validation.ts';
import { addMonths } from '../../src/shared/dates.ts';

const policy = defaultPolicy().grading;
const TIERS = defaultPolicy().tiering.tiers.map((t) => t.name);
const TIMING = new Set<string>(TIMING_SIGNALS);

describe.each(['2026-06-30', '2026-11-24', '2027-01-15', '2028-02-29'])('the demo pipeline as of %s', (today) => {
  const { prospects } = generateDemo({ today });
  const grader = makeGrader(policy, today);
  // A customer's grade froze when it converted: the pipeline's grades are those of the accounts still prospects.
  const graded = prospects.filter((p) => !p.convertedOn).map((p) => ({ p, g: grader.grade(p, p.signals) }));
  const customers = prospects.filter((p) => p.convertedOn);
  const share = (pred: (g: Grading) => boolean) => graded.filter(({ g }) => pred(g)).length / graded.length;

  it('is the same for the same seed and day, and different for another seed', () => {
    expect(generateDemo({ today })).toEqual({ prospects });
    expect(generateDemo({ today, seed: 2 })).not.toEqual({ prospects });
  });

  it('has 300 prospects with unique names and domains, each domain derived from its name', () => {
    expect(prospects).toHaveLength(300);
    expect(new Set(prospects.map((p) => p.name.toLowerCase())).size).toBe(300);
    expect(new Set(prospects.map((p) => p.domain)).size).toBe(300);
    for (const p of prospects) {
      expect(normalizeDomain(p.domain)).toBe(p.domain);
      const first = p.name.toLowerCase().split(' ')[0]!.replace(/[^a-z0-9]/g, '');
      expect(p.domain.startsWith(first) || p.domain.startsWith(`get${first}`)).toBe(true);
    }
  });

  it('passes the validation of the prospect, signal and deal forms', () => {
    const prospectForm = newProspectSchema(today), signalForm = signalSchema(today), dealForm = newDealSchema(today);
    for (const p of prospects) {
      expect(prospectForm.safeParse(p).success).toBe(true);
      for (const s of p.signals) {
        const r = signalForm.safeParse(s);
        expect(r.success, `${p.name} ${s.type} ${s.date}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
      }
      for (const d of p.deals) {
        const r = dealForm.safeParse(d);
        expect(r.success, `${p.name} ${d.title} ${d.status}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
        expect(d.createdOn >= p.addedOn && d.createdOn <= today && (d.closedOn === null || d.closedOn >= d.createdOn), `${p.name} ${d.title}`).toBe(true);
      }
    }
  });

  it(`adds prospects over the last ${DEMO_MONTHS} months (customers ${DEMO_CUSTOMER_MONTHS}) and dates no signal before it was added, after today or after it was closed or converted`, () => {
    for (const p of prospects) {
      const earliest = addMonths(today, p.convertedOn ? -DEMO_CUSTOMER_MONTHS : -DEMO_MONTHS);
      expect(p.addedOn >= earliest && p.addedOn <= today, `${p.name} ${p.addedOn}`).toBe(true);
      const end = p.statusOn ?? p.convertedOn ?? today;
      for (const s of p.signals) expect(s.date >= p.addedOn && s.date <= end, `${p.name} ${s.date}`).toBe(true);
      // Logged in date order.
      expect(p.signals.map((s) => s.date)).toEqual(p.signals.map((s) => s.date).sort());
    }
    const months = new Set(prospects.map((p) => p.addedOn.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(DEMO_MONTHS);
  });

  it("keeps each prospect's situation consistent with the catalogue situation of its timing signals", () => {
    for (const p of prospects) {
      for (const s of p.signals.filter((s) => TIMING.has(s.type))) {
        expect(policy.catalogue[s.type as keyof typeof policy.catalogue].situation, `${p.name} ${s.type}`).toBe(p.situation);
      }
    }
  });

  it('logs touches with short notes by a handful of reps, and names the event of every wait', () => {
    const all = prospects.flatMap((p) => p.signals);
    for (const type of ['call', 'meeting', 'email', 'visit', 'note']) expect(all.some((s) => s.type === type)).toBe(true);
    for (const s of all) {
      expect(s.note).toBeTruthy();
      expect(s.note!.length).toBeLessThan(120);
      expect(DEMO_REPS).toContain(s.loggedBy);
    }
    const waits = all.filter((s) => s.type === 'waiting_on_event');
    expect(waits.length).toBeGreaterThan(10);
    for (const s of waits) expect(s.event && s.expectedDate).toBeTruthy();
    expect(new Set(all.map((s) => s.loggedBy)).size).toBe(DEMO_REPS.length);
  });

  it('shows every grade in realistic proportions', () => {
    const open = graded.filter(({ p }) => p.status === 'open');
    const of = (grade: string) => open.filter(({ g }) => g.grade === grade).length / open.length;
    expect(of('A')).toBeGreaterThanOrEqual(0.1);
    expect(of('A')).toBeLessThanOrEqual(0.15);
    expect(of('B')).toBeGreaterThanOrEqual(0.17);
    expect(of('B')).toBeLessThanOrEqual(0.24);
    expect(of('C')).toBeGreaterThanOrEqual(0.26);
    expect(of('C')).toBeLessThanOrEqual(0.36);
    expect(of('D')).toBeGreaterThanOrEqual(0.28);
    for (const grade of GRADES) expect(of(grade)).toBeGreaterThan(0);
  });

  it('shows every flag, slips counted twice or more, low-fit demotions, events and expected dates', () => {
    for (const flag of FLAGS) expect(share((g) => g.flags.includes(flag)), flag).toBeGreaterThan(0.02);
    expect(share((g) => g.slipCount >= 2)).toBeGreaterThan(0);
    expect(share((g) => g.lowFit)).toBeGreaterThan(0.03);
    expect(share((g) => g.timing?.closeBySource === 'event')).toBeGreaterThan(0.03);
    expect(share((g) => g.timing?.closeBySource === 'expected')).toBeGreaterThan(0.02);
    expect(share((g) => g.fit.score === null)).toBeGreaterThan(0);
    // Stale is common but not the rule.
    expect(share((g) => g.flags.includes('stale'))).toBeLessThan(0.5);
  });

  it('closes a few prospects as disqualified or lost, with a reason', () => {
    const closed = prospects.filter((p) => p.status !== 'open');
    expect(closed.some((p) => p.status === 'disqualified')).toBe(true);
    expect(closed.some((p) => p.status === 'lost')).toBe(true);
    expect(closed.length / prospects.length).toBeLessThan(0.1);
    for (const p of closed) expect(p.statusReason && p.statusOn && p.statusOn <= today).toBeTruthy();
    for (const p of prospects.filter((p) => p.status === 'open')) expect(p.statusReason ?? p.statusOn).toBeNull();
  });

  it('lands every story where it was meant to', () => {
    expect(new Set(prospects.map((p) => p.story))).toEqual(new Set(STORY_KEYS));
    for (const { p, g } of graded) expect(landsAsPlanned(p, g), `${p.story}: ${p.name}`).toBe(true);
    for (const p of customers) expect(demoTierOf(p, today), `${p.story}: ${p.name}`).toBe(p.tier);
  });

  it('makes about 15 % customers, in every tier, each converted by its first won deal when it graded A or B', () => {
    expect(customers.length / prospects.length).toBeGreaterThanOrEqual(0.13);
    expect(customers.length / prospects.length).toBeLessThanOrEqual(0.17);
    for (const tier of TIERS) expect(customers.filter((p) => demoTierOf(p, today) === tier).length, tier).toBeGreaterThanOrEqual(5);
    for (const p of customers) {
      expect(p.status).toBe('open');
      const won = p.deals.filter((d) => d.status === 'won');
      expect(won[0], p.name).toMatchObject({ closedOn: p.convertedOn });
      expect(won.every((d) => d.closedOn! >= p.convertedOn! && d.closedOn! <= today)).toBe(true);
      expect(['A', 'B']).toContain(makeGrader(policy, p.convertedOn!).grade(p, p.signals).grade);
      expect(p.signals.every((s) => s.date <= p.convertedOn!)).toBe(true);
    }
    // Some buy again and again over about two years; some have margins and a payment record; some have deals still open or lost.
    expect(customers.some((p) => p.deals.filter((d) => d.status === 'won').length >= 5)).toBe(true);
    expect(customers.some((p) => p.convertedOn! < addMonths(today, -18))).toBe(true);
    expect(customers.filter((p) => p.daysPaidLate !== null && p.paymentOn! > p.convertedOn! && p.paymentOn! <= today).length).toBeGreaterThan(customers.length / 2);
    expect(customers.some((p) => p.deals.some((d) => d.marginPct !== null))).toBe(true);
    expect(customers.some((p) => p.deals.some((d) => d.status === 'open'))).toBe(true);
    expect(customers.some((p) => p.deals.some((d) => d.status === 'lost'))).toBe(true);
  });

  it('gives some prospects open or lost deals, and never a won one', () => {
    const withDeals = prospects.filter((p) => !p.convertedOn && p.deals.length);
    expect(withDeals.length).toBeGreaterThan(20);
    expect(withDeals.some((p) => p.deals.some((d) => d.status === 'open'))).toBe(true);
    expect(withDeals.some((p) => p.deals.some((d) => d.status === 'lost'))).toBe(true);
    for (const p of prospects.filter((p) => !p.convertedOn)) expect(p.deals.every((d) => d.status !== 'won'), p.name).toBe(true);
    for (const p of prospects.filter((p) => p.status === 'lost')) expect(p.deals.some((d) => d.status === 'lost' && d.lostReason === p.statusReason)).toBe(true);
  });
});

describe('generateDemo', () => {
  it.each([2, 3, 42, 2026])('covers every grade, flag and tier with seed %i too', (seed) => {
    const today = '2026-11-24';
    const { prospects } = generateDemo({ today, seed });
    expect(new Set(prospects.filter((p) => p.convertedOn).map((p) => demoTierOf(p, today)))).toEqual(new Set(TIERS));
    const grader = makeGrader(policy, today);
    const graded = prospects.map((p) => grader.grade(p, p.signals));
    for (const grade of GRADES) expect(graded.some((g) => g.grade === grade)).toBe(true);
    for (const flag of FLAGS) expect(graded.some((g) => g.flags.includes(flag))).toBe(true);
    expect(graded.some((g) => g.slipCount >= 2)).toBe(true);
    expect(graded.some((g) => g.lowFit)).toBe(true);
    prospects.forEach((p, i) => expect(landsAsPlanned(p, graded[i]!), `${p.story}: ${p.name}`).toBe(true));
  });

  it('makes 300 prospects in well under 100 ms', () => {
    generateDemo({ today: '2026-11-24', seed: 7 }); // warm up
    const started = performance.now();
    generateDemo({ today: '2026-11-24', seed: 8 });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('keeps names and domains unique at larger counts', () => {
    const { prospects } = generateDemo({ today: '2026-11-24', count: 3000 });
    expect(new Set(prospects.map((p) => p.name.toLowerCase())).size).toBe(3000);
    expect(new Set(prospects.map((p) => p.domain)).size).toBe(3000);
  });

  it('refuses a day that is not a date', () => {
    expect(() => generateDemo({ today: '2026-02-30' })).toThrow(/today/);
  });
});
