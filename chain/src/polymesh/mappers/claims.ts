import {
  ClaimType as SdkClaimType,
  type Claim as SdkClaim,
  type ClaimData,
  type Scope as SdkScope,
  type TrustedFor,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../../errors.js';
import type { Did } from '../../ledger.js';
import type { Claim, ClaimType, IdentityClaim, Scope, TrustedClaimIssuer } from '../../types.js';
import { CUSTOM_SCOPE_MAX_BYTES } from '../../limits.js';
import { assetIdToHex, fromDate, toChainCountry } from './values.js';

/** The default CDD id: a CDD claim with it matches any CDD claim in a condition. */
export const DEFAULT_CDD_ID = `0x${'0'.repeat(64)}`;

export function fromSdkScope(scope: SdkScope): Scope {
  return { type: scope.type, value: scope.value };
}

export function fromSdkClaim(claim: SdkClaim): Claim {
  switch (claim.type) {
    case SdkClaimType.CustomerDueDiligence:
      return claim.id === DEFAULT_CDD_ID
        ? { type: 'CustomerDueDiligence' }
        : { type: 'CustomerDueDiligence', id: claim.id };
    case SdkClaimType.Jurisdiction:
      return { type: 'Jurisdiction', code: claim.code, scope: fromSdkScope(claim.scope) };
    case SdkClaimType.Custom:
      return 'scope' in claim && claim.scope
        ? {
            type: 'Custom',
            customClaimTypeId: claim.customClaimTypeId.toNumber(),
            scope: fromSdkScope(claim.scope),
          }
        : { type: 'Custom', customClaimTypeId: claim.customClaimTypeId.toNumber() };
    default:
      return { type: claim.type, scope: fromSdkScope(claim.scope) };
  }
}

export function fromSdkClaimData(data: ClaimData): IdentityClaim {
  return {
    target: data.target.did,
    issuer: data.issuer.did,
    claim: fromSdkClaim(data.claim),
    issuedAt: data.issuedAt.toISOString(),
    lastUpdatedAt: data.lastUpdatedAt.toISOString(),
    expiry: fromDate(data.expiry),
  };
}

export function fromSdkTrustedFor(types: TrustedFor[] | null): ClaimType[] | null {
  if (types === null) return null;
  return types.map((t) => (typeof t === 'string' ? t : 'Custom'));
}

export function fromSdkTrustedIssuer(issuer: {
  identity: { did: Did };
  trustedFor: TrustedFor[] | null;
}): TrustedClaimIssuer {
  return { identity: issuer.identity.did, trustedFor: fromSdkTrustedFor(issuer.trustedFor) };
}

// ---------------------------------------------------------------- port → chain (7.0 `Claim`, `Scope`, `TrustedIssuer`)

export type ChainScope = { Identity: Did } | { Asset: string } | { Custom: string };

/** Scope → `Scope::Identity(IdentityId) | Asset(AssetId) | Custom(Vec<u8>)` (≤32 bytes: `CustomScopeTooLong`). */
export function toChainScope(scope: Scope): ChainScope {
  switch (scope.type) {
    case 'Identity':
      return { Identity: scope.value };
    case 'Asset':
      return { Asset: assetIdToHex(scope.value) };
    case 'Custom': {
      const bytes = new TextEncoder().encode(scope.value);
      if (bytes.length > CUSTOM_SCOPE_MAX_BYTES) {
        throw new LedgerError(
          'CustomScopeTooLong',
          `A custom scope holds at most ${CUSTOM_SCOPE_MAX_BYTES} bytes`,
          'identity',
        );
      }
      return { Custom: `0x${Buffer.from(bytes).toString('hex')}` };
    }
  }
}

export type ChainClaim =
  | { Accredited: ChainScope }
  | { Affiliate: ChainScope }
  | { BuyLockup: ChainScope }
  | { SellLockup: ChainScope }
  | { KnowYourCustomer: ChainScope }
  | { Exempted: ChainScope }
  | { Blocked: ChainScope }
  | { CustomerDueDiligence: string }
  | { Jurisdiction: [string, ChainScope] }
  | { Custom: [number, ChainScope | null] };

/** Claim → the chain's `Claim` enum (`Jurisdiction(CountryCode, Scope)`, `Custom(id, Option<Scope>)`). */
export function toChainClaim(claim: Claim): ChainClaim {
  switch (claim.type) {
    case 'CustomerDueDiligence':
      return { CustomerDueDiligence: claim.id ?? DEFAULT_CDD_ID };
    case 'Jurisdiction':
      return { Jurisdiction: [toChainCountry(claim.code), toChainScope(claim.scope)] };
    case 'Custom':
      return { Custom: [claim.customClaimTypeId, claim.scope ? toChainScope(claim.scope) : null] };
    case 'Accredited':
      return { Accredited: toChainScope(claim.scope) };
    case 'Affiliate':
      return { Affiliate: toChainScope(claim.scope) };
    case 'BuyLockup':
      return { BuyLockup: toChainScope(claim.scope) };
    case 'SellLockup':
      return { SellLockup: toChainScope(claim.scope) };
    case 'KnowYourCustomer':
      return { KnowYourCustomer: toChainScope(claim.scope) };
    case 'Exempted':
      return { Exempted: toChainScope(claim.scope) };
    case 'Blocked':
      return { Blocked: toChainScope(claim.scope) };
  }
}

/** Claim type → `ClaimType` (data-less variants; `Custom(id)` needs the id, which the port does not carry). */
export function toChainClaimType(t: ClaimType): string {
  if (t === 'Custom') {
    throw new LedgerError(
      'ValidationError',
      'Trusting an issuer for custom claims needs the custom claim type id',
    );
  }
  return t;
}

/** Trusted issuer → `TrustedIssuer { issuer, trusted_for: Any | Specific(Vec<ClaimType>) }`. */
export function toChainTrustedIssuer(issuer: TrustedClaimIssuer): {
  issuer: Did;
  trustedFor: 'Any' | { Specific: string[] };
} {
  return {
    issuer: issuer.identity,
    trustedFor: issuer.trustedFor === null ? 'Any' : { Specific: issuer.trustedFor.map(toChainClaimType) },
  };
}
