import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Db } from '../db/client.ts';
import { csvLine } from '../shared/csv.ts';
import { listCustomers, type CustomerQuery } from './queries.ts';

const HEAD = ['id', 'name', 'domain', 'industry', 'tier', 'score', 'reason', 'tiered_on', 'converted_on', 'closed_grade', 'days_paid_late'];
const CHUNK = 2000;

/** The filtered customers as CSV, every page of it, streamed in chunks. */
export function customersCsv(c: Context, db: Db, q: CustomerQuery, today: string) {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', 'attachment; filename="customers.csv"');
  return stream(c, async (s) => {
    await s.write('\uFEFF' + csvLine(HEAD));
    for (let page = 1; ; page++) {
      const { rows, pages } = await listCustomers(db, { ...q, page }, today, CHUNK);
      let out = '';
      for (const r of rows) out += csvLine([r.id, r.name, r.domain, r.industry, r.tier, r.tierScore, r.tierReason, r.tieredOn, r.convertedOn, r.closedGrade, r.daysPaidLate]);
      if (out) await s.write(out);
      if (page >= pages) break;
    }
  });
}
