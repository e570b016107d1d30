import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Db } from '../db/client.ts';
import { csvLine } from '../shared/csv.ts';
import { listProspects, type ListQuery } from './queries.ts';

const HEAD = ['id', 'name', 'domain', 'industry', 'status', 'grade', 'fit', 'close_by', 'flags', 'slip_count', 'last_signal_on', 'reason'];
const CHUNK = 2000;

/** The filtered list as CSV, every page of it, streamed in chunks. */
export function prospectsCsv(c: Context, db: Db, q: ListQuery) {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', 'attachment; filename="prospects.csv"');
  return stream(c, async (s) => {
    await s.write('\uFEFF' + csvLine(HEAD));
    let after: string | undefined;
    for (let page = 1; ; page++) {
      // The default order pages by cursor (one index range each); other orders by offset.
      const { rows, pages, next } = await listProspects(db, { ...q, page, after }, CHUNK);
      after = next ?? undefined;
      let out = '';
      for (const r of rows) out += csvLine([r.id, r.name, r.domain, r.industry, r.status, r.grade, r.fit, r.closeBy, r.flags, r.slipCount, r.lastSignalOn, r.reason]);
      if (out) await s.write(out);
      if (page >= pages) break;
    }
  });
}
