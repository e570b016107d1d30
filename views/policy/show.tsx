import { SIGNAL_LABELS, formatNumber } from '../../src/grading/explain.ts';
import type { Application } from '../../src/policy/apply.ts';
import { FIT_BANDS, FIT_LABELS, TIER_BANDS, TIER_FACTOR_NAMES } from '../../src/policy/form.ts';
import { GRADES, type Bands, type Policy, type TimingSignalType } from '../../src/policy/policy.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewerIs } from '../viewer.ts';
import { ApplicationStatus } from './application.tsx';
import { when } from '../time.ts';

export function bandText(b: Bands, unit = ''): string {
  const parts = [`< ${formatNumber(b.steps[0]!.from)}${unit} → ${b.base}`];
  b.steps.forEach((s, i) => {
    const next = b.steps[i + 1];
    parts.push(next ? `${formatNumber(s.from)}–${formatNumber(next.from)}${unit} → ${s.points}` : `≥ ${formatNumber(s.from)}${unit} → ${s.points}`);
  });
  return parts.join(' · ');
}

/** A score's factors: each one's bands and their points, and its weight. */
function FactorTable(props: { rows: { name: string; bands: string; weight: number }[] }) {
  return (
    <table class="list">
      <thead>
        <tr>
          <th scope="col">Factor</th>
          <th scope="col">Bands → points</th>
          <th scope="col" class="num">Weight</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td>{r.name}</td>
            <td>{r.bands}</td>
            <td class="num">{r.weight}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const FIT_UNITS: Record<string, string> = { growth: ' %' };
const TIER_UNITS: Record<string, string> = { credit: ' days', margin: ' %', growth: ' %' };

/** Every number of a policy, read-only: the policy page and each saved version's page. */
export function PolicyDetails(props: { policy: Policy }) {
  const p = props.policy;
  const g = p.grading;
  const levelName = (l: number) => p.ownership.levels.find((x) => x.level === l)?.name ?? `level ${l}`;
  return (
    <>
      <Card title="Close windows" id="windows">
        <p>
          A: within {g.windowMonths.A} months · B: within {g.windowMonths.B} · C: within {g.windowMonths.C} · D: later. Waiting on an event: the event + {g.eventLeadMonths} months. D evidence older
          than {g.requalifyMonths} months: requalify. Stale after {g.staleDays} days without a signal.
        </p>
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col">Situation</th>
              <th scope="col">Window</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(g.catalogue).map(([t, e]) => (
              <tr>
                <td>{SIGNAL_LABELS[t as TimingSignalType]}</td>
                <td>{e.situation}</td>
                <td>{e.window}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Firmographic fit" id="fit">
        <FactorTable
          rows={[
            ...FIT_BANDS.map((f) => ({ name: FIT_LABELS[f], bands: bandText(g.fit[f], FIT_UNITS[f]), weight: g.fit[f].weight })),
            { name: 'Need', bands: Object.entries(g.fit.need.points).map(([k, v]) => `${k} ${v}`).join(' · '), weight: g.fit.need.weight },
          ]}
        />
        <p>
          Fit below {g.fit.floor} demotes one letter. Without timing evidence: fit ≥ {g.fit.fitOnlyC} grades C, else D.
        </p>
      </Card>
      <Card title="Customer tiers" id="tiering">
        <p>
          {p.tiering.tiers.map((t, i) => (i === p.tiering.tiers.length - 1 ? `${t.name} below` : `${t.name} ≥ ${t.minScore}`)).join(' · ')}. Sales window: {p.tiering.windowMonths} months.
        </p>
        <FactorTable rows={TIER_BANDS.map((f) => ({ name: TIER_FACTOR_NAMES[f], bands: bandText(p.tiering.factors[f], TIER_UNITS[f]), weight: p.tiering.factors[f].weight }))} />
      </Card>
      <Card title="Ownership and contact cadence" id="ownership">
        <p>
          Levels: {p.ownership.levels.map((l) => `${l.level} ${l.name}`).join(' · ')}. A new rep's capacity: {formatNumber(p.ownership.defaultCapacity)} load points. Calls count{' '}
          {p.cadence.callTypes.join(', ')}; visits count {p.cadence.visitTypes.join(', ')}.
        </p>
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Minimum owner level</th>
              <th scope="col" class="num">Load points</th>
              <th scope="col">Contact</th>
            </tr>
          </thead>
          <tbody>
            {p.tiering.tiers.map((t) => {
              const o = p.ownership.byTier[t.name];
              const c = p.cadence.byTier[t.name];
              return (
                <tr>
                  <td>{t.name} customer</td>
                  <td>{o ? `${o.minLevel} ${levelName(o.minLevel)}` : '–'}</td>
                  <td class="num">{o ? o.load : '–'}</td>
                  <td>{c ? `a call every ${c.callDays} days, a visit every ${c.visitDays}` : '–'}</td>
                </tr>
              );
            })}
            {GRADES.map((k) => (
              <tr>
                <td>{k} prospect</td>
                <td>
                  {p.ownership.byGrade[k].minLevel} {levelName(p.ownership.byGrade[k].minLevel)}
                </td>
                <td class="num">{p.ownership.byGrade[k].load}</td>
                <td>a touch every {p.cadence.byGrade[k]} days</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}

export function PolicyPage(props: { version: number; policy: Policy; createdAt: Date; createdBy: string; note: string | null; application: Application }) {
  return (
    <Layout title="Policy" nav="policy">
      <h1>Grading policy</h1>
      <p class="muted">
        Version {props.version}, saved {when(props.createdAt).slice(0, 10)} by {props.createdBy}
        {props.note ? `: “${props.note}”` : ''}. Every number the grader, the tiers, ownership and cadence use comes from here.
      </p>
      <p class="actions">
        {viewerIs('manager') ? (
          <>
            <a class="btn" href="/policy/edit">
              Edit the policy
            </a>{' '}
          </>
        ) : null}
        <a class="btn secondary" href="/policy/versions">
          Versions
        </a>
      </p>
      {props.application.status === 'running' ? <ApplicationStatus version={props.version} application={props.application} isCurrent createdBy={props.createdBy} /> : null}
      <PolicyDetails policy={props.policy} />
    </Layout>
  );
}
