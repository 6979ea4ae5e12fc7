import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { TreasuryConfig } from '../../config.js';
import { Asset } from '../assets/entity.js';
import type { AssetService } from '../assets/service.js';
import { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';

/** The idempotency scope of the stablecoin's creation: one `asset.createAsset` for ever. */
export const STABLECOIN_SCOPE = 'platform-stablecoin';
const CREATE_KEY = `asset-create:${STABLECOIN_SCOPE}`;
const OPERATOR_PRE_APPROVAL_KEY = 'platform-stablecoin:operator-pre-approval';

/**
 * The platform's own stablecoin, which investors deposit into and offerings are priced in. It is
 * created by the platform (not through the issuer's asset wizard) through the outbox, keyed so
 * that starting again — or two instances starting together — never creates a second one.
 */
export class PlatformStablecoin {
  constructor(
    private readonly orm: MikroORM,
    private readonly assets: AssetService,
    private readonly operations: OperationService,
    private readonly settings: TreasuryConfig['stablecoin'],
    private readonly log: FastifyBaseLogger,
  ) {
    // After its creation is final, the operator pre-approves it for its default portfolio:
    // withdrawals (investor → platform) then settle without the platform affirming each one.
    // Only that portfolio, not the whole identity: issuers' offerings raise into the operator's
    // numbered portfolios, and a receiver the chain affirms by itself cannot be affirmed again by
    // `sto.invest` (UnexpectedAffirmationStatus), so a DID-wide pre-approval breaks every offering.
    operations.onFinal('asset', async (tx, op) => {
      if (op.idempotencyKey !== CREATE_KEY || op.status !== 'finalised') return;
      const asset = await tx.findOne(Asset, { id: op.subjectId! });
      if (!asset?.chainId) return;
      const did = await assets.ledger.identityOf(assets.operatorAddress());
      if (!did) return;
      const pre = await operations.record(tx, {
        idempotencyKey: OPERATOR_PRE_APPROVAL_KEY,
        call: { name: 'portfolio.preApprovePortfolio', args: { assetId: asset.chainId, portfolio: { did } } },
        signer: assets.operatorAddress(),
        requestedBy: 'system',
        subject: { type: 'platform-stablecoin', id: asset.id },
      });
      return [pre];
    });
  }

  get name(): string {
    return this.settings.name;
  }

  /** The stablecoin's row (any status), or null before it was ever asked for. */
  async find(em: EntityManager = this.orm.em.fork()): Promise<Asset | null> {
    const op = await em.findOne(ChainOperation, { idempotencyKey: CREATE_KEY });
    if (op?.subjectId) return em.findOne(Asset, { id: op.subjectId });
    return em.findOne(Asset, { ticker: this.settings.ticker, assetType: 'StableCoin' });
  }

  /** The stablecoin the platform itself created (never one made by hand with the same ticker). */
  async created(em: EntityManager): Promise<(Asset & { chainId: string }) | null> {
    const op = await em.findOne(ChainOperation, { idempotencyKey: CREATE_KEY });
    const a = op?.subjectId ? await em.findOne(Asset, { id: op.subjectId }) : null;
    return a && a.status === 'active' && a.chainId ? (a as Asset & { chainId: string }) : null;
  }

  /** The stablecoin when it is on chain, else null. */
  async active(em: EntityManager = this.orm.em.fork()): Promise<(Asset & { chainId: string }) | null> {
    const a = await this.find(em);
    return a && a.status === 'active' && a.chainId ? (a as Asset & { chainId: string }) : null;
  }

  /** Creates the stablecoin unless it exists (or is being created). Safe to call at every start. */
  async ensure(): Promise<Asset> {
    const found = await this.find();
    if (found) {
      if (found.status === 'failed')
        this.log.error(
          { assetId: found.id, error: found.error },
          'the platform stablecoin could not be created on chain; deposits and default-priced offerings stay unavailable',
        );
      return found;
    }
    try {
      const { asset } = await this.assets.create(
        {
          name: this.settings.name,
          ticker: this.settings.ticker,
          assetType: 'StableCoin',
          divisible: true,
        },
        'system',
        STABLECOIN_SCOPE,
      );
      this.log.info({ ticker: this.settings.ticker }, 'creating the platform stablecoin');
      return asset;
    } catch (err) {
      // Another instance starting at the same moment recorded it first.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const again = await this.find();
      if (!again) throw err;
      return again;
    }
  }
}
