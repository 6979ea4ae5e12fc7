import { createCipheriv, randomBytes } from 'node:crypto';

/** The fixed key Stoa used before it generated one (it was in the source for all to read). */
export const LEGACY_KEY = Buffer.from('stoa-development-key-not-secret!', 'utf8');

/** Seals as versions before key ids did: 1 | iv | tag | ciphertext, straight under one key. */
export function sealV1(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), ct]);
}
