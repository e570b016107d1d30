// Scales, dates and paths shared by every benchmark. Everything here is fixed so that a cached
// database (bench/.out/) stays valid between runs: the data do not depend on today's date.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT = join(ROOT, 'bench', '.out');
export const DOC = join(ROOT, 'docs', 'benchmarks.md');

/** The date the generated data were last graded (signals are dated up to this day). */
export const DATA_AS_OF = '2026-03-31';
/** The day the daily re-grade benchmark runs for, and the app's (fixed) clock: 46 days later. */
export const BENCH_AS_OF = '2026-05-16';

/** Bump when the generator changes, so cached databases are rebuilt. */
export const GENERATOR_VERSION = 1;

export type ScaleName = 'small' | 'full';

export type Scale = {
  name: ScaleName;
  /** Accounts in PostgreSQL and in PGlite (about 97 % prospects). */
  pgAccounts: number;
  pgliteAccounts: number;
  /** Prospects graded in memory by the pure-grading benchmark, and how long each timed run lasts. */
  gradingProspects: number;
  gradingRunMs: number;
  gradingRuns: number;
  /** autocannon: seconds per case (and warm-up), connections. */
  httpSeconds: number;
  httpWarmupSeconds: number;
  connections: number;
  /** PGlite in-process loop: seconds per case. */
  pgliteSeconds: number;
  startupRuns: number;
  /** The re-tier benchmark's own database: customers (5 won deals each) and open prospects to convert. */
  retierCustomers: number;
  retierProspects: number;
};

export const SCALES: Record<ScaleName, Scale> = {
  small: {
    name: 'small',
    pgAccounts: 20_000,
    pgliteAccounts: 5_000,
    gradingProspects: 20_000,
    gradingRunMs: 300,
    gradingRuns: 3,
    httpSeconds: 3,
    httpWarmupSeconds: 1,
    connections: 10,
    pgliteSeconds: 2,
    startupRuns: 2,
    retierCustomers: 20_000,
    retierProspects: 5_000,
  },
  full: {
    name: 'full',
    pgAccounts: 1_000_000,
    pgliteAccounts: 100_000,
    gradingProspects: 200_000,
    gradingRunMs: 2_000,
    gradingRuns: 7,
    httpSeconds: 10,
    httpWarmupSeconds: 3,
    connections: 10,
    pgliteSeconds: 10,
    startupRuns: 3,
    retierCustomers: 1_000_000,
    retierProspects: 50_000,
  },
};
