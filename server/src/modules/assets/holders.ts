import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { percentOf, toUnits } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { investorDirectory } from '../identities/directory.js';
import { identityBalances } from '../portfolio/balances.js';
import { Issuer } from './entity.js';
import { Amount, IdParams } from './schemas.js';

const HolderView = Type.Object({
  did: Type.String(),
  kind: Type.Union([Type.Literal('issuer'), Type.Literal('investor'), Type.Literal('unknown')], {
    description:
      'issuer: the asset’s issuer; investor: a platform investor; unknown: a DID the platform does not know',
  }),
  investor: Type.Union([
    Type.Object({ identityId: Type.String({ format: 'uuid' }), name: Type.String(), email: Type.String() }),
    Type.Null(),
  ]),
  balance: Amount,
  free: Amount,
  locked: Amount,
  ownershipPercent: Type.String({ description: 'Share of the total supply in percent, decimal string' }),
});

/** The cap table: the chain's holders of an asset joined with the platform's investors. */
export const holderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const assets = app.tokenization.assets;
  const ledger = app.infra.ledger;

  app.get(
    '/assets/:id/holders',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags: ['assets'],
        security: [{ bearer: [] }],
        summary: 'Cap table: every holder with balance (free/locked), ownership % and investor identity',
        params: IdParams,
        response: {
          200: Type.Object({
            assetId: Type.String({ format: 'uuid' }),
            totalSupply: Amount,
            holders: Type.Array(HolderView),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const em = app.infra.db.orm.em.fork();
      const { asset } = await assets.active(em, request.params.id);
      const issuer = await em.findOne(Issuer, { id: asset.issuerId });
      const [details, holders] = await Promise.all([
        ledger.asset(asset.chainId),
        ledger.holders(asset.chainId),
      ]);
      const supply = toUnits(details?.totalSupply ?? '0');
      const { byDid } = await investorDirectory(em, { dids: holders.map((h) => h.did) });
      const rows = [];
      for (const h of holders) {
        const b = (await identityBalances(ledger, h.did, asset.chainId)).get(asset.chainId);
        const card = byDid.get(h.did);
        rows.push({
          did: h.did,
          kind:
            h.did === issuer?.did ? ('issuer' as const) : card ? ('investor' as const) : ('unknown' as const),
          investor: card ? { identityId: card.identityId, name: card.name, email: card.email } : null,
          balance: h.balance,
          free: b?.free ?? h.balance,
          locked: b?.locked ?? '0',
          ownershipPercent: percentOf(toUnits(h.balance), supply),
        });
      }
      rows.sort((a, b) =>
        toUnits(b.balance) > toUnits(a.balance) ? 1 : toUnits(b.balance) < toUnits(a.balance) ? -1 : 0,
      );
      return { assetId: asset.id, totalSupply: details?.totalSupply ?? '0', holders: rows };
    },
  );
};
