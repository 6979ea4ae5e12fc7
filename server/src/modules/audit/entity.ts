import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { MerkleVersion } from './merkle.js';

/**
 * One row of the append-only, hash-chained audit log. A row is inserted unchained (`seq`,
 * `prevHash` and `hash` null) in the transaction of the decision it records; the appender
 * (chainer.ts) then gives committed rows their chain position and hash, in the order it sees
 * them committed. `hash` covers the row's content, its position and the previous row's hash, so
 * rewriting any chained row breaks every hash after it.
 */
export class AuditEntry {
  /** Insertion key from a sequence: orders rows before they are chained; not part of the hash. */
  id!: string;
  /** Position in the chain, gap-free, from 1; null while the row waits to be chained. */
  seq: string | null = null;
  at: Date = new Date();
  /** Who decided: a user id, an API key id, or `system`. */
  actor!: string;
  /** What was decided, e.g. `operation.finalised`, `kyc.verdict`. */
  action!: string;
  subjectType!: string;
  subjectId!: string;
  data: Record<string, unknown> = {};
  prevHash: string | null = null;
  hash: string | null = null;
}

/** A row the appender has chained. */
export type ChainedEntry = AuditEntry & { seq: string; prevHash: string; hash: string };

export const isChained = (e: AuditEntry): e is ChainedEntry =>
  e.seq !== null && e.prevHash !== null && e.hash !== null;

export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  class: AuditEntry,
  tableName: 'audit_entry',
  indexes: [
    { properties: ['subjectType', 'subjectId'] },
    { properties: ['action'] },
    { properties: ['at'] },
    {
      // What the appender looks for: committed rows not chained yet.
      name: 'audit_entry_unchained_index',
      expression: 'create index "audit_entry_unchained_index" on "audit_entry" ("id") where "seq" is null',
    },
  ],
  properties: {
    id: { type: new BigIntType('string'), primary: true, autoincrement: true },
    seq: { type: new BigIntType('string'), nullable: true, unique: true },
    at: { type: 'Date', columnType: 'timestamptz(3)' },
    actor: { type: 'string', length: 100 },
    action: { type: 'string', length: 100 },
    subjectType: { type: 'string', length: 50 },
    subjectId: { type: 'string', length: 100 },
    data: { type: 'json' },
    prevHash: { type: 'string', length: 64, nullable: true },
    hash: { type: 'string', length: 64, unique: true, nullable: true },
  },
});

/** `pending` until the outbox records the remark's outcome; only `on-chain` anchors back proofs. */
export type AnchorStatus = 'pending' | 'on-chain' | 'failed';

/**
 * A Merkle root over a contiguous run of audit entries, anchored on chain with a remark
 * (`stoa:audit:v<version>:<fromSeq>-<toSeq>:<root>`), so anyone holding the chain can prove the
 * log was not rewritten after the anchor. A failed remark leaves its row as `failed` and the
 * range is anchored again; rows are never deleted (a trigger refuses it).
 */
export class AuditAnchor {
  id!: string;
  createdAt: Date = new Date();
  fromSeq!: string;
  toSeq!: string;
  leafCount!: number;
  /** Merkle tree rule the root was made with (see merkle.ts). */
  version!: MerkleVersion;
  root!: string;
  remark!: string;
  operationId!: string;
  requestedBy!: string;
  status: AnchorStatus = 'pending';
  /** Where the remark landed, copied from the operation's receipt when it finalised. */
  blockNumber: number | null = null;
  txHash: string | null = null;
}

export const AuditAnchorSchema = new EntitySchema<AuditAnchor>({
  class: AuditAnchor,
  tableName: 'audit_anchor',
  uniques: [
    {
      // A failed anchor's range is anchored again, so only live anchors must end at distinct entries.
      name: 'audit_anchor_live_to_seq_unique',
      expression:
        'create unique index "audit_anchor_live_to_seq_unique" on "audit_anchor" ("to_seq") where "status" <> \'failed\'',
    },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    createdAt: { type: 'Date', columnType: 'timestamptz(3)' },
    fromSeq: { type: new BigIntType('string') },
    toSeq: { type: new BigIntType('string') },
    leafCount: { type: 'integer' },
    version: { type: 'smallint' },
    root: { type: 'string', length: 64 },
    remark: { type: 'string', length: 200 },
    operationId: { type: 'uuid' },
    requestedBy: { type: 'string', length: 100 },
    status: { type: 'string', length: 16 },
    blockNumber: { type: 'integer', nullable: true },
    txHash: { type: 'string', length: 66, nullable: true },
  },
});
