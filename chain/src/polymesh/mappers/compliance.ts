import {
  ConditionType,
  type Condition as SdkCondition,
  type Requirement,
  type TrustedClaimIssuer as SdkTrustedClaimIssuer,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import type { ComplianceRequirement, Condition, TrustedClaimIssuer } from '../../types.js';
import {
  fromSdkClaim,
  fromSdkTrustedIssuer,
  toChainClaim,
  toChainTrustedIssuer,
  type ChainClaim,
} from './claims.js';

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

// ---------------------------------------------------------------- port → chain (7.0 `Condition`)

export type ChainConditionType =
  | { IsPresent: ChainClaim }
  | { IsAbsent: ChainClaim }
  | { IsAnyOf: ChainClaim[] }
  | { IsNoneOf: ChainClaim[] }
  | { IsIdentity: 'ExternalAgent' | { Specific: string } };

export interface ChainCondition {
  conditionType: ChainConditionType;
  issuers: ReturnType<typeof toChainTrustedIssuer>[];
}

/** Condition → `Condition { condition_type, issuers }`; `IsExternalAgent` is `IsIdentity(ExternalAgent)` on chain. */
export function toChainCondition(condition: Condition): ChainCondition {
  const issuers = (condition.trustedClaimIssuers ?? []).map(toChainTrustedIssuer);
  switch (condition.type) {
    case 'IsPresent':
      return { conditionType: { IsPresent: toChainClaim(condition.claim) }, issuers };
    case 'IsAbsent':
      return { conditionType: { IsAbsent: toChainClaim(condition.claim) }, issuers };
    case 'IsAnyOf':
      return { conditionType: { IsAnyOf: condition.claims.map(toChainClaim) }, issuers };
    case 'IsNoneOf':
      return { conditionType: { IsNoneOf: condition.claims.map(toChainClaim) }, issuers };
    case 'IsIdentity':
      return { conditionType: { IsIdentity: { Specific: condition.identity } }, issuers };
    case 'IsExternalAgent':
      return { conditionType: { IsIdentity: 'ExternalAgent' }, issuers };
  }
}

/** Conditions → the chain's sender and receiver lists (a `Both` condition goes in each, as the SDK does). */
export function toChainConditions(conditions: Condition[]): {
  senderConditions: ChainCondition[];
  receiverConditions: ChainCondition[];
} {
  const senderConditions: ChainCondition[] = [];
  const receiverConditions: ChainCondition[] = [];
  for (const c of conditions) {
    const chain = toChainCondition(c);
    if (c.target === 'Sender' || c.target === 'Both') senderConditions.push(chain);
    if (c.target === 'Receiver' || c.target === 'Both') receiverConditions.push(chain);
  }
  return { senderConditions, receiverConditions };
}

/** A requirement with its id → `ComplianceRequirement { sender_conditions, receiver_conditions, id }`. */
export function toChainRequirement(
  id: number,
  conditions: Condition[],
): ReturnType<typeof toChainConditions> & { id: number } {
  return { ...toChainConditions(conditions), id };
}
