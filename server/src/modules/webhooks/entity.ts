import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * One webhook event for one venue, recorded in the transaction that decided the outcome it
 * reports (outbox style). Its id is the event id the receiver deduplicates on.
 */
export class WebhookDelivery extends BaseEntity {
  venueId!: string;
  /** Unique: one event per outcome, however often the outcome is looked at. */
  dedupeKey!: string;
  eventType!: string;
  payload!: Record<string, unknown>;
  status: DeliveryStatus = 'pending';
  attempts = 0;
  lastStatusCode: number | null = null;
  lastError: string | null = null;
  nextAttemptAt: Date | null = null;
  deliveredAt: Date | null = null;
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery, BaseEntity>({
  class: WebhookDelivery,
  tableName: 'webhook_delivery',
  extends: BaseSchema,
  indexes: [{ properties: ['venueId', 'createdAt'] }, { properties: ['status'] }],
  properties: {
    venueId: { type: 'uuid' },
    dedupeKey: { type: 'string', length: 200, unique: true },
    eventType: { type: 'string', length: 50 },
    payload: { type: 'json' },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    lastStatusCode: { type: 'integer', nullable: true },
    lastError: { type: 'text', nullable: true },
    nextAttemptAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    deliveredAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});
