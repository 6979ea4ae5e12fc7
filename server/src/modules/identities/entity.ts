import { EntitySchema } from '@mikro-orm/core';
import type { Claim } from '@stoa/chain';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export type Standing = 'pending' | 'good' | 'not-in-good-standing' | 'revoked';

/** The mapping investor (user) ↔ account ↔ DID, and the investor's standing. */
export class InvestorIdentity extends BaseEntity {
  userId!: string;
  applicationId!: string;
  account!: string;
  custodial!: boolean;
  /** Sealed mnemonic of a custodial account (AES-256-GCM, bound to this row). */
  keySealed: Buffer | null = null;
  did: string | null = null;
  standing: Standing = 'pending';
  standingReason: string | null = null;
  lastAttestedAt: Date | null = null;
}

export const InvestorIdentitySchema = new EntitySchema<InvestorIdentity, BaseEntity>({
  class: InvestorIdentity,
  tableName: 'investor_identity',
  extends: BaseSchema,
  properties: {
    userId: { type: 'uuid', unique: true },
    applicationId: { type: 'uuid' },
    account: { type: 'string', length: 64, unique: true },
    custodial: { type: 'boolean' },
    keySealed: { type: 'blob', nullable: true, lazy: true },
    did: { type: 'string', length: 66, nullable: true, unique: true },
    standing: { type: 'string', length: 24 },
    standingReason: { type: 'text', nullable: true },
    lastAttestedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});

export type ClaimStatus = 'pending' | 'active' | 'revoking' | 'revoked' | 'expired' | 'failed';

/** A claim the platform issued (or is issuing) to an investor's DID. One row per chain claim key. */
export class IdentityClaimRecord extends BaseEntity {
  identityId!: string;
  /** type + scope: Polymesh's key (per issuer); re-adding overwrites. */
  claimKey!: string;
  claimType!: string;
  claim!: Claim;
  expiresAt: Date | null = null;
  status: ClaimStatus = 'pending';
  operationId: string | null = null;
  attestationId: string | null = null;
  notifiedAt: Date | null = null;
}

export const IdentityClaimRecordSchema = new EntitySchema<IdentityClaimRecord, BaseEntity>({
  class: IdentityClaimRecord,
  tableName: 'identity_claim',
  extends: BaseSchema,
  uniques: [{ properties: ['identityId', 'claimKey'] }],
  indexes: [{ properties: ['status', 'expiresAt'] }],
  properties: {
    identityId: { type: 'uuid' },
    claimKey: { type: 'string', length: 200 },
    claimType: { type: 'string', length: 32 },
    claim: { type: 'json' },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    status: { type: 'string', length: 16 },
    operationId: { type: 'uuid', nullable: true },
    attestationId: { type: 'uuid', nullable: true },
    notifiedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});

/** One attestation by a CDD provider: the chain operations it caused and how they ended. */
export class Attestation extends BaseEntity {
  applicationId!: string;
  identityId!: string;
  kind!: 'attest' | 'revoke';
  status: 'in-progress' | 'completed' | 'failed' = 'in-progress';
  requestedBy!: string;
  /** What was asked for: expiries, scope, funding. */
  plan!: Record<string, unknown>;
  error: string | null = null;
}

export const AttestationSchema = new EntitySchema<Attestation, BaseEntity>({
  class: Attestation,
  tableName: 'attestation',
  extends: BaseSchema,
  indexes: [{ properties: ['identityId'] }, { properties: ['applicationId'] }],
  properties: {
    applicationId: { type: 'uuid' },
    identityId: { type: 'uuid' },
    kind: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    requestedBy: { type: 'string', length: 100 },
    plan: { type: 'json' },
    error: { type: 'text', nullable: true },
  },
});

/** Something a user should know (claims expiring, standing lost). */
export class Notification extends BaseEntity {
  userId!: string;
  kind!: string;
  message!: string;
  data: Record<string, unknown> = {};
  /** The same notice is never created twice. */
  dedupeKey!: string;
  readAt: Date | null = null;
  /** E-mail delivery of this notice (an outbox: pending → sent | skipped | failed). */
  emailStatus: 'pending' | 'sent' | 'skipped' | 'failed' = 'pending';
  emailedAt: Date | null = null;
  emailAttempts = 0;
  /** Not before this time is delivery tried again (backoff after a failure). */
  emailNextAt: Date | null = null;
  emailError: string | null = null;
}

export const NotificationSchema = new EntitySchema<Notification, BaseEntity>({
  class: Notification,
  tableName: 'notification',
  extends: BaseSchema,
  indexes: [{ properties: ['userId'] }, { properties: ['emailStatus'] }],
  properties: {
    userId: { type: 'uuid' },
    kind: { type: 'string', length: 50 },
    message: { type: 'text' },
    data: { type: 'json' },
    dedupeKey: { type: 'string', length: 200, unique: true },
    readAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    emailStatus: { type: 'string', length: 16 },
    emailedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    emailAttempts: { type: 'integer' },
    emailNextAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    emailError: { type: 'text', nullable: true },
  },
});
