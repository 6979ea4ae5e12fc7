import type { AssetId } from '../../ledger.js';
import type { AssetCompliance, TrustedClaimIssuer } from '../../types.js';
import { fromSdkTrustedIssuer } from '../mappers/claims.js';
import { fromSdkRequirement } from '../mappers/compliance.js';
import { fungible } from './asset.js';
import type { QueryContext } from './context.js';

export async function compliance(q: QueryContext, assetId: AssetId): Promise<AssetCompliance> {
  const asset = await fungible(q, assetId);
  if (!asset) return { paused: false, requirements: [], defaultTrustedClaimIssuers: [] };
  const [requirements, paused] = await Promise.all([
    asset.compliance.requirements.get(),
    asset.compliance.requirements.arePaused(),
  ]);
  return {
    paused,
    requirements: requirements.requirements.map(fromSdkRequirement),
    defaultTrustedClaimIssuers: requirements.defaultTrustedClaimIssuers.map(fromSdkTrustedIssuer),
  };
}

export async function trustedClaimIssuers(q: QueryContext, assetId: AssetId): Promise<TrustedClaimIssuer[]> {
  const asset = await fungible(q, assetId);
  if (!asset) return [];
  return (await asset.compliance.trustedClaimIssuers.get()).map(fromSdkTrustedIssuer);
}
