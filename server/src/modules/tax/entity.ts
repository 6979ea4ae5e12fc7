import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';
import type { TaxFormType, WithholdingTable } from './rates.js';

/** A tax form an investor gave (a W-9 or W-8BEN), recorded by staff; the newest one counts. */
export class TaxForm extends BaseEntity {
  identityId!: string;
  form!: TaxFormType;
  /** ISO date the form was signed. */
  signedOn!: string;
  recordedBy!: string;
  note: string | null = null;
}

export const TaxFormSchema = new EntitySchema<TaxForm, BaseEntity>({
  class: TaxForm,
  tableName: 'tax_form',
  extends: BaseSchema,
  indexes: [{ properties: ['identityId', 'createdAt'] }],
  properties: {
    identityId: { type: 'uuid' },
    form: { type: 'string', length: 10 },
    signedOn: { type: 'string', length: 10 },
    recordedBy: { type: 'string', length: 100 },
    note: { type: 'text', nullable: true },
  },
});

/** An issuer's withholding rates (absent: the defaults). */
export class WithholdingRates extends BaseEntity {
  issuerId!: string;
  table!: WithholdingTable;
  version = 1;
  changedBy!: string;
}

export const WithholdingRatesSchema = new EntitySchema<WithholdingRates, BaseEntity>({
  class: WithholdingRates,
  tableName: 'withholding_rates',
  extends: BaseSchema,
  properties: {
    issuerId: { type: 'uuid', unique: true },
    table: { type: 'json' },
    version: { type: 'integer' },
    changedBy: { type: 'string', length: 100 },
  },
});
