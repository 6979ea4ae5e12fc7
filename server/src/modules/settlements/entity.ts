import { EntitySchema } from '@mikro-orm/core';
import type { InstructionLeg, SettlementType } from '@stoa/chain';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/** Every identity a leg moves from or to (fungible portfolios' DIDs, off-chain parties), once each. */
export function partiesOf(legs: InstructionLeg[]): string[] {
  const dids = legs.flatMap((l) => (l.type === 'Fungible' ? [l.from.did, l.to.did] : [l.from, l.to]));
  return [...new Set(dids)].sort();
}

/** A settlement instruction the platform created; the chain is the source of its status. */
export class Settlement extends BaseEntity {
  venueId: number | null = null;
  settlementType!: SettlementType;
  legs!: InstructionLeg[];
  /** The legs' parties (`partiesOf(legs)`), kept in step with the legs; GIN-indexed for "mine" reads. */
  parties: string[] = [];
  memo: string | null = null;
  instructionId: number | null = null;
  /** Why the last execution or platform action failed, in the chain's words. */
  failureReason: string | null = null;
  purpose: string | null = null;
  requestedBy!: string;
  /**
   * The platform-side deadline: an instruction still not executed by then is rejected (its locks
   * released) by the settlement expiry scan. Null: none (ATS trades keep their own deadline).
   */
  expiresAt: Date | null = null;
}

/** Where a reader of the chain's event stream got to (the last block it handled). */
export class ChainCursor extends BaseEntity {
  name!: string;
  block!: number;
}

export const ChainCursorSchema = new EntitySchema<ChainCursor, BaseEntity>({
  class: ChainCursor,
  tableName: 'chain_cursor',
  extends: BaseSchema,
  properties: {
    name: { type: 'string', length: 50, unique: true },
    block: { type: 'integer' },
  },
});

export const SettlementSchema = new EntitySchema<Settlement, BaseEntity>({
  class: Settlement,
  tableName: 'settlement',
  extends: BaseSchema,
  indexes: [{ properties: ['parties'], type: 'gin' }, { properties: ['createdAt'] }],
  properties: {
    venueId: { type: 'integer', nullable: true },
    settlementType: { type: 'json' },
    legs: { type: 'json' },
    parties: {
      type: 'array',
      onCreate: (s: Settlement) => partiesOf(s.legs),
      onUpdate: (s: Settlement) => partiesOf(s.legs),
    },
    memo: { type: 'string', length: 32, nullable: true },
    instructionId: { type: 'integer', nullable: true, unique: true },
    failureReason: { type: 'text', nullable: true },
    purpose: { type: 'string', length: 100, nullable: true },
    requestedBy: { type: 'string', length: 100 },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true, index: true },
  },
});
