import { sql, type SQL } from 'drizzle-orm';
import { accounts } from '../db/schema.ts';
import { normalizeDomain } from './validation.ts';

// The account search of the prospect and customer lists: any part of the name (a trigram index),
// or the start of the website domain, written as people paste it ("https://www.acme.com/about",
// "acme.com", "acme"). Domains are searched by their start only: a trigram index on them cost
// every import and re-grade a third of its index work (docs/benchmarks.md §10).

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export function accountSearch(q: string): SQL {
  const name = `%${escapeLike(q)}%`;
  const domain = normalizeDomain(q);
  if (!domain) return sql`${accounts.name} ilike ${name}`;
  return sql`(${accounts.name} ilike ${name} or ${accounts.domain} like ${`${escapeLike(domain)}%`})`;
}
