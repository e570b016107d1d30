import { z } from 'zod';
import { MAX_DATE, MIN_DATE, isIsoDate } from './dates.ts';

// Field schemas shared by HTML forms (every value a string) and the JSON API (typed values).

/** PostgreSQL text cannot hold U+0000: refused as input rather than failing the insert. */
export const noNul = (s: string | null) => s === null || !s.includes('\u0000');
export const NUL_MESSAGE = 'cannot contain the NUL character (U+0000)';

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A number from a JSON number or a form string ("40,000,000" and "40 000 000" read as 40000000). */
export function optionalNumber(opts: { min?: number; max?: number; int?: boolean; label?: string } = {}) {
  let n = z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number');
  if (opts.int) n = n.refine(Number.isInteger, 'must be a whole number');
  if (opts.min !== undefined) n = n.refine((x) => x >= opts.min!, `must be at least ${opts.min}`);
  if (opts.max !== undefined) n = n.refine((x) => x <= opts.max!, `must be at most ${opts.max!.toLocaleString('en-US')}`);
  return z.preprocess((v) => {
    if (blank(v)) return null;
    if (typeof v === 'string') {
      const s = v.trim().replace(/[,\s_]/g, '');
      return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
    }
    return v;
  }, n.nullable());
}

export function optionalText(max: number) {
  return z.preprocess(
    (v) => (blank(v) ? null : typeof v === 'string' ? v.trim() : v),
    z.string({ error: 'must be text' }).max(max, `must be at most ${max} characters`).refine(noNul, NUL_MESSAGE).nullable(),
  );
}

export function requiredText(max: number, message = 'is required') {
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.string({ error: message }).min(1, message).max(max, `must be at most ${max} characters`).refine(noNul, NUL_MESSAGE),
  );
}

export function optionalEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (v) => (blank(v) ? null : v),
    z.enum(values, { error: `must be one of: ${values.join(', ')}` }).nullable(),
  );
}

export const isoDate = z
  .string({ error: 'must be a date (YYYY-MM-DD)' })
  .trim()
  .refine(isIsoDate, 'must be a real date (YYYY-MM-DD)')
  .refine((d) => !isIsoDate(d) || (d >= MIN_DATE && d <= MAX_DATE), `must be between ${MIN_DATE} and ${MAX_DATE}`);

export function optionalDate() {
  return z.preprocess((v) => (blank(v) ? null : v), isoDate.nullable());
}

export type FieldErrors = Record<string, string>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const i of error.issues) {
    const key = i.path.map(String).join('.') || '_form';
    if (!(key in out)) out[key] = i.message;
  }
  return out;
}

/** The JSON error shape every /api route answers a bad request with. */
export function issuesList(error: z.ZodError) {
  return error.issues.flatMap((i) =>
    // A strict object's unknown keys come as one issue at the object's path: name each key instead.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...i.path, k].map(String).join('.'), message: 'unknown field' }))
      : [{ path: i.path.map(String).join('.'), message: i.message }],
  );
}
