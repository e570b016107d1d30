import { formatNumber } from '../../src/grading/explain.ts';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A customer's tier; the tier names come from the policy, so the colour follows the name. */
export function TierBadge(props: { tier: string | null; score?: number | null; big?: boolean }) {
  const label = props.tier ? `Tier ${props.tier}${props.score != null ? `, score ${formatNumber(props.score)}` : ''}` : 'Not tiered';
  return (
    <span class={`tier t-${props.tier ? slug(props.tier) : 'none'}${props.big ? ' big' : ''}`} aria-label={label} title={label}>
      {props.tier ?? '–'}
    </span>
  );
}

export const TIER_CAUSES: Record<string, string> = {
  converted: 'converted',
  deal: 'deal changed',
  payment: 'payment record changed',
  quarterly: 'quarterly re-tier',
  manual: 'manual re-tier',
  conversion_reversed: 'conversion reversed',
};
