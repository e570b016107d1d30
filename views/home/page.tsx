import type { OverdueTouch } from '../../src/cadence/queries.ts';
import { TOUCH_LABELS } from '../../src/cadence/cadence.ts';
import { formatNumber } from '../../src/grading/explain.ts';
import type { ChangeRow, Home, Rep } from '../../src/home/queries.ts';
import { daysBetween } from '../../src/shared/dates.ts';
import { Card, Flags, GradeBadge } from '../components.tsx';
import { TierBadge } from '../customers/components.tsx';
import { Layout } from '../layout.tsx';

const accountHref = (kind: string, id: number) => (kind === 'customer' ? `/customers/${id}` : `/prospects/${id}`);

const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** "Showing 50 of 212" under a list cut at its limit. */
function More(props: { shown: number; total: number; href?: string; label?: string }) {
  if (props.total <= props.shown) return null;
  return (
    <p class="small muted">
      Showing the first {formatNumber(props.shown)} of {formatNumber(props.total)}.{props.href ? <> <a href={props.href}>{props.label ?? 'See them all'}</a></> : null}
    </p>
  );
}

export function HomePage(props: { home: Home; reps: Rep[] | null; choice: string }) {
  const { home } = props;
  const team = home.rep === null;
  const whose = team ? 'The team' : home.rep!.name;
  return (
    <Layout title="Home" nav="home">
      <div class="row spread">
        <h1>{team ? 'Team home' : `Home · ${home.rep!.name}`}</h1>
        {props.reps ? <RepPicker reps={props.reps} choice={props.choice} /> : null}
      </div>
      <p class="muted small">
        As of {home.asOf}: {plural(home.overdue.total, 'overdue touch', 'overdue touches')}, {plural(home.stale.total, 'stale prospect')}, {plural(home.aList.total, 'A prospect')}.
      </p>
      <Card title="Overdue touches" id="overdue">
        <OverdueTable rows={home.overdue.rows} team={team} whose={whose} />
        <More shown={home.overdue.rows.length} total={home.overdue.total} />
      </Card>
      <div class="grid2">
        <div>
          <Card title="A list" id="a-list">
            <AList home={home} team={team} />
          </Card>
          <Card title="Stale prospects" id="stale">
            <StaleList home={home} team={team} />
          </Card>
        </div>
        <div>
          <Card title="Changed since last week" id="changes">
            <ChangeList home={home} />
          </Card>
        </div>
      </div>
    </Layout>
  );
}

function RepPicker(props: { reps: Rep[]; choice: string }) {
  return (
    <form method="get" action="/home" class="row no-print" role="search">
      <div class="field">
        <label for="f-rep">Whose accounts</label>
        <select id="f-rep" name="rep">
          <option value="" selected={props.choice === ''}>
            Whole team
          </option>
          {props.reps.map((r) => (
            <option value={String(r.id)} selected={props.choice === String(r.id)}>
              {r.name}
              {r.state === 'on_leave' ? ' (on leave)' : ''}
            </option>
          ))}
        </select>
      </div>
      <button class="btn secondary" type="submit">
        Show
      </button>
    </form>
  );
}

export function OverdueTable(props: { rows: OverdueTouch[]; team: boolean; whose: string }) {
  if (!props.rows.length) return <p class="muted">Nothing overdue: every account has been touched as often as the policy asks.</p>;
  return (
    <table class="list" data-testid="overdue">
      <thead>
        <tr>
          <th>Account</th>
          <th>Grade or tier</th>
          <th>Due</th>
          <th class="num">Overdue</th>
          <th>Last</th>
          {props.team ? <th>Owner</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td data-label="Account">
              <a href={accountHref(r.kind, r.accountId)}>{r.name}</a>
            </td>
            <td data-label="Grade or tier">{r.kind === 'customer' ? <TierBadge tier={r.tier} /> : <GradeBadge grade={r.grade} />}</td>
            <td data-label="Due">
              {TOUCH_LABELS[r.touch]} <span class="muted small">every {r.everyDays} days, due {r.dueOn}</span>
            </td>
            <td class="num overdue" data-label="Overdue">
              {plural(r.daysOverdue, 'day')}
            </td>
            <td data-label="Last" class="nowrap">{r.lastOn ?? <span class="muted">never</span>}</td>
            {props.team ? <td data-label="Owner">{r.ownerName ?? <span class="muted">unassigned</span>}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AList(props: { home: Home; team: boolean }) {
  const { rows, total } = props.home.aList;
  if (!rows.length) return <p class="muted">No open A prospects.</p>;
  const today = props.home.asOf;
  return (
    <>
      <table class="list" data-testid="a-list">
        <thead>
          <tr>
            <th>Prospect</th>
            <th>Close by</th>
            <th class="num">Fit</th>
            {props.team ? <th>Owner</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td data-label="Prospect">
                <a href={`/prospects/${r.id}`}>{r.name}</a> <Flags flags={r.flags} />
                {r.reason ? <div class="why">{r.reason}</div> : null}
              </td>
              <td data-label="Close by" class="nowrap">
                {r.closeBy ?? <span class="muted">none</span>}
                {r.closeBy && r.closeBy >= today ? <div class="muted small">{plural(daysBetween(today, r.closeBy), 'day')} left</div> : null}
              </td>
              <td class="num" data-label="Fit">
                {r.fit === null ? '–' : formatNumber(r.fit)}
              </td>
              {props.team ? <td data-label="Owner">{r.ownerName ?? <span class="muted">unassigned</span>}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      <More shown={rows.length} total={total} href="/prospects?grade=A&sort=close_by" label="All A prospects" />
    </>
  );
}

function StaleList(props: { home: Home; team: boolean }) {
  const { rows, total } = props.home.stale;
  if (!rows.length) return <p class="muted">No stale prospects.</p>;
  const today = props.home.asOf;
  return (
    <>
      <table class="list" data-testid="stale">
        <thead>
          <tr>
            <th>Prospect</th>
            <th>Last signal</th>
            {props.team ? <th>Owner</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const since = r.lastSignalOn ?? r.addedOn;
            return (
              <tr>
                <td data-label="Prospect">
                  <GradeBadge grade={r.grade} /> <a href={`/prospects/${r.id}`}>{r.name}</a>
                </td>
                <td data-label="Last signal">
                  {r.lastSignalOn ?? <span class="muted">none (added {r.addedOn})</span>}
                  <div class="muted small">quiet {plural(daysBetween(since, today), 'day')}</div>
                </td>
                {props.team ? <td data-label="Owner">{r.ownerName ?? <span class="muted">unassigned</span>}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
      <More shown={rows.length} total={total} href="/prospects?flag=stale&sort=last_signal&dir=asc" label="All stale prospects" />
    </>
  );
}

const CHANGE_LABELS: Record<ChangeRow['kind'], string> = { grade: 'Grade', tier: 'Tier', owner: 'Owner', new: 'New', converted: 'Converted' };
const CHANGE_COUNTS: Record<ChangeRow['kind'], [string, string]> = {
  grade: ['grade change', 'grade changes'],
  tier: ['tier change', 'tier changes'],
  owner: ['owner change', 'owner changes'],
  new: ['new account', 'new accounts'],
  converted: ['conversion', 'conversions'],
};

function ChangeWhat(props: { r: ChangeRow }) {
  const r = props.r;
  switch (r.kind) {
    case 'grade':
      return (
        <>
          <GradeBadge grade={r.from} /> → <GradeBadge grade={r.to} />
        </>
      );
    case 'tier':
      return (
        <>
          <TierBadge tier={r.from} /> → <TierBadge tier={r.to} />
        </>
      );
    case 'owner':
      return (
        <>
          {r.from ?? 'nobody'} → {r.to ?? 'nobody'}
        </>
      );
    case 'new':
      return <>added{r.to ? <> at {r.accountKind === 'customer' ? <TierBadge tier={r.to} /> : <GradeBadge grade={r.to} />}</> : null}</>;
    case 'converted':
      return (
        <>
          won, closed at <GradeBadge grade={r.to} />
        </>
      );
  }
}

function ChangeList(props: { home: Home }) {
  const c = props.home.changes;
  const total = Object.values(c.counts).reduce((a, b) => a + b, 0);
  return (
    <>
      <p class="small muted">
        {c.from} to {c.to}:{' '}
        {total
          ? Object.entries(c.counts)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => plural(n, ...CHANGE_COUNTS[k as ChangeRow['kind']]))
              .join(' · ')
          : 'nothing changed.'}
      </p>
      {c.rows.length ? (
        <ol class="timeline" data-testid="changes">
          {c.rows.map((r) => (
            <li>
              <span class="when">{r.on}</span> · {CHANGE_LABELS[r.kind]} · <a href={accountHref(r.accountKind, r.accountId)}>{r.accountName}</a>: <ChangeWhat r={r} />
              {r.detail ? <div class="muted small">{r.detail}</div> : null}
            </li>
          ))}
        </ol>
      ) : null}
      <More shown={c.rows.length} total={total} />
    </>
  );
}
