import {
  ConditionTarget as SdkConditionTarget,
  ConditionType,
  type Condition as SdkCondition,
  type InputCondition,
  type Requirement,
  type TrustedClaimIssuer as SdkTrustedClaimIssuer,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import type { ComplianceRequirement, Condition, TrustedClaimIssuer } from '../../types.js';
import { fromSdkClaim, fromSdkTrustedIssuer, toSdkClaim, toSdkTrustedIssuer } from './claims.js';

/** Port condition → SDK `InputCondition` (target and condition-level trusted issuers included). */
export function toSdkCondition(condition: Condition): InputCondition {
  const base = {
    target: SdkConditionTarget[condition.target],
    ...(condition.trustedClaimIssuers && {
      trustedClaimIssuers: condition.trustedClaimIssuers.map(toSdkTrustedIssuer),
    }),
  };
  switch (condition.type) {
    case 'IsPresent':
      return { ...base, type: ConditionType.IsPresent, claim: toSdkClaim(condition.claim) };
    case 'IsAbsent':
      return { ...base, type: ConditionType.IsAbsent, claim: toSdkClaim(condition.claim) };
    case 'IsAnyOf':
      return { ...base, type: ConditionType.IsAnyOf, claims: condition.claims.map(toSdkClaim) };
    case 'IsNoneOf':
      return { ...base, type: ConditionType.IsNoneOf, claims: condition.claims.map(toSdkClaim) };
    case 'IsIdentity':
      return { ...base, type: ConditionType.IsIdentity, identity: condition.identity };
    case 'IsExternalAgent':
      return { ...base, type: ConditionType.IsExternalAgent };
  }
}

function fromSdkIssuers(issuers: SdkTrustedClaimIssuer[] | undefined): {
  trustedClaimIssuers?: TrustedClaimIssuer[];
} {
  return issuers && issuers.length > 0 ? { trustedClaimIssuers: issuers.map(fromSdkTrustedIssuer) } : {};
}

export function fromSdkCondition(condition: SdkCondition): Condition {
  const base = { target: condition.target, ...fromSdkIssuers(condition.trustedClaimIssuers) };
  switch (condition.type) {
    case ConditionType.IsPresent:
      return { ...base, type: 'IsPresent', claim: fromSdkClaim(condition.claim) };
    case ConditionType.IsAbsent:
      return { ...base, type: 'IsAbsent', claim: fromSdkClaim(condition.claim) };
    case ConditionType.IsAnyOf:
      return { ...base, type: 'IsAnyOf', claims: condition.claims.map(fromSdkClaim) };
    case ConditionType.IsNoneOf:
      return { ...base, type: 'IsNoneOf', claims: condition.claims.map(fromSdkClaim) };
    case ConditionType.IsIdentity:
      return { ...base, type: 'IsIdentity', identity: condition.identity.did };
    case ConditionType.IsExternalAgent:
      return { ...base, type: 'IsExternalAgent' };
  }
}

export function fromSdkRequirement(requirement: Requirement): ComplianceRequirement {
  return { id: requirement.id.toNumber(), conditions: requirement.conditions.map(fromSdkCondition) };
}
