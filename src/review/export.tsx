import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { AppEnv } from '../app-env.ts';
import { currentPolicy } from '../policy/store.ts';
import { csvLine } from '../shared/csv.ts';
import { MessagePage } from '../../views/errors.tsx';
import type { ListName } from './diff.ts';
import { CSV_LISTS, actionItemsOf, filterOf, listPage, loadReview, weekList, type CsvList, type ListCursor, type ReviewQuery } from './queries.ts';

// Every list of the review as CSV, with the page's week and filters: a change list, the stale
// list or the A list streamed in pages (each an index range); the per-rep table; the action items.

const CHUNK = 2000;

const LIST_HEAD = ['week', 'list', 'account_id', 'name', 'kind', 'status', 'grade', 'tier', 'fit', 'tier_score', 'close_by', 'flags', 'slip_count', 'open_value', 'owner_id', 'owner', 'week_before', 'kind_before', 'status_before', 'grade_before', 'tier_before', 'slip_count_before'];
const REP_HEAD = ['week', 'owner_id', 'name', 'level', 'region', 'state', 'grade_a', 'grade_b', 'grade_c', 'grade_d', 'customers', 'accounts', 'stale', 'overdue_touches', 'load', 'capacity', 'utilization'];
const ACTION_HEAD = ['id', 'week', 'status', 'text', 'owner_id', 'owner', 'due_on', 'account_id', 'account', 'done_on', 'done_by', 'created_by'];

function download(c: Context, name: string) {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${name}"`);
}

export async function reviewCsv(c: Context<AppEnv>, q: ReviewQuery, list: string | undefined) {
  const { db } = c.var.deps;
  if (!list || !(CSV_LISTS as readonly string[]).includes(list)) {
    return c.html(<MessagePage title="Unknown list" message={`Choose a list to export: ${CSV_LISTS.join(', ')}.`} />, 422);
  }
  const weeks = await weekList(db);
  const week = q.week ? weeks.find((w) => w.week === q.week) : weeks[0];
  if (!week) return c.html(<MessagePage title="No review for that week" message="No snapshot was taken for that week." />, 404);
  const name = `review-${week.week}-${list.replace('_', '-')}.csv`;
  const l = list as CsvList;

  if (l === 'reps') {
    const { policy } = await currentPolicy(db);
    const review = await loadReview(db, { ...q, week: week.week }, policy, 0);
    const reps = review && review !== 'no_week' ? review.reps : [];
    download(c, name);
    return c.body(
      '\uFEFF' +
        csvLine(REP_HEAD) +
        reps
          .map((r) => csvLine([week.week, r.ownerId, r.name, r.level, r.region, r.state, r.grades.A, r.grades.B, r.grades.C, r.grades.D, r.customers, r.accounts, r.stale, r.ownerId === null ? null : r.overdue, r.load, r.capacity, r.utilization === null || !Number.isFinite(r.utilization) ? null : Math.round(r.utilization * 1000) / 1000]))
          .join(''),
    );
  }
  if (l === 'actions') {
    const items = await actionItemsOf(db, week.week);
    download(c, name);
    return c.body('\uFEFF' + csvLine(ACTION_HEAD) + items.map((i) => csvLine([i.id, i.week, i.status, i.text, i.ownerId, i.ownerName, i.dueOn, i.accountId, i.accountName, i.doneOn, i.doneBy, i.createdBy])).join(''));
  }

  const f = filterOf(q);
  const prev = week.comparedWith;
  download(c, name);
  return stream(c, async (s) => {
    await s.write('\uFEFF' + csvLine(LIST_HEAD));
    let cursor: ListCursor | null = {};
    while (cursor) {
      const page = await listPage(db, l as ListName, week.week, prev, f, CHUNK, cursor);
      let out = '';
      for (const r of page.rows) {
        out += csvLine([week.week, l, r.accountId, r.name, r.kind, r.status, r.grade, r.tier, r.fit, r.tierScore, r.closeBy, r.flags, r.slipCount, r.openValue, r.ownerId, r.ownerName, prev, r.prevKind, r.prevStatus, r.prevGrade, r.prevTier, r.prevSlipCount]);
      }
      if (out) await s.write(out);
      cursor = page.next;
    }
  });
}
