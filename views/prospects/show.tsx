import type { AccountRow, AuditRow, DealRow, GradeChangeRow, SignalRow } from '../../src/db/schema.ts';
import type { OwnerInfo } from '../../src/ownership/owner-change.ts';
import { SIGNAL_HINTS, SIGNAL_LABELS, formatMoney, formatNumber } from '../../src/grading/explain.ts';
import type { Grading } from '../../src/grading/grading.ts';
import { TIMING_SIGNALS, TOUCH_SIGNALS, type SignalType } from '../../src/policy/policy.ts';
import { daysBetween } from '../../src/shared/dates.ts';
import { Card, Field, Flags, FormErrors, GradeBadge, emptyForm, type FormState, FirmographicFacts } from '../components.tsx';
import { DealsPanel, type DealProblem } from '../customers/deals.tsx';
import { Layout } from '../layout.tsx';
import { when } from '../time.ts';
import { OwnerCard } from '../ownership/owner-card.tsx';
import { AccountTrail } from '../audit/trail.tsx';
import { viewerIs, viewerMayChange } from '../viewer.ts';
import type { TouchDue } from '../../src/cadence/cadence.ts';
import { CadenceLines } from '../home/cadence-line.tsx';

export type ProspectView = {
  account: AccountRow;
  grading: Grading;
  reasons: string[];
  summary: string;
  signals: SignalRow[];
  history: GradeChangeRow[];
  today: string;
  /** The account's deals (the first won one converts it); the page shows a Deals card when given. */
  deals?: DealRow[];
  /** Who owns it, and who could (the Owner card); its audit trail (the Activity card). */
  owner?: OwnerInfo;
  audit?: AuditRow[];
  /** When the next touch is due (DOMAIN.md §5); the grade card shows it when given. */
  cadence?: TouchDue[];
};

export type StatusError = { action: 'disqualification' | 'loss'; message: string };

export function ProspectPage(
  props: ProspectView & { signalForm: FormState; notice?: string; problem?: string; statusError?: StatusError; dealForm?: FormState; dealProblem?: DealProblem },
) {
  const a = props.account;
  return (
    <Layout title={a.name} nav="prospects">
      <p class="small no-print">
        <a href="/prospects">← Prospects</a>
      </p>
      <div class="row spread">
        <h1>
          {a.name} {a.status !== 'open' ? <span class="status">{a.status}</span> : null}
        </h1>
        <div class="row no-print">
          {viewerMayChange(a.ownerId) ? (
            <a class="btn secondary" href={`/prospects/${a.id}/edit`}>
              Edit
            </a>
          ) : null}
        </div>
      </div>
      {props.notice ? (
        <div class="alert ok" role="status">
          {props.notice}
        </div>
      ) : null}
      {props.problem ? (
        <div class="alert error" role="alert">
          {props.problem}
        </div>
      ) : null}
      <div class="grid2">
        <div>
          <SignalsPanel {...props} />
        </div>
        <div>
          {props.deals ? <DealsPanel account={a} deals={props.deals} dealForm={props.dealForm ?? emptyForm({ status: 'open' })} today={props.today} dealProblem={props.dealProblem} /> : null}
          <Card title="Firmographics" id="facts">
            <Facts account={a} />
          </Card>
          {props.owner ? <OwnerCard accountId={a.id} ownerId={a.ownerId} info={props.owner} /> : null}
          <StatusCard account={a} error={props.statusError} />
          <Card title="Grade history" id="history">
            <History history={props.history} />
          </Card>
          {props.audit ? (
            <Card title="Activity" id="activity">
              <AccountTrail audit={props.audit} accountId={a.id} fullLink={viewerIs('manager')} />
            </Card>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}

/** Grade, explanation, signal form and timeline: what a logged signal changes, swapped as one. */
export function SignalsPanel(props: ProspectView & { signalForm: FormState }) {
  return (
    <div id="signals-panel">
      <GradeCard {...props} />
      {viewerMayChange(props.account.ownerId) ? (
        <Card title="Log a signal" id="log">
          <SignalForm accountId={props.account.id} form={props.signalForm} today={props.today} />
        </Card>
      ) : null}
      <Card title="Signals" id="timeline">
        <Timeline signals={props.signals} />
      </Card>
    </div>
  );
}

export function GradeCard(props: ProspectView) {
  const { grading: g, account: a } = props;
  return (
    <section class="card" id="grade" aria-labelledby="grade-h">
      <h2 id="grade-h" class="sr-only">
        Grade
      </h2>
      <div class="grade-head">
        <GradeBadge grade={g.grade} big />
        <div>
          <div>
            <strong>{g.closeBy ? `Close by ${g.closeBy}` : 'No close date'}</strong>
            {g.closeBy && g.closeBy >= props.today ? <span class="muted"> · {daysBetween(props.today, g.closeBy)} days left</span> : null}
            {' · '}fit {g.fit.score === null ? 'unknown' : formatNumber(g.fit.score)}
            {a.slipCount > 0 ? <span class="muted"> · slipped {a.slipCount}×</span> : null}
          </div>
          <div class="muted small" data-testid="reason">
            {props.summary}
          </div>
          <div>
            <Flags flags={g.flags} />
          </div>
          <CadenceLines dues={props.cadence} today={props.today} />
        </div>
      </div>
      {a.status !== 'open' ? (
        <p class="small muted">
          This prospect is {a.status}
          {a.statusReason ? ` (${a.statusReason})` : ''}: it has left the graded pipeline; the grade is kept as it was.
        </p>
      ) : null}
      <details>
        <summary>Why {g.grade}?</summary>
        <ol class="reasons">
          {props.reasons.map((r) => (
            <li>{r}</li>
          ))}
        </ol>
      </details>
    </section>
  );
}

const typeOptions: (readonly [string, string])[] = [
  ['', 'Choose…'],
  ...TIMING_SIGNALS.map((t) => [t, `${SIGNAL_LABELS[t]} — timing`] as const),
  ...TOUCH_SIGNALS.map((t) => [t, `${SIGNAL_LABELS[t]} — contact`] as const),
];

export function SignalForm(props: { accountId: number; form: FormState; today: string }) {
  const f = props.form;
  return (
    <form method="post" action={`/prospects/${props.accountId}/signals`} hx-post={`/prospects/${props.accountId}/signals`} hx-target="#signals-panel" hx-swap="outerHTML" novalidate>
      <FormErrors form={f} />
      <div class="form-grid">
        <Field form={f} name="type" label="Signal" options={typeOptions} required />
        <Field form={f} name="date" label="Date seen" type="date" hint="Defaults to today" attrs={{ max: props.today }} />
        <Field form={f} name="expectedDate" label="Expected date" type="date" hint="Decision date, the event's date, or a contract's end" />
        <Field form={f} name="event" label="Event (for waiting on an event)" hint="Budget cycle, funding round, move…" />
      </div>
      <Field form={f} name="note" label="Note" textarea />
      <details class="small muted">
        <summary>What each signal means</summary>
        <dl class="facts">
          {[...TIMING_SIGNALS, ...TOUCH_SIGNALS].map((t) => (
            <>
              <dt>{SIGNAL_LABELS[t as SignalType]}</dt>
              <dd>{SIGNAL_HINTS[t as SignalType]}</dd>
            </>
          ))}
        </dl>
      </details>
      <p>
        {/* An id, so that htmx gives the focus back to the new button after it swaps the panel. */}
        <button class="btn" type="submit" id="log-signal">
          Log signal
        </button>
      </p>
    </form>
  );
}

export function Timeline(props: { signals: SignalRow[] }) {
  if (!props.signals.length) return <p class="muted">No signals yet.</p>;
  const timing = new Set<string>(TIMING_SIGNALS);
  return (
    <ol class="timeline">
      {props.signals.map((s) => (
        <li class={timing.has(s.type) ? 'timing' : 'touch'}>
          <span class="when">{s.date}</span> · <strong>{SIGNAL_LABELS[s.type as SignalType] ?? s.type}</strong>
          {s.expectedDate ? <span> · expected {s.expectedDate}</span> : null}
          {s.event ? <span> · event: {s.event}</span> : null}
          {s.note ? <div class="small">{s.note}</div> : null}
          <div class="muted small">
            logged {when(s.loggedAt)}
            {s.loggedBy ? ` by ${s.loggedBy}` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Facts(props: { account: AccountRow }) {
  const s = props.account.situation;
  return (
    <FirmographicFacts account={props.account}>
      <dt>Situation</dt>
      <dd>{s ? s : <span class="muted">unknown</span>}</dd>
    </FirmographicFacts>
  );
}

function StatusCard(props: { account: AccountRow; error?: StatusError }) {
  const a = props.account;
  const err = (action: StatusError['action'], id: string) =>
    props.error?.action === action ? (
      <div class="error" id={`${id}-err`}>
        {props.error.message}
      </div>
    ) : null;
  if (!viewerMayChange(a.ownerId)) {
    return (
      <Card title="Status" id="status">
        <p>{a.status === 'open' ? 'Open' : `${a.status === 'lost' ? 'Lost' : 'Disqualified'}: ${a.statusReason ?? ''}`}</p>
      </Card>
    );
  }
  return (
    <Card title="Status" id="status">
      {a.status === 'open' ? (
        <div class="row">
          <form method="post" action={`/prospects/${a.id}/disqualification`} class="row">
            <input type="hidden" name="version" value={String(a.version)} />
            <div class="field">
              <label for="dq-reason">Disqualify because</label>
              <input id="dq-reason" name="reason" type="text" required aria-invalid={props.error?.action === 'disqualification' ? 'true' : undefined} aria-describedby={props.error?.action === 'disqualification' ? 'dq-reason-err' : undefined} />
              {err('disqualification', 'dq-reason')}
            </div>
            <button class="btn danger" type="submit">
              Disqualify
            </button>
          </form>
          <form method="post" action={`/prospects/${a.id}/loss`} class="row">
            <input type="hidden" name="version" value={String(a.version)} />
            <div class="field">
              <label for="lost-reason">Lost because</label>
              <input id="lost-reason" name="reason" type="text" required aria-invalid={props.error?.action === 'loss' ? 'true' : undefined} aria-describedby={props.error?.action === 'loss' ? 'lost-reason-err' : undefined} />
              {err('loss', 'lost-reason')}
            </div>
            <button class="btn danger" type="submit">
              Mark lost
            </button>
          </form>
        </div>
      ) : (
        <form method="post" action={`/prospects/${a.id}/reopening`}>
          <p>
            {a.status === 'lost' ? 'Lost' : 'Disqualified'}: {a.statusReason}
          </p>
          <input type="hidden" name="version" value={String(a.version)} />
          <button class="btn secondary" type="submit">
            Reopen
          </button>
        </form>
      )}
    </Card>
  );
}

const CAUSES: Record<string, string> = {
  created: 'added',
  signal: 'signal logged',
  edit: 'edited',
  status: 'status changed',
  policy: 'policy changed',
  daily: 'daily re-grade',
  import: 'import',
  converted: 'converted',
  conversion_reversed: 'conversion reversed',
};

function History(props: { history: GradeChangeRow[] }) {
  if (!props.history.length) return <p class="muted">No changes yet.</p>;
  return (
    <ol class="timeline">
      {props.history.map((h) => (
        <li>
          <span class="when">{h.asOf}</span> · {h.fromGrade ? <GradeBadge grade={h.fromGrade} /> : <span class="muted">new</span>} → <GradeBadge grade={h.toGrade} /> <Flags flags={h.flags} />
          <div class="small">{h.reason}</div>
          <div class="muted small">
            {CAUSES[h.cause] ?? h.cause}
            {h.actor && h.actor !== (CAUSES[h.cause] ?? h.cause) ? ` by ${h.actor}` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}
