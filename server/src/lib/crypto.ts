import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Small cryptographic helpers: AES-256-GCM for data at rest (the key ring in modules/keys
 * decides which key), SHA-256 digests, HMAC verification for webhooks, opaque random tokens.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
}

/**
 * AES-256-GCM. Output: header | iv(12) | tag(16) | ciphertext. The header (format version, key
 * id) is authenticated together with `context`, so neither can be changed without detection.
 */
export function gcmSeal(key: Buffer, plaintext: Buffer, header: Buffer, context: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ct]);
}

/** Opens `gcmSeal`'s output; throws if the key, the context, the header or any byte is wrong. */
export function gcmOpen(key: Buffer, sealed: Buffer, headerBytes: number, context: string): Buffer {
  checkKey(key);
  if (sealed.length < headerBytes + IV_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
  const iv = sealed.subarray(headerBytes, headerBytes + IV_BYTES);
  const tag = sealed.subarray(headerBytes + IV_BYTES, headerBytes + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.concat([sealed.subarray(0, headerBytes), Buffer.from(context, 'utf8')]));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(headerBytes + IV_BYTES + TAG_BYTES)),
    decipher.final(),
  ]);
}

/**
 * Opens the first format (version byte 1 | iv | tag | ciphertext, sealed straight with the
 * master key, the version byte not authenticated). Nothing is sealed this way any more; values
 * written before key ids existed open through here until `rotate-key` re-encrypts them.
 */
export function openV1(key: Buffer, sealed: Buffer, context: string): Buffer {
  checkKey(key);
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== 1) throw new Error('not a version 1 value');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
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
