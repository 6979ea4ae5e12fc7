import RpcError from '@polkadot/rpc-provider/coder/error';
import { PolymeshError } from '@polymeshassociation/polymesh-sdk/internal.js';
import { ErrorCode } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import {
  fromDispatchError,
  fromModuleError,
  includedFailure,
  isSdkNotFound,
  submissionError,
  toLedgerError,
  type FindMetaError,
} from '../../src/polymesh/errors.js';
import { orNull } from '../../src/polymesh/queries/context.js';

function sdkError(code: ErrorCode, message: string): PolymeshError {
  return new PolymeshError({ code, message });
}

/** A pool refusal as polkadot.js raises it from `author_submitAndWatchExtrinsic`. */
function poolError(code: number, data: string): Error {
  return new RpcError(`${code}: Invalid Transaction: ${data}`, code, data);
}

/** Module errors of Polymesh 7.0 by (pallet index, error index), as the runtime metadata lists them. */
const findMetaError: FindMetaError = (index, error) => {
  const table: Record<string, { section: string; name: string }> = {
    '12:14': { section: 'asset', name: 'InvalidGranularity' },
    '7:6': { section: 'identity', name: 'AlreadyLinked' },
    '5:2': { section: 'balances', name: 'InsufficientBalance' },
  };
  const found = table[`${index}:${error[0]}`];
  if (!found) throw new Error(`no error ${index}:${error[0]}`);
  return { ...found, docs: [] };
};

describe('fromModuleError', () => {
  it('keeps the chain name as the code, with the pallet as module', () => {
    const e = fromModuleError({ section: 'asset', name: 'InvalidGranularity', docs: ['Not divisible.'] });
    expect(e.code).toBe('InvalidGranularity');
    expect(e.module).toBe('asset');
    expect(e.message).toBe('asset.InvalidGranularity: Not divisible.');
  });

  it('renames the few errors whose meaning differs by pallet', () => {
    // POLYX and asset balances share the name, as on the embedded ledger (module tells them apart).
    expect(fromModuleError({ section: 'balances', name: 'InsufficientBalance' })).toMatchObject({
      code: 'InsufficientBalance',
      module: 'balances',
    });
    expect(fromModuleError({ section: 'asset', name: 'AssetDoesNotExist' }).code).toBe('NoSuchAsset');
    expect(fromModuleError({ section: 'asset', name: 'InsufficientBalance' }).code).toBe(
      'InsufficientBalance',
    );
  });

  it('keeps unknown chain errors in details', () => {
    const e = fromModuleError({ section: 'settlement', name: 'SomethingNew' });
    expect(e.code).toBe('ValidationError');
    expect(e.details).toEqual({ chainError: 'settlement.SomethingNew' });
  });
});

describe('fromDispatchError: the DispatchError variants as the sanitiser renders them', () => {
  it('looks a Module error up by pallet and error index', () => {
    const e = fromDispatchError({ Module: { index: 12, error: '0x0e000000' } }, findMetaError);
    expect(e.code).toBe('InvalidGranularity');
    expect(e.module).toBe('asset');
    expect(fromDispatchError({ Module: { index: 5, error: '0x02000000' } }, findMetaError).code).toBe(
      'InsufficientBalance',
    );
  });

  it('says Other for a bare Other, as the chain does (authorization strings are not encoded)', () => {
    const onAuth = fromDispatchError('Other', findMetaError, 'Other');
    expect(onAuth.code).toBe('Other');
    expect(onAuth.message).toMatch(/authorization/);
    expect(fromDispatchError('Other', findMetaError).code).toBe('Other');
  });

  it('names BadOrigin and keeps the other variants in details', () => {
    expect(fromDispatchError('BadOrigin', findMetaError).code).toBe('BadOrigin');
    const token = fromDispatchError({ Token: 'FundsUnavailable' }, findMetaError);
    expect(token.code).toBe('ValidationError');
    expect(token.details).toEqual({ chainError: 'Token.FundsUnavailable' });
  });
});

describe('toLedgerError: by code, never by message', () => {
  it('maps SDK ErrorCodes whatever their message says', () => {
    // The old adapter turned this message into InvalidGranularity by regex; the code is what counts.
    expect(
      toLedgerError(
        sdkError(ErrorCode.ValidationError, 'The value has decimals but the Asset is indivisible'),
      ).code,
    ).toBe('ValidationError');
    expect(toLedgerError(sdkError(ErrorCode.InsufficientBalance, 'Insufficient free balance')).code).toBe(
      'InsufficientBalance',
    );
    expect(toLedgerError(sdkError(ErrorCode.NotAuthorized, 'an agent is needed')).code).toBe('Unauthorized');
    expect(toLedgerError(sdkError(ErrorCode.MiddlewareError, 'no middleware')).code).toBe('Unsupported');
    expect(toLedgerError(sdkError(ErrorCode.FatalError, 'Something broke')).code).toBe('NotConnected');
  });

  it('maps transaction-pool refusals by JSON-RPC code and InvalidTransaction variant', () => {
    expect(
      toLedgerError(poolError(1010, 'Inability to pay some fees (e.g. account balance too low)')).code,
    ).toBe('InsufficientPolyx');
    expect(toLedgerError(poolError(1010, 'Transaction is outdated')).code).toBe('InvalidNonce');
    expect(toLedgerError(poolError(1010, 'Transaction has a bad signature')).code).toBe('BadSignature');
    expect(toLedgerError(poolError(1010, 'Custom error: 1')).code).toBe('MissingIdentity');
    expect(toLedgerError(poolError(1010, 'Custom error: 2')).code).toBe('CddRequired');
    expect(toLedgerError(poolError(1014, 'Priority is too low: (1 vs 1)')).code).toBe('InvalidNonce');
    const pool = toLedgerError(poolError(1010, 'Custom error: 4'));
    expect(pool.code).toBe('ValidationError');
    expect(pool.details).toMatchObject({ pool: true, rpcCode: 1010, rpcData: 'Custom error: 4' });
  });

  it('a plain Error with pool-like text is not a pool refusal', () => {
    const e = toLedgerError(new Error('1010: Invalid Transaction: Inability to pay some fees'));
    expect(e.code).toBe('ValidationError');
    expect(e.details?.pool).toBeUndefined();
  });

  it('an unknown error is NotConnected when the connection is down, else ValidationError', () => {
    expect(toLedgerError(new Error('WebSocket is not connected'), { connected: false }).code).toBe(
      'NotConnected',
    );
    expect(toLedgerError(new Error('createType(u64):: Invalid character')).code).toBe('ValidationError');
    expect(toLedgerError(new RpcError('Method not found', -32601)).code).toBe('NotConnected');
  });

  it('passes LedgerErrors through', () => {
    const original = new LedgerError('UnknownSigner', 'x');
    expect(toLedgerError(original)).toBe(original);
    expect(toLedgerError('boom').code).toBe('ValidationError');
  });
});

describe('absence means the SDK said DataUnavailable, nothing else', () => {
  it('orNull answers null for DataUnavailable and rethrows every other failure', async () => {
    expect(isSdkNotFound(sdkError(ErrorCode.DataUnavailable, 'The Identity does not exist'))).toBe(true);
    await expect(
      orNull(Promise.reject(sdkError(ErrorCode.DataUnavailable, 'no such asset'))),
    ).resolves.toBeNull();
    await expect(orNull(Promise.resolve(7))).resolves.toBe(7);
    const rpc = new RpcError('No response received from RPC endpoint in 60s', -32000);
    await expect(orNull(Promise.reject(rpc))).rejects.toBe(rpc);
    const fatal = sdkError(ErrorCode.FatalError, 'disconnected');
    await expect(orNull(Promise.reject(fatal))).rejects.toBe(fatal);
  });
});

describe('submissionError: refusal or unknown outcome', () => {
  const receipt = { txHash: `0x${'ab'.repeat(32)}`, blockNumber: 12, blockHash: `0x${'cd'.repeat(32)}` };

  it('before sending, keeps what the error says (refusals stay final, transport failures are not sent)', () => {
    const refused = submissionError(new LedgerError('TickerTooLong', 'too long', 'asset'), false);
    expect(refused.code).toBe('TickerTooLong');
    expect(refused.refused).toBe(true);
    expect(refused.included).toBe(false);
    const offline = submissionError(new Error('WebSocket is not connected'), false, { connected: false });
    expect(offline.code).toBe('NotConnected');
    expect(offline.refused).toBe(false);
  });

  it('after sending, a timeout, a dropped connection or an unknown error is an unknown outcome', () => {
    for (const err of [
      new Error('RPC request timed out'),
      new LedgerError('OutcomeUnknown', 'The connection to the node was lost after sending'),
      sdkError(ErrorCode.FatalError, 'Something broke'),
      new LedgerError('ValidationError', 'Unreadable batch receipt'),
      'boom',
    ]) {
      const e = submissionError(err, true);
      expect(e.code).toBe('OutcomeUnknown');
      expect(e.refused).toBe(false);
    }
  });

  it('after sending, a dispatch failure with its receipt is a final refusal', () => {
    const failure = fromDispatchError({ Module: { index: 12, error: '0x0e000000' } }, findMetaError);
    expect(submissionError(failure, true).code).toBe('OutcomeUnknown');
    const final = submissionError(includedFailure(failure, receipt), true);
    expect(final.code).toBe('InvalidGranularity');
    expect(final.refused).toBe(true);
    expect(final.included).toBe(true);
    expect(final.details).toMatchObject({ txHash: receipt.txHash, blockNumber: 12 });
  });

  it('after sending, pool refusals on admission stay final and not included; a used nonce stays unknown', () => {
    const fees = submissionError(
      poolError(1010, 'Inability to pay some fees (e.g. account balance too low)'),
      true,
    );
    expect(fees.code).toBe('InsufficientPolyx');
    expect(fees.refused).toBe(true);
    expect(fees.included).toBe(false);
    const stale = submissionError(poolError(1010, 'Transaction is outdated'), true);
    expect(stale.code).toBe('InvalidNonce');
    expect(stale.refused).toBe(false);
  });
});
