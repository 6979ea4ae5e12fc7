import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = 'x-stoa-signature';
/** Header carrying the event id (the delivery's id): receivers drop ids they have seen. */
export const EVENT_ID_HEADER = 'x-stoa-event-id';
/** Deliveries older than this are to be refused by receivers (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new webhook secret: 32 random bytes, `whsec_` + base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signPayload(secret: string, body: string, at: number): string {
  const t = Math.floor(at / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/**
 * What a receiver does (the integration guide shows the same code): the signature must match and
 * be at most `toleranceSeconds` old. Returns null when valid, else why not.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  now = Date.now(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): string | null {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return 'missing or malformed signature header';
  const t = Number(m[1]);
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return 'signature timestamp outside the tolerance';
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(m[2]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature mismatch';
}
