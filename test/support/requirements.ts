// Optional test dependencies (PostgreSQL now, Chromium later) follow one rule:
// when one is missing, the tests that need it are skipped with a loud warning,
// unless it is required (its PIPEGRADE_REQUIRE_* variable is 1, or CI=true), and then the run fails.

export type Requirement = {
  /** What is missing, e.g. "PostgreSQL". */
  name: string;
  /** Environment variable that makes it required, e.g. "PIPEGRADE_REQUIRE_POSTGRES". */
  requireEnv: string;
  /** What gets skipped without it, e.g. 'the "postgres" test project'. */
  skips: string;
};

export type Missing = Requirement & {
  /** Why it was not found (where we looked). */
  why: string[];
  /** How to get it. */
  fix: string[];
};

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/** Required when its own variable is set, or in CI (CI=true), unless its variable is explicitly 0. */
export function isRequired(req: Requirement, env: NodeJS.ProcessEnv = process.env): boolean {
  const own = env[req.requireEnv];
  if (own !== undefined && own.trim() !== '') return truthy(own);
  return truthy(env.CI);
}

function banner(title: string, lines: string[]): string {
  const body = [title, '', ...lines];
  const width = Math.min(100, Math.max(...body.map((l) => l.length)) + 4);
  const bar = '!'.repeat(width);
  return ['', bar, ...body.map((l) => `!! ${l}`), bar, ''].join('\n');
}

export function missingMessage(m: Missing, required: boolean): string {
  const title = required
    ? `${m.name} IS REQUIRED BUT WAS NOT FOUND: FAILING THE RUN`
    : `WARNING: ${m.name} NOT FOUND: ${m.skips.toUpperCase()} IS SKIPPED`;
  const tail = required
    ? [`It is required because ${process.env[m.requireEnv] ? `${m.requireEnv}=${process.env[m.requireEnv]}` : 'CI=true'}.`]
    : [
        `The run can pass without ${m.skips}; its tests did NOT run.`,
        `Set ${m.requireEnv}=1 to make this a failure (CI does).`,
      ];
  return banner(title, [...m.why, '', 'To fix:', ...m.fix.map((f) => `  ${f}`), '', ...tail]);
}

export class RequirementError extends Error {
  override name = 'RequirementError';
}

// On globalThis: vitest evaluates its config (and so this module) more than once per run.
const WARNINGS = Symbol.for('pipegrade.requirementWarnings');
const warnings: Set<string> = ((globalThis as { [WARNINGS]?: Set<string> })[WARNINGS] ??= new Set());

/**
 * Reports a missing dependency: prints the loud warning (kept to be printed again at the end of
 * the run by `requirementsReporter`), or throws a RequirementError when it is required.
 */
export function reportMissing(m: Missing, env: NodeJS.ProcessEnv = process.env): void {
  const required = isRequired(m, env);
  const message = missingMessage(m, required);
  if (required) throw new RequirementError(message);
  if (warnings.has(message)) return;
  warnings.add(message);
  process.stderr.write(`${message}\n`);
}

/** An inline vitest reporter that repeats the warnings after the summary, where they are seen. */
export const requirementsReporter = {
  onTestRunEnd() {
    for (const w of warnings) process.stderr.write(`${w}\n`);
  },
};
