import {
  TransferError as SdkTransferError,
  type TransferBreakdown as SdkTransferBreakdown,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { TRANSFER_ERRORS, type TransferBreakdown, type TransferError } from '../../types.js';
import { fromSdkCondition } from './compliance.js';
import { fromSdkRestriction } from './restrictions.js';

/**
 * SDK transfer errors → Polymesh's names (POLYMESH.md §8). ScopeClaimMissing is legacy
 * (never produced by a 7.x node); it folds into compliance.
 */
const TRANSFER_ERROR_NAMES: Record<SdkTransferError, TransferError> = {
  [SdkTransferError.AssetDoesNotExists]: 'NoSuchAsset',
  [SdkTransferError.InsufficientBalance]: 'InsufficientBalance',
  [SdkTransferError.BalanceOverflow]: 'BalanceOverflow',
  [SdkTransferError.SelfTransfer]: 'InvalidTransferSenderIdMatchesReceiverId',
  [SdkTransferError.InvalidSenderPortfolio]: 'PortfolioDoesNotExist',
  [SdkTransferError.InvalidReceiverPortfolio]: 'PortfolioDoesNotExist',
  [SdkTransferError.InvalidGranularity]: 'InvalidGranularity',
  [SdkTransferError.InsufficientPortfolioBalance]: 'InsufficientPortfolioBalance',
  [SdkTransferError.TransfersFrozen]: 'InvalidTransferFrozenAsset',
  [SdkTransferError.InvalidReceiverCdd]: 'InvalidTransferInvalidReceiverCDD',
  [SdkTransferError.InvalidSenderCdd]: 'InvalidTransferInvalidSenderCDD',
  [SdkTransferError.TransferNotAllowed]: 'InvalidTransferStatisticsFailure',
  [SdkTransferError.ComplianceFailure]: 'InvalidTransferComplianceFailure',
  [SdkTransferError.ScopeClaimMissing]: 'InvalidTransferComplianceFailure',
};

/** Deduplicated, in Polymesh's `validate_asset_transfer` order. */
export function fromSdkTransferErrors(errors: SdkTransferError[]): TransferError[] {
  const names = new Set(errors.map((e) => TRANSFER_ERROR_NAMES[e]));
  return TRANSFER_ERRORS.filter((e) => names.has(e));
}

/**
 * SDK breakdown → port breakdown. `paused` is not in the SDK's compliance result, so the caller
 * passes it (from `compliance.requirements.arePaused()`). SDK 29 builds `restrictions` from the
 * chain's `transferRestrictionsReport`, which lists only the conditions the transfer breaks and
 * already leaves out those an exemption lets pass; it marks each `result: true` regardless
 * (utils/conversion `transferReportToTransferBreakdown`). So every entry is a failure that no
 * exemption lifted.
 */
export function fromSdkTransferBreakdown(b: SdkTransferBreakdown, paused: boolean): TransferBreakdown {
  return {
    general: fromSdkTransferErrors(b.general),
    compliance: {
      paused,
      complies: b.compliance.complies,
      requirements: b.compliance.requirements.map((r) => ({
        id: r.id.toNumber(),
        complies: r.complies,
        conditions: r.conditions.map((c) => ({
          condition: fromSdkCondition(c.condition),
          complies: c.complies,
        })),
      })),
    },
    restrictions: b.restrictions.map((r) => ({
      restriction: fromSdkRestriction(r.restriction),
      result: false,
    })),
    result: b.result,
  };
}
