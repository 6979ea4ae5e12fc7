import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { signerKeyOf, type Address } from '@stoa/chain';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { AuditService } from '../modules/audit/service.js';
import { OperatorLanes } from '../modules/operations/lanes.js';
import { OperationService } from '../modules/operations/service.js';

export interface Services {
  audit: AuditService;
  operations: OperationService;
  /** The first configured signer's address (the platform's operator account). */
  operatorAddress(): Address;
  /** Every configured signer's address (SIGNER_MNEMONICS), the operator first. */
  platformAccounts(): Address[];
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Phase 2: domain services over the infrastructure. Jobs start once the app is ready. */
export const servicesPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const { db, ledger, queue } = app.infra;
    const audit = new AuditService();
    const operations = new OperationService(db.orm, ledger, queue, audit, app.log, {
      instanceId: config.instanceId,
      submitTimeoutMs: config.outbox.submitTimeoutMs,
      window: config.outbox.window || undefined,
      // Absent (a config built without it): no coalescing; 0: the outbox's default.
      batchSize: config.outbox.batchSize === undefined ? 1 : config.outbox.batchSize || undefined,
    });
    const lanes = new OperatorLanes(db.orm, ledger, operations, audit, app.log, {
      count: config.outbox.lanes ?? 0,
      fundPolyx: config.outbox.lanePolyx ?? '10000',
    });
    operations.useLanes(lanes);
    let operator: Address | undefined;
    const accounts: Address[] = [];
    const operatorAddress = (): Address => {
      if (!operator)
        throw new AppError('SERVICE_UNAVAILABLE', 'No operator signer is configured (SIGNER_MNEMONICS)');
      return operator;
    };
    app.decorate('services', { audit, operations, operatorAddress, platformAccounts: () => [...accounts] });
    let sweeper: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      for (const secret of config.signers) {
        const address = await ledger.addSigner(signerKeyOf(secret));
        operations.keys.markLoaded(address);
        if (!accounts.includes(address)) accounts.push(address);
        operator ??= address;
      }
      // The lanes' keys are loaded before anything is sent; their setup operations (if any)
      // are recorded here and queued by the sweep below with every other unfinished one.
      if (operator && config.signers[0])
        await lanes.start(signerKeyOf(config.signers[0]), operator).catch((err: unknown) => {
          app.log.warn({ err }, 'operator lanes could not start; the operator key carries everything');
        });
      await operations.preloadSigners();
      await queue.start();
      await operations.sweep();
      const every = config.outbox.sweepIntervalMs;
      if (every > 0) {
        sweeper = setInterval(() => {
          operations.sweep({ oldestPerSigner: true }).catch((err: unknown) => {
            app.log.warn({ err }, 'outbox sweep failed; will try again');
          });
        }, every);
        sweeper.unref();
      }
    });
    // Before the queue and database close (hooks of later plugins run first on close).
    app.addHook('onClose', async () => {
      clearInterval(sweeper);
      operations.stop();
    });
  },
  { name: 'stoa-services', dependencies: ['stoa-infrastructure'] },
);
