import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { NEEDS, SIGNAL_TYPES } from '../policy/policy.ts';
import { previewPolicy } from '../policy/store.ts';
import { validJson } from '../shared/http.ts';
import { isoDate } from '../shared/validation.ts';
import { explain, summaryLine } from './explain.ts';
import { makeGrader } from './grading.ts';

const num = z.number({ error: 'must be a number or null' }).refine(Number.isFinite, 'must be finite').nullable().optional();

export const previewSchema = z.object({
  asOf: isoDate.optional(),
  prospect: z
    .object({
      employees: num.refine((v) => v == null || v >= 0, 'cannot be negative'),
      revenue: num.refine((v) => v == null || v >= 0, 'cannot be negative'),
      growthPct: num,
      need: z.enum(NEEDS, { error: `must be one of: ${NEEDS.join(', ')}` }).nullable().optional(),
      addedOn: isoDate.nullable().optional(),
    })
    .passthrough()
    .default({}),
  signals: z
    .array(
      z.object({
        type: z.enum(SIGNAL_TYPES, { error: 'unknown signal type' }),
        date: isoDate,
        expectedDate: isoDate.nullable().optional(),
      }).passthrough(),
    )
    .max(10_000)
    .default([]),
  policy: z.record(z.string(), z.unknown()).optional(),
});

/** Grades a prospect given in the body, stores nothing. */
export function gradingApi() {
  const app = new Hono<AppEnv>();
  app.post('/grading/preview', async (c) => {
    const parsed = await validJson(c, previewSchema);
    if (!parsed.ok) return parsed.response;
    const { asOf = c.var.deps.clock.today(), prospect, signals, policy: overrides } = parsed.data;
    const resolved = await previewPolicy(c.var.deps.db, overrides);
    if (!resolved.ok) return c.json({ error: 'validation failed', issues: resolved.issues }, 422);
    const { policy } = resolved;
    const g = makeGrader(policy.grading, asOf).grade(prospect, signals);
    return c.json({
      grade: g.grade,
      fit: g.fit.score,
      closeBy: g.closeBy,
      flags: g.flags,
      reasons: explain(g, policy.grading),
      summary: summaryLine(g, policy.grading),
      windowGrade: g.windowGrade,
      slipCount: g.slipCount,
      fitFactors: g.fit.factors,
      asOf,
      policyVersion: resolved.version,
    });
  });
  return app;
}
