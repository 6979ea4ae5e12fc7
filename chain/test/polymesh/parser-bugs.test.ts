/*
 * The four parser bugs of issue 12, each on a fixture shaped exactly like what a Polymesh 7.0
 * node (or SDK 29.0.1) hands the adapter.
 */
import { createRequire } from 'node:module';
import type * as KeyringModule from '@polkadot/keyring';
import type * as UtilCrypto from '@polkadot/util-crypto';
import {
  TransferRestrictionType,
  type TransferBreakdown as SdkTransferBreakdown,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { receiptMessage } from '../../src/receipts.js';
import { prepare, type DispatchContext } from '../../src/polymesh/dispatch/index.js';
import { fundraiserCreated, investResult } from '../../src/polymesh/dispatch/sto.js';
import { tickerExpiry } from '../../src/polymesh/dispatch/asset.js';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import { toChainReceiptSignature } from '../../src/polymesh/mappers/settlement.js';
import { fromSdkTransferBreakdown } from '../../src/polymesh/mappers/transfer.js';
import { ALICE, DID_A, DID_B, reads } from './support/examples.js';
import { ASSET_ID, chainEvent, DID } from './support/events.js';
import { fakeTx, type CallLog } from './support/fake-tx.js';
import type { BuiltCall } from './support/registry.js';

const require = createRequire(import.meta.url);
const { Keyring } = require('@polkadot/keyring') as typeof KeyringModule;
const { cryptoWaitReady } = require('@polkadot/util-crypto') as typeof UtilCrypto;

const OFFERING = '0x67e5504410b1426f9247bb680e5fe0c8';
const RAISING = '0x0c8e1a5f2d3b8a4c9e5f6a7b8c9d0e1f';
const portfolio = { did: DID_A, kind: 'Default' };

describe('(a) ticker reservation: TickerRegistered(IdentityId, Ticker, Option<Moment>)', () => {
  const expiryMs = Date.UTC(2027, 0, 30, 12, 0, 0);
  const event = () =>
    chainEvent('asset', 'TickerRegistered', [
      [null, DID, DID_A],
      [null, 'PolymeshPrimitivesTicker', `0x${Buffer.from('ACME'.padEnd(12, '\0')).toString('hex')}`],
      [null, 'Option<u64>', expiryMs],
    ]);

  it('the event mapper already gives the expiry as ISO-8601; the result keeps it (no Date(Number(iso)))', () => {
    const events = [event()];
    expect(events[0]?.data).toMatchObject({ ticker: 'ACME', expiry: '2027-01-30T12:00:00.000Z' });
    expect(tickerExpiry(events)).toEqual({ expiry: '2027-01-30T12:00:00.000Z' });
  });

  it('asset.registerUniqueTicker reads its result from that receipt', async () => {
    const ctx: DispatchContext = { tx: fakeTx(7_000_000), signer: ALICE, specVersion: 7_000_000, reads };
    const prepared = await prepare(ctx, { name: 'asset.registerUniqueTicker', args: { ticker: 'ACME' } });
    expect(prepared.result([event()], { translate: () => new Error('unused') as never })).toEqual({
      expiry: '2027-01-30T12:00:00.000Z',
    });
  });
});

describe('(b) offerings: 7.0 sto events are unnamed tuples', () => {
  const created = () =>
    chainEvent('sto', 'FundraiserCreated', [
      [null, DID, DID_A],
      [null, 'u64', 3],
      [null, 'Bytes', 'Seed round'],
      [
        null,
        'PalletStoFundraiser',
        {
          creator: DID_A,
          offeringPortfolio: portfolio,
          offeringAsset: OFFERING,
          raisingPortfolio: portfolio,
          raisingAsset: RAISING,
          tiers: [{ total: 1_000_000_000, price: 1_500_000, remaining: 1_000_000_000 }],
          venueId: 2,
          start: 1_780_000_000_000,
          end: null,
          status: 'Live',
          minimumInvestment: 0,
        },
      ],
    ]);
  const invested = () =>
    chainEvent('sto', 'Invested', [
      [null, DID, DID_B],
      [null, 'u64', 3],
      [null, ASSET_ID, OFFERING],
      [null, ASSET_ID, RAISING],
      [null, 'u128', 20_000_000],
      [null, 'u128', 30_000_000],
    ]);
  const instructionCreated = () =>
    chainEvent('settlement', 'InstructionCreated', [
      [null, DID, DID_A],
      [null, 'Option<u64>', 2],
      [null, 'u64', 41],
      [null, 'PolymeshPrimitivesSettlementSettlementType', 'SettleOnAffirmation'],
      [null, 'Option<u64>', null],
      [null, 'Option<u64>', null],
      [null, 'Vec<PolymeshPrimitivesSettlementLeg>', []],
      [null, 'Option<PolymeshPrimitivesMemo>', null],
    ]);

  it('FundraiserCreated(did, fundraiserId, name, fundraiser) names its fields', () => {
    const [e] = [created()];
    expect(e?.data).toMatchObject({ did: DID_A, fundraiserId: '3', fundraiserName: 'Seed round' });
    expect(fundraiserCreated([created()])).toEqual({ fundraiserId: 3 });
  });

  it('Invested(did, fundraiserId, offering, raising, offeringAmount, raiseAmount): cost is the raise amount', () => {
    expect(invested().data).toMatchObject({ fundraiserId: '3', offeringAmount: '20', raiseAmount: '30' });
    expect(investResult([instructionCreated(), invested()])).toEqual({ instructionId: 41, cost: '30' });
  });

  it('the other 7.0 sto events name the fundraiser too', () => {
    const e = chainEvent('sto', 'FundraiserWindowModified', [
      [null, 'PolymeshPrimitivesEventOnly', DID_A],
      [null, 'u64', 3],
      [null, 'u64', 1_780_000_000_000],
      [null, 'Option<u64>', null],
      [null, 'u64', 1_790_000_000_000],
      [null, 'Option<u64>', 1_800_000_000_000],
    ]);
    expect(e.data).toMatchObject({
      fundraiserId: '3',
      oldStart: new Date(1_780_000_000_000).toISOString(),
      oldEnd: null,
      newEnd: new Date(1_800_000_000_000).toISOString(),
    });
    const closed = chainEvent('sto', 'FundraiserClosed', [
      [null, DID, DID_A],
      [null, 'u64', 3],
    ]);
    expect(closed.data).toEqual({ did: DID_A, fundraiserId: '3' });
  });
});

describe('(c) canTransfer: SDK 29 lists only failing restrictions, each with result: true', () => {
  // The shape of SDK 29.0.1 utils/conversion `transferReportToTransferBreakdown`: the chain's
  // `transferRestrictionsReport` already dropped exempt conditions; the SDK maps each left
  // (failing) one to `{ restriction, result: true }` and the breakdown's result to false.
  const breakdown = {
    general: [],
    compliance: { requirements: [], complies: true },
    restrictions: [
      { restriction: { type: TransferRestrictionType.Count, value: new BigNumber(10) }, result: true },
      { restriction: { type: TransferRestrictionType.Percentage, value: new BigNumber(12.5) }, result: true },
    ],
    result: false,
  } as unknown as SdkTransferBreakdown;

  it('reports each as failing and not exempt', () => {
    const port = fromSdkTransferBreakdown(breakdown, false);
    expect(port.restrictions).toEqual([
      { restriction: { type: 'MaxInvestorCount', count: 10 }, result: false },
      { restriction: { type: 'MaxInvestorOwnership', percentage: '12.5' }, result: false },
    ]);
    expect(port.result).toBe(false);
  });
});

describe('(d) receipts: the MultiSignature of the key type that signed', () => {
  beforeAll(async () => {
    await cryptoWaitReady();
  });
  const leg = { uid: 9, instructionId: 7, legId: 1, from: DID_B, to: DID_A, ticker: 'USD', amount: '25.5' };

  for (const type of ['sr25519', 'ed25519', 'ecdsa'] as const) {
    it(`a ${type} venue signer's receipt goes as ${type}`, async () => {
      const pair = new Keyring({ type, ss58Format: 42 }).addFromUri(`//Venue-${type}`);
      const value = `0x${Buffer.from(pair.sign(receiptMessage(leg))).toString('hex')}`;
      const variant = ({ sr25519: 'Sr25519', ed25519: 'Ed25519', ecdsa: 'Ecdsa' } as const)[type];
      // The port's signature names its key type (the chain verifies it with that type only).
      expect(toChainReceiptSignature({ type: variant, value })).toEqual({ [variant]: value });

      const log: CallLog = [];
      const ctx: DispatchContext = {
        tx: fakeTx(7_000_000, log),
        signer: ALICE,
        specVersion: 7_000_000,
        reads,
      };
      await prepare(ctx, {
        name: 'settlement.affirmWithReceipts',
        args: {
          id: 7,
          receipts: [{ uid: 9, legId: 1, signer: pair.address, signature: { type: variant, value } }],
        },
      });
      const [call] = log as [BuiltCall];
      expect((call.args[1] as { signature: unknown }[])[0]?.signature).toEqual({ [variant]: value });
    });
  }
});
