import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuditService } from '../modules/audit/service.js';
import { OperationService } from '../modules/operations/service.js';

export interface Services {
  audit: AuditService;
  operations: OperationService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Phase 2: domain services over the infrastructure. Jobs start once the app is ready. */
export const servicesPlugin = fp(
  async (app: FastifyInstance) => {
    const { db, ledger, queue } = app.infra;
    const audit = new AuditService();
    const operations = new OperationService(db.orm, ledger, queue, audit, app.log);
    app.decorate('services', { audit, operations });
    app.addHook('onReady', async () => {
      await queue.start();
      await operations.sweep();
    });
  },
  { name: 'stoa-services', dependencies: ['stoa-infrastructure'] },
);
