import { SIGNAL_LABELS, formatNumber } from '../../src/grading/explain.ts';
import type { Bands, Policy, TimingSignalType } from '../../src/policy/policy.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';

function bandText(b: Bands, unit = ''): string {
  const parts = [`< ${formatNumber(b.steps[0]!.from)}${unit} → ${b.base}`];
  b.steps.forEach((s, i) => {
    const next = b.steps[i + 1];
    parts.push(next ? `${formatNumber(s.from)}–${formatNumber(next.from)}${unit} → ${s.points}` : `≥ ${formatNumber(s.from)}${unit} → ${s.points}`);
  });
  return parts.join(' · ');
}

export function PolicyPage(props: { version: number; policy: Policy; createdAt: Date; createdBy: string }) {
  const g = props.policy.grading;
  return (
    <Layout title="Policy" nav="policy">
      <h1>Grading policy</h1>
      <p class="muted">
        Version {props.version}, saved {props.createdAt.toISOString().slice(0, 10)} by {props.createdBy}. Every number the grader uses comes from here.
      </p>
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
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col">Bands → points</th>
              <th scope="col" class="num">Weight</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Size (employees)</td>
              <td>{bandText(g.fit.size)}</td>
              <td class="num">{g.fit.size.weight}</td>
            </tr>
            <tr>
              <td>Revenue</td>
              <td>{bandText(g.fit.revenue)}</td>
              <td class="num">{g.fit.revenue.weight}</td>
            </tr>
            <tr>
              <td>Growth (%)</td>
              <td>{bandText(g.fit.growth, ' %')}</td>
              <td class="num">{g.fit.growth.weight}</td>
            </tr>
            <tr>
              <td>Need</td>
              <td>
                {Object.entries(g.fit.need.points)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(' · ')}
              </td>
              <td class="num">{g.fit.need.weight}</td>
            </tr>
          </tbody>
        </table>
        <p>
          Fit below {g.fit.floor} demotes one letter. Without timing evidence: fit ≥ {g.fit.fitOnlyC} grades C, else D.
        </p>
      </Card>
    </Layout>
  );
}
