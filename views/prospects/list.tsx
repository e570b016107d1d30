import { FLAGS } from '../../src/grading/grading.ts';
import { FLAG_LABELS, formatNumber } from '../../src/grading/explain.ts';
import type { ListQuery, ListResult } from '../../src/prospects/queries.ts';
import { daysBetween } from '../../src/shared/dates.ts';
import { Flags, GradeBadge, SortFields } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewerIs } from '../viewer.ts';

/** The list's URL for a query with some parts changed (links work without JavaScript). */
export function listHref(q: ListQuery, change: Partial<ListQuery> = {}, base = '/prospects'): string {
  const m = { ...q, ...change };
  const p = new URLSearchParams();
  for (const g of m.grade) p.append('grade', g);
  for (const f of m.flag) p.append('flag', f);
  if (m.status !== 'open') p.set('status', m.status);
  if (m.q) p.set('q', m.q);
  if (m.owner !== undefined) p.set('owner', String(m.owner));
  if (m.sort !== 'grade') p.set('sort', m.sort);
  if (m.dir) p.set('dir', m.dir);
  if (m.page > 1) p.set('page', String(m.page));
  if (m.after) p.set('after', m.after);
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

const SORT_LABELS = { grade: 'Grade, then fit', close_by: 'Close-by date', fit: 'Fit', last_signal: 'Last signal', name: 'Name' } as const;

export function ProspectListPage(props: { q: ListQuery; result: ListResult; today: string; empty: boolean }) {
  return (
    <Layout title="Prospects" nav="prospects">
      <div class="row spread">
        <h1>Prospects</h1>
        <div class="row no-print">
          <a class="btn secondary" href={listHref(props.q, { page: 1, after: undefined }, '/prospects.csv')}>Export CSV</a>
          <a class="btn" href="/prospects/new">New prospect</a>
        </div>
      </div>
      {props.empty ? (
        <div class="alert info row spread">
          <span>
            No prospects yet. <a href="/prospects/new">Add the first one</a>, or {viewerIs('admin') ? 'load' : 'ask an admin to load'} a few hundred demo prospects with a year of signals.
          </span>
          {viewerIs('admin') ? (
            <form method="post" action="/demo">
              <button class="btn" type="submit">
                Load demo data
              </button>
            </form>
          ) : null}
        </div>
      ) : null}
      <Filters q={props.q} />
      <ProspectResults {...props} />
    </Layout>
  );
}

function Filters(props: { q: ListQuery }) {
  const q = props.q;
  return (
    <form class="filters" method="get" action="/prospects" role="search" hx-get="/prospects" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-trigger="change, submit, input from:#f-q delay:400ms" hx-push-url="true">
      {q.grade.map((g) => (
        <input type="hidden" name="grade" value={g} />
      ))}
      {q.owner !== undefined ? (
        <p class="small" data-testid="owner-filter">
          <input type="hidden" name="owner" value={String(q.owner)} />
          {q.owner === 'none' ? 'Only prospects nobody owns. ' : `Only prospects owned by user #${q.owner}. `}
          <a href={listHref(q, { owner: undefined, page: 1, after: undefined })}>Show everyone’s</a>
        </p>
      ) : null}
      <div class="field">
        <label for="f-q">Search name or domain</label>
        <input type="search" id="f-q" name="q" value={q.q ?? ''} placeholder="acme" />
      </div>
      <div class="field">
        <label for="f-flag">Flag</label>
        <select id="f-flag" name="flag">
          <option value="">Any</option>
          {FLAGS.map((f) => (
            <option value={f} selected={q.flag.includes(f)}>
              {FLAG_LABELS[f]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-status">Status</label>
        <select id="f-status" name="status">
          {(['open', 'disqualified', 'lost', 'all'] as const).map((s) => (
            <option value={s} selected={q.status === s}>
              {s === 'all' ? 'All' : s[0]!.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </div>
      <SortFields idPrefix="f" labels={SORT_LABELS} sort={q.sort} dir={q.dir} />
    </form>
  );
}

/** The counts, the table and the pager: the fragment htmx swaps when a filter changes. */
export function ProspectResults(props: { q: ListQuery; result: ListResult; today: string }) {
  const { q, result } = props;
  const allGrades = q.grade.length === 0;
  return (
    <div id="results">
      <nav class="tabs" aria-label="Grades">
        <a href={listHref(q, { grade: [], page: 1, after: undefined })} aria-current={allGrades ? 'true' : undefined}>
          All <span class="n">{formatNumber(Object.values(result.counts).reduce((a, b) => a + b, 0))}</span>
        </a>
        {(['A', 'B', 'C', 'D'] as const).map((g) => (
          <a href={listHref(q, { grade: [g], page: 1, after: undefined })} aria-current={q.grade.length === 1 && q.grade[0] === g ? 'true' : undefined}>
            <GradeBadge grade={g} /> <span class="n">{formatNumber(result.counts[g])}</span>
          </a>
        ))}
      </nav>
      <p class="muted small" aria-live="polite">
        {formatNumber(result.total)} prospect{result.total === 1 ? '' : 's'}
        {result.total > 0 ? `, page ${result.page} of ${formatNumber(result.pages)}` : ''}
      </p>
      {result.rows.length ? (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Grade</th>
              <th scope="col">Prospect</th>
              <th scope="col" class="num">Fit</th>
              <th scope="col">Close by</th>
              <th scope="col">Last signal</th>
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r) => (
              <tr>
                <td>
                  <GradeBadge grade={r.grade} />
                </td>
                <td>
                  <a href={`/prospects/${r.id}`}>{r.name}</a> {r.domain ? <span class="muted small">{r.domain}</span> : null}{' '}
                  {r.status !== 'open' ? <span class="status">{r.status}</span> : null} <Flags flags={r.flags} />
                  {r.slipCount > 0 ? <span class="muted small"> slipped ×{r.slipCount}</span> : null}
                  <div class="why">{r.reason}</div>
                </td>
                <td class="num" data-label="Fit">
                  {r.fit === null ? '–' : formatNumber(r.fit)}
                </td>
                <td data-label="Close by">{r.closeBy ?? '–'}</td>
                <td data-label="Last signal">{r.lastSignalOn ? `${daysBetween(r.lastSignalOn, props.today)} d ago` : 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="card">No prospect matches these filters.</p>
      )}
      <nav class="pager" aria-label="Pages">
        {result.page > 1 ? (
          <a href={listHref(q, { page: result.page - 1, after: undefined })} rel="prev">
            ← Previous
          </a>
        ) : null}
        {result.page < result.pages ? (
          <a href={listHref(q, { page: result.page + 1, after: result.next ?? undefined })} rel="next">
            Next →
          </a>
        ) : null}
      </nav>
    </div>
  );
}
