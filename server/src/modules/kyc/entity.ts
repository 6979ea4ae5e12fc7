import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';
import type { KycEvent } from './provider.js';

/** A verified vendor webhook. (provider, eventId) is unique: the replay guard and job key. */
export class KycWebhookEvent extends BaseEntity {
  provider!: string;
  eventId!: string;
  type!: string;
  event!: KycEvent;
  payloadSha256!: string;
  processedAt: Date | null = null;
  outcome: string | null = null;
  applicationId: string | null = null;
}

export const KycWebhookEventSchema = new EntitySchema<KycWebhookEvent, BaseEntity>({
  class: KycWebhookEvent,
  tableName: 'kyc_webhook_event',
  extends: BaseSchema,
  uniques: [{ properties: ['provider', 'eventId'] }],
  properties: {
    provider: { type: 'string', length: 16 },
    eventId: { type: 'string', length: 200 },
    type: { type: 'string', length: 100 },
    event: { type: 'json' },
    payloadSha256: { type: 'string', length: 64 },
    processedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    outcome: { type: 'string', length: 100, nullable: true },
    applicationId: { type: 'uuid', nullable: true },
  },
});
