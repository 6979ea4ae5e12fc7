/**
 * The embedded runtime's shared plumbing: call registry, dispatch context, events, time, and
 * argument validation helpers used by the pallet modules.
 */
import { LedgerError, type LedgerErrorCode } from '../errors.js';
import type { CallArgs, CallName, CallResult } from '../calls.js';
import type { Address, Did } from '../ledger.js';
import { State } from './state.js';

export interface RawEvent {
  module: string;
  name: string;
  data: Record<string, unknown>;
}

/** The origin of a dispatched call. */
export interface Origin {
  signer: Address;
  /** The signer's DID; null only for calls admitted without identity (JoinIdentity acceptance). */
  did: Did | null;
  nonce: number;
}

export interface CallDef<K extends CallName> {
  /** Runs inside a journal transaction: throwing reverts every write. */
  handler: (origin: Origin, args: CallArgs<K>) => CallResult<K>;
  /** Fee in POLYX units, charged before dispatch and kept on failure. */
  fee?: (origin: Origin, args: CallArgs<K>) => bigint;
  /** Whether the signer may act without a DID with valid CDD (Polymesh's admission exceptions). */
  admitWithoutIdentity?: (signer: Address, args: CallArgs<K>) => boolean;
}

type AnyCallDef = {
  handler: (origin: Origin, args: unknown) => unknown;
  fee?: (origin: Origin, args: unknown) => bigint;
  admitWithoutIdentity?: (signer: Address, args: unknown) => boolean;
};

export class Runtime {
  readonly state = new State();
  private readonly calls = new Map<string, AnyCallDef>();
  /** Time the rules evaluate at: the block timestamp during dispatch, the clock for queries. */
  now = 0;
  /** Number of the block being built (or the latest one, for queries). */
  blockNumber = 0;
  private events: RawEvent[] = [];

  constructor(readonly genesisHash: string) {}

  register<K extends CallName>(name: K, def: CallDef<K>): void {
    this.calls.set(name, def as unknown as AnyCallDef);
  }

  call(name: string): AnyCallDef | undefined {
    return this.calls.get(name);
  }

  emit(module: string, name: string, data: Record<string, unknown>): void {
    this.events.push({ module, name, data });
  }

  takeEvents(): RawEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  // Block-start hooks (added for settlement's scheduler): Polymesh runs scheduled tasks before a
  // block's extrinsics. The engine calls `runBlockStart` when it opens a block and asks
  // `hasWorkAt` whether to produce a block with no transactions (SettleOnAffirmation runs in the
  // block after the last affirmation even when nothing else is submitted).
  private readonly blockHooks: BlockHook[] = [];

  onBlockStart(hook: BlockHook): void {
    this.blockHooks.push(hook);
  }

  /** Runs the hooks for the block being opened (`blockNumber` and `now` already set). */
  runBlockStart(): void {
    for (const h of this.blockHooks) h.run(this.blockNumber);
  }

  hasWorkAt(block: number): boolean {
    return this.blockHooks.some((h) => h.hasWorkAt(block));
  }

  /** The first block after `block` with scheduled work, if any (the development clock's jumps). */
  nextWorkAfter(block: number): number | undefined {
    let first: number | undefined;
    for (const h of this.blockHooks) {
      const b = h.nextWorkAfter(block);
      if (b !== undefined && (first === undefined || b < first)) first = b;
    }
    return first;
  }
}

export interface BlockHook {
  run(block: number): void;
  hasWorkAt(block: number): boolean;
  nextWorkAfter(block: number): number | undefined;
}

export function fail(code: LedgerErrorCode, message: string, module?: string): never {
  throw new LedgerError(code, message, module);
}

export function ensure(cond: unknown, code: LedgerErrorCode, message: string, module?: string): asserts cond {
  if (!cond) throw new LedgerError(code, message, module);
}

// ------------------------------------------------------------------ argument validation

export function invalid(field: string, why: string): never {
  throw new LedgerError('ValidationError', `${field}: ${why}`, undefined, { field });
}

export function argString(v: unknown, field: string, maxBytes?: number): string {
  if (typeof v !== 'string') invalid(field, 'must be a string');
  if (maxBytes !== undefined && Buffer.byteLength(v) > maxBytes)
    invalid(field, `longer than ${maxBytes} bytes`);
  return v;
}

const DID_RE = /^0x[0-9a-f]{64}$/;
export function argDid(v: unknown, field: string): Did {
  if (typeof v !== 'string' || !DID_RE.test(v)) invalid(field, 'must be a DID (0x + 64 lowercase hex)');
  return v;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export function argAssetId(v: unknown, field = 'assetId'): string {
  if (typeof v !== 'string' || !UUID_RE.test(v)) invalid(field, 'must be a lowercase UUID');
  return v;
}

export function argInt(v: unknown, field: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    invalid(field, `must be an integer ≥ ${min}`);
  return v;
}

export function argBool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') invalid(field, 'must be a boolean');
  return v;
}

export function argArray<T = unknown>(v: unknown, field: string): T[] {
  if (!Array.isArray(v)) invalid(field, 'must be an array');
  return v as T[];
}

/** ISO-8601 timestamp → ms since epoch. */
export function argTime(v: unknown, field: string): number {
  if (typeof v !== 'string') invalid(field, 'must be an ISO-8601 timestamp');
  const t = Date.parse(v);
  if (Number.isNaN(t)) invalid(field, 'must be an ISO-8601 timestamp');
  return t;
}

export function optTime(v: unknown, field: string): number | null {
  return v === undefined || v === null ? null : argTime(v, field);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
