/*
 * The shape every preparer shares. A preparer turns one port call into the chain calls that
 * carry it out (`api.tx.<pallet>.<call>`, typed by the polymesh-types augmentation imported
 * below, so tsc checks pallet, call and arity) and into the reader of its result from the
 * receipt's events. Preparers read the chain only through `ChainReads`, so each is a pure
 * function of its arguments and those reads, and every argument it builds is checked against
 * the Polymesh type registry in a unit test (chain/test/polymesh/dispatch.test.ts).
 */
import type {} from '@polymeshassociation/polymesh-types/polkadot/augment-api.js';
import type {} from '@polymeshassociation/polymesh-types/polkadot/types-lookup.js';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { BTreeSet } from '@polkadot/types-codec';
import type { Codec } from '@polkadot/types-codec/types';
import type { InstructionLeg } from '../../calls-settlement.js';
import type { CallArgs, CallName, CallResult } from '../../calls.js';
import { LedgerError, type LedgerErrorCode } from '../../errors.js';
import type { Address, AssetId, Did, LedgerEvent, Timestamp } from '../../ledger.js';
import type { AuthorizationType, Claim } from '../../types.js';

export type Extrinsic = SubmittableExtrinsic<'promise'>;

/** An authorization the signer may accept or remove, as stored on chain. */
export interface FoundAuthorization {
  id: number;
  /** Who it is addressed to (`remove_authorization` names it). */
  target: { Account: Address } | { Identity: Did };
  /** Its data's variant; `Other` for kinds the port does not model (key rotation, multisig, …). */
  type: AuthorizationType | 'Other';
  expiry: Timestamp | null;
  /** The DID that made it (`authorized_by`): its primary key pays for a JoinIdentity acceptance. */
  authorizedBy: Did | null;
}

/** The chain state some preparers need, read from storage (queries/chain-reads.ts). */
export interface ChainReads {
  /** The DID the signing key is linked to (primary or secondary key), or null. */
  signerDid(): Promise<Did | null>;
  /** An authorization addressed to the signer's account or DID, or sent by its DID. */
  authorization(authId: number): Promise<FoundAuthorization | null>;
  /** The instruction's legs by leg id (empty when it has none left). */
  instructionLegs(id: number): Promise<(InstructionLeg & { id: number })[]>;
  /** Ids of the asset's documents. */
  documentIds(assetId: AssetId): Promise<number[]>;
  /** The id `asset.create_asset` signed by the signer will give its next asset. */
  nextAssetId(): Promise<AssetId>;
  /** Whether the signer's DID issued this claim (same type and scope) to `target`. */
  claimExists(target: Did, claim: Claim): Promise<boolean>;
  /** The chain's time (the latest block's timestamp). */
  now(): Promise<Date>;
}

/** Polymesh 7.3 changed `sto.invest`; runtimes below this spec version take the 7.0 form. */
export const SPEC_7_3 = 7_003_000;

export interface DispatchContext {
  /** The connected node's transaction builders, typed by the polymesh-types augmentation. */
  tx: ApiPromise['tx'];
  /** Signer address in the chain's SS58 format. */
  signer: Address;
  /** The runtime's spec version (7.0.0 is 7_000_000). */
  specVersion: number;
  reads: ChainReads;
}

/** Turns a chain `DispatchError` (as the event sanitiser renders it) into the port's error. */
export type ErrorTranslator = (dispatchError: unknown, otherError?: LedgerErrorCode) => LedgerError;

export interface ResultContext {
  translate: ErrorTranslator;
}

/** A port call ready to sign: its chain calls (several are sent as one `utility.batchAll`) and result reader. */
export interface Prepared<K extends CallName = CallName> {
  calls: Extrinsic[];
  /** The port result, read from the events this call emitted (in a batch: its own items' events). */
  result: (events: LedgerEvent[], ctx: ResultContext) => CallResult<K>;
  /**
   * What a bare `DispatchError::Other` means for this call: Polymesh raises authorization errors
   * as `Other("Authorization does not exist")` etc., whose string is not encoded on chain.
   */
  otherError?: LedgerErrorCode;
  /** Set on `utility.*` calls: the inner port calls, for reading per-item results. */
  batch?: { mode: BatchMode; items: Prepared[] };
}

export type BatchMode = 'batch' | 'batchAll' | 'forceBatch';

export type Preparer<K extends CallName> = (ctx: DispatchContext, args: CallArgs<K>) => Promise<Prepared<K>>;

/** The preparers of one port pallet (call names `<pallet>.<call>`), each typed by its call. */
export type PreparerTable<P extends string> = {
  [K in Extract<CallName, `${P}.${string}`>]: Preparer<K>;
};

/** The table of every port call: a call without a preparer fails to compile. */
export type Preparers = { [K in CallName]: Preparer<K> };

/** One chain call. */
export function one<K extends CallName>(
  call: Extrinsic,
  result: (events: LedgerEvent[], ctx: ResultContext) => CallResult<K>,
  extra: Pick<Prepared<K>, 'otherError'> = {},
): Prepared<K> {
  return { calls: [call], result, ...extra };
}

/** The result of calls that return nothing. */
export const none = (): void => undefined;

/**
 * A sorted, de-duplicated list where the chain declares a set. polkadot.js builds a
 * `BTreeSet<T>` (7.2+ and the augmentation) or a `Vec<T>` (some 7.0 signatures, e.g. the
 * settlement portfolios) from a plain array; a `BTreeSet` codec would not convert to a `Vec`.
 * The element shapes are checked against the type registry in the dispatch unit test.
 */
export function asSet<T extends Codec>(items: unknown[]): BTreeSet<T> {
  const byKey = new Map(items.map((item) => [JSON.stringify(item), item]));
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item) as unknown as BTreeSet<T>;
}

/** The data of the first `module.name` event of a receipt. */
export function eventData(events: LedgerEvent[], module: string, name: string): Record<string, unknown> {
  const e = events.find((x) => x.module === module && x.name === name);
  if (!e) throw new LedgerError('ValidationError', `Expected a ${module}.${name} event in the receipt`);
  return e.data;
}

/** A non-negative integer id from an event field (u32/u64 render as number or decimal string). */
export function idField(value: unknown, what: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new LedgerError('ValidationError', `Expected ${what} to be an id, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Ids of the authorizations a receipt created, in order. */
export function authIds(events: LedgerEvent[]): number[] {
  return events
    .filter((e) => e.module === 'identity' && e.name === 'AuthorizationAdded')
    .map((e) => idField(e.data.authId, 'identity.AuthorizationAdded authId'));
}

/** The one authorization a receipt created. */
export function authIdResult(events: LedgerEvent[]): { authId: number } {
  const [authId] = authIds(events);
  if (authId === undefined)
    throw new LedgerError('ValidationError', 'Expected an identity.AuthorizationAdded event');
  return { authId };
}
