import type { Middleware } from 'openapi-fetch';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Keys kept for calls whose outcome is unknown; the oldest go first beyond this. */
const MAX_KEPT = 100;

/** 32 hex characters; `getRandomValues` works outside secure contexts too, unlike `randomUUID`. */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Idempotency-Keys for the portal, one per user action. A call is the same action when it has
 * the same method, URL and body; it keeps its key while its outcome is unknown (no answer, a
 * server error, or the server still processing it), so a double click or a retry after a
 * network error gets the first answer instead of acting twice. A definite answer — success or
 * refusal — ends the action: the next call is a new one, with a new key.
 */
export class ActionKeys {
  private readonly keys = new Map<string, string>();

  constructor(private readonly newKey: () => string = randomKey) {}

  keyFor(signature: string): string {
    let key = this.keys.get(signature);
    if (!key) {
      key = this.newKey();
      this.keys.set(signature, key);
      if (this.keys.size > MAX_KEPT) this.keys.delete(this.keys.keys().next().value!);
    }
    return key;
  }

  /** `status` 0 means no answer; `code` is the error body's code, when there is one. */
  settle(signature: string, status: number, code?: string): void {
    const unknown = status === 0 || status >= 500 || code === 'REQUEST_IN_PROGRESS';
    if (!unknown) this.keys.delete(signature);
  }
}

async function errorCode(response: Response): Promise<string | undefined> {
  if (response.ok) return undefined;
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string'
      ? body.code
      : undefined;
  } catch {
    return undefined;
  }
}

/** Adds the action's Idempotency-Key to every mutating call of the typed client. */
export function idempotencyMiddleware(keys: ActionKeys): Middleware {
  const signatures = new Map<string, string>();
  return {
    async onRequest({ request, id }) {
      if (!MUTATING.has(request.method) || request.headers.has('idempotency-key')) return undefined;
      const signature = `${request.method} ${request.url}\n${await request.clone().text()}`;
      signatures.set(id, signature);
      request.headers.set('idempotency-key', keys.keyFor(signature));
      return request;
    },
    async onResponse({ id, response }) {
      const signature = signatures.get(id);
      if (signature === undefined) return undefined;
      signatures.delete(id);
      keys.settle(signature, response.status, await errorCode(response));
      return undefined;
    },
    onError({ id }) {
      // No answer: the key stays with the action for its retry.
      signatures.delete(id);
      return undefined;
    },
  };
}
