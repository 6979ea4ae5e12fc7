import { fromUnits, mulUnits, toUnits, type Tier } from '../../offerings/units';

export interface TierLine {
  tier: number;
  price: string;
  amount: string;
  cost: string;
}

/** How an amount of tokens fills the remaining tiers in order, with each tier's cost. */
export function tierLines(tiers: readonly Tier[], amount: string): TierLine[] {
  let left = toUnits(amount);
  const out: TierLine[] = [];
  tiers.forEach((t, i) => {
    const remaining = toUnits(t.remaining);
    const take = left < remaining ? left : remaining;
    if (take > 0n)
      out.push({
        tier: i + 1,
        price: t.price,
        amount: fromUnits(take),
        cost: fromUnits(mulUnits(take, toUnits(t.price))),
      });
    left -= take;
  });
  return out;
}

/** Form problems of the signature step, in words (empty when it can be sent). */
export function signingProblems(input: {
  documents: readonly { id: string; name: string }[];
  read: Readonly<Record<string, boolean>>;
  fullName: string;
  consent: boolean;
}): { documents?: string; fullName?: string; consent?: string } {
  const out: { documents?: string; fullName?: string; consent?: string } = {};
  const unread = input.documents.filter((d) => !input.read[d.id]);
  if (unread.length)
    out.documents = `Open and confirm you have read ${unread.map((d) => `“${d.name}”`).join(' and ')}`;
  if (!input.fullName.trim()) out.fullName = 'Type your full name to sign';
  if (!input.consent) out.consent = 'Tick the box to give your consent';
  return out;
}
