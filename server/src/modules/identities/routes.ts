import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { IdentityClaimRecord, InvestorIdentity } from './entity.js';
import { ScanResultBody } from './schemas.js';

const tags = ['identities'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function serializeIdentity(em: EntityManager, i: InvestorIdentity) {
  const claims = await em.find(IdentityClaimRecord, { identityId: i.id }, { orderBy: { claimKey: 'asc' } });
  return {
    id: i.id,
    userId: i.userId,
    applicationId: i.applicationId,
    account: i.account,
    custodial: i.custodial,
    did: i.did,
    standing: i.standing,
    standingReason: i.standingReason,
    lastAttestedAt: iso(i.lastAttestedAt),
    claims: claims.map((c) => ({
      key: c.claimKey,
      type: c.claimType,
      claim: c.claim,
      status: c.status,
      expiresAt: iso(c.expiresAt),
      operationId: c.operationId,
    })),
  };
}

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const em = () => app.infra.db.orm.em.fork();
  const Identity = Type.Ref('InvestorIdentity');

  app.get(
    '/identities',
    {
      config: { roles: CAN.readIdentities },
      schema: {
        tags,
        summary: 'Investor identities: account ↔ DID ↔ investor, standing and claims',
        security: SECURITY,
        querystring: Type.Object({
          standing: Type.Optional(Type.String({ maxLength: 30 })),
          did: Type.Optional(Type.String({ maxLength: 66 })),
          account: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Identity) }), ...errorResponses },
      },
    },
    async (request) => {
      const e = em();
      const where: Record<string, string> = {};
      for (const k of ['standing', 'did', 'account'] as const)
        if (request.query[k]) where[k] = request.query[k]!;
      const rows = await e.find(InvestorIdentity, where, { orderBy: { createdAt: 'asc' }, limit: 500 });
      return { items: await Promise.all(rows.map((r) => serializeIdentity(e, r))) };
    },
  );

  app.get(
    '/identities/me',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Your own identity (investors)',
        security: SECURITY,
        response: { 200: Identity, ...errorResponses },
      },
    },
    async (request) => {
      const e = em();
      const row = request.principal!.userId
        ? await e.findOne(InvestorIdentity, { userId: request.principal!.userId })
        : null;
      if (!row)
        throw new AppError(
          'NOT_FOUND',
          'You have no identity yet; it is created when your application is attested',
        );
      return serializeIdentity(e, row);
    },
  );

  app.get(
    '/identities/:id',
    {
      config: { roles: CAN.readIdentities },
      schema: {
        tags,
        summary: 'One investor identity',
        security: SECURITY,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Identity, ...errorResponses },
      },
    },
    async (request) => {
      const e = em();
      const row = await e.findOne(InvestorIdentity, { id: request.params.id });
      if (!row) throw AppError.notFound('Identity', request.params.id);
      return serializeIdentity(e, row);
    },
  );

  app.post(
    '/identities/expiry-scan',
    {
      config: { roles: CAN.runExpiryScan },
      schema: {
        tags,
        summary: 'Run the claim-expiry scan now (it also runs on a timer): notify, mark lapsed investors',
        security: SECURITY,
        response: { 200: ScanResultBody, ...errorResponses },
      },
    },
    async () => app.investors.identities.scan(await chainNow(app.infra.ledger)),
  );
};
