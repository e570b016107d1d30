// Errors that mean "the database cannot be reached" (answer 503 and retry), as opposed to bugs.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; errno?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

/** A unique constraint refused the row (PostgreSQL 23505), possibly wrapped by drizzle. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) {
    if (e.code === '23505') return true;
  }
  return false;
}

/**
 * An error as a log line may show it: a failed query's bound parameters (which may hold a
 * password hash or a token hash) are left out, and so is any row detail of its cause.
 */
export function errorForLog(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const message = err.message.replace(/\nparams: [\s\S]*$/, '\nparams: [not logged]');
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  const stack = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 10)
    .join('\n');
  return `${err.name}: ${message}${cause}${stack ? `\n${stack}` : ''}`;
}
