import { blake2AsHex } from '@polkadot/util-crypto';

/**
 * The hash a `system.Remarked` event carries for a remark: blake2-256 of its UTF-8 bytes, as
 * Polymesh's runtime computes it. A node's event holds only this hash, not the text, so a reader
 * proves what was remarked by hashing the text it expects and comparing.
 */
export function remarkHash(remark: string): string {
  return blake2AsHex(remark, 256);
}
