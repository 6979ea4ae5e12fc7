/*
 * The SDK adapter's one translation of foreign errors into `LedgerError`, from structure only:
 * a dispatch error's pallet and name (`registry.findMetaError` on a `Module` error), its other
 * `DispatchError` variants, the transaction pool's JSON-RPC error codes, and the SDK's
 * `ErrorCode` (`PolymeshError.code`). No message text is parsed.
 */
import { LEDGER_ERROR_CODES, LedgerError, type LedgerErrorCode } from '../errors.js';
import type { Json } from './mappers/json.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(LEDGER_ERROR_CODES);

export function isLedgerErrorCode(name: string): name is LedgerErrorCode {
  return KNOWN_CODES.has(name);
}

/**
 * A dispatch error as polkadot.js describes it (`registry.findMetaError`): pallet in camelCase
 * and the error's name, e.g. `asset` / `InvalidGranularity`.
 */
export interface ModuleErrorInfo {
  section: string;
  name: string;
  docs?: string[];
}

/**
 * Errors whose Polymesh name differs between pallets but mean the same to the port, keyed
 * `section.Name`. Everything else keeps its chain name.
 */
const RENAMED: Readonly<Record<string, LedgerErrorCode>> = {
  'asset.SenderSameAsReceiver': 'InvalidTransferSenderIdMatchesReceiverId',
  'asset.AssetDoesNotExist': 'NoSuchAsset',
};

export function fromModuleError(info: ModuleErrorInfo): LedgerError {
  const key = `${info.section}.${info.name}`;
  const code = RENAMED[key] ?? (isLedgerErrorCode(info.name) ? info.name : undefined);
  const message = info.docs && info.docs.length > 0 ? `${key}: ${info.docs.join(' ')}` : key;
  if (code) return new LedgerError(code, message, info.section);
  // A chain error the port has no name for yet: keep the chain's name in details.
  return new LedgerError('ValidationError', message, info.section, { chainError: key });
}

/** Looks a `Module { index, error }` up in the runtime's metadata (`api.registry.findMetaError`). */
export type FindMetaError = (index: number, error: Uint8Array) => ModuleErrorInfo;

/**
 * The calls whose bare `DispatchError::Other` is an authorization error. Polymesh raises those as
 * `Other("Authorization does not exist")` and the like (primitives/src/authorization.rs), but the
 * string is `#[codec(skip)]`: a client sees `Other`, and so does the port (code `Other`); the
 * message says what it means on these calls.
 */
export const OTHER_BY_CALL: Readonly<Record<string, LedgerErrorCode>> = {
  'identity.joinIdentityAsKey': 'Other',
  'identity.removeAuthorization': 'Other',
  'externalAgents.acceptBecomeAgent': 'Other',
  'portfolio.acceptPortfolioCustody': 'Other',
  'asset.acceptAssetOwnershipTransfer': 'Other',
  'asset.acceptTickerTransfer': 'Other',
};

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
}

/**
 * A `DispatchError` as the sanitiser renders it (`toJson`: `{Module: {index, error}}`,
 * `"BadOrigin"`, `"Other"`, `{Token: "FundsUnavailable"}`, …) → `LedgerError`.
 * `otherError` is what a bare `Other` means for the call that failed (see `OTHER_BY_CALL`).
 */
export function fromDispatchError(
  error: Json | undefined,
  findMetaError: FindMetaError,
  otherError?: LedgerErrorCode,
): LedgerError {
  if (typeof error === 'object' && error !== null && !Array.isArray(error) && 'Module' in error) {
    const m = error.Module;
    if (typeof m === 'object' && m !== null && !Array.isArray(m)) {
      const raw = m.error;
      const bytes = typeof raw === 'string' ? hexBytes(raw) : Uint8Array.of(Number(raw ?? 0), 0, 0, 0);
      return fromModuleError(findMetaError(Number(m.index), bytes));
    }
  }
  if (error === 'BadOrigin') return new LedgerError('BadOrigin', 'Bad origin');
  if (error === 'Other') {
    return otherError
      ? new LedgerError(
          otherError,
          'DispatchError::Other: the authorization does not exist, is not addressed to the signer or has expired',
        )
      : new LedgerError('Other', 'DispatchError::Other (the chain does not say why)');
  }
  const variant =
    typeof error === 'string'
      ? error
      : typeof error === 'object' && error !== null && !Array.isArray(error)
        ? Object.entries(error)
            .map(([k, v]) => `${k}.${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join('')
        : JSON.stringify(error);
  return new LedgerError('ValidationError', `Dispatch error ${variant}`, undefined, { chainError: variant });
}

/**
 * Transaction-pool refusals, by JSON-RPC error code (substrate's author RPC). A `1010` carries
 * the `InvalidTransaction` variant as its data, a closed set of constant strings; Polymesh's
 * `Custom(n)` codes are its `TransactionError` (primitives/src/lib.rs).
 */
const INVALID_TRANSACTION: Readonly<Record<string, LedgerErrorCode>> = {
  'Transaction is outdated': 'InvalidNonce',
  'Transaction will be valid in the future': 'InvalidNonce',
  'Inability to pay some fees (e.g. account balance too low)': 'InsufficientPolyx',
  'Transaction has a bad signature': 'BadSignature',
  'Invalid signing address': 'BadSignature',
};
const CUSTOM_TRANSACTION_ERRORS: readonly (LedgerErrorCode | null)[] = [
  null, // 0 ZeroTip
  'MissingIdentity', // 1
  'CddRequired', // 2
  'InvalidAuthorization', // 3: the fee payer's authorization is missing, expired or of another type
  null, // 4 PalletNotSubsidised
];
const CUSTOM_ERROR = /^Custom error: (\d+)$/;

export function fromPoolError(code: number, data: unknown, message: string): LedgerError {
  const details = { pool: true, rpcCode: code, ...(typeof data === 'string' && { rpcData: data }) };
  if (code === 1010 && typeof data === 'string') {
    const known = INVALID_TRANSACTION[data];
    if (known) return new LedgerError(known, message, undefined, details);
    const custom = CUSTOM_ERROR.exec(data);
    const mapped = custom ? CUSTOM_TRANSACTION_ERRORS[Number(custom[1])] : undefined;
    if (mapped) return new LedgerError(mapped, message, undefined, details);
  }
  // 1012 temporarily banned, 1013 already imported, 1014 priority too low: that nonce (maybe
  // this very transaction) is taken; the outcome is for `findTransaction` to tell.
  if (code === 1012 || code === 1013 || code === 1014)
    return new LedgerError('InvalidNonce', message, undefined, details);
  return new LedgerError('ValidationError', message, undefined, details);
}

const POOL_CODES = new Set([1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017]);

/** SDK `ErrorCode` (its own checks, transport, middleware) → port code. */
const SDK_CODES: Readonly<Record<string, LedgerErrorCode>> = {
  ValidationError: 'ValidationError',
  NotAuthorized: 'Unauthorized',
  InsufficientBalance: 'InsufficientBalance',
  UnmetPrerequisite: 'ValidationError',
  NoDataChange: 'ValidationError',
  LimitExceeded: 'ValidationError',
  EntityInUse: 'ValidationError',
  DataUnavailable: 'ValidationError',
  MiddlewareError: 'Unsupported',
  TransactionRejectedByUser: 'BadSignature',
  TransactionAborted: 'OutcomeUnknown',
  TransactionReverted: 'ValidationError',
  FatalError: 'NotConnected',
  UnexpectedError: 'ValidationError',
  General: 'ValidationError',
};

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  data?: unknown;
}

/** The SDK's "not found" result: a `PolymeshError` with `ErrorCode.DataUnavailable`. */
export function isSdkNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as ErrorLike).code === 'DataUnavailable';
}

/**
 * Foreign error → `LedgerError`: SDK `PolymeshError`s by their `code`, JSON-RPC errors by
 * theirs (pool refusals as above; other RPC failures mean nothing was decided: `NotConnected`),
 * anything else `ValidationError` — or `NotConnected` when the connection is down
 * (`connected: false`), since then nothing reached the chain.
 */
export function toLedgerError(err: unknown, opts: { connected?: boolean } = {}): LedgerError {
  if (err instanceof LedgerError) return err;
  const e: ErrorLike =
    typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.code === 'string' && e.code in SDK_CODES) {
    return new LedgerError(SDK_CODES[e.code] ?? 'ValidationError', message, undefined, { sdkCode: e.code });
  }
  if (typeof e.code === 'number') {
    if (POOL_CODES.has(e.code)) return fromPoolError(e.code, e.data, message);
    return new LedgerError('NotConnected', message, undefined, { rpcCode: e.code });
  }
  if (opts.connected === false) return new LedgerError('NotConnected', message);
  return new LedgerError('ValidationError', message);
}

/**
 * An error from `submit`, classified by how far the transaction got. Before it was sent, what
 * `toLedgerError` says. Once it may have left (signed and handed to the node), only two answers
 * are final: the pool refused it on admission (fees, signature — never included, the nonce
 * stays free), or the caller read the block and attached the receipt of a failed dispatch.
 * Anything else — a timeout, a dropped connection, a failed block read, an error nobody
 * recognised — is `OutcomeUnknown`: the transaction may be in a block, so the caller must look
 * it up by nonce.
 */
export function submissionError(
  err: unknown,
  sent: boolean,
  opts: { connected?: boolean } = {},
): LedgerError {
  const e = toLedgerError(err, opts);
  if (!sent || e.included || e.code === 'OutcomeUnknown') return e;
  if (e.details?.pool === true) return e;
  return new LedgerError('OutcomeUnknown', `Sent, outcome unknown: ${e.message}`, e.module, {
    ...e.details,
    cause: e.code,
  });
}

/** A dispatch failure read from its block: final, with the receipt that proves it was included. */
export function includedFailure(
  failure: LedgerError,
  receipt: { txHash: string; blockNumber: number; blockHash: string },
): LedgerError {
  return new LedgerError(failure.code, failure.message, failure.module, {
    ...failure.details,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
  });
}
