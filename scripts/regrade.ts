import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { regradeOpenProspects } from '../src/grading/daily-regrade.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { dateIn, isIsoDate } from '../src/shared/dates.ts';

// npm run regrade [-- --as-of YYYY-MM-DD]: the daily re-grade, by hand. Idempotent.
const config = parseConfig(process.env);
const i = process.argv.indexOf('--as-of');
const asOf = i > 0 ? process.argv[i + 1] : dateIn(config.orgTimeZone, new Date());
if (!isIsoDate(asOf)) {
  console.error('--as-of must be a date like 2026-06-30');
  process.exit(2);
}
const database = await openDatabase(config);
try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  const stats = await regradeOpenProspects(database.db, { asOf, actor: 'npm run regrade' });
  console.log(`Re-graded ${stats.scanned} open prospects as of ${stats.asOf}: ${stats.updated} updated, ${stats.changed} grade changes, ${stats.ms} ms.`);
} finally {
  await database.close();
}
