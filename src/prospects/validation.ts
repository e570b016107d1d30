import { z } from 'zod';
import { NEEDS, SIGNAL_TYPES, SITUATIONS, TIMING_SIGNALS } from '../policy/policy.ts';
import { isoDate, optionalDate, optionalEnum, optionalNumber, optionalText, requiredText } from '../shared/validation.ts';

const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** "https://www.Acme.com/about" → "acme.com". */
export function normalizeDomain(raw: string): string {
  let s = raw.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  s = s.split(/[/?#]/, 1)[0]!;
  s = s.replace(/^[^@]*@/, '').replace(/:\d+$/, '').replace(/\.$/, '');
  return s.startsWith('www.') ? s.slice(4) : s;
}

/** Name as matched for duplicates and imports: case- and space-insensitive. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const domainField = z.preprocess(
  (v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? null : typeof v === 'string' ? normalizeDomain(v) : v),
  z.string({ error: 'must be text' }).regex(HOST, 'must be a website domain such as acme.com').nullable(),
);

export const prospectFields = {
  name: requiredText(200, 'Name is required'),
  domain: domainField,
  industry: optionalText(100),
  employees: optionalNumber({ min: 0, max: 10_000_000, int: true }),
  revenue: optionalNumber({ min: 0, max: 1e15 }),
  growthPct: optionalNumber({ min: -100, max: 100_000 }),
  need: optionalEnum(NEEDS),
  situation: optionalEnum(SITUATIONS),
};

function notFuture(today: string) {
  return (d: string | null | undefined) => d == null || d <= today;
}

export function newProspectSchema(today: string) {
  return z.object({
    ...prospectFields,
    addedOn: optionalDate().refine(notFuture(today), 'cannot be in the future'),
  });
}
export type NewProspect = z.infer<ReturnType<typeof newProspectSchema>>;

const version = z.coerce.number({ error: 'is required' }).int().min(1);

export function prospectEditSchema(today: string) {
  return newProspectSchema(today).extend({ version });
}
export type ProspectEdit = z.infer<ReturnType<typeof prospectEditSchema>>;

/** The API's partial update: any subset of fields, plus the version it was based on. */
export function prospectPatchSchema(today: string) {
  return newProspectSchema(today).partial().extend({ version }).strict();
}

const TIMING = new Set<string>(TIMING_SIGNALS);

export function signalSchema(today: string) {
  return z
    .object({
      type: z.enum(SIGNAL_TYPES, { error: 'choose a signal type' }),
      date: z.preprocess((v) => (v === undefined || v === null || v === '' ? today : v), isoDate).refine(notFuture(today), 'cannot be in the future'),
      expectedDate: optionalDate(),
      event: optionalText(200),
      note: optionalText(2000),
    })
    .superRefine((s, ctx) => {
      if (s.expectedDate && !TIMING.has(s.type)) ctx.addIssue({ code: 'custom', path: ['expectedDate'], message: 'only timing signals carry an expected date' });
      if (s.expectedDate && s.expectedDate < s.date) ctx.addIssue({ code: 'custom', path: ['expectedDate'], message: 'cannot be before the signal date' });
      if (s.type === 'waiting_on_event' && !s.event) ctx.addIssue({ code: 'custom', path: ['event'], message: 'name the event they are waiting for' });
    });
}
export type SignalInput = z.infer<ReturnType<typeof signalSchema>>;

export const statusChangeSchema = z.object({
  reason: requiredText(500, 'give a reason'),
});

/** The version a status change in the API was based on: optional (a client that sends none is not checked). */
const statusVersion = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').optional();

/** The API's disqualification and loss: a reason, optionally the version; an unknown field is refused (the form ignores a browser's extras). */
export const statusChangeApiSchema = statusChangeSchema.extend({ version: statusVersion }).strict();
/** The API's reopening: optionally the version, nothing else. */
export const reopeningApiSchema = z.object({ version: statusVersion }).strict();
