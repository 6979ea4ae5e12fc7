import { TypeRegistry } from '@polkadot/types';
import { describe, expect, it } from 'vitest';
import { eventFieldNames, normaliseEvent } from '../../src/polymesh/mappers/events.js';

const registry = new TypeRegistry();
const did = `0x${'ab'.repeat(32)}`;
const assetHex = '0x67e5504410b1426f9247bb680e5fe0c8';

describe('eventFieldNames', () => {
  it('prefers metadata names, then the Polymesh table, then positions', () => {
    expect(eventFieldNames('sto', 'Invested', ['investorDid', 'offeringAsset'], 2)).toEqual([
      'investorDid',
      'offeringAsset',
    ]);
    expect(eventFieldNames('identity', 'DidCreated', [null, null, null], 3)).toEqual([
      'did',
      'primaryKey',
      'secondaryKeys',
    ]);
    expect(eventFieldNames('unknownPallet', 'Thing', [null, null], 2)).toEqual(['arg0', 'arg1']);
    expect(eventFieldNames('system', 'Remarked', ['sender', 'hash_'], 2)).toEqual(['sender', 'hash']);
  });
});

describe('normaliseEvent', () => {
  it('names AssetBalanceUpdated fields and renders amounts as Decimal', () => {
    const event = normaliseEvent(
      {
        module: 'asset',
        name: 'AssetBalanceUpdated',
        fieldNames: [null, null, null, null, null, null],
        values: [
          registry.createType('[u8;32]', did),
          registry.createType('[u8;16]', assetHex),
          registry.createType('u128', '2500000'),
          registry.createType('Option<u64>', null),
          registry.createType('Option<u64>', null),
          registry.createType('Text', 'Issued'),
        ],
      },
      12,
      3,
      '0xfeed',
    );
    expect(event).toEqual({
      block: 12,
      index: 3,
      module: 'asset',
      name: 'AssetBalanceUpdated',
      txHash: '0xfeed',
      data: {
        did,
        assetId: '67e55044-10b1-426f-9247-bb680e5fe0c8',
        amount: '2.5',
        from: null,
        to: null,
        reason: 'Issued',
      },
    });
  });

  it('renders moments as ISO timestamps and portfolio ids as port refs', () => {
    const event = normaliseEvent(
      {
        module: 'settlement',
        name: 'InstructionCreated',
        fieldNames: Array(8).fill(null),
        values: [
          did,
          null,
          '7',
          'SettleOnAffirmation',
          registry.createType('Option<u64>', 0),
          null,
          [{ Fungible: { sender: { did, kind: { User: '2' } }, receiver: { did, kind: 'Default' } } }],
          null,
        ],
      },
      5,
      1,
    );
    expect(event.data.tradeDate).toBe('1970-01-01T00:00:00.000Z');
    expect(event.data.valueDate).toBeNull();
    expect(event.data.legs).toEqual([{ Fungible: { sender: { did, number: 2 }, receiver: { did } } }]);
  });

  it('keeps statistics values raw (they are counts as often as balances)', () => {
    const event = normaliseEvent(
      {
        module: 'statistics',
        name: 'AssetStatsUpdated',
        fieldNames: [null, null, null, null],
        values: [did, assetHex, 'Count', [registry.createType('u128', 4)]],
      },
      1,
      0,
    );
    expect(event.data.updates).toEqual(['4']);
    expect(event.txHash).toBeUndefined();
  });
});
