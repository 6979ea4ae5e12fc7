import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  identifierProblem,
  isReservedTicker,
  type AgentGroup,
  type AssetDocument,
  type AssetType,
  type Ledger,
  type LedgerCall,
  type PortfolioRef,
  type SecurityIdentifier,
} from '@stoa/chain';
import { AppError, type FieldProblem } from '../../errors.js';
import { refuseField } from '../../lib/chain-input.js';
import type { AuditService } from '../audit/service.js';
import { ChainOperation } from '../operations/entity.js';
import { lockRow } from '../../db/locks.js';
import type { OperationService } from '../operations/service.js';
import { quoteFee, type FeeQuote } from '../polyx/quote.js';
import { Asset, Issuer } from './entity.js';
import { controllerTransferCheck, freezeCheck, issueCheck, redeemCheck, type Precheck } from './prechecks.js';

export interface CreateAssetInput {
  issuerId?: string;
  name: string;
  ticker?: string;
  assetType: AssetType;
  divisible: boolean;
  identifiers?: SecurityIdentifier[];
  fundingRound?: string;
  documents?: AssetDocument[];
}

export const DEFAULT_ISSUER = 'Platform issuer';

/** Issuers and assets: every change is a chain operation recorded with the business row. */
export class AssetService {
  constructor(
    private readonly orm: MikroORM,
    readonly ledger: Ledger,
    readonly operations: OperationService,
    private readonly audit: AuditService,
    readonly operatorAddress: () => string,
  ) {
    operations.onFinal('asset', (tx, op) => this.onAssetOperation(tx, op));
  }

  /** The issuer organisation run by the operator account (the dev DID), created on first use. */
  async defaultIssuer(em: EntityManager): Promise<Issuer> {
    const found = await em.findOne(Issuer, { name: DEFAULT_ISSUER });
    if (found) return found;
    return this.createIssuer(em, DEFAULT_ISSUER, 'system');
  }

  async createIssuer(em: EntityManager, name: string, actor: string, account?: string): Promise<Issuer> {
    if (await em.findOne(Issuer, { name }))
      throw new AppError('CONFLICT', `An issuer named "${name}" already exists`);
    const issuer = new Issuer();
    issuer.name = name;
    issuer.account = account ?? this.operatorAddress();
    issuer.did = await this.ledger.identityOf(issuer.account);
    if (!issuer.did) {
      throw new AppError(
        'RULE_VIOLATION',
        `Account ${issuer.account} has no identity; onboard the issuer's account first`,
      );
    }
    em.persist(issuer);
    await this.audit.append(em, {
      actor,
      action: 'issuer.created',
      subjectType: 'issuer',
      subjectId: issuer.id,
      data: { name, account: issuer.account, did: issuer.did },
    });
    return issuer;
  }

  /** `scope`: the request's Idempotency-Key scope; a re-run of the request finds the first asset. */
  async create(
    input: CreateAssetInput,
    actor: string,
    scope?: string,
  ): Promise<{ asset: Asset; op: ChainOperation }> {
    const problems: FieldProblem[] = [];
    (input.identifiers ?? []).forEach((id, i) => {
      const p = identifierProblem(id.type, id.value);
      if (p)
        problems.push({ field: `/body/identifiers/${i}/value`, message: `${id.type} ${id.value}: ${p}` });
    });
    if (problems.length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Invalid security identifier: ${problems.map((p) => p.message).join('; ')}`,
        {
          fields: problems,
        },
      );
    }
    const result = await this.orm.em.fork().transactional(async (tx) => {
      const key = scope ? `asset-create:${scope}` : undefined;
      const first = key ? await tx.findOne(ChainOperation, { idempotencyKey: key }) : null;
      if (first) return { asset: await tx.findOneOrFail(Asset, { id: first.subjectId! }), op: first };
      const issuer = input.issuerId
        ? await tx.findOne(Issuer, { id: input.issuerId })
        : await this.defaultIssuer(tx);
      if (!issuer) throw AppError.notFound('Issuer', input.issuerId!);
      if (input.ticker) {
        if (isReservedTicker(input.ticker)) {
          refuseField(
            'CONFLICT',
            '/body/ticker',
            `Ticker ${input.ticker} is a currency code the chain reserves; choose another`,
          );
        }
        if (await tx.findOne(Asset, { ticker: input.ticker })) {
          throw new AppError(
            'CONFLICT',
            `Ticker ${input.ticker} is already used by another asset; choose another`,
          );
        }
        const reservation = await this.ledger.tickerReservation(input.ticker);
        if (reservation && (reservation.assetId || reservation.owner !== issuer.did)) {
          throw new AppError(
            'CONFLICT',
            `Ticker ${input.ticker} is reserved by another identity on chain; choose another`,
          );
        }
      }
      const asset = new Asset();
      Object.assign(asset, {
        issuerId: issuer.id,
        name: input.name,
        ticker: input.ticker ?? null,
        assetType: input.assetType,
        divisible: input.divisible,
        identifiers: input.identifiers ?? [],
        fundingRound: input.fundingRound ?? null,
        documents: input.documents ?? [],
      });
      tx.persist(asset);
      await this.audit.append(tx, {
        actor,
        action: 'asset.created',
        subjectType: 'asset',
        subjectId: asset.id,
        data: { issuerId: issuer.id, name: asset.name, ticker: asset.ticker, identifiers: asset.identifiers },
      });
      const op = await this.operations.record(tx, {
        idempotencyKey: key ?? `asset-create:${asset.id}`,
        call: createAssetCall(input),
        signer: issuer.account,
        requestedBy: actor,
        subject: { type: 'asset', id: asset.id },
      });
      return { asset, op };
    });
    await this.operations.dispatch(result.op);
    return result;
  }

  async get(em: EntityManager, id: string, lock = false): Promise<Asset> {
    const asset = await em.findOne(Asset, { id }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!asset) throw AppError.notFound('Asset', id);
    return asset;
  }

  /** The asset, which must exist on chain: most actions need its chain id. */
  async active(
    em: EntityManager,
    id: string,
    opts: { lock?: boolean } = {},
  ): Promise<{ asset: Asset & { chainId: string }; issuer: Issuer }> {
    const asset = opts.lock ? await lockRow(em, Asset, id) : await em.findOne(Asset, { id });
    if (!asset) throw AppError.notFound('Asset', id);
    if (asset.status !== 'active' || !asset.chainId) {
      throw new AppError(
        'CONFLICT',
        `Asset ${id} is ${asset.status} on chain; wait until its creation is final`,
      );
    }
    const issuer = await em.findOneOrFail(Issuer, { id: asset.issuerId });
    return { asset: asset as Asset & { chainId: string }, issuer };
  }

  /**
   * Records one chain action on an active asset with its audit entry, in one transaction under
   * the asset's row lock, and dispatches it after commit. Under the lock `check` (the chain's
   * rules that depend on state) sees every operation recorded before it. With the request's
   * Idempotency-Key `scope`, a re-run of the same request answers with the operation the first
   * run recorded, and skips the check.
   */
  async act(
    assetId: string,
    actor: string,
    action: string,
    build: (chainId: string, tx: EntityManager, asset: Asset) => LedgerCall | Promise<LedgerCall>,
    opts: { scope?: string; data?: Record<string, unknown>; check?: Precheck } = {},
  ): Promise<ChainOperation> {
    const key = `${action}:${assetId}:${opts.scope ?? randomUUID()}`;
    const op = await this.orm.em.fork().transactional(async (tx) => {
      const { asset, issuer } = await this.active(tx, assetId, { lock: true });
      const first = opts.scope ? await tx.findOne(ChainOperation, { idempotencyKey: key }) : null;
      if (first) return first;
      await opts.check?.(tx, asset, issuer);
      const call = await build(asset.chainId, tx, asset);
      await this.audit.append(tx, {
        actor,
        action,
        subjectType: 'asset',
        subjectId: asset.id,
        data: { ...opts.data, call },
      });
      return this.operations.record(tx, {
        idempotencyKey: key,
        call,
        signer: issuer.account,
        requestedBy: actor,
        subject: { type: 'asset', id: asset.id },
      });
    });
    await this.operations.dispatch(op);
    return op;
  }

  /** What creating this asset would cost on chain now (its issuer's account pays). */
  async estimateCreate(input: CreateAssetInput): Promise<FeeQuote> {
    const em = this.orm.em.fork();
    // The default issuer is the operator's account (created on the first asset, not here).
    const issuer = await em.findOne(
      Issuer,
      input.issuerId ? { id: input.issuerId } : { name: DEFAULT_ISSUER },
    );
    if (!issuer && input.issuerId) throw AppError.notFound('Issuer', input.issuerId);
    return quoteFee(this.ledger, createAssetCall(input), issuer?.account ?? this.operatorAddress());
  }

  /** What issuing `amount` would cost on chain now. */
  async estimateIssue(id: string, amount: string, portfolio?: number): Promise<FeeQuote> {
    const { asset, issuer } = await this.active(this.orm.em.fork(), id);
    return quoteFee(this.ledger, issueCall(asset.chainId, amount, portfolio), issuer.account);
  }

  issue(id: string, actor: string, amount: string, portfolio?: number, scope?: string) {
    return this.act(id, actor, 'asset.issue', (assetId) => issueCall(assetId, amount, portfolio), {
      scope,
      check: issueCheck(this.ledger, amount),
    });
  }

  redeem(id: string, actor: string, amount: string, portfolio?: number, scope?: string) {
    return this.act(
      id,
      actor,
      'asset.redeem',
      (assetId) => ({ name: 'asset.redeem', args: { assetId, amount, ...(portfolio ? { portfolio } : {}) } }),
      { scope, check: redeemCheck(amount) },
    );
  }

  setFrozen(id: string, actor: string, frozen: boolean, reason: string, scope?: string) {
    const name = frozen ? 'asset.freeze' : 'asset.unfreeze';
    return this.act(id, actor, name, (assetId) => ({ name, args: { assetId } }), {
      scope,
      data: { reason },
      check: freezeCheck(this.ledger, frozen),
    });
  }

  controllerTransfer(
    id: string,
    actor: string,
    from: PortfolioRef,
    amount: string,
    reason: string,
    scope?: string,
  ) {
    return this.act(
      id,
      actor,
      'asset.controller-transfer',
      (assetId) => ({ name: 'asset.controllerTransfer', args: { assetId, amount, from } }),
      {
        scope,
        data: { reason, from, amount },
        check: controllerTransferCheck(amount, from),
      },
    );
  }

  inviteAgent(id: string, actor: string, target: string, group: AgentGroup, scope?: string) {
    return this.act(
      id,
      actor,
      'asset.agent-invited',
      (assetId) => ({ name: 'externalAgents.addAuthorization', args: { assetId, target, group } }),
      { scope },
    );
  }

  createGroup(
    id: string,
    actor: string,
    permissions: { type: 'Include' | 'Exclude'; values: string[] },
    scope?: string,
  ) {
    return this.act(
      id,
      actor,
      'asset.agent-group-created',
      (assetId) => ({ name: 'externalAgents.createGroup', args: { assetId, permissions } }),
      { scope },
    );
  }

  addDocument(id: string, actor: string, doc: AssetDocument, scope?: string) {
    return this.act(
      id,
      actor,
      'asset.document-added',
      (assetId, _tx, asset) => {
        if (asset.documents.some((d) => d.name === doc.name)) {
          throw new AppError('CONFLICT', `The asset already has a document named "${doc.name}"`);
        }
        asset.documents = [...asset.documents, doc];
        return { name: 'asset.setDocuments', args: { assetId, documents: asset.documents } };
      },
      { scope, data: { document: doc } },
    );
  }

  private async onAssetOperation(tx: EntityManager, op: ChainOperation): Promise<void> {
    if (op.kind !== 'asset.createAsset') return;
    const asset = await tx.findOne(Asset, { id: op.subjectId! });
    if (!asset) return;
    if (op.status === 'finalised') {
      asset.chainId = (op.result as { assetId: string }).assetId;
      asset.status = 'active';
    } else {
      asset.status = 'failed';
      asset.error = `${op.errorCode ?? 'failed'}: ${op.errorMessage ?? ''}`;
    }
  }
}

/** The chain call `create` records for an asset. */
function createAssetCall(input: CreateAssetInput): LedgerCall {
  return {
    name: 'asset.createAsset',
    args: {
      name: input.name,
      assetType: input.assetType,
      divisible: input.divisible,
      ...(input.identifiers?.length ? { identifiers: input.identifiers } : {}),
      ...(input.fundingRound ? { fundingRound: input.fundingRound } : {}),
      ...(input.ticker ? { ticker: input.ticker } : {}),
      ...(input.documents?.length ? { documents: input.documents } : {}),
    },
  };
}

/** The chain call of an issuance. */
function issueCall(assetId: string, amount: string, portfolio?: number): LedgerCall {
  return { name: 'asset.issue', args: { assetId, amount, ...(portfolio ? { portfolio } : {}) } };
}
