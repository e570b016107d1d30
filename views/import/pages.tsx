import type { ImportJobRow } from '../../src/db/schema.ts';
import type { PassSummary, Sample } from '../../src/import/apply.ts';
import { FIELD_LABELS, fieldsOf, PRESET_LABELS, REVENUE_SCALES, requiredFields, type ImportKind, type Mapping, type PresetName } from '../../src/import/mapping.ts';
import type { Reject } from '../../src/import/store.ts';
import type { ColumnInfo } from '../../src/import/upload.ts';
import { formatBytes } from '../../src/import/upload.ts';
import { formatNumber } from '../../src/grading/explain.ts';
import { Alerts, Card, Flags, GradeBadge } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { when as at } from '../time.ts';

// The import pages: upload, mapping, the dry run's results, progress and the outcome. Every
// action is a plain form; htmx only polls the progress while a dry run or an import runs.

const KIND_LABELS: Record<string, string> = { prospects: 'Prospects', customers: 'Customers with deals' };
const STATUS_LABELS: Record<string, string> = {
  uploading: 'uploading',
  mapping: 'waiting for its mapping',
  analyzing: 'dry run running',
  ready: 'dry run done: waiting for confirmation',
  importing: 'importing',
  done: 'imported',
  failed: 'failed',
  cancelled: 'cancelled',
};

const n = (x: number) => formatNumber(x);
// Times in the organisation's zone (TZ_ORG), as the audit trail shows them.
const when = (d: Date | null) => (d ? at(d) : '–');

export function ImportsPage(props: { jobs: ImportJobRow[]; maxBytes: number; problem?: string; kind?: string; confirm?: boolean }) {
  return (
    <Layout title="Import" nav="import">
      <h1>Import accounts from a CSV file</h1>
      <Alerts problem={props.problem} />
      <Card title="Upload a file" id="upload">
        <p>
          An export from Salesforce, HubSpot, Zoho CRM or Odoo, or any spreadsheet saved as CSV (comma or semicolon separated, UTF-8). Next you check which column feeds which field; then a
          dry run shows what would be added, updated and refused, with the grade each account would get. Nothing is written until you confirm.
        </p>
        <form method="post" action="/imports" enctype="multipart/form-data" data-testid="upload-form">
          <fieldset class="field">
            <legend>What the file holds</legend>
            <label class="inline">
              <input type="radio" name="kind" value="prospects" checked={props.kind !== 'customers'} /> Prospects (one company per row)
            </label>
            <label class="inline">
              <input type="radio" name="kind" value="customers" checked={props.kind === 'customers'} /> Customers with deals (one deal per row)
            </label>
          </fieldset>
          {/* Before the file: the form's fields are read in order, as the file streams in. */}
          <div class="field">
            <label class="inline">
              <input id="f-confirm" type="checkbox" name="confirm" value="1" checked={props.confirm} aria-describedby="f-confirm-hint" /> Import straight away
            </label>
            <div class="hint" id="f-confirm-hint">
              For a file you know, such as a regular export: when its columns map as proposed, the accounts are written without stopping at the dry run (rows that cannot be read are
              skipped and listed). Otherwise you check the mapping first, as usual.
            </div>
          </div>
          <div class="field">
            <label for="f-file">CSV file</label>
            <input id="f-file" type="file" name="file" accept=".csv,text/csv,text/plain" required aria-describedby="f-file-hint" />
            <div class="hint" id="f-file-hint">
              Up to {formatBytes(props.maxBytes)}. Accounts are matched by website domain, then by exact name, so importing the same file again changes nothing.
            </div>
          </div>
          <button class="btn" type="submit">
            Upload and map columns
          </button>
        </form>
      </Card>
      <Card title="Recent imports" id="recent">
        {props.jobs.length ? (
          <table class="list" data-testid="recent-imports">
            <thead>
              <tr>
                <th scope="col">Import</th>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  New
                </th>
                <th scope="col" class="num">
                  Updated
                </th>
                <th scope="col" class="num">
                  Rejected
                </th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {props.jobs.map((j) => (
                <tr>
                  <td data-label="Import">
                    <a href={`/imports/${j.id}`}>#{j.id}</a> <span class="muted small">{KIND_LABELS[j.kind]}</span>
                  </td>
                  <td data-label="File">{j.fileName}</td>
                  <td data-label="Status">{STATUS_LABELS[j.status] ?? j.status}</td>
                  <td class="num" data-label="New">
                    {n(j.newRows)}
                  </td>
                  <td class="num" data-label="Updated">
                    {n(j.updatedRows)}
                  </td>
                  <td class="num" data-label="Rejected">
                    {n(j.rejectedRows)}
                  </td>
                  <td data-label="By">
                    {j.createdBy} <span class="muted small">{when(j.createdAt)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No imports yet.</p>
        )}
      </Card>
    </Layout>
  );
}

export type JobPageProps = {
  job: ImportJobRow;
  rejects: { rows: Reject[]; total: number; page: number; pages: number };
  problem?: string;
  notice?: string;
  mappingErrors?: Record<string, string>;
  mappingValues?: Mapping;
};

export function ImportJobPage(props: JobPageProps) {
  const j = props.job;
  return (
    <Layout title={`Import #${j.id}`} nav="import">
      <p>
        <a href="/imports">← Imports</a>
      </p>
      <h1>{`Import #${j.id}: ${j.fileName}`}</h1>
      <p class="muted" data-testid="import-status">
        {`${KIND_LABELS[j.kind]} · ${n(j.totalRows)} rows · ${formatBytes(j.fileBytes)} · ${STATUS_LABELS[j.status] ?? j.status} · uploaded by ${j.createdBy} ${when(j.createdAt)}`}
      </p>
      <Alerts problem={props.problem} notice={props.notice} />
      {j.status === 'mapping' ? <MappingForm job={j} errors={props.mappingErrors ?? {}} values={props.mappingValues} /> : null}
      {j.status === 'analyzing' || j.status === 'importing' ? <Progress job={j} /> : null}
      {j.status === 'ready' ? <DryRun {...props} /> : null}
      {j.status === 'done' ? <Outcome {...props} /> : null}
      {j.status === 'failed' ? (
        <div class="alert error" role="alert" data-testid="import-error">
          {j.error ?? 'This import failed.'}
        </div>
      ) : null}
      {j.status === 'cancelled' ? <p>This import was cancelled; nothing of it was written.</p> : null}
    </Layout>
  );
}

function MappingForm(props: { job: ImportJobRow; errors: Record<string, string>; values?: Mapping }) {
  const j = props.job;
  const header = j.header as string[];
  const columns = j.columns as ColumnInfo[];
  const mapping = props.values ?? (j.mapping as Mapping);
  const kind = j.kind as ImportKind;
  const required = requiredFields(kind);
  const n = Object.keys(props.errors).length;
  return (
    <Card title="Which column feeds which field" id="mapping">
      <p>
        {j.preset && j.preset !== 'generic' ? `The columns look like a ${PRESET_LABELS[j.preset as PresetName]} export, and were matched to fields on that basis. ` : 'Columns were matched to fields by their names. '}
        Check each field; columns left out are not imported. This mapping is remembered for the next file with the same columns.
      </p>
      {n ? (
        <div class="alert error" role="alert">
          {`Please correct ${n === 1 ? 'the field' : `${n} fields`} below.`}
        </div>
      ) : null}
      <form method="post" action={`/imports/${j.id}/mapping`}>
        <div class="form-grid">
          {fieldsOf(kind).map((f) => {
            const id = `m-${f}`;
            const err = props.errors[f];
            const chosen = mapping.columns[f];
            return (
              <div class={`field${err ? ' invalid' : ''}`}>
                <label for={id}>
                  {FIELD_LABELS[f]}
                  {required.includes(f) ? ' (required)' : ''}
                </label>
                <select id={id} name={f} aria-invalid={err ? 'true' : undefined} aria-describedby={err ? `${id}-err` : undefined}>
                  <option value="">— not imported —</option>
                  {header.map((h, i) => (
                    <option value={String(i)} selected={chosen === i}>
                      {h}
                    </option>
                  ))}
                </select>
                {chosen !== null && chosen !== undefined && columns[chosen]?.samples.length ? <div class="hint">{`e.g. ${columns[chosen]!.samples.join(' · ')}`}</div> : null}
                {err ? (
                  <div class="error" id={`${id}-err`}>
                    {err}
                  </div>
                ) : null}
              </div>
            );
          })}
          <div class="field">
            <label for="m-revenueScale">Revenue is written in</label>
            <select id="m-revenueScale" name="revenueScale">
              {REVENUE_SCALES.map((s) => (
                <option value={String(s)} selected={mapping.revenueScale === s}>
                  {s === 1 ? 'units (40000000)' : s === 1e3 ? 'thousands (40000)' : 'millions (40)'}
                </option>
              ))}
            </select>
            <div class="hint">“18.3 MM”, “40M” and “$22,700.00” are read as written whatever this says.</div>
          </div>
        </div>
        <div class="row">
          <button class="btn" type="submit">
            Run the dry run
          </button>
        </div>
      </form>
      <form method="post" action={`/imports/${j.id}/cancel`} class="row" style="margin-top:8px">
        <button class="btn secondary" type="submit">
          Cancel this import
        </button>
      </form>
      <h2>The file’s first rows</h2>
      <div class="table-wrap">
        <table class="list small">
          <thead>
            <tr>
              {header.map((h) => (
                <th scope="col">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[0, 1, 2].map((r) => (
              <tr>
                {columns.map((c) => (
                  <td>{c.samples[r] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">Each column’s first non-empty values.</p>
    </Card>
  );
}

/** The progress of a dry run or an import; htmx polls it every second, and a reload shows it too. */
export function Progress(props: { job: ImportJobRow }) {
  const j = props.job;
  const pct = j.totalRows ? Math.min(100, Math.floor((j.processed / j.totalRows) * 100)) : 0;
  const what = j.status === 'importing' ? 'Importing' : 'Dry run';
  return (
    <div id="progress" class="card" hx-get={`/imports/${j.id}/progress`} hx-trigger="every 1s" hx-swap="outerHTML" data-testid="progress">
      <h2>{`${what}: ${pct} %`}</h2>
      <progress max={String(j.totalRows || 1)} value={String(j.processed)} aria-label={`${what} progress`}>
        {pct} %
      </progress>
      <p>
        {`${n(j.processed)} of ${n(j.totalRows)} rows: ${n(j.newRows)} new, ${n(j.updatedRows)} updated, ${n(j.unchangedRows)} unchanged, ${n(j.rejectedRows)} rejected.`}
      </p>
      <p class="muted small">
        This runs on the server: you may leave this page and come back. It updates itself every second; without JavaScript, <a href={`/imports/${j.id}`} id="progress-reload">reload it</a>.
      </p>
      {j.status === 'importing' ? <p class="muted small">The import is written in one transaction: until it finishes, nothing of it is visible, and if it fails nothing of it stays.</p> : null}
      <form method="post" action={`/imports/${j.id}/cancel`}>
        {/* Ids on the card's controls, so that a keyboard's focus survives the swap every second. */}
        <button class="btn secondary" type="submit" id="import-cancel" disabled={j.cancelRequested}>
          {j.cancelRequested ? 'Cancelling…' : 'Cancel'}
        </button>
      </form>
    </div>
  );
}

function Counts(props: { job: ImportJobRow; verb: 'would be' | 'were' }) {
  const j = props.job;
  return (
    <div class="stats" data-testid="import-counts">
      <div>
        <strong>{n(j.newRows)}</strong> {props.verb} added
      </div>
      <div>
        <strong>{n(j.updatedRows)}</strong> {props.verb} updated
      </div>
      <div>
        <strong>{n(j.unchangedRows)}</strong> already up to date
      </div>
      <div class={j.rejectedRows ? 'over-text' : undefined}>
        <strong>{n(j.rejectedRows)}</strong> rejected
      </div>
    </div>
  );
}

function GradeTable(props: { summary: PassSummary }) {
  const g = props.summary.grades;
  return (
    <table class="list" data-testid="grade-counts">
      <thead>
        <tr>
          <th scope="col">Grade</th>
          <th scope="col" class="num">
            New accounts
          </th>
          <th scope="col" class="num">
            Updated accounts
          </th>
        </tr>
      </thead>
      <tbody>
        {(['A', 'B', 'C', 'D'] as const).map((k) => (
          <tr>
            <td>
              <GradeBadge grade={k} />
            </td>
            <td class="num">{n(g.new[k])}</td>
            <td class="num">{n(g.updated[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SampleTable(props: { rows: Sample[]; updated?: boolean; testid: string }) {
  return (
    <table class="list" data-testid={props.testid}>
      <thead>
        <tr>
          <th scope="col" class="num">
            Line
          </th>
          <th scope="col">Company</th>
          <th scope="col">Grade</th>
          <th scope="col">Why</th>
          {props.updated ? <th scope="col">Changes</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((s) => (
          <tr>
            <td class="num">{s.line}</td>
            <td>
              {s.id ? <a href={`/accounts/${s.id}`}>{s.name}</a> : s.name}
              {s.domain ? <div class="muted small">{s.domain}</div> : null}
            </td>
            <td class="nowrap">
              {props.updated && s.from !== s.grade ? (
                <>
                  <GradeBadge grade={s.from ?? null} /> →{' '}
                </>
              ) : null}
              <GradeBadge grade={s.grade} /> <Flags flags={s.flags} />
            </td>
            <td class="why">{s.reason ?? '–'}</td>
            {props.updated ? <td class="small">{(s.changes ?? []).join(', ')}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Rejects(props: JobPageProps) {
  const r = props.rejects;
  const j = props.job;
  if (!r.total) return null;
  return (
    <Card title={`Rejected rows (${n(r.total)})`} id="rejects">
      <table class="list" data-testid="rejects">
        <thead>
          <tr>
            <th scope="col" class="num">
              Line
            </th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {r.rows.map((x) => (
            <tr>
              <td class="num">{x.line}</td>
              <td>{x.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.pages > 1 ? (
        <nav class="pager" aria-label="Rejected rows pages">
          {r.page > 1 ? <a href={`/imports/${j.id}?page=${r.page - 1}#rejects`}>← Previous</a> : null}
          <span>{`Page ${r.page} of ${r.pages}`}</span>
          {r.page < r.pages ? <a href={`/imports/${j.id}?page=${r.page + 1}#rejects`}>Next →</a> : null}
        </nav>
      ) : null}
      <p class="small">
        <a href={`/imports/${j.id}/rejects.csv`}>Download the rejected rows as CSV</a> (line and reason), fix them in the file and import it again: rows already imported will be unchanged.
      </p>
    </Card>
  );
}

function Warnings(props: { summary: PassSummary }) {
  const s = props.summary;
  if (!s.unknownOwners.length && !s.pinnedOwnerKept) return null;
  return (
    <div class="alert info" data-testid="import-warnings">
      {s.unknownOwners.length ? (
        <p>
          {`Owners that match no one in the team (by email or name): ${s.unknownOwners.map((o) => `${o.owner} (${n(o.rows)})`).join(', ')}. Those accounts will be placed by the ownership rules.`}
        </p>
      ) : null}
      {s.pinnedOwnerKept ? <p>{`${n(s.pinnedOwnerKept)} accounts are pinned to their owner: the file’s owner is not applied to them.`}</p> : null}
    </div>
  );
}

function DryRun(props: JobPageProps) {
  const j = props.job;
  const s = j.summary as PassSummary | null;
  return (
    <>
      <Card title="Dry run" id="dry-run">
        <p>{`As of ${j.asOf ?? '–'}, with policy version ${j.policyVersion ?? '–'}. Nothing has been written yet.`}</p>
        <Counts job={j} verb="would be" />
        {s?.deals ? (
          <p data-testid="deal-counts">
            {`Rows are deals: ${n(s.deals.new)} new (${n(s.deals.won)} won), ${n(s.deals.existing)} already there; ${n(s.deals.accountsNew)} accounts would be added and ${n(s.deals.accountsUpdated)} updated; ${n(s.deals.conversions)} prospects would become customers on their first won deal.`}
          </p>
        ) : null}
        {s ? <Warnings summary={s} /> : null}
        <div class="row actions">
          <form method="post" action={`/imports/${j.id}/confirm`}>
            <button class="btn" type="submit" disabled={j.newRows + j.updatedRows === 0}>
              {`Import: add ${n(j.newRows)} and update ${n(j.updatedRows)}`}
            </button>
          </form>
          <form method="post" action={`/imports/${j.id}/remap`}>
            <button class="btn secondary" type="submit">
              Change the mapping
            </button>
          </form>
          <form method="post" action={`/imports/${j.id}/cancel`}>
            <button class="btn danger" type="submit">
              Cancel
            </button>
          </form>
        </div>
        <p class="muted small">The import writes every accepted row in one transaction, or nothing. Rows are matched again when it runs, so changes made meanwhile are respected.</p>
      </Card>
      {s ? (
        <Card title="Grades the accounts would get" id="grades">
          <GradeTable summary={s} />
        </Card>
      ) : null}
      {s?.samples.new.length ? (
        <Card title={`New accounts${j.newRows > s.samples.new.length ? ` (the first ${s.samples.new.length})` : ''}`} id="sample-new">
          <SampleTable rows={s.samples.new} testid="sample-new" />
        </Card>
      ) : null}
      {s?.samples.updated.length ? (
        <Card title={`Updated accounts${j.updatedRows > s.samples.updated.length ? ` (the first ${s.samples.updated.length})` : ''}`} id="sample-updated">
          <SampleTable rows={s.samples.updated} updated testid="sample-updated" />
        </Card>
      ) : null}
      <Rejects {...props} />
    </>
  );
}

function Outcome(props: JobPageProps) {
  const j = props.job;
  const r = (j.result ?? {}) as { assigned?: number; reassigned?: number; gradeChanges?: number };
  return (
    <>
      <Card title="Imported" id="outcome">
        <p>{`Imported by ${j.confirmedBy ?? j.createdBy}, finished ${when(j.finishedAt)}, as of ${j.asOf ?? '–'} with policy version ${j.policyVersion ?? '–'}.`}</p>
        <Counts job={j} verb="were" />
        <p>
          {`${n(r.assigned ?? 0)} new accounts were given an owner by the ownership rules${r.reassigned ? `, ${n(r.reassigned)} updated ones a more senior owner` : ''}. `}
          <a href="/prospects">See the prospects</a>.
        </p>
      </Card>
      <Rejects {...props} />
    </>
  );
}
