import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { currentPolicy } from '../policy/store.ts';
import { csvLine } from '../shared/csv.ts';
import { validationError } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import { CalibrationPage } from '../../views/calibration/page.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { quarterOf } from './calibration.ts';
import { calibrationQuerySchema, calibrationReport, type CalibrationReport } from './queries.ts';

// Was the grading right? (DOMAIN.md §6) The page, its CSV and its JSON twin, over a range of quarters.

async function report(c: Context<AppEnv>) {
  const { db, clock, config } = c.var.deps;
  const today = clock.today();
  const parsed = calibrationQuerySchema(today).safeParse(c.req.queries());
  if (!parsed.success) return { ok: false as const, error: parsed.error, today };
  const current = await currentPolicy(db);
  return { ok: true as const, report: await calibrationReport(db, current, parsed.data, today, config.orgTimeZone), today };
}

const rate = (r: number | null) => (r === null ? null : Math.round(r * 10_000) / 10_000);

function calibrationCsv(r: CalibrationReport): string {
  const head = ['quarter', 'grade', 'window_months', 'episodes', 'hit', 'closed_later', 'lost', 'still_open', 'pending', 'decided', 'hit_rate'];
  let out = '\uFEFF' + csvLine(head);
  const line = (quarter: string, t: CalibrationReport['byGrade'][number]) =>
    csvLine([quarter, t.grade, r.windows[t.grade], t.episodes, t.hit, t.late, t.lost, t.open, t.pending, t.decided, rate(t.hitRate)]);
  for (const row of r.rows) out += line(row.quarter, row);
  for (const g of r.byGrade) out += line('all', g);
  return out;
}

export function calibrationPages() {
  const app = new Hono<AppEnv>();

  app.get('/calibration', async (c) => {
    const r = await report(c);
    if (!r.ok) {
      const errors = fieldErrors(r.error);
      const message = Object.entries(errors).map(([k, v]) => `${k === '_form' ? 'The range' : `"${k}"`} ${v}.`).join(' ');
      return c.html(<MessagePage title="Which quarters?" message={`${message} Quarters are written like 2026-Q1.`} />, 422);
    }
    return c.html(<CalibrationPage report={r.report} current={quarterOf(r.today)} />);
  });

  app.get('/calibration.csv', async (c) => {
    const r = await report(c);
    if (!r.ok) return c.text(`Bad request: ${Object.entries(fieldErrors(r.error)).map(([k, v]) => `${k} ${v}`).join('; ')}\n`, 422);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="calibration-${r.report.from}-${r.report.to}.csv"`);
    return c.body(calibrationCsv(r.report));
  });

  return app;
}

export function calibrationApi() {
  const app = new Hono<AppEnv>();

  app.get('/calibration', async (c) => {
    const r = await report(c);
    if (!r.ok) return validationError(c, r.error);
    const { rows, byGrade, total, ...rest } = r.report;
    const json = <T extends { hitRate: number | null }>(t: T) => ({ ...t, hitRate: rate(t.hitRate) });
    return c.json({ ...rest, rows: rows.map(json), byGrade: byGrade.map(json), total: json(total) });
  });

  return app;
}
