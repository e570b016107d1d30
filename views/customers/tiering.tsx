import type { RetierPreview } from '../../src/customers/retier.ts';
import { formatNumber } from '../../src/grading/explain.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { TierBadge } from './components.tsx';

const score = (s: number | null) => (s === null ? '–' : formatNumber(s));

/** The manager's re-tier: what would change as of today, then one button to apply it. */
export function RetierPage(props: { preview: RetierPreview; notice?: string }) {
  const p = props.preview;
  return (
    <Layout title="Re-tier customers" nav="tiering">
      <h1>Re-tier customers</h1>
      {props.notice ? (
        <div class="alert ok" role="status">
          {props.notice}
        </div>
      ) : null}
      <p>
        Tiers are re-scored each quarter. Here is what re-scoring every customer as of <strong>{p.asOf}</strong> (policy version {p.policyVersion}) would change; nothing is written until you apply it.
      </p>
      <Card title="Preview" id="preview">
        <p data-testid="preview-counts">
          <strong>{formatNumber(p.changes)}</strong> of {formatNumber(p.scanned)} customer{p.scanned === 1 ? '' : 's'} would change tier
          {p.rescored ? `; ${formatNumber(p.rescored)} more would keep their tier with a new score` : ''}.
        </p>
        {p.byMove.length ? (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col" class="num">Customers</th>
              </tr>
            </thead>
            <tbody>
              {p.byMove.map((m) => (
                <tr>
                  <td>{m.from ? <TierBadge tier={m.from} /> : 'not tiered'}</td>
                  <td>
                    <TierBadge tier={m.to} />
                  </td>
                  <td class="num">{formatNumber(m.n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <form method="post" action="/tiering/runs" class="row no-print" style="margin-top:12px">
          <button class="btn" type="submit" disabled={p.changes === 0 && p.rescored === 0}>
            Apply re-tier
          </button>
          <span class="muted small">Re-computes the plan as of {p.asOf} and applies it in batches; every tier change is kept with its reasons.</span>
        </form>
      </Card>
      {p.moves.length ? (
        <Card title="Customers that would change tier" id="moves">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col" class="num">Score</th>
              </tr>
            </thead>
            <tbody>
              {p.moves.map((m) => (
                <tr data-move={m.id}>
                  <td>
                    <a href={`/customers/${m.id}`}>{m.name}</a>
                  </td>
                  <td>{m.from ? <TierBadge tier={m.from} /> : 'not tiered'}</td>
                  <td>
                    <TierBadge tier={m.to} />
                  </td>
                  <td class="num">
                    {score(m.fromScore)} → {score(m.score)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {p.truncated ? <p class="muted small">And {formatNumber(p.changes - p.moves.length)} more.</p> : null}
        </Card>
      ) : null}
    </Layout>
  );
}
