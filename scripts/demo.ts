// npm run demo [-- --force] [-- --seed=N --count=N]
// Loads the demo pipeline into the database the server uses (DATABASE_URL, else PGlite in DATA_DIR),
// dated relative to today in the org's time zone, and prints what it holds by grade and flag.

import { sql } from 'drizzle-orm';
import { parseConfig } from '../src/config.ts';
import { openPglite, openPostgres, query } from '../src/db/client.ts';
import { DemoRefusedError } from '../src/demo/load-demo.ts';
import { loadDemoWithTeam } from '../src/demo/demo-team.ts';
import { LEVEL_LABELS, ROLE_LABELS, type Level } from '../src/users/model.ts';
import { FLAGS } from '../src/grading/grading.ts';
import { GRADES } from '../src/policy/policy.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { dateIn } from '../src/shared/dates.ts';

function parseArgs(argv: string[]): { force: boolean; seed?: number; count?: number } {
  const out: { force: boolean; seed?: number; count?: number } = { force: false };
  for (const arg of argv) {
    const [key, value] = arg.split('=', 2) as [string, string | undefined];
    if (key === '--force') out.force = true;
    else if ((key === '--seed' || key === '--count') && value !== undefined && /^\d+$/.test(value)) out[key === '--seed' ? 'seed' : 'count'] = Number(value);
    else {
      console.error(`Unknown argument ${arg}. Usage: npm run demo -- [--force] [--seed=N] [--count=N]`);
      process.exit(2);
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const config = parseConfig(process.env);
const database = config.databaseUrl ? await openPostgres(config.databaseUrl, { max: 2 }) : await openPglite({ dataDir: config.dataDir });
const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`;

try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  const today = dateIn(config.orgTimeZone, new Date());
  const started = performance.now();
  const { loaded, team } = await loadDemoWithTeam(database.db, { today, force: args.force, seed: args.seed, count: args.count, passwords: true });
  const ms = Math.round(performance.now() - started);
  console.log(
    `Demo loaded into ${where} as of ${today}: ${loaded.prospects} prospects (${loaded.customers} of them customers now), ${loaded.signals} signals, ` +
      `${loaded.gradeChanges} grade changes, ${loaded.deals} deals, ${loaded.tierChanges} tier changes in ${ms} ms${loaded.skipped ? ` (${loaded.skipped} skipped: already there)` : ''}.`,
  );

  // The demo team. These passwords are deterministic and published in the README: demo data only.
  console.log('Demo people (sign in at /sign-in; the passwords are the same for every demo, so use this for demos only):');
  for (const m of team) {
    const what = `${ROLE_LABELS[m.role]}${m.level ? `, level ${m.level} ${LEVEL_LABELS[m.level as Level]}` : ''}`;
    console.log(`  ${m.email.padEnd(28)} ${(m.password ?? '(already there: password unchanged)').padEnd(26)} ${m.name} (${what})`);
  }

  const byGrade = await query<{ grade: string | null; n: number }>(
    database.db,
    sql`select grade, count(*)::int as n from accounts where kind = 'prospect' and status = 'open' group by grade`,
  );
  const byFlag = await query<{ flag: string; n: number }>(
    database.db,
    sql`select flag, count(*)::int as n from accounts, unnest(flags) as flag where kind = 'prospect' and status = 'open' group by flag`,
  );
  const byStatus = await query<{ status: string; n: number }>(
    database.db,
    sql`select status, count(*)::int as n from accounts where kind = 'prospect' and status <> 'open' group by status order by status`,
  );
  const open = byGrade.reduce((s, r) => s + r.n, 0);
  const n = (rows: { n: number }[], pick: (r: never) => boolean) => rows.find((r) => pick(r as never))?.n ?? 0;
  console.log(`Open prospects: ${open}`);
  console.log(`  by grade  ${GRADES.map((g) => `${g} ${n(byGrade, (r: { grade: string }) => r.grade === g)}`).join(' · ')}`);
  console.log(`  by flag   ${FLAGS.map((f) => `${f} ${n(byFlag, (r: { flag: string }) => r.flag === f)}`).join(' · ')}`);
  if (byStatus.length) console.log(`Closed: ${byStatus.map((r) => `${r.status} ${r.n}`).join(' · ')}`);
  const byTier = await query<{ tier: string; n: number }>(
    database.db,
    sql`select tier, count(*)::int as n from accounts where kind = 'customer' group by tier order by max(tier_score) desc`,
  );
  if (byTier.length) console.log(`Customers: ${byTier.map((r) => `${r.tier} ${r.n}`).join(' · ')}`);
} catch (error) {
  if (error instanceof DemoRefusedError) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
} finally {
  await database.close();
}
