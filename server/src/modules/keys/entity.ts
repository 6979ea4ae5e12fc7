import { EntitySchema } from '@mikro-orm/core';

/** Each purpose has its own data keys, so a key (or a value) of one cannot serve another. */
export const KEY_PURPOSES = ['document', 'profile', 'mnemonic'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/**
 * active: seals new values (one per purpose); retiring: replaced, still holds values that
 * `rotate-key` has not moved yet; retired: nothing sealed with it remains.
 */
export type DataKeyStatus = 'active' | 'retiring' | 'retired';

/** A data key, stored wrapped (AES-256-GCM) under a master key; its id is in every ciphertext. */
export class DataKey {
  id!: number;
  purpose!: KeyPurpose;
  status: DataKeyStatus = 'active';
  /** Fingerprint of the master key that wraps it (modules/keys/master.ts `masterKeyId`). */
  masterKeyId!: string;
  wrapped!: Buffer;
  createdAt: Date = new Date();
  retiredAt: Date | null = null;
}

export const DataKeySchema = new EntitySchema<DataKey>({
  class: DataKey,
  tableName: 'encryption_data_key',
  indexes: [
    {
      name: 'encryption_data_key_one_active',
      expression:
        'create unique index "encryption_data_key_one_active" on "encryption_data_key" ("purpose") where "status" = \'active\'',
    },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    purpose: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    masterKeyId: { type: 'string', length: 16 },
    wrapped: { type: 'blob' },
    createdAt: { type: 'Date', columnType: 'timestamptz(3)' },
    retiredAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});
