import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { chainNow } from '../lib/chain-time.js';
import { holderRoutes } from '../modules/assets/holders.js';
import { capTableRoutes } from '../modules/captable/routes.js';
import { CapTableService } from '../modules/captable/service.js';
import { taxRoutes } from '../modules/tax/routes.js';
import { TaxService } from '../modules/tax/service.js';
import { assetRoutes } from '../modules/assets/routes.js';
import { AssetService } from '../modules/assets/service.js';
import { CheckContextCache } from '../modules/compliance/check-cache.js';
import { TransferCheckService } from '../modules/compliance/checks.js';
import { ruleHistoryRoutes } from '../modules/compliance/history.js';
import { complianceRoutes } from '../modules/compliance/routes.js';
import { ComplianceService } from '../modules/compliance/service.js';
import { OfferingCloser } from '../modules/offerings/closing.js';
import { offeringActions, offeringHooks } from '../modules/offerings/lifecycle.js';
import { offeringRoutes } from '../modules/offerings/routes.js';
import { OfferingService } from '../modules/offerings/service.js';
import { verifiedNames } from '../modules/offerings/signers.js';
import { portfolioRoutes } from '../modules/portfolio/routes.js';
import { settlementRoutes } from '../modules/settlements/routes.js';
import { SettlementService } from '../modules/settlements/service.js';

export interface TokenizationServices {
  assets: AssetService;
  compliance: ComplianceService;
  checks: TransferCheckService;
  offerings: OfferingService;
  /** Closes offerings at their end (a queued scan; `closeDue` runs it directly). */
  closer: OfferingCloser;
  settlements: SettlementService;
  /** Checkpoints and the cap table at any of them. */
  captable: CapTableService;
  /** Tax forms on file and withholding rates for distributions. */
  tax: TaxService;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenization: TokenizationServices;
  }
}

/** Services of issuance: assets, the compliance rule library, offerings and settlements. */
export const tokenizationServicesPlugin = fp(
  async (app: FastifyInstance, opts: { operatorAddress: () => string; closeIntervalMs?: number }) => {
    const { db, ledger } = app.infra;
    const { audit, operations } = app.services;
    const assets = new AssetService(db.orm, ledger, operations, audit, opts.operatorAddress);
    // One cache of assets' check contexts: the checks read it, rule changes evict from it.
    const checkContexts = new CheckContextCache();
    const compliance = new ComplianceService(db.orm, ledger, assets, audit, checkContexts);
    const checks = new TransferCheckService(ledger, checkContexts);
    const offerings = new OfferingService(
      db.orm,
      ledger,
      assets,
      checks,
      app.investors.identities,
      audit,
      app.keys,
      verifiedNames(app.investors.onboarding),
    );
    offerings.polyx = app.investors.polyx;
    const hooks = offeringHooks(offerings);
    operations.onFinal('offering', hooks.onOffering);
    operations.onFinal('subscription', hooks.onSubscription);
    const settlements = new SettlementService(
      db.orm,
      ledger,
      operations,
      app.investors.identities,
      audit,
      opts.operatorAddress,
      app.investors.polyx,
    );
    const closer = new OfferingCloser(offerings, offeringActions(offerings), app.infra.queue, app.log);
    const captable = new CapTableService(db.orm, ledger, assets);
    const tax = new TaxService(db.orm, ledger, assets, audit);
    app.decorate('tokenization', {
      assets,
      compliance,
      checks,
      offerings,
      closer,
      settlements,
      captable,
      tax,
    });
    let timer: NodeJS.Timeout | undefined;
    const every = opts.closeIntervalMs ?? 0;
    if (every > 0) {
      app.addHook('onReady', async () => {
        // The chain's time, which offering windows end by (see lib/chain-time.ts).
        const tick = () =>
          chainNow(ledger)
            .then((now) => closer.schedule(now, every))
            .catch((err: unknown) => app.log.warn({ err }, 'could not queue the offering close scan'));
        void tick();
        timer = setInterval(tick, every);
        timer.unref();
      });
    }
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'stoa-tokenization', dependencies: ['stoa-services', 'stoa-investors'] },
);

export const tokenizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(assetRoutes);
  await app.register(holderRoutes);
  await app.register(capTableRoutes);
  await app.register(taxRoutes);
  await app.register(complianceRoutes);
  await app.register(ruleHistoryRoutes);
  await app.register(offeringRoutes);
  await app.register(settlementRoutes);
  await app.register(portfolioRoutes);
};
