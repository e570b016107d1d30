import { z } from 'zod';

// The environment is read once, here; everything else receives a Config.
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  TZ_ORG: z.string().trim().min(1).default('UTC').refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  TRUSTED_PROXY: z.enum(['on', 'off']).default('off'),
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 40).default(200 * 1024 * 1024),
});

export type Config = {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  orgTimeZone: string;
  dbPoolMax: number;
  scheduler: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** A session ends this many days after it was last used (sliding). */
  sessionDays: number;
  /** A session ends this many days after sign-in however much it is used (absolute lifetime). */
  sessionMaxDays: number;
  /** Behind a reverse proxy: trust X-Forwarded-For (last hop) and X-Forwarded-Proto. */
  trustedProxy: boolean;
  /** The largest CSV file an import upload takes (streamed to the database, never held in memory). */
  importMaxBytes: number;
};

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.PORT,
    host: e.HOST,
    orgTimeZone: e.TZ_ORG,
    dbPoolMax: e.DB_POOL_MAX,
    scheduler: e.SCHEDULER === 'on',
    logLevel: e.LOG_LEVEL,
    sessionDays: e.SESSION_DAYS,
    sessionMaxDays: e.SESSION_MAX_DAYS,
    trustedProxy: e.TRUSTED_PROXY === 'on',
    importMaxBytes: e.IMPORT_MAX_BYTES,
  };
}
