import { z } from 'zod';
import { WHAT_IF_LISTS } from './what-if.ts';

// The policy API's bodies. The `policy` in them is the whole policy or only the fields to change:
// it is merged over the current version and the result validated with policyEditSchema.

export const policyObject = z.record(z.string(), z.unknown(), { error: 'must be an object: the policy, or the part of it to change' });

export const savePolicyBodySchema = z
  .object({
    /** The version the edit was based on (GET /api/policy); an older one is a 409. */
    version: z
      .number({ error: 'send the version you edited (GET /api/policy gives it)' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .meta({ description: 'The version the edit was based on (GET /api/policy); an older one is a 409.' }),
    policy: policyObject,
    note: z.string({ error: 'must be text' }).trim().max(500, 'must be at most 500 characters').nullable().optional().meta({ description: 'Why: shown with the version and in the audit trail.' }),
    /** When the edit restores an older version, its number (the audit trail says "restored"). */
    restoredFrom: z.number({ error: 'must be a version number' }).int().min(1).nullable().optional().meta({ description: 'When the edit restores an older version, its number (the audit trail says "restored").' }),
  })
  .strict();
export type SavePolicyBody = z.infer<typeof savePolicyBodySchema>;

export const previewBodySchema = z
  .object({
    /** The new policy, or only the fields to change; left out: the current policy (nothing changes). */
    policy: policyObject.optional(),
    /** Which changes to list: grades, tiers or owners (all three are counted). */
    list: z.enum(WHAT_IF_LISTS, { error: `must be one of: ${WHAT_IF_LISTS.join(', ')}` }).optional().meta({ description: 'Which changes to list (all three are counted); default grades.' }),
    page: z.number({ error: 'must be a page number' }).int().min(1).max(1_000_000).optional().meta({ description: 'The page of the list; default 1.' }),
    pageSize: z.number({ error: 'must be a number from 1 to 500' }).int().min(1, 'must be at least 1').max(500, 'must be at most 500').optional().meta({ description: 'Changes per page; default 50.' }),
  })
  .strict();
export type PreviewBody = z.infer<typeof previewBodySchema>;

export const versionsQuerySchema = z.object({
  page: z.preprocess((v) => (v === undefined || v === '' ? 1 : v), z.coerce.number({ error: 'must be a page number' }).int().min(1).max(100_000)),
});
