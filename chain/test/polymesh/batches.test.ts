import { describe, expect, it } from 'vitest';
import type { LedgerCall } from '../../src/calls.js';
import { prepare, type DispatchContext, type ResultContext } from '../../src/polymesh/dispatch/index.js';
import { callTree } from '../../src/polymesh/blocks.js';
import { resultOfChainCall } from '../../src/polymesh/dispatch/results.js';
import { fromDispatchError, type FindMetaError } from '../../src/polymesh/errors.js';
import { ALICE, ASSET, DID_A, NEXT_ASSET, reads } from './support/examples.js';
import { ASSET_ID, chainEvent, DID, utilityEvents as u } from './support/events.js';
import { fakeTx, type CallLog } from './support/fake-tx.js';
import type { BuiltCall } from './support/registry.js';

/** Module errors as the 7.0 runtime metadata would name them: (pallet index, error index). */
const findMetaError: FindMetaError = (index, error) => {
  const names: Record<string, [string, string]> = {
    '12:14': ['asset', 'InvalidGranularity'],
    '12:3': ['asset', 'TickerAlreadyRegistered'],
  };
  const [section, name] = names[`${index}:${error[0]}`] ?? ['unknown', 'Unknown'];
  return { section, name, docs: [] };
};
const results: ResultContext = {
  translate: (e, other) => fromDispatchError(e as never, findMetaError, other),
};
const granularity = { Module: { index: 12, error: '0x0e000000' } };

function ctx(log: CallLog): DispatchContext {
  return { tx: fakeTx(7_000_000, log), signer: ALICE, specVersion: 7_000_000, reads };
}

const remark: LedgerCall = { name: 'system.remark', args: { remark: 'anchor' } };
const issue: LedgerCall = { name: 'asset.issue', args: { assetId: ASSET, amount: '1.5' } };
const createWithTicker: LedgerCall = {
  name: 'asset.createAsset',
  args: { name: 'Bond', assetType: 'FixedIncome', divisible: true, ticker: 'BOND' },
};

const remarked = (hash: string) =>
  chainEvent('system', 'Remarked', [
    ['sender', 'AccountId32', ALICE],
    ['hash', 'H256', hash],
  ]);
const issued = () =>
  chainEvent('asset', 'AssetBalanceUpdated', [
    [null, DID, DID_A],
    [null, ASSET_ID, '0x67e5504410b1426f9247bb680e5fe0c8'],
    [null, 'u128', 1_500_000],
    [null, 'Option<PolymeshPrimitivesIdentityIdPortfolioId>', null],
    [null, 'Option<PolymeshPrimitivesIdentityIdPortfolioId>', { did: DID_A, kind: 'Default' }],
    [null, 'PolymeshPrimitivesPortfolioPortfolioUpdateReason', { Issued: { fundingRoundName: null } }],
  ]);
const assetCreated = () =>
  chainEvent('asset', 'AssetCreated', [
    [null, DID, DID_A],
    [null, ASSET_ID, `0x${NEXT_ASSET.replace(/-/g, '')}`],
    [null, 'bool', true],
    [null, 'PolymeshPrimitivesAssetAssetType', 'FixedIncome'],
    [null, DID, DID_A],
    [null, 'Bytes', 'Bond'],
    [null, 'Vec<PolymeshPrimitivesAssetIdentifier>', []],
    [null, 'Option<Bytes>', null],
  ]);
const HASH = `0x${'5a'.repeat(32)}`;

describe('utility batches are built from the prepared inner calls', () => {
  it('batchAll flattens the inner chain calls (a nested batch_all would be filtered)', async () => {
    const log: CallLog = [];
    const p = await prepare(ctx(log), {
      name: 'utility.batchAll',
      args: { calls: [remark, createWithTicker] },
    });
    const [outer] = p.calls as unknown as BuiltCall[];
    expect(outer?.method).toBe('batchAll');
    const inner = (outer?.args[0] as BuiltCall[]).map((c) => `${c.section}.${c.method}`);
    expect(inner).toEqual([
      'system.remarkWithEvent',
      'asset.createAsset',
      'asset.registerUniqueTicker',
      'asset.linkTickerToAssetId',
    ]);
  });

  it('batch and forceBatch keep one item per port call (several chain calls go as a nested batch_all)', async () => {
    for (const mode of ['utility.batch', 'utility.forceBatch'] as const) {
      const log: CallLog = [];
      const p = await prepare(ctx(log), { name: mode, args: { calls: [remark, createWithTicker] } });
      const [outer] = p.calls as unknown as BuiltCall[];
      const inner = outer?.args[0] as BuiltCall[];
      expect(inner.map((c) => `${c.section}.${c.method}`)).toEqual([
        'system.remarkWithEvent',
        'utility.batchAll',
      ]);
      expect((inner[1]?.args[0] as BuiltCall[]).map((c) => c.method)).toEqual([
        'createAsset',
        'registerUniqueTicker',
        'linkTickerToAssetId',
      ]);
    }
  });

  it('refuses more calls than Polymesh allows (TooManyCalls) before sending', async () => {
    const calls = Array.from({ length: 10_923 }, () => remark);
    await expect(prepare(ctx([]), { name: 'utility.batch', args: { calls } })).rejects.toMatchObject({
      code: 'TooManyCalls',
    });
  });
});

describe('batch results read from 7.0 receipts, per item as the embedded ledger returns them', () => {
  it('batch: earlier items kept, the failing one reported from BatchInterrupted, later ones absent', async () => {
    const p = await prepare(ctx([]), { name: 'utility.batch', args: { calls: [remark, issue, remark] } });
    const events = [remarked(HASH), u.itemCompleted(), u.interrupted(1, granularity)];
    expect(p.result(events, results)).toEqual({
      items: [
        { ok: true, result: { hash: HASH } },
        { ok: false, error: { code: 'InvalidGranularity', message: 'asset.InvalidGranularity' } },
      ],
    });
  });

  it('batch: every item completed, then BatchCompleted', async () => {
    const p = await prepare(ctx([]), { name: 'utility.batch', args: { calls: [issue, remark] } });
    const events = [issued(), u.itemCompleted(), remarked(HASH), u.itemCompleted(), u.completed()];
    expect(p.result(events, results)).toEqual({
      items: [
        { ok: true, result: null },
        { ok: true, result: { hash: HASH } },
      ],
    });
  });

  it('forceBatch: ItemFailed items fail alone; BatchCompletedWithErrors closes', async () => {
    const p = await prepare(ctx([]), { name: 'utility.forceBatch', args: { calls: [issue, remark, issue] } });
    const events = [
      u.itemFailed(granularity),
      remarked(HASH),
      u.itemCompleted(),
      issued(),
      u.itemCompleted(),
      u.completedWithErrors(),
    ];
    expect(p.result(events, results)).toEqual({
      items: [
        { ok: false, error: { code: 'InvalidGranularity', message: 'asset.InvalidGranularity' } },
        { ok: true, result: { hash: HASH } },
        { ok: true, result: null },
      ],
    });
  });

  it('forceBatch: a several-call item that failed as a whole (its nested batch_all reverted)', async () => {
    const p = await prepare(ctx([]), {
      name: 'utility.forceBatch',
      args: { calls: [createWithTicker, remark] },
    });
    const events = [
      u.itemFailed({ Module: { index: 12, error: '0x03000000' } }),
      remarked(HASH),
      u.itemCompleted(),
      u.completedWithErrors(),
    ];
    expect(p.result(events, results)).toEqual({
      items: [
        { ok: false, error: { code: 'TickerAlreadyRegistered', message: 'asset.TickerAlreadyRegistered' } },
        { ok: true, result: { hash: HASH } },
      ],
    });
  });

  it('forceBatch: a several-call item that succeeded, its nested batch_all markers inside it', async () => {
    const p = await prepare(ctx([]), {
      name: 'utility.forceBatch',
      args: { calls: [createWithTicker, remark] },
    });
    const events = [
      assetCreated(),
      u.itemCompleted(),
      u.itemCompleted(),
      u.itemCompleted(),
      u.completed(),
      u.itemCompleted(),
      remarked(HASH),
      u.itemCompleted(),
      u.completed(),
    ];
    expect(p.result(events, results)).toEqual({
      items: [
        { ok: true, result: { assetId: NEXT_ASSET } },
        { ok: true, result: { hash: HASH } },
      ],
    });
  });

  it('batchAll: the results of every call, a several-call item reading its own chain items', async () => {
    const p = await prepare(ctx([]), {
      name: 'utility.batchAll',
      args: { calls: [createWithTicker, remark] },
    });
    const events = [
      assetCreated(),
      u.itemCompleted(),
      u.itemCompleted(),
      u.itemCompleted(),
      remarked(HASH),
      u.itemCompleted(),
      u.completed(),
      chainEvent('transactionPayment', 'TransactionFeePaid', [
        ['who', 'AccountId32', ALICE],
        ['actualFee', 'u128', 338_523],
        ['tip', 'u128', 0],
      ]),
    ];
    expect(p.result(events, results)).toEqual({ results: [{ assetId: NEXT_ASSET }, { hash: HASH }] });
  });

  it('a nested batch inside a batch keeps its own items', async () => {
    const nested: LedgerCall = { name: 'utility.batch', args: { calls: [remark, issue] } };
    const p = await prepare(ctx([]), { name: 'utility.batch', args: { calls: [nested, remark] } });
    const events = [
      remarked(HASH),
      u.itemCompleted(),
      u.interrupted(1, granularity),
      u.itemCompleted(),
      remarked(HASH),
      u.itemCompleted(),
      u.completed(),
    ];
    expect(p.result(events, results)).toEqual({
      items: [
        {
          ok: true,
          result: {
            items: [
              { ok: true, result: { hash: HASH } },
              { ok: false, error: { code: 'InvalidGranularity', message: 'asset.InvalidGranularity' } },
            ],
          },
        },
        { ok: true, result: { hash: HASH } },
      ],
    });
  });

  it('a receipt without the batch markers is unreadable, not silently empty', async () => {
    const p = await prepare(ctx([]), { name: 'utility.batch', args: { calls: [remark] } });
    expect(() => p.result([remarked(HASH)], results)).toThrow(/Unreadable batch receipt/);
  });
});

describe('findTransaction reads the same results back from the chain call alone', () => {
  const didCreated = () =>
    chainEvent('identity', 'DidCreated', [
      [null, DID, DID_A],
      [null, 'AccountId32', ALICE],
      [null, 'Vec<PolymeshPrimitivesSecondaryKey>', []],
    ]);

  it('an outbox forceBatch: each item by its own call', () => {
    const tree = callTree({
      section: 'utility',
      method: 'forceBatch',
      args: [
        [
          { section: 'system', method: 'remarkWithEvent', args: ['0x01'] },
          { section: 'asset', method: 'issue', args: [] },
          { section: 'identity', method: 'cddRegisterDid', args: [] },
        ],
      ],
    });
    expect(tree).toEqual({
      call: 'utility.forceBatch',
      calls: [
        { call: 'system.remarkWithEvent' },
        { call: 'asset.issue' },
        { call: 'identity.cddRegisterDid' },
      ],
    });
    const events = [
      remarked(HASH),
      u.itemCompleted(),
      u.itemFailed(granularity),
      didCreated(),
      u.itemCompleted(),
      u.completedWithErrors(),
    ];
    expect(resultOfChainCall(tree, events, results)).toEqual({
      items: [
        { ok: true, result: { hash: HASH } },
        { ok: false, error: { code: 'InvalidGranularity', message: 'asset.InvalidGranularity' } },
        { ok: true, result: { did: DID_A, authorizations: [] } },
      ],
    });
  });

  it('a createAsset sent with its ticker as one batch_all reads as createAsset', () => {
    const tree = {
      call: 'utility.batchAll',
      calls: [
        { call: 'asset.createAsset' },
        { call: 'asset.registerUniqueTicker' },
        { call: 'asset.linkTickerToAssetId' },
      ],
    };
    const events = [assetCreated(), u.itemCompleted(), u.itemCompleted(), u.itemCompleted(), u.completed()];
    expect(resultOfChainCall(tree, events, results)).toEqual({ assetId: NEXT_ASSET });
  });

  it('a plain call by its reader; a call without a result reads as nothing', () => {
    expect(resultOfChainCall({ call: 'system.remarkWithEvent' }, [remarked(HASH)], results)).toEqual({
      hash: HASH,
    });
    expect(resultOfChainCall({ call: 'asset.issue' }, [issued()], results)).toBeUndefined();
  });
});

describe('the adapter says it submits batches', () => {
  it('capabilities.batch is true', async () => {
    const { PolymeshLedger } = await import('../../src/polymesh/index.js');
    // `capabilities` is a class field: read it from an instance (no connection is opened).
    const Ctor = PolymeshLedger as unknown as new (...a: unknown[]) => { capabilities: unknown };
    expect(new Ctor(...new Array<undefined>(PolymeshLedger.length).fill(undefined)).capabilities).toEqual({
      batch: true,
    });
  });
});
