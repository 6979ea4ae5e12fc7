import { isAmount, toUnits } from '../../offerings/units';

export interface Reason {
  rule: string;
  message: string;
  /** Where in the portal to fix it (e.g. `/investor/money` to add money). */
  link?: string;
}

/** The one check made before asking the server: is the amount a number of tokens at all. */
export function amountProblem(amount: string): Reason | null {
  return isAmount(amount) && toUnits(amount) > 0n
    ? null
    : { rule: 'amount', message: 'enter how many tokens to buy, e.g. 100' };
}

/** Reasons the server gave with a refusal (`details.reasons`), read defensively. */
export function refusalReasons(extra: Readonly<Record<string, unknown>>): Reason[] {
  const list = extra.reasons;
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: unknown) => {
    if (typeof r !== 'object' || r === null) return [];
    const { rule, message, link } = r as Record<string, unknown>;
    return typeof message === 'string'
      ? [
          {
            rule: typeof rule === 'string' ? rule : 'rule',
            message,
            ...(typeof link === 'string' && link.startsWith('/') ? { link } : {}),
          },
        ]
      : [];
  });
}
