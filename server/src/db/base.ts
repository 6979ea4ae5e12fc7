import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** Columns every table has. Entities extend this class and their schema extends `BaseSchema`. */
export abstract class BaseEntity {
  id: string = randomUUID();
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const BaseSchema = new EntitySchema<BaseEntity>({
  name: 'BaseEntity',
  abstract: true,
  properties: {
    id: { type: 'uuid', primary: true },
    createdAt: { type: 'Date', columnType: 'timestamptz(3)' },
    updatedAt: { type: 'Date', columnType: 'timestamptz(3)', onUpdate: () => new Date() },
  },
});
