import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { hasRole } from '../access/rules.ts';
import { currentPolicy } from '../policy/store.ts';
import { formValues, isHtmx, parseId } from '../shared/http.ts';
import { fieldErrors } from '../shared/validation.ts';
import { emptyForm, type FormState } from '../../views/components.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { ActionItemsSection, NotesSection } from '../../views/review/meeting.tsx';
import { ReviewBody, ReviewEmptyPage, ReviewListPage, ReviewPage, reviewHref } from '../../views/review/page.tsx';
import { reviewCsv } from './export.tsx';
import { addActionItem, addNote, changeActionItem, getActionItem } from './meeting.ts';
import { LISTS, type ListName } from './diff.ts';
import { actionItemsOf, cursorText, filterOf, listPage, listTotal, loadReview, notesOf, parseCursor, peopleOf, reviewQuerySchema, weekList, type ReviewQuery } from './queries.ts';
import { backfillSnapshots, takeSnapshot, type SnapshotOutcome } from './snapshot.ts';
import { actionItemSchema, noteSchema, versionSchema } from './validation.ts';
import { isMonday, mondayOf } from './weeks.ts';

// The weekly pipeline review (DOMAIN.md §4): the page, its CSV, the managers' snapshot buttons,
// and the meeting's notes and action items (forms that post without JavaScript, and whose
// sections htmx swaps in place).

/** The query string, keeping the parts that are valid (a bad filter is dropped, as on the lists). */
export function lenientQuery(c: Context): ReviewQuery {
  const raw = c.req.queries();
  const parsed = reviewQuerySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const out: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(reviewQuerySchema.shape)) {
    const r = schema.safeParse(raw[k]);
    if (r.success && r.data !== undefined) out[k] = r.data;
  }
  return out as ReviewQuery;
}

const NOTICES: Record<string, string> = {
  taken: 'This week’s snapshot was taken.',
  exists: 'This week’s snapshot had already been taken: nothing changed.',
  backfilled: 'Past weeks were back-filled from the grade and tier history.',
  nothing: 'Those weeks had all been taken already: nothing changed.',
  note: 'Note added.',
  action: 'Action item added.',
  done: 'Action item marked done.',
  reopened: 'Action item reopened.',
};

type Extra = { status?: 200 | 404 | 409 | 422; noteForm?: FormState; actionForm?: FormState; actionsProblem?: string; problem?: string; notice?: string };

async function renderReview(c: Context<AppEnv>, q: ReviewQuery, extra: Extra = {}) {
  const { db, clock } = c.var.deps;
  const today = clock.today();
  const canSnapshot = hasRole(c.var.user?.role, 'manager');
  const { policy } = await currentPolicy(db);
  const review = await loadReview(db, q, policy);
  const notice = extra.notice ?? NOTICES[c.req.query('notice') ?? ''];
  c.header('Vary', 'HX-Request');
  if (review === null) return c.html(<ReviewEmptyPage canSnapshot={canSnapshot} currentWeek={mondayOf(today)} notice={notice} problem={extra.problem} />, extra.status ?? 200);
  if (review === 'no_week') {
    return c.html(<MessagePage title="No review for that week" message={`No snapshot was taken for the week of ${q.week}. Pick a week from the review page.`} />, 404);
  }
  const props = {
    review,
    q,
    today,
    currentWeek: mondayOf(today),
    canSnapshot,
    notice,
    problem: extra.problem,
    noteForm: extra.noteForm ?? emptyForm(),
    actionForm: extra.actionForm ?? emptyForm({ dueOn: '' }),
    actionsProblem: extra.actionsProblem,
    print: c.req.query('print') !== undefined,
  };
  if (isHtmx(c) && c.req.header('HX-Request-Type') === 'partial') return c.html(<ReviewBody {...props} />, extra.status ?? 200);
  return c.html(<ReviewPage {...props} />, extra.status ?? 200);
}

/** Rows per page of a whole list. */
const LIST_PAGE = 100;

const weekParam = (c: Context) => {
  const w = c.req.param('week');
  return isMonday(w) ? w : null;
};

const noWeekPage = (c: Context, week: string | null) =>
  c.html(<MessagePage title="No review for that week" message={week ? `No snapshot was taken for the week of ${week}.` : 'A review week is a Monday, written YYYY-MM-DD.'} />, 404);

function afterSnapshot(outcome: SnapshotOutcome, backfill: boolean): string {
  if (!outcome.ok) return '/review';
  if (!outcome.taken.length) return `/review?notice=${backfill ? 'nothing' : 'exists'}`;
  const latest = outcome.taken[outcome.taken.length - 1]!.week;
  return `/review?week=${latest}&notice=${backfill ? 'backfilled' : 'taken'}`;
}

export function reviewPages() {
  const app = new Hono<AppEnv>();

  app.get('/review', (c) => renderReview(c, lenientQuery(c)));

  app.get('/review.csv', (c) => reviewCsv(c, lenientQuery(c), c.req.query('list')));

  app.get('/review/list', async (c) => {
    const { db } = c.var.deps;
    const q = lenientQuery(c);
    const list = c.req.query('list') ?? '';
    if (!(LISTS as readonly string[]).includes(list)) return c.html(<MessagePage title="Unknown list" message={`Choose one of: ${LISTS.join(', ')}.`} />, 404);
    const l = list as ListName;
    const cursor = parseCursor(l, c.req.query('after'));
    if (!cursor) return c.html(<MessagePage title="Not a page of this list" message="That link is not one this list made. Start from its first page." />, 422);
    const weeks = await weekList(db);
    const week = q.week ? weeks.find((w) => w.week === q.week) : weeks[0];
    if (!week) return noWeekPage(c, q.week ?? null);
    const f = filterOf(q);
    const [page, total] = await Promise.all([listPage(db, l, week.week, week.comparedWith, f, LIST_PAGE, cursor), listTotal(db, l, week.week, f)]);
    return c.html(<ReviewListPage list={l} week={week} q={{ ...q, week: week.week }} total={total} rows={page.rows} next={page.next ? cursorText(page.next) : null} first={!c.req.query('after')} />);
  });

  app.post('/review/snapshots', async (c) => {
    const { db, clock, config } = c.var.deps;
    const outcome = await takeSnapshot(db, { today: clock.today(), actor: c.var.actor.name, timeZone: config.orgTimeZone });
    return c.redirect(afterSnapshot(outcome, false), 303);
  });

  app.post('/review/backfills', async (c) => {
    const { db, clock, config } = c.var.deps;
    const raw = (await formValues(c)).weeks ?? '12';
    const weeks = /^\d{1,3}$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!(weeks >= 1 && weeks <= 104)) return renderReview(c, {}, { status: 422, problem: 'Back-fill between 1 and 104 weeks.' });
    const outcome = await backfillSnapshots(db, { weeks, today: clock.today(), actor: c.var.actor.name, timeZone: config.orgTimeZone });
    return c.redirect(afterSnapshot(outcome, true), 303);
  });

  app.post('/review/weeks/:week/notes', async (c) => {
    const { db, clock } = c.var.deps;
    const week = weekParam(c);
    if (!week) return noWeekPage(c, null);
    const values = await formValues(c);
    const parsed = noteSchema.safeParse(values);
    const again = async (form: FormState, status: 422) =>
      isHtmx(c) ? c.html(<NotesSection week={week} notes={await notesOf(db, week)} form={form} />, status) : renderReview(c, { week }, { status, noteForm: form });
    if (!parsed.success) return again({ values, errors: fieldErrors(parsed.error) }, 422);
    const r = await addNote(db, week, parsed.data.body, { today: clock.today(), actor: c.var.actor });
    if (!r.ok) return noWeekPage(c, week);
    if (!isHtmx(c)) return c.redirect(`/review?week=${week}&notice=note#notes`, 303);
    return c.html(<NotesSection week={week} notes={await notesOf(db, week)} form={emptyForm()} />);
  });

  app.post('/review/weeks/:week/action-items', async (c) => {
    const { db, clock } = c.var.deps;
    const week = weekParam(c);
    if (!week) return noWeekPage(c, null);
    const values = await formValues(c);
    const section = async (form: FormState, status: 200 | 422) =>
      isHtmx(c)
        ? c.html(<ActionItemsSection week={week} items={await actionItemsOf(db, week)} people={await peopleOf(db)} form={form} csv={reviewHref({ week }, { list: 'actions' }, '/review.csv')} />, status)
        : renderReview(c, { week }, { status, actionForm: form });
    const parsed = actionItemSchema(week).safeParse(values);
    if (!parsed.success) return section({ values, errors: fieldErrors(parsed.error) }, 422);
    const r = await addActionItem(db, week, parsed.data, { today: clock.today(), actor: c.var.actor });
    if (!r.ok) return r.reason === 'invalid' ? section({ values, errors: r.errors }, 422) : noWeekPage(c, week);
    if (!isHtmx(c)) return c.redirect(`/review?week=${week}&notice=action#actions`, 303);
    return section(emptyForm({ dueOn: '' }), 200);
  });

  const status = (path: 'completion' | 'reopening', to: 'done' | 'open') =>
    app.post(`/action-items/:id/${path}`, async (c) => {
      const { db, clock } = c.var.deps;
      const id = parseId(c.req.param('id'));
      const item = id ? await getActionItem(db, id) : undefined;
      if (!id || !item) return c.html(<MessagePage title="Action item not found" message="There is no action item with that number." />, 404);
      const values = await formValues(c);
      const week = isMonday(values.week) ? values.week : item.week;
      const section = async (status: 200 | 409 | 422, problem?: string) =>
        isHtmx(c)
          ? c.html(<ActionItemsSection week={week} items={await actionItemsOf(db, week)} people={await peopleOf(db)} form={emptyForm({ dueOn: '' })} problem={problem} csv={reviewHref({ week }, { list: 'actions' }, '/review.csv')} />, status)
          : renderReview(c, { week }, { status, actionsProblem: problem });
      const v = versionSchema.safeParse(values);
      if (!v.success) return section(422, 'This page is out of date: reload it and try again.');
      const r = await changeActionItem(db, id, { version: v.data.version, status: to }, { today: clock.today(), actor: c.var.actor });
      if (r.ok) return isHtmx(c) ? section(200) : c.redirect(`/review?week=${week}&notice=${to === 'done' ? 'done' : 'reopened'}#actions`, 303);
      if (r.reason === 'not_found') return c.html(<MessagePage title="Action item not found" message="There is no action item with that number." />, 404);
      if (r.reason === 'conflict') {
        const now = r.current.status === 'done' ? `it is now done (${r.current.doneOn} by ${r.current.doneBy})` : 'it is open again';
        return section(409, `“${r.current.text}” was changed by someone else meanwhile: ${now}. The list below is up to date.`);
      }
      return section(422, r.reason === 'invalid' ? Object.values(r.errors).join(' ') : 'No such week.');
    });
  status('completion', 'done');
  status('reopening', 'open');

  return app;
}
