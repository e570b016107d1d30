import { defineConfig } from 'vitest/config';
import { findPostgresBin, POSTGRES_REQUIREMENT } from './test/support/postgres-cluster.ts';
import { isRequired, reportMissing, requirementsReporter } from './test/support/requirements.ts';
import { BROWSER_REQUIREMENT, findChromium } from './test/support/browser.ts';

// Three projects, run together by `npm test` (vitest run):
//   unit      test/unit/**   pure tests, no database
//   pglite    test/db/**, test/http/**   with TEST_DB=pglite   (in-memory PGlite per worker)
//   postgres  the same files with TEST_DB=postgres (throwaway PostgreSQL cluster, a database per worker)
// One project: npx vitest run --project pglite

const dbTests = ['test/db/**/*.test.{ts,tsx}', 'test/http/**/*.test.{ts,tsx}'];

const dbProject = (name: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name,
    include: dbTests,
    env: { TEST_DB: name },
    globalSetup: [`test/support/global-${name}.ts`],
    // Files of a worker share its process, so the worker's database is opened once (test/support/db.ts).
    isolate: false,
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});

// Without PostgreSQL the postgres project is left out with a loud warning, unless it is
// required (PIPEGRADE_REQUIRE_POSTGRES=1 or CI=true): then it stays in and its global setup fails.
function postgresProject() {
  if (process.env.TEST_DATABASE_URL) return [dbProject('postgres')];
  const bin = findPostgresBin();
  if (!('missing' in bin) || isRequired(POSTGRES_REQUIREMENT)) return [dbProject('postgres')];
  reportMissing(bin.missing);
  return [];
}

// The browser project: real Chromium against the app on a loopback port, over an in-memory PGlite.
// Left out with a loud warning when Chromium is missing, unless required (PIPEGRADE_REQUIRE_BROWSER=1 or CI=true).
function browserProject() {
  const found = findChromium();
  if ('missing' in found && !isRequired(BROWSER_REQUIREMENT)) {
    reportMissing(found.missing);
    return [];
  }
  return [
    {
      extends: true as const,
      test: {
        name: 'browser',
        include: ['test/e2e/**/*.test.{ts,tsx}'],
        env: { TEST_DB: 'pglite' },
        globalSetup: ['test/support/global-browser.ts'],
        isolate: false,
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    },
  ];
}

export default defineConfig({
  // Views and .tsx tests use hono/jsx (as tsconfig.json says for tsc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    reporters: ['default', requirementsReporter],
    projects: [
      // Property tests and the server-start test can take seconds on a busy 2-core machine.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], testTimeout: 30_000 } },
      dbProject('pglite'),
      ...postgresProject(),
      ...browserProject(),
    ],
  },
});
