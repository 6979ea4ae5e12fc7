import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { venueApiRoutes, venueRoutes } from '../modules/venues/routes.js';
import { TradeView, VenueView } from '../modules/venues/schemas.js';
import { VenueService } from '../modules/venues/service.js';
import { WebhookService, type WebhookOptions } from '../modules/webhooks/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    venues: VenueService;
  }
}

/** Venues, their approval per asset, trading halts, the external venue API and its webhooks. */
export const venueServicesPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      operatorAddress: () => string;
      sweepIntervalMs: number;
      httpsWebhooksOnly?: boolean;
      webhooks?: WebhookOptions;
    },
  ) => {
    const { db, ledger, queue } = app.infra;
    const { audit, operations } = app.services;
    const webhooks = new WebhookService(db.orm, queue, audit, app.log, opts.webhooks);
    const venues = new VenueService(
      db.orm,
      ledger,
      operations,
      audit,
      app.tokenization.settlements,
      app.tokenization.checks,
      webhooks,
      opts.operatorAddress,
    );
    // Trades settle in the platform stablecoin unless they name another (as offerings do).
    venues.defaultPaymentAsset = (em) => app.tokenization.offerings.defaultPaymentAsset(em);
    venues.httpsWebhooksOnly = opts.httpsWebhooksOnly ?? false;
    app.decorate('venues', venues);
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      // Deliveries recorded before a stop are sent now; so are trades that settled meanwhile.
      const sweep = async () => {
        await venues.reconcilePending();
        await webhooks.sweep();
      };
      await sweep().catch((err: unknown) => app.log.warn({ err }, 'venue sweep failed; will try again'));
      if (opts.sweepIntervalMs > 0) {
        timer = setInterval(() => {
          sweep().catch((err: unknown) => app.log.warn({ err }, 'venue sweep failed; will try again'));
        }, opts.sweepIntervalMs);
        timer.unref();
      }
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'stoa-venues', dependencies: ['stoa-tokenization', 'stoa-treasury'] },
);

export const venueRoutesPlugin: FastifyPluginAsyncTypebox = async (app) => {
  // Shared by both route sets.
  app.addSchema(VenueView);
  app.addSchema(TradeView);
  await app.register(venueRoutes, { venues: app.venues });
  await app.register(venueApiRoutes, { venues: app.venues });
};
