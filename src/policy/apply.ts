import { and, eq, ne, sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { jobRuns } from '../db/schema.ts';
import { writeAudit } from '../audit/audit-log.ts';
import { regradeOpenProspects } from '../grading/daily-regrade.ts';
import { retierCustomers } from '../customers/retier.ts';
import { reassignInBatches } from '../ownership/auto-assign.ts';
import { claimSettings, runJobOnce, type Job } from '../jobs/scheduler.ts';
import { currentPolicy, getVersion } from './store.ts';
import { accountsToApply, whatIf } from './what-if.ts';

// Applying a saved policy version: every open prospect re-graded (grade changes with cause
// 'policy' and the version), every customer re-tiered (cause 'policy'), then the accounts whose
// owner no longer meets the level they now require placed again by the rules (audit rows with
// cause 'policy' and the version). Each step is the batched, idempotent job the daily re-grade and
// re-tiering already are, so an interrupted application is finished by running it again.
//
// One run per version, claimed in job_runs (job 'policy-apply', key 'v<version>') so two
// instances never apply a version twice. Up to `inlineLimit` accounts (open prospects and
// customers) the save waits for it: 2,300 accounts took 1.7 s on PGlite on the loaded 2-core
// development machine, 10,000 took 11 s (every open prospect's row is rewritten with the new
// version). Above, it runs in the background of the instance that saved, and the version page shows
// its progress (counted from the accounts' policy_version columns). A million prospects take about
// two minutes to re-grade (docs/benchmarks.md). If that instance stops midway, the version page
// offers to apply it again once the claim is stale; every step skips the rows already done.

export const POLICY_APPLY_JOB = 'policy-apply';

/** Settings a test may change: how many accounts a save applies before it answers. */
export const policyApplySettings = { inlineLimit: 2_000, waitMs: 500 };

export type ApplyStats = {
  version: number;
  asOf: string;
  /** A newer version was saved before this one finished: it stopped, the newer one applies. */
  superseded: boolean;
  predicted: { grades: number; tiers: number; owners: number };
  grades: { scanned: number; updated: number; changed: number; reassigned: number } | null;
  tiers: { scanned: number; updated: number; changed: number; reassigned: number } | null;
  owners: { reassigned: number } | null;
  ms: number;
};

export type Phase = 'waiting' | 'preview' | 'grades' | 'tiers' | 'owners';

const runKey = (version: number) => `v${version}`;

async function setPhase(db: Db, version: number, phase: Phase, extra: Record<string, unknown> = {}) {
  // Merged into stats: the scheduler keeps its claim's heartbeat there.
  const progress = JSON.stringify({ phase, phaseAt: new Date().toISOString(), ...extra });
  await db
    .update(jobRuns)
    .set({ stats: sql`coalesce(${jobRuns.stats}, '{}'::jsonb) || ${progress}::jsonb` })
    .where(and(eq(jobRuns.job, POLICY_APPLY_JOB), eq(jobRuns.runKey, runKey(version)), eq(jobRuns.status, 'running')));
}

/** Versions whose application is running (its claim alive, as the scheduler judges it), other than `version`. */
async function othersRunning(db: Db, version: number): Promise<number[]> {
  const staleSeconds = claimSettings.staleMs / 1000;
  const rows = await db
    .select({ key: jobRuns.runKey })
    .from(jobRuns)
    .where(
      and(
        eq(jobRuns.job, POLICY_APPLY_JOB),
        eq(jobRuns.status, 'running'),
        ne(jobRuns.runKey, runKey(version)),
        sql`coalesce((${jobRuns.stats}->'claim'->>'beatAt')::timestamptz > now() - make_interval(secs => ${staleSeconds}), ${jobRuns.startedAt} > now() - interval '120 minutes')`,
      ),
    );
  return rows.map((r) => Number(r.key.slice(1)));
}

/** An older version still applying: this one waits for it (newer ones make this one superseded instead, so two never wait for each other). */
const olderRunning = async (db: Db, version: number) => (await othersRunning(db, version)).some((v) => v < version);

async function superseded(db: Db, version: number) {
  return (await currentPolicy(db)).version !== version;
}

/** The work of one application (called inside its job_runs claim). */
async function applyVersion(db: Db, version: number, opts: { asOf: string; actor: string }): Promise<ApplyStats> {
  const started = performance.now();
  const stats: ApplyStats = { version, asOf: opts.asOf, superseded: false, predicted: { grades: 0, tiers: 0, owners: 0 }, grades: null, tiers: null, owners: null, ms: 0 };
  const done = () => ({ ...stats, ms: Math.round(performance.now() - started) });
  // An older version still applying finishes its current step and stops (it is superseded); two
  // applications interleaving batches could leave a batch graded by the older policy.
  if (await olderRunning(db, version)) {
    await setPhase(db, version, 'waiting');
    while (await olderRunning(db, version)) await new Promise((r) => setTimeout(r, policyApplySettings.waitMs));
  }
  if (await superseded(db, version)) return { ...done(), superseded: true };
  const target = await getVersion(db, version);
  const before = target?.previous ? await getVersion(db, target.previous) : null;
  if (!target) throw new Error(`policy version ${version} does not exist`);
  const to = { version, policy: target.policy };

  // Who needs a new owner is decided against the grades and tiers as they were, before any is rewritten.
  await setPhase(db, version, 'preview');
  const w = await whatIf(db, { from: before?.policy ?? target.policy, to: target.policy, asOf: opts.asOf, pageSize: 0, ownerIds: true });
  stats.predicted = { grades: w.grades.changed, tiers: w.tiers.changed, owners: w.owners.changed };

  await setPhase(db, version, 'grades', { predicted: stats.predicted });
  const g = await regradeOpenProspects(db, { asOf: opts.asOf, cause: 'policy', actor: opts.actor, policy: to });
  stats.grades = { scanned: g.scanned, updated: g.updated, changed: g.changed, reassigned: g.reassigned };
  if (await superseded(db, version)) return { ...done(), superseded: true };

  await setPhase(db, version, 'tiers', { predicted: stats.predicted });
  const t = await retierCustomers(db, { asOf: opts.asOf, cause: 'policy', actor: opts.actor, policy: to });
  stats.tiers = { scanned: t.scanned, updated: t.updated, changed: t.changed, reassigned: t.reassigned };
  if (await superseded(db, version)) return { ...done(), superseded: true };

  // Those whose grade or tier rose were placed by the steps above; the rest of the list now.
  await setPhase(db, version, 'owners', { predicted: stats.predicted });
  const moved = await reassignInBatches(db, w.ownerIds, { policy: target.policy, actor: opts.actor, cause: 'policy', policyVersion: version });
  stats.owners = { reassigned: moved + g.reassigned + t.reassigned };

  const out = done();
  await writeAudit(db, { actor: opts.actor, entity: 'policy', entityId: version, accountId: null, action: 'applied', after: { ...out, ms: undefined } });
  return out;
}

function applyJob(version: number, actor: string): Job {
  return { name: POLICY_APPLY_JOB, runKey: () => runKey(version), run: (db, today) => applyVersion(db, version, { asOf: today, actor }) };
}

// Background applications of this process, so tests (and a shutdown) can wait for them.
const running = new Set<Promise<unknown>>();

/** Waits for this process's background applications to end. */
export async function settleApplications(): Promise<void> {
  while (running.size) await Promise.allSettled([...running]);
}

export type Started = { mode: 'inline'; outcome: 'ran' | 'skipped' } | { mode: 'background' };

/**
 * Applies a saved version: in this request when the data are small and no other application is
 * running, else in the background (the caller answers at once and the version page shows progress).
 */
export async function startApplication(db: Db, version: number, opts: { today: string; actor: string; log?: (m: string) => void }): Promise<Started> {
  const job = applyJob(version, opts.actor);
  if ((await accountsToApply(db)) <= policyApplySettings.inlineLimit && !(await othersRunning(db, version)).length) {
    return { mode: 'inline', outcome: await runJobOnce(db, job, opts.today, opts.log) };
  }
  const p = runJobOnce(db, job, opts.today, opts.log)
    .catch((err: unknown) => console.error(`[policy] applying version ${version} failed: ${(err as Error).message}`))
    .finally(() => running.delete(p));
  running.add(p);
  return { mode: 'background' };
}

export type Application =
  | { status: 'none' }
  | {
      status: 'running';
      phase: Phase;
      startedAt: Date;
      /** No heartbeat for a while: the instance applying it has probably stopped; applying again takes over. */
      stalled: boolean;
      prospects: { done: number; total: number };
      customers: { done: number; total: number };
    }
  | { status: 'done'; startedAt: Date; finishedAt: Date | null; stats: ApplyStats };

/** How far a version's application has got. Progress is counted from the rows it has rewritten. */
export async function applicationOf(db: Db, version: number): Promise<Application> {
  const [run] = await db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.job, POLICY_APPLY_JOB), eq(jobRuns.runKey, runKey(version))));
  if (!run) return { status: 'none' };
  if (run.status === 'done') return { status: 'done', startedAt: run.startedAt, finishedAt: run.finishedAt, stats: run.stats as ApplyStats };
  // One pass over accounts (about 0.1 s at a million rows); the page asks every few seconds while it runs.
  const [c] = await query<{ pt: number; pd: number; ct: number; cd: number }>(
    db,
    sql`select
          (count(*) filter (where kind = 'prospect' and status = 'open'))::int as pt,
          (count(*) filter (where kind = 'prospect' and status = 'open' and policy_version = ${version}))::int as pd,
          (count(*) filter (where kind = 'customer'))::int as ct,
          (count(*) filter (where kind = 'customer' and tier_policy_version = ${version}))::int as cd
        from accounts`,
  );
  const stats = run.stats as { phase?: Phase; claim?: { beatAt?: string } } | null;
  const beat = stats?.claim?.beatAt ? Date.parse(stats.claim.beatAt) : run.startedAt.getTime();
  return {
    status: 'running',
    phase: stats?.phase ?? 'waiting',
    startedAt: run.startedAt,
    stalled: Date.now() - beat > claimSettings.staleMs,
    prospects: { done: c?.pd ?? 0, total: c?.pt ?? 0 },
    customers: { done: c?.cd ?? 0, total: c?.ct ?? 0 },
  };
}
