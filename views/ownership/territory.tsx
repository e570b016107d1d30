import type { RepSummary, Territory } from '../../src/ownership/territory.ts';
import { Layout } from '../layout.tsx';
import { Card } from '../components.tsx';
import { viewerIs } from '../viewer.ts';

// The territory (DOMAIN.md §3): every rep's load against capacity, grouped by level, as a bar a
// manager reads at a glance, with the breaches, the stale accounts and who needs cover.

export const pct = (u: number) => (Number.isFinite(u) ? `${Math.round(u * 100)} %` : '–');
const STATE_TEXT: Record<string, string> = { active: '', on_leave: 'on leave', deactivated: 'deactivated' };

/** Utilization as a bar: the capacity line at 100 %, red past it. Server SVG, so it prints. */
export function UtilBar(props: { utilization: number; max?: number; label: string }) {
  const max = Math.max(props.max ?? 1.5, 1);
  const u = Number.isFinite(props.utilization) ? props.utilization : 0;
  const w = 160;
  const x = (v: number) => Math.min(w, (v / max) * w);
  const over = u > 1;
  return (
    <svg class="ubar" width={w} height="14" viewBox={`0 0 ${w} 14`} role="img" aria-label={props.label}>
      <rect x="0" y="2" width={w} height="10" rx="2" class="ubar-track" />
      <rect x="0" y="2" width={x(u)} height="10" rx="2" class={over ? 'ubar-fill over' : 'ubar-fill'} />
      <line x1={x(1)} x2={x(1)} y1="0" y2="14" class="ubar-cap" />
    </svg>
  );
}

function RepRow(props: { r: RepSummary; tiers: string[]; max: number }) {
  const { r } = props;
  return (
    <tr class={r.state !== 'active' ? 'inactive' : undefined}>
      <th scope="row">
        <a href={`/prospects?owner=${r.id}`}>{r.name}</a>
        {r.state !== 'active' ? <span class="flag">{STATE_TEXT[r.state]}</span> : null}
        {r.region ? <div class="small muted">{r.region}</div> : null}
      </th>
      {(['A', 'B', 'C', 'D'] as const).map((g) => (
        <td class="num">{r.grades[g] ?? 0}</td>
      ))}
      {props.tiers.map((t) => (
        <td class="num">{r.tiers[t] ?? 0}</td>
      ))}
      <td class="num">{`${r.load} / ${r.capacity}`}</td>
      <td>
        <UtilBar utilization={r.utilization} max={props.max} label={`${r.name}: ${pct(r.utilization)} of capacity`} /> <span class={r.utilization > 1 ? 'over-text' : undefined}>{pct(r.utilization)}</span>
      </td>
      <td class="num">{r.breaches ? <strong class="over-text">{r.breaches}</strong> : 0}</td>
      <td class="num">{r.stale}</td>
      <td class="num">{r.pinned}</td>
    </tr>
  );
}

type PlanLine = { id: number; status: string; createdBy: string; createdAt: Date; decidedBy: string | null; summary: unknown };

export function TerritoryPage(props: { territory: Territory; plans: PlanLine[]; levels: { level: number; name: string }[] }) {
  const t = props.territory;
  const tiers = Object.keys(t.reps[0]?.tiers ?? {});
  const max = Math.max(1.5, ...t.reps.map((r) => (Number.isFinite(r.utilization) ? r.utilization : 0)));
  const onLeave = t.reps.filter((r) => r.state === 'on_leave');
  return (
    <Layout title="Territory" nav="territory">
      <div class="row spread">
        <h1>Territory</h1>
        <a class="btn secondary" href="/territory.csv">
          Export CSV
        </a>
      </div>
      <div class="stats" data-testid="team-totals">
        <div>
          <strong>{t.total.accounts}</strong> accounts carrying load
        </div>
        <div>
          <strong>{`${t.total.load} / ${t.total.capacity}`}</strong> load points / active capacity ({pct(t.total.utilization)})
        </div>
        <div>
          <strong class={t.total.breaches ? 'over-text' : undefined}>{t.total.breaches}</strong> in breach of the seniority rule
        </div>
        <div>
          <strong>{t.unowned.count}</strong> without an owner · <strong>{t.unassignable}</strong> unassignable
        </div>
      </div>
      {viewerIs('manager') ? (
        <Card title="Propose a balance">
          <form method="post" action="/territory/plans" class="row">
            <label class="check">
              <input type="checkbox" name="cover" value="true" /> Also move the accounts of reps on leave (otherwise they stay, marked as needing cover)
            </label>
            <button type="submit" class="btn">
              Propose a balance
            </button>
          </form>
          <p class="small muted">The plan is only a preview until you apply it: clear every seniority breach, bring every rep within capacity and even out the load, with as few moves as it can, never moving a pinned account.</p>
        </Card>
      ) : null}
      {t.levels.map((l) => {
        const reps = t.reps.filter((r) => r.level === l.level);
        return (
          <section class="level" aria-labelledby={`level-${l.level}`}>
            <h2 id={`level-${l.level}`}>{`Level ${l.level} · ${l.name}`}</h2>
            <p class="small muted" data-testid={`level-${l.level}-totals`}>
              {`${l.activeReps} of ${l.reps} reps active · ${l.count} accounts · ${l.load} of ${l.capacity} points (${pct(l.utilization)}) · ${l.breaches} in breach · ${l.stale} stale`}
            </p>
            <div class="table-wrap">
              <table class="grid territory">
                <thead>
                  <tr>
                    <th scope="col">Rep</th>
                    {['A', 'B', 'C', 'D'].map((g) => (
                      <th scope="col" class="num">
                        {g}
                      </th>
                    ))}
                    {tiers.map((x) => (
                      <th scope="col" class="num">
                        {x}
                      </th>
                    ))}
                    <th scope="col" class="num">
                      Load / capacity
                    </th>
                    <th scope="col">Utilization</th>
                    <th scope="col" class="num">
                      Breaches
                    </th>
                    <th scope="col" class="num">
                      Stale
                    </th>
                    <th scope="col" class="num">
                      Pinned
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {reps.map((r) => (
                    <RepRow r={r} tiers={tiers} max={max} />
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
      <Card title="Needing cover">
        {onLeave.length ? (
          <ul data-testid="needing-cover">
            {onLeave.map((r) => (
              <li>
                <a href={`/prospects?owner=${r.id}`}>{r.name}</a>
                {` is on leave with ${r.count} accounts (${r.load} points).`}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">Nobody is on leave.</p>
        )}
        {t.unowned.count ? (
          <p>
            <a href="/prospects?owner=none">{`${t.unowned.count} accounts have no owner`}</a>
            {` (${t.unowned.load} points).`}
          </p>
        ) : null}
        {t.nonRepOwned.count ? <p>{`${t.nonRepOwned.count} accounts are owned by someone who is not a rep.`}</p> : null}
      </Card>
      {props.plans.length ? (
        <Card title="Recent balance plans">
          <ul>
            {props.plans.map((p) => {
              const s = p.summary as { moveCount?: number };
              return (
                <li>
                  <a href={`/territory/plans/${p.id}`}>{`Plan #${p.id}`}</a>
                  {` · ${p.status} · ${s.moveCount ?? 0} moves · proposed by ${p.createdBy}`}
                  {p.decidedBy ? `, ${p.status} by ${p.decidedBy}` : ''}
                </li>
              );
            })}
          </ul>
        </Card>
      ) : null}
    </Layout>
  );
}
