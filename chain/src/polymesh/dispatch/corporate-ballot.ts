import { toChainBallotMeta, toChainCaId, toChainVotes } from '../mappers/corporate.js';
import { toMoment } from '../mappers/values.js';
import { none, one, type PreparerTable } from './types.js';

export const corporateBallot = {
  'corporateBallot.attachBallot': async (ctx, a) =>
    one(
      ctx.tx.corporateBallot.attachBallot(
        toChainCaId(a.assetId, a.caId),
        { start: toMoment(a.start), end: toMoment(a.end) },
        toChainBallotMeta(a.meta),
        a.rcv,
      ),
      none,
    ),
  'corporateBallot.vote': async (ctx, { assetId, caId, votes }) =>
    one(ctx.tx.corporateBallot.vote(toChainCaId(assetId, caId), toChainVotes(votes)), none),
  'corporateBallot.changeEnd': async (ctx, { assetId, caId, end }) =>
    one(ctx.tx.corporateBallot.changeEnd(toChainCaId(assetId, caId), toMoment(end)), none),
  'corporateBallot.changeMeta': async (ctx, { assetId, caId, meta }) =>
    one(ctx.tx.corporateBallot.changeMeta(toChainCaId(assetId, caId), toChainBallotMeta(meta)), none),
  'corporateBallot.changeRcv': async (ctx, { assetId, caId, rcv }) =>
    one(ctx.tx.corporateBallot.changeRcv(toChainCaId(assetId, caId), rcv), none),
  'corporateBallot.removeBallot': async (ctx, { assetId, caId }) =>
    one(ctx.tx.corporateBallot.removeBallot(toChainCaId(assetId, caId)), none),
} satisfies PreparerTable<'corporateBallot'>;
