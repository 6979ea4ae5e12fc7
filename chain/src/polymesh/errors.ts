import { LEDGER_ERROR_CODES, LedgerError, type LedgerErrorCode } from '../errors.js';

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
  'balances.InsufficientBalance': 'InsufficientPolyx',
  'identity.UnAuthorizedCddProvider': 'UnAuthorizedCddProvider',
  'externalAgents.UnauthorizedAgent': 'UnauthorizedAgent',
  'portfolio.UnauthorizedCustodian': 'UnauthorizedCustodian',
};

export function fromModuleError(info: ModuleErrorInfo): LedgerError {
  const key = `${info.section}.${info.name}`;
  const code = RENAMED[key] ?? (isLedgerErrorCode(info.name) ? info.name : undefined);
  const message = info.docs && info.docs.length > 0 ? `${key}: ${info.docs.join(' ')}` : key;
  if (code) return new LedgerError(code, message, info.section);
  // A chain error the port has no name for yet: keep the chain's name in details.
  return new LedgerError('ValidationError', message, info.section, { chainError: key });
}

/** SDK `ErrorCode` (client-side checks, transport) → port code. */
const SDK_CODES: Readonly<Record<string, LedgerErrorCode>> = {
  ValidationError: 'ValidationError',
  NotAuthorized: 'Unauthorized',
  InsufficientBalance: 'InsufficientBalance',
  UnmetPrerequisite: 'ValidationError',
  NoDataChange: 'ValidationError',
  LimitExceeded: 'ValidationError',
  EntityInUse: 'ValidationError',
  DataUnavailable: 'ValidationError',
  TransactionRejectedByUser: 'BadSignature',
  TransactionAborted: 'InvalidNonce',
  FatalError: 'NotConnected',
};

/**
 * The SDK checks many chain rules before submitting and reports them with generic codes;
 * these message patterns restore the chain's error name so both adapters agree.
 */
const SDK_MESSAGES: readonly [RegExp, LedgerErrorCode][] = [
  [/has decimals but the Asset is indivisible|indivisible/i, 'InvalidGranularity'],
  [
    /not enough free balance|insufficient free balance|free balance is not enough/i,
    'InsufficientPortfolioBalance',
  ],
  [/insufficient balance|not enough POLYX/i, 'InsufficientBalance'],
  [/ticker.*(already|is) (reserved|taken|registered)|already been reserved/i, 'TickerAlreadyRegistered'],
  [/identity does not exist|no identity|has no Identity/i, 'DidMustAlreadyExist'],
  [/already (linked|has an identity|associated to an Identity)/i, 'AlreadyLinked'],
  [/already frozen/i, 'AlreadyFrozen'],
  [/not frozen/i, 'NotFrozen'],
  [/requirement.*does not exist|Invalid compliance requirement/i, 'InvalidComplianceRequirementId'],
  [/portfolio.*does(n't| not) exist|Portfolio not found/i, 'PortfolioDoesNotExist'],
  [/portfolio.*(contains|has) (some )?assets|portfolio.*not empty/i, 'PortfolioNotEmpty'],
  [/name.*already (in use|used)|portfolio with that name/i, 'PortfolioNameAlreadyInUse'],
  [/custodian/i, 'UnauthorizedCustodian'],
  [/There is no Asset with|asset does not exist|doesn't exist/i, 'NoSuchAsset'],
  [/identifier.*(invalid|not valid)/i, 'InvalidAssetIdentifier'],
  [/claim.*(does not exist|doesn't exist|not found)/i, 'ClaimDoesNotExist'],
  [
    /already a (default )?trusted claim issuer|not a trusted claim issuer/i,
    'IncorrectOperationOnTrustedIssuer',
  ],
  [/CDD provider/i, 'UnAuthorizedCddProvider'],
  [/agent/i, 'UnauthorizedAgent'],
];

/** Transaction-pool refusals (RPC error 1010 etc.). */
const POOL_MESSAGES: readonly [RegExp, LedgerErrorCode][] = [
  [/Inability to pay some fees|balance too low/i, 'InsufficientPolyx'],
  [
    /Transaction is outdated|stale|Priority is too low|already imported|Transaction is temporarily banned/i,
    'InvalidNonce',
  ],
  [/bad signature|Invalid signing address/i, 'BadSignature'],
  [/Custom error/i, 'CddRequired'],
];

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  data?: unknown;
}

/**
 * The one translation of foreign errors into `LedgerError`: SDK `PolymeshError`s (a reverted
 * extrinsic carries `section.Name: docs` in its message), transaction-pool refusals and
 * anything else (kept as `ValidationError` with the original message).
 */
export function toLedgerError(err: unknown): LedgerError {
  if (err instanceof LedgerError) return err;
  const e: ErrorLike =
    typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const sdkCode = typeof e.code === 'string' ? e.code : undefined;

  const reverted = /^([a-z][A-Za-z0-9]*)\.([A-Z][A-Za-z0-9]*)(?::\s*(.*))?$/s.exec(message);
  if (reverted && (sdkCode === undefined || sdkCode === 'TransactionReverted')) {
    const [, section = '', name = '', docs] = reverted;
    return fromModuleError({ section, name, docs: docs ? [docs] : [] });
  }
  if (message === 'Bad origin') return new LedgerError('BadOrigin', message);

  for (const [pattern, code] of POOL_MESSAGES) {
    if (
      /^\d{4}:|Invalid Transaction|Priority|Transaction is|bad signature/i.test(message) &&
      pattern.test(message)
    ) {
      return new LedgerError(code, message, undefined, { pool: true });
    }
  }
  if (sdkCode !== undefined && sdkCode in SDK_CODES) {
    for (const [pattern, code] of SDK_MESSAGES) {
      if (pattern.test(message)) return new LedgerError(code, message, undefined, { sdkCode });
    }
    return new LedgerError(SDK_CODES[sdkCode] ?? 'ValidationError', message, undefined, { sdkCode });
  }
  if (/disconnected|not connected|WebSocket is not connected|ECONNREFUSED/i.test(message)) {
    return new LedgerError('NotConnected', message);
  }
  return new LedgerError('ValidationError', message, undefined, sdkCode ? { sdkCode } : undefined);
}

/**
 * An error from `submit`, classified by how far the transaction got. Before it was sent, the
 * SDK's own checks and transport errors mean what `toLedgerError` says. Once it may have left
 * (signed and handed to the node), only two answers are final: the pool refused it on admission
 * (fees, signature — never included, the nonce stays free), or the caller read the block and
 * attached the receipt of a failed dispatch. Anything else — a timeout, a dropped connection, a
 * failed block read, an error nobody recognised, even a revert reported without its block — is
 * `OutcomeUnknown`: the transaction may be in a block, so the caller must look it up by nonce.
 */
export function submissionError(err: unknown, sent: boolean): LedgerError {
  const e = toLedgerError(err);
  if (!sent || e.included || e.code === 'OutcomeUnknown') return e;
  if (e.details?.pool === true || e.details?.sdkCode === 'TransactionRejectedByUser') return e;
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
