import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { previewPolicy } from '../policy/store.ts';
import { validJson } from '../shared/http.ts';
import { isoDate } from '../shared/validation.ts';
import { explainTier, tierSummary } from './explain-tier.ts';
import { scoreCustomer } from './tiering.ts';

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

const num = z.number({ error: 'must be a number or null' }).refine(Number.isFinite, 'must be finite');
const nonNegative = num.refine((v) => v >= 0, 'cannot be negative');
const percent = num.refine((v) => v >= 0 && v <= 100, 'must be between 0 and 100');

export const tieringPreviewSchema = z.object({
  asOf: isoDate.optional(),
  customer: z
    .object({
      daysPaidLate: nonNegative.nullable().optional(),
      /** The prospect's last fit (0–100), which stands in for growth in the customer's first year. */
      priorFit: percent.nullable().optional(),
    })
    .passthrough()
    .default({}),
  deals: z
    .array(
      z
        .object({
          value: z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be finite').refine((v) => v >= 0, 'cannot be negative'),
          marginPct: percent.nullable().optional(),
          status: z.enum(DEAL_STATUSES, { error: `must be one of: ${DEAL_STATUSES.join(', ')}` }),
          closedOn: isoDate.nullable().optional(),
        })
        .passthrough()
        .refine((d) => d.status !== 'won' || !!d.closedOn, { message: 'a won deal needs its close date', path: ['closedOn'] }),
    )
    .max(10_000)
    .default([]),
  policy: z.record(z.string(), z.unknown()).optional(),
});

/** Scores a customer given in the body (its deals, payment record and prior fit), stores nothing. */
export function tieringApi() {
  const app = new Hono<AppEnv>();
  app.post('/tiering/preview', async (c) => {
    const parsed = await validJson(c, tieringPreviewSchema);
    if (!parsed.ok) return parsed.response;
    const { asOf = c.var.deps.clock.today(), customer, deals, policy: overrides } = parsed.data;
    const resolved = await previewPolicy(c.var.deps.db, overrides);
    if (!resolved.ok) return c.json({ error: 'validation failed', issues: resolved.issues }, 422);
    const { policy } = resolved;
    const t = scoreCustomer(customer, deals, policy.tiering, asOf);
    return c.json({
      tier: t.tier,
      score: t.score,
      incomplete: t.incomplete,
      reasons: explainTier(t, policy.tiering),
      summary: tierSummary(t, policy.tiering),
      factors: t.factors,
      sales12m: t.sales12m,
      salesPrior12m: t.salesPrior12m,
      lifetimeSales: t.lifetimeSales,
      wonDeals12m: t.wonDeals12m,
      wonDeals: t.wonDeals,
      asOf,
      policyVersion: resolved.version,
    });
  });
  return app;
}
