import { createHash } from 'node:crypto';

/**
 * Merkle trees over audit entry hashes (hex), in sequence order, SHA-256.
 *
 * Version 2 (every anchor made since) separates leaves from inner nodes, as RFC 6962 does:
 * leaf = H(0x00 ‖ entry hash), node = H(0x01 ‖ left ‖ right), and an odd node at the end of a
 * level moves up unchanged. Without the prefixes an inner node's value could be passed off as a
 * leaf (a proof for an "entry" that is really two entries' parent), and pairing an odd node with
 * itself gives [a, b, c] and [a, b, c, c] the same root.
 *
 * Version 1 (anchors made before) hashed left ‖ right with no prefix, the leaf was the entry hash
 * itself, and an odd node was paired with itself. Those anchors are already on chain, so they are
 * still verified by their own rule; the anchor row and its remark say which version applies.
 */
export type MerkleVersion = 1 | 2;
export const MERKLE_VERSION: MerkleVersion = 2;

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function leafOf(entryHash: string, version: MerkleVersion): Buffer {
  const raw = Buffer.from(entryHash, 'hex');
  return version === 1 ? raw : sha256(LEAF, raw);
}

function parent(left: Buffer, right: Buffer, version: MerkleVersion): Buffer {
  return version === 1 ? sha256(left, right) : sha256(NODE, left, right);
}

/** The level above: pairs hashed; a lone last node duplicated (v1) or carried up (v2). */
function up(level: readonly Buffer[], version: MerkleVersion): Buffer[] {
  const next: Buffer[] = [];
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1];
    if (right) next.push(parent(level[i]!, right, version));
    else next.push(version === 1 ? parent(level[i]!, level[i]!, version) : level[i]!);
  }
  return next;
}

export function merkleRoot(leaves: readonly string[], version: MerkleVersion = MERKLE_VERSION): string {
  if (leaves.length === 0) throw new Error('merkle root of nothing');
  let level = leaves.map((h) => leafOf(h, version));
  while (level.length > 1) level = up(level, version);
  return level[0]!.toString('hex');
}

export interface ProofStep {
  /** Sibling hash (hex). */
  hash: string;
  /** Where the sibling stands when hashing the pair. */
  position: 'left' | 'right';
}

/** The path proving leaf `index` belongs to `merkleRoot(leaves, version)`. */
export function merkleProof(
  leaves: readonly string[],
  index: number,
  version: MerkleVersion = MERKLE_VERSION,
): ProofStep[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const proof: ProofStep[] = [];
  let level = leaves.map((h) => leafOf(h, version));
  let i = index;
  while (level.length > 1) {
    if (i % 2 === 1) proof.push({ hash: level[i - 1]!.toString('hex'), position: 'left' });
    else if (level[i + 1]) proof.push({ hash: level[i + 1]!.toString('hex'), position: 'right' });
    else if (version === 1) proof.push({ hash: level[i]!.toString('hex'), position: 'right' });
    level = up(level, version);
    i = Math.floor(i / 2);
  }
  return proof;
}

/** Recomputes the root from an entry's hash and its proof. */
export function verifyProof(
  entryHash: string,
  proof: readonly ProofStep[],
  root: string,
  version: MerkleVersion = MERKLE_VERSION,
): boolean {
  let node = leafOf(entryHash, version);
  for (const step of proof) {
    const sib = Buffer.from(step.hash, 'hex');
    node = step.position === 'left' ? parent(sib, node, version) : parent(node, sib, version);
  }
  return node.toString('hex') === root;
}

/**
 * `merkleRoot(leaves, version)` built one leaf at a time, holding one node per set bit of the
 * count (O(log n)): both rules' trees are the perfect subtrees of the count's binary form,
 * joined from the right (v1 first pairs a shorter right part with itself up to the height of
 * its left neighbour, as its level-by-level rule does). Lets verify stream a range of any length.
 */
export class MerkleAccumulator {
  private readonly stack: { height: number; node: Buffer }[] = [];
  count = 0;

  constructor(readonly version: MerkleVersion = MERKLE_VERSION) {}

  push(entryHash: string): void {
    let node = leafOf(entryHash, this.version);
    let height = 0;
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.height === height) {
      node = parent(this.stack.pop()!.node, node, this.version);
      height += 1;
    }
    this.stack.push({ height, node });
    this.count += 1;
  }

  root(): string {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw new Error('merkle root of nothing');
    let { node, height } = top;
    for (let i = this.stack.length - 2; i >= 0; i--) {
      const left = this.stack[i]!;
      if (this.version === 1) {
        for (; height < left.height; height++) node = parent(node, node, 1);
      }
      node = parent(left.node, node, this.version);
      height = left.height + 1;
    }
    return node.toString('hex');
  }
}
