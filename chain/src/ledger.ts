/**
 * The Ledger port: everything Stoa does on chain goes through this interface.
 *
 * Two adapters implement it: the embedded ledger (in-process, Polymesh's rules) and the
 * Polymesh SDK adapter (a real node). Server code never imports the SDK.
 *
 * Writes are expressed as serialisable calls (`LedgerCall`) so that the server's
 * chain-operation outbox can persist them before submission and replay them after a crash.
 * Exactly-once rests on account nonces: a signed transaction with nonce n can be included at
 * most once, so the outbox records (signer, nonce) before it submits and, after a crash, asks
 * `findTransaction(signer, nonce)` whether it landed before deciding to resubmit.
 */

/** SS58 address (format 42, the Polymesh dev / generic prefix). */
export type Address = string;
/** Polymesh identity: 0x + 64 hex chars. */
export type Did = string;
/** Asset id: a UUID string. */
export type AssetId = string;
/** Decimal string with at most 6 decimal places (Polymesh's unit precision). Never a JS float. */
export type Decimal = string;
/** ISO-8601 timestamp. */
export type Timestamp = string;

export type LedgerKind = 'embedded' | 'polymesh';

export interface LedgerInfo {
  kind: LedgerKind;
  /** Chain name, e.g. "Development" or "Polymesh Embedded Dev". */
  chain: string;
  specVersion: number;
  genesisHash: string;
  blockHeight: number;
  finalizedHeight: number;
  /** The chain's current time (embedded: its clock; node: the latest block's timestamp). */
  time: Timestamp;
}

/** One chain event, normalised: Polymesh's module and event names, typed payload. */
export interface LedgerEvent<D = Record<string, unknown>> {
  block: number;
  /** Position of the event within its block. */
  index: number;
  /** Polymesh pallet name in camelCase, e.g. `identity`, `asset`, `settlement`. */
  module: string;
  /** Polymesh event name, e.g. `DidCreated`, `AssetBalanceUpdated`. */
  name: string;
  data: D;
  /** Hash of the extrinsic that caused the event, when there is one. */
  txHash?: string;
}

export interface Receipt<R = unknown> {
  txHash: string;
  blockNumber: number;
  blockHash: string;
  signer: Address;
  nonce: number;
  events: LedgerEvent[];
  /** Call-specific result (e.g. the new asset id, DID or instruction id). */
  result: R;
  /**
   * Set when the transaction was included but its dispatch failed: the nonce (and fee) are
   * consumed, the state change reverted. `submit` throws a `LedgerError` with this code;
   * `findTransaction` returns the receipt with it.
   */
  error?: { code: LedgerErrorCode; message: string };
}

/**
 * What became of an included transaction. A transaction whose dispatch failed is still
 * included (it consumed its nonce and paid its fee), so it is found with `status: 'failed'`.
 */
export type TransactionLookup =
  | { status: 'success'; receipt: Receipt }
  | {
      status: 'failed';
      txHash: string;
      blockNumber: number;
      blockHash: string;
      error: { code: LedgerErrorCode; message: string };
    };

export interface SubmitOptions {
  signer: Address;
  /** Explicit nonce; the outbox passes the nonce it recorded before submission. */
  nonce?: number;
}

export type Unsubscribe = () => void;

/**
 * Error codes: Polymesh's own error names (pallet errors, transfer-report errors) plus a few
 * adapter-level codes. The closed set lives in `errors.ts` (`LEDGER_ERROR_CODES`).
 */
import { LedgerError, type LedgerErrorCode } from './errors.js';
export { LedgerError, type LedgerErrorCode };

/** Map of call name → argument and result types. Extended by `calls.ts`. */
export type { Calls, CallName, CallArgs, CallResult, LedgerCall } from './calls.js';

import type { CallName, CallResult, LedgerCall } from './calls.js';
import type { Queries } from './queries.js';
export type { Queries, ClaimFilter } from './queries.js';
export type * from './types.js';

/** What an adapter can do beyond the common port. */
export interface LedgerCapabilities {
  /** `utility.batch`, `utility.batchAll`, `utility.forceBatch` are submitted (else `Unsupported`). */
  batch: boolean;
}

/** What one move of a development clock did. */
export interface ClockAdvance {
  /** The chain's time before and after. */
  from: Timestamp;
  to: Timestamp;
  /** Blocks produced on the way for the work scheduled in them (0 when none fell due). */
  blocksProduced: number;
  blockHeight: number;
}

/**
 * The clock of a development chain, which only moves forward, so that lock-ups, claim expiries,
 * offering windows, record dates and ballots can be rehearsed. Only the embedded ledger has one:
 * a node's time is that of the blocks its validators produce.
 */
export interface DevelopmentClock {
  /**
   * Moves the chain's time to `to` (later than its time now; else `ValidationError`). Work
   * scheduled for a block number (settlement's SettleOnBlock) that a chain producing a block
   * every 6 s (Polymesh's `MILLISECS_PER_BLOCK`) reaches by then runs in that block, produced at
   * the time it would have had. Everything else Polymesh 7.0 does with time is checked when it is
   * used (claim expiries, offering windows, ballots, payment dates) or done at the next balance
   * change (due checkpoints of schedules and record dates), as on a node.
   */
  advanceTo(to: Timestamp): Promise<ClockAdvance>;
}

export interface Ledger extends Queries {
  readonly kind: LedgerKind;
  readonly capabilities: LedgerCapabilities;
  /** Present on a development chain only (the embedded ledger); absent on a node. */
  readonly devClock?: DevelopmentClock;

  info(): Promise<LedgerInfo>;

  /**
   * Make a key available for signing. Accepts a BIP-39 mnemonic or a dev URI (`//Alice`).
   * Returns the SS58 address (format 42). Idempotent.
   */
  addSigner(key: SignerKey): Promise<Address>;

  /**
   * Sign with `opts.signer`, submit, wait for finalisation: on a node, the block finalised; on
   * the embedded ledger, the block on disk (its block log synced).
   */
  submit<K extends CallName>(call: LedgerCall<K>, opts: SubmitOptions): Promise<Receipt<CallResult<K>>>;

  /** Next nonce the chain expects from this account. */
  nonce(address: Address): Promise<number>;

  /**
   * The receipt of the transaction `signer` sent with `nonce`, or null if no transaction with
   * that nonce was included in blocks `fromBlock`..`toBlock` (inclusive; default: genesis to
   * head). On a node the lookup reads every block in that range, so narrow it when you know
   * where the transaction landed.
   */
  findTransaction(
    signer: Address,
    nonce: number,
    opts?: { fromBlock?: number; toBlock?: number },
  ): Promise<TransactionLookup | null>;

  /** Ordered events from `fromBlock` (inclusive), then live ones as blocks are produced. */
  subscribeEvents(fromBlock: number, handler: (event: LedgerEvent) => void): Promise<Unsubscribe>;

  close(): Promise<void>;
}

export type SignerKey = { mnemonic: string; derivationPath?: string } | { uri: string };

/** A configured secret as a signer key: dev URIs start with `//`, anything else is a mnemonic. */
export function signerKeyOf(secret: string): SignerKey {
  return secret.startsWith('//') ? { uri: secret } : { mnemonic: secret };
}
