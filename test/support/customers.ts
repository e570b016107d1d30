import type { Db } from '../../src/db/client.ts';
import { createDeal } from '../../src/customers/deal-actions.ts';
import { newDealSchema } from '../../src/customers/validation.ts';
import { insertProspect } from './factories.ts';

// Deals and customers, stored through the app's own actions (so conversions and tiers are real).

let n = 0;
export function buildDeal(over: Record<string, unknown> = {}) {
  n++;
  return { title: `Deal ${n}`, value: 20_000, marginPct: 30, ...over };
}

export async function insertDeal(db: Db, accountId: number, over: Record<string, unknown> = {}, today = '2026-06-30', actor = 'test') {
  const input = newDealSchema(today).parse(buildDeal(over));
  const r = await createDeal(db, accountId, input, { today, actor: { name: actor } });
  if (!r.ok) throw new Error(`insertDeal failed: ${JSON.stringify(r)}`);
  return r;
}

/** A prospect converted by a won deal (and more won deals when given), as of `today`. */
export async function insertCustomer(db: Db, over: Record<string, unknown> = {}, deals: Record<string, unknown>[] = [{}], today = '2026-06-30') {
  const p = await insertProspect(db, over, today);
  let last;
  for (const d of deals) last = await insertDeal(db, p.id, { status: 'won', closedOn: today, ...d }, today);
  return last!.account;
}
