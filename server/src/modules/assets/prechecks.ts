import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ledger, PortfolioRef } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { refuseField, requireGranular, requireSupplyRoom } from '../../lib/chain-input.js';
import { toUnits } from '../../lib/units.js';
import { ChainOperation } from '../operations/entity.js';
import { TERMINAL_STATUSES } from '../operations/service.js';
import type { Asset, Issuer } from './entity.js';

/**
 * The chain's rules that depend on state, checked by AssetService.act under the asset's row
 * lock before an operation is recorded, counting the operations recorded but not yet final.
 */
export type Precheck = (
  tx: EntityManager,
  asset: Asset & { chainId: string },
  issuer: Issuer,
) => Promise<void> | void;

const open = { $nin: [...TERMINAL_STATUSES] };

/** The supply the chain will have once every issue already recorded (any subject) is final. */
export async function supplyAfterPendingIssues(tx: EntityManager, ledger: Ledger, chainId: string) {
  const supply = toUnits((await ledger.asset(chainId))?.totalSupply ?? '0');
  const issuing = (await tx.find(ChainOperation, { kind: 'asset.issue', status: open }))
    .map((o) => o.call.args as { assetId: string; amount: string })
    .filter((a) => a.assetId === chainId)
    .reduce((s, a) => s + toUnits(a.amount), 0n);
  return supply + issuing;
}

export const issueCheck =
  (ledger: Ledger, amount: string): Precheck =>
  async (tx, asset) => {
    requireGranular('/body/amount', amount, asset);
    const supply = await supplyAfterPendingIssues(tx, ledger, asset.chainId);
    requireSupplyRoom('/body/amount', supply, amount, asset.name);
  };

export const redeemCheck =
  (amount: string): Precheck =>
  (_tx, asset) =>
    requireGranular('/body/amount', amount, asset);

/** Freezing a frozen asset or resuming one that is not frozen is refused, here as on chain. */
export const freezeCheck =
  (ledger: Ledger, frozen: boolean): Precheck =>
  async (tx, asset) => {
    const busy = await tx.findOne(ChainOperation, {
      subjectType: 'asset',
      subjectId: asset.id,
      kind: { $in: ['asset.freeze', 'asset.unfreeze'] },
      status: open,
    });
    if (busy) {
      const what = busy.kind === 'asset.freeze' ? 'freeze' : 'resumption of transfers';
      throw new AppError('CONFLICT', `A ${what} of ${asset.name} is in progress; wait until it is final`);
    }
    const isFrozen = (await ledger.asset(asset.chainId))?.frozen ?? false;
    if (isFrozen === frozen) {
      throw new AppError(
        'CONFLICT',
        frozen
          ? `${asset.name} is already frozen`
          : `${asset.name} is not frozen, so there are no transfers to resume`,
      );
    }
  };

export const controllerTransferCheck =
  (amount: string, from: PortfolioRef): Precheck =>
  (_tx, asset, issuer) => {
    requireGranular('/body/amount', amount, asset);
    // The tokens go to the issuer's default portfolio; the chain refuses a same-identity move.
    if (from.did === issuer.did) {
      refuseField(
        'RULE_VIOLATION',
        '/body/from/did',
        `The tokens in ${from.did} already belong to the issuer`,
      );
    }
  };
