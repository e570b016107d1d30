import { formatNumber } from '../../src/grading/explain.ts';
import { CHANGED_WITHIN, type CustomerListResult, type CustomerQuery } from '../../src/customers/queries.ts';
import { Layout } from '../layout.tsx';
import { TierBadge } from './components.tsx';
import { SortFields } from '../components.tsx';

/** The list's URL for a query with some parts changed (links work without JavaScript). */
export function customerListHref(q: CustomerQuery, change: Partial<CustomerQuery> = {}, base = '/customers'): string {
  const m = { ...q, ...change };
  const p = new URLSearchParams();
  for (const t of m.tier) p.append('tier', t);
  if (m.changedDays) p.set('changedDays', String(m.changedDays));
  if (m.q) p.set('q', m.q);
  if (m.sort !== 'score') p.set('sort', m.sort);
  if (m.dir) p.set('dir', m.dir);
  if (m.page > 1) p.set('page', String(m.page));
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

const SORT_LABELS = { score: 'Score', name: 'Name', converted: 'Customer since' } as const;

export type CustomerListProps = { q: CustomerQuery; result: CustomerListResult; tiers: string[]; today: string };

export function CustomerListPage(props: CustomerListProps) {
  return (
    <Layout title="Customers" nav="customers">
      <div class="row spread">
        <h1>Customers</h1>
        <div class="row no-print">
          <a class="btn secondary" href={customerListHref(props.q, { page: 1 }, '/customers.csv')}>Export CSV</a>
          <a class="btn secondary" href="/tiering">Re-tier</a>
        </div>
      </div>
      <Filters {...props} />
      <CustomerResults {...props} />
    </Layout>
  );
}

function Filters(props: CustomerListProps) {
  const q = props.q;
  return (
    <form class="filters" method="get" action="/customers" role="search" hx-get="/customers" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-trigger="change, submit, input from:#c-q delay:400ms" hx-push-url="true">
      <div class="field">
        <label for="c-q">Search name or domain</label>
        <input type="search" id="c-q" name="q" value={q.q ?? ''} placeholder="acme" />
      </div>
      <div class="field">
        <label for="c-tier">Tier</label>
        <select id="c-tier" name="tier">
          <option value="">Any</option>
          {props.tiers.map((t) => (
            <option value={t} selected={q.tier.length === 1 && q.tier[0] === t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="c-changed">Tier changed</label>
        <select id="c-changed" name="changedDays">
          <option value="">Any time</option>
          {CHANGED_WITHIN.map((d) => (
            <option value={String(d)} selected={q.changedDays === d}>
              in the last {d} days
            </option>
          ))}
        </select>
      </div>
      <SortFields idPrefix="c" labels={SORT_LABELS} sort={q.sort} dir={q.dir} />
    </form>
  );
}

/** The counts, the table and the pager: the fragment htmx swaps when a filter changes. */
export function CustomerResults(props: CustomerListProps) {
  const { q, result } = props;
  const count = (t: string | null) => result.counts.find((c) => c.tier === t)?.n ?? 0;
  const all = result.counts.reduce((s, c) => s + c.n, 0);
  const known = new Set(props.tiers);
  const others = result.counts.filter((c) => c.tier !== null && !known.has(c.tier)).map((c) => c.tier!);
  return (
    <div id="results">
      <nav class="tabs" aria-label="Tiers">
        <a href={customerListHref(q, { tier: [], page: 1 })} aria-current={q.tier.length === 0 ? 'true' : undefined}>
          All <span class="n">{formatNumber(all)}</span>
        </a>
        {[...props.tiers, ...others].map((t) => (
          <a href={customerListHref(q, { tier: [t], page: 1 })} aria-current={q.tier.length === 1 && q.tier[0] === t ? 'true' : undefined} data-tier={t}>
            <TierBadge tier={t} /> <span class="n">{formatNumber(count(t))}</span>
          </a>
        ))}
      </nav>
      <p class="muted small" aria-live="polite">
        {formatNumber(result.total)} customer{result.total === 1 ? '' : 's'}
        {result.total > 0 ? `, page ${result.page} of ${formatNumber(result.pages)}` : ''}
      </p>
      {result.rows.length ? (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Customer</th>
              <th scope="col" class="num">Score</th>
              <th scope="col">Customer since</th>
              <th scope="col">Closed at</th>
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r) => (
              <tr>
                <td>
                  <TierBadge tier={r.tier} score={r.tierScore} />
                </td>
                <td>
                  <a href={`/customers/${r.id}`}>{r.name}</a> {r.domain ? <span class="muted small">{r.domain}</span> : null}
                  <div class="why">{r.tierReason}</div>
                </td>
                <td class="num" data-label="Score">
                  {r.tierScore === null ? '–' : formatNumber(r.tierScore)}
                </td>
                <td data-label="Customer since">{r.convertedOn ?? '–'}</td>
                <td data-label="Closed at">{r.closedGrade ? `grade ${r.closedGrade}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="card">{all === 0 && !q.q && !q.changedDays ? 'No customers yet: the first won deal on a prospect makes it one.' : 'No customer matches these filters.'}</p>
      )}
      <nav class="pager" aria-label="Pages">
        {result.page > 1 ? <a href={customerListHref(q, { page: result.page - 1 })} rel="prev">← Previous</a> : null}
        {result.page < result.pages ? <a href={customerListHref(q, { page: result.page + 1 })} rel="next">Next →</a> : null}
      </nav>
    </div>
  );
}
