import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { toUnits } from '../lib/units.js';
import { DefaultTradingVenues } from '../modules/trading/default-venue.js';
import { allowAllLockups, type TradingLockups, type TradingVenues } from '../modules/trading/ports.js';
import { tradingRoutes } from '../modules/trading/routes.js';
import { TradingService } from '../modules/trading/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    trading: TradingService;
  }
}

/**
 * The built-in ATS. `lockups` and `venues` are the seams to the lock-up and venue modules; the
 * defaults allow everything the chain does not refuse and settle at one operator-owned venue.
 */
export const tradingServicesPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      operatorAddress: () => string;
      expiryIntervalMs?: number;
      lockups?: TradingLockups;
      venues?: TradingVenues;
    },
  ) => {
    const { db, ledger } = app.infra;
    const { audit, operations } = app.services;
    const trading = new TradingService(
      db.orm,
      ledger,
      operations,
      audit,
      app.tokenization.checks,
      app.treasury.stablecoin,
      opts.operatorAddress,
      {
        lockups: opts.lockups ?? allowAllLockups,
        venues: opts.venues ?? new DefaultTradingVenues(db.orm, operations, opts.operatorAddress),
      },
      app.investors.polyx,
    );
    // Money for a buy: what the treasury counts as available (every hold, the ATS's included).
    trading.availableFunds = async (em, identity) =>
      toUnits((await app.treasury.balance(em, identity)).available);
    app.decorate('trading', trading);
    let timer: NodeJS.Timeout | undefined;
    const every = opts.expiryIntervalMs ?? 0;
    if (every > 0) {
      app.addHook('onReady', async () => {
        timer = setInterval(() => {
          trading.expireDue().catch((err: unknown) => app.log.warn({ err }, 'trade expiry scan failed'));
        }, every);
        timer.unref();
      });
    }
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'stoa-trading', dependencies: ['stoa-treasury'] },
);

export const tradingRoutesPlugin: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(tradingRoutes);
};
