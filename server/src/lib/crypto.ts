import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Small cryptographic helpers: AES-256-GCM sealing for data at rest (documents, custodial keys,
 * personal data), SHA-256 digests, HMAC verification for webhooks, opaque random tokens.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format version byte, so the layout can change without guessing. */
const VERSION = 1;

/** Encrypts with AES-256-GCM. Output: version(1) | iv(12) | tag(16) | ciphertext. */
export function seal(key: Buffer, plaintext: Buffer, aad?: string): Buffer {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]);
}

/** Decrypts `seal`'s output; throws if the key, the associated data or any byte is wrong. */
export function open(key: Buffer, sealed: Buffer, aad?: string): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error('not a sealed value of a known version');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function sealJson(key: Buffer, value: unknown, aad?: string): Buffer {
  return seal(key, Buffer.from(JSON.stringify(value), 'utf8'), aad);
}

export function openJson<T>(key: Buffer, sealed: Buffer, aad?: string): T {
  return JSON.parse(open(key, sealed, aad).toString('utf8')) as T;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacHex(algorithm: string, secret: string, data: Buffer | string): string {
  return createHmac(algorithm, secret).update(data).digest('hex');
}

/** Constant-time comparison of two hex digests (false on any length or format mismatch). */
export function sameHex(a: string, b: string): boolean {
  if (!/^[0-9a-fA-F]*$/.test(a) || !/^[0-9a-fA-F]*$/.test(b)) return false;
  const ab = Buffer.from(a.toLowerCase(), 'utf8');
  const bb = Buffer.from(b.toLowerCase(), 'utf8');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/** An opaque random token, base64url, with an optional prefix (e.g. `stoa_` for API keys). */
export function randomToken(bytes = 32, prefix = ''): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
