import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { backfillSnapshots, takeSnapshot, type SnapshotOutcome } from '../src/review/snapshot.ts';
import { isMonday, mondayOf } from '../src/review/weeks.ts';
import { dateIn, isIsoDate } from '../src/shared/dates.ts';

// npm run snapshot [-- --week YYYY-MM-DD] [-- --backfill N]: the weekly snapshot by hand (this
// week's, or a past week's rebuilt from history), or the N weeks before this one back-filled.
// Idempotent: a week already taken is left as it is, and the script says so.
const config = parseConfig(process.env);
const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const today = dateIn(config.orgTimeZone, new Date());
const week = arg('--week');
const backfill = arg('--backfill');
if (week !== undefined && !(isIsoDate(week) && isMonday(week))) {
  console.error(`--week must be a Monday like ${mondayOf(today)} (weeks are named by their Monday, in ${config.orgTimeZone}).`);
  process.exit(2);
}
if (backfill !== undefined && !/^\d{1,3}$/.test(backfill)) {
  console.error('--backfill takes a number of weeks, e.g. --backfill 12');
  process.exit(2);
}

function report(r: SnapshotOutcome) {
  if (!r.ok) {
    console.error(r.message);
    process.exitCode = 2;
    return;
  }
  for (const t of r.taken) console.log(`Week of ${t.week}: ${t.accounts} accounts ${t.source === 'live' ? 'as they stand now' : 'rebuilt from the grade and tier history (owners: today\u2019s)'}.`);
  for (const w of r.skipped) console.log(`Week of ${w}: already taken, left as it is.`);
  if (r.taken.length) console.log(`Done in ${r.ms} ms (snapshot ${r.insertMs} ms, review data ${r.deriveMs} ms).`);
}

const database = await openDatabase(config);
try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  const opts = { today, actor: 'npm run snapshot', timeZone: config.orgTimeZone };
  if (backfill !== undefined) report(await backfillSnapshots(database.db, { ...opts, weeks: Number(backfill) }));
  if (week !== undefined || backfill === undefined) report(await takeSnapshot(database.db, { ...opts, week }));
} finally {
  await database.close();
}
