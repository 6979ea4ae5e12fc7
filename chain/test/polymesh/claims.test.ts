import {
  ClaimType,
  ConditionTarget,
  ConditionType,
  CountryCode,
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
  toChainClaim,
  toChainScope,
  toChainTrustedIssuer,
} from '../../src/polymesh/mappers/claims.js';
import {
  fromSdkCondition,
  fromSdkRequirement,
  toChainCondition,
  toChainConditions,
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

  const assetHex = '0x67e5504410b1426f9247bb680e5fe0c8';

  it('maps to the chain Claim enum: scopes, country variants, CDD ids, custom claims', () => {
    expect(toChainClaim(claims[0]!)).toEqual({ Accredited: { Asset: assetHex } });
    expect(toChainClaim(claims[1]!)).toEqual({ KnowYourCustomer: { Identity: issuer } });
    expect(toChainClaim(claims[2]!)).toEqual({ Blocked: { Custom: '0x7265672d73' } });
    expect(toChainClaim(claims[3]!)).toEqual({ Jurisdiction: ['US', { Asset: assetHex }] });
    expect(toChainClaim(claims[4]!)).toEqual({ CustomerDueDiligence: `0x${'33'.repeat(32)}` });
    expect(toChainClaim(claims[5]!)).toEqual({ CustomerDueDiligence: DEFAULT_CDD_ID });
    expect(toChainClaim(claims[6]!)).toEqual({ Custom: [4, { Asset: assetHex }] });
    expect(toChainClaim(claims[7]!)).toEqual({ Custom: [5, null] });
  });

  it('refuses a custom scope longer than 32 bytes (CustomScopeTooLong)', () => {
    expect(() => toChainScope({ type: 'Custom', value: 'x'.repeat(33) })).toThrow(
      expect.objectContaining({ code: 'CustomScopeTooLong' }),
    );
  });

  it('reads SDK claims back into port claims', () => {
    const asset = { type: ScopeType.Asset, value: assetId };
    expect(fromSdkClaim({ type: ClaimType.Accredited, scope: asset })).toEqual(claims[0]);
    expect(fromSdkClaim({ type: ClaimType.Jurisdiction, code: CountryCode.Us, scope: asset })).toEqual(
      claims[3],
    );
    expect(fromSdkClaim({ type: ClaimType.CustomerDueDiligence, id: DEFAULT_CDD_ID })).toEqual(claims[5]);
    expect(
      fromSdkClaim({ type: ClaimType.Custom, customClaimTypeId: new BigNumber(4), scope: asset }),
    ).toEqual(claims[6]);
  });

  it('maps trusted issuers and refuses Custom without a type id', () => {
    expect(toChainTrustedIssuer({ identity: issuer, trustedFor: ['Accredited', 'Jurisdiction'] })).toEqual({
      issuer,
      trustedFor: { Specific: ['Accredited', 'Jurisdiction'] },
    });
    expect(toChainTrustedIssuer({ identity: issuer, trustedFor: null })).toEqual({
      issuer,
      trustedFor: 'Any',
    });
    expect(() => toChainTrustedIssuer({ identity: issuer, trustedFor: ['Custom'] })).toThrow(LedgerError);
  });
});

describe('compliance conditions', () => {
  const kyc: Claim = { type: 'KnowYourCustomer', scope: { type: 'Asset', value: assetId } };
  it('maps each condition type; IsExternalAgent is IsIdentity(ExternalAgent) on chain', () => {
    const condition: Condition = {
      type: 'IsPresent',
      claim: kyc,
      target: 'Both',
      trustedClaimIssuers: [{ identity: issuer, trustedFor: ['KnowYourCustomer'] }],
    };
    expect(toChainCondition(condition)).toEqual({
      conditionType: { IsPresent: toChainClaim(kyc) },
      issuers: [{ issuer, trustedFor: { Specific: ['KnowYourCustomer'] } }],
    });
    expect(toChainCondition({ type: 'IsNoneOf', claims: [kyc], target: 'Receiver' })).toEqual({
      conditionType: { IsNoneOf: [toChainClaim(kyc)] },
      issuers: [],
    });
    expect(
      toChainCondition({ type: 'IsIdentity', identity: holder, target: 'Sender' }).conditionType,
    ).toEqual({
      IsIdentity: { Specific: holder },
    });
    expect(toChainCondition({ type: 'IsExternalAgent', target: 'Receiver' }).conditionType).toEqual({
      IsIdentity: 'ExternalAgent',
    });
  });

  it('puts Both conditions in the sender and the receiver lists, as the SDK does', () => {
    const { senderConditions, receiverConditions } = toChainConditions([
      { type: 'IsPresent', claim: kyc, target: 'Both' },
      { type: 'IsIdentity', identity: holder, target: 'Sender' },
      { type: 'IsAbsent', claim: kyc, target: 'Receiver' },
    ]);
    expect(senderConditions.map((c) => Object.keys(c.conditionType)[0])).toEqual(['IsPresent', 'IsIdentity']);
    expect(receiverConditions.map((c) => Object.keys(c.conditionType)[0])).toEqual(['IsPresent', 'IsAbsent']);
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
