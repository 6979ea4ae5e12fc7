/*
 * Fee estimates on a node, the pure half: which TxTags and protocol operations a prepared chain
 * call stands for, and how the node's answers add up to a `FeeEstimate` (the same fields the
 * embedded ledger fills, chain/src/embedded/fees.ts).
 *
 * Protocol fees (pallets/protocol-fee/src/lib.rs, v7.0.0) are charged inside the dispatch by the
 * calls below, each `Perbill::from_rational(coefficient) × BaseFees(op)` (× count for
 * `batch_charge_fee`). The list is read from the 7.0 pallets (grep `ProtocolOp::`), not from the
 * SDK: SDK 29's `network.getProtocolFees` maps TxTags to operations by name, which prices
 * `asset.registerUniqueTicker` at 0 (it asks for a `AssetRegisterUniqueTicker` operation the
 * runtime does not have; the chain's is `AssetRegisterTicker`) and has no entry for
 * `identity.cddRegisterDidWithCdd`, `identity.joinIdentityAsKey` or a corporate action's
 * scheduled record date, nor counts documents.
 */
import type { PolymeshCommonUtilitiesProtocolFeeProtocolOp } from '@polkadot/types/lookup';
import type { TxTag } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../errors.js';
import type { Address, Did } from '../ledger.js';
import type { FeeEstimate } from '../types.js';
import { fromUnits } from '../units.js';

/**
 * The runtime's protocol operations (`ProtocolOp`) by name, NFT ones left out: the port mints
 * none, and the augmentation spells those `NFT…` in storage keys but `Nft…` in the enum.
 */
export type ProtocolOp = Exclude<PolymeshCommonUtilitiesProtocolFeeProtocolOp['type'], `Nft${string}`>;

/**
 * A chain call as polkadot.js shows it (`extrinsic.method`: a `Call` with `section`, `method`
 * and its arguments as codecs; inner calls of a batch are `Call`s too) or as the preparers' unit
 * tests build it (plain arguments).
 */
export interface ChainCall {
  section: string;
  method: string;
  args: readonly unknown[];
}

const BATCHES = new Set(['batch', 'batchAll', 'forceBatch']);

/** The calls inside a `utility.batch*` (empty for any other call). */
export function innerCalls(call: ChainCall): ChainCall[] {
  if (call.section !== 'utility' || !BATCHES.has(call.method)) return [];
  const [calls] = call.args;
  return Array.isArray(calls) ? (calls as ChainCall[]) : [];
}

/** The TxTags (`section.method`) of a chain call and, for a batch, of its inner calls, depth first. */
export function txTagsOf(call: ChainCall): TxTag[] {
  return [`${call.section}.${call.method}` as TxTag, ...innerCalls(call).flatMap(txTagsOf)];
}

/** A codec's JSON (`toJSON`), or the plain value a test passed. */
function plain(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'toJSON' in value) {
    const toJSON = (value as { toJSON: unknown }).toJSON;
    if (typeof toJSON === 'function') return (toJSON as () => unknown).call(value);
  }
  return value;
}

/** The variant name of an enum value in lower case (`{Scheduled: 1}` and a codec's `{scheduled: 1}`). */
function variantOf(value: unknown): string | null {
  const v = plain(value);
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const [key] = Object.keys(v);
    return key === undefined ? null : key.toLowerCase();
  }
  return null;
}

function lengthOf(value: unknown): number {
  const v = plain(value);
  return Array.isArray(v) ? v.length : 0;
}

/** A `Ticker` argument (12 bytes, hex) → its text without the zero padding. */
export function tickerText(value: unknown): string | null {
  const v = plain(value);
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(v)) return null;
  return Buffer.from(v.slice(2), 'hex').toString('latin1').replace(/\0+$/, '');
}

/** One protocol fee a call may charge: `count` times the operation's fee. */
export interface ProtocolCharge {
  op: ProtocolOp;
  count: number;
  /**
   * Set on `AssetRegisterTicker`: the ticker it registers. The chain charges it only when the
   * ticker is new or its reservation has expired; re-registering one's own live reservation is
   * free (`TickerRegistrationStatus::charge_fee`, pallets/asset/src/lib.rs).
   */
  ticker?: string;
}

function chargesOf(call: ChainCall): ProtocolCharge[] {
  const a = call.args;
  const once = (op: ProtocolOp): ProtocolCharge[] => [{ op, count: 1 }];
  switch (`${call.section}.${call.method}`) {
    case 'asset.registerUniqueTicker': {
      const ticker = tickerText(a[0]);
      return [{ op: 'AssetRegisterTicker', count: 1, ...(ticker !== null && { ticker }) }];
    }
    case 'asset.createAsset':
    case 'asset.createAssetWithCustomType':
      return once('AssetCreateAsset');
    case 'asset.issue':
      return once('AssetIssue');
    case 'asset.addDocuments': {
      const n = lengthOf(a[0]);
      return n > 0 ? [{ op: 'AssetAddDocuments', count: n }] : [];
    }
    case 'checkpoint.createSchedule':
      return once('CheckpointCreateSchedule');
    // A scheduled record date creates a checkpoint schedule (corporate-actions `handle_record_date`).
    case 'corporateAction.initiateCorporateAction':
      return variantOf(a[3]) === 'scheduled' ? once('CheckpointCreateSchedule') : [];
    case 'corporateAction.changeRecordDate':
      return variantOf(a[1]) === 'scheduled' ? once('CheckpointCreateSchedule') : [];
    case 'complianceManager.addComplianceRequirement':
      return once('ComplianceManagerAddComplianceRequirement');
    case 'identity.cddRegisterDid':
    case 'identity.cddRegisterDidWithCdd':
      return once('IdentityCddRegisterDid');
    // A CDD claim is free; every other claim pays (pallets/identity/src/lib.rs `add_claim`).
    case 'identity.addClaim':
      return variantOf(a[1]) === 'customerduediligence' ? [] : once('IdentityAddClaim');
    case 'identity.joinIdentityAsKey':
      return once('IdentityAddSecondaryKeysWithAuthorization');
    case 'identity.addSecondaryKeysWithAuthorization': {
      const n = lengthOf(a[0]);
      return n > 0 ? [{ op: 'IdentityAddSecondaryKeysWithAuthorization', count: n }] : [];
    }
    case 'corporateBallot.attachBallot':
      return once('CorporateBallotAttachBallot');
    case 'capitalDistribution.distribute':
      return once('CapitalDistributionDistribute');
    default:
      return [];
  }
}

/** The protocol fees a chain call (and a batch's inner calls) may charge, in call order. */
export function protocolChargesOf(call: ChainCall): ProtocolCharge[] {
  return [...chargesOf(call), ...innerCalls(call).flatMap(protocolChargesOf)];
}

const BILLION = 1_000_000_000n;

/** `Perbill::from_rational(n, d)`: parts per billion, rounded down, at most one. */
export function perbillOf([n, d]: readonly [bigint, bigint]): bigint {
  if (d === 0n || n >= d) return BILLION;
  return (n * BILLION) / d;
}

/** `Perbill × Balance`: rounded to the nearest unit, halves down (sp-arithmetic). */
export function perbillMul(ppb: bigint, amount: bigint): bigint {
  const whole = (amount / BILLION) * ppb;
  const rem = (amount % BILLION) * ppb;
  return whole + rem / BILLION + ((rem % BILLION) * 2n > BILLION ? 1n : 0n);
}

/** The protocol fees of `charges` given each operation's base fee and the fee coefficient. */
export function protocolFeeOf(
  charges: readonly ProtocolCharge[],
  baseFees: ReadonlyMap<ProtocolOp, bigint>,
  coefficient: readonly [bigint, bigint],
): bigint {
  const ppb = perbillOf(coefficient);
  return charges.reduce((sum, c) => sum + perbillMul(ppb, baseFees.get(c.op) ?? 0n) * BigInt(c.count), 0n);
}

/**
 * Calls whose fee the node's `query_info` computes at the weight they will actually use rather
 * than the declared weight withdrawn before dispatch (pallets/runtime/common/src/runtime.rs
 * `query_info` → `Settlement::get_actual_weight`, pallets/settlement/src/lib.rs, v7.0.0). Only the
 * outer call counts: inside a batch they are priced at their declared weight.
 */
const ACTUAL_WEIGHT_CALLS = new Set([
  'settlement.affirmInstruction',
  'settlement.affirmWithReceipts',
  'settlement.withdrawAffirmation',
  'settlement.rejectInstruction',
]);

export function reportsActualWeight(call: ChainCall): boolean {
  return ACTUAL_WEIGHT_CALLS.has(`${call.section}.${call.method}`);
}

/** What the node's `TransactionPaymentApi.query_info` said of one signed transaction. */
export interface QueriedFee {
  /** `partial_fee`: base + length + weight fee, no tip (units). */
  partialFee: bigint;
  /** `weight.ref_time` the fee was computed at. */
  weight: bigint;
  /** Encoded length of the signed transaction that was priced. */
  length: number;
}

/**
 * The estimate from the node's answers. `queried` prices the transaction itself. For calls the
 * node prices at their actual weight (`reportsActualWeight`), `declared` prices the same call
 * inside a one-call `utility.batch_all`, which the node prices at its declared weight: what is
 * withdrawn before dispatch, overstated by the batch's own base weight and a few bytes (about
 * 0.003 POLYX). Otherwise the node's figure is at the declared weight, which is both what is
 * withdrawn and (what a refund may lower) what is kept.
 */
export function feeEstimateOf(args: {
  payer: Address;
  queried: QueriedFee;
  declared?: QueriedFee;
  protocolFee: bigint;
}): FeeEstimate {
  const { payer, queried, protocolFee } = args;
  const declared = args.declared ?? queried;
  const fee = queried.partialFee;
  const withdrawn = declared.partialFee > fee ? declared.partialFee : fee;
  const weight = declared.weight > queried.weight ? declared.weight : queried.weight;
  return {
    payer,
    transactionFee: fromUnits(fee),
    withdrawnFee: fromUnits(withdrawn),
    protocolFee: fromUnits(protocolFee),
    total: fromUnits(fee + protocolFee),
    required: fromUnits(withdrawn + protocolFee),
    weight: weight.toString(),
    length: queried.length,
  };
}

/** What the fee-payer check reads, for `feePayerOf`. */
export interface PayerFacts {
  /** The signing key, its identity (null: a key linked to none) and whether that has valid CDD. */
  signer: {
    address: Address;
    identity: { did: Did; primaryKey: Address; secondaryKeysFrozen: boolean } | null;
    cdd: boolean;
  };
  /**
   * For `join_identity_as_key`: the identity that made the invitation (null: gone) and whether it
   * has valid CDD. The preparer has already refused an invitation that is not the signer's.
   */
  inviter?: { primaryKey: Address; cdd: boolean } | null;
}

/**
 * Who pays a signed transaction, refused as the pool refuses it (pallets/runtime/common/src/
 * fee_details.rs `get_valid_payer`, `TransactionError`): the primary key of the inviting identity
 * for `join_identity_as_key` (`InvalidAuthorization` when it is gone, `CddRequired` without valid
 * CDD), otherwise the signing key, which must be the primary key or an unfrozen secondary key of
 * an identity (`MissingIdentity`) with valid CDD (`CddRequired`). Relayer subsidies are not
 * modelled: a subsidised key is reported as paying for itself.
 */
export function feePayerOf(call: ChainCall, facts: PayerFacts): Address {
  if (`${call.section}.${call.method}` === 'identity.joinIdentityAsKey') {
    const inviter = facts.inviter;
    if (!inviter)
      throw new LedgerError('InvalidAuthorization', 'The identity behind the invitation does not exist');
    if (!inviter.cdd)
      throw new LedgerError('CddRequired', 'The inviting identity has no valid CDD claim to pay with');
    return inviter.primaryKey;
  }
  const { address, identity, cdd } = facts.signer;
  const secondary = identity !== null && identity.primaryKey !== address;
  if (!identity || (secondary && identity.secondaryKeysFrozen))
    throw new LedgerError('MissingIdentity', `${address} is not a usable key of any identity`);
  if (!cdd) throw new LedgerError('CddRequired', `The identity ${identity.did} has no valid CDD claim`);
  return address;
}
