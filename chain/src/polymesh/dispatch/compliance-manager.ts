import { LedgerError } from '../../errors.js';
import type { LedgerEvent } from '../../ledger.js';
import { toChainTrustedIssuer } from '../mappers/claims.js';
import { toChainConditions, toChainRequirement } from '../mappers/compliance.js';
import { assetIdToHex } from '../mappers/values.js';
import { eventData, idField, none, one, type PreparerTable } from './types.js';

/** `requirement.id` of a sanitised `ComplianceRequirement`. */
function requirementId(requirement: unknown): number {
  if (typeof requirement === 'object' && requirement !== null && 'id' in requirement) {
    return idField(requirement.id, 'compliance requirement id');
  }
  throw new LedgerError('ValidationError', 'Compliance event without a requirement id');
}

export function replacedIds(events: LedgerEvent[]): { ids: number[] } {
  const requirements = eventData(events, 'complianceManager', 'AssetComplianceReplaced').requirements;
  return { ids: Array.isArray(requirements) ? requirements.map(requirementId) : [] };
}

export function requirementCreated(events: LedgerEvent[]): { id: number } {
  return {
    id: requirementId(eventData(events, 'complianceManager', 'ComplianceRequirementCreated').requirement),
  };
}

export const complianceManager = {
  'complianceManager.addComplianceRequirement': async (ctx, { assetId, conditions }) => {
    const { senderConditions, receiverConditions } = toChainConditions(conditions);
    return one(
      ctx.tx.complianceManager.addComplianceRequirement(
        assetIdToHex(assetId),
        senderConditions,
        receiverConditions,
      ),
      requirementCreated,
    );
  },
  /** `replace_asset_compliance`, the requirements numbered from 1 in the order given. */
  'complianceManager.replaceAssetCompliance': async (ctx, { assetId, requirements }) =>
    one(
      ctx.tx.complianceManager.replaceAssetCompliance(
        assetIdToHex(assetId),
        requirements.map((conditions, i) => toChainRequirement(i + 1, conditions)),
      ),
      replacedIds,
    ),
  'complianceManager.changeComplianceRequirement': async (ctx, { assetId, id, conditions }) =>
    one(
      ctx.tx.complianceManager.changeComplianceRequirement(
        assetIdToHex(assetId),
        toChainRequirement(id, conditions),
      ),
      none,
    ),
  'complianceManager.removeComplianceRequirement': async (ctx, { assetId, id }) =>
    one(ctx.tx.complianceManager.removeComplianceRequirement(assetIdToHex(assetId), id), none),
  'complianceManager.resetAssetCompliance': async (ctx, { assetId }) =>
    one(ctx.tx.complianceManager.resetAssetCompliance(assetIdToHex(assetId)), none),
  'complianceManager.pauseAssetCompliance': async (ctx, { assetId }) =>
    one(ctx.tx.complianceManager.pauseAssetCompliance(assetIdToHex(assetId)), none),
  'complianceManager.resumeAssetCompliance': async (ctx, { assetId }) =>
    one(ctx.tx.complianceManager.resumeAssetCompliance(assetIdToHex(assetId)), none),
  'complianceManager.addDefaultTrustedClaimIssuer': async (ctx, { assetId, issuer }) =>
    one(
      ctx.tx.complianceManager.addDefaultTrustedClaimIssuer(
        assetIdToHex(assetId),
        toChainTrustedIssuer(issuer),
      ),
      none,
    ),
  'complianceManager.removeDefaultTrustedClaimIssuer': async (ctx, { assetId, issuer }) =>
    one(ctx.tx.complianceManager.removeDefaultTrustedClaimIssuer(assetIdToHex(assetId), issuer), none),
} satisfies PreparerTable<'complianceManager'>;
