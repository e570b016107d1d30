import { describe, expect, it } from 'vitest';
import { auditDiff, diffPolicies, flattenPolicy } from '../../src/policy/diff.ts';
import { fieldOfIssue, formFieldLabel, labelOf, policyToForm, readPolicyForm, rowsOf } from '../../src/policy/form.ts';
import { crossFieldIssues, defaultPolicy, parsePolicy, parsePolicyEdit, type Policy } from '../../src/policy/policy.ts';

// The policy editor's form and the rules an edited policy must keep (pure).

const read = (over: Record<string, string>, drop: string[] = []) => {
  const values = { ...policyToForm(defaultPolicy()), ...over };
  for (const k of drop) delete values[k];
  return readPolicyForm(values, defaultPolicy());
};
const errorsOf = (over: Record<string, string>, drop: string[] = []) => {
  const r = read(over, drop);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

describe('the policy form', () => {
  it('reads back exactly the policy it shows', () => {
    const r = read({});
    expect(r).toEqual({ ok: true, policy: defaultPolicy() });
  });

  it('shows every number of the policy as a field', () => {
    const values = policyToForm(defaultPolicy());
    const numbers = [...flattenPolicy(defaultPolicy()).entries()].filter(([path, v]) => typeof v === 'number' && !/^ownership\.levels\.\d+\.level$/.test(path));
    // Per-tier numbers live on the tier's row; everything else under its own path.
    const tierField = (path: string) => {
      const m = /^(ownership|cadence)\.byTier\.(\w+)\.(\w+)$/.exec(path);
      if (!m) return path.replace(/^tiering\.tiers\./, 'tiers.');
      const row = defaultPolicy().tiering.tiers.findIndex((t) => t.name === m[2]);
      return `tiers.${row}.${m[3]}`;
    };
    expect(numbers.length).toBeGreaterThan(100);
    for (const [path, v] of numbers) expect(values[tierField(path)], path).toBe(String(v));
  });

  it('reads numbers written with thousands separators', () => {
    const r = read({ 'grading.fit.revenue.steps.0.from': '2,000,000' });
    expect(r.ok && r.policy.grading.fit.revenue.steps[0]!.from).toBe(2_000_000);
  });

  it('drops a band whose row is cleared, and adds one from the blank row', () => {
    const r = read({ 'grading.fit.size.steps.1.from': '', 'grading.fit.size.steps.1.points': '', 'grading.fit.size.steps.3.from': '5000', 'grading.fit.size.steps.3.points': '100' });
    expect(r.ok && r.policy.grading.fit.size.steps).toEqual([
      { from: 50, points: 50 },
      { from: 1000, points: 100 },
      { from: 5000, points: 100 },
    ]);
  });

  it('renames a tier with its ownership and cadence numbers, and adds one', () => {
    const r = read({ 'tiers.1.name': 'Growth', 'tiers.3.name': 'Dormant', 'tiers.3.minScore': '0', 'tiers.2.minScore': '20', 'tiers.3.minLevel': '1', 'tiers.3.load': '1', 'tiers.3.callDays': '365', 'tiers.3.visitDays': '730' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.tiering.tiers.map((t) => t.name)).toEqual(['Strategic', 'Growth', 'Standard', 'Dormant']);
    expect(r.policy.ownership.byTier).toEqual({ Strategic: { minLevel: 4, load: 10 }, Growth: { minLevel: 3, load: 5 }, Standard: { minLevel: 2, load: 2 }, Dormant: { minLevel: 1, load: 1 } });
    expect(r.policy.cadence.byTier.Growth).toEqual({ callDays: 90, visitDays: 180 });
    expect(r.policy.cadence.byTier.Dormant).toEqual({ callDays: 365, visitDays: 730 });
  });

  it('puts each problem on its field', () => {
    expect(errorsOf({ 'grading.windowMonths.B': '3' })).toEqual({ 'grading.windowMonths.B': "must be more months than A's window (3)" });
    expect(errorsOf({ 'grading.windowMonths.B': '2' })).toEqual({ 'grading.windowMonths.B': "must be more months than A's window (3)", 'grading.windowMonths': 'windows must widen from A to C' });
    expect(errorsOf({ 'grading.staleDays': 'soon' })).toEqual({ 'grading.staleDays': 'must be a number' });
    expect(errorsOf({ 'grading.staleDays': '' })).toEqual({ 'grading.staleDays': 'is required' });
    expect(errorsOf({ 'grading.staleDays': '2.5' })).toEqual({ 'grading.staleDays': 'must be a whole number of days' });
    expect(errorsOf({ 'grading.fit.need.points.high': '120' })).toEqual({ 'grading.fit.need.points.high': 'must be 0 to 100 points' });
    expect(errorsOf({ 'tiers.1.minScore': '80' })).toEqual({ tiers: 'tiers go from best to worst, each with a lower minimum score' });
    expect(errorsOf({ 'tiers.1.name': 'strategic' })).toEqual({ tiers: 'tier names must differ' });
    expect(errorsOf({ 'tiers.2.load': '-1' })).toEqual({ 'tiers.2.load': 'cannot be negative' });
    expect(errorsOf({ 'tiers.0.callDays': '0' })).toEqual({ 'tiers.0.callDays': 'must be at least 1 day' });
    expect(errorsOf({ 'tiers.1.name': '' })).toEqual({ 'tiers.1.name': 'name the tier, or clear the whole row to remove it' });
    expect(errorsOf({ 'grading.catalogue.need_denied.window': 'Z' })).toEqual({ 'grading.catalogue.need_denied.window': 'choose A, B, C or D' });
    expect(errorsOf({}, ['cadence.callTypes.call', 'cadence.callTypes.meeting', 'cadence.callTypes.visit'])).toEqual({ 'cadence.callTypes': 'choose at least one signal' });
  });

  it('finds the row of a band even after an earlier row was removed', () => {
    // Row 1 removed: the policy's band 1 is the form's row 2.
    const e = errorsOf({ 'grading.fit.size.steps.1.from': '', 'grading.fit.size.steps.1.points': '', 'grading.fit.size.steps.2.points': '101' });
    expect(e).toEqual({ 'grading.fit.size.steps.2.points': 'must be 0 to 100 points' });
    expect(errorsOf({ 'grading.fit.size.steps.1.from': '5' })).toEqual({ 'grading.fit.size.steps': 'band lower bounds must increase' });
    expect(errorsOf({ 'grading.fit.size.steps.1.points': '' })).toEqual({ 'grading.fit.size.steps.1.points': 'fill in both, or clear both to remove the band' });
  });

  it('maps issue paths of the policy to form fields', () => {
    const rows = { tiers: [0, 2], 'grading.fit.size.steps': [0, 2] };
    expect(fieldOfIssue('ownership.byTier.Key.load', rows, ['Strategic', 'Key'])).toBe('tiers.2.load');
    expect(fieldOfIssue('cadence.byTier.Key', rows, ['Strategic', 'Key'])).toBe('tiers.2.callDays');
    expect(fieldOfIssue('ownership.byTier.Gone', rows, ['Strategic', 'Key'])).toBe('tiers');
    expect(fieldOfIssue('tiering.tiers.1.minScore', rows, ['Strategic', 'Key'])).toBe('tiers.2.minScore');
    expect(fieldOfIssue('grading.fit.size.steps.1.from', rows, [])).toBe('grading.fit.size.steps.2.from');
    expect(fieldOfIssue('cadence.visitTypes.0', rows, [])).toBe('cadence.visitTypes');
    expect(fieldOfIssue('grading.staleDays', rows, [])).toBe('grading.staleDays');
  });

  it('lists the rows present under a prefix', () => {
    expect(rowsOf({ 'tiers.0.name': 'a', 'tiers.2.name': 'b', 'tiers.10.load': '1', 'tiersx.3.name': 'c' }, 'tiers')).toEqual([0, 2, 10]);
  });

  it('labels fields in words', () => {
    expect(labelOf('grading.windowMonths.B')).toBe('Grade B window (months from a timing signal)');
    expect(labelOf('grading.windowMonths')).toBe('Close windows');
    expect(labelOf('ownership.levels')).toBe('Levels');
    expect(labelOf('grading.fit.size.steps')).toBe('Fit, Size (employees): bands');
    expect(labelOf('grading.fit.size.steps.1.from')).toBe('Fit, Size (employees): band 2 from');
    expect(labelOf('ownership.byTier.Key.minLevel')).toBe('Key customer: minimum owner level');
    expect(labelOf('cadence.byGrade.A')).toBe('A prospect: a touch every (days)');
    expect(formFieldLabel('tiers.1.load', { 'tiers.1.name': 'Key' })).toBe('Key: load points');
  });
});

describe('the rules an edited policy keeps', () => {
  const with_ = (f: (p: Policy) => void) => {
    const p = defaultPolicy();
    f(p);
    return crossFieldIssues(p).map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('the default policy keeps them all', () => expect(crossFieldIssues(defaultPolicy())).toEqual([]));

  it('windows widen strictly from A to C', () => {
    expect(with_((p) => (p.grading.windowMonths = { A: 3, B: 3, C: 12 }))).toEqual(["grading.windowMonths.B: must be more months than A's window (3)"]);
    expect(with_((p) => (p.grading.windowMonths = { A: 0, B: 6, C: 12 }))).toEqual(['grading.windowMonths.A: must be at least 1 month']);
  });

  it('every tier has ownership and cadence numbers, and nothing else does', () => {
    expect(with_((p) => (p.tiering.tiers[1]!.name = 'Gold'))).toEqual([
      'ownership.byTier.Gold: give the Gold tier a minimum owner level and a load',
      'ownership.byTier.Key: Key is not a tier: remove it, or add the tier',
      'cadence.byTier.Gold: give the Gold tier a call and a visit interval',
      'cadence.byTier.Key: Key is not a tier: remove it, or add the tier',
    ]);
  });

  it('owner levels exist, weights are not all zero, calls are contact signals', () => {
    expect(with_((p) => (p.ownership.levels = p.ownership.levels.slice(0, 3)))).toEqual(['ownership.byTier.Strategic.minLevel: there is no level 4']);
    expect(with_((p) => { for (const f of ['size', 'revenue', 'growth', 'need'] as const) p.grading.fit[f].weight = 0; })).toEqual(['grading.fit.size.weight: at least one fit factor needs a weight above 0']);
    expect(with_((p) => (p.cadence.callTypes = ['call', 'selection_started']))).toEqual(['cadence.callTypes: only contact signals (call, meeting, email, visit, note) count']);
  });

  it('a saved policy names every section and no unknown field; stored ones still parse leniently', () => {
    const p = defaultPolicy() as unknown as Record<string, unknown>;
    const { cadence: _c, ...noCadence } = p;
    expect(parsePolicyEdit(noCadence)).toMatchObject({ ok: false, issues: [{ path: 'cadence' }] });
    expect(parsePolicy(noCadence).ok).toBe(true);
    const typo = structuredClone(p) as { grading: Record<string, unknown> };
    typo.grading.staleDay = 10;
    expect(parsePolicyEdit(typo)).toEqual({ ok: false, issues: [{ path: 'grading.staleDay', message: 'unknown field' }] });
  });
});

describe('the diff of two policies', () => {
  it('names each changed field with its before and after', () => {
    const a = defaultPolicy();
    const b = defaultPolicy();
    b.grading.windowMonths.A = 4;
    b.cadence.callTypes = ['call'];
    b.tiering.tiers[1]!.name = 'Gold';
    b.ownership.byTier = { Strategic: a.ownership.byTier.Strategic!, Gold: a.ownership.byTier.Key!, Standard: a.ownership.byTier.Standard! };
    const d = diffPolicies(a, b);
    expect(d).toEqual([
      { path: 'grading.windowMonths.A', from: 3, to: 4 },
      { path: 'tiering.tiers.1.name', from: 'Key', to: 'Gold' },
      { path: 'ownership.byTier.Gold.minLevel', from: undefined, to: 3 },
      { path: 'ownership.byTier.Gold.load', from: undefined, to: 5 },
      { path: 'cadence.callTypes', from: 'call, meeting, visit', to: 'call' },
      { path: 'ownership.byTier.Key.minLevel', from: 3, to: undefined },
      { path: 'ownership.byTier.Key.load', from: 5, to: undefined },
    ]);
    expect(auditDiff(d.slice(0, 1))).toEqual({ before: { 'grading.windowMonths.A': 3 }, after: { 'grading.windowMonths.A': 4 } });
    expect(diffPolicies(a, defaultPolicy())).toEqual([]);
  });
});
