import { LedgerError } from '../../errors.js';
import type {
  AffirmationStatus,
  FundraiserDetails,
  FundraiserStatus,
  InstructionDetails,
  InstructionLeg,
  InstructionStatus,
  MultiSignature,
  PriceTier,
  SettlementType,
  VenueInfo,
  VenueType,
} from '../../calls-settlement.js';
import type { Did, Timestamp } from '../../ledger.js';
import type { PortfolioRef } from '../../types.js';
import { BigNumber } from './bignumber.js';
import { toUnits, type Json } from './json.js';
import { assetIdToHex, toChainPortfolioId, toChainTicker } from './values.js';
import { MEMO_MAX_BYTES } from '../../limits.js';

/*
 * Settlement and offerings go to the chain as the pallets' own extrinsics: the port mirrors
 * them (e.g. `addInstruction` does not affirm, `addAndAffirmInstruction` does), while the SDK's
 * `settlements.addInstruction` auto-affirms and `offerings.launch` / `invest` pick portfolios
 * and venues for the caller. These build the arguments polkadot.js encodes, and read the
 * sanitised storage values back.
 */

export function toChainSettlementType(
  t: SettlementType,
): 'SettleOnAffirmation' | { SettleOnBlock: number } | { SettleManual: number } {
  switch (t.type) {
    case 'SettleOnAffirmation':
      return 'SettleOnAffirmation';
    case 'SettleOnBlock':
      return { SettleOnBlock: t.block };
    case 'SettleManual':
      return { SettleManual: t.block };
  }
}

export type ChainLeg =
  | {
      Fungible: {
        sender: ReturnType<typeof toChainPortfolioId>;
        receiver: ReturnType<typeof toChainPortfolioId>;
        assetId: string;
        amount: string;
      };
    }
  | { OffChain: { senderIdentity: string; receiverIdentity: string; ticker: string; amount: string } };

export function toChainLeg(leg: InstructionLeg): ChainLeg {
  switch (leg.type) {
    case 'Fungible':
      return {
        Fungible: {
          sender: toChainPortfolioId(leg.from),
          receiver: toChainPortfolioId(leg.to),
          assetId: assetIdToHex(leg.assetId),
          amount: toUnits(leg.amount),
        },
      };
    case 'OffChain':
      return {
        OffChain: {
          senderIdentity: leg.from,
          receiverIdentity: leg.to,
          ticker: toChainTicker(leg.ticker),
          amount: toUnits(leg.amount),
        },
      };
  }
}

/** Memo: up to 32 bytes of UTF-8, zero-padded (Polymesh `Memo([u8; 32])`). */
export function toChainMemo(memo: string | undefined): string | null {
  if (memo === undefined) return null;
  const bytes = new TextEncoder().encode(memo);
  if (bytes.length > MEMO_MAX_BYTES)
    throw new LedgerError('ValidationError', `A memo holds at most ${MEMO_MAX_BYTES} bytes`);
  const padded = new Uint8Array(MEMO_MAX_BYTES);
  padded.set(bytes);
  return `0x${Buffer.from(padded).toString('hex')}`;
}

export function fromChainMemo(json: Json | undefined): string | null {
  if (typeof json !== 'string' || !json.startsWith('0x')) return typeof json === 'string' ? json : null;
  return Buffer.from(json.slice(2), 'hex').toString('utf8').replace(/\0+$/, '');
}

export function toChainTiers(tiers: PriceTier[]): { total: string; price: string }[] {
  return tiers.map((t, i) => ({
    total: toUnits(t.total, `tiers[${i}].total`),
    price: toUnits(t.price, `tiers[${i}].price`),
  }));
}

// ---------------------------------------------------------------- chain → port (sanitised JSON)

function rec(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

function moment(json: Json | undefined): Timestamp | null {
  return json === null || json === undefined ? null : new Date(Number(json)).toISOString();
}

export function fromChainPortfolioId(json: Json | undefined): PortfolioRef {
  const p = rec(json);
  const kind = p.kind;
  const did = String(p.did);
  if (typeof kind === 'object' && kind !== null && !Array.isArray(kind) && 'User' in kind)
    return { did, number: Number(kind.User) };
  return { did };
}

export function fromChainSettlementType(json: Json | undefined): SettlementType {
  if (json === 'SettleOnAffirmation') return { type: 'SettleOnAffirmation' };
  const o = rec(json);
  if ('SettleOnBlock' in o) return { type: 'SettleOnBlock', block: Number(o.SettleOnBlock) };
  if ('SettleManual' in o) return { type: 'SettleManual', block: Number(o.SettleManual) };
  throw new LedgerError('Unsupported', `Settlement type ${JSON.stringify(json)} is not in the port`);
}

export function fromChainInstructionStatus(json: Json | undefined): InstructionStatus | null {
  if (json === 'Pending') return { type: 'Pending' };
  if (json === 'Failed') return { type: 'Failed' };
  const o = rec(json);
  if ('Success' in o) return { type: 'Success', block: Number(o.Success) };
  if ('Rejected' in o) return { type: 'Rejected', block: Number(o.Rejected) };
  return null;
}

export function fromChainLeg(json: Json | undefined): InstructionLeg {
  const o = rec(json);
  if ('Fungible' in o) {
    const f = rec(o.Fungible);
    return {
      type: 'Fungible',
      from: fromChainPortfolioId(f.sender),
      to: fromChainPortfolioId(f.receiver),
      assetId: String(f.assetId),
      amount: String(f.amount),
    };
  }
  if ('OffChain' in o) {
    const f = rec(o.OffChain);
    return {
      type: 'OffChain',
      from: String(f.senderIdentity),
      to: String(f.receiverIdentity),
      ticker: String(f.ticker),
      amount: String(f.amount),
    };
  }
  throw new LedgerError('Unsupported', 'Non-fungible legs are not in the port');
}

export function fromChainAffirmation(json: Json | undefined): AffirmationStatus {
  return json === 'Affirmed' || (typeof json === 'object' && json !== null && 'Affirmed' in json)
    ? 'Affirmed'
    : 'Pending';
}

export interface ChainInstructionParts {
  details: Json;
  status: Json;
  legs: [number, Json][];
  affirmations: [Json, Json][];
  mediators: [Did, Json][];
  memo: Json;
  pending: Json;
  creator: Did;
}

export function fromChainInstruction(id: number, parts: ChainInstructionParts): InstructionDetails | null {
  const status = fromChainInstructionStatus(parts.status);
  if (!status) return null;
  const d = rec(parts.details);
  return {
    id,
    venueId: d.venueId === null || d.venueId === undefined ? null : Number(d.venueId),
    creator: parts.creator,
    status,
    settlementType: fromChainSettlementType(d.settlementType),
    tradeDate: moment(d.tradeDate),
    valueDate: moment(d.valueDate),
    createdAt: moment(d.createdAt) ?? new Date(0).toISOString(),
    memo: fromChainMemo(parts.memo ?? undefined),
    legs: [...parts.legs]
      .sort((a, b) => a[0] - b[0])
      .map(([legId, leg]) => ({ ...fromChainLeg(leg), id: legId })),
    affirmations: parts.affirmations.map(([portfolio, s]) => ({
      portfolio: fromChainPortfolioId(portfolio),
      status: fromChainAffirmation(s),
    })),
    mediators: parts.mediators.map(([did, s]) => {
      const affirmed = rec(rec(s).Affirmed);
      return { did, status: fromChainAffirmation(s), expiry: moment(affirmed.expiry) };
    }),
    pendingAffirmations: Number(parts.pending ?? 0),
    scheduledAt: null,
  };
}

export function fromChainVenue(id: number, venue: Json, details: Json, signers: string[]): VenueInfo | null {
  const v = rec(venue);
  if (typeof v.creator !== 'string') return null;
  return {
    id,
    creator: v.creator,
    type: String(v.venueType) as VenueType,
    details: typeof details === 'string' ? details : '',
    signers,
  };
}

/** SDK `OfferingStatus` rules: timing from the window, balance from what is left, sale from the chain. */
export function fundraiserStatus(
  f: { start: Timestamp; end: Timestamp | null; totalRemaining: string; sale: FundraiserStatus['sale'] },
  now: Date,
): FundraiserStatus {
  const started = new Date(f.start) <= now;
  const expired = f.end !== null && new Date(f.end) <= now;
  const timing = expired ? 'Expired' : started ? 'Started' : 'NotStarted';
  const left = new BigNumber(f.totalRemaining);
  const balance = left.isZero()
    ? 'SoldOut'
    : expired || f.sale === 'Closed' || f.sale === 'ClosedEarly'
      ? 'Residual'
      : 'Available';
  return { timing, balance, sale: f.sale };
}

export function fromChainFundraiser(id: number, json: Json, name: Json, now: Date): FundraiserDetails | null {
  const f = rec(json);
  if (typeof f.creator !== 'string') return null;
  const tiers = (Array.isArray(f.tiers) ? f.tiers : []).map((t) => {
    const tier = rec(t);
    return { total: String(tier.total), price: String(tier.price), remaining: String(tier.remaining) };
  });
  const sum = (key: 'total' | 'remaining') =>
    tiers.reduce((acc, t) => acc.plus(t[key]), new BigNumber(0)).toFixed();
  const start = moment(f.start) ?? new Date(0).toISOString();
  const end = moment(f.end);
  const totalRemaining = sum('remaining');
  const sale = String(f.status) as FundraiserStatus['sale'];
  return {
    id,
    assetId: String(f.offeringAsset),
    name: typeof name === 'string' ? name : '',
    creator: f.creator,
    offeringPortfolio: fromChainPortfolioId(f.offeringPortfolio),
    raisingPortfolio: fromChainPortfolioId(f.raisingPortfolio),
    raisingAssetId: String(f.raisingAsset),
    tiers,
    venueId: Number(f.venueId),
    start,
    end,
    minimumInvestment: String(f.minimumInvestment),
    totalAmount: sum('total'),
    totalRemaining,
    status: fundraiserStatus({ start, end, totalRemaining, sale }, now),
  };
}

export type ChainMultiSignature = { Sr25519: string } | { Ed25519: string } | { Ecdsa: string };

/**
 * A venue signer's receipt signature as the chain's `MultiSignature`: the port's signature names
 * its key type, which the chain verifies it with, over the receipt message as it is.
 */
export function toChainReceiptSignature(signature: MultiSignature): ChainMultiSignature {
  switch (signature.type) {
    case 'Sr25519':
      return { Sr25519: signature.value };
    case 'Ed25519':
      return { Ed25519: signature.value };
    case 'Ecdsa':
      return { Ecdsa: signature.value };
  }
}
