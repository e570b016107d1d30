import type { Db } from '../../src/db/client.ts';
import { createProspect, logSignal } from '../../src/prospects/actions.ts';
import { newProspectSchema, signalSchema, type SignalInput } from '../../src/prospects/validation.ts';

// buildX: plain data; insertX: stored through the app's own actions (so grades are real).

let n = 0;
export function buildProspect(over: Record<string, unknown> = {}) {
  n++;
  return { name: `Prospect ${n}`, domain: `prospect-${n}.example.com`, employees: 600, revenue: 40_000_000, growthPct: 15, need: 'high', ...over };
}

export async function insertProspect(db: Db, over: Record<string, unknown> = {}, today = '2026-06-30') {
  const input = newProspectSchema(today).parse(buildProspect(over));
  const r = await createProspect(db, input, { today, actor: { name: 'test' } });
  if (!r.ok) throw new Error(`insertProspect failed: ${JSON.stringify(r)}`);
  return r.account;
}

export async function insertSignal(db: Db, accountId: number, signal: Partial<SignalInput> & { type: string }, today = '2026-06-30') {
  const input = signalSchema(today).parse(signal);
  const r = await logSignal(db, accountId, input, { today, actor: { name: 'test' } });
  if (!r.ok) throw new Error(`insertSignal failed: ${JSON.stringify(r)}`);
  return r;
}
