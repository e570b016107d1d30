import type { Child } from 'hono/jsx';
import type { AccountRow } from '../src/db/schema.ts';
import { FLAG_LABELS, formatMoney, formatNumber } from '../src/grading/explain.ts';
import type { Flag } from '../src/grading/grading.ts';

export function GradeBadge(props: { grade: string | null; big?: boolean; label?: string }) {
  const g = props.grade ?? '–';
  return (
    <span class={`badge ${props.grade ?? 'none'}${props.big ? ' big' : ''}`} title={props.label ?? (props.grade ? `Grade ${g}` : 'Not graded')} aria-label={props.grade ? `Grade ${g}` : 'Not graded'}>
      {g}
    </span>
  );
}

export function Flags(props: { flags: readonly string[] }) {
  return (
    <>
      {props.flags.map((f) => (
        <span class={`flag ${f}`}>{FLAG_LABELS[f as Flag] ?? f}</span>
      ))}
    </>
  );
}

export type FormState = { values: Record<string, unknown>; errors: Record<string, string> };

export const emptyForm = (values: Record<string, unknown> = {}): FormState => ({ values, errors: {} });

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** A labelled input that keeps the user's value and shows its field's message. */
export function Field(props: {
  form: FormState;
  name: string;
  label: string;
  type?: string;
  hint?: string;
  required?: boolean;
  options?: readonly (readonly [string, string])[];
  textarea?: boolean;
  attrs?: Record<string, string>;
}) {
  const { form, name } = props;
  const err = form.errors[name];
  const id = `f-${name}`;
  const value = str(form.values[name]);
  const described = [props.hint ? `${id}-hint` : '', err ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, 'aria-invalid': err ? 'true' : undefined, 'aria-describedby': described, required: props.required, ...(props.attrs ?? {}) };
  return (
    <div class={`field${err ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.options ? (
        <select {...common}>
          {props.options.map(([v, l]) => (
            <option value={v} selected={v === value}>
              {l}
            </option>
          ))}
        </select>
      ) : props.textarea ? (
        <textarea {...common}>{value}</textarea>
      ) : (
        <input type={props.type ?? 'text'} value={value} {...common} />
      )}
      {props.hint ? <div class="hint" id={`${id}-hint`}>{props.hint}</div> : null}
      {err ? <div class="error" id={`${id}-err`}>{err}</div> : null}
    </div>
  );
}

export function FormErrors(props: { form: FormState; message?: string }) {
  const n = Object.keys(props.form.errors).length;
  if (!n && !props.message) return null;
  return (
    <div class="alert error" role="alert">
      {props.message ?? `Please correct ${n === 1 ? 'the field' : `${n} fields`} below.`}
      {props.form.errors._form ? <div>{props.form.errors._form}</div> : null}
    </div>
  );
}

export function Card(props: { title?: string; id?: string; children: Child }) {
  return (
    <section class="card" id={props.id} aria-labelledby={props.title && props.id ? `${props.id}-h` : undefined}>
      {props.title ? <h2 id={props.id ? `${props.id}-h` : undefined}>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

const unknown = (x: unknown) => (x === null || x === undefined || x === '' ? <span class="muted">unknown</span> : String(x));

/** An account's firmographics; a page adds its own rows (e.g. a customer's payment record) before "Added". */
export function FirmographicFacts(props: { account: AccountRow; children?: Child }) {
  const a = props.account;
  return (
    <dl class="facts">
      <dt>Domain</dt>
      <dd>{unknown(a.domain)}</dd>
      <dt>Industry</dt>
      <dd>{unknown(a.industry)}</dd>
      <dt>Employees</dt>
      <dd>{a.employees === null ? unknown(null) : formatNumber(a.employees)}</dd>
      <dt>Revenue</dt>
      <dd>{a.revenue === null ? unknown(null) : formatMoney(a.revenue)}</dd>
      <dt>Growth</dt>
      <dd>{a.growthPct === null ? unknown(null) : `${formatNumber(a.growthPct)} %`}</dd>
      <dt>Need</dt>
      <dd>{unknown(a.need)}</dd>
      {props.children}
      <dt>Added</dt>
      <dd>{a.addedOn}</dd>
    </dl>
  );
}

/** A page's outcome messages: what went wrong (an alert) and what was done (a status). */
export function Alerts(props: { problem?: string; notice?: string }) {
  return (
    <>
      {props.problem ? (
        <div class="alert error" role="alert">
          {props.problem}
        </div>
      ) : null}
      {props.notice ? (
        <div class="alert ok" role="status">
          {props.notice}
        </div>
      ) : null}
    </>
  );
}

/** The end of a list's filter form: what to sort by, in which order, and the Apply button. */
export function SortFields(props: { idPrefix: string; labels: Record<string, string>; sort: string; dir?: string | null }) {
  const p = props.idPrefix;
  return (
    <>
      <div class="field">
        <label for={`${p}-sort`}>Sort by</label>
        <select id={`${p}-sort`} name="sort">
          {Object.entries(props.labels).map(([k, l]) => (
            <option value={k} selected={props.sort === k}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${p}-dir`}>Order</label>
        <select id={`${p}-dir`} name="dir">
          <option value="" selected={!props.dir}>Natural</option>
          <option value="asc" selected={props.dir === 'asc'}>Ascending</option>
          <option value="desc" selected={props.dir === 'desc'}>Descending</option>
        </select>
      </div>
      <div class="field" style="flex:0">
        <button class="btn" type="submit">Apply</button>
      </div>
    </>
  );
}
