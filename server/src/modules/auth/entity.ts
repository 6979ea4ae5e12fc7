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
  /**
   * When the holder of the address proved it (the link mailed at sign-up). Null: the account
   * cannot sign in yet. Users an administrator creates start verified.
   */
  emailVerifiedAt: Date | null = null;
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
    emailVerifiedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
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

export const ACCOUNT_TOKEN_PURPOSES = ['password-reset', 'email-verification', 'login-challenge'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * A single-use secret sent to a person: a password-reset link, a sign-up confirmation link, or
 * the step between a correct password and the second factor. Only its SHA-256 is stored.
 */
export class AccountToken extends BaseEntity {
  purpose!: AccountTokenPurpose;
  tokenHash!: string;
  userId!: string;
  expiresAt!: Date;
  usedAt: Date | null = null;
  /** Second-factor codes tried with a login challenge (it ends after a few wrong ones). */
  attempts = 0;
  /**
   * Sign-up confirmation: the password chosen with this sign-up, set when its link is opened,
   * so someone who signs up first with another person's address never holds their account.
   */
  passwordHash: string | null = null;
  displayName: string | null = null;
  ip: string | null = null;
}

export const AccountTokenSchema = new EntitySchema<AccountToken, BaseEntity>({
  class: AccountToken,
  tableName: 'account_token',
  extends: BaseSchema,
  indexes: [{ properties: ['userId', 'purpose'] }],
  properties: {
    purpose: { type: 'string', length: 32 },
    tokenHash: { type: 'string', length: 64, unique: true },
    userId: { type: 'uuid' },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)' },
    usedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    attempts: { type: 'integer' },
    passwordHash: { type: 'string', length: 255, nullable: true },
    displayName: { type: 'string', length: 200, nullable: true },
    ip: { type: 'string', length: 64, nullable: true },
  },
});

/** A user's TOTP authenticator. The secret is sealed with the key ring (profile purpose). */
export class TwoFactor extends BaseEntity {
  userId!: string;
  secretSealed!: Buffer;
  /** Null until the user confirmed enrolment with a code; only then is it asked at sign-in. */
  confirmedAt: Date | null = null;
  /** The last time step a code was accepted for: that code and older ones are refused. */
  lastTimeStep: number | null = null;
  /** SHA-256 of each unused recovery code. */
  recoveryCodes: string[] = [];
}

export const TwoFactorSchema = new EntitySchema<TwoFactor, BaseEntity>({
  class: TwoFactor,
  tableName: 'user_two_factor',
  extends: BaseSchema,
  properties: {
    userId: { type: 'uuid', unique: true },
    secretSealed: { type: 'blob' },
    confirmedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    lastTimeStep: { type: 'integer', nullable: true },
    recoveryCodes: { type: 'json' },
  },
});
