import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * One row of the append-only, hash-chained audit log. `hash` covers the row's content and the
 * previous row's hash, so rewriting any row breaks every hash after it.
 */
export class AuditEntry {
  /** Position in the chain, gap-free, from 1. */
  seq!: string;
  at: Date = new Date();
  /** Who decided: a user id, an API key id, or `system`. */
  actor!: string;
  /** What was decided, e.g. `operation.finalised`, `kyc.verdict`. */
  action!: string;
  subjectType!: string;
  subjectId!: string;
  data: Record<string, unknown> = {};
  prevHash!: string;
  hash!: string;
}

export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  class: AuditEntry,
  tableName: 'audit_entry',
  indexes: [{ properties: ['subjectType', 'subjectId'] }, { properties: ['action'] }, { properties: ['at'] }],
  properties: {
    seq: { type: new BigIntType('string'), primary: true },
    at: { type: 'Date', columnType: 'timestamptz(3)' },
    actor: { type: 'string', length: 100 },
    action: { type: 'string', length: 100 },
    subjectType: { type: 'string', length: 50 },
    subjectId: { type: 'string', length: 100 },
    data: { type: 'json' },
    prevHash: { type: 'string', length: 64 },
    hash: { type: 'string', length: 64, unique: true },
  },
});

/**
 * A Merkle root over a contiguous run of audit entries, anchored on chain with a remark
 * (`stoa:audit:v1:<fromSeq>-<toSeq>:<root>`), so anyone holding the chain can prove the log
 * was not rewritten after the anchor.
 */
export class AuditAnchor {
  id!: string;
  createdAt: Date = new Date();
  fromSeq!: string;
  toSeq!: string;
  leafCount!: number;
  root!: string;
  remark!: string;
  operationId!: string;
  requestedBy!: string;
}

export const AuditAnchorSchema = new EntitySchema<AuditAnchor>({
  class: AuditAnchor,
  tableName: 'audit_anchor',
  properties: {
    id: { type: 'uuid', primary: true },
    createdAt: { type: 'Date', columnType: 'timestamptz(3)' },
    fromSeq: { type: new BigIntType('string') },
    toSeq: { type: new BigIntType('string'), unique: true },
    leafCount: { type: 'integer' },
    root: { type: 'string', length: 64 },
    remark: { type: 'string', length: 200 },
    operationId: { type: 'uuid' },
    requestedBy: { type: 'string', length: 100 },
  },
});
