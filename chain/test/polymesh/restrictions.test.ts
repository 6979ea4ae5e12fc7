import { TypeRegistry } from '@polkadot/types';
import {
  ClaimType,
  ConditionTarget,
  ConditionType,
  ScopeType,
  TransferError,
  TransferRestrictionType,
  type Identity,
  type TransferBreakdown as SdkTransferBreakdown,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import type { StatKey, TransferCondition } from '../../src/types.js';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import { toJson } from '../../src/polymesh/mappers/json.js';
import {
  fromChainStatKey,
  fromChainStatType,
  fromChainTransferCondition,
  fromSdkRestriction,
  toChainExemptKey,
  toChainStatKey,
  toChainStatType,
  toChainTransferCondition,
} from '../../src/polymesh/mappers/restrictions.js';
import { fromSdkTransferBreakdown, fromSdkTransferErrors } from '../../src/polymesh/mappers/transfer.js';

const issuer = `0x${'11'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';
const identity = (did: string) => ({ did }) as Identity;

/** Chain types as in Polymesh 7 metadata, to check that the chain-form arguments encode and decode. */
const registry = new TypeRegistry();
registry.register({
  CountryCode: { _enum: ['AF', 'DE', 'GB', 'US'] },
  ClaimType: { _enum: { Accredited: 'Null', Affiliate: 'Null', Jurisdiction: 'Null', Custom: 'u32' } },
  StatOpType: { _enum: ['Count', 'Balance'] },
  StatType: { operationType: 'StatOpType', claimIssuer: 'Option<(ClaimType, [u8;32])>' },
  StatClaim: { _enum: { Accredited: 'bool', Affiliate: 'bool', Jurisdiction: 'Option<CountryCode>' } },
  Stat2ndKey: { _enum: { NoClaimStat: 'Null', Claim: 'StatClaim' } },
  TransferCondition: {
    _enum: {
      MaxInvestorCount: 'u64',
      MaxInvestorOwnership: 'u32',
      ClaimCount: '(StatClaim, [u8;32], u64, Option<u64>)',
      ClaimOwnership: '(StatClaim, [u8;32], u32, u32)',
    },
  },
  ExemptKey: { assetId: '[u8;16]', op: 'StatOpType', claimType: 'Option<ClaimType>' },
});

describe('statistics and transfer conditions (chain form)', () => {
  const conditions: TransferCondition[] = [
    { type: 'MaxInvestorCount', count: 4 },
    { type: 'MaxInvestorOwnership', percentage: '12.5' },
    { type: 'ClaimCount', claim: { type: 'Accredited', accredited: true }, issuer, min: 0, max: 99 },
    { type: 'ClaimCount', claim: { type: 'Jurisdiction', countryCode: 'Us' }, issuer, min: 1 },
    {
      type: 'ClaimOwnership',
      claim: { type: 'Affiliate', affiliate: false },
      issuer,
      min: '0',
      max: '49.9999',
    },
  ];

  it('encodes percentages as Permill and countries as chain variants', () => {
    expect(toChainTransferCondition(conditions[1]!)).toEqual({ MaxInvestorOwnership: 125_000 });
    expect(toChainTransferCondition(conditions[3]!)).toEqual({
      ClaimCount: [{ Jurisdiction: 'US' }, issuer, 1, null],
    });
  });

  it('round-trips conditions through the chain codec and the sanitiser', () => {
    for (const c of conditions) {
      const codec = registry.createType('TransferCondition', toChainTransferCondition(c));
      expect(fromChainTransferCondition(toJson(codec))).toEqual(c);
    }
  });

  it('round-trips stat types, stat keys and exemption keys', () => {
    const stats = [
      { op: 'Count' as const },
      { op: 'Balance' as const, claimIssuer: { claimType: 'Jurisdiction' as const, issuer } },
    ];
    for (const s of stats)
      expect(fromChainStatType(toJson(registry.createType('StatType', toChainStatType(s))))).toEqual(s);
    const keys: StatKey[] = [
      { type: 'NoClaimStat' },
      { type: 'Accredited', value: true },
      { type: 'Affiliate', value: false },
      { type: 'Jurisdiction', value: 'Gb' },
      { type: 'Jurisdiction', value: null },
    ];
    for (const k of keys)
      expect(fromChainStatKey(toJson(registry.createType('Stat2ndKey', toChainStatKey(k))))).toEqual(k);
    const exempt = toChainExemptKey(assetId, { op: 'Count', claimType: 'Accredited' });
    expect(exempt).toEqual({
      assetId: '0x67e5504410b1426f9247bb680e5fe0c8',
      op: 'Count',
      claimType: 'Accredited',
    });
    expect(toJson(registry.createType('ExemptKey', exempt))).toEqual({ ...exempt, assetId });
  });
});

describe('canTransfer breakdown', () => {
  it('orders general errors as Polymesh does and names them as the chain does', () => {
    expect(
      fromSdkTransferErrors([
        TransferError.ComplianceFailure,
        TransferError.InvalidReceiverCdd,
        TransferError.SelfTransfer,
        TransferError.TransferNotAllowed,
        TransferError.InvalidSenderPortfolio,
        TransferError.InvalidReceiverPortfolio,
      ]),
    ).toEqual([
      'InvalidTransferSenderIdMatchesReceiverId',
      'PortfolioDoesNotExist',
      'InvalidTransferInvalidReceiverCDD',
      'InvalidTransferStatisticsFailure',
      'InvalidTransferComplianceFailure',
    ]);
  });

  it('maps requirements, conditions and restrictions', () => {
    const sdk: SdkTransferBreakdown = {
      general: [TransferError.TransferNotAllowed],
      compliance: {
        complies: true,
        requirements: [
          {
            id: new BigNumber(1),
            complies: true,
            conditions: [
              {
                complies: true,
                condition: {
                  type: ConditionType.IsPresent,
                  target: ConditionTarget.Receiver,
                  claim: {
                    type: ClaimType.KnowYourCustomer,
                    scope: { type: ScopeType.Asset, value: assetId },
                  },
                  trustedClaimIssuers: [
                    { identity: identity(issuer), trustedFor: [ClaimType.KnowYourCustomer] },
                  ],
                },
              },
            ],
          },
        ],
      },
      restrictions: [
        // SDK 29 marks every (failing, non-exempt) restriction `result: true`.
        { restriction: { type: TransferRestrictionType.Count, value: new BigNumber(4) }, result: true },
        {
          restriction: {
            type: TransferRestrictionType.ClaimPercentage,
            value: {
              min: new BigNumber(0),
              max: new BigNumber('10.5'),
              issuer: identity(issuer),
              claim: { type: ClaimType.Accredited, accredited: true },
            },
          },
          result: true,
        },
      ],
      result: false,
    };
    expect(fromSdkTransferBreakdown(sdk, false)).toEqual({
      general: ['InvalidTransferStatisticsFailure'],
      compliance: {
        paused: false,
        complies: true,
        requirements: [
          {
            id: 1,
            complies: true,
            conditions: [
              {
                complies: true,
                condition: {
                  type: 'IsPresent',
                  target: 'Receiver',
                  claim: { type: 'KnowYourCustomer', scope: { type: 'Asset', value: assetId } },
                  trustedClaimIssuers: [{ identity: issuer, trustedFor: ['KnowYourCustomer'] }],
                },
              },
            ],
          },
        ],
      },
      restrictions: [
        { restriction: { type: 'MaxInvestorCount', count: 4 }, result: false },
        {
          restriction: {
            type: 'ClaimOwnership',
            claim: { type: 'Accredited', accredited: true },
            issuer,
            min: '0',
            max: '10.5',
          },
          result: false,
        },
      ],
      result: false,
    });
  });

  it('reads ClaimCount restrictions with and without max', () => {
    const base = {
      min: new BigNumber(1),
      issuer: identity(issuer),
      claim: { type: ClaimType.Jurisdiction as const, countryCode: undefined },
    };
    expect(fromSdkRestriction({ type: TransferRestrictionType.ClaimCount, value: base })).toEqual({
      type: 'ClaimCount',
      claim: { type: 'Jurisdiction' },
      issuer,
      min: 1,
    });
    expect(
      fromSdkRestriction({
        type: TransferRestrictionType.ClaimCount,
        value: { ...base, max: new BigNumber(3) },
      }),
    ).toMatchObject({
      max: 3,
    });
  });
});
