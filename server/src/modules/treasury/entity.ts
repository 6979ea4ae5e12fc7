import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/**
 * An investor's money account with the platform: the reference they quote on bank transfers,
 * and whether their identity has pre-approved the platform stablecoin on chain (so payments
 * from the platform arrive without the investor affirming each one).
 */
export class TreasuryAccount extends BaseEntity {
  identityId!: string;
  userId!: string;
  /** What the investor writes in the bank transfer's reference field, e.g. `STOA-7KQ4-M9TD`. */
  reference!: string;
  /** The `asset.preApproveAsset` operation, once recorded. */
  preApprovalOperationId: string | null = null;
  preApproved = false;
}

export const TreasuryAccountSchema = new EntitySchema<TreasuryAccount, BaseEntity>({
  class: TreasuryAccount,
  tableName: 'treasury_account',
  extends: BaseSchema,
  properties: {
    identityId: { type: 'uuid', unique: true },
    userId: { type: 'uuid' },
    reference: { type: 'string', length: 20, unique: true },
    preApprovalOperationId: { type: 'uuid', nullable: true },
    preApproved: { type: 'boolean' },
  },
});

/**
 * pre-approving (waiting for the investor's pre-approval) → issuing (stablecoin minted to the
 * platform) → transferring (platform → investor) → credited | awaiting-affirmation | failed.
 */
export type DepositStatus =
  'pre-approving' | 'issuing' | 'transferring' | 'credited' | 'awaiting-affirmation' | 'failed';

/** Money received in the platform's bank account for an investor, credited as stablecoin. */
export class Deposit extends BaseEntity {
  accountId!: string;
  identityId!: string;
  userId!: string;
  reference!: string;
  amount!: string;
  /** The bank's id of the incoming payment: one deposit per bank transaction, ever. */
  bankTxId!: string;
  source!: 'operator' | 'webhook';
  recordedBy!: string;
  status: DepositStatus = 'issuing';
  issueOperationId: string | null = null;
  transferOperationId: string | null = null;
  failureReason: string | null = null;
  creditedAt: Date | null = null;
}

export const DepositSchema = new EntitySchema<Deposit, BaseEntity>({
  class: Deposit,
  tableName: 'deposit',
  extends: BaseSchema,
  indexes: [{ properties: ['accountId'] }, { properties: ['status'] }],
  properties: {
    accountId: { type: 'uuid' },
    identityId: { type: 'uuid' },
    userId: { type: 'uuid' },
    reference: { type: 'string', length: 20 },
    amount: { type: 'decimal', precision: 26, scale: 6 },
    bankTxId: { type: 'string', length: 100, unique: true },
    source: { type: 'string', length: 16 },
    recordedBy: { type: 'string', length: 100 },
    status: { type: 'string', length: 24 },
    issueOperationId: { type: 'uuid', nullable: true },
    transferOperationId: { type: 'uuid', nullable: true },
    failureReason: { type: 'text', nullable: true },
    creditedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
  },
});

/**
 * transferring (investor → platform, reserved until the chain shows it) → redeeming (platform
 * burns it) → awaiting-payout (treasury sends the bank payment) → paid | failed.
 */
export type WithdrawalStatus = 'transferring' | 'redeeming' | 'awaiting-payout' | 'paid' | 'failed';

/** An investor's request to take money out: stablecoin redeemed, then paid to their bank account. */
export class Withdrawal extends BaseEntity {
  accountId!: string;
  identityId!: string;
  userId!: string;
  amount!: string;
  /** The investor's bank account the money goes to. */
  payTo!: string;
  status: WithdrawalStatus = 'transferring';
  transferOperationId: string | null = null;
  redeemOperationId: string | null = null;
  /** The bank's reference of the payout, recorded by the treasury operator. */
  bankReference: string | null = null;
  paidBy: string | null = null;
  paidAt: Date | null = null;
  failureReason: string | null = null;
}

export const WithdrawalSchema = new EntitySchema<Withdrawal, BaseEntity>({
  class: Withdrawal,
  tableName: 'withdrawal',
  extends: BaseSchema,
  indexes: [{ properties: ['accountId'] }, { properties: ['status'] }],
  properties: {
    accountId: { type: 'uuid' },
    identityId: { type: 'uuid' },
    userId: { type: 'uuid' },
    amount: { type: 'decimal', precision: 26, scale: 6 },
    payTo: { type: 'string', length: 100 },
    status: { type: 'string', length: 24 },
    transferOperationId: { type: 'uuid', nullable: true },
    redeemOperationId: { type: 'uuid', nullable: true },
    bankReference: { type: 'string', length: 100, nullable: true },
    paidBy: { type: 'string', length: 100, nullable: true },
    paidAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    failureReason: { type: 'text', nullable: true },
  },
});
