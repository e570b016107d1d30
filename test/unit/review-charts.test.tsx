import { describe, expect, it } from 'vitest';
import { BarChart, LineChart, StackedBarChart, niceScale } from '../../views/charts.tsx';

const html = (node: unknown) => String(node);

describe('axis scales', () => {
  it.each([
    [97, 100, 25],
    [100, 100, 25],
    [5, 6, 2],
    [1_234_567, 1_500_000, 500_000],
    [0.3, 0.3, 0.1],
  ])('a maximum of %d rounds up to %d in steps of %d', (max, top, step) => {
    const s = niceScale(max);
    expect(s.max).toBeCloseTo(top);
    expect(s.step).toBeCloseTo(step);
    expect(s.ticks[0]).toBe(0);
    expect(s.ticks.at(-1)).toBeCloseTo(top);
    expect(s.max).toBeGreaterThanOrEqual(max);
  });

  it('has a scale for nothing', () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
  });
});

describe('server-rendered charts', () => {
  it('draw one bar per datum, with an accessible title, description and the numbers as a table', () => {
    const out = html(<BarChart id="won" title="Closed within window" data={[{ label: 'A', value: 12 }, { label: 'B', value: 30 }]} />);
    expect(out).toContain('role="img"');
    expect(out).toContain('aria-labelledby="won-t won-d"');
    expect(out).toContain('<title id="won-t">Closed within window</title>');
    expect(out).toContain('<desc id="won-d">A: 12; B: 30</desc>');
    expect(out.match(/<rect /g)).toHaveLength(2);
    expect(out).toMatch(/<th scope="row">B<\/th><td class="num">30<\/td>/);
    // The tallest bar reaches the top of the plot.
    expect(out).toContain('y="14" width="199.5" height="192"');
    expect(out).not.toContain('<script');
  });

  it('draws horizontal bars for long labels, and says when there is no data', () => {
    expect(html(<BarChart id="h" horizontal title="By tier" data={[{ label: 'Strategic', value: 5 }]} />)).toContain('text-anchor="end" font-size="12" fill="#1c2430">Strategic');
    expect(html(<BarChart id="e" title="Empty" data={[]} />)).toContain('No data');
  });

  it('stacks series per category and lists them in a legend and a table with totals', () => {
    const out = html(
      <StackedBarChart
        id="mix"
        title="Grade mix"
        categories={['1 Jun', '8 Jun']}
        series={[
          { key: 'A', label: 'Grade A', color: '#111111' },
          { key: 'B', label: 'Grade B', color: '#222222' },
        ]}
        values={{ A: [3, 4], B: [5, 0] }}
      />,
    );
    expect(out.match(/fill="#111111"/g)).toHaveLength(3); // two bars and the legend swatch
    expect(out.match(/fill="#222222"/g)).toHaveLength(2); // a zero value draws nothing
    expect(out).toContain('From 1 Jun (Grade A 3, Grade B 5) to 8 Jun (Grade A 4, Grade B 0), 2 points.');
    expect(out).toMatch(/<th scope="row">1 Jun<\/th><td class="num">3<\/td><td class="num">5<\/td><td class="num">8<\/td>/);
  });

  it('draws a line per series with a point per category', () => {
    const out = html(<LineChart id="l" title="Lines" categories={['a', 'b', 'c']} series={[{ key: 'x', label: 'X' }]} values={{ x: [1, 2, 4] }} />);
    expect(out.match(/<polyline /g)).toHaveLength(1);
    expect(out.match(/<circle /g)).toHaveLength(3);
  });
});
