import { addDays, dayNumber, isPlausibleDate } from '../shared/dates.ts';

// PURE: review weeks are named by their Monday (DOMAIN.md §4), an ISO date.

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export const weekday = (iso: string) => (dayNumber(iso) + 3) % 7;

/** The Monday of the week `iso` falls in. */
export const mondayOf = (iso: string) => addDays(iso, -weekday(iso));

export const isMonday = (s: unknown): s is string => isPlausibleDate(s) && weekday(s) === 0;

/** The `n` Mondays before `week`, oldest first (week itself left out). */
export function weeksBefore(week: string, n: number): string[] {
  const out: string[] = [];
  for (let i = n; i >= 1; i--) out.push(addDays(week, -7 * i));
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "8 Jun" for a chart's axis; with `year`, "8 Jun 2026". */
export function shortDate(iso: string, year = false): string {
  const label = `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]}`;
  return year ? `${label} ${iso.slice(0, 4)}` : label;
}

/** "Jul 2026" for a "2026-07" month. */
export const monthLabel = (ym: string) => `${MONTHS[Number(ym.slice(5, 7)) - 1]} ${ym.slice(0, 4)}`;
