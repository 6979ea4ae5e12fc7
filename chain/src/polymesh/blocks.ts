import type { ApiPromise } from '@polkadot/api';
import type { EventRecord } from '@polkadot/types/interfaces';
import type { SpRuntimeDispatchError } from '@polkadot/types/lookup';
import { polkadotCrypto, polkadotUtil } from './polkadot.js';
import { LedgerError, type LedgerErrorCode } from '../errors.js';
import type { Address, LedgerEvent, Receipt } from '../ledger.js';
import { fromDispatchError, OTHER_BY_CALL, type FindMetaError } from './errors.js';
import { toJson } from './mappers/json.js';
import type { ChainCallTree } from './dispatch/results.js';
import { normaliseEvent, type RawEvent } from './mappers/events.js';

const { BN, stringCamelCase, u8aEq } = polkadotUtil;
const { decodeAddress, encodeAddress } = polkadotCrypto;

/** Port addresses are SS58 format 42. */
export const PORT_SS58 = 42;

export function toPortAddress(address: string | Uint8Array): Address {
  return encodeAddress(typeof address === 'string' ? decodeAddress(address) : address, PORT_SS58);
}

export function sameAccount(a: string, b: string): boolean {
  return u8aEq(decodeAddress(a), decodeAddress(b));
}

function rawEvent(record: EventRecord): RawEvent {
  const { event } = record;
  return {
    module: event.section,
    name: event.method,
    fieldNames: event.meta.fields.map((f) =>
      f.name.isSome ? stringCamelCase(f.name.unwrap().toString()) : null,
    ),
    values: [...event.data],
  };
}

/** `api.registry.findMetaError` over the runtime's own metadata. */
export function metaErrorFinder(api: ApiPromise): FindMetaError {
  return (index, error) => {
    const { section, name, docs } = api.registry.findMetaError({ index: new BN(index), error });
    return { section, name, docs };
  };
}

/**
 * A dispatch error (from `system.ExtrinsicFailed` or a batch item) → `LedgerError`, by its
 * pallet and name; a bare `Other` is read by the failing call (`OTHER_BY_CALL`).
 */
export function dispatchErrorToLedgerError(
  api: ApiPromise,
  error: SpRuntimeDispatchError,
  otherError?: LedgerErrorCode,
): LedgerError {
  return fromDispatchError(toJson(error), metaErrorFinder(api), otherError);
}

interface CallLike {
  section: string;
  method: string;
  args: readonly unknown[];
}

const BATCHES = new Set(['batch', 'batchAll', 'forceBatch']);

/** A call and, for utility batches, its inner calls (`Vec<Call>`), as `section.method` names. */
export function callTree(call: CallLike): ChainCallTree {
  const name = `${call.section}.${call.method}`;
  const inner = call.args[0];
  if (call.section !== 'utility' || !BATCHES.has(call.method) || !Array.isArray(inner)) return { call: name };
  return { call: name, calls: (inner as CallLike[]).map(callTree) };
}

export interface BlockContents {
  number: number;
  hash: string;
  /** Extrinsics in block order: hash, call (`section.method`, a batch's inner calls), and signer/nonce when signed. */
  extrinsics: { hash: string; call: string; tree: ChainCallTree; signer?: Address; nonce?: number }[];
  records: EventRecord[];
  events: LedgerEvent[];
}

export async function readBlock(api: ApiPromise, number: number): Promise<BlockContents> {
  const hash = await api.rpc.chain.getBlockHash(number);
  return readBlockAt(api, hash.toHex());
}

export async function readBlockAt(api: ApiPromise, blockHash: string): Promise<BlockContents> {
  const [signed, at] = await Promise.all([api.rpc.chain.getBlock(blockHash), api.at(blockHash)]);
  const records = await at.query.system.events();
  const extrinsics = signed.block.extrinsics.map((ex) => ({
    hash: ex.hash.toHex(),
    call: `${ex.method.section}.${ex.method.method}`,
    tree: callTree(ex.method),
    ...(ex.isSigned && { signer: toPortAddress(ex.signer.toU8a(true)), nonce: ex.nonce.toNumber() }),
  }));
  const number = signed.block.header.number.toNumber();
  const events = records.map((record, index) => {
    const txHash = record.phase.isApplyExtrinsic
      ? extrinsics[record.phase.asApplyExtrinsic.toNumber()]?.hash
      : undefined;
    return normaliseEvent(rawEvent(record), number, index, txHash);
  });
  return { number, hash: blockHash, extrinsics, records: [...records], events };
}

/** The receipt of extrinsic `txIndex` of a block, and its dispatch error if it failed. */
export function receiptOf(
  api: ApiPromise,
  block: BlockContents,
  txIndex: number,
  otherError?: LedgerErrorCode,
): { receipt: Receipt<undefined>; failure: LedgerError | null } {
  const ex = block.extrinsics[txIndex];
  if (!ex) throw new LedgerError('ValidationError', `Block ${block.number} has no extrinsic ${txIndex}`);
  const events: LedgerEvent[] = [];
  let failure: LedgerError | null = null;
  block.records.forEach((record, i) => {
    if (!record.phase.isApplyExtrinsic || record.phase.asApplyExtrinsic.toNumber() !== txIndex) return;
    const event = block.events[i];
    if (event) events.push(event);
    if (api.events.system.ExtrinsicFailed.is(record.event)) {
      failure = dispatchErrorToLedgerError(
        api,
        record.event.data.dispatchError,
        otherError ?? OTHER_BY_CALL[ex.call],
      );
    }
  });
  return {
    receipt: {
      txHash: ex.hash,
      blockNumber: block.number,
      blockHash: block.hash,
      signer: ex.signer ?? '',
      nonce: ex.nonce ?? 0,
      events,
      result: undefined,
    },
    failure,
  };
}
