import { parseConfig, ConfigError } from '../src/config.ts';
import { backup, BackupError } from '../src/backup/backup.ts';

// npm run backup -- <file>: a backup of the configured database (DATABASE_URL: pg_dump, custom
// format, while the app runs; else the embedded database in DATA_DIR, with the app stopped).
const args = process.argv.slice(2).filter((a) => a !== '--');
const file = args.find((a) => !a.startsWith('-'));
if (!file || args.includes('--help')) {
  console.error('Usage: npm run backup -- <file>   (PostgreSQL with DATABASE_URL set, else the embedded database in DATA_DIR)');
  process.exit(2);
}
try {
  const config = parseConfig(process.env);
  const target = config.databaseUrl ? ({ kind: 'postgres', url: config.databaseUrl } as const) : ({ kind: 'pglite', dataDir: config.dataDir } as const);
  const r = await backup(target, file, { binDir: process.env.PIPEGRADE_PG_BIN || undefined });
  const accounts = r.rows.accounts ?? 0;
  console.log(`Backed up ${r.format === 'postgres' ? 'PostgreSQL (pg_dump, custom format)' : 'the embedded database'} to ${r.file}: ${(r.bytes / 1024 / 1024).toFixed(1)} MiB, ${accounts} accounts, ${r.ms} ms.`);
} catch (err) {
  if (err instanceof BackupError || err instanceof ConfigError || (err as Error).name === 'DataDirInUse') {
    console.error(`Backup failed: ${(err as Error).message}`);
    process.exit(1);
  }
  throw err;
}
