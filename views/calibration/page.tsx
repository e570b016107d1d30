import { JUDGED_GRADES, quarterStart, quartersBetween, quarterOf, type Tally } from '../../src/calibration/calibration.ts';
import type { CalibrationReport } from '../../src/calibration/queries.ts';
import { formatNumber } from '../../src/grading/explain.ts';
import { addMonths } from '../../src/shared/dates.ts';
import { BarChart, StackedBarChart } from '../charts.tsx';
import { Card, GradeBadge } from '../components.tsx';
import { Layout } from '../layout.tsx';

const GRADE_COLORS: Record<string, string> = { A: '#1a7f37', B: '#1f5fbf', C: '#9a6700' };
const OUTCOME_SERIES = [
  { key: 'hit', label: 'Closed in window', color: '#1a7f37' },
  { key: 'late', label: 'Closed later', color: '#9a6700' },
  { key: 'lost', label: 'Lost', color: '#cf222e' },
  { key: 'open', label: 'Still open, window passed', color: '#8a94a3' },
  { key: 'pending', label: 'Window still running', color: '#d0d7de' },
] as const;

const pct = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)} %`);
const pctAxis = (n: number) => `${formatNumber(n)} %`;

export function CalibrationPage(props: { report: CalibrationReport; current: string }) {
  const r = props.report;
  const w = r.windows;
  const qs = `from=${r.from}&to=${r.to}`;
  return (
    <Layout title="Calibration" nav="calibration">
      <div class="row spread">
        <h1>Was the grading right?</h1>
        <div class="row no-print">
          <a class="btn secondary" href={`/calibration.csv?${qs}`}>
            Export CSV
          </a>
        </div>
      </div>
      <QuarterRange from={r.from} to={r.to} current={props.current} />
      <p>
        Grades given from <strong>{r.from}</strong> to <strong>{r.to}</strong>, judged as of {r.asOf}: {formatNumber(r.total.episodes)} grade
        {r.total.episodes === 1 ? '' : 's'} given, {formatNumber(r.total.decided)} decided, {formatNumber(r.total.hit)} closed within their window (
        {pct(r.total.hitRate)}).
      </p>
      <Card title="How to read it" id="definition">
        <p class="small">
          Each time a prospect got an A, B or C (a row of its grade history whose grade differs from the one before) the grade made a prediction: A closes within{' '}
          {w.A} months, B within {w.B}, C within {w.C} (the policy in force, version {r.policyVersion}; a grade given under an earlier version is judged by that
          version’s window). What became of the prospect decides it:
        </p>
        <ul class="small">
          <li>
            <strong>Closed in window</strong> (a hit): it became a customer (its first won deal) on or before the grade’s day plus the window.
          </li>
          <li>
            <strong>Closed later</strong>: it became a customer after that.
          </li>
          <li>
            <strong>Lost</strong>: it was marked lost. The day comes from the audit trail’s loss entry, else from the account’s last update.
          </li>
          <li>
            <strong>Still open, window passed</strong>: no close by the end of the window.
          </li>
          <li>
            <strong>Window still running</strong>: not judged yet, and left out of the hit rate.
          </li>
        </ul>
        <p class="small muted">
          Hit rate = closed in window ÷ (everything but “window still running”). A grade counts in the quarter it was given. D says “not within {w.C} months”,
          which no close can confirm, so it is not judged; disqualified prospects are left out (disqualifying says the account never was a prospect).
        </p>
      </Card>
      {r.total.episodes === 0 ? (
        <div class="alert info">No A, B or C grades were given in these quarters.</div>
      ) : (
        <>
          <div class="grid2">
            <BarChart
              id="hit-rate"
              title="Closed within the window, per grade"
              data={r.byGrade.map((g) => ({ label: `${g.grade} (${w[g.grade]} months)`, value: g.hitRate === null ? 0 : Math.round(g.hitRate * 1000) / 10, color: GRADE_COLORS[g.grade] }))}
              max={100}
              format={pctAxis}
              note="Of the grades decided so far: a grade with none decided shows 0, and “–” in the table."
            />
            <StackedBarChart
              id="outcomes"
              title="What became of each grade"
              categories={JUDGED_GRADES.map((g) => g)}
              series={OUTCOME_SERIES}
              values={Object.fromEntries(OUTCOME_SERIES.map((s) => [s.key, r.byGrade.map((g) => g[s.key])]))}
            />
          </div>
          <div class="grid3">
            {JUDGED_GRADES.map((grade) => {
              const rows = r.rows.filter((x) => x.grade === grade && x.hitRate !== null);
              return (
                <BarChart
                  id={`by-quarter-${grade}`}
                  title={`${grade}: closed within ${w[grade]} months, per quarter`}
                  data={rows.map((x) => ({ label: x.quarter.replace(/^\d\d/, '’'), value: Math.round(x.hitRate! * 1000) / 10, color: GRADE_COLORS[grade] }))}
                  max={100}
                  format={pctAxis}
                  height={200}
                  note={rows.length < r.quarters.length ? 'Quarters with nothing decided are left out.' : undefined}
                />
              );
            })}
          </div>
        </>
      )}
      <Card title="Per grade" id="per-grade">
        <TallyTable rows={r.byGrade.map((g) => ({ key: g.grade, grade: g.grade, tally: g }))} windows={w} />
      </Card>
      <Card title="Per quarter" id="per-quarter">
        <TallyTable rows={r.rows.map((x) => ({ key: `${x.quarter} ${x.grade}`, quarter: x.quarter, grade: x.grade, tally: x }))} windows={w} quarters />
      </Card>
    </Layout>
  );
}

function TallyTable(props: { rows: { key: string; quarter?: string; grade: string; tally: Tally }[]; windows: CalibrationReport['windows']; quarters?: boolean }) {
  return (
    <table class="list calibration" data-testid={props.quarters ? 'per-quarter' : 'per-grade'}>
      <thead>
        <tr>
          {props.quarters ? <th>Quarter</th> : null}
          <th>Grade</th>
          <th class="num">Grades given</th>
          <th class="num">Closed in window</th>
          <th class="num">Closed later</th>
          <th class="num">Lost</th>
          <th class="num">Still open</th>
          <th class="num">Window running</th>
          <th class="num">Hit rate</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ quarter, grade, tally: t }) => (
          <tr class={t.episodes ? undefined : 'muted'}>
            {props.quarters ? <td data-label="Quarter">{quarter}</td> : null}
            <td data-label="Grade">
              <GradeBadge grade={grade} /> <span class="muted small">within {props.windows[grade as 'A']} months</span>
            </td>
            <td class="num" data-label="Grades given">
              {formatNumber(t.episodes)}
            </td>
            <td class="num" data-label="Closed in window">
              {formatNumber(t.hit)}
            </td>
            <td class="num" data-label="Closed later">
              {formatNumber(t.late)}
            </td>
            <td class="num" data-label="Lost">
              {formatNumber(t.lost)}
            </td>
            <td class="num" data-label="Still open">
              {formatNumber(t.open)}
            </td>
            <td class="num" data-label="Window running">
              {formatNumber(t.pending)}
            </td>
            <td class="num" data-label="Hit rate">
              <strong>{pct(t.hitRate)}</strong>
              {t.decided ? <span class="muted small"> of {formatNumber(t.decided)}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The last 40 quarters up to the current one, for the range's two selects. */
function QuarterRange(props: { from: string; to: string; current: string }) {
  const first = quarterOf(addMonths(quarterStart(props.current), -3 * 39));
  const options = quartersBetween(first, props.current).reverse();
  const select = (name: 'from' | 'to', label: string, value: string) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        {(options.includes(value) ? options : [value, ...options]).map((q) => (
          <option value={q} selected={q === value}>
            {q}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form class="filters no-print" method="get" action="/calibration" role="search">
      {select('from', 'From quarter', props.from)}
      {select('to', 'To quarter', props.to)}
      <div class="field" style="flex:0">
        <button class="btn" type="submit">
          Show
        </button>
      </div>
    </form>
  );
}
