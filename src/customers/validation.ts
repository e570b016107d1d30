import { z } from 'zod';
import { optionalDate, optionalEnum, optionalNumber, optionalText, requiredText } from '../shared/validation.ts';

// Deal and payment input, shared by the HTML forms (every value a string) and the JSON API.

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;
export type DealStatus = (typeof DEAL_STATUSES)[number];

const MAX_VALUE = 1e12;

const requiredNumber = (opts: { min: number; max: number }, message: string) =>
  optionalNumber(opts)
    .refine((v) => v !== null, message)
    .transform((v) => v as number);

/** The version a change was based on: optional (a client that sends none is not checked). */
const optionalVersion = z.preprocess(
  (v) => (v === undefined || v === null || v === '' ? undefined : v),
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).optional(),
);
const requiredVersion = z.coerce.number({ error: 'is required' }).int().min(1);

const notFuture = (today: string) => (d: string | null) => d === null || d <= today;

export const dealFields = {
  title: requiredText(200, 'Title is required'),
  value: requiredNumber({ min: 0, max: MAX_VALUE }, 'Value is required'),
  marginPct: optionalNumber({ min: 0, max: 100 }),
  expectedCloseOn: optionalDate(),
};

const newDealFields = {
  ...dealFields,
  status: optionalEnum(DEAL_STATUSES),
  closedOn: optionalDate(),
  lostReason: optionalText(500),
};

/**
 * A new deal: open by default; it may be entered as already won (closed today unless a past
 * close date is given) or lost (with its reason). `strict` (the API) refuses unknown fields, as
 * the API's edits do; the form ignores the extra fields a browser sends.
 */
export function newDealSchema(today: string, opts: { strict?: boolean } = {}) {
  return (opts.strict ? z.strictObject(newDealFields) : z.object(newDealFields))
    .superRefine((d, ctx) => {
      const status = d.status ?? 'open';
      if (status === 'open' && d.closedOn) ctx.addIssue({ code: 'custom', path: ['closedOn'], message: 'only a won or lost deal has a close date' });
      if (status !== 'lost' && d.lostReason) ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'only a lost deal has a lost reason' });
      if (status === 'lost' && !d.lostReason) ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'give the reason the deal was lost' });
      if (status !== 'open' && d.closedOn && d.closedOn > today)
        ctx.addIssue({ code: 'custom', path: ['closedOn'], message: `a ${status} deal cannot close in the future` });
    })
    .transform((d) => {
      const status = d.status ?? 'open';
      return { ...d, status, closedOn: status === 'open' ? null : (d.closedOn ?? today) };
    });
}
export type NewDeal = z.infer<ReturnType<typeof newDealSchema>>;

export const dealEditSchema = z.object({ ...dealFields, version: requiredVersion });
/** The API's partial edit: any subset of the fields, plus the version it was based on. */
export const dealPatchSchema = z.object(dealFields).partial().extend({ version: requiredVersion }).strict();
export type DealEdit = Partial<z.infer<z.ZodObject<typeof dealFields>>>;

export function dealWinSchema(today: string) {
  return z.object({
    closedOn: optionalDate()
      .refine(notFuture(today), 'a won deal cannot close in the future')
      .transform((d) => d ?? today),
    version: optionalVersion,
  });
}
export type DealWin = z.infer<ReturnType<typeof dealWinSchema>>;

export function dealLossSchema(today: string) {
  return z.object({
    lostReason: requiredText(500, 'give the reason the deal was lost'),
    closedOn: optionalDate()
      .refine(notFuture(today), 'a lost deal cannot close in the future')
      .transform((d) => d ?? today),
    version: optionalVersion,
  });
}
export type DealLoss = z.infer<ReturnType<typeof dealLossSchema>>;

export const versionOnlySchema = z.object({ version: optionalVersion });

export const paymentSchema = z.object({
  /** Average days paid late; blank (null) when not known. */
  daysPaidLate: optionalNumber({ min: 0, max: 3650 }),
  version: optionalVersion,
});
export type PaymentInput = z.infer<typeof paymentSchema>;
