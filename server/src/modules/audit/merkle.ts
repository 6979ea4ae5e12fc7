import { createHash } from 'node:crypto';

const sha256 = (a: Buffer, b: Buffer): Buffer => createHash('sha256').update(a).update(b).digest();

/**
 * Merkle root over audit entry hashes (hex), in sequence order. Pairs are hashed left‖right
 * with SHA-256; an odd node at the end of a level is paired with itself. One leaf is its own root.
 */
export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) throw new Error('merkle root of nothing');
  let level: Buffer[] = leaves.map((h) => Buffer.from(h, 'hex'));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
  }
  return level[0]!.toString('hex');
}

export interface ProofStep {
  /** Sibling hash (hex). */
  hash: string;
  /** Where the sibling stands when hashing the pair. */
  position: 'left' | 'right';
}

/** The path proving leaf `index` belongs to `merkleRoot(leaves)`. */
export function merkleProof(leaves: readonly string[], index: number): ProofStep[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const proof: ProofStep[] = [];
  let level: Buffer[] = leaves.map((h) => Buffer.from(h, 'hex'));
  let i = index;
  while (level.length > 1) {
    const sibling = i % 2 === 0 ? (level[i + 1] ?? level[i]!) : level[i - 1]!;
    proof.push({ hash: sibling.toString('hex'), position: i % 2 === 0 ? 'right' : 'left' });
    const next: Buffer[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(sha256(level[k]!, level[k + 1] ?? level[k]!));
    level = next;
    i = Math.floor(i / 2);
  }
  return proof;
}

/** Recomputes the root from a leaf and its proof. */
export function verifyProof(leaf: string, proof: readonly ProofStep[], root: string): boolean {
  let node: Buffer = Buffer.from(leaf, 'hex');
  for (const step of proof) {
    const sib = Buffer.from(step.hash, 'hex');
    node = step.position === 'left' ? sha256(sib, node) : sha256(node, sib);
  }
  return node.toString('hex') === root;
}
