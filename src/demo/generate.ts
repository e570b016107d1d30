import { scoreCustomer } from '../customers/tiering.ts';
import { scoreFit } from '../grading/fit.ts';
import { makeGrader, type Grading } from '../grading/grading.ts';
import { defaultPolicy, type Need, type SignalType, type Situation, type TimingSignalType } from '../policy/policy.ts';
import { addDays, addMonths, daysBetween, isIsoDate } from '../shared/dates.ts';

// PURE: a deterministic demo pipeline, relative to `today`. No I/O, no clock, no Math.random:
// the same seed and today always give the same prospects.
//
// Each prospect follows a story (an archetype) chosen so that, graded as of today with the
// default policy, the pipeline shows every grade in realistic proportions and every flag:
// slipped (some more than once), requalify, no timing, incomplete fit, stale, low-fit demotions,
// events and expected dates. A story that does not land where it should (a month-end clamp, an
// unlucky fit) is redrawn, so the mix holds for any seed and any today.
//
// About 15 % of them became customers: their story as a prospect ends on the day their first deal
// was won (up to DEMO_CUSTOMER_MONTHS ago), and won deals follow up to today, drawn so that as of
// today they land in each tier of the default policy. Some prospects have open or lost deals.

export type DemoSignal = {
  type: SignalType;
  date: string;
  expectedDate: string | null;
  event: string | null;
  note: string | null;
  loggedBy: string;
};

export type DemoDeal = {
  title: string;
  value: number;
  marginPct: number | null;
  status: 'open' | 'won' | 'lost';
  expectedCloseOn: string | null;
  closedOn: string | null;
  lostReason: string | null;
  /** The day it was entered (and its author). */
  createdOn: string;
  createdBy: string;
};

export type DemoProspect = {
  name: string;
  domain: string;
  industry: string;
  employees: number | null;
  revenue: number | null;
  growthPct: number | null;
  need: Need | null;
  situation: Situation | null;
  addedOn: string;
  status: 'open' | 'disqualified' | 'lost';
  statusReason: string | null;
  /** The day it was disqualified or lost (null while open). */
  statusOn: string | null;
  /** The rep who works it (logs most of its signals). */
  rep: string;
  /** The story it was drawn from, for tests and curiosity. */
  story: StoryKey;
  /** In the order they were logged (by date; same-day signals in logging order). */
  signals: DemoSignal[];
  /** A customer's calls and visits after it converted, at its tier's cadence; about a third lapsed some time ago. */
  touches: DemoSignal[];
  /** In the order they were entered; the first won deal (if any) converted it on `convertedOn`. */
  deals: DemoDeal[];
  /** The day its first deal was won (a customer from then on), or null for a prospect. */
  convertedOn: string | null;
  /** For a customer: the tier its deals land it in as of today (default policy). */
  tier: DemoTier | null;
  /** Average days paid late, recorded on `paymentOn` (a while after conversion), or null. */
  daysPaidLate: number | null;
  paymentOn: string | null;
};

export type DemoTier = 'Strategic' | 'Key' | 'Standard';

export type DemoOptions = { today: string; seed?: number; count?: number };

export const DEMO_REPS = ['Maya Patel', 'Jonas Berg', 'Aisha Okafor', 'Tom Reilly', 'Lena Novak', 'Carlos Mendes', 'Priya Shah', 'Owen Fischer'] as const;

/** How far back the demo's history reaches: prospects were added in the last DEMO_MONTHS, customers in the last DEMO_CUSTOMER_MONTHS. */
export const DEMO_MONTHS = 13;
export const DEMO_CUSTOMER_MONTHS = 30;

// ---------------------------------------------------------------------------------------------
// Randomness

type Rng = {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  between(lo: number, hi: number): number;
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => (hi <= lo ? lo : lo + Math.floor(next() * (hi - lo + 1)));
  return {
    next,
    int,
    pick: (list) => list[Math.floor(next() * list.length)]!,
    chance: (p) => next() < p,
    between: (lo, hi) => lo + next() * (hi - lo),
  };
}

// ---------------------------------------------------------------------------------------------
// Word lists

const PREFIXES = [
  'Northwind', 'Brightline', 'Bluepeak', 'Cedar', 'Summit', 'Harbor', 'Ironwood', 'Lakeside', 'Redstone', 'Silverline',
  'Granite', 'Evergreen', 'Pinecrest', 'Riverbend', 'Oakridge', 'Westfield', 'Eastgate', 'Clearwater', 'Highland', 'Maple',
  'Copperleaf', 'Stonebridge', 'Sunrise', 'Crescent', 'Foxglove', 'Atlas', 'Meridian', 'Beacon', 'Keystone', 'Trident',
  'Horizon', 'Vantage', 'Pioneer', 'Sterling', 'Orchard', 'Falcon', 'Juniper', 'Willow', 'Aspen', 'Ridgeway',
  'Bayview', 'Coastal', 'Prairie', 'Union', 'Liberty', 'Heritage', 'Frontier', 'Anchor', 'Lighthouse', 'Kestrel',
  'Tamarack', 'Alder', 'Hawthorne', 'Birchwood', 'Larkspur', 'Cobalt', 'Quarry', 'Mosaic', 'Polaris', 'Arbor',
  'Sequoia', 'Greystone', 'Blackwater', 'Fairview', 'Millbrook', 'Thornbury', 'Kingsley', 'Ashford', 'Marlow', 'Wexford',
] as const;

/** Industry → words that end a company name in it. */
const INDUSTRIES: Record<string, readonly string[]> = {
  'Logistics & Transport': ['Logistics', 'Freight', 'Transport', 'Shipping', 'Haulage'],
  Manufacturing: ['Manufacturing', 'Industries', 'Fabrication', 'Components', 'Machining'],
  'Wholesale Distribution': ['Distributors', 'Wholesale', 'Trading', 'Supply Co', 'Imports'],
  Healthcare: ['Health', 'Medical Group', 'Dental Group', 'Clinics', 'Care Partners'],
  Construction: ['Builders', 'Construction', 'Contracting', 'Homes', 'Civil Works'],
  'Professional Services': ['Consulting', 'Partners', 'Advisory', 'Law Group', 'Accountants'],
  'Software & IT Services': ['Software', 'Systems', 'Labs', 'Digital', 'Technologies'],
  Retail: ['Outfitters', 'Stores', 'Home & Garden', 'Market', 'Goods'],
  'Food & Beverage': ['Foods', 'Brewing', 'Bakeries', 'Farms', 'Provisions'],
  'Financial Services': ['Capital', 'Financial', 'Insurance', 'Credit Union', 'Wealth'],
  Education: ['Academy', 'Learning', 'College', 'Schools', 'Training'],
  'Energy & Utilities': ['Energy', 'Power', 'Solar', 'Utilities', 'Renewables'],
};
const INDUSTRY_NAMES = Object.keys(INDUSTRIES);

const VENDORS = ['Corvanta', 'Ledgerly', 'Stackwise', 'OpsHarbor', 'Brightdesk', 'Nimbro'] as const;
const ROLES = ['CFO', 'COO', 'IT director', 'head of operations', 'operations manager', 'procurement lead', 'owner', 'finance manager'] as const;
const SITES = ['warehouse', 'plant', 'head office', 'distribution centre', 'main site'] as const;
const SHOWS = ['regional trade fair', 'industry conference', 'partner webinar', 'chamber of commerce breakfast'] as const;

const EVENTS: readonly ((year: number) => string)[] = [
  (y) => `FY${y} budget approval`,
  () => 'Series B funding round closes',
  () => 'New CFO starts',
  () => 'Move to the new headquarters',
  () => 'Board approves the IT roadmap',
  () => 'Merger with a regional competitor completes',
  () => 'New site opens',
  () => 'Owner hands over to the next generation',
  (y) => `${y} grant funding decision`,
];

/** Per prospect: who we talk to, the system they have (vendor) and the competitor that may win (rival). */
type Fill = { role: string; vendor: string; rival: string; industry: string; site: string; show: string };
type Template = (f: Fill) => string;

const TIMING_NOTES: Record<TimingSignalType, readonly Template[]> = {
  selection_started: [
    () => "RFP out to four vendors; we're on the shortlist",
    (f) => `Evaluation kicked off; the ${f.role} wants a decision this quarter`,
    () => 'Asked for a formal proposal and two references',
    () => 'Selection committee formed; demo to the full team booked',
  ],
  replacement_selection_started: [
    (f) => `Replacing ${f.vendor}: RFP issued to three vendors`,
    (f) => `${f.vendor} contract not renewed; replacement project under way`,
    (f) => `The ${f.role} started the replacement project; we are one of three`,
  ],
  waiting_on_event: [
    () => 'Convinced; nothing moves before the event',
    (f) => `The ${f.role} wants to wait for the event before selecting`,
    () => 'Ready to select once the event is behind them',
  ],
  incumbent_failing: [
    (f) => `Third outage this quarter; ${f.vendor} support can't fix it`,
    (f) => `Escalated twice with ${f.vendor}, still no fix`,
    () => 'Users work around the current system in spreadsheets',
  ],
  self_built_unmaintained: [
    () => 'The developer who built their in-house tool left last year',
    () => 'Homegrown system; nobody left who can change it',
  ],
  need_no_urgency: [
    () => 'Agrees they need it, but no urgency this year',
    (f) => `Interested; wants to see a ${f.industry.toLowerCase()} reference first`,
    () => 'Liked the demo; no project planned yet',
  ],
  incumbent_aging: [
    (f) => `${f.vendor} still works, but reporting is painful`,
    (f) => `Two releases behind on ${f.vendor}; no upgrade plan`,
    () => 'Outgrowing the current setup; not a priority yet',
  ],
  need_denied: [
    () => 'Says spreadsheets work fine for them',
    (f) => `The ${f.role} sees no need at their size`,
    () => 'Not interested; asked us to call back next year',
  ],
  incumbent_satisfied: [
    (f) => `Happy with ${f.vendor}; just renewed support`,
    (f) => `Satisfied with ${f.vendor} and its support`,
  ],
  recently_signed: [
    (f) => `Just signed a 12-month contract with ${f.rival}`,
    (f) => `Went with ${f.rival}; implementation starts next month`,
  ],
  self_build_in_progress: [
    () => 'Building it in-house; two developers on it',
    (f) => `The ${f.role} has IT building their own tool`,
  ],
};

const TOUCH_NOTES: Record<'call' | 'meeting' | 'email' | 'visit' | 'note', readonly Template[]> = {
  call: [
    (f) => `Follow-up call with the ${f.role}; sent a recap`,
    (f) => `Left a voicemail for the ${f.role}`,
    () => 'Check-in call, no change',
    (f) => `Call with the ${f.role} about their timeline`,
    () => 'Quick call: they asked about pricing tiers',
  ],
  meeting: [
    (f) => `Discovery meeting with the ${f.role} and the IT lead`,
    () => 'Product demo for the operations team',
    () => 'Pricing discussion with procurement',
    () => 'Workshop on data migration',
  ],
  email: [
    (f) => `Sent a case study from a ${f.industry.toLowerCase()} customer`,
    () => 'Sent the pricing overview',
    () => 'Shared the ROI calculator',
    () => 'Answered their security questionnaire',
    () => 'Follow-up email, no reply yet',
  ],
  visit: [
    (f) => `On-site visit; toured the ${f.site} with the ${f.role}`,
    () => 'Visited their head office, met the team leads',
  ],
  note: [
    (f) => `New ${f.role} started; re-introduce ourselves`,
    () => 'Saw they are hiring for operations roles',
    () => 'Their website announces a new location',
  ],
};

/** The conversation a timing signal came out of. */
const STEP_TOUCH: Record<'call' | 'meeting' | 'visit', readonly Template[]> = {
  call: [(f) => `Call with the ${f.role}`, (f) => `Long call with the ${f.role} about their plans`],
  meeting: [(f) => `Meeting with the ${f.role} and the IT lead`, (f) => `Review meeting with the ${f.role}`],
  visit: [(f) => `On-site visit; toured the ${f.site} with the ${f.role}`],
};

const FIRST_TOUCH: readonly [DemoSignal['type'], Template][] = [
  ['note', () => 'Inbound demo request from the website'],
  ['note', (f) => `Met at the ${f.show}`],
  ['note', () => 'Referred by an existing customer'],
  ['call', (f) => `Intro call with the ${f.role}`],
  ['email', () => 'Cold email: they replied and asked for a deck'],
];

const DISQUALIFY_REASONS = [
  'Too small: no budget for a system like ours',
  'Outside our service area',
  'Duplicate: handled through the parent company',
  'Consultancy researching for a client, not a buyer',
  'Company is being wound down',
] as const;

// ---------------------------------------------------------------------------------------------
// Stories

const LADDER: Record<Situation, { A: TimingSignalType[]; B: TimingSignalType[]; C: TimingSignalType[]; D: TimingSignalType[] }> = {
  greenfield: { A: ['selection_started'], B: ['waiting_on_event'], C: ['need_no_urgency'], D: ['need_denied'] },
  incumbent: {
    A: ['replacement_selection_started'],
    B: ['incumbent_failing', 'self_built_unmaintained'],
    C: ['incumbent_aging'],
    D: ['incumbent_satisfied', 'self_build_in_progress', 'recently_signed'],
  },
};

type FitProfile = 'strong' | 'good' | 'weak' | 'none';
type Pace = 'hot' | 'warm' | 'cool' | 'cold';

/** A timing signal placed `ago` days before the story's end. */
type Step = { type: TimingSignalType; ago: number; expectedDate?: string; event?: string };

type Plan = {
  situation: Situation | null;
  fit: FitProfile;
  pace: Pace;
  /** The timing signals, oldest first. */
  steps: Step[];
  /** Earlier, cooler timing signals may be added before the first step. */
  prelude?: boolean;
  /** Only touches, or nothing at all. */
  noSignals?: boolean;
  close?: 'disqualified' | 'lost';
};

type StoryCtx = { r: Rng; today: string; maxAge: number; day(ago: number): string };

type Story = {
  weight: number;
  plan(c: StoryCtx): Plan;
  /** Whether the grading as of today tells the story; otherwise it is redrawn. */
  lands?(g: Grading): boolean;
  /** The story ends with the prospect disqualified or lost, some days before today. */
  closes?: boolean;
  /** The story ends with its first won deal: a customer of this tier as of today. */
  converts?: DemoTier;
};

const sit = (r: Rng): Situation => (r.chance(0.5) ? 'greenfield' : 'incumbent');
const eventName = (r: Rng, date: string) => r.pick(EVENTS)(+date.slice(0, 4));

/** Waiting, from `ago` days before the story's end, on an event `eventAgo` days before it (negative: after). */
function waitStep(c: StoryCtx, ago: number, eventAgo: number): Step {
  const event = c.day(eventAgo);
  return { type: 'waiting_on_event', ago, expectedDate: event, event: eventName(c.r, event) };
}

/** A step with a window of `w` in a random situation (the incumbent B has two kinds). */
function stepOf(r: Rng, s: Situation, w: 'A' | 'B' | 'C' | 'D', ago: number): Step {
  return { type: r.pick(LADDER[s][w]), ago };
}

/** Earlier hot signals whose close-by dates passed, so the slip count reaches 2 or 3. */
function earlierSlips(c: StoryCtx, s: Situation, firstAgo: number, n: number): Step[] {
  const out: Step[] = [];
  let ago = firstAgo;
  for (let i = 0; i < n; i++) {
    ago += c.r.int(100, 130); // an A's close-by (+3 months) passes before the next signal
    if (ago > c.maxAge - 3) break;
    out.unshift(stepOf(c.r, s, 'A', ago));
  }
  return out;
}

const STORIES = {
  // A: about 12 %
  a_selecting: {
    weight: 6,
    plan: (c) => {
      const s = sit(c.r), ago = c.r.int(3, 80);
      const step = stepOf(c.r, s, 'A', ago);
      if (c.r.chance(0.35)) step.expectedDate = c.day(-c.r.int(20, 80)); // the decision date they gave
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'hot', steps: [step], prelude: true };
    },
    lands: (g) => g.grade === 'A',
  },
  a_aged_b: {
    // "A B signal logged four months ago now grades A."
    weight: 3,
    plan: (c) => ({ situation: 'incumbent', fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [stepOf(c.r, 'incumbent', 'B', c.r.int(95, 175))], prelude: true }),
    lands: (g) => g.grade === 'A' && g.timing?.catalogueWindow === 'B',
  },
  a_event_passed: {
    weight: 2,
    plan: (c) => {
      const ago = c.r.int(60, 200);
      return { situation: 'greenfield', fit: c.r.pick(['strong', 'good'] as const), pace: 'hot', steps: [waitStep(c, ago, c.r.int(0, Math.min(30, ago - 20)))], prelude: true };
    },
    lands: (g) => g.grade === 'A' && g.timing?.closeBySource === 'event',
  },
  a_contract_ends: {
    weight: 1,
    plan: (c) => ({
      situation: 'incumbent',
      fit: c.r.pick(['strong', 'good'] as const),
      pace: 'hot',
      steps: [{ type: 'incumbent_aging', ago: c.r.int(20, 150), expectedDate: c.day(-c.r.int(25, 80)) }],
    }),
    lands: (g) => g.grade === 'A' && g.timing?.closeBySource === 'expected',
  },

  // B: about 20 %
  b_waiting: {
    weight: 5,
    plan: (c) => ({ situation: 'greenfield', fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [waitStep(c, c.r.int(2, 70), -c.r.int(8, 85))], prelude: true }),
    lands: (g) => g.grade === 'B' && g.timing?.type === 'waiting_on_event',
  },
  b_failing: {
    weight: 4,
    plan: (c) => ({ situation: 'incumbent', fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [stepOf(c.r, 'incumbent', 'B', c.r.int(2, 85))], prelude: true }),
    lands: (g) => g.grade === 'B' && !g.lowFit,
  },
  b_slipped_a: {
    weight: 4,
    plan: (c) => {
      const s = sit(c.r), ago = c.r.int(100, 180);
      const last = stepOf(c.r, s, 'A', ago);
      if (c.r.chance(0.25)) last.expectedDate = c.day(ago - c.r.int(20, 60)); // a decision date that came and went
      const extra = c.r.chance(0.45) ? earlierSlips(c, s, ago, c.r.chance(0.3) ? 2 : 1) : [];
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'cool', steps: [...extra, last], prelude: extra.length === 0 };
    },
    lands: (g) => g.grade === 'B' && g.slipped,
  },
  b_low_fit_a: {
    weight: 2,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: 'weak', pace: 'hot', steps: [stepOf(c.r, s, 'A', c.r.int(3, 60))] };
    },
    lands: (g) => g.grade === 'B' && g.lowFit,
  },
  b_expected_later: {
    weight: 2,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [{ ...stepOf(c.r, s, 'A', c.r.int(2, 40)), expectedDate: c.day(-c.r.int(100, 175)) }], prelude: true };
    },
    lands: (g) => g.grade === 'B' && g.timing?.closeBySource === 'expected',
  },
  b_aged_c: {
    weight: 3,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'cool', steps: [stepOf(c.r, s, 'C', c.r.int(190, 270))] };
    },
    lands: (g) => g.grade === 'B' && g.timing?.catalogueWindow === 'C',
  },

  // C: about 30 %
  c_no_urgency: {
    weight: 10,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: c.r.pick(['strong', 'good', 'good'] as const), pace: 'cool', steps: [stepOf(c.r, s, 'C', c.r.int(1, 170))], prelude: true };
    },
    lands: (g) => g.grade === 'C' && !g.lowFit,
  },
  c_slipped_b: {
    weight: 5,
    plan: (c) => {
      const s = sit(c.r);
      let last: Step;
      if (s === 'greenfield') {
        const ago = c.r.int(150, 300);
        last = waitStep(c, ago, c.r.int(100, ago - 10)); // the event came and went: close-by (+3 months) passed
      } else last = stepOf(c.r, s, 'B', c.r.int(190, 300));
      const extra = c.r.chance(0.35) ? earlierSlips(c, s, last.ago, 1) : [];
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'cold', steps: [...extra, last] };
    },
    lands: (g) => g.grade === 'C' && g.slipped,
  },
  c_no_timing: {
    weight: 7,
    plan: (c) => ({ situation: c.r.chance(0.5) ? null : sit(c.r), fit: 'strong', pace: 'cool', steps: [], noSignals: c.r.chance(0.2) }),
    lands: (g) => g.grade === 'C' && g.flags.includes('no_timing'),
  },
  c_low_fit_b: {
    weight: 4,
    plan: (c) => {
      const s = sit(c.r), ago = c.r.int(2, 80);
      const step = s === 'greenfield' ? waitStep(c, ago, -c.r.int(10, 80)) : stepOf(c.r, s, 'B', ago);
      return { situation: s, fit: 'weak', pace: 'warm', steps: [step] };
    },
    lands: (g) => g.grade === 'C' && g.lowFit,
  },
  c_signed_contract_ends: {
    weight: 2,
    plan: (c) => {
      const ago = c.r.int(10, 150);
      // Signed with a competitor for a year: the end of that contract is the next chance.
      return { situation: 'incumbent', fit: c.r.pick(['strong', 'good'] as const), pace: 'cold', steps: [{ type: 'recently_signed', ago, expectedDate: addMonths(c.day(ago), 12) }] };
    },
    lands: (g) => g.grade === 'C' && g.timing?.closeBySource === 'expected',
  },
  c_event_far: {
    weight: 1,
    plan: (c) => ({ situation: 'greenfield', fit: c.r.pick(['strong', 'good'] as const), pace: 'cool', steps: [waitStep(c, c.r.int(5, 60), -c.r.int(100, 260))] }),
    lands: (g) => g.grade === 'C' && g.timing?.closeBySource === 'event',
  },

  // D: the rest
  d_not_interested: {
    weight: 10,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: c.r.pick(['strong', 'good', 'weak'] as const), pace: 'cold', steps: [{ type: s === 'greenfield' ? 'need_denied' : 'incumbent_satisfied', ago: c.r.int(1, 330) }] };
    },
    lands: (g) => g.grade === 'D' && !g.requalify && g.windowGrade === 'D',
  },
  d_building_or_signed: {
    weight: 4,
    plan: (c) => ({ situation: 'incumbent', fit: c.r.pick(['strong', 'good', 'weak'] as const), pace: 'cold', steps: [{ type: c.r.pick(['self_build_in_progress', 'recently_signed'] as const), ago: c.r.int(1, 330) }] }),
    lands: (g) => g.grade === 'D' && !g.requalify,
  },
  d_requalify: {
    weight: 4,
    plan: (c) => {
      const s = sit(c.r);
      const ago = c.r.int(Math.min(c.maxAge - 5, 370), c.maxAge - 3);
      return { situation: s, fit: c.r.pick(['strong', 'good', 'weak'] as const), pace: 'cold', steps: [stepOf(c.r, s, 'D', ago)] };
    },
    lands: (g) => g.requalify,
  },
  d_no_timing: {
    weight: 6,
    plan: (c) => ({ situation: c.r.chance(0.6) ? null : sit(c.r), fit: c.r.pick(['good', 'weak'] as const), pace: 'cold', steps: [], noSignals: c.r.chance(0.3) }),
    lands: (g) => g.grade === 'D' && g.flags.includes('no_timing'),
  },
  d_nothing_known: {
    weight: 2,
    plan: (c) => ({ situation: null, fit: 'none', pace: 'cold', steps: [], noSignals: c.r.chance(0.5) }),
    lands: (g) => g.fit.score === null,
  },
  d_slipped_c: {
    weight: 2,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'cold', steps: [stepOf(c.r, s, 'C', c.r.int(Math.min(c.maxAge - 5, 370), c.maxAge - 3))] };
    },
    lands: (g) => g.grade === 'D' && g.slipped,
  },
  d_low_fit_c: {
    weight: 3,
    plan: (c) => {
      const s = sit(c.r);
      return { situation: s, fit: 'weak', pace: 'cold', steps: [stepOf(c.r, s, 'C', c.r.int(2, 150))] };
    },
    lands: (g) => g.grade === 'D' && g.lowFit,
  },
  d_event_far: {
    weight: 1,
    plan: (c) => ({ situation: 'greenfield', fit: c.r.pick(['strong', 'good'] as const), pace: 'cold', steps: [waitStep(c, c.r.int(5, 90), -c.r.int(300, 400))] }),
    lands: (g) => g.grade === 'D' && g.timing?.closeBySource === 'event',
  },

  // Out of the pipeline: about 7 %
  x_disqualified: {
    weight: 4,
    closes: true,
    plan: (c) => {
      const denied = c.r.chance(0.4);
      return {
        situation: denied || c.r.chance(0.5) ? 'greenfield' : null,
        fit: c.r.pick(['weak', 'weak', 'none'] as const),
        pace: 'cool',
        steps: denied ? [{ type: 'need_denied', ago: c.r.int(0, 40) }] : [],
        close: 'disqualified',
      };
    },
  },
  x_lost: {
    weight: 3,
    closes: true,
    plan: (c) => {
      const s = sit(c.r);
      const hot = stepOf(c.r, s, 'A', c.r.int(30, 120));
      const end: Step = c.r.chance(0.6) ? { type: 'recently_signed', ago: 0 } : { type: s === 'greenfield' ? 'need_denied' : 'incumbent_satisfied', ago: 0 };
      if (end.type === 'recently_signed') return { situation: 'incumbent', fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [{ ...hot, type: 'replacement_selection_started' }, end], close: 'lost' };
      return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'warm', steps: [hot, end], close: 'lost' };
    },
  },

  // Customers: about 15 %. A hot prospect whose story ends on the day its first deal was won.
  w_strategic: { weight: 5, converts: 'Strategic', plan: (c) => wonPlan(c) },
  w_key: { weight: 6, converts: 'Key', plan: (c) => wonPlan(c) },
  w_standard: { weight: 7, converts: 'Standard', plan: (c) => wonPlan(c) },
} satisfies Record<string, Story>;

function wonPlan(c: StoryCtx): Plan {
  const s = sit(c.r), ago = c.r.int(5, 70);
  // Mostly a selection they ran and we won; sometimes a B they acted on sooner than expected.
  const step = c.r.chance(0.8) ? stepOf(c.r, s, 'A', ago) : s === 'greenfield' ? waitStep(c, ago, c.r.int(0, Math.min(30, ago - 1))) : stepOf(c.r, s, 'B', ago);
  return { situation: s, fit: c.r.pick(['strong', 'good'] as const), pace: 'hot', steps: [step], prelude: true };
}

export type StoryKey = keyof typeof STORIES;
export const STORY_KEYS = Object.keys(STORIES) as StoryKey[];

// ---------------------------------------------------------------------------------------------
// Generation

export function generateDemo(opts: DemoOptions): { prospects: DemoProspect[] } {
  const { today, seed = 1, count = 300 } = opts;
  if (!isIsoDate(today)) throw new Error(`generateDemo: today must be a date (YYYY-MM-DD), got ${String(today)}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`generateDemo: count must be a whole number, got ${count}`);
  const r = makeRng(seed);
  const grader = makeGrader(defaultPolicy().grading, today);
  const earliest = addMonths(today, -DEMO_MONTHS);
  const maxAge = daysBetween(earliest, today);
  const customerMaxAge = daysBetween(addMonths(today, -DEMO_CUSTOMER_MONTHS), today);
  const names = new Set<string>(), domains = new Set<string>();

  const prospects: DemoProspect[] = [];
  for (const key of storyQuota(r, count)) {
    const industry = r.pick(INDUSTRY_NAMES);
    const name = uniqueName(r, industry, names);
    const domain = uniqueDomain(r, name, industry, domains);
    const rep = r.pick(DEMO_REPS);
    const story: Story = STORIES[key];
    let p!: DemoProspect;
    // Redraw until the story lands (a handful of tries at most); the last draw stands regardless.
    for (let attempt = 0; attempt < 60; attempt++) {
      p = draft(r, { key, story, name, domain, industry, rep, today, maxAge: story.converts ? customerMaxAge : maxAge });
      if (story.converts) {
        if (customerLife(r, p, story.converts, today)) break;
      } else if (!story.lands || story.lands(grader.grade(p, p.signals))) break;
    }
    if (!story.converts) prospectDeals(r, p, grader.grade(p, p.signals), today);
    // Their own stream, so adding them left every other draw of the demo as it was.
    else p.touches = customerTouches(makeRng((seed * 7919 + prospects.length + 1) >>> 0), p, today);
    prospects.push(p);
  }
  return { prospects };
}

/** Whether a prospect's grading (as of the `today` it was generated for) tells its story. */
export function landsAsPlanned(p: DemoProspect, g: Grading): boolean {
  const story: Story = STORIES[p.story];
  return !story.lands || story.lands(g);
}

/** A customer's tier as of `today` from its deals and payment record (default policy), as its story meant. */
export function demoTierOf(p: DemoProspect, today: string): string | null {
  if (!p.convertedOn) return null;
  const policy = defaultPolicy();
  const priorFit = scoreFit(p, policy.grading).score;
  return scoreCustomer({ daysPaidLate: p.daysPaidLate, priorFit }, p.deals, policy.tiering, today).tier;
}

// ---------------------------------------------------------------------------------------------
// Deals

const DEAL_TITLES = [
  'Initial licences', 'Implementation services', 'Expansion: second site', 'Annual renewal', 'Additional seats',
  'Support upgrade', 'Training package', 'Integration module', 'Data migration', 'Reporting add-on',
] as const;
const LOST_DEAL_REASONS = ['Lost on price', 'Budget moved to next year', 'Chose a rival for this module', 'Scope cut after a reorganisation'] as const;

/** How each tier's customers buy: when they converted (days ago), deal sizes, how often, margins, days paid late. */
const BUYING: Record<DemoTier, { converted: [number, number]; first: [number, number]; gap: [number, number]; grow: [number, number]; margin: [number, number] | null; late: [number, number] }> = {
  Strategic: { converted: [400, 760], first: [60_000, 150_000], gap: [60, 120], grow: [1, 1.35], margin: [34, 52], late: [0, 8] },
  Key: { converted: [120, 700], first: [20_000, 60_000], gap: [90, 170], grow: [0.85, 1.2], margin: [20, 38], late: [3, 30] },
  Standard: { converted: [40, 760], first: [3_000, 15_000], gap: [200, 400], grow: [0.6, 1.1], margin: [4, 16], late: [15, 80] },
};

const dealValue = (r: Rng, lo: number, hi: number) => roundTo(logUniform(r, lo, hi), 500);

/**
 * A customer's deals from its first win (the day its prospect story ended) to today, with its
 * payment record: drawn until, as of today, they land it in `tier` and its grade when it closed
 * was A or B. Returns false when no draw landed (the caller redraws the whole story).
 */
function customerLife(r: Rng, p: DemoProspect, tier: DemoTier, today: string): boolean {
  const convertedOn = p.convertedOn!;
  const closedGrade = makeGrader(defaultPolicy().grading, convertedOn).grade(p, p.signals).grade;
  if (closedGrade !== 'A' && closedGrade !== 'B') return false;
  const b = BUYING[tier];
  for (let attempt = 0; attempt < 30; attempt++) {
    const deals: DemoDeal[] = [];
    let value = dealValue(r, b.first[0], b.first[1]);
    const margin = () => (b.margin && r.chance(0.9) ? Math.round(r.between(b.margin[0], b.margin[1]) * 10) / 10 : null);
    const won = (closedOn: string, after: string, title: string) =>
      deals.push({ title, value, marginPct: margin(), status: 'won', expectedCloseOn: addDays(closedOn, r.int(-10, 25)), closedOn, lostReason: null, createdOn: maxDate(after, addDays(closedOn, -r.int(10, 60))), createdBy: p.rep });
    won(convertedOn, p.addedOn, DEAL_TITLES[0]);
    for (let day = addDays(convertedOn, r.int(b.gap[0], b.gap[1])); day <= today; day = addDays(day, r.int(b.gap[0], b.gap[1]))) {
      value = roundTo(value * r.between(b.grow[0], b.grow[1]), 500);
      won(day, addDays(convertedOn, 1), r.pick(DEAL_TITLES.slice(1)));
    }
    if (r.chance(0.15)) {
      const closedOn = addDays(convertedOn, r.int(1, Math.max(1, daysBetween(convertedOn, today))));
      deals.push({ title: r.pick(DEAL_TITLES.slice(1)), value: dealValue(r, b.first[0], b.first[1]), marginPct: margin(), status: 'lost', expectedCloseOn: closedOn, closedOn, lostReason: r.pick(LOST_DEAL_REASONS), createdOn: maxDate(addDays(convertedOn, 1), addDays(closedOn, -r.int(10, 60))), createdBy: p.rep });
    }
    if (r.chance(0.35)) deals.push({ title: r.pick(DEAL_TITLES.slice(1)), value: dealValue(r, b.first[0], b.first[1]), marginPct: margin(), status: 'open', expectedCloseOn: addDays(today, r.int(10, 120)), closedOn: null, lostReason: null, createdOn: maxDate(addDays(convertedOn, 1), addDays(today, -r.int(0, 40))), createdBy: p.rep });
    // Payments are known a while after the first invoice; a young customer may have no record yet.
    const paymentOn = addDays(convertedOn, r.int(45, 90));
    const paid = paymentOn <= today && r.chance(0.9);
    Object.assign(p, {
      deals: deals.filter((d) => d.createdOn <= today).sort((x, y) => (x.createdOn < y.createdOn ? -1 : x.createdOn > y.createdOn ? 1 : 0)),
      convertedOn,
      tier,
      daysPaidLate: paid ? r.int(b.late[0], b.late[1]) : null,
      paymentOn: paid ? paymentOn : null,
    });
    if (demoTierOf(p, today) === tier) return true;
  }
  return false;
}

/** Open deals on some warm prospects, and a lost one on a prospect lost to a rival or on a few others. */
function prospectDeals(r: Rng, p: DemoProspect, g: Grading, today: string) {
  const size = p.employees ?? 100;
  const value = () => roundTo(Math.max(2_000, size * r.between(60, 250)), 500);
  if (p.status === 'lost') {
    const closedOn = p.statusOn!;
    p.deals.push({ title: 'Proposal', value: value(), marginPct: null, status: 'lost', expectedCloseOn: closedOn, closedOn, lostReason: p.statusReason, createdOn: maxDate(p.addedOn, addDays(closedOn, -r.int(10, 40))), createdBy: p.rep });
  } else if (p.status === 'open' && (g.grade === 'A' || g.grade === 'B') && r.chance(0.35)) {
    const expected = g.closeBy && g.closeBy > today ? g.closeBy : addDays(today, r.int(20, 150));
    p.deals.push({ title: r.pick(['Proposal', 'Pilot project', 'Initial licences']), value: value(), marginPct: r.chance(0.6) ? r.int(15, 45) : null, status: 'open', expectedCloseOn: expected, closedOn: null, lostReason: null, createdOn: maxDate(p.addedOn, addDays(today, -r.int(0, 30))), createdBy: p.rep });
  } else if (p.status === 'open' && g.grade === 'C' && r.chance(0.1)) {
    const closedOn = maxDate(p.addedOn, addDays(today, -r.int(20, 120)));
    p.deals.push({ title: 'First proposal', value: value(), marginPct: null, status: 'lost', expectedCloseOn: closedOn, closedOn, lostReason: r.pick(LOST_DEAL_REASONS), createdOn: maxDate(p.addedOn, addDays(closedOn, -r.int(10, 40))), createdBy: p.rep });
  }
}

const maxDate = (a: string, b: string) => (a > b ? a : b);

const CUSTOMER_CALLS = ['Quarterly check-in call', 'Call about the renewal', 'Usage review call with the sponsor', 'Followed up a support escalation', 'Catch-up call: plans for next year'] as const;
const CUSTOMER_VISITS = ['On-site account review', 'Visit: planning session for next year', 'Executive visit with the sponsor', 'On-site training follow-up'] as const;

/**
 * A customer's calls and visits since it converted, at its tier's cadence (default policy): on
 * schedule up to today for most, so none is due; about a third lapsed 1.2–2.5 intervals ago, so
 * the reps' home pages have overdue calls and visits to show.
 */
function customerTouches(r: Rng, p: DemoProspect, today: string): DemoSignal[] {
  const cadence = p.tier ? defaultPolicy().cadence.byTier[p.tier] : undefined;
  if (!cadence || !p.convertedOn) return [];
  const lapsed = r.chance(0.33);
  const out: DemoSignal[] = [];
  const series = (every: number, type: () => SignalType, notes: readonly string[]) => {
    const stop = lapsed ? addDays(today, -r.int(Math.round(every * 1.2), Math.round(every * 2.5))) : today;
    for (let day = addDays(p.convertedOn!, r.int(Math.round(every * 0.4), Math.round(every * 0.9))); day <= stop; day = addDays(day, r.int(Math.round(every * 0.6), Math.round(every * 0.95))))
      out.push({ type: type(), date: day, expectedDate: null, event: null, note: r.pick(notes), loggedBy: p.rep });
  };
  series(cadence.callDays, () => 'call', CUSTOMER_CALLS);
  series(cadence.visitDays, () => r.pick(['visit', 'visit', 'meeting'] as const), CUSTOMER_VISITS);
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}


/** The stories for `count` prospects, in the proportions of their weights (largest remainder), shuffled. */
function storyQuota(r: Rng, count: number): StoryKey[] {
  const total = STORY_KEYS.reduce((s, k) => s + STORIES[k].weight, 0);
  const exact = STORY_KEYS.map((k) => (STORIES[k].weight / total) * count);
  const n = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0, left = count - n.reduce((s, x) => s + x, 0); i < left; i++) n[order[i]![1]]!++;
  const keys = STORY_KEYS.flatMap((k, i) => Array<StoryKey>(n[i]!).fill(k));
  for (let i = keys.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return keys;
}

function uniqueName(r: Rng, industry: string, taken: Set<string>): string {
  const suffixes = INDUSTRIES[industry]!;
  for (let i = 0; ; i++) {
    const prefix = i < 20 ? r.pick(PREFIXES) : `${r.pick(PREFIXES)} ${r.pick(PREFIXES)}`;
    let name = `${prefix} ${r.pick(suffixes)}`;
    if (i >= 40) name += ` ${i}`;
    if (!taken.has(name.toLowerCase())) {
      taken.add(name.toLowerCase());
      return name;
    }
  }
}

function uniqueDomain(r: Rng, name: string, industry: string, taken: Set<string>): string {
  const words = name.toLowerCase().replace(/&/g, ' ').split(/\s+/).map((w) => w.replace(/[^a-z0-9]/g, '')).filter(Boolean);
  const core = words.filter((w) => !['group', 'co', 'partners'].includes(w) || words.length <= 2);
  const tld = industry === 'Software & IT Services' && r.chance(0.5) ? 'io' : r.pick(['com', 'com', 'com', 'com', 'net', 'co']);
  const candidates = [
    r.chance(0.2) ? core.join('-') : core.join(''),
    core.join(''),
    core.join('-'),
    `${core.join('')}hq`,
    `get${core.join('')}`,
  ];
  for (const base of candidates) {
    for (const t of [tld, 'com', 'net', 'co']) {
      const d = `${base}.${t}`;
      if (!taken.has(d)) {
        taken.add(d);
        return d;
      }
    }
  }
  for (let i = 2; ; i++) {
    const d = `${core.join('')}${i}.com`;
    if (!taken.has(d)) {
      taken.add(d);
      return d;
    }
  }
}

type DraftCtx = { key: StoryKey; story: Story; name: string; domain: string; industry: string; rep: string; today: string; maxAge: number };

const PACE: Record<Pace, { gap: [number, number]; stale: number }> = {
  hot: { gap: [4, 14], stale: 0.08 },
  warm: { gap: [8, 25], stale: 0.25 },
  cool: { gap: [18, 45], stale: 0.35 },
  cold: { gap: [40, 110], stale: 0.6 },
};

function draft(r: Rng, x: DraftCtx): DemoProspect {
  const { today } = x;
  // A closed prospect's story ends on the day it was closed; an open one's today.
  // A customer's prospect story ends on the day its first deal was won.
  const closeAgo = x.story.converts ? r.int(...BUYING[x.story.converts].converted) : x.story.closes ? r.int(3, 200) : 0;
  const end = addDays(today, -closeAgo);
  const sc: StoryCtx = { r, today, maxAge: x.maxAge - closeAgo, day: (ago) => addDays(end, -ago) };
  const plan = x.story.plan(sc);

  const oldest = plan.steps.length ? plan.steps[0]!.ago : 0;
  // Added some days before its first timing signal, never more than DEMO_MONTHS ago.
  const minAge = Math.max(oldest, Math.min(sc.maxAge, Math.max(oldest + r.int(0, 20), closeAgo > 0 ? 10 : 0)));
  const age = r.int(minAge, Math.max(minAge, sc.maxAge));
  const addedOn = sc.day(age);

  const firmo = firmographics(r, plan.fit);
  const vendor = r.pick(VENDORS);
  const fill: Fill = { role: r.pick(ROLES), vendor, rival: r.pick(VENDORS.filter((v) => v !== vendor)), industry: x.industry, site: r.pick(SITES), show: r.pick(SHOWS) };
  const who = () => (r.chance(0.9) ? x.rep : r.pick(DEMO_REPS));

  // Timing signals: the story's steps, after earlier, cooler ones when there is room for them.
  const steps = [...plan.steps];
  if (plan.prelude && plan.situation && steps.length && age - steps[0]!.ago > 45 && r.chance(0.7)) {
    const first = steps[0]!;
    const w = windowOf(first.type);
    const cooler = (['C', 'D'] as const).filter((c) => c > w);
    if (cooler.length) {
      const type = r.pick(LADDER[plan.situation][r.pick(cooler)]);
      if (type !== 'recently_signed') steps.unshift({ type, ago: r.int(first.ago + 20, age) });
    }
  }

  type Entry = DemoSignal & { ago: number };
  const out: Entry[] = [];
  const touch = (type: DemoSignal['type'], ago: number, note: string) => out.push({ type, date: sc.day(ago), expectedDate: null, event: null, note, loggedBy: who(), ago });
  // A rep seldom writes the same note twice on one account.
  const used = new Set<string>();
  const fresh = (list: readonly Template[]) => {
    let note = r.pick(list)(fill);
    for (let i = 0; i < 4 && used.has(note); i++) note = r.pick(list)(fill);
    used.add(note);
    return note;
  };
  const touchNote = (type: keyof typeof TOUCH_NOTES) => fresh(TOUCH_NOTES[type]);

  if (!plan.noSignals) {
    // The first contact, on the day it was added or soon after.
    if (r.chance(0.8)) {
      const [type, t] = r.pick(FIRST_TOUCH);
      touch(type, Math.max(0, age - r.int(0, 3)), t(fill));
    }
    for (const s of steps) {
      // A timing signal is usually what a conversation that day revealed.
      if (r.chance(0.55)) {
        const type = r.pick(['call', 'meeting', 'meeting', 'visit'] as const);
        touch(type, s.ago, fresh(STEP_TOUCH[type]));
      }
      out.push({
        type: s.type,
        date: sc.day(s.ago),
        expectedDate: s.expectedDate ?? null,
        event: s.event ?? null,
        note: fresh(TIMING_NOTES[s.type]),
        loggedBy: who(),
        ago: s.ago,
      });
    }
    // Touches: slow before the latest timing signal, at the story's pace after it, then quiet
    // for a while (stale at 30 days or more).
    const pace = PACE[plan.pace];
    const quiet = closeAgo > 0 ? 0 : r.chance(pace.stale) ? r.int(30, 120) : r.int(0, 24);
    const latestTiming = steps.length ? steps[steps.length - 1]!.ago : age;
    const lastTouch = Math.min(age, quiet);
    const cap = 28;
    let ago = age - r.int(10, 40);
    let n = 0;
    const busy = new Set(out.map((s) => s.ago));
    while (ago > lastTouch && n < cap) {
      if (!busy.has(ago)) {
        const type = r.pick(['call', 'call', 'email', 'email', 'meeting', 'visit', 'note'] as const);
        touch(type, ago, touchNote(type));
        n++;
      }
      const [lo, hi] = ago > latestTiming ? [20, 60] : pace.gap;
      ago -= r.int(lo, hi);
    }
    if (lastTouch < age && !out.some((s) => s.ago === lastTouch)) {
      const type = r.pick(['call', 'email', 'meeting'] as const);
      touch(type, lastTouch, touchNote(type));
    }
  }

  let status: DemoProspect['status'] = 'open', statusReason: string | null = null;
  if (plan.close === 'disqualified') {
    status = 'disqualified';
    statusReason = r.pick(DISQUALIFY_REASONS);
  } else if (plan.close === 'lost') {
    status = 'lost';
    const last = steps[steps.length - 1]!;
    statusReason = last.type === 'recently_signed' ? `Signed with ${fill.rival}` : r.pick(['Project cancelled after a reorganisation', 'Stayed with the incumbent after a discount', 'Budget frozen for the year']);
  }

  // Logged in date order; on one day in the order written above (a conversation, then what it revealed).
  const signals = out
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0].ago - a[0].ago || a[1] - b[1])
    .map(([{ ago: _ago, ...s }]) => s);

  return {
    name: x.name,
    domain: x.domain,
    industry: x.industry,
    ...firmo,
    situation: plan.situation,
    addedOn,
    status,
    statusReason,
    statusOn: status === 'open' ? null : end,
    convertedOn: x.story.converts ? end : null,
    tier: null,
    daysPaidLate: null,
    paymentOn: null,
    deals: [],
    rep: x.rep,
    story: x.key,
    signals,
    touches: [],
  };
}

function windowOf(type: TimingSignalType): 'A' | 'B' | 'C' | 'D' {
  return DEFAULT_WINDOWS[type];
}
const DEFAULT_WINDOWS = Object.fromEntries(
  Object.entries(defaultPolicy().grading.catalogue).map(([k, v]) => [k, v.window]),
) as Record<TimingSignalType, 'A' | 'B' | 'C' | 'D'>;

function logUniform(r: Rng, lo: number, hi: number): number {
  return Math.exp(r.between(Math.log(lo), Math.log(hi)));
}

const roundTo = (x: number, step: number) => Math.round(x / step) * step;

/** Staff, revenue, growth and need for a fit profile; some facts are simply not known yet. */
function firmographics(r: Rng, profile: FitProfile): Pick<DemoProspect, 'employees' | 'revenue' | 'growthPct' | 'need'> {
  if (profile === 'none') return { employees: null, revenue: null, growthPct: null, need: null };
  const [staff, perHead, growth, needs] =
    profile === 'strong'
      ? [[250, 8000], [90_000, 400_000], [8, 45], ['high', 'high', 'critical', 'medium']]
      : profile === 'good'
        ? [[60, 1500], [60_000, 250_000], [-3, 22], ['medium', 'high', 'medium', 'low']]
        : [[5, 70], [30_000, 120_000], [-15, 8], ['none', 'low', 'low', 'medium']];
  const employees = Math.round(logUniform(r, staff[0]!, staff[1]!));
  const revenue = roundTo(employees * r.between(perHead[0]!, perHead[1]!), employees < 100 ? 10_000 : 100_000);
  const growthPct = Math.round(r.between(growth[0]!, growth[1]!) * 10) / 10;
  const out = { employees, revenue, growthPct, need: r.pick(needs) as Need };
  // Private companies rarely publish revenue or growth, and need waits for a conversation.
  if (r.chance(0.16)) {
    const gap = r.pick(['growthPct', 'growthPct', 'revenue', 'revenue', 'need', 'employees'] as const);
    (out as Record<string, unknown>)[gap] = null;
    if (gap === 'revenue' && r.chance(0.6)) out.growthPct = null as never;
  }
  return out;
}
