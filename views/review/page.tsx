import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatMoney, formatNumber } from '../../src/grading/explain.ts';
import { GRADES } from '../../src/policy/policy.ts';
import { MATRIX_COLS, MATRIX_ROWS, type ListName } from '../../src/review/diff.ts';
import type { ListRow, Review, ReviewQuery, WeekInfo } from '../../src/review/queries.ts';
import type { RepLine } from '../../src/review/summary.ts';
import { shortDate } from '../../src/review/weeks.ts';
import { LEVEL_LABELS, type Level } from '../../src/users/model.ts';
import { BarChart, StackedBarChart } from '../charts.tsx';
import { Flags, GradeBadge, type FormState } from '../components.tsx';
import { TierBadge } from '../customers/components.tsx';
import { Layout } from '../layout.tsx';
import { ActionItemsSection, NotesSection } from './meeting.tsx';

/** The review's URL with some of its query changed (links and the CSV work without JavaScript). */
export function reviewHref(q: ReviewQuery, change: Partial<ReviewQuery> & { list?: string; after?: string } = {}, base = '/review'): string {
  const m = { ...q, ...change };
  const p = new URLSearchParams();
  if (m.week) p.set('week', m.week);
  if (m.owner !== undefined) p.set('owner', String(m.owner));
  if (m.level !== undefined) p.set('level', String(m.level));
  if (m.region !== undefined) p.set('region', m.region);
  if (m.list) p.set('list', m.list);
  if (m.after) p.set('after', m.after);
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

export const LIST_TITLES: Record<ListName, string> = {
  upgraded: 'Upgraded',
  downgraded: 'Downgraded',
  new: 'New',
  converted: 'Converted',
  lost: 'Lost or disqualified',
  slipped: 'Slipped',
  stale: 'Stale',
  a_list: 'The A list',
};

const LIST_HINTS: Record<ListName, string> = {
  upgraded: 'A better grade (or tier) than the week before.',
  downgraded: 'A worse grade (or tier) than the week before.',
  new: 'In the open pipeline this week and not the week before: added, reopened, or a conversion undone.',
  converted: 'Became customers: a deal was won.',
  lost: 'Marked lost or disqualified since the week before.',
  slipped: 'A close-by date passed since the week before; the number is how often it has slipped.',
  stale: 'Open prospects with no signal for a while (the policy says how long).',
  a_list: 'Open prospects graded A, the soonest close-by date first.',
};

export type ReviewPageProps = {
  review: Review;
  q: ReviewQuery;
  today: string;
  currentWeek: string;
  canSnapshot: boolean;
  notice?: string;
  problem?: string;
  noteForm: FormState;
  actionForm: FormState;
  actionsProblem?: string;
  print?: boolean;
};

const accountHref = (kind: string | null, id: number) => `/${kind === 'customer' ? 'customers' : 'prospects'}/${id}`;

function signed(n: number | null): string {
  if (n === null) return '–';
  return n > 0 ? `+${formatNumber(n)}` : n < 0 ? `−${formatNumber(-n)}` : '0';
}

export function ReviewPage(props: ReviewPageProps) {
  return (
    <Layout title={`Pipeline review, week of ${shortDate(props.review.week.week, true)}`} nav="review">
      <ReviewBody {...props} />
    </Layout>
  );
}

/** Everything under the navigation: what htmx swaps when a filter changes. */
export function ReviewBody(props: ReviewPageProps) {
  const { review: r } = props;
  return (
    <div id="review" class={props.print ? 'review printing' : 'review'}>
      <div class="row spread">
        <h1>Pipeline review: week of {shortDate(r.week.week, true)}</h1>
        <div class="row no-print">
          <a class="btn secondary" href={`${reviewHref(props.q, { week: r.week.week })}&print=1`} target="_blank" rel="noopener">
            Print
          </a>
        </div>
      </div>
      {props.print ? (
        <p class="alert info no-print">
          This is the printable review. Your browser's print dialog should open; if it does not, press Ctrl+P (⌘P on a Mac).
          <script src="/assets/review-print.js" defer></script>
        </p>
      ) : null}
      {props.notice ? (
        <p class="alert ok" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.problem ? (
        <p class="alert error" role="alert">
          {props.problem}
        </p>
      ) : null}
      <p class="muted">
        {r.prev ? (
          <>
            Compared with the week of {shortDate(r.prev.week, true)}.{' '}
          </>
        ) : (
          'The first week taken: nothing to compare with yet. '
        )}
        {r.week.source === 'backfill' || r.prev?.source === 'backfill' ? (
          <strong>
            {r.week.source === 'backfill' ? 'This week was' : 'The week before was'} back-filled from grade and tier history: owners in back-filled weeks are today's owners.
          </strong>
        ) : null}
      </p>
      <WeekNav {...props} />
      <Filters {...props} />
      {props.canSnapshot ? <SnapshotControls weeks={r.weeks} currentWeek={props.currentWeek} /> : null}

      <section class="card review-section" id="counts" aria-labelledby="counts-h">
        <h2 id="counts-h">Accounts by grade and tier</h2>
        <CountsTable review={r} />
      </section>

      <section class="card review-section" id="matrix" aria-labelledby="matrix-h">
        <h2 id="matrix-h">How grades moved</h2>
        <MatrixTable review={r} />
      </section>

      <section class="card review-section charts" id="charts" aria-labelledby="charts-h">
        <h2 id="charts-h">Trends</h2>
        <div class="grid2 even">
          <StackedBarChart
            id="chart-mix"
            title={`Open prospects by grade, last ${r.trend.weeks.length} weeks`}
            categories={r.trend.weeks.map((w) => shortDate(w))}
            series={GRADES.map((g) => ({ key: g, label: `Grade ${g}`, color: GRADE_COLORS[g] }))}
            values={r.trend.values}
          />
          <BarChart
            id="chart-value"
            title="Open deal value of open prospects, by close-by month"
            data={r.months.map((m) => ({ label: m.label, value: m.value, color: m.key === 'before' ? '#b42318' : m.key === 'none' || m.key === 'later' ? '#8a94a3' : '#1f5fbf' }))}
            format={formatMoney}
            note="Overdue: the close-by date passed before this month. The month is the prospect's expected close (its close-by date)."
          />
        </div>
      </section>

      <div class="lists">
        {(['upgraded', 'downgraded', 'new', 'converted', 'lost', 'slipped', 'stale', 'a_list'] as const).map((l) => (
          <ListCard list={l} review={r} q={props.q} />
        ))}
      </div>

      <section class="card review-section" id="reps" aria-labelledby="reps-h">
        <div class="row spread">
          <h2 id="reps-h">Per rep</h2>
          <a class="no-print small" href={reviewHref(props.q, { week: r.week.week, list: 'reps' }, '/review.csv')}>
            CSV
          </a>
        </div>
        <RepsTable reps={r.reps} week={r.week} />
      </section>

      <NotesSection week={r.week.week} notes={r.notes} form={props.noteForm} />
      <ActionItemsSection week={r.week.week} items={r.actions} people={r.people} form={props.actionForm} problem={props.actionsProblem} csv={reviewHref(props.q, { week: r.week.week, list: 'actions' }, '/review.csv')} />
    </div>
  );
}

const GRADE_COLORS: Record<string, string> = { A: '#1a7f37', B: '#1f5fbf', C: '#9a6700', D: '#5b6675' };

function WeekNav(props: ReviewPageProps) {
  const { review: r, q } = props;
  const i = r.weeks.findIndex((w) => w.week === r.week.week);
  const newer = i > 0 ? r.weeks[i - 1] : undefined;
  const older = r.weeks[i + 1];
  return (
    <nav class="row week-nav no-print" aria-label="Weeks">
      {older ? (
        <a href={reviewHref(q, { week: older.week })} rel="prev">
          ← Week of {shortDate(older.week, true)}
        </a>
      ) : null}
      <form method="get" action="/review" class="row">
        <input type="hidden" name="owner" value={q.owner === undefined ? '' : String(q.owner)} />
        <input type="hidden" name="level" value={q.level === undefined ? '' : String(q.level)} />
        <input type="hidden" name="region" value={q.region ?? ''} />
        <label for="f-week" class="inline">
          Week
        </label>
        <select id="f-week" name="week">
          {r.weeks.map((w) => (
            <option value={w.week} selected={w.week === r.week.week}>
              {`${shortDate(w.week, true)}${w.source === 'backfill' ? ' (back-filled)' : ''}`}
            </option>
          ))}
        </select>
        <button class="btn secondary" type="submit">
          Show
        </button>
      </form>
      {newer ? (
        <a href={reviewHref(q, { week: newer.week })} rel="next">
          Week of {shortDate(newer.week, true)} →
        </a>
      ) : null}
    </nav>
  );
}

function Filters(props: ReviewPageProps) {
  const { review: r, q } = props;
  const reps = r.people.filter((p) => p.role === 'rep' || r.reps.some((l) => l.ownerId === p.id));
  return (
    <form class="filters no-print" method="get" action="/review" role="search" hx-get="/review" hx-target="#review" hx-select="#review" hx-swap="outerHTML" hx-trigger="change" hx-push-url="true">
      <input type="hidden" name="week" value={r.week.week} />
      <div class="field">
        <label for="f-owner">Owner</label>
        <select id="f-owner" name="owner">
          <option value="">Everyone</option>
          <option value="none" selected={q.owner === 'none'}>
            Unassigned
          </option>
          {reps.map((p) => (
            <option value={String(p.id)} selected={q.owner === p.id}>
              {p.state === 'deactivated' ? `${p.name} (deactivated)` : p.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-level">Level</label>
        <select id="f-level" name="level">
          <option value="">Any</option>
          {([1, 2, 3, 4] as const).map((l) => (
            <option value={String(l)} selected={q.level === l}>
              {`${l} ${LEVEL_LABELS[l]}`}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-region">Region</label>
        <select id="f-region" name="region">
          <option value="">Any</option>
          {r.regions.map((g) => (
            <option value={g} selected={q.region === g}>
              {g}
            </option>
          ))}
        </select>
      </div>
      <div class="field" style="flex:0">
        <button class="btn" type="submit">
          Apply
        </button>
      </div>
      {q.owner !== undefined || q.level !== undefined || q.region !== undefined ? (
        <p class="small" style="flex-basis:100%">
          Showing the accounts of {filterText(props)} only. <a href={reviewHref({ week: r.week.week })}>Show everyone's</a>
        </p>
      ) : null}
    </form>
  );
}

function filterText(props: ReviewPageProps): string {
  const { q, review: r } = props;
  const parts: string[] = [];
  if (q.owner === 'none') parts.push('nobody (unassigned)');
  else if (q.owner !== undefined) parts.push(r.people.find((p) => p.id === q.owner)?.name ?? `person #${q.owner}`);
  if (q.level !== undefined) parts.push(`level ${q.level} reps`);
  if (q.region !== undefined) parts.push(`reps in ${q.region}`);
  return parts.join(', ');
}

function SnapshotControls(props: { weeks: WeekInfo[]; currentWeek: string }) {
  const taken = props.weeks.some((w) => w.week === props.currentWeek);
  return (
    <div class="row snapshot-controls no-print">
      {taken ? (
        <span class="muted small">This week's snapshot ({shortDate(props.currentWeek, true)}) is taken.</span>
      ) : (
        <form method="post" action="/review/snapshots">
          <button class="btn" type="submit">
            Take this week's snapshot
          </button>
        </form>
      )}
      <form method="post" action="/review/backfills" class="row">
        <input type="hidden" name="weeks" value="12" />
        <button class="btn secondary" type="submit">
          Back-fill the 12 weeks before
        </button>
        <span class="muted small">From grade and tier history; weeks already taken are kept.</span>
      </form>
    </div>
  );
}

function CountsTable(props: { review: Review }) {
  const r = props.review;
  return (
    <div class="table-wrap">
      <table class="review-table counts">
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col" class="num">
              {r.prev ? `Week of ${shortDate(r.prev.week)}` : 'Week before'}
            </th>
            <th scope="col" class="num">
              This week
            </th>
            <th scope="col" class="num">
              Change
            </th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr class={l.group === 'total' ? 'total' : undefined}>
              <th scope="row">{l.group === 'grade' && l.key !== 'none' ? <GradeBadge grade={l.key} /> : l.group === 'tier' ? <TierBadge tier={l.label} /> : l.label}</th>
              <td class="num">{l.before === null ? '–' : formatNumber(l.before)}</td>
              <td class="num">{formatNumber(l.now)}</td>
              <td class="num">{signed(l.change)}</td>
            </tr>
          ))}
          <tr class="total">
            <th scope="row">Open deal value</th>
            <td class="num">{r.prevTotals ? formatMoney(r.prevTotals.openValue) : '–'}</td>
            <td class="num">{formatMoney(r.totals.openValue)}</td>
            <td class="num">{r.prevTotals ? signedMoney(r.totals.openValue - r.prevTotals.openValue) : '–'}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

const signedMoney = (n: number) => (n > 0 ? `+${formatMoney(n)}` : n < 0 ? `−${formatMoney(-n)}` : '0');

const COL_LABELS: Record<string, string> = { converted: 'Converted', lost: 'Lost' };

function MatrixTable(props: { review: Review }) {
  const { matrix: m, prev } = props.review;
  if (!prev) return <p class="muted">The movement shows from the second week taken on.</p>;
  return (
    <div class="table-wrap">
      <table class="review-table matrix">
        <caption class="small muted">
          Rows: the grade the week before (new: not in the open pipeline then). Columns: this week. The diagonal stayed put.
        </caption>
        <thead>
          <tr>
            <th scope="col">Week before ↓ / this week →</th>
            {MATRIX_COLS.map((c) => (
              <th scope="col" class="num">
                {COL_LABELS[c] ?? <GradeBadge grade={c} />}
              </th>
            ))}
            <th scope="col" class="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {MATRIX_ROWS.map((row) => (
            <tr>
              <th scope="row">{row === 'new' ? 'New' : <GradeBadge grade={row} />}</th>
              {MATRIX_COLS.map((col) => {
                const n = m.cells[row][col];
                const cls = row === col ? 'num same' : (GRADES as readonly string[]).includes(row) && (GRADES as readonly string[]).includes(col) ? (col < row ? 'num up' : 'num down') : 'num';
                return <td class={n ? cls : 'num zero'}>{n ? formatNumber(n) : '·'}</td>;
              })}
              <td class="num">{formatNumber(m.rowTotals[row])}</td>
            </tr>
          ))}
          <tr class="total">
            <th scope="row">Total</th>
            {MATRIX_COLS.map((c) => (
              <td class="num">{formatNumber(m.colTotals[c])}</td>
            ))}
            <td class="num">{formatNumber(m.total)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

// The badges of the lists, made once per grade or tier (the same markup as GradeBadge and
// TierBadge): a review page has a few hundred, and building each afresh shows in its cost.
const badges = new Map<string, HtmlEscapedString>();
const memo = (key: string, make: () => unknown) => {
  let b = badges.get(key);
  if (!b) badges.set(key, (b = raw(String(make()))));
  return b;
};
const gradeBadge = (grade: string | null) => memo(`g:${grade}`, () => <GradeBadge grade={grade} />);
const tierBadge = (tier: string | null) => (badges.size > 200 ? <TierBadge tier={tier} /> : memo(`t:${tier}`, () => <TierBadge tier={tier} />));

/** An account's grade or tier (or status) in a week. */
function StateCell(props: { kind: string | null; status: string | null; grade: string | null; tier: string | null }) {
  if (props.kind === null) return <span class="muted">–</span>;
  if (props.kind === 'customer') return tierBadge(props.tier);
  if (props.status !== 'open')
    return (
      <>
        <span class="status">{props.status}</span> {gradeBadge(props.grade)}
      </>
    );
  return gradeBadge(props.grade);
}

function ListCard(props: { list: ListName; review: Review; q: ReviewQuery }) {
  const { list, review: r } = props;
  const data = r.lists[list];
  const showPrev = list !== 'stale' && list !== 'a_list';
  const id = `list-${list}`;
  return (
    <section class="card review-section list-card" id={id} aria-labelledby={`${id}-h`}>
      <div class="row spread">
        <h2 id={`${id}-h`}>
          {LIST_TITLES[list]} <span class="n">({formatNumber(data.total)})</span>
        </h2>
        <a class="no-print small" href={reviewHref(props.q, { week: r.week.week, list }, '/review.csv')}>
          CSV
        </a>
      </div>
      <p class="small muted">{LIST_HINTS[list]}</p>
      {data.rows.length ? (
        <ListTable list={list} rows={data.rows} />
      ) : (
        <p>None{r.prev || !showPrev ? '' : ' (nothing to compare with yet)'}.</p>
      )}
      {data.total > data.rows.length ? (
        <p class="small">
          Showing {formatNumber(data.rows.length)} of {formatNumber(data.total)}: <a href={reviewHref(props.q, { week: r.week.week, list }, '/review/list')}>see all {formatNumber(data.total)}</a>, or{' '}
          <a href={reviewHref(props.q, { week: r.week.week, list }, '/review.csv')}>all as CSV</a>.
        </p>
      ) : null}
    </section>
  );
}

/** A list's table: the account, its state the week before (change lists) and now, close-by date, owner. */
export function ListTable(props: { list: ListName; rows: ListRow[] }) {
  const showPrev = props.list !== 'stale' && props.list !== 'a_list';
  const slips = props.list === 'slipped';
  return (
    <div class="table-wrap">
      <table class="review-table">
        <thead>
          <tr>
            <th scope="col">Account</th>
            {showPrev ? <th scope="col">Week before</th> : null}
            <th scope="col">This week</th>
            <th scope="col">Close by</th>
            {slips ? (
              <th scope="col" class="num">
                Slips
              </th>
            ) : null}
            <th scope="col">Owner</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <ListRowView row={row} showPrev={showPrev} slips={slips} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ListRowView(props: { row: ListRow; showPrev: boolean; slips: boolean }) {
  const x = props.row;
  return (
    <tr>
      <td>
        <a href={accountHref(x.kind, x.accountId)}>{x.name ?? `Account #${x.accountId}`}</a> <Flags flags={x.flags.filter((f) => f === 'slipped' || f === 'stale')} />
      </td>
      {props.showPrev ? (
        <td>
          <StateCell kind={x.prevKind} status={x.prevStatus} grade={x.prevGrade} tier={x.prevTier} />
        </td>
      ) : null}
      <td>
        <StateCell kind={x.kind} status={x.status} grade={x.grade} tier={x.tier} />
      </td>
      <td class="date">
        {x.closeBy ?? '–'}
      </td>
      {props.slips ? (
        <td class="num">
          {formatNumber(x.slipCount)}
        </td>
      ) : null}
      <td>{x.ownerName ?? <span class="muted">unassigned</span>}</td>
    </tr>
  );
}

function RepsTable(props: { reps: RepLine[]; week: WeekInfo }) {
  if (!props.reps.length) return <p>No reps match these filters.</p>;
  return (
    <div class="table-wrap">
      <table class="review-table reps">
        <thead>
          <tr>
            <th scope="col">Rep</th>
            {GRADES.map((g) => (
              <th scope="col" class="num">
                <GradeBadge grade={g} />
              </th>
            ))}
            <th scope="col" class="num">
              Customers
            </th>
            <th scope="col" class="num">
              Stale
            </th>
            <th scope="col" class="num">
              Overdue touches
            </th>
            <th scope="col" class="num">
              Load / capacity
            </th>
            <th scope="col" class="num">
              Utilization
            </th>
          </tr>
        </thead>
        <tbody>
          {props.reps.map((l) => (
            <tr>
              <th scope="row">
                {l.name}
                {l.level ? <span class="muted small"> L{l.level} {LEVEL_LABELS[l.level as Level]}</span> : null}
                {l.region ? <span class="muted small"> · {l.region}</span> : null}
                {l.state && l.state !== 'active' ? <span class="status"> {l.state.replace('_', ' ')}</span> : null}
              </th>
              {GRADES.map((g) => (
                <td class="num">
                  {formatNumber(l.grades[g])}
                </td>
              ))}
              <td class="num">
                {formatNumber(l.customers)}
              </td>
              <td class="num">
                {formatNumber(l.stale)}
              </td>
              <td class="num">
                {l.ownerId === null ? '–' : formatNumber(l.overdue)}
              </td>
              <td class="num">
                {l.capacity === null ? formatNumber(l.load) : `${formatNumber(l.load)} / ${formatNumber(l.capacity)}`}
              </td>
              <td class={`num${l.utilization !== null && l.utilization > 1 ? ' over' : ''}`}>
                {l.utilization === null ? '–' : Number.isFinite(l.utilization) ? `${formatNumber(Math.round(l.utilization * 100))} %` : 'no capacity'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small muted">
        Accounts as of the week's snapshot{props.week.source === 'backfill' ? ' (back-filled: today’s owners)' : ''}; load and utilization under today's ownership policy; overdue touches as of {shortDate(props.week.week, true)}.
      </p>
    </div>
  );
}

export function ReviewEmptyPage(props: { canSnapshot: boolean; currentWeek: string; notice?: string; problem?: string }): Child {
  return (
    <Layout title="Pipeline review" nav="review">
      <h1>Pipeline review</h1>
      {props.problem ? (
        <p class="alert error" role="alert">
          {props.problem}
        </p>
      ) : null}
      {props.notice ? (
        <p class="alert ok" role="status">
          {props.notice}
        </p>
      ) : null}
      <p class="alert info">
        No weekly snapshot has been taken yet. The app takes one every Monday; {props.canSnapshot ? 'you can take this week\u2019s now, or back-fill past weeks from the grade and tier history.' : 'a manager can take this week\u2019s now, or back-fill past weeks.'}
      </p>
      {props.canSnapshot ? <SnapshotControls weeks={[]} currentWeek={props.currentWeek} /> : null}
    </Layout>
  );
}

/** One list of a week whole, a page at a time (the review shows its first rows). */
export function ReviewListPage(props: { list: ListName; week: WeekInfo; q: ReviewQuery; total: number; rows: ListRow[]; next: string | null; first: boolean }) {
  const { list, week, q } = props;
  const title = `${LIST_TITLES[list]}: week of ${shortDate(week.week, true)}`;
  return (
    <Layout title={title} nav="review">
      <div class="review">
        <p class="no-print">
          <a href={reviewHref(q, { week: week.week })}>← The review of the week of {shortDate(week.week, true)}</a>
        </p>
        <div class="row spread">
          <h1>
            {title} <span class="muted">({formatNumber(props.total)})</span>
          </h1>
          <a class="btn secondary no-print" href={reviewHref(q, { week: week.week, list }, '/review.csv')}>
            Export CSV
          </a>
        </div>
        <p class="small muted">{LIST_HINTS[list]}</p>
        {props.rows.length ? <ListTable list={list} rows={props.rows} /> : <p>None.</p>}
        <nav class="pager no-print" aria-label="Pages">
          {!props.first ? <a href={reviewHref(q, { week: week.week, list }, '/review/list')}>← First page</a> : null}
          {props.next ? (
            <a href={reviewHref(q, { week: week.week, list, after: props.next }, '/review/list')} rel="next">
              Next →
            </a>
          ) : null}
        </nav>
      </div>
    </Layout>
  );
}
