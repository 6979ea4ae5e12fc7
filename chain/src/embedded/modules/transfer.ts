/**
 * Polymesh's `validate_asset_transfer` (§8): one function for every caller that moves an asset
 * between identities — controller transfers now, settlement, offerings and distributions later.
 */
import type { AssetId } from '../../ledger.js';
import type { TransferBreakdown, TransferError } from '../../types.js';
import { LedgerError } from '../../errors.js';
import type { Chain } from '../chain.js';
import type { Pf } from './portfolio.js';

const U128_MAX = (1n << 128n) - 1n;

export interface TransferCheckOptions {
  /** Controller transfers stop after step 8 (no frozen, CDD, statistics or compliance checks). */
  controller?: boolean;
}

export class TransferChecks {
  constructor(private readonly chain: Chain) {}

  /**
   * Runs the §8 checks in order. With `collect`, returns every failure (the transfer report);
   * otherwise returns at the first one.
   */
  errors(
    asset: AssetId,
    from: Pf,
    to: Pf,
    amount: bigint,
    collect: boolean,
    opts: TransferCheckOptions = {},
  ): TransferError[] {
    const out: TransferError[] = [];
    const fail = (e: TransferError): boolean => {
      out.push(e);
      return !collect;
    };
    const c = this.chain;
    const a = c.asset.get(asset);
    if (!a) {
      fail('NoSuchAsset');
      return out;
    }
    const senderBal = c.asset.balanceOf(asset, from.did);
    const receiverBal = c.asset.balanceOf(asset, to.did);
    if (senderBal < amount && fail('InsufficientBalance')) return out;
    if (receiverBal + amount > U128_MAX && fail('BalanceOverflow')) return out;
    if (from.did === to.did && fail('InvalidTransferSenderIdMatchesReceiverId')) return out;
    if ((!c.portfolio.exists(from) || !c.portfolio.exists(to)) && fail('PortfolioDoesNotExist')) return out;
    if (!c.asset.isGranular(a, amount) && fail('InvalidGranularity')) return out;
    if (c.portfolio.free(from, asset) < amount && fail('InsufficientPortfolioBalance')) return out;
    if (opts.controller) return out;
    if (a.frozen && fail('InvalidTransferFrozenAsset')) return out;
    if (!c.identity.hasValidCdd(to.did) && fail('InvalidTransferInvalidReceiverCDD')) return out;
    if (!c.identity.hasValidCdd(from.did) && fail('InvalidTransferInvalidSenderCDD')) return out;
    const failing = c.statistics.check(
      asset,
      from.did,
      to.did,
      amount,
      senderBal,
      receiverBal,
      a.totalSupply,
      !collect,
    );
    if (failing.length > 0 && fail('InvalidTransferStatisticsFailure')) return out;
    if (!c.compliance.isCompliant(asset, from.did, to.did) && fail('InvalidTransferComplianceFailure'))
      return out;
    return out;
  }

  /** Throws the first §8 failure as a `LedgerError` (module `asset`). */
  validate(asset: AssetId, from: Pf, to: Pf, amount: bigint, opts: TransferCheckOptions = {}): void {
    const [first] = this.errors(asset, from, to, amount, false, opts);
    if (first) throw new LedgerError(first, `transfer refused: ${first}`, 'asset', { assetId: asset });
  }

  /** The granular report behind the port's `canTransfer`. */
  report(asset: AssetId, from: Pf, to: Pf, amount: bigint): TransferBreakdown {
    const c = this.chain;
    const general = this.errors(asset, from, to, amount, true);
    const a = c.asset.get(asset);
    const restrictions = a
      ? c.statistics.check(
          asset,
          from.did,
          to.did,
          amount,
          c.asset.balanceOf(asset, from.did),
          c.asset.balanceOf(asset, to.did),
          a.totalSupply,
          false,
        )
      : [];
    return {
      general,
      compliance: c.compliance.report(asset, from.did, to.did),
      restrictions,
      result: general.length === 0,
    };
  }
}

/**
 * Validates a transfer of `amount` units from one portfolio to another against Polymesh's rules
 * (§8), throwing the first failure. Settlement calls this per leg before moving funds.
 */
export function validateAssetTransfer(
  chain: Chain,
  asset: AssetId,
  from: Pf,
  to: Pf,
  amount: bigint,
  opts?: TransferCheckOptions,
): void {
  chain.transfers.validate(asset, from, to, amount, opts);
}
