import { tryGetContext } from 'hono/context-storage';
import type { AppEnv } from '../src/app-env.ts';

// Instants as the organisation reads them: every page that shows a time of day shows it in
// TZ_ORG, the zone "today" is read in, never in the server's zone or silently in UTC.

/** The organisation's time zone (TZ_ORG) of the request being rendered; UTC outside one. */
export const orgZone = (): string => tryGetContext<AppEnv>()?.var.deps?.config.orgTimeZone ?? 'UTC';

const formats = new Map<string, Intl.DateTimeFormat>();

/** An instant as the organisation reads it: date and time in TZ_ORG (as the audit filter's days). */
export function when(d: Date): string {
  const tz = orgZone();
  if (tz === 'UTC') return d.toISOString().slice(0, 16).replace('T', ' ');
  let f = formats.get(tz);
  if (!f) formats.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
