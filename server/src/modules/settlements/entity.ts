import { EntitySchema } from '@mikro-orm/core';
import type { InstructionLeg, SettlementType } from '@stoa/chain';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/** A settlement instruction the platform created; the chain is the source of its status. */
export class Settlement extends BaseEntity {
  venueId: number | null = null;
  settlementType!: SettlementType;
  legs!: InstructionLeg[];
  memo: string | null = null;
  instructionId: number | null = null;
  /** Why the last execution or platform action failed, in the chain's words. */
  failureReason: string | null = null;
  purpose: string | null = null;
  requestedBy!: string;
}

export const SettlementSchema = new EntitySchema<Settlement, BaseEntity>({
  class: Settlement,
  tableName: 'settlement',
  extends: BaseSchema,
  properties: {
    venueId: { type: 'integer', nullable: true },
    settlementType: { type: 'json' },
    legs: { type: 'json' },
    memo: { type: 'string', length: 32, nullable: true },
    instructionId: { type: 'integer', nullable: true, unique: true },
    failureReason: { type: 'text', nullable: true },
    purpose: { type: 'string', length: 100, nullable: true },
    requestedBy: { type: 'string', length: 100 },
  },
});
