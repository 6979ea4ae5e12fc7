import type { Decimal, LedgerEvent } from '../../ledger.js';
import { LedgerError } from '../../errors.js';
import { toUnits } from '../mappers/json.js';
import { toChainTiers } from '../mappers/settlement.js';
import { assetIdToHex, toChainPortfolioId, toMoment, toOptionalMoment } from '../mappers/values.js';
import { eventData, idField, none, one, SPEC_7_3, type Extrinsic, type PreparerTable } from './types.js';

type PortfolioIdArg = ReturnType<typeof toChainPortfolioId>;

/**
 * `sto.invest` as Polymesh 7.0 declares it (pallets/sto/src/lib.rs at v7.0.0):
 * `invest(investment_portfolio, funding_portfolio, offering_asset, id, purchase_amount,
 * max_price, receipt)`. 7.3 reordered it and replaced the funding portfolio with a
 * `FundingMethod`; the polymesh-types augmentation describes the later form only.
 */
type Invest70 = (
  investmentPortfolio: PortfolioIdArg,
  fundingPortfolio: PortfolioIdArg,
  offeringAsset: string,
  id: number,
  purchaseAmount: string,
  maxPrice: string | null,
  receipt: null,
) => Extrinsic;

/** `sto.FundraiserCreated`: 7.0's tuple `(did, fundraiserId, name, fundraiser)` is named by the event mapper. */
export function fundraiserCreated(events: LedgerEvent[]): { fundraiserId: number } {
  return {
    fundraiserId: idField(eventData(events, 'sto', 'FundraiserCreated').fundraiserId, 'fundraiser id'),
  };
}

/**
 * The instruction `invest` settled through, and what it cost: `sto.Invested`'s raise amount
 * (7.0's tuple `(did, fundraiserId, offeringAsset, raisingAsset, offeringAmount, raiseAmount)`).
 */
export function investResult(events: LedgerEvent[]): { instructionId: number; cost: Decimal } {
  const instructionId = idField(
    eventData(events, 'settlement', 'InstructionCreated').instructionId,
    'instruction id',
  );
  const cost = eventData(events, 'sto', 'Invested').raiseAmount;
  if (typeof cost !== 'string' || !/^\d+(\.\d{1,6})?$/.test(cost)) {
    throw new LedgerError(
      'ValidationError',
      `sto.Invested carried no raise amount (${JSON.stringify(cost)})`,
    );
  }
  return { instructionId, cost };
}

export const sto = {
  'sto.createFundraiser': async (ctx, a) =>
    one(
      ctx.tx.sto.createFundraiser(
        toChainPortfolioId(a.offeringPortfolio),
        assetIdToHex(a.assetId),
        toChainPortfolioId(a.raisingPortfolio),
        assetIdToHex(a.raisingAssetId),
        toChainTiers(a.tiers),
        a.venueId,
        toOptionalMoment(a.start),
        toOptionalMoment(a.end),
        toUnits(a.minimumInvestment, 'minimumInvestment'),
        a.name,
      ),
      fundraiserCreated,
    ),
  /** The 7.0 form below spec 7.3, else the augmentation's `invest(asset, id, portfolio, OnChain(funding), …)`. */
  'sto.invest': async (ctx, a) => {
    const asset = assetIdToHex(a.assetId);
    const amount = toUnits(a.purchaseAmount, 'purchaseAmount');
    const maxPrice = a.maxPrice === undefined ? null : toUnits(a.maxPrice, 'maxPrice');
    const investment = toChainPortfolioId(a.investmentPortfolio);
    const funding = toChainPortfolioId(a.fundingPortfolio);
    const call =
      ctx.specVersion < SPEC_7_3
        ? (ctx.tx.sto.invest as unknown as Invest70)(
            investment,
            funding,
            asset,
            a.fundraiserId,
            amount,
            maxPrice,
            null,
          )
        : ctx.tx.sto.invest(asset, a.fundraiserId, investment, { OnChain: funding }, amount, maxPrice);
    return one(call, investResult);
  },
  'sto.freezeFundraiser': async (ctx, { assetId, fundraiserId }) =>
    one(ctx.tx.sto.freezeFundraiser(assetIdToHex(assetId), fundraiserId), none),
  'sto.unfreezeFundraiser': async (ctx, { assetId, fundraiserId }) =>
    one(ctx.tx.sto.unfreezeFundraiser(assetIdToHex(assetId), fundraiserId), none),
  'sto.modifyFundraiserWindow': async (ctx, { assetId, fundraiserId, start, end }) =>
    one(
      ctx.tx.sto.modifyFundraiserWindow(
        assetIdToHex(assetId),
        fundraiserId,
        toMoment(start),
        toOptionalMoment(end),
      ),
      none,
    ),
  'sto.stop': async (ctx, { assetId, fundraiserId }) =>
    one(ctx.tx.sto.stop(assetIdToHex(assetId), fundraiserId), none),
} satisfies PreparerTable<'sto'>;
