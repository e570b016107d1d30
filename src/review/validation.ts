import { z } from 'zod';
import { isoDate, requiredText } from '../shared/validation.ts';
import { isMonday } from './weeks.ts';

// Notes and action items, from a form (strings) or the API (typed values).

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A week's snapshot taken by hand (API): the Monday, this week's by default. */
export const snapshotSchema = z
  .object({ week: z.string().refine(isMonday, 'must be a Monday (YYYY-MM-DD)').optional().meta({ description: 'A Monday (YYYY-MM-DD); default this week.' }) })
  .strict();

/** A back-fill of past weeks' snapshots (API): how many weeks, by default as many as the review's trend shows. */
export const backfillSchema = z.object({ weeks: z.number({ error: 'must be a whole number of weeks' }).int().min(1).max(104).default(12) }).strict();

export const noteSchema = z.object({ body: requiredText(5000, 'write the note') });

const userId = z.preprocess((v) => (blank(v) ? undefined : v), z.coerce.number({ error: 'choose who will do it' }).int('choose who will do it').min(1, 'choose who will do it').max(2_147_483_647, 'choose who will do it'));
const accountId = z.preprocess(
  (v) => (blank(v) ? null : typeof v === 'string' ? v.trim().replace(/^#/, '') : v),
  z.coerce.number({ error: 'must be an account number, such as 42' }).int('must be an account number, such as 42').min(1, 'must be an account number, such as 42').max(2_147_483_647, 'must be an account number, such as 42').nullable(),
);
const dueOn = (week: string) =>
  z.preprocess((v) => (blank(v) ? undefined : v), isoDate.refine((d) => d >= week, `cannot be before the week of the review (${week})`).optional()).refine((d) => d !== undefined, 'give a due date');

export function actionItemSchema(week: string) {
  return z.object({
    text: requiredText(500, 'say what is to be done'),
    ownerId: userId,
    dueOn: dueOn(week).transform((d) => d!),
    accountId: accountId.optional().transform((v) => v ?? null),
  });
}
export type ActionItemInput = z.infer<ReturnType<typeof actionItemSchema>>;

/** The API's partial update of an action item: any fields, and the version it was based on. */
export function actionItemPatchSchema(week: string) {
  const { text, ownerId } = actionItemSchema(week).shape;
  return z
    .object({
      version: z.number({ error: 'send the version you read' }).int().min(1),
      status: z.enum(['open', 'done'], { error: 'must be open or done' }).optional(),
      text: text.optional(),
      ownerId: ownerId.optional(),
      dueOn: z.preprocess((v) => v, isoDate.refine((d) => d >= week, `cannot be before the week of the review (${week})`)).optional(),
      accountId: accountId.optional(),
    })
    .strict();
}
export type ActionItemPatch = z.infer<ReturnType<typeof actionItemPatchSchema>>;

/** A page's done / reopen button: the version the page showed. */
export const versionSchema = z.object({ version: z.coerce.number({ error: 'reload the page and try again' }).int().min(1) });
