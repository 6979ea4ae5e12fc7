import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/**
 * One client Idempotency-Key of one principal: what it was first used for and, once that request
 * succeeded, its answer (sealed: answers can carry secrets such as a new API key's token).
 */
export class IdempotencyRecord extends BaseEntity {
  /** The principal's id (`user:…`, `api-key:…`, `operator`): keys are scoped per principal. */
  principal!: string;
  key!: string;
  /** What the key was first used for, e.g. `POST /assets/:id/issue`, named in refusals. */
  request!: string;
  /** SHA-256 of the method, route, parameters, query and body of the first request. */
  fingerprint!: string;
  status: 'processing' | 'completed' = 'processing';
  /** Until when the first request holds the key; after that an abandoned request may be re-run. */
  lockedUntil!: Date;
  responseStatus: number | null = null;
  responseHeaders: Record<string, string> | null = null;
  responseBody: Buffer | null = null;
  expiresAt!: Date;
}

export const IdempotencyRecordSchema = new EntitySchema<IdempotencyRecord, BaseEntity>({
  class: IdempotencyRecord,
  tableName: 'idempotency_record',
  extends: BaseSchema,
  uniques: [{ properties: ['principal', 'key'] }],
  indexes: [{ properties: ['expiresAt'] }],
  properties: {
    principal: { type: 'string', length: 100 },
    key: { type: 'string', length: 120 },
    request: { type: 'string', length: 250 },
    fingerprint: { type: 'string', length: 64 },
    status: { type: 'string', length: 16 },
    lockedUntil: { type: 'Date', columnType: 'timestamptz(3)' },
    responseStatus: { type: 'integer', nullable: true },
    responseHeaders: { type: 'json', nullable: true },
    responseBody: { type: 'blob', nullable: true, lazy: true },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)' },
  },
});
