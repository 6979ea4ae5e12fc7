import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { apportionPercentages } from '../../lib/apportion.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { largestFirst } from '../captable/service.js';
import { investorDirectory } from '../identities/directory.js';
import { identityBalances, type Balance } from '../portfolio/balances.js';
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
  ownershipPercent: Type.String({
    description:
      'Share of the total supply in percent, decimal string (≤ 4 decimals); largest-remainder rounding, so all holders add up to exactly 100',
  }),
});

const HoldersQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 500, description: 'Holders per page' }),
  ),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, default: 0, description: 'Holders to skip (largest balance first)' }),
  ),
});

/** How many holders' balances are read from the chain at once. */
const BALANCE_BATCH = 50;

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
        description:
          'Largest balance first (ties by DID), a page at a time (`limit`, `offset`); `total` counts every holder.',
        params: IdParams,
        querystring: HoldersQuery,
        response: {
          200: Type.Object({
            assetId: Type.String({ format: 'uuid' }),
            totalSupply: Amount,
            holders: Type.Array(HolderView),
            total: Type.Integer({ description: 'Holders in all' }),
            limit: Type.Integer(),
            offset: Type.Integer(),
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
      const { limit = 500, offset = 0 } = request.query;
      const ordered = largestFirst(holders);
      // Largest remainder over every holder, so the percentages of all pages add up to exactly 100.
      const percents = apportionPercentages(
        ordered.map((h) => h.units),
        4,
      );
      const page = ordered.slice(offset, offset + limit);
      // One directory query for the page, and the page's balances read in batches, not one by one.
      const { byDid } = await investorDirectory(em, { dids: page.map((h) => h.did) });
      const balances: (Balance | undefined)[] = [];
      for (let i = 0; i < page.length; i += BALANCE_BATCH)
        balances.push(
          ...(await Promise.all(
            page
              .slice(i, i + BALANCE_BATCH)
              .map(async (h) => (await identityBalances(ledger, h.did, asset.chainId)).get(asset.chainId)),
          )),
        );
      const rows = page.map((h, i) => {
        const b = balances[i];
        const card = byDid.get(h.did);
        return {
          did: h.did,
          kind:
            h.did === issuer?.did ? ('issuer' as const) : card ? ('investor' as const) : ('unknown' as const),
          investor: card ? { identityId: card.identityId, name: card.name, email: card.email } : null,
          balance: h.balance,
          free: b?.free ?? h.balance,
          locked: b?.locked ?? '0',
          ownershipPercent: percents[offset + i]!.replace(/\.?0+$/, ''),
        };
      });
      return {
        assetId: asset.id,
        totalSupply: details?.totalSupply ?? '0',
        holders: rows,
        total: ordered.length,
        limit,
        offset,
      };
    },
  );
};
