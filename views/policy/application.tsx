import { formatNumber } from '../../src/grading/explain.ts';
import type { Application, Phase } from '../../src/policy/apply.ts';
import { viewerIs } from '../viewer.ts';
import { when } from '../time.ts';

// How far applying a saved version has got. While it runs, htmx asks the version page again every
// few seconds and swaps this part in (the page answers just this part to htmx); without
// JavaScript, reloading the page shows the same.

const PHASES: Record<Phase, string> = {
  waiting: 'waiting for an older version to finish',
  preview: 'finding the accounts that need a new owner',
  grades: 're-grading open prospects',
  tiers: 're-tiering customers',
  owners: 'placing accounts whose owner no longer meets the level',
};

const pct = (done: number, total: number) => (total ? Math.floor((done / total) * 100) : 100);
const n = formatNumber;

export function ApplicationStatus(props: { version: number; application: Application; isCurrent: boolean; createdBy: string }) {
  const a = props.application;
  if (a.status === 'running') {
    return (
      <section class="card application" id="application" aria-live="polite" hx-get={`/policy/versions/${props.version}`} hx-trigger="every 3s" hx-select="#application" hx-swap="outerHTML">
        <h2>Applying version {props.version}</h2>
        <p>
          Started {when(a.startedAt).slice(11)}; now {PHASES[a.phase]}.
        </p>
        <p>
          <label for={`prospects-${props.version}`}>Prospects re-graded</label>{' '}
          <progress id={`prospects-${props.version}`} max={String(a.prospects.total || 1)} value={String(a.prospects.done)}>
            {pct(a.prospects.done, a.prospects.total)} %
          </progress>{' '}
          {n(a.prospects.done)} of {n(a.prospects.total)}
        </p>
        <p>
          <label for={`customers-${props.version}`}>Customers re-tiered</label>{' '}
          <progress id={`customers-${props.version}`} max={String(a.customers.total || 1)} value={String(a.customers.done)}>
            {pct(a.customers.done, a.customers.total)} %
          </progress>{' '}
          {n(a.customers.done)} of {n(a.customers.total)}
        </p>
        {a.stalled ? (
          <>
            <p class="alert error">Nothing has moved for a few minutes: the instance applying it has probably stopped. Applying again picks up where it stopped.</p>
            {viewerIs('manager') ? (
              <form method="post" action={`/policy/versions/${props.version}/application`}>
                <button class="btn" type="submit">
                  Apply it again
                </button>
              </form>
            ) : null}
          </>
        ) : (
          <p class="muted small">This page updates by itself; reload it if it does not.</p>
        )}
      </section>
    );
  }
  if (a.status === 'done') {
    const s = a.stats;
    return (
      <section class="card application" id="application">
        <h2>Applied</h2>
        {s.superseded ? (
          <p>A newer version was saved before this one finished applying; the newer one was applied instead.</p>
        ) : (
          <p data-testid="applied">
            As of {s.asOf}: {n(s.grades?.changed ?? 0)} grade changes over {n(s.grades?.scanned ?? 0)} open prospects, {n(s.tiers?.changed ?? 0)} tier changes over {n(s.tiers?.scanned ?? 0)} customers,{' '}
            {n(s.owners?.reassigned ?? 0)} accounts given a new owner or flagged unassignable; finished {a.finishedAt ? when(a.finishedAt) : ''} in{' '}
            {n(Math.round(s.ms / 100) / 10)} s.
          </p>
        )}
      </section>
    );
  }
  // Never applied: the first version, or an application that failed or was cut off.
  if (!props.isCurrent || props.createdBy === 'system') return <div id="application"></div>;
  return (
    <section class="card application" id="application">
      <h2>Not applied</h2>
      <p>The accounts were not re-graded with this version (its application failed or was cut off).</p>
      {viewerIs('manager') ? (
        <form method="post" action={`/policy/versions/${props.version}/application`}>
          <button class="btn" type="submit">
            Apply it to every account now
          </button>
        </form>
      ) : null}
    </section>
  );
}
