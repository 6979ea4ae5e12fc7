import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import { errorResponses } from '../../schemas.js';
import { Asset } from '../assets/entity.js';
import { Amount } from '../assets/schemas.js';
import { CAN } from '../auth/roles.js';
import { ownIdentity } from '../identities/directory.js';
import { AcquisitionLot } from './entity.js';
import { sellable } from './service.js';

const MyLockup = Type.Object({
  assetId: Type.String({ format: 'uuid' }),
  name: Type.String({ description: 'The asset’s name' }),
  ticker: Type.Union([Type.String(), Type.Null()]),
  sellable: Amount,
  locked: Type.Array(
    Type.Object({
      quantity: Amount,
      unlocksAt: Type.String({ format: 'date-time', description: 'When this quantity becomes sellable' }),
    }),
    { description: 'Still locked, earliest unlock first' },
  ),
});

/** The signed-in investor's lock-ups: per asset, what they can sell now and what unlocks when. */
export const lockupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/identities/me/lockups',
    {
      config: { roles: CAN.readOwnPortfolio },
      schema: {
        tags: ['identities'],
        security: [{ bearer: [] }],
        summary: 'Your lock-ups per asset: what you can sell now, and what unlocks when (chain time)',
        description:
          'From your acquisition lots (offering purchases, settlements, transfers), each held for the holding period of the asset’s rules when you acquired it. Only assets you still hold a lot of are listed.',
        response: {
          200: Type.Object({ at: Type.String({ format: 'date-time' }), items: Type.Array(MyLockup) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const em = app.infra.db.orm.em.fork();
      const identity = await ownIdentity(em, request.principal!);
      if (!identity)
        throw new AppError('NOT_FOUND', 'You have no investor identity yet; complete onboarding first');
      const at = await chainNow(app.infra.ledger);
      if (!identity.did) return { at: at.toISOString(), items: [] };
      const did = identity.did;
      const lots = await em.find(AcquisitionLot, { holderDid: did, remaining: { $gt: '0' } });
      const ids = [...new Set(lots.map((l) => l.assetId))];
      const assets = ids.length ? await em.find(Asset, { id: { $in: ids } }) : [];
      const items = await Promise.all(
        assets.map(async (a) => ({
          assetId: a.id,
          name: a.name,
          ticker: a.ticker ?? null,
          ...(await sellable(em, a.id, did, at)),
        })),
      );
      items.sort((x, y) => x.name.localeCompare(y.name));
      return { at: at.toISOString(), items };
    },
  );
};
