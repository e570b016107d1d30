import type { Job } from '../jobs/scheduler.ts';
import { quarterOf, retierCustomers } from './retier.ts';

export const QUARTERLY_ACTOR = 'quarterly re-tier';

/** Tiers are re-scored each quarter: the first run in a quarter re-tiers every customer as of that day. */
export const quarterlyRetierJob: Job = {
  name: 'quarterly-retier',
  runKey: quarterOf,
  run: (db, today) => retierCustomers(db, { asOf: today, cause: 'quarterly', actor: QUARTERLY_ACTOR }),
};
