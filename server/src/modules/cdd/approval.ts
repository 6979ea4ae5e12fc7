import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export type ApprovalGround = 'enhanced-due-diligence' | 'red-override';

/**
 * One reviewer's approval of an application that needs two (four-eyes): a PEP or sanctions hit
 * (enhanced due diligence) or a RED vendor verdict being overridden. The first approval waits
 * (`consumedAt` null); the second, by a different person, is recorded with it and both are
 * consumed by the attestation they allowed.
 */
export class CddApproval extends BaseEntity {
  applicationId!: string;
  /** The person: `user:<id>` whether they act by session or API key, else the principal id. */
  reviewer!: string;
  /** The principal as recorded in the audit trail (`api-key:<id>`, `user:<id>`). */
  actor!: string;
  grounds: ApprovalGround[] = [];
  reason: string | null = null;
  consumedAt: Date | null = null;
  attestationId: string | null = null;
}

export const CddApprovalSchema = new EntitySchema<CddApproval, BaseEntity>({
  class: CddApproval,
  tableName: 'cdd_approval',
  extends: BaseSchema,
  indexes: [{ properties: ['applicationId'] }],
  properties: {
    applicationId: { type: 'uuid' },
    reviewer: { type: 'string', length: 100 },
    actor: { type: 'string', length: 100 },
    grounds: { type: 'json' },
    reason: { type: 'text', nullable: true },
    consumedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    attestationId: { type: 'uuid', nullable: true },
  },
});
