import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { treasuryRoutes } from '../modules/treasury/routes.js';
import { TreasuryService } from '../modules/treasury/service.js';
import { PlatformStablecoin } from '../modules/treasury/stablecoin.js';
import { bankWebhookRoutes } from '../modules/treasury/webhook.js';

declare module 'fastify' {
  interface FastifyInstance {
    treasury: TreasuryService;
  }
}

/** Money in and out: the platform stablecoin, deposits and withdrawals. */
export const treasuryServicesPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; operatorAddress: () => string }) => {
    const { db, ledger } = app.infra;
    const { audit, operations } = app.services;
    const settings = opts.config.treasury;
    const stablecoin = new PlatformStablecoin(
      db.orm,
      app.tokenization.assets,
      operations,
      settings.stablecoin,
      app.log,
    );
    const treasury = new TreasuryService(
      db.orm,
      ledger,
      operations,
      audit,
      stablecoin,
      settings,
      opts.operatorAddress,
    );
    treasury.polyx = app.investors.polyx;
    // Offerings are priced in the platform stablecoin unless they name another.
    app.tokenization.offerings.defaultPaymentAsset = async (em) => (await stablecoin.find(em))?.id ?? null;
    app.decorate('treasury', treasury);
    if (settings.stablecoin.atStart) {
      // After the services' own start (signers loaded, queue started, outbox swept).
      app.addHook('onReady', async () => {
        await stablecoin.ensure();
      });
    }
  },
  { name: 'stoa-treasury', dependencies: ['stoa-tokenization'] },
);

export const treasuryRoutesPlugin: FastifyPluginAsyncTypebox<{ webhookSecret?: string }> = async (
  app,
  opts,
) => {
  await app.register(treasuryRoutes);
  if (opts.webhookSecret) await app.register(bankWebhookRoutes, { secret: opts.webhookSecret });
};
