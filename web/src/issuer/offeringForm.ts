import { MAX_TIERS } from '@stoa/chain/limits';
import { isAmount, toUnits } from '../offerings/units';
import type { InvestorClass } from '../offerings/offering';
import { tokenAmountProblem } from './chainRules';

export interface OfferingDraft {
  name: string;
  paymentAssetId: string;
  tiers: { amount: string; price: string }[];
  minInvestment: string;
  maxInvestment: string;
  softCap: string;
  end: string;
  eligibleClasses: InvestorClass[];
}

export function emptyOffering(now = new Date()): OfferingDraft {
  const end = new Date(now.getTime() + 30 * 86_400_000);
  return {
    name: '',
    paymentAssetId: '',
    tiers: [{ amount: '', price: '' }],
    minInvestment: '',
    maxInvestment: '',
    softCap: '',
    end: end.toISOString().slice(0, 16),
    eligibleClasses: [],
  };
}

/**
 * Problems keyed by the server's JSON pointers, checked before sending. `divisible` is the
 * offered asset's: an asset without decimals is sold in whole tokens.
 */
export function offeringProblems(d: OfferingDraft, divisible = true): Record<string, string> {
  const p: Record<string, string> = {};
  if (!d.name.trim()) p['/body/name'] = 'Name the offering';
  if (!d.paymentAssetId) p['/body/paymentAssetId'] = 'Choose the stablecoin investors pay with';
  if (d.tiers.length > MAX_TIERS) p['/body/tiers'] = `At most ${MAX_TIERS} price tiers`;
  d.tiers.forEach((t, i) => {
    const tokens = tokenAmountProblem(t.amount, divisible);
    if (tokens) p[`/body/tiers/${i}/amount`] = tokens;
    if (!isAmount(t.price) || toUnits(t.price) === 0n)
      p[`/body/tiers/${i}/price`] = 'Price per token, above 0';
  });
  if (!isAmount(d.minInvestment)) p['/body/minInvestment'] = 'Minimum investment as a number, e.g. 100';
  if (d.maxInvestment && !isAmount(d.maxInvestment)) p['/body/maxInvestment'] = 'A number, or leave empty';
  if (d.softCap && !isAmount(d.softCap)) p['/body/softCap'] = 'A number, or leave empty';
  if (!d.end || Number.isNaN(Date.parse(d.end))) p['/body/end'] = 'When the offering ends';
  else if (Date.parse(d.end) <= Date.now()) p['/body/end'] = 'The end must be in the future';
  return p;
}

export function offeringBody(d: OfferingDraft) {
  return {
    name: d.name.trim(),
    paymentAssetId: d.paymentAssetId,
    tiers: d.tiers.map((t) => ({ amount: t.amount, price: t.price })),
    minInvestment: d.minInvestment,
    ...(d.maxInvestment ? { maxInvestment: d.maxInvestment } : {}),
    ...(d.softCap ? { softCap: d.softCap } : {}),
    end: new Date(d.end).toISOString(),
    ...(d.eligibleClasses.length ? { eligibleClasses: d.eligibleClasses } : {}),
  };
}
