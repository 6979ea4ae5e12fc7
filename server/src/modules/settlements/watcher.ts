import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, LedgerEvent, Unsubscribe } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import type { OperationService } from '../operations/service.js';
import { ChainCursor } from './entity.js';
import type { SettlementService } from './service.js';

const CURSOR = 'settlement-outcomes';
/** Blocks without a settlement event between two saves of the cursor. */
const SAVE_EVERY = 100;

/**
 * Reads the chain's settlement events for the outcomes no operation of the platform's reports:
 * an instruction that executes by itself (SettleOnAffirmation, SettleOnBlock) and fails emits
 * `FailedToExecuteInstruction` in a block of its own. From a persisted cursor, one event at a
 * time, so a restart picks up where it stopped (a repeat is harmless: each outcome is keyed by
 * instruction and block).
 */
export class SettlementWatcher {
  private unsubscribe: Unsubscribe | null = null;
  private queue: Promise<void> = Promise.resolve();
  private saved = -1;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly settlements: SettlementService,
    private readonly operations: OperationService,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    const cursor = await this.orm.em.fork().findOne(ChainCursor, { name: CURSOR });
    // A first start reads from the head: instructions that failed before it keep their old record.
    const from = cursor ? cursor.block + 1 : (await this.ledger.info()).blockHeight;
    this.saved = from - 1;
    this.unsubscribe = await this.ledger.subscribeEvents(from, (e) => {
      this.queue = this.queue
        .then(() => this.handle(e))
        .catch((err: unknown) => this.log.warn({ err, block: e.block }, 'settlement outcome not recorded'));
    });
  }

  /** Resolves when every event delivered so far is handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private async handle(e: LedgerEvent): Promise<void> {
    if (e.module === 'settlement' && e.name === 'FailedToExecuteInstruction') {
      const details = e.data['details'] as { reason?: unknown } | undefined;
      const code = typeof details?.reason === 'string' ? details.reason : String(e.data['error']);
      const ops = await this.orm.em.fork().transactional(async (tx) => {
        const out = await this.settlements.onChainFailure(tx, Number(e.data['instructionId']), code, e.block);
        // The block may hold more events: it counts as read once the next block is reached.
        await this.save(tx, e.block - 1);
        return out;
      });
      for (const op of ops) await this.operations.dispatch(op);
    } else if (e.block - 1 - this.saved >= SAVE_EVERY) {
      await this.orm.em.fork().transactional((tx) => this.save(tx, e.block - 1));
    }
  }

  private async save(tx: EntityManager, block: number): Promise<void> {
    const row = await tx.findOne(ChainCursor, { name: CURSOR });
    if (row) row.block = Math.max(row.block, block);
    else tx.persist(Object.assign(new ChainCursor(), { name: CURSOR, block }));
    this.saved = Math.max(this.saved, block);
  }
}
