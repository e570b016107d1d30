import type { Job } from '../jobs/scheduler.ts';
import { regradeOpenProspects } from './daily-regrade.ts';

/** Grades move as days pass: once a day, every open prospect is re-graded as of today. */
export const dailyRegradeJob: Job = {
  name: 'daily-regrade',
  runKey: (today) => today,
  run: (db, today) => regradeOpenProspects(db, { asOf: today }),
};
