import {
  ClaimType,
  ConditionTarget,
  ConditionType,
  ScopeType,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import type { Condition as SdkCondition, Identity } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import type { Claim, Condition } from '../../src/types.js';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import {
  DEFAULT_CDD_ID,
  fromSdkClaim,
  toSdkClaim,
  toSdkTrustedIssuer,
} from '../../src/polymesh/mappers/claims.js';
import {
  fromSdkCondition,
  fromSdkRequirement,
  toSdkCondition,
} from '../../src/polymesh/mappers/compliance.js';

const issuer = `0x${'11'.repeat(32)}`;
const holder = `0x${'22'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';
/** SDK results carry Identity entities; the mappers only read `did`. */
const identity = (did: string) => ({ did }) as Identity;

describe('claims', () => {
  const claims: Claim[] = [
    { type: 'Accredited', scope: { type: 'Asset', value: assetId } },
    { type: 'KnowYourCustomer', scope: { type: 'Identity', value: issuer } },
    { type: 'Blocked', scope: { type: 'Custom', value: 'reg-s' } },
    { type: 'Jurisdiction', code: 'Us', scope: { type: 'Asset', value: assetId } },
    { type: 'CustomerDueDiligence', id: `0x${'33'.repeat(32)}` },
    { type: 'CustomerDueDiligence' },
    { type: 'Custom', customClaimTypeId: 4, scope: { type: 'Asset', value: assetId } },
    { type: 'Custom', customClaimTypeId: 5 },
  ];

  it('maps to SDK claims with enum types and scopes', () => {
    expect(toSdkClaim(claims[0]!)).toEqual({
      type: ClaimType.Accredited,
      scope: { type: ScopeType.Asset, value: assetId },
    });
    expect(toSdkClaim(claims[3]!)).toEqual({
      type: ClaimType.Jurisdiction,
      code: 'Us',
      scope: { type: ScopeType.Asset, value: assetId },
    });
    expect(toSdkClaim(claims[5]!)).toEqual({ type: ClaimType.CustomerDueDiligence, id: DEFAULT_CDD_ID });
    const custom = toSdkClaim(claims[6]!);
    expect(custom.type).toBe(ClaimType.Custom);
    expect('customClaimTypeId' in custom && custom.customClaimTypeId.toNumber()).toBe(4);
  });

  it('round-trips every claim shape', () => {
    for (const c of claims) expect(fromSdkClaim(toSdkClaim(c))).toEqual(c);
  });

  it('maps trusted issuers and refuses Custom without a type id', () => {
    expect(toSdkTrustedIssuer({ identity: issuer, trustedFor: ['Accredited', 'Jurisdiction'] })).toEqual({
      identity: issuer,
      trustedFor: [ClaimType.Accredited, ClaimType.Jurisdiction],
    });
    expect(toSdkTrustedIssuer({ identity: issuer, trustedFor: null })).toEqual({
      identity: issuer,
      trustedFor: null,
    });
    expect(() => toSdkTrustedIssuer({ identity: issuer, trustedFor: ['Custom'] })).toThrow(LedgerError);
  });
});

describe('compliance conditions', () => {
  it('maps each condition type with target and condition-level issuers', () => {
    const kyc: Claim = { type: 'KnowYourCustomer', scope: { type: 'Asset', value: assetId } };
    const condition: Condition = {
      type: 'IsPresent',
      claim: kyc,
      target: 'Both',
      trustedClaimIssuers: [{ identity: issuer, trustedFor: ['KnowYourCustomer'] }],
    };
    expect(toSdkCondition(condition)).toEqual({
      type: ConditionType.IsPresent,
      target: ConditionTarget.Both,
      claim: toSdkClaim(kyc),
      trustedClaimIssuers: [{ identity: issuer, trustedFor: [ClaimType.KnowYourCustomer] }],
    });
    expect(toSdkCondition({ type: 'IsNoneOf', claims: [kyc], target: 'Receiver' })).toEqual({
      type: ConditionType.IsNoneOf,
      target: ConditionTarget.Receiver,
      claims: [toSdkClaim(kyc)],
    });
    expect(toSdkCondition({ type: 'IsIdentity', identity: holder, target: 'Sender' })).toEqual({
      type: ConditionType.IsIdentity,
      target: ConditionTarget.Sender,
      identity: holder,
    });
    expect(toSdkCondition({ type: 'IsExternalAgent', target: 'Receiver' })).toEqual({
      type: ConditionType.IsExternalAgent,
      target: ConditionTarget.Receiver,
    });
  });

  it('reads SDK requirements back into port conditions', () => {
    const conditions: SdkCondition[] = [
      {
        type: ConditionType.IsAbsent,
        target: ConditionTarget.Receiver,
        claim: { type: ClaimType.Blocked, scope: { type: ScopeType.Asset, value: assetId } },
        trustedClaimIssuers: [{ identity: identity(issuer), trustedFor: null }],
      },
      { type: ConditionType.IsIdentity, target: ConditionTarget.Sender, identity: identity(holder) },
      {
        type: ConditionType.IsAnyOf,
        target: ConditionTarget.Both,
        claims: [{ type: ClaimType.Accredited, scope: { type: ScopeType.Asset, value: assetId } }],
        trustedClaimIssuers: [],
      },
    ];
    expect(fromSdkRequirement({ id: new BigNumber(2), conditions })).toEqual({
      id: 2,
      conditions: [
        {
          type: 'IsAbsent',
          target: 'Receiver',
          claim: { type: 'Blocked', scope: { type: 'Asset', value: assetId } },
          trustedClaimIssuers: [{ identity: issuer, trustedFor: null }],
        },
        { type: 'IsIdentity', target: 'Sender', identity: holder },
        {
          type: 'IsAnyOf',
          target: 'Both',
          claims: [{ type: 'Accredited', scope: { type: 'Asset', value: assetId } }],
        },
      ],
    });
    expect(fromSdkCondition({ type: ConditionType.IsExternalAgent, target: ConditionTarget.Sender })).toEqual(
      {
        type: 'IsExternalAgent',
        target: 'Sender',
      },
    );
  });
});
