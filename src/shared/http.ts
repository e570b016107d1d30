import type { Context } from 'hono';
import type { z } from 'zod';
import { issuesList } from './validation.ts';

export const isHtmx = (c: Context) => c.req.header('HX-Request') === 'true';

/** A form post as a plain record of strings (files and repeated keys: the first text value). */
export async function formValues(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/** Reads a JSON body; a malformed one is a 400 with a clear message, never a 500. */
export async function jsonBody(c: Context, opts: { optional?: boolean } = {}): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? '';
  if (opts.optional && !type && !c.req.header('transfer-encoding') && (c.req.header('content-length') ?? '0') === '0') return { ok: true, body: {} };
  if (!type.includes('application/json')) {
    return { ok: false, response: c.json({ error: 'send a JSON body with content-type: application/json' }, 415) };
  }
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    return { ok: false, response: c.json({ error: 'the body is not valid JSON' }, 400) };
  }
  // Deeper than any body of this API: refused before a recursive merge or copy runs out of stack.
  if (depthOver(parsed, MAX_JSON_DEPTH)) return { ok: false, response: c.json({ error: `the JSON is nested more than ${MAX_JSON_DEPTH} levels deep` }, 400) };
  return { ok: true, body: parsed };
}

/** A JSON body read and validated: its data, or the answer that refuses it (415, 400 or 422). */
export async function validJson<S extends z.ZodType>(c: Context, schema: S, opts: { optional?: boolean } = {}): Promise<{ ok: true; data: z.output<S> } | { ok: false; response: Response }> {
  const body = await jsonBody(c, opts);
  if (!body.ok) return body;
  const parsed = schema.safeParse(body.body);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, response: validationError(c, parsed.error) };
}

export const MAX_JSON_DEPTH = 32;

/** Whether a parsed JSON value nests objects or arrays more than `max` deep (without recursion). */
export function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x && typeof x === 'object') stack.push([x, d + 1]);
  }
  return false;
}

export function validationError(c: Context, error: z.ZodError, prefix = '') {
  const issues = issuesList(error).map((i) => ({ ...i, path: prefix + i.path }));
  return c.json({ error: 'validation failed', issues }, 422);
}

export function notFoundJson(c: Context, what = 'resource') {
  return c.json({ error: `${what} not found` }, 404);
}

export function parseId(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,9}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= 2_147_483_647 ? n : null;
}
