import createClient from 'openapi-fetch';
import { ActionKeys, idempotencyMiddleware } from './idempotency';
import { isSignOut, sessionGate } from './sessionGate';
import type { SessionGate } from './sessionGate';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];
export type ApiClient = ReturnType<typeof createClient<paths>>;

export interface ApiClientOptions {
  /** Defaults to the page's origin: the server serves the API and the portal together. */
  baseUrl?: string;
  fetch?: (input: Request) => Promise<Response>;
  /** Idempotency-Keys of mutating calls; tests inject their own. */
  keys?: ActionKeys;
  /** Holds requests while signing out; defaults to the page's gate. */
  gate?: SessionGate;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const inner = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? globalThis.location?.origin ?? '',
    fetch: (options.gate ?? sessionGate).wrap(inner, isSignOut),
  });
  client.use(idempotencyMiddleware(options.keys ?? new ActionKeys()));
  return client;
}

export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call, whatever the cause: an error body, a non-JSON answer or no answer at all. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly code: string;
  readonly details: readonly FieldError[];
  /** The rest of the body's `details` (e.g. `missingDocuments`), for screens that act on it. */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: readonly FieldError[];
    extra?: Record<string, unknown>;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.extra = init.extra ?? {};
  }

  /** Messages keyed by input field, for forms: `{ '/body/email': 'must be an email' }`. */
  get fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const { field, message } of this.details) byField[field] ??= message;
    return byField;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server puts field problems in `details.fields`: `[{ field: '/body/email', message }]`. */
function toFieldErrors(details: unknown): FieldError[] {
  const value = isRecord(details) ? details.fields : undefined;
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): FieldError[] =>
    isRecord(item) && typeof item.field === 'string' && typeof item.message === 'string'
      ? [{ field: item.field, message: item.message }]
      : [],
  );
}

const FALLBACK_MESSAGES: Record<number, string> = {
  0: 'The server could not be reached. Check your connection and try again.',
  401: 'Your session has ended. Sign in again.',
  403: 'You do not have permission to do this.',
  404: 'Not found.',
  429: 'Too many requests. Wait a moment and try again.',
};

/** Server messages written for API clients, said for the people using the portal. */
const PEOPLE_MESSAGES: Record<string, string> = {
  REQUEST_IN_PROGRESS:
    'Your earlier attempt is still being processed. Wait a moment, then try again to see its result.',
  IDEMPOTENCY_KEY_REUSED:
    'An earlier attempt with other details may already have gone through. Reload the page to check before you try again.',
};

function fallbackMessage(status: number): string {
  return (
    FALLBACK_MESSAGES[status] ??
    (status >= 500 ? 'The server failed to answer. Try again later.' : `Request failed (HTTP ${status}).`)
  );
}

/**
 * Turns whatever came back from a failed call into an ApiError. Server error bodies
 * (`{ statusCode, code, error, message, details? }`) keep their code, message and field details;
 * anything else (a proxy's HTML page, an empty body) gets a generic message for its status.
 */
export function toApiError(body: unknown, status: number): ApiError {
  if (isRecord(body) && typeof body.message === 'string' && body.message !== '') {
    const code = typeof body.code === 'string' ? body.code : `HTTP_${status}`;
    return new ApiError({
      status: typeof body.statusCode === 'number' ? body.statusCode : status,
      code,
      message: PEOPLE_MESSAGES[code] ?? body.message,
      details: toFieldErrors(body.details),
      extra: isRecord(body.details) ? body.details : {},
    });
  }
  return new ApiError({
    status,
    code: status === 0 ? 'NETWORK_ERROR' : `HTTP_${status}`,
    message: fallbackMessage(status),
  });
}

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError for an error status
 * or a network failure: `const op = await request(api.GET('/operations/{id}', ...))`.
 */
export async function request<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw toApiError(undefined, 0);
  }
  if (result.error !== undefined || !result.response.ok)
    throw toApiError(result.error, result.response.status);
  return result.data as T;
}
