import type { MerkleVersion } from './merkle.js';

/**
 * Remarks starting with this are audit anchors. The prefix is reserved: the admin remark route
 * refuses it, so the platform's account only ever signs audit remarks that the anchorer made.
 */
export const ANCHOR_REMARK_PREFIX = 'stoa:audit:';

/** What an anchor remark says: entries `fromSeq`..`toSeq` have Merkle root `root` (rule `version`). */
export interface AnchorClaim {
  version: MerkleVersion;
  fromSeq: bigint;
  toSeq: bigint;
  root: string;
}

export function anchorRemark(c: AnchorClaim): string {
  return `${ANCHOR_REMARK_PREFIX}v${c.version}:${c.fromSeq}-${c.toSeq}:${c.root}`;
}

const REMARK = /^stoa:audit:v([12]):([1-9][0-9]*)-([1-9][0-9]*):([0-9a-f]{64})$/;

/** The claim an anchor remark makes, or null for any other text. */
export function parseAnchorRemark(text: string): AnchorClaim | null {
  const m = REMARK.exec(text);
  if (!m) return null;
  const claim = {
    version: Number(m[1]) as MerkleVersion,
    fromSeq: BigInt(m[2]!),
    toSeq: BigInt(m[3]!),
    root: m[4]!,
  };
  return claim.fromSeq <= claim.toSeq ? claim : null;
}

/** "entries 3–9", "entry 3": ranges in words for auditors. */
export function entriesInWords(from: bigint, to: bigint): string {
  return from === to ? `entry ${from}` : `entries ${from}–${to}`;
}
