import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Config } from '../../config.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { AdvanceBody, AdvanceResultBody, ChainClockBody } from './schemas.js';
import { DevClockService } from './service.js';

const tags = ['development'];

/** The development clock: read the chain's time; move it forward (administrators, audited). */
export const devClockRoutes: FastifyPluginAsyncTypebox<{ env: Config['env'] }> = async (app, opts) => {
  app.addSchema(ChainClockBody);
  const { identities } = app.investors;
  const { closer } = app.tokenization;
  const clock = new DevClockService(
    app.infra.db.orm,
    app.infra.ledger,
    app.services.audit,
    opts.env,
    { scanClaims: (now) => identities.scan(now), closeDueOfferings: (now) => closer.closeDue(now) },
    app.log,
  );

  app.get(
    '/dev/clock',
    {
      config: { roles: CAN.moveChainClock },
      schema: {
        tags,
        summary:
          "The chain's time, and whether this server can move it (embedded ledger, outside production)",
        security: SECURITY,
        response: { 200: Type.Ref('ChainClock'), ...errorResponses },
      },
    },
    async () => clock.status(),
  );

  app.post(
    '/dev/clock/advance',
    {
      config: { roles: CAN.moveChainClock },
      schema: {
        tags,
        summary: "Move the embedded ledger's clock forward (audited; it cannot be undone)",
        description:
          'Lock-ups, claim expiries and offering windows pass as they would have by then; blocks fall ' +
          'due for settlement work scheduled in them. The claim-expiry and offering-close scans run at ' +
          'the new time right away. Refused (409) on a Polymesh node and under NODE_ENV=production.',
        security: SECURITY,
        body: AdvanceBody,
        response: { 200: AdvanceResultBody, ...errorResponses },
      },
    },
    async (request) => clock.advance(request.principal!, request.body),
  );
};
