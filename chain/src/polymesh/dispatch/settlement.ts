import type { LedgerEvent } from '../../ledger.js';
import type {
  PolymeshPrimitivesIdentityId,
  PolymeshPrimitivesIdentityIdPortfolioId,
} from '@polkadot/types/lookup';
import type { OffChainReceipt } from '../../calls-settlement.js';
import type { PortfolioRef } from '../../types.js';
import {
  toChainLeg,
  toChainMemo,
  toChainReceiptSignature,
  toChainSettlementType,
} from '../mappers/settlement.js';
import { assetIdToHex, toChainPortfolioId, toOptionalMoment } from '../mappers/values.js';
import { asSet, eventData, idField, none, one, type PreparerTable } from './types.js';

const portfolios = (refs: PortfolioRef[]) =>
  asSet<PolymeshPrimitivesIdentityIdPortfolioId>(refs.map(toChainPortfolioId));

export function instructionCreated(events: LedgerEvent[]): { instructionId: number } {
  const id = eventData(events, 'settlement', 'InstructionCreated').instructionId;
  return { instructionId: idField(id, 'instruction id') };
}

export function venueCreated(events: LedgerEvent[]): { venueId: number } {
  return { venueId: idField(eventData(events, 'settlement', 'VenueCreated').venueId, 'venue id') };
}

/** Receipt details for `affirm_with_receipts`, each signature as the MultiSignature of its key type. */
export function toChainReceipts(
  id: number,
  receipts: OffChainReceipt[],
): {
  uid: number;
  instructionId: number;
  legId: number;
  signer: string;
  signature: ReturnType<typeof toChainReceiptSignature>;
  metadata: string | null;
}[] {
  return receipts.map((r) => ({
    uid: r.uid,
    instructionId: id,
    legId: r.legId,
    signer: r.signer,
    signature: toChainReceiptSignature(r.signature),
    // `ReceiptMetadata([u8; 32])`: the text zero-padded, as memos are.
    metadata: r.metadata === undefined ? null : toChainMemo(r.metadata),
  }));
}

export const settlement = {
  'settlement.createVenue': async (ctx, { details, type, signers }) =>
    one(ctx.tx.settlement.createVenue(details, signers ?? [], type), venueCreated),
  'settlement.updateVenueDetails': async (ctx, { venueId, details }) =>
    one(ctx.tx.settlement.updateVenueDetails(venueId, details), none),
  'settlement.updateVenueType': async (ctx, { venueId, type }) =>
    one(ctx.tx.settlement.updateVenueType(venueId, type), none),
  'settlement.updateVenueSigners': async (ctx, { venueId, signers, add }) =>
    one(ctx.tx.settlement.updateVenueSigners(venueId, signers, add), none),
  'settlement.setVenueFiltering': async (ctx, { assetId, enabled }) =>
    one(ctx.tx.settlement.setVenueFiltering(assetIdToHex(assetId), enabled), none),
  'settlement.allowVenues': async (ctx, { assetId, venues }) =>
    one(ctx.tx.settlement.allowVenues(assetIdToHex(assetId), venues), none),
  'settlement.disallowVenues': async (ctx, { assetId, venues }) =>
    one(ctx.tx.settlement.disallowVenues(assetIdToHex(assetId), venues), none),
  /** `add_instruction`, or `add_instruction_with_mediators` when there are mediators. */
  'settlement.addInstruction': async (ctx, a) => {
    const args = [
      a.venueId ?? null,
      toChainSettlementType(a.settlementType),
      toOptionalMoment(a.tradeDate),
      toOptionalMoment(a.valueDate),
      a.legs.map(toChainLeg),
      toChainMemo(a.memo),
    ] as const;
    const call =
      a.mediators && a.mediators.length > 0
        ? ctx.tx.settlement.addInstructionWithMediators(
            ...args,
            asSet<PolymeshPrimitivesIdentityId>(a.mediators),
          )
        : ctx.tx.settlement.addInstruction(...args);
    return one(call, instructionCreated);
  },
  /** `add_and_affirm_instruction`, or `add_and_affirm_with_mediators` when there are mediators. */
  'settlement.addAndAffirmInstruction': async (ctx, a) => {
    const args = [
      a.venueId ?? null,
      toChainSettlementType(a.settlementType),
      toOptionalMoment(a.tradeDate),
      toOptionalMoment(a.valueDate),
      a.legs.map(toChainLeg),
      portfolios(a.portfolios),
      toChainMemo(a.memo),
    ] as const;
    const call =
      a.mediators && a.mediators.length > 0
        ? ctx.tx.settlement.addAndAffirmWithMediators(
            ...args,
            asSet<PolymeshPrimitivesIdentityId>(a.mediators),
          )
        : ctx.tx.settlement.addAndAffirmInstruction(...args);
    return one(call, instructionCreated);
  },
  'settlement.affirmInstruction': async (ctx, { id, portfolios: refs }) =>
    one(ctx.tx.settlement.affirmInstruction(id, portfolios(refs)), none),
  /** Receipts signed over `receiptMessage` of the instruction's off-chain legs, each of its key type. */
  'settlement.affirmWithReceipts': async (ctx, { id, receipts, portfolios: refs }) =>
    one(
      ctx.tx.settlement.affirmWithReceipts(id, toChainReceipts(id, receipts), portfolios(refs ?? [])),
      none,
    ),
  'settlement.withdrawAffirmation': async (ctx, { id, portfolios: refs }) =>
    one(ctx.tx.settlement.withdrawAffirmation(id, portfolios(refs)), none),
  'settlement.rejectInstruction': async (ctx, { id, portfolio }) =>
    one(ctx.tx.settlement.rejectInstruction(id, toChainPortfolioId(portfolio)), none),
  'settlement.affirmInstructionAsMediator': async (ctx, { id, expiry }) =>
    one(ctx.tx.settlement.affirmInstructionAsMediator(id, toOptionalMoment(expiry)), none),
  'settlement.withdrawAffirmationAsMediator': async (ctx, { id }) =>
    one(ctx.tx.settlement.withdrawAffirmationAsMediator(id), none),
  'settlement.rejectInstructionAsMediator': async (ctx, { id }) =>
    one(ctx.tx.settlement.rejectInstructionAsMediator(id, null), none),
  /** The weight is declared by leg counts, read from the instruction. */
  'settlement.executeManualInstruction': async (ctx, { id, portfolio }) => {
    const legs = await ctx.reads.instructionLegs(id);
    const offChain = legs.filter((l) => l.type === 'OffChain').length;
    return one(
      ctx.tx.settlement.executeManualInstruction(
        id,
        portfolio ? toChainPortfolioId(portfolio) : null,
        legs.length - offChain,
        0,
        offChain,
        null,
      ),
      none,
    );
  },
} satisfies PreparerTable<'settlement'>;
