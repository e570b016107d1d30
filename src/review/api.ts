import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import type { ActionItemRow } from '../db/schema.ts';
import { currentPolicy } from '../policy/store.ts';
import { notFoundJson, parseId, validationError, validJson } from '../shared/http.ts';
import { addActionItem, addNote, changeActionItem, getActionItem, type Failure } from './meeting.ts';
import { loadReview, reviewQuerySchema, weekList, type Review } from './queries.ts';
import { backfillSnapshots, takeSnapshot } from './snapshot.ts';
import { actionItemPatchSchema, actionItemSchema, backfillSchema, noteSchema, snapshotSchema } from './validation.ts';
import { isMonday } from './weeks.ts';

// The review's JSON twins: the review of a week, taking and back-filling snapshots (managers),
// notes and action items.

export const actionItemJson = (i: ActionItemRow) => ({
  id: i.id,
  week: i.week,
  text: i.text,
  ownerId: i.ownerId,
  dueOn: i.dueOn,
  accountId: i.accountId,
  status: i.status,
  doneOn: i.doneOn,
  doneBy: i.doneBy,
  version: i.version,
  createdBy: i.createdBy,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

const weekJson = (w: Review['week']) => ({ week: w.week, source: w.source, accounts: w.accounts, takenBy: w.takenBy, takenAt: w.takenAt.toISOString(), comparedWith: w.comparedWith });

function reviewJson(r: Review) {
  return {
    week: weekJson(r.week),
    comparedWith: r.prev ? weekJson(r.prev) : null,
    weeks: r.weeks.map((w) => ({ week: w.week, source: w.source })),
    filter: r.filter,
    counts: r.lines,
    totals: r.totals,
    previousTotals: r.prevTotals,
    matrix: r.matrix,
    lists: r.lists,
    reps: r.reps.map((l) => ({ ...l, utilization: l.utilization === null || !Number.isFinite(l.utilization) ? null : l.utilization })),
    trend: r.trend,
    pipelineByMonth: r.months,
    notes: r.notes.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
    actionItems: r.actions,
  };
}

function failure(c: Context, f: Failure) {
  if (f.reason === 'not_found') return notFoundJson(c, 'action item');
  if (f.reason === 'no_week') return c.json({ error: 'no snapshot was taken for that week' }, 404);
  if (f.reason === 'conflict') return c.json({ error: 'conflict: the action item changed since the version you sent', currentVersion: f.current.version, current: actionItemJson(f.current) }, 409);
  return c.json({ error: 'validation failed', issues: Object.entries(f.errors).map(([path, message]) => ({ path, message })) }, 422);
}

const limitSchema = z.preprocess((v) => (v === undefined || v === '' ? 25 : v), z.coerce.number({ error: 'must be a number from 0 to 1000' }).int().min(0).max(1000));

export function reviewApi() {
  const app = new Hono<AppEnv>();

  app.get('/review', async (c) => {
    const { limit, ...raw } = c.req.query();
    const parsed = reviewQuerySchema.safeParse(raw);
    if (!parsed.success) return validationError(c, parsed.error);
    const lim = limitSchema.safeParse(limit);
    if (!lim.success) return validationError(c, lim.error, 'limit');
    const { db } = c.var.deps;
    const { policy } = await currentPolicy(db);
    const r = await loadReview(db, parsed.data, policy, lim.data);
    if (r === null) return c.json({ error: 'no snapshot has been taken yet' }, 404);
    if (r === 'no_week') return c.json({ error: `no snapshot was taken for the week of ${parsed.data.week}` }, 404);
    return c.json(reviewJson(r));
  });

  app.get('/review/weeks', async (c) => {
    const weeks = await weekList(c.var.deps.db);
    return c.json({ weeks: weeks.map(weekJson) });
  });

  app.post('/review/snapshots', async (c) => {
    const parsed = await validJson(c, snapshotSchema, { optional: true });
    if (!parsed.ok) return parsed.response;
    const { db, clock, config } = c.var.deps;
    const r = await takeSnapshot(db, { week: parsed.data.week, today: clock.today(), actor: c.var.actor.name, timeZone: config.orgTimeZone });
    if (!r.ok) return c.json({ error: 'validation failed', issues: [{ path: 'week', message: r.message }] }, 422);
    return c.json({ taken: r.taken, skipped: r.skipped, ms: r.ms }, r.taken.length ? 201 : 200);
  });

  app.post('/review/backfills', async (c) => {
    const parsed = await validJson(c, backfillSchema, { optional: true });
    if (!parsed.ok) return parsed.response;
    const { db, clock, config } = c.var.deps;
    const r = await backfillSnapshots(db, { weeks: parsed.data.weeks, today: clock.today(), actor: c.var.actor.name, timeZone: config.orgTimeZone });
    if (!r.ok) return c.json({ error: r.message }, 422);
    return c.json({ taken: r.taken, skipped: r.skipped, ms: r.ms }, r.taken.length ? 201 : 200);
  });

  app.post('/review/weeks/:week/notes', async (c) => {
    const week = c.req.param('week');
    if (!isMonday(week)) return c.json({ error: 'no snapshot was taken for that week' }, 404);
    const parsed = await validJson(c, noteSchema.strict());
    if (!parsed.ok) return parsed.response;
    const r = await addNote(c.var.deps.db, week, parsed.data.body, { today: c.var.deps.clock.today(), actor: c.var.actor });
    if (!r.ok) return failure(c, r);
    return c.json({ id: r.note.id, week: r.note.week, body: r.note.body, createdBy: r.note.createdBy, createdAt: r.note.createdAt.toISOString() }, 201);
  });

  app.post('/review/weeks/:week/action-items', async (c) => {
    const week = c.req.param('week');
    if (!isMonday(week)) return c.json({ error: 'no snapshot was taken for that week' }, 404);
    const parsed = await validJson(c, actionItemSchema(week).strict());
    if (!parsed.ok) return parsed.response;
    const r = await addActionItem(c.var.deps.db, week, parsed.data, { today: c.var.deps.clock.today(), actor: c.var.actor });
    if (!r.ok) return failure(c, r);
    c.header('Location', `/api/action-items/${r.item.id}`);
    return c.json(actionItemJson(r.item), 201);
  });

  app.get('/action-items/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const item = id ? await getActionItem(c.var.deps.db, id) : undefined;
    return item ? c.json(actionItemJson(item)) : notFoundJson(c, 'action item');
  });

  app.patch('/action-items/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const item = id ? await getActionItem(c.var.deps.db, id) : undefined;
    if (!id || !item) return notFoundJson(c, 'action item');
    const parsed = await validJson(c, actionItemPatchSchema(item.week));
    if (!parsed.ok) return parsed.response;
    const r = await changeActionItem(c.var.deps.db, id, parsed.data, { today: c.var.deps.clock.today(), actor: c.var.actor });
    return r.ok ? c.json(actionItemJson(r.item)) : failure(c, r);
  });

  return app;
}
