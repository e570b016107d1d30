import type { Job } from '../jobs/scheduler.ts';
import { takeSnapshot } from './snapshot.ts';
import { mondayOf } from './weeks.ts';

export const WEEKLY_ACTOR = 'weekly snapshot';

/**
 * Every account is kept as it stands each week: the first run in a week (Monday, in the org's
 * time zone, as the scheduler's clock gives today) takes that week's snapshot. A week taken
 * already (by the button or the script) is left as it is.
 */
export const weeklySnapshotJob: Job = {
  name: 'weekly-snapshot',
  runKey: mondayOf,
  run: async (db, today) => {
    const r = await takeSnapshot(db, { today, actor: WEEKLY_ACTOR });
    return r.ok ? { week: mondayOf(today), taken: r.taken.length > 0, accounts: r.taken[0]?.accounts ?? null, ms: r.ms, insertMs: r.insertMs, deriveMs: r.deriveMs } : r;
  },
};
