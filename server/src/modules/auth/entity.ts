import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';
import type { Role } from './roles.js';

export class User extends BaseEntity {
  /** Lower-cased; the login name. */
  email!: string;
  displayName!: string;
  /** Argon2id PHC string. */
  passwordHash!: string;
  roles: Role[] = [];
  disabled = false;
  disabledAt: Date | null = null;
  /** Why an administrator disabled the account (also in the audit trail). */
  disabledReason: string | null = null;
  lastLoginAt: Date | null = null;
}

export const UserSchema = new EntitySchema<User, BaseEntity>({
  class: User,
  tableName: 'app_user',
  extends: BaseSchema,
  properties: {
    email: { type: 'string', length: 254, unique: true },
    displayName: { type: 'string', length: 200 },
    passwordHash: { type: 'string', length: 255 },
    roles: { type: 'json' },
    disabled: { type: 'boolean' },
    disabledAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    disabledReason: { type: 'text', nullable: true },
    lastLoginAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});

/** A login session. Only the SHA-256 of the opaque token is stored. */
export class Session extends BaseEntity {
  tokenHash!: string;
  userId!: string;
  expiresAt!: Date;
  revokedAt: Date | null = null;
  ip: string | null = null;
}

export const SessionSchema = new EntitySchema<Session, BaseEntity>({
  class: Session,
  tableName: 'user_session',
  extends: BaseSchema,
  indexes: [{ properties: ['userId'] }],
  properties: {
    tokenHash: { type: 'string', length: 64, unique: true },
    userId: { type: 'uuid' },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)' },
    revokedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    ip: { type: 'string', length: 64, nullable: true },
  },
});

/** A machine client's key, acting for a user with a subset of the user's roles. */
export class ApiKey extends BaseEntity {
  name!: string;
  /** First characters of the key, shown in listings so a key can be recognised. */
  prefix!: string;
  secretHash!: string;
  userId!: string;
  roles: Role[] = [];
  expiresAt: Date | null = null;
  revokedAt: Date | null = null;
  lastUsedAt: Date | null = null;
}

export const ApiKeySchema = new EntitySchema<ApiKey, BaseEntity>({
  class: ApiKey,
  tableName: 'api_key',
  extends: BaseSchema,
  indexes: [{ properties: ['userId'] }],
  properties: {
    name: { type: 'string', length: 100 },
    prefix: { type: 'string', length: 16 },
    secretHash: { type: 'string', length: 64, unique: true },
    userId: { type: 'uuid' },
    roles: { type: 'json' },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    revokedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    lastUsedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});
