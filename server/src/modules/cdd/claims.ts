import type { Claim, Scope } from '@stoa/chain';
import type { Application } from '../onboarding/entity.js';
import { toChainCountry } from '../onboarding/countries.js';

export interface PlannedClaim {
  key: string;
  claim: Claim;
  expiry: string | null;
}

export interface ClaimPlan {
  cddExpiry: string;
  claimsExpiry: string;
  scopes: Scope[];
  polyx: string;
}

const scopeKey = (s: Scope) => `${s.type}:${s.value}`;

export function claimKey(claim: Claim): string {
  if (claim.type === 'CustomerDueDiligence') return 'CustomerDueDiligence';
  if (claim.type === 'Custom')
    return `Custom:${claim.customClaimTypeId}:${claim.scope ? scopeKey(claim.scope) : ''}`;
  return `${claim.type}:${scopeKey(claim.scope)}`;
}

const minIso = (a: string, b: Date) => (new Date(a) < b ? a : b.toISOString());

/**
 * The claims an approved application earns: KnowYourCustomer and Jurisdiction (country of
 * residence) in every scope, Accredited (if verified and unexpired) with the accreditation's
 * expiry. The CDD claim is separate (it comes with the DID, or is renewed with addClaim).
 */
export function plannedClaims(app: Application, plan: ClaimPlan, now: Date): PlannedClaim[] {
  const out: PlannedClaim[] = [];
  const accredited =
    app.accreditationStatus === 'verified' && app.accreditationExpiresAt && app.accreditationExpiresAt > now
      ? app.accreditationExpiresAt
      : null;
  for (const scope of plan.scopes) {
    const kyc: Claim = { type: 'KnowYourCustomer', scope };
    out.push({ key: claimKey(kyc), claim: kyc, expiry: plan.claimsExpiry });
    const jur: Claim = { type: 'Jurisdiction', code: toChainCountry(app.residenceCountry), scope };
    out.push({ key: claimKey(jur), claim: jur, expiry: plan.claimsExpiry });
    if (accredited) {
      const acc: Claim = { type: 'Accredited', scope };
      out.push({ key: claimKey(acc), claim: acc, expiry: minIso(plan.claimsExpiry, accredited) });
    }
  }
  return out;
}

export const CDD_CLAIM: Claim = { type: 'CustomerDueDiligence' };
