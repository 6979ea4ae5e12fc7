import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { Offering } from './entity.js';
import { Subscription } from './entity.js';
import { formatAmount, plural, unitOf } from './words.js';

export type ImpactAction = 'launch' | 'close';

export interface OfferingImpact {
  action: ImpactAction;
  /** One sentence for the confirm dialog: what the action does, with amounts. */
  summary: string;
  /** Further consequences, one sentence each. */
  details: string[];
  tokens: string;
  investors: number;
  raised: string;
  softCapMet: boolean | null;
  outcome: 'issue' | 'release' | 'refund' | 'none';
}

/**
 * What launching or closing the offering would do, computed the way the action does it
 * (launch issues the tiers' tokens; the close hook refunds or releases from the settled
 * subscriptions), so the issuer confirms the actual impact.
 */
export async function offeringImpact(
  em: EntityManager,
  o: Offering,
  action: ImpactAction,
): Promise<OfferingImpact> {
  const token = await unitOf(em, o.assetId);
  const money = await unitOf(em, o.paymentAssetId);
  if (action === 'launch') {
    if (o.status !== 'draft')
      throw new AppError('CONFLICT', `Offering ${o.name} is ${o.status}; only a draft can be launched`);
    const total = fromUnits(o.terms.tiers.reduce((s, t) => s + toUnits(t.amount), 0n));
    const prices = o.terms.tiers.map(
      (t, i) => `tier ${i + 1}: ${formatAmount(t.amount)} ${token} at ${formatAmount(t.price)} ${money}`,
    );
    const details = [
      `Priced in ${o.terms.tiers.length === 1 ? 'one tier' : `${o.terms.tiers.length} tiers`} (${prices.join('; ')}).`,
    ];
    if (o.terms.softCap)
      details.push(
        `Investors' payments are held in escrow until ${formatAmount(o.terms.softCap)} ${money} is raised; if that is not reached by the end, every investor is refunded.`,
      );
    details.push('Once launched, the terms cannot be changed; the offering closes by itself at its end.');
    return {
      action,
      summary: `Launching issues ${formatAmount(total)} ${token} tokens for sale.`,
      details,
      tokens: total,
      investors: 0,
      raised: '0',
      softCapMet: null,
      outcome: 'issue',
    };
  }
  if (!['live', 'frozen'].includes(o.status))
    throw new AppError(
      'CONFLICT',
      `Offering ${o.name} is ${o.status}; only a live or frozen offering can be closed`,
    );
  const subs = await em.find(Subscription, { offeringId: o.id, status: 'settled' });
  const pending = await em.count(Subscription, { offeringId: o.id, status: 'pending' });
  const raised = subs.reduce((s, x) => s + toUnits(x.cost), 0n);
  const sold = fromUnits(subs.reduce((s, x) => s + toUnits(x.amount), 0n));
  const investors = new Set(subs.map((s) => s.identityId)).size;
  const met = !o.terms.softCap || raised >= toUnits(o.terms.softCap);
  const who = plural(investors, 'investor');
  const details: string[] = [];
  if (pending)
    details.push(`${plural(pending, 'subscription')} still in progress will be counted if it settles first.`);
  details.push('Nobody can subscribe after the close; this cannot be undone.');
  if (raised === 0n)
    return {
      action,
      summary: 'Closing ends the offering; nobody has subscribed, so nothing is paid out or refunded.',
      details,
      tokens: '0',
      investors: 0,
      raised: '0',
      softCapMet: o.terms.softCap ? false : null,
      outcome: 'none',
    };
  if (!met) {
    details.unshift(
      `The soft cap of ${formatAmount(o.terms.softCap!)} ${money} is not met (${formatAmount(fromUnits(raised))} ${money} raised), so each investor gets their payment back and their ${token} tokens are taken back.`,
    );
    return {
      action,
      summary: `Closing refunds ${who} ${formatAmount(fromUnits(raised))} ${money}.`,
      details,
      tokens: sold,
      investors,
      raised: fromUnits(raised),
      softCapMet: false,
      outcome: 'refund',
    };
  }
  return {
    action,
    summary: o.terms.softCap
      ? `Closing releases ${formatAmount(fromUnits(raised))} ${money} from escrow to you; ${who} ${investors === 1 ? 'keeps' : 'keep'} ${formatAmount(sold)} ${token} tokens.`
      : `Closing ends the offering: ${who} ${investors === 1 ? 'holds' : 'hold'} ${formatAmount(sold)} ${token} tokens, ${formatAmount(fromUnits(raised))} ${money} raised.`,
    details,
    tokens: sold,
    investors,
    raised: fromUnits(raised),
    softCapMet: o.terms.softCap ? true : null,
    outcome: o.terms.softCap ? 'release' : 'none',
  };
}
