import { isIsoDate } from '../shared/dates.ts';

// PURE: reading the cells of real CRM exports. Each reader answers a value, null for a cell that
// says nothing ("", "n/a", "-"), or a problem a person can act on. No I/O.

export type Read<T> = { ok: true; value: T | null } | { ok: false; problem: string };

const ok = <T>(value: T | null): Read<T> => ({ ok: true, value });
const bad = (problem: string): Read<never> => ({ ok: false, problem });

// Placeholders exports use for "unknown" ("Select" is an unanswered picklist). "none" is not one:
// it is a level of need.
const BLANKS = new Set(['', 'n/a', 'na', 'n.a.', 'n.a', '-', '--', '—', '–', 'null', 'nil', '#n/a', 'unknown', 'select', 'nan', '?', 'tbd', 'undefined']);

export function isBlank(cell: string | null | undefined): boolean {
  if (cell === null || cell === undefined) return true;
  const s = cell.trim();
  return s.length === 0 || (s.length <= 9 && BLANKS.has(s.toLowerCase()));
}

export function readText(cell: string | undefined): string | null {
  return isBlank(cell) ? null : cell!.trim().replace(/\s+/g, ' ');
}

/** How a file writes numbers: a lone comma is a decimal point in files separated by semicolons (European spreadsheets). */
export type NumberStyle = { decimalComma: boolean };

const SCALES: Record<string, number> = {
  k: 1e3, thousand: 1e3, thousands: 1e3, m: 1e6, mm: 1e6, mn: 1e6, mio: 1e6, million: 1e6, millions: 1e6,
  b: 1e9, bn: 1e9, billion: 1e9, billions: 1e9, t: 1e12, trillion: 1e12,
};
const PLAIN = /^\d{1,15}(?:\.\d{1,15})?$/;
const CURRENCY = /^(?:[$€£¥₹]|usd|eur|gbp|chf|cad|aud|us\$|a\$|c\$)\s*|\s*(?:[$€£¥₹]|usd|eur|gbp|chf|cad|aud)$/i;

/**
 * "$22,700.00", "18.3 MM", "1.234.567,89", "1 200", "(500)", "15 %", "51-200" (a range reads as
 * its lower bound, which keeps it in the band it names), "10,001+". Null for a blank cell.
 */
export function readNumber(cell: string | undefined, style: NumberStyle = { decimalComma: false }): Read<number> {
  if (isBlank(cell)) return ok(null);
  const raw = cell!.trim();
  const n = parseAmount(raw, style);
  if (n !== null) return ok(n);
  // A range such as "51-200", "1,001 – 5,000" or "10 to 50": its lower bound.
  const range = /^(.+?)\s*(?:[-–—]|\bto\b)\s*(.+)$/i.exec(raw);
  if (range && !/^[-–—]/.test(raw)) {
    const lo = parseAmount(range[1]!, style);
    const hi = parseAmount(range[2]!, style);
    if (lo !== null && hi !== null && lo <= hi) return ok(lo);
  }
  return bad(`"${clip(raw)}" is not a number`);
}

function parseAmount(raw: string, style: NumberStyle): number | null {
  // Most cells are plain digits: no need for the general path.
  if (PLAIN.test(raw) && !(style.decimalComma && raw.includes('.'))) return Number(raw);
  let s = raw.replace(/[\u00a0\u202f\u2009]/g, ' ').trim();
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  s = s.replace(/^[-−–]\s*/, () => {
    negative = !negative;
    return '';
  });
  s = s.replace(/^\+/, '').replace(CURRENCY, '').trim();
  if (s.startsWith('-') || s.startsWith('−')) {
    negative = !negative;
    s = s.slice(1).trim();
  }
  s = s.replace(/\+$/, '').replace(/\s*%$/, '').trim();
  let scale = 1;
  const suffix = /^(.*?\d)\s*([a-z]+)\.?$/i.exec(s);
  if (suffix) {
    const f = SCALES[suffix[2]!.toLowerCase()];
    if (f === undefined) return null;
    scale = f;
    s = suffix[1]!;
  }
  s = s.replace(/[ '’_]/g, '');
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return null;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    // Both: the later one is the decimal point.
    s = lastComma > lastDot ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  } else if (lastComma >= 0) {
    const grouped = /^\d{1,3}(,\d{3})+$/.test(s);
    if (grouped && !(style.decimalComma && s.indexOf(',') === lastComma)) s = s.replace(/,/g, '');
    else if (s.indexOf(',') === lastComma) s = s.replace(',', '.');
    else return null;
  } else if (lastDot >= 0 && s.indexOf('.') !== lastDot) {
    // "1.234.567": dots that group thousands.
    if (!/^\d{1,3}(\.\d{3})+$/.test(s)) return null;
    s = s.replace(/\./g, '');
  } else if (lastDot >= 0 && style.decimalComma && /^\d{1,3}\.\d{3}$/.test(s)) {
    s = s.replace('.', '');
  }
  if (!/^(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const v = Number(s) * scale;
  if (!Number.isFinite(v)) return null;
  // Scaling "18.3 MM" gives 18300000.000000004: keep the digits the cell had.
  const out = scale === 1 ? v : Math.round(v * 1e6) / 1e6;
  return negative ? -out : out;
}

/** How a column writes day and month in "a/b/yyyy": month first unless some value shows the day first. */
export type DateOrder = 'mdy' | 'dmy';

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};

const pad = (n: number) => String(n).padStart(2, '0');

function isoOf(y: number, m: number, d: number): string | null {
  if (y < 100) y += y < 70 ? 2000 : 1900;
  const s = `${String(y).padStart(4, '0')}-${pad(m)}-${pad(d)}`;
  return isIsoDate(s) ? s : null;
}

const TIME = String.raw`(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?\s*(?:z|[+-]\d{2}:?\d{2}|[a-z]{2,5})?)?`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}$`, 'i');
const SLASHED = new RegExp(String.raw`^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})${TIME}$`, 'i');
const DAY_MONTH = new RegExp(String.raw`^(\d{1,2})[ -]([a-z]{3,9})\.?,?[ -](\d{4})${TIME}$`, 'i');
const MONTH_DAY = new RegExp(String.raw`^([a-z]{3,9})\.? (\d{1,2}),? (\d{4})${TIME}$`, 'i');

/**
 * "2026-03-01", "2020-12-22T21:16:01Z", "03/01/2026" (month first unless `order` is dmy),
 * "15.04.2021" (day first, as German exports write it), "15 Apr, 2021 00:02:00" (Zoho),
 * "Apr 15, 2021". The date part only: a time of day never moves the day.
 */
export function readDate(cell: string | undefined, order: DateOrder = 'mdy'): Read<string> {
  if (isBlank(cell)) return ok(null);
  const s = cell!.trim();
  let m = ISO.exec(s);
  if (m) return done(isoOf(+m[1]!, +m[2]!, +m[3]!), s);
  m = SLASHED.exec(s);
  if (m) {
    const a = +m[1]!, b = +m[3]!, y = +m[4]!;
    const dayFirst = m[2] === '.' || order === 'dmy' || a > 12;
    return done(dayFirst ? isoOf(y, b, a) : isoOf(y, a, b), s);
  }
  m = DAY_MONTH.exec(s);
  if (m) return done(monthOf(m[2]!) ? isoOf(+m[3]!, monthOf(m[2]!)!, +m[1]!) : null, s);
  m = MONTH_DAY.exec(s);
  if (m) return done(monthOf(m[1]!) ? isoOf(+m[3]!, monthOf(m[1]!)!, +m[2]!) : null, s);
  return bad(`"${clip(s)}" is not a date`);
}

const monthOf = (name: string) => MONTHS[name.toLowerCase()];

function done(iso: string | null, raw: string): Read<string> {
  return iso ? ok(iso) : bad(`"${clip(raw)}" is not a real date`);
}

/** What a column's "a/b/yyyy" values say about their order: "dmy" once a first part is above 12. */
export function slashedDateOrder(cell: string): DateOrder | null {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/\d{2,4}\b/.exec(cell);
  if (!m) return null;
  if (+m[1]! > 12 && +m[2]! <= 12) return 'dmy';
  if (+m[2]! > 12 && +m[1]! <= 12) return 'mdy';
  return null;
}

const NEED_WORDS: Record<string, string> = {
  none: 'none', no: 'none', low: 'low', medium: 'medium', med: 'medium', mid: 'medium', moderate: 'medium',
  high: 'high', critical: 'critical', urgent: 'critical', 'very high': 'critical',
};

export function readNeed(cell: string | undefined): Read<string> {
  if (isBlank(cell)) return ok(null);
  const v = NEED_WORDS[cell!.trim().toLowerCase()];
  return v ? ok(v) : bad(`"${clip(cell!.trim())}" is not a need (none, low, medium, high or critical)`);
}

const SITUATION_WORDS: Record<string, string> = { greenfield: 'greenfield', new: 'greenfield', incumbent: 'incumbent', replacement: 'incumbent', existing: 'incumbent' };

export function readSituation(cell: string | undefined): Read<string> {
  if (isBlank(cell)) return ok(null);
  const v = SITUATION_WORDS[cell!.trim().toLowerCase()];
  return v ? ok(v) : bad(`"${clip(cell!.trim())}" is not a situation (greenfield or incumbent)`);
}

/** A deal's state from a CRM stage or forecast column: "Closed Won", "Closed/Won", "Won" → won. */
export function readDealStatus(cell: string | undefined): Read<'open' | 'won' | 'lost'> {
  if (isBlank(cell)) return ok(null);
  const s = cell!.trim().toLowerCase();
  if (/\bwon\b|^closed[ /_-]?won$|^(?:stage_lead4|crm\.stage_lead4)$/.test(s)) return ok('won');
  if (/\blost\b|^closed[ /_-]?lost$|^(?:cancelled|canceled|dead)$/.test(s)) return ok('lost');
  return ok('open');
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}
