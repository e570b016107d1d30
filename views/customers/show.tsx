import type { AccountRow, AuditRow, DealRow, GradeChangeRow, SignalRow, TierChangeRow } from '../../src/db/schema.ts';
import type { Tiering } from '../../src/customers/tiering.ts';
import { formatMoney, formatNumber } from '../../src/grading/explain.ts';
import { Alerts, Card, Field, FormErrors, GradeBadge, emptyForm, type FormState, FirmographicFacts } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { when } from '../time.ts';
import { TIER_CAUSES, TierBadge } from './components.tsx';
import { DealsPanel, type DealProblem } from './deals.tsx';
import type { OwnerInfo } from '../../src/ownership/owner-change.ts';
import { OwnerCard } from '../ownership/owner-card.tsx';
import { viewerMayChange } from '../viewer.ts';
import type { TouchDue } from '../../src/cadence/cadence.ts';
import { CadenceLines } from '../home/cadence-line.tsx';

export type CustomerView = {
  account: AccountRow;
  deals: DealRow[];
  /** Scored live as of today, so the explanation is always current. */
  tiering: Tiering;
  summary: string;
  reasons: string[];
  tierHistory: TierChangeRow[];
  gradeHistory: GradeChangeRow[];
  audit: AuditRow[];
  today: string;
  /** Who owns it, and who could (the Owner card). */
  owner?: OwnerInfo;
  /** When the next call and visit are due (DOMAIN.md §5); the tier card shows them when given. */
  cadence?: TouchDue[];
  /** Recent calls, visits and other touches. */
  touches?: SignalRow[];
};

export type CustomerPageProps = CustomerView & {
  dealForm: FormState;
  dealProblem?: DealProblem;
  dealNotice?: string;
  paymentForm?: FormState;
  touchForm?: FormState;
  notice?: string;
  problem?: string;
};

export function closedAtLine(a: Pick<AccountRow, 'closedGrade' | 'convertedOn'>) {
  return `Closed at grade ${a.closedGrade ?? '–'} on ${a.convertedOn ?? '–'}`;
}

export function CustomerPage(props: CustomerPageProps) {
  const a = props.account;
  return (
    <Layout title={a.name} nav="customers">
      <p class="small no-print">
        <a href="/customers">← Customers</a>
      </p>
      <div class="row spread">
        <h1>
          {a.name} <TierBadge tier={props.tiering.tier} score={props.tiering.score} />
        </h1>
      </div>
      <p class="muted" data-testid="closed-at">
        Customer since {a.convertedOn} · {closedAtLine(a)} <GradeBadge grade={a.closedGrade} label={`Closed at grade ${a.closedGrade}`} />
      </p>
      <Alerts problem={props.problem} notice={props.notice} />
      <div class="grid2">
        <div>
          <CustomerPanel {...props} />
        </div>
        <div>
          <Card title="Firmographics" id="facts">
            <Facts account={a} />
          </Card>
          {props.owner ? <OwnerCard accountId={a.id} ownerId={a.ownerId} info={props.owner} /> : null}
          <TouchCard account={a} touches={props.touches ?? []} form={props.touchForm ?? emptyForm({ type: 'call', date: props.today })} />
          {viewerMayChange(a.ownerId) ? <PaymentCard account={a} form={props.paymentForm ?? emptyForm({ daysPaidLate: a.daysPaidLate, version: a.version })} /> : null}
          <Card title="Tier history" id="tier-history">
            <TierHistory history={props.tierHistory} />
          </Card>
          <Card title="Account history" id="history">
            <GradeHistory history={props.gradeHistory} />
          </Card>
          <Card title="Activity" id="activity">
            <Activity audit={props.audit} />
          </Card>
        </div>
      </div>
    </Layout>
  );
}

/** The tier and the deals: what a deal action changes, swapped as one by htmx. */
export function CustomerPanel(props: CustomerPageProps) {
  return (
    <DealsPanel account={props.account} deals={props.deals} dealForm={props.dealForm} today={props.today} dealProblem={props.dealProblem} dealNotice={props.dealNotice}>
      <TierCard {...props} />
    </DealsPanel>
  );
}

export function TierCard(props: CustomerView) {
  const { tiering: t, account: a } = props;
  return (
    <section class="card" id="tier" aria-labelledby="tier-h">
      <h2 id="tier-h" class="sr-only">
        Tier
      </h2>
      <div class="grade-head">
        <TierBadge tier={t.tier} score={t.score} big />
        <div>
          <div>
            <strong>{t.score === null ? 'Score unknown' : `Score ${formatNumber(t.score)}`}</strong>
            <span class="muted">
              {' '}
              · sales 12 m {formatMoney(t.sales12m)} · lifetime {formatMoney(t.lifetimeSales)} · {t.wonDeals} won deal{t.wonDeals === 1 ? '' : 's'}
            </span>
          </div>
          <div class="muted small" data-testid="tier-reason">
            {props.summary}
          </div>
          <CadenceLines dues={props.cadence} today={props.today} />
          {a.tier && a.tier !== t.tier ? (
            <div class="small">
              Stored tier {a.tier} (as of {a.tieredOn}); as of today it scores {t.tier}. The next re-tier will record the change.
            </div>
          ) : null}
        </div>
      </div>
      <details>
        <summary>Why {t.tier}?</summary>
        <ol class="reasons">
          {props.reasons.map((r) => (
            <li>{r}</li>
          ))}
        </ol>
      </details>
    </section>
  );
}

function Facts(props: { account: AccountRow }) {
  const a = props.account;
  const none = <span class="muted">unknown</span>;
  return (
    <FirmographicFacts account={a}>
      <dt>Fit as a prospect</dt>
      <dd>{a.fit === null ? none : formatNumber(a.fit)}</dd>
      <dt>Days paid late</dt>
      <dd>{a.daysPaidLate === null ? none : `${formatNumber(a.daysPaidLate)} on average`}</dd>
    </FirmographicFacts>
  );
}

const TOUCH_LABELS: Record<string, string> = { call: 'Call', meeting: 'Meeting', email: 'Email', visit: 'Visit', note: 'Note' };

/** Calls, visits and other touches: what the contact cadence counts (DOMAIN.md §5). */
function TouchCard(props: { account: AccountRow; touches: SignalRow[]; form: FormState }) {
  const f = props.form;
  return (
    <Card title="Touches" id="touches">
      {viewerMayChange(props.account.ownerId) ? (
      <form method="post" action={`/customers/${props.account.id}/touches`} novalidate>
        <FormErrors form={f} />
        <div class="row">
          <Field form={f} name="type" label="Touch" options={Object.entries(TOUCH_LABELS)} />
          <Field form={f} name="date" label="Date" type="date" />
        </div>
        <Field form={f} name="note" label="Note" hint="Optional" />
        <button class="btn secondary" type="submit">
          Log touch
        </button>
      </form>
      ) : null}
      {props.touches.length ? (
        <ol class="timeline" data-testid="touches">
          {props.touches.map((t) => (
            <li>
              <span class="when">{t.date}</span> · {TOUCH_LABELS[t.type] ?? t.type}
              {t.note ? ` — ${t.note}` : ''} <span class="small muted">by {t.loggedBy ?? 'someone'}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No touches logged yet.</p>
      )}
    </Card>
  );
}

function PaymentCard(props: { account: AccountRow; form: FormState }) {
  const f = props.form;
  return (
    <Card title="Payment record" id="payment">
      <form method="post" action={`/customers/${props.account.id}/payment`} class="row" novalidate>
        <FormErrors form={f} />
        <input type="hidden" name="version" value={String(f.values.version ?? props.account.version)} />
        <Field form={f} name="daysPaidLate" label="Average days paid late" hint="Blank when not known" attrs={{ inputmode: 'decimal' }} />
        <button class="btn secondary" type="submit">
          Save
        </button>
      </form>
    </Card>
  );
}

function TierHistory(props: { history: TierChangeRow[] }) {
  if (!props.history.length) return <p class="muted">No tier changes yet.</p>;
  return (
    <ol class="timeline">
      {props.history.map((h) => (
        <li>
          <span class="when">{h.asOf}</span> · {h.fromTier ? <TierBadge tier={h.fromTier} /> : <span class="muted">none</span>} → {h.toTier ? <TierBadge tier={h.toTier} /> : <span class="muted">none</span>}
          {h.score !== null ? <span> · score {formatNumber(h.score)}</span> : null}
          <details class="small">
            <summary>
              {TIER_CAUSES[h.cause] ?? h.cause} by {h.actor}
            </summary>
            <ol class="reasons">
              {(h.reasons as string[]).map((r) => (
                <li>{r}</li>
              ))}
            </ol>
          </details>
        </li>
      ))}
    </ol>
  );
}

const GRADE_CAUSES: Record<string, string> = {
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

function GradeHistory(props: { history: GradeChangeRow[] }) {
  if (!props.history.length) return <p class="muted">No changes yet.</p>;
  return (
    <ol class="timeline">
      {props.history.map((h) => (
        <li>
          <span class="when">{h.asOf}</span> · {h.fromGrade ? <GradeBadge grade={h.fromGrade} /> : <span class="muted">new</span>} → <GradeBadge grade={h.toGrade} />
          <div class="small">{h.reason}</div>
          <div class="muted small">
            {GRADE_CAUSES[h.cause] ?? h.cause} by {h.actor}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Activity(props: { audit: AuditRow[] }) {
  if (!props.audit.length) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <ol class="timeline">
      {props.audit.map((e) => {
        const after = (e.after ?? e.before) as { title?: string } | null;
        return (
          <li>
            <span class="when">{when(e.at)}</span> · {e.entity} {e.action.replace(/_/g, ' ')}
            {e.entity === 'deal' && after?.title ? ` “${after.title}”` : ''} <span class="muted small">by {e.actor}</span>
          </li>
        );
      })}
    </ol>
  );
}
