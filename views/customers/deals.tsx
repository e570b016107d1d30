import type { Child } from 'hono/jsx';
import type { AccountRow, DealRow } from '../../src/db/schema.ts';
import { formatMoney, formatNumber } from '../../src/grading/explain.ts';
import { Card, Field, FormErrors, type FormState } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewerMayChange } from '../viewer.ts';

/** A failed deal action: which deal (none: the new-deal form or the whole list) and why. */
export type DealProblem = { dealId?: number; message: string };

export type DealsProps = {
  account: AccountRow;
  deals: DealRow[];
  dealForm: FormState;
  today: string;
  dealProblem?: DealProblem;
  dealNotice?: string;
};

const statusOptions = [
  ['open', 'Open'],
  ['won', 'Won'],
  ['lost', 'Lost'],
] as const;

const hx = (path: string) => ({ method: 'post' as const, action: path, 'hx-post': path, 'hx-target': '#deals-panel', 'hx-swap': 'outerHTML' });

/** What a deal action changes, swapped as one: for a prospect the deals card, for a customer its tier too. */
export function DealsPanel(props: DealsProps & { children?: Child }) {
  return (
    <div id="deals-panel">
      {props.children}
      <DealsCard {...props} />
    </div>
  );
}

export function DealsCard(props: DealsProps) {
  const p = props.dealProblem;
  return (
    <Card title="Deals" id="deals">
      {props.dealNotice ? (
        <div class="alert ok" role="status">
          {props.dealNotice}
        </div>
      ) : null}
      {p ? (
        <div class="alert error" role="alert">
          {p.message}
        </div>
      ) : null}
      <DealList deals={props.deals} today={props.today} problem={p} readOnly={!viewerMayChange(props.account.ownerId)} />
      {viewerMayChange(props.account.ownerId) ? (
        <>
          <h3 class="small">Add a deal</h3>
          <DealForm accountId={props.account.id} form={props.dealForm} today={props.today} />
        </>
      ) : null}
    </Card>
  );
}

function DealList(props: { deals: DealRow[]; today: string; problem?: DealProblem; readOnly?: boolean }) {
  if (!props.deals.length) return <p class="muted">No deals yet. The first won deal makes this account a customer.</p>;
  return (
    <ul class="deals">
      {props.deals.map((d) => (
        <li class={`deal ${d.status}`} id={`deal-${d.id}`}>
          <div class="row spread">
            <div>
              <strong>{d.title}</strong> · {formatMoney(d.value)}
              {d.marginPct !== null ? <span> · margin {formatNumber(d.marginPct)} %</span> : null} · <span class={`deal-status ${d.status}`}>{d.status}</span>
              <div class="muted small">
                {d.status === 'open' ? (d.expectedCloseOn ? `expected to close ${d.expectedCloseOn}` : 'no expected close date') : `${d.status} on ${d.closedOn}`}
                {d.lostReason ? ` · ${d.lostReason}` : ''} · added by {d.createdBy}
              </div>
            </div>
            {props.readOnly ? null : (
              <div class="row no-print">
                <a class="small" href={`/deals/${d.id}/edit`}>Edit</a>
                <form {...hx(`/deals/${d.id}/deletion`)} hx-confirm={`Delete the deal “${d.title}”?`}>
                  <input type="hidden" name="version" value={String(d.version)} />
                  <button class="btn danger small" type="submit">Delete</button>
                </form>
              </div>
            )}
          </div>
          {props.problem?.dealId === d.id ? (
            <div class="error" id={`deal-${d.id}-err`}>
              {props.problem.message}
            </div>
          ) : null}
          {props.readOnly ? null : <DealActions deal={d} today={props.today} />}
        </li>
      ))}
    </ul>
  );
}

function DealActions(props: { deal: DealRow; today: string }) {
  const d = props.deal;
  if (d.status !== 'open')
    return (
      <form {...hx(`/deals/${d.id}/reopening`)} class="row no-print">
        <input type="hidden" name="version" value={String(d.version)} />
        <button class="btn secondary small" type="submit">Reopen</button>
      </form>
    );
  return (
    <div class="row no-print">
      <form {...hx(`/deals/${d.id}/win`)} class="row">
        <input type="hidden" name="version" value={String(d.version)} />
        <div class="field">
          <label for={`win-${d.id}-closedOn`}>Won on</label>
          <input type="date" id={`win-${d.id}-closedOn`} name="closedOn" value={props.today} max={props.today} />
        </div>
        <button class="btn small" type="submit">Mark won</button>
      </form>
      <form {...hx(`/deals/${d.id}/loss`)} class="row">
        <input type="hidden" name="version" value={String(d.version)} />
        <div class="field">
          <label for={`loss-${d.id}-reason`}>Lost because</label>
          <input type="text" id={`loss-${d.id}-reason`} name="lostReason" required />
        </div>
        <button class="btn danger small" type="submit">Mark lost</button>
      </form>
    </div>
  );
}

/** The new-deal form: posts without JavaScript, and htmx swaps the deals panel in place. */
export function DealForm(props: { accountId: number; form: FormState; today: string }) {
  const f = props.form;
  return (
    <form {...hx(`/accounts/${props.accountId}/deals`)} novalidate>
      <FormErrors form={f} />
      <div class="form-grid">
        <Field form={f} name="title" label="Title" required />
        <Field form={f} name="value" label="Value" hint="In the org's currency" attrs={{ inputmode: 'decimal' }} required />
        <Field form={f} name="marginPct" label="Gross margin, %" hint="0–100" attrs={{ inputmode: 'decimal' }} />
        <Field form={f} name="expectedCloseOn" label="Expected close" type="date" />
        <Field form={f} name="status" label="Status" options={statusOptions} />
        <Field form={f} name="closedOn" label="Closed on" type="date" hint="Won or lost deals; defaults to today" attrs={{ max: props.today }} />
        <Field form={f} name="lostReason" label="Lost reason" hint="Lost deals only" />
      </div>
      {/* An id, so that htmx gives the focus back to the new button after it swaps the panel. */}
      <button class="btn" type="submit" id="add-deal">
        Add deal
      </button>
    </form>
  );
}

export function DealEditPage(props: { deal: DealRow; accountName: string; backHref: string; form: FormState; conflict?: string }) {
  const f = props.form;
  const d = props.deal;
  return (
    <Layout title={`Edit ${d.title}`} nav="customers">
      <p class="small">
        <a href={props.backHref}>← {props.accountName}</a>
      </p>
      <h1>Edit deal “{d.title}”</h1>
      <form method="post" action={`/deals/${d.id}`} class="card" novalidate>
        {props.conflict ? (
          <div class="alert error" role="alert">
            {props.conflict}
          </div>
        ) : (
          <FormErrors form={f} />
        )}
        <input type="hidden" name="version" value={String(f.values.version ?? '')} />
        <p class="muted small">
          Status: {d.status}
          {d.closedOn ? ` on ${d.closedOn}` : ''}. Win, lose or reopen it from the account's page.
        </p>
        <div class="form-grid">
          <Field form={f} name="title" label="Title" required />
          <Field form={f} name="value" label="Value" attrs={{ inputmode: 'decimal' }} required />
          <Field form={f} name="marginPct" label="Gross margin, %" attrs={{ inputmode: 'decimal' }} />
          <Field form={f} name="expectedCloseOn" label="Expected close" type="date" />
        </div>
        <button class="btn" type="submit">
          Save deal
        </button>
      </form>
    </Layout>
  );
}
