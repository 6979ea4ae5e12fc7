import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import type { TradingVenues } from './ports.js';

export const ATS_VENUE_KEY = 'ats-venue';

/**
 * Until the venue registry arrives: one `Exchange` venue owned by the operator, created once
 * through the outbox (idempotency key `ats-venue`); its id is the operation's result, so the
 * operation row is where it is remembered. Trading is always open.
 */
export class DefaultTradingVenues implements TradingVenues {
  constructor(
    private readonly orm: MikroORM,
    private readonly operations: OperationService,
    private readonly operatorAddress: () => string,
    private readonly waitMs = 60_000,
  ) {}

  async atsVenue(em: EntityManager): Promise<number> {
    let op = await em.findOne(ChainOperation, { idempotencyKey: ATS_VENUE_KEY });
    if (!op) {
      op = await this.orm.em.fork().transactional((tx) =>
        this.operations.record(tx, {
          idempotencyKey: ATS_VENUE_KEY,
          call: { name: 'settlement.createVenue', args: { details: 'Stoa ATS', type: 'Exchange' } },
          signer: this.operatorAddress(),
          requestedBy: 'system',
          subject: { type: 'ats-venue', id: 'ats' },
        }),
      );
      await this.operations.dispatch(op);
    }
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const venueId = (op.result as { venueId?: number } | null)?.venueId;
      if (op.status === 'finalised' && venueId !== undefined) return venueId;
      if (op.status === 'failed')
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The trading venue could not be set up on chain; the platform operator has to look into it',
        );
      if (Date.now() > deadline)
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The trading venue is still being set up; try again in a minute',
        );
      await new Promise((r) => setTimeout(r, 50));
      op = (await this.operations.get(op.id)) ?? op;
    }
  }

  async assertOpen(): Promise<void> {}
}
