import { parseConfig, ConfigError } from '../src/config.ts';
import { restore, BackupError } from '../src/backup/backup.ts';

// npm run restore -- <file> [--force]: restores a backup made by npm run backup into the
// configured database. Refuses a database that holds data unless --force (then it is replaced
// whole). Stop the app first.
const args = process.argv.slice(2).filter((a) => a !== '--');
const file = args.find((a) => !a.startsWith('-'));
const unknown = args.filter((a) => a.startsWith('-') && a !== '--force');
if (!file || unknown.length || args.includes('--help')) {
  console.error('Usage: npm run restore -- <file> [--force]   (into PostgreSQL with DATABASE_URL set, else the embedded database in DATA_DIR)');
  process.exit(2);
}
try {
  const config = parseConfig(process.env);
  const target = config.databaseUrl ? ({ kind: 'postgres', url: config.databaseUrl } as const) : ({ kind: 'pglite', dataDir: config.dataDir } as const);
  const r = await restore(target, file, { force: args.includes('--force'), binDir: process.env.PIPEGRADE_PG_BIN || undefined });
  console.log(`Restored ${file} into ${r.format === 'postgres' ? 'PostgreSQL' : `the embedded database in ${config.dataDir}`} in ${r.ms} ms: ${r.rows.accounts ?? 0} accounts, ${r.rows.users ?? 0} users.`);
  if (r.replaced.length) console.log(`  It replaced: ${r.replaced.join(', ')}.`);
  if (r.movedAside) console.log(`  The previous data folder was moved to ${r.movedAside}; delete it once you are satisfied.`);
  console.log('  Start the app as usual: it applies any newer migrations.');
} catch (err) {
  if (err instanceof BackupError || err instanceof ConfigError || (err as Error).name === 'DataDirInUse') {
    console.error(`Restore failed: ${(err as Error).message}`);
    process.exit(1);
  }
  throw err;
}
