import type { OfferingTerms } from '../../offerings/offering';
import type { Tier } from '../../offerings/units';
import { fromUnits, isAmount, quote, toUnits } from '../../offerings/units';

export interface Reason {
  rule: string;
  message: string;
}

/**
 * The checks the portal can make from the offering's own terms before asking the server:
 * amount format, tokens left, minimum and maximum investment. The asset's rules and the
 * investor's standing are checked by the server's pre-trade check.
 */
export function termChecks(
  terms: OfferingTerms,
  tiers: readonly Tier[],
  amount: string,
): { cost: string | null; reasons: Reason[] } {
  if (!isAmount(amount) || toUnits(amount) === 0n)
    return { cost: null, reasons: [{ rule: 'amount', message: 'enter how many tokens to buy, e.g. 100' }] };
  const { cost, filled } = quote(tiers, amount);
  const reasons: Reason[] = [];
  if (!filled) {
    const left = tiers.reduce((s, t) => s + toUnits(t.remaining), 0n);
    reasons.push({ rule: 'offering', message: `only ${fromUnits(left)} tokens are left` });
  }
  if (toUnits(cost) < toUnits(terms.minInvestment))
    reasons.push({
      rule: 'minimum investment',
      message: `the cost ${cost} is below the minimum investment of ${terms.minInvestment}`,
    });
  if (terms.maxInvestment && toUnits(cost) > toUnits(terms.maxInvestment))
    reasons.push({
      rule: 'maximum investment',
      message: `the cost ${cost} is above the maximum of ${terms.maxInvestment} per investor`,
    });
  return { cost, reasons };
}

/** Reasons the server gave with a refusal (`details.reasons`), read defensively. */
export function refusalReasons(extra: Readonly<Record<string, unknown>>): Reason[] {
  const list = extra.reasons;
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: unknown) => {
    if (typeof r !== 'object' || r === null) return [];
    const { rule, message } = r as Record<string, unknown>;
    return typeof message === 'string' ? [{ rule: typeof rule === 'string' ? rule : 'rule', message }] : [];
  });
}
