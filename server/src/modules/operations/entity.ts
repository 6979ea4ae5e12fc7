import { EntitySchema } from '@mikro-orm/core';
import type { LedgerCall } from '@stoa/chain';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export const OPERATION_STATUSES = ['pending', 'submitted', 'in-block', 'finalised', 'failed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export interface OperationReceipt {
  txHash: string;
  blockNumber: number;
  blockHash: string;
}

/**
 * One chain write, recorded in the same database transaction as the business change that
 * caused it (the outbox). Workers move it pending → submitted → in-block → finalised | failed.
 */
export class ChainOperation extends BaseEntity {
  /** Caller-chosen key: the same key never produces a second operation. */
  idempotencyKey!: string;
  /** The ledger call name, e.g. `asset.createAsset`. */
  kind!: string;
  call!: LedgerCall;
  /** Address of the account that signs. */
  signer!: string;
  status: OperationStatus = 'pending';
  /** Nonce recorded before the transaction left the platform; the key to exactly-once. */
  nonce: number | null = null;
  /** Chain height when the transaction was first sent: where a recovery scan starts. */
  submittedAtBlock: number | null = null;
  attempts = 0;
  /**
   * Position of this operation's call in the batch transaction carrying it (0 when alone); the
   * operations of one batch share (signer, nonce).
   */
  batchIndex = 0;
  /** Calls in the `utility.forceBatch` carrying this operation; null when sent alone. */
  batchSize: number | null = null;
  /**
   * Never coalesced again: a batch carrying it was refused whole before inclusion, so each of
   * its operations goes alone and a refusal fails only the operation it concerns.
   */
  solo = false;
  /** Set only when `failed`: the chain's refusal. */
  errorCode: string | null = null;
  errorMessage: string | null = null;
  /**
   * Why the last attempt ended without an outcome (no key for the signer, a timeout after
   * sending…), while the operation is still being retried; cleared when it finishes.
   */
  lastError: string | null = null;
  receipt: OperationReceipt | null = null;
  /** Call-specific result (asset id, DID, instruction id...). */
  result: unknown = null;
  /** What the operation belongs to, e.g. `{ type: 'asset', id }`, for listings and audits. */
  subjectType: string | null = null;
  subjectId: string | null = null;
  /** Who asked for it (user id, API key id, `system`). */
  requestedBy!: string;
  finalisedAt: Date | null = null;
}

export const ChainOperationSchema = new EntitySchema<ChainOperation, BaseEntity>({
  class: ChainOperation,
  tableName: 'chain_operation',
  extends: BaseSchema,
  indexes: [{ properties: ['status'] }, { properties: ['subjectType', 'subjectId'] }],
  // The fence of exactly-once: one transaction per (signer, nonce), whichever instance records it
  // (each transaction's first operation has batch index 0; a batch's others follow it).
  uniques: [{ properties: ['signer', 'nonce', 'batchIndex'] }],
  properties: {
    idempotencyKey: { type: 'string', length: 200, unique: true },
    kind: { type: 'string', length: 100 },
    call: { type: 'json' },
    signer: { type: 'string', length: 64 },
    status: { type: 'string', length: 16 },
    nonce: { type: 'integer', nullable: true },
    submittedAtBlock: { type: 'integer', nullable: true },
    attempts: { type: 'integer' },
    batchIndex: { type: 'integer', default: 0 },
    batchSize: { type: 'integer', nullable: true },
    solo: { type: 'boolean', default: false },
    errorCode: { type: 'string', length: 100, nullable: true },
    errorMessage: { type: 'text', nullable: true },
    lastError: { type: 'text', nullable: true },
    receipt: { type: 'json', nullable: true },
    result: { type: 'json', nullable: true },
    subjectType: { type: 'string', length: 50, nullable: true },
    subjectId: { type: 'string', length: 100, nullable: true },
    requestedBy: { type: 'string', length: 100 },
    finalisedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});
