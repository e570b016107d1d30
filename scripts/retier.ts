import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { previewRetier, retierCustomers } from '../src/customers/retier.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { dateIn, isIsoDate } from '../src/shared/dates.ts';

// npm run retier [-- --as-of YYYY-MM-DD] [-- --preview]: the quarterly re-tier, by hand. Idempotent:
// a second run for the same day writes nothing. --preview lists what would change and writes nothing.
const config = parseConfig(process.env);
const i = process.argv.indexOf('--as-of');
const asOf = i > 0 ? process.argv[i + 1] : dateIn(config.orgTimeZone, new Date());
const preview = process.argv.includes('--preview');
if (!isIsoDate(asOf)) {
  console.error('--as-of must be a date like 2026-06-30');
  process.exit(2);
}
const database = await openDatabase(config);
try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  if (preview) {
    const p = await previewRetier(database.db, { asOf, limit: 50 });
    console.log(`As of ${p.asOf}: ${p.changes} of ${p.scanned} customers would change tier, ${p.rescored} more would be re-scored.`);
    for (const m of p.byMove) console.log(`  ${m.from ?? 'not tiered'} → ${m.to}: ${m.n}`);
    for (const m of p.moves) console.log(`  #${m.id} ${m.name}: ${m.from ?? '–'} → ${m.to} (${m.fromScore ?? '–'} → ${m.score ?? '–'})`);
    if (p.truncated) console.log(`  … and ${p.changes - p.moves.length} more`);
  } else {
    const stats = await retierCustomers(database.db, { asOf, cause: 'manual', actor: 'npm run retier' });
    console.log(`Re-tiered ${stats.scanned} customers as of ${stats.asOf}: ${stats.updated} updated, ${stats.changed} tier changes, ${stats.ms} ms.`);
  }
} finally {
  await database.close();
}
