import type { LedgerEvent } from '../../ledger.js';
import { toUnits } from '../mappers/json.js';
import { toChainMemo } from '../mappers/settlement.js';
import { assetIdToHex, toChainPortfolioId, toOptionalMoment } from '../mappers/values.js';
import { authIdResult, eventData, idField, none, one, type PreparerTable } from './types.js';

export function portfolioCreated(events: LedgerEvent[]): { number: number } {
  return { number: idField(eventData(events, 'portfolio', 'PortfolioCreated').number, 'portfolio number') };
}

export const portfolio = {
  'portfolio.createPortfolio': async (ctx, { name }) =>
    one(ctx.tx.portfolio.createPortfolio(name), portfolioCreated),
  'portfolio.deletePortfolio': async (ctx, { number }) => one(ctx.tx.portfolio.deletePortfolio(number), none),
  'portfolio.renamePortfolio': async (ctx, { number, name }) =>
    one(ctx.tx.portfolio.renamePortfolio(number, name), none),
  /** `move_portfolio_funds(from, to, [Fund { Fungible { asset_id, amount }, memo }])`. */
  'portfolio.movePortfolioFunds': async (ctx, { from, to, items }) =>
    one(
      ctx.tx.portfolio.movePortfolioFunds(
        toChainPortfolioId(from),
        toChainPortfolioId(to),
        items.map((item, i) => ({
          description: {
            Fungible: {
              assetId: assetIdToHex(item.assetId),
              amount: toUnits(item.amount, `items[${i}].amount`),
            },
          },
          memo: toChainMemo(item.memo),
        })),
      ),
      none,
    ),
  /**
   * `identity.add_authorization(Identity(target), PortfolioCustody(portfolio), expiry)`: the SDK
   * offers `setCustodian` on numbered portfolios only; the extrinsic covers Default too.
   */
  'portfolio.setCustodian': async (ctx, { portfolio: ref, target, expiry }) =>
    one(
      ctx.tx.identity.addAuthorization(
        { Identity: target },
        { PortfolioCustody: toChainPortfolioId(ref) },
        toOptionalMoment(expiry),
      ),
      authIdResult,
    ),
  'portfolio.quitPortfolioCustody': async (ctx, { portfolio: ref }) =>
    one(ctx.tx.portfolio.quitPortfolioCustody(toChainPortfolioId(ref)), none),
  'portfolio.preApprovePortfolio': async (ctx, { assetId, portfolio: ref }) =>
    one(ctx.tx.portfolio.preApprovePortfolio(assetIdToHex(assetId), toChainPortfolioId(ref)), none),
  'portfolio.removePortfolioPreApproval': async (ctx, { assetId, portfolio: ref }) =>
    one(ctx.tx.portfolio.removePortfolioPreApproval(assetIdToHex(assetId), toChainPortfolioId(ref)), none),
} satisfies PreparerTable<'portfolio'>;
