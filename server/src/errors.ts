import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { chainErrorText, LedgerError, type LedgerErrorCode } from '@stoa/chain';

/**
 * Every error the API returns has one of these codes. The HTTP status is decided here and
 * nowhere else; 4xx messages tell the client what was wrong, 5xx text is never sent.
 */
export const APP_ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request (headers or body) did not arrive in full within the server's time limits. */
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  /** A request with the same Idempotency-Key has not answered yet; retry to get its answer. */
  REQUEST_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request was understood but a business or chain rule refuses it. */
  RULE_VIOLATION: 422,
  /** An Idempotency-Key sent again with a different request. */
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  CHAIN_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `/body/amount`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly statusCode: number;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: { fields?: FieldProblem[]; chainError?: string; [k: string]: unknown },
  ) {
    super(message);
    this.statusCode = APP_ERROR_STATUS[code];
  }

  static notFound(what: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${what} ${id} does not exist`);
  }
}

/** Ledger codes that mean "the chain refused this request", as opposed to infrastructure trouble. */
const INFRASTRUCTURE_CODES: ReadonlySet<LedgerErrorCode> = new Set([
  'NotConnected',
  'UnknownSigner',
  'InvalidNonce',
]);

/** The one translation from ledger errors to API errors. */
export function fromLedgerError(err: LedgerError): AppError {
  if (INFRASTRUCTURE_CODES.has(err.code)) {
    return new AppError('CHAIN_UNAVAILABLE', 'The chain could not take the transaction; try again later', {
      chainError: err.code,
    });
  }
  // The code stays for machines (details.chainError); the message is for the person who asked.
  return new AppError('RULE_VIOLATION', chainErrorText(err.code), {
    chainError: err.code,
  });
}

/** PostgreSQL's class 22 ("data exception"): a value the column or parameter cannot hold. */
const DATA_EXCEPTIONS: Readonly<Record<string, string>> = {
  '22001': 'a text is longer than its field allows',
  '22003': 'a number is out of range',
  '22007': 'a date or time is not valid',
  '22008': 'a date or time is out of range',
  '22021': 'a text contains characters that cannot be stored',
  '22P02': 'a value is not in the form its field needs (for example an id that is not a UUID)',
  '22P05': 'a text contains characters that cannot be stored',
  '2201W': 'a limit is out of range',
  '2201X': 'an offset is out of range',
};

function fromDataException(err: DriverException): AppError {
  const code = err.code!;
  // The driver prefixes the SQL ("select … - <PostgreSQL's message>"); only the message is shown.
  const firstLine = err.message.split('\n')[0] ?? '';
  const said = firstLine.includes(' - ')
    ? firstLine.slice(firstLine.lastIndexOf(' - ') + 3).slice(0, 200)
    : '';
  const what = DATA_EXCEPTIONS[code] ?? 'a value cannot be stored';
  return new AppError('VALIDATION_FAILED', `Invalid request: ${what}${said ? ` (${said})` : ''}`, {
    sqlState: code,
  });
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof LedgerError) return fromLedgerError(err);
  // A race the service's own checks could not see: two requests creating the same thing.
  if (err instanceof UniqueConstraintViolationException) {
    return new AppError(
      'CONFLICT',
      'This conflicts with a record that was created at the same time; retry the request',
    );
  }
  if (err instanceof DriverException && typeof err.code === 'string' && err.code.startsWith('22')) {
    return fromDataException(err);
  }
  return undefined;
}
