import { benefitOf, toChainCaId } from '../mappers/corporate.js';
import { toUnits } from '../mappers/json.js';
import { assetIdToHex, toMoment, toOptionalMoment } from '../mappers/values.js';
import { none, one, type PreparerTable } from './types.js';

export const capitalDistribution = {
  'capitalDistribution.distribute': async (ctx, a) =>
    one(
      ctx.tx.capitalDistribution.distribute(
        toChainCaId(a.assetId, a.caId),
        a.portfolio ? a.portfolio : null,
        assetIdToHex(a.currency),
        toUnits(a.perShare, 'perShare'),
        toUnits(a.amount, 'amount'),
        toMoment(a.paymentAt),
        toOptionalMoment(a.expiresAt),
      ),
      none,
    ),
  'capitalDistribution.claim': async (ctx, { assetId, caId }) =>
    one(ctx.tx.capitalDistribution.claim(toChainCaId(assetId, caId)), benefitOf),
  'capitalDistribution.pushBenefit': async (ctx, { assetId, caId, holder }) =>
    one(ctx.tx.capitalDistribution.pushBenefit(toChainCaId(assetId, caId), holder), benefitOf),
  'capitalDistribution.reclaim': async (ctx, { assetId, caId }) =>
    one(ctx.tx.capitalDistribution.reclaim(toChainCaId(assetId, caId)), none),
  'capitalDistribution.removeDistribution': async (ctx, { assetId, caId }) =>
    one(ctx.tx.capitalDistribution.removeDistribution(toChainCaId(assetId, caId)), none),
} satisfies PreparerTable<'capitalDistribution'>;
