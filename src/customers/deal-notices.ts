import type { AccountRow } from '../db/schema.ts';
import { convertedLine } from './convert-prospect.ts';

export const accountPath = (a: Pick<AccountRow, 'id' | 'kind'>) => `/${a.kind === 'customer' ? 'customers' : 'prospects'}/${a.id}`;

export type DealNoticeKey = 'added' | 'won' | 'lost' | 'reopened' | 'deleted' | 'saved' | 'converted' | 'reconverted' | 'reversed';

/** The notice shown after a deal action (also on the page a no-JS form is redirected to). */
export function dealNotice(key: string | undefined, a: AccountRow): string | undefined {
  switch (key as DealNoticeKey) {
    case 'added':
      return 'Deal added.';
    case 'won':
      return 'Deal won; the tier is re-scored.';
    case 'lost':
      return 'Deal marked lost.';
    case 'reopened':
      return 'Deal reopened.';
    case 'deleted':
      return 'Deal deleted.';
    case 'saved':
      return 'Deal saved.';
    case 'converted':
      return `Deal won: ${a.name} is now a customer, ${convertedLine(a.closedGrade, a.convertedOn ?? '–')}.`;
    case 'reconverted':
      return `Deal won: ${a.name} was reopened and is now a customer, ${convertedLine(a.closedGrade, a.convertedOn ?? '–')}.`;
    case 'reversed':
      return `The only won deal was undone: ${a.name} is a prospect again, open and re-graded as of today.`;
    default:
      return undefined;
  }
}
