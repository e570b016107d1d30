import { MOVES_PAGE, type MoveFilter, type PlanView, type ShownMove } from '../../src/ownership/plans.ts';
import { Layout } from '../layout.tsx';
import { Alerts, Card } from '../components.tsx';
import { viewerIs } from '../viewer.ts';
import { UtilBar, pct } from './territory.tsx';

const REASONS: Record<string, string> = {
  unowned: 'No owner',
  below_level: 'Owner below the level it needs',
  owner_deactivated: 'Owner deactivated',
  owner_not_a_rep: 'Owner is not a rep',
  cover: 'Owner on leave',
  over_capacity: 'Owner over capacity',
  evening: 'Evening out the load',
};

const qs = (f: MoveFilter, page: number) => {
  const p = new URLSearchParams();
  if (f.rep) p.set('rep', String(f.rep));
  if (f.reason) p.set('reason', f.reason);
  if (f.level) p.set('level', String(f.level));
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** A balance plan as a preview: what it achieves, each rep before and after, and every move with why. */
export function PlanPage(props: { plan: PlanView; moves: ShownMove[]; total: number; filter: MoveFilter; problem?: string; notice?: string }) {
  const { plan, filter: f } = props;
  const s = plan.summary;
  const name = new Map(plan.reps.map((r) => [r.id, r.name]));
  const who = (id: number | null) => (id === null ? 'nobody' : (name.get(id) ?? `#${id}`));
  const max = Math.max(1.5, ...plan.reps.flatMap((r) => [r.before.utilization, r.after.utilization].filter(Number.isFinite)));
  const changedReps = plan.reps.filter((r) => r.before.load !== r.after.load || r.before.count !== r.after.count);
  const pages = Math.max(1, Math.ceil(props.total / MOVES_PAGE));
  const levels = [...new Set(plan.reps.map((r) => r.level))].sort((a, b) => b - a);
  return (
    <Layout title={`Balance plan #${plan.id}`} nav="territory">
      <p>
        <a href="/territory">← Territory</a>
      </p>
      <h1>{`Balance plan #${plan.id}`}</h1>
      <Alerts problem={props.problem} notice={props.notice} />
      <p class="muted">
        {`${plan.status === 'proposed' ? 'Proposed' : plan.status === 'applied' ? 'Applied' : 'Discarded'} · computed by ${plan.createdBy} as of ${plan.asOf} on policy version ${plan.policyVersion}${plan.options.cover ? ', moving the accounts of reps on leave' : ''}`}
        {plan.decidedBy ? ` · ${plan.status} by ${plan.decidedBy}` : ''}
      </p>
      <div class="stats" data-testid="plan-summary">
        <div>
          <strong>{s.moveCount}</strong> moves (a from-scratch assignment would move {s.fromScratch.moves})
        </div>
        <div>
          Highest utilization <strong>{pct(s.maxBefore)}</strong> → <strong>{pct(s.maxAfter)}</strong>; best possible at least {pct(s.bound.utilization)} (level {s.bound.level} and above)
        </div>
        <div>
          Breaches <strong>{s.breachesBefore}</strong> → <strong>{s.breachesAfter}</strong>
        </div>
        {s.unassignable.length ? <div class="over-text">{`${s.unassignable.length} accounts have no active rep senior enough: they stay flagged unassignable.`}</div> : null}
        {s.pinnedInBreach.length ? <div>{`${s.pinnedInBreach.length} pinned accounts stay in breach (pinned accounts never move).`}</div> : null}
        {s.needingCover.length ? <div>{`${s.needingCover.length} accounts of reps on leave stay, needing cover.`}</div> : null}
      </div>
      {plan.status === 'proposed' && viewerIs('manager') ? (
        <div class="row actions">
          <form method="post" action={`/territory/plans/${plan.id}/apply`}>
            <button type="submit" class="btn">{`Apply all ${s.moveCount} moves`}</button>
          </form>
          <form method="post" action={`/territory/plans/${plan.id}/discard`}>
            <button type="submit" class="btn secondary">
              Discard
            </button>
          </form>
        </div>
      ) : null}
      <Card title={`Reps whose load changes (${changedReps.length})`}>
        <div class="table-wrap">
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Rep</th>
                <th scope="col" class="num">
                  Level
                </th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
                <th scope="col" class="num">
                  Accounts
                </th>
              </tr>
            </thead>
            <tbody>
              {changedReps.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={`/territory/plans/${plan.id}${qs({ ...f, rep: r.id, page: 1 }, 1)}`}>{r.name}</a>
                  </th>
                  <td class="num">{r.level}</td>
                  <td>
                    <UtilBar utilization={r.before.utilization} max={max} label={`${r.name} before: ${pct(r.before.utilization)}`} /> {`${pct(r.before.utilization)} (${r.before.load}/${r.capacity})`}
                  </td>
                  <td>
                    <UtilBar utilization={r.after.utilization} max={max} label={`${r.name} after: ${pct(r.after.utilization)}`} /> {`${pct(r.after.utilization)} (${r.after.load}/${r.capacity})`}
                  </td>
                  <td class="num">{`${r.before.count} → ${r.after.count}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title={`Moves (${props.total}${props.total !== s.moveCount ? ` of ${s.moveCount}` : ''})`}>
        <form method="get" action={`/territory/plans/${plan.id}`} class="row" role="search">
          <div class="field">
            <label for="f-rep">Rep</label>
            <select id="f-rep" name="rep">
              <option value="">Anyone</option>
              {plan.reps.map((r) => (
                <option value={String(r.id)} selected={f.rep === r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-reason">Why</label>
            <select id="f-reason" name="reason">
              <option value="">Any reason</option>
              {Object.entries(REASONS).map(([k, v]) => (
                <option value={k} selected={f.reason === k}>
                  {v}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-level">To level</label>
            <select id="f-level" name="level">
              <option value="">Any level</option>
              {levels.map((l) => (
                <option value={String(l)} selected={f.level === l}>
                  {`Level ${l}`}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn secondary">
            Filter
          </button>
        </form>
        <div class="table-wrap">
          <table class="grid" data-testid="moves">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Is</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {props.moves.map((m) => (
                <tr>
                  <td>
                    <a href={`/accounts/${m.accountId}`}>{`#${m.accountId}`}</a>
                  </td>
                  <td>{`${m.key} (needs level ${m.minLevel}, ${m.load} pts)`}</td>
                  <td>{who(m.from)}</td>
                  <td>{who(m.to)}</td>
                  <td>
                    <span class="flag">{REASONS[m.reason] ?? m.reason}</span> {m.why}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {pages > 1 ? (
          <nav class="pager" aria-label="Pages of moves">
            {f.page > 1 ? <a href={`/territory/plans/${plan.id}${qs(f, f.page - 1)}`}>← Previous</a> : null}
            <span>{`Page ${f.page} of ${pages}`}</span>
            {f.page < pages ? <a href={`/territory/plans/${plan.id}${qs(f, f.page + 1)}`}>Next →</a> : null}
          </nav>
        ) : null}
      </Card>
    </Layout>
  );
}
