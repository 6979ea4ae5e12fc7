import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ledger } from '@stoa/chain';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { InvestorIdentity } from '../identities/entity.js';
import { ChainOperation } from '../operations/entity.js';
import { Offering, Subscription } from './entity.js';

/**
 * Subscriptions accepted whose investment the chain does not show yet: their funds and tokens
 * are reserved. A pending subscription is reserved while its `sto.invest` operation is pending
 * (never sent) or submitted without the chain having included it; an operation in a block is
 * on chain already. Callers read these before the chain's balances and tiers: an investment
 * landing in between is then counted twice for a moment (towards refusing), never missed.
 */
export async function reservedSubscriptions(
  em: EntityManager,
  ledger: Ledger,
  where: { offeringId: string | { $in: string[] }; identityId?: string },
): Promise<Subscription[]> {
  const pending = await em.find(Subscription, { ...where, status: 'pending' });
  const opIds = pending.flatMap((s) => (s.operationId ? [s.operationId] : []));
  const ops = new Map(
    (await em.find(ChainOperation, { id: { $in: opIds } })).map((op) => [op.id, op] as const),
  );
  const out: Subscription[] = [];
  for (const s of pending) {
    const op = s.operationId ? ops.get(s.operationId) : undefined;
    if (op && (await included(ledger, op))) continue;
    out.push(s);
  }
  return out;
}

/** Whether the chain has the operation's transaction (in effect, or refused and so of no effect). */
async function included(ledger: Ledger, op: ChainOperation): Promise<boolean> {
  if (op.status === 'in-block' || op.status === 'finalised' || op.status === 'failed') return true;
  if (op.status !== 'submitted' || op.nonce === null) return false;
  const found = await ledger.findTransaction(op.signer, op.nonce, {
    fromBlock: op.submittedAtBlock ?? undefined,
  });
  return found !== null;
}

const sum = (subs: Subscription[], field: 'amount' | 'cost') =>
  subs.reduce((s, x) => s + toUnits(x[field]), 0n);

/**
 * Everything reserved that bears on one investor subscribing to one offering: the offering's
 * tokens, the investor's tokens of the asset (for ownership caps), the investor's payment funds
 * (across offerings priced in the same asset). Investors still to arrive count against holder
 * caps in lockups/service.ts (`holderHeadroom`).
 */
export async function reservationsFor(
  em: EntityManager,
  ledger: Ledger,
  o: Offering,
  identity: InvestorIdentity,
) {
  const ofAsset = await em.find(Offering, { assetId: o.assetId });
  const sameMoney = await em.find(Offering, { paymentAssetId: o.paymentAssetId });
  const inAsset = await reservedSubscriptions(em, ledger, { offeringId: { $in: ofAsset.map((x) => x.id) } });
  const spending = await reservedSubscriptions(em, ledger, {
    offeringId: { $in: sameMoney.map((x) => x.id) },
    identityId: identity.id,
  });
  return {
    tokens: sum(
      inAsset.filter((x) => x.offeringId === o.id),
      'amount',
    ),
    ownTokens: sum(
      inAsset.filter((x) => x.identityId === identity.id),
      'amount',
    ),
    funds: sum(spending, 'cost'),
  };
}

/** Tiers after the reserved tokens: reservations fill tiers in order, as the chain will. */
export function afterReserved<T extends { remaining: string }>(tiers: T[], reserved: bigint): T[] {
  let left = reserved;
  return tiers.map((t) => {
    const remaining = toUnits(t.remaining);
    const take = left < remaining ? left : remaining;
    left -= take;
    return { ...t, remaining: fromUnits(remaining - take) };
  });
}
