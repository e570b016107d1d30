import type { Child } from 'hono/jsx';

// Charts as SVG drawn on the server. Not a charting library: those draw in the browser with
// JavaScript, and our pages work without it (the CSP allows no inline scripts, htmx only speeds
// things up); server SVG is plain markup that prints as crisp vectors and is there before any
// script runs. Each chart is a <figure> whose <svg role="img"> has a <title> and a <desc>
// saying what it shows, followed by the same numbers as a table for anyone who cannot see it.
//
//   <BarChart id="closed" title="Closed within the window" data={[{ label: 'A', value: 12 }, …]} />
//   <StackedBarChart id="mix" title="Grade mix" categories={['1 Jun', …]} series={[{ key: 'A', label: 'A' }, …]} values={{ A: [3, 4, …], … }} />
//   <LineChart … same props as StackedBarChart … />

export type ChartSeries = { key: string; label: string; color?: string };
export type BarDatum = { label: string; value: number; color?: string };

type Common = {
  /** Unique on the page: the ids of the title, description and table derive from it. */
  id: string;
  title: string;
  /** What a screen reader hears after the title; a summary of the numbers when left out. */
  description?: string;
  format?: (n: number) => string;
  /** The drawing's own units (it scales to the width of its container). */
  width?: number;
  height?: number;
  class?: string;
  /** Shown under the chart (e.g. a footnote on where the numbers come from). */
  note?: Child;
};

export const PALETTE = ['#1a7f37', '#1f5fbf', '#9a6700', '#5b6675', '#8250df', '#bf3989', '#0a7ea4', '#b35900', '#57606a', '#cf222e'];

// Built once: toLocaleString makes a formatter on every call, which a page of charts feels.
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const plain = (n: number) => NUMBER.format(n);

/** Round axis bounds: the top is 1, 2, 2.5 or 5 × 10^k at or above `max`, in `ticks` steps. */
export function niceScale(max: number, ticks = 4): { max: number; step: number; ticks: number[] } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 1, ticks: [0, 1] };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s * ticks >= max) ?? 10 * mag;
  const top = Math.round(step * Math.ceil(max / step - 1e-9) * 1e9) / 1e9;
  const out: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(Math.round(v * 1e9) / 1e9);
  return { max: top, step, ticks: out };
}

const colorOf = (i: number, c?: string) => c ?? PALETTE[i % PALETTE.length]!;
/** Coordinates to a tenth of a unit: plenty for the eye, and short markup. */
const r1 = (n: number) => Math.round(n * 10) / 10;

function Frame(props: Common & { summary: string; children: Child; legend?: readonly ChartSeries[]; table: Child }) {
  const t = `${props.id}-t`, d = `${props.id}-d`;
  return (
    <figure class={`chart${props.class ? ` ${props.class}` : ''}`} id={props.id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${props.width ?? 640} ${props.height ?? 240}`}
        width="100%"
        preserveAspectRatio="xMidYMid meet"
        role="img"
        aria-labelledby={`${t} ${d}`}
        class="chart-svg"
        font-family="system-ui, sans-serif"
      >
        <title id={t}>{props.title}</title>
        <desc id={d}>{props.description ?? props.summary}</desc>
        {props.children}
      </svg>
      {props.legend?.length ? <Legend series={props.legend} /> : null}
      {props.note ? <div class="chart-note small muted">{props.note}</div> : null}
      <details class="chart-data">
        <summary>The numbers</summary>
        {props.table}
      </details>
    </figure>
  );
}

function Legend(props: { series: readonly ChartSeries[] }) {
  // Swatches are SVG, not CSS backgrounds, so they survive printing.
  return (
    <ul class="chart-legend" aria-hidden="true">
      {props.series.map((s, i) => (
        <li>
          <svg width="12" height="12" viewBox="0 0 12 12">
            <rect width="12" height="12" rx="2" fill={colorOf(i, s.color)} />
          </svg>{' '}
          {s.label}
        </li>
      ))}
    </ul>
  );
}

const M = { top: 14, right: 12, bottom: 34, left: 58 };

function YAxis(props: { ticks: number[]; max: number; x0: number; x1: number; y: (v: number) => number; format: (n: number) => string }) {
  return (
    <g class="chart-axis" aria-hidden="true">
      {props.ticks.map((v) => (
        <>
          <line x1={props.x0} x2={props.x1} y1={r1(props.y(v))} y2={r1(props.y(v))} stroke={v === 0 ? '#8a94a3' : '#e3e7ec'} stroke-width="1" />
          <text x={r1(props.x0 - 6)} y={r1(props.y(v) + 4)} text-anchor="end" font-size="11" fill="#5b6675">
            {props.format(v)}
          </text>
        </>
      ))}
    </g>
  );
}

function XLabels(props: { labels: readonly string[]; x: (i: number) => number; y: number }) {
  // Thin the labels out when they would collide (about 44 units each).
  const gap = props.labels.length > 1 ? props.x(1) - props.x(0) : 100;
  const every = Math.max(1, Math.ceil(44 / gap));
  return (
    <g class="chart-axis" aria-hidden="true">
      {props.labels.map((l, i) =>
        i % every === 0 || i === props.labels.length - 1 ? (
          <text x={r1(props.x(i))} y={props.y} text-anchor="middle" font-size="11" fill="#5b6675">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Bars, one per datum: vertical by default, horizontal (labels on the left) for long labels. */
export function BarChart(props: Common & { data: readonly BarDatum[]; horizontal?: boolean; max?: number }) {
  const format = props.format ?? plain;
  const W = props.width ?? 640;
  const data = props.data;
  const H = props.height ?? (props.horizontal ? Math.max(80, 26 * data.length + 30) : 240);
  const scale = niceScale(Math.max(props.max ?? 0, ...data.map((d) => d.value), 0));
  const summary = data.length ? data.map((d) => `${d.label}: ${format(d.value)}`).join('; ') : 'No data.';
  const table = (
    <table class="list chart-table">
      <thead>
        <tr>
          <th scope="col">{props.title}</th>
          <th scope="col" class="num">
            Value
          </th>
        </tr>
      </thead>
      <tbody>
        {data.map((d) => (
          <tr>
            <th scope="row">{d.label}</th>
            <td class="num">{format(d.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  let body: Child;
  if (!data.length) {
    body = (
      <text x={r1(W / 2)} y={r1(H / 2)} text-anchor="middle" font-size="13" fill="#5b6675">
        No data
      </text>
    );
  } else if (props.horizontal) {
    const left = 130, right = 60, top = 8;
    const band = (H - top - 22) / data.length;
    const x = (v: number) => left + ((W - left - right) * v) / scale.max;
    body = (
      <>
        <YAxisVertical ticks={scale.ticks} x={x} y0={top} y1={r1(H - 22)} format={format} />
        {data.map((d, i) => {
          const y = r1(top + i * band + band * 0.15);
          return (
            <g>
              <text x={r1(left - 6)} y={r1(y + band * 0.35 + 4)} text-anchor="end" font-size="12" fill="#1c2430">
                {d.label}
              </text>
              <rect x={left} y={y} width={r1(Math.max(0, x(d.value) - left))} height={r1(band * 0.7)} rx="2" fill={colorOf(i, d.color)} />
              <text x={r1(x(d.value) + 4)} y={r1(y + band * 0.35 + 4)} font-size="11" fill="#1c2430">
                {format(d.value)}
              </text>
            </g>
          );
        })}
      </>
    );
  } else {
    const x0 = M.left, x1 = W - M.right, y0 = M.top, y1 = H - M.bottom;
    const band = (x1 - x0) / data.length;
    const y = (v: number) => y1 - ((y1 - y0) * v) / scale.max;
    const cx = (i: number) => x0 + band * (i + 0.5);
    body = (
      <>
        <YAxis ticks={scale.ticks} max={scale.max} x0={x0} x1={x1} y={y} format={format} />
        {data.map((d, i) => (
          <g>
            <rect x={r1(cx(i) - band * 0.35)} y={r1(y(d.value))} width={r1(band * 0.7)} height={r1(Math.max(0, y1 - y(d.value)))} rx="2" fill={colorOf(i, d.color)} />
            {band >= 28 ? (
              <text x={r1(cx(i))} y={r1(y(d.value) - 4)} text-anchor="middle" font-size="10" fill="#1c2430">
                {format(d.value)}
              </text>
            ) : null}
          </g>
        ))}
        <XLabels labels={data.map((d) => d.label)} x={cx} y={r1(H - M.bottom + 16)} />
      </>
    );
  }
  return (
    <Frame {...props} height={H} summary={summary} table={table}>
      {body}
    </Frame>
  );
}

function YAxisVertical(props: { ticks: number[]; x: (v: number) => number; y0: number; y1: number; format: (n: number) => string }) {
  return (
    <g class="chart-axis" aria-hidden="true">
      {props.ticks.map((v) => (
        <>
          <line x1={r1(props.x(v))} x2={r1(props.x(v))} y1={props.y0} y2={props.y1} stroke={v === 0 ? '#8a94a3' : '#e3e7ec'} stroke-width="1" />
          <text x={r1(props.x(v))} y={r1(props.y1 + 14)} text-anchor="middle" font-size="11" fill="#5b6675">
            {props.format(v)}
          </text>
        </>
      ))}
    </g>
  );
}

type SeriesProps = Common & {
  /** The x axis, in order (e.g. weeks), as shown under the chart. */
  categories: readonly string[];
  series: readonly ChartSeries[];
  /** values[series.key][i]: the value of a series at category i (missing: 0). */
  values: Readonly<Record<string, readonly number[]>>;
};

function seriesSummary(p: SeriesProps, format: (n: number) => string): string {
  if (!p.categories.length) return 'No data.';
  const last = p.categories.length - 1;
  const at = (i: number) => p.series.map((s) => `${s.label} ${format(p.values[s.key]?.[i] ?? 0)}`).join(', ');
  return last === 0 ? `${p.categories[0]}: ${at(0)}.` : `From ${p.categories[0]} (${at(0)}) to ${p.categories[last]} (${at(last)}), ${p.categories.length} points.`;
}

function SeriesTable(props: SeriesProps & { format: (n: number) => string; total?: boolean }) {
  return (
    <table class="list chart-table">
      <thead>
        <tr>
          <th scope="col"></th>
          {props.series.map((s) => (
            <th scope="col" class="num">
              {s.label}
            </th>
          ))}
          {props.total ? (
            <th scope="col" class="num">
              Total
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {props.categories.map((c, i) => (
          <tr>
            <th scope="row">{c}</th>
            {props.series.map((s) => (
              <td class="num">{props.format(props.values[s.key]?.[i] ?? 0)}</td>
            ))}
            {props.total ? <td class="num">{props.format(props.series.reduce((t, s) => t + (props.values[s.key]?.[i] ?? 0), 0))}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One bar per category, its series stacked from the bottom in the order given. */
export function StackedBarChart(props: SeriesProps) {
  const format = props.format ?? plain;
  const W = props.width ?? 640, H = props.height ?? 240;
  const n = props.categories.length;
  const totals = props.categories.map((_, i) => props.series.reduce((t, s) => t + Math.max(0, props.values[s.key]?.[i] ?? 0), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const x0 = M.left, x1 = W - M.right, y0 = M.top, y1 = H - M.bottom;
  const band = n ? (x1 - x0) / n : 1;
  const y = (v: number) => y1 - ((y1 - y0) * v) / scale.max;
  const cx = (i: number) => x0 + band * (i + 0.5);
  return (
    <Frame {...props} summary={seriesSummary(props, format)} legend={props.series} table={<SeriesTable {...props} format={format} total />}>
      <YAxis ticks={scale.ticks} max={scale.max} x0={x0} x1={x1} y={y} format={format} />
      {props.categories.map((c, i) => {
        let base = 0;
        return (
          <g>
            <title>{`${c}: ${props.series.map((s) => `${s.label} ${format(props.values[s.key]?.[i] ?? 0)}`).join(', ')}`}</title>
            {props.series.map((s, k) => {
              const v = Math.max(0, props.values[s.key]?.[i] ?? 0);
              const r = <rect x={r1(cx(i) - band * 0.36)} y={r1(y(base + v))} width={r1(band * 0.72)} height={r1(Math.max(0, y(base) - y(base + v)))} fill={colorOf(k, s.color)} />;
              base += v;
              return v > 0 ? r : null;
            })}
          </g>
        );
      })}
      <XLabels labels={props.categories} x={cx} y={r1(H - M.bottom + 16)} />
    </Frame>
  );
}

/** One line per series across the categories, with a dot at each point. */
export function LineChart(props: SeriesProps) {
  const format = props.format ?? plain;
  const W = props.width ?? 640, H = props.height ?? 240;
  const n = props.categories.length;
  const all = props.series.flatMap((s) => (props.values[s.key] ?? []).slice(0, n));
  const scale = niceScale(Math.max(0, ...all));
  const x0 = M.left + 10, x1 = W - M.right - 10, y0 = M.top, y1 = H - M.bottom;
  const x = (i: number) => (n <= 1 ? (x0 + x1) / 2 : x0 + ((x1 - x0) * i) / (n - 1));
  const y = (v: number) => y1 - ((y1 - y0) * Math.max(0, v)) / scale.max;
  return (
    <Frame {...props} summary={seriesSummary(props, format)} legend={props.series} table={<SeriesTable {...props} format={format} />}>
      <YAxis ticks={scale.ticks} max={scale.max} x0={M.left} x1={r1(W - M.right)} y={y} format={format} />
      {props.series.map((s, k) => {
        const pts = props.categories.map((_, i) => `${x(i).toFixed(1)},${y(props.values[s.key]?.[i] ?? 0).toFixed(1)}`);
        return (
          <g>
            <polyline points={pts.join(' ')} fill="none" stroke={colorOf(k, s.color)} stroke-width="2" />
            {props.categories.map((c, i) => (
              <circle cx={r1(x(i))} cy={r1(y(props.values[s.key]?.[i] ?? 0))} r="3" fill={colorOf(k, s.color)}>
                <title>{`${s.label}, ${c}: ${format(props.values[s.key]?.[i] ?? 0)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
      <XLabels labels={props.categories} x={x} y={r1(H - M.bottom + 16)} />
    </Frame>
  );
}
