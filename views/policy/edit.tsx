import type { Child } from 'hono/jsx';
import { SIGNAL_LABELS, formatNumber } from '../../src/grading/explain.ts';
import { FIT_BANDS, FIT_LABELS, TIER_BANDS, TIER_FACTOR_NAMES, formFieldLabel, rowsOf, type FormErrors, type FormValues } from '../../src/policy/form.ts';
import { GRADES, NEEDS, TIMING_SIGNALS, TOUCH_SIGNALS } from '../../src/policy/policy.ts';
import type { PolicyVersionInfo } from '../../src/policy/store.ts';
import type { GradeMove, OwnerMove, TierMove, WhatIf, WhatIfList } from '../../src/policy/what-if.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { when } from '../time.ts';

// The policy editor: every number of the policy in one form, grouped as DOMAIN.md groups them,
// and the preview of what saving it would change. The form posts to /policy/preview; its Save
// button (shown once a preview is on screen) posts the same fields to /policy.

export type EditProps = {
  values: FormValues;
  errors: FormErrors;
  basedOn: number;
  note: string;
  restoring?: number | null;
  current: PolicyVersionInfo;
  message?: { kind: 'error' | 'info'; text: string };
  stale?: string;
  preview?: WhatIf;
  previewed?: string;
};

const idOf = (name: string) => `f-${name}`;

type Ctx = { values: FormValues; errors: FormErrors };

function ErrorText(props: { ctx: Ctx; name: string }) {
  const err = props.ctx.errors[props.name];
  return err ? (
    <div class="error" id={`${idOf(props.name)}-err`}>
      {err}
    </div>
  ) : null;
}

/** A number input; `sr` keeps its label for screen readers only (inside a table whose headers say it). */
function Num(props: { ctx: Ctx; name: string; label: string; hint?: string; sr?: boolean; unit?: string; text?: boolean }) {
  const { ctx, name } = props;
  const err = ctx.errors[name];
  const id = idOf(name);
  const described = [props.hint ? `${id}-hint` : '', err ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${err ? ' invalid' : ''}${props.sr ? ' cell' : ''}`}>
      <label for={id} class={props.sr ? 'sr-only' : undefined}>
        {props.label}
      </label>
      <span class="num-input">
        <input type="text" inputmode={props.text ? undefined : 'decimal'} id={id} name={name} value={ctx.values[name] ?? ''} aria-invalid={err ? 'true' : undefined} aria-describedby={described} />
        {props.unit ? <span class="unit">{props.unit}</span> : null}
      </span>
      {props.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      <ErrorText ctx={ctx} name={name} />
    </div>
  );
}

function Select(props: { ctx: Ctx; name: string; label: string; options: readonly (readonly [string, string])[]; sr?: boolean }) {
  const { ctx, name } = props;
  const err = ctx.errors[name];
  const id = idOf(name);
  const value = ctx.values[name] ?? '';
  return (
    <div class={`field${err ? ' invalid' : ''}${props.sr ? ' cell' : ''}`}>
      <label for={id} class={props.sr ? 'sr-only' : undefined}>
        {props.label}
      </label>
      <select id={id} name={name} aria-invalid={err ? 'true' : undefined} aria-describedby={err ? `${id}-err` : undefined}>
        {props.options.map(([v, l]) => (
          <option value={v} selected={v === value}>
            {l}
          </option>
        ))}
      </select>
      <ErrorText ctx={ctx} name={name} />
    </div>
  );
}

/** A message about a group of fields (bands out of order, tiers not descending). */
function GroupError(props: { ctx: Ctx; name: string }) {
  const err = props.ctx.errors[props.name];
  return err ? (
    <div class="alert error" id={idOf(props.name)} role="alert">
      {err}
    </div>
  ) : null;
}

/** Rows to show: those in the form, and one blank row to add another. */
function rowsWithBlank(values: FormValues, prefix: string, fields: readonly string[]): number[] {
  const rows = rowsOf(values, prefix);
  const last = rows.at(-1);
  const lastBlank = last !== undefined && fields.every((f) => !(values[`${prefix}.${last}.${f}`] ?? '').trim());
  return lastBlank ? rows : [...rows, (last ?? -1) + 1];
}

/** A banded factor: its weight, the points below the first bound, and each band's lower bound and points. */
function BandsEditor(props: { ctx: Ctx; prefix: string; title: string; unit?: string; hint?: string }) {
  const { ctx, prefix } = props;
  const steps = `${prefix}.steps`;
  const rows = rowsWithBlank(ctx.values, steps, ['from', 'points']);
  return (
    <fieldset class="bands">
      <legend>{props.title}</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      <Num ctx={ctx} name={`${prefix}.weight`} label={`${props.title}: weight`} hint="Its share of the score, against the other factors' weights" />
      <GroupError ctx={ctx} name={steps} />
      <table class="grid compact">
        <thead>
          <tr>
            <th scope="col">From (lower bound{props.unit ? `, ${props.unit}` : ''})</th>
            <th scope="col">Points (0–100)</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Below the first bound</td>
            <td>
              <Num ctx={ctx} name={`${prefix}.base`} label={`${props.title}: points below the first bound`} sr />
            </td>
          </tr>
          {rows.map((i) => (
            <tr>
              <td>
                <Num ctx={ctx} name={`${steps}.${i}.from`} label={`${props.title}: band ${i + 1} from`} sr />
              </td>
              <td>
                <Num ctx={ctx} name={`${steps}.${i}.points`} label={`${props.title}: band ${i + 1} points`} sr />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">A value at a lower bound belongs to that band. Clear a row to remove its band; fill the empty row to add one.</p>
    </fieldset>
  );
}

const TIER_ROW_FIELDS = ['name', 'minScore', 'minLevel', 'load', 'callDays', 'visitDays'] as const;

/** Who may own an account of each tier or grade, and the load it puts on them: `<prefix>.minLevel` and `<prefix>.load`. */
function LevelLoadTable(props: { ctx: Ctx; caption: string; keyLabel: string; options: [string, string][]; rows: { label: string; who: string; prefix: string }[] }) {
  return (
    <table class="grid compact">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.keyLabel}</th>
          <th scope="col">Minimum owner level</th>
          <th scope="col">Load points</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <th scope="row">{r.label}</th>
            <td>
              <Select ctx={props.ctx} name={`${r.prefix}.minLevel`} label={`${r.who}: minimum owner level`} options={props.options} sr />
            </td>
            <td>
              <Num ctx={props.ctx} name={`${r.prefix}.load`} label={`${r.who}: load points`} sr />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function levelOptions(values: FormValues, blank: boolean): [string, string][] {
  const names = rowsOf(values, 'ownership.levels').map((i) => [String(i + 1), `${i + 1} · ${values[`ownership.levels.${i}.name`] ?? ''}`] as [string, string]);
  return blank ? [['', '–'], ...names] : names;
}

const tierName = (values: FormValues, i: number) => values[`tiers.${i}.name`]?.trim() || `New tier (row ${i + 1})`;

export function PolicyEditPage(props: EditProps) {
  const ctx: Ctx = { values: props.values, errors: props.errors };
  const v = props.values;
  const tierRows = rowsWithBlank(v, 'tiers', TIER_ROW_FIELDS);
  const errorList = Object.entries(props.errors);
  const title = props.restoring ? `Restore policy version ${props.restoring}` : 'Edit the policy';
  return (
    <Layout title={title} nav="policy">
      <p class="small">
        <a href="/policy">← Policy</a> · <a href="/policy/versions">Versions</a>
      </p>
      <h1>{title}</h1>
      <p class="muted">
        Based on version {props.basedOn}. The one in force is version {props.current.version}, saved by {props.current.createdBy} on {when(props.current.createdAt).slice(0, 10)}.
        Preview what your numbers would change, then save them as a new version: every open prospect is re-graded, every customer re-tiered, and accounts whose owner no longer meets the level are
        placed again.
      </p>
      <form method="post" action="/policy/preview" class="policy-form" novalidate>
        {props.message ? (
          <div class={`alert ${props.message.kind}`} role={props.message.kind === 'error' ? 'alert' : 'status'}>
            {props.message.text}
          </div>
        ) : null}
        {props.stale ? (
          <div class="alert error" role="alert">
            {props.stale}
          </div>
        ) : null}
        {errorList.length ? (
          <div class="alert error" role="alert">
            <p>Please correct {errorList.length === 1 ? 'this field' : `these ${errorList.length} fields`}; nothing was saved.</p>
            <ul>
              {errorList.map(([name, msg]) => (
                <li>
                  <a href={`#${idOf(name)}`}>{formFieldLabel(name, v)}</a>: {msg}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <input type="hidden" name="version" value={String(props.basedOn)} />
        {props.restoring ? <input type="hidden" name="restoring" value={String(props.restoring)} /> : null}
        {props.preview && props.previewed ? <input type="hidden" name="previewed" value={props.previewed} /> : null}
        <Actions preview={!!props.preview} next={props.current.version + 1} />
        {props.preview ? <PreviewResults preview={props.preview} /> : null}

        <Card title="Grades: close windows" id="windows">
          <div class="form-grid">
            <Num ctx={ctx} name="grading.windowMonths.A" label="A: closes within (months)" hint="A timing signal of window A closes by its date + this" unit="months" />
            <Num ctx={ctx} name="grading.windowMonths.B" label="B: closes within (months)" hint="More than A's" unit="months" />
            <Num ctx={ctx} name="grading.windowMonths.C" label="C: closes within (months)" hint="More than B's; later is D" unit="months" />
            <Num ctx={ctx} name="grading.eventLeadMonths" label="Waiting on an event: closes within (months after the event)" unit="months" />
            <Num ctx={ctx} name="grading.requalifyMonths" label="D evidence counts for (months)" hint="Older D evidence: requalify" unit="months" />
            <Num ctx={ctx} name="grading.staleDays" label="Stale after (days without a signal)" unit="days" />
          </div>
          <GroupError ctx={ctx} name="grading.windowMonths" />
        </Card>

        <Card title="Grades: the signal catalogue" id="catalogue">
          <p class="hint">The window each timing signal puts a prospect in.</p>
          <table class="grid compact">
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Window</th>
              </tr>
            </thead>
            <tbody>
              {TIMING_SIGNALS.map((t) => (
                <tr>
                  <th scope="row">{SIGNAL_LABELS[t]}</th>
                  <td>
                    <Select ctx={ctx} name={`grading.catalogue.${t}.window`} label={`${SIGNAL_LABELS[t]}: window`} options={GRADES.map((g) => [g, g] as const)} sr />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>

        <Card title="Grades: firmographic fit (0–100)" id="fit">
          <div class="bands-grid">
            {FIT_BANDS.map((f) => (
              <BandsEditor ctx={ctx} prefix={`grading.fit.${f}`} title={FIT_LABELS[f]} unit={f === 'growth' ? '%' : f === 'size' ? 'employees' : undefined} />
            ))}
            <fieldset class="bands">
              <legend>Need</legend>
              <Num ctx={ctx} name="grading.fit.need.weight" label="Need: weight" />
              <table class="grid compact">
                <thead>
                  <tr>
                    <th scope="col">The rep's assessment</th>
                    <th scope="col">Points (0–100)</th>
                  </tr>
                </thead>
                <tbody>
                  {NEEDS.map((n) => (
                    <tr>
                      <th scope="row">{n}</th>
                      <td>
                        <Num ctx={ctx} name={`grading.fit.need.points.${n}`} label={`Need ${n}: points`} sr />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </fieldset>
          </div>
          <div class="form-grid">
            <Num ctx={ctx} name="grading.fit.floor" label="Fit floor" hint="A fit below it demotes the grade one letter" />
            <Num ctx={ctx} name="grading.fit.fitOnlyC" label="Fit for a C without timing evidence" hint="At or above it: C; below: D" />
          </div>
        </Card>

        <Card title="Customers: tiers" id="tiers">
          <p class="hint">Best first, each with a lower minimum score; the last one takes every score below. Rename a tier here and its ownership and cadence numbers follow it. Clear a row to remove a tier.</p>
          <GroupError ctx={ctx} name="tiers" />
          <table class="grid compact">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Minimum score (0–100)</th>
              </tr>
            </thead>
            <tbody>
              {tierRows.map((i) => (
                <tr>
                  <td>
                    <Num ctx={ctx} name={`tiers.${i}.name`} label={`Tier ${i + 1}: name`} sr text />
                  </td>
                  <td>
                    <Num ctx={ctx} name={`tiers.${i}.minScore`} label={`Tier ${i + 1}: minimum score`} sr />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="form-grid">
            <Num ctx={ctx} name="tiering.windowMonths" label="Sales window (months)" hint="Sales, margin and growth count the won deals of this many months" unit="months" />
          </div>
          <div class="bands-grid">
            {TIER_BANDS.map((f) => (
              <BandsEditor ctx={ctx} prefix={`tiering.factors.${f}`} title={TIER_FACTOR_NAMES[f]} unit={f === 'credit' ? 'days' : f === 'margin' || f === 'growth' ? '%' : undefined} />
            ))}
          </div>
        </Card>

        <Card title="Ownership: seniority and load" id="ownership">
          <div class="form-grid">
            {rowsOf(v, 'ownership.levels').map((i) => (
              <Num ctx={ctx} name={`ownership.levels.${i}.name`} label={`Level ${i + 1}: name`} text />
            ))}
            <Num ctx={ctx} name="ownership.defaultCapacity" label="A new rep's capacity (load points)" />
          </div>
          <GroupError ctx={ctx} name="ownership.levels" />
          <div class="grid2">
            <LevelLoadTable
              ctx={ctx}
              caption="Customers"
              keyLabel="Tier"
              options={levelOptions(v, true)}
              rows={tierRows.map((i) => ({ label: tierName(v, i), who: tierName(v, i), prefix: `tiers.${i}` }))}
            />
            <LevelLoadTable
              ctx={ctx}
              caption="Open prospects"
              keyLabel="Grade"
              options={levelOptions(v, false)}
              rows={GRADES.map((g) => ({ label: g, who: `${g} prospect`, prefix: `ownership.byGrade.${g}` }))}
            />
          </div>
        </Card>

        <Card title="Contact cadence" id="cadence">
          <div class="grid2">
            <table class="grid compact">
              <caption>Customers</caption>
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col">A call every (days)</th>
                  <th scope="col">A visit every (days)</th>
                </tr>
              </thead>
              <tbody>
                {tierRows.map((i) => (
                  <tr>
                    <th scope="row">{tierName(v, i)}</th>
                    <td>
                      <Num ctx={ctx} name={`tiers.${i}.callDays`} label={`${tierName(v, i)}: a call every (days)`} sr />
                    </td>
                    <td>
                      <Num ctx={ctx} name={`tiers.${i}.visitDays`} label={`${tierName(v, i)}: a visit every (days)`} sr />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table class="grid compact">
              <caption>Open prospects</caption>
              <thead>
                <tr>
                  <th scope="col">Grade</th>
                  <th scope="col">A touch every (days)</th>
                </tr>
              </thead>
              <tbody>
                {GRADES.map((g) => (
                  <tr>
                    <th scope="row">{g}</th>
                    <td>
                      <Num ctx={ctx} name={`cadence.byGrade.${g}`} label={`${g} prospect: a touch every (days)`} sr />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(['callTypes', 'visitTypes'] as const).map((key) => (
            <fieldset class={`checks${props.errors[`cadence.${key}`] ? ' invalid' : ''}`} id={idOf(`cadence.${key}`)}>
              <legend>{key === 'callTypes' ? 'Signals that count as a call' : 'Signals that count as a visit'}</legend>
              {TOUCH_SIGNALS.map((t) => (
                <label class="check">
                  <input type="checkbox" name={`cadence.${key}.${t}`} value="on" checked={!!v[`cadence.${key}.${t}`]} /> {SIGNAL_LABELS[t]}
                </label>
              ))}
              <ErrorText ctx={ctx} name={`cadence.${key}`} />
            </fieldset>
          ))}
        </Card>

        <Card title={props.preview ? 'Save' : 'Preview, then save'} id="save">
          <div class={`field${props.errors.note ? ' invalid' : ''}`}>
            <label for="f-note">Note (why this change)</label>
            <textarea id="f-note" name="note" maxlength={500} aria-invalid={props.errors.note ? 'true' : undefined} aria-describedby={props.errors.note ? 'f-note-err' : undefined}>
              {props.note}
            </textarea>
            <ErrorText ctx={ctx} name="note" />
          </div>
          <Actions preview={!!props.preview} next={props.current.version + 1} />
        </Card>
      </form>
    </Layout>
  );
}

/** Preview and, once a preview is shown, Save. Also at the top, so pressing Enter in a field previews. */
function Actions(props: { preview: boolean; next: number }) {
  return (
    <div class="actions">
      <button class="btn secondary" type="submit">
        Preview changes
      </button>{' '}
      {props.preview ? (
        <button class="btn" type="submit" formaction="/policy">
          Save as version {props.next}
        </button>
      ) : null}
    </div>
  );
}

const n = (x: number) => formatNumber(x);

function Counts(props: { moves: { from: string | null; to: string; n: number }[] }) {
  if (!props.moves.length) return null;
  return (
    <span class="muted">
      {' '}
      ({props.moves
        .slice(0, 6)
        .map((m) => `${m.from ?? 'none'} → ${m.to}: ${n(m.n)}`)
        .join(' · ')}
      {props.moves.length > 6 ? ' …' : ''})
    </span>
  );
}

const LIST_LABELS: Record<WhatIfList, string> = { grades: 'Grades', tiers: 'Tiers', owners: 'Owners' };

/** What saving would change: counts, and one page of the chosen list with before → after. */
export function PreviewResults(props: { preview: WhatIf }) {
  const w = props.preview;
  const l = w.list;
  const counts: Record<WhatIfList, number> = { grades: w.grades.changed, tiers: w.tiers.changed, owners: w.owners.changed };
  return (
    <section class="card preview" id="preview" aria-labelledby="preview-h">
      <h2 id="preview-h">What saving would change</h2>
      <p class="muted">
        As of {w.asOf}, over {n(w.scanned.prospects)} open prospects and {n(w.scanned.customers)} customers (computed in {n(w.ms)} ms).
      </p>
      <ul class="stats-list" data-testid="preview-counts">
        <li>
          <strong>{n(w.grades.changed)}</strong> prospects change grade
          <Counts moves={w.grades.moves} />
          {w.grades.flagsOnly ? <span class="muted">; {n(w.grades.flagsOnly)} more change flags only</span> : null}
        </li>
        <li>
          <strong>{n(w.tiers.changed)}</strong> customers change tier
          <Counts moves={w.tiers.moves} />
        </li>
        <li>
          <strong>{n(w.owners.changed)}</strong> accounts need a new owner
          {w.owners.changed ? (
            <span class="muted">
              {' '}
              ({n(w.owners.assigned)} would go to another rep, {n(w.owners.unassignable)} find nobody senior enough and are flagged)
            </span>
          ) : null}
        </li>
      </ul>
      <div class="tabs" role="group" aria-label="Which changes to list">
        <input type="hidden" name="list" value={l.name} />
        {(['grades', 'tiers', 'owners'] as const).map((k) => (
          <button type="submit" name="show" value={k} aria-pressed={k === l.name ? 'true' : 'false'}>
            {LIST_LABELS[k]} <span class="n">{n(counts[k])}</span>
          </button>
        ))}
      </div>
      {l.rows.length ? <PreviewTable list={l.name} rows={l.rows} /> : <p class="muted">Nothing in this list changes.</p>}
      {l.pages > 1 ? (
        <nav class="pager" aria-label="Pages of changes">
          {l.page > 1 ? (
            <button type="submit" name="page" value={String(l.page - 1)} class="btn small secondary">
              ← Previous
            </button>
          ) : null}
          <span>
            Page {l.page} of {n(l.pages)} ({n(l.total)} changes)
          </span>
          {l.page < l.pages ? (
            <button type="submit" name="page" value={String(l.page + 1)} class="btn small secondary">
              Next →
            </button>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}

function PreviewTable(props: { list: WhatIfList; rows: WhatIf['list']['rows'] }): Child {
  if (props.list === 'grades') {
    return (
      <table class="list" data-testid="preview-rows">
        <thead>
          <tr>
            <th scope="col">Prospect</th>
            <th scope="col">Grade now</th>
            <th scope="col">After</th>
            <th scope="col" class="num">Fit after</th>
          </tr>
        </thead>
        <tbody>
          {(props.rows as GradeMove[]).map((r) => (
            <tr>
              <td>
                <a href={`/prospects/${r.id}`}>{r.name}</a>
              </td>
              <td>{r.from ?? '–'}</td>
              <td>{r.to}</td>
              <td class="num">{r.fit === null ? '–' : n(r.fit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (props.list === 'tiers') {
    return (
      <table class="list" data-testid="preview-rows">
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Tier now</th>
            <th scope="col">After</th>
            <th scope="col" class="num">Score now → after</th>
          </tr>
        </thead>
        <tbody>
          {(props.rows as TierMove[]).map((r) => (
            <tr>
              <td>
                <a href={`/customers/${r.id}`}>{r.name}</a>
              </td>
              <td>{r.from ?? '–'}</td>
              <td>{r.to}</td>
              <td class="num">
                {r.fromScore === null ? '–' : n(r.fromScore)} → {r.score === null ? '–' : n(r.score)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table class="list" data-testid="preview-rows">
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Requires</th>
          <th scope="col">Owner now</th>
          <th scope="col">After</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {(props.rows as OwnerMove[]).map((r) => (
          <tr>
            <td>
              <a href={`/accounts/${r.id}`}>{r.name}</a>
            </td>
            <td>
              {r.key}: level {r.minLevel}
            </td>
            <td>{r.fromOwner ?? (r.fromOwnerId === null ? 'nobody' : `#${r.fromOwnerId}`)}</td>
            <td>{r.outcome === 'assigned' ? (r.toOwner ?? `#${r.toOwnerId}`) : 'unassignable (stays, flagged)'}</td>
            <td class="why">{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
