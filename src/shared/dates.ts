// Calendar dates as ISO strings (YYYY-MM-DD). ISO strings compare correctly as strings,
// so the domain compares them directly; arithmetic goes through day numbers.

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO.exec(s);
  if (!m) return false;
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * The dates people may enter: four-digit years that stay four digits after the rules add months
 * (so ISO strings still compare as strings), and that PostgreSQL can store (it has no year 0).
 */
export const MIN_DATE = '1900-01-01';
export const MAX_DATE = '2999-12-31';

/** A real date within MIN_DATE … MAX_DATE. */
export const isPlausibleDate = (s: unknown): s is string => isIsoDate(s) && s >= MIN_DATE && s <= MAX_DATE;

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function fromParts(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const two = (n: number) => (n < 10 ? '0' + n : '' + n);

/** Calendar months; a day past the end of a short month clamps to its last day (Jan 31 + 1 → Feb 28). */
export function addMonths(iso: string, months: number): string {
  // Hot in grading: digits read by char code, no substrings or Number() parsing.
  const y = digit(iso, 0) * 1000 + digit(iso, 1) * 100 + digit(iso, 2) * 10 + digit(iso, 3);
  const m = digit(iso, 5) * 10 + digit(iso, 6);
  const d = digit(iso, 8) * 10 + digit(iso, 9);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12), nm = (total % 12) + 1;
  const nd = Math.min(d, daysInMonth(ny, nm));
  return (ny >= 1000 ? '' + ny : String(ny).padStart(4, '0')) + '-' + two(nm) + '-' + two(nd);
}

/** Days since 1970-01-01. */
export function dayNumber(iso: string): number {
  return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86_400_000;
}

export function fromDayNumber(n: number): string {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  return fromDayNumber(dayNumber(iso) + days);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** The calendar date at `instant` in an IANA time zone. */
export function dateIn(timeZone: string, instant: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}
