import type { EntityManager } from '@mikro-orm/postgresql';
import type { Did } from '@stoa/chain';
import { AppError } from '../../errors.js';
import type { CompiledRules } from './compiler.js';

/** What a pre-trade check needs of an asset: read in one query, then kept a few seconds. */
export interface CheckContext {
  assetId: string;
  chainId: string;
  issuerDid: Did;
  compiled: CompiledRules | null;
}

/** How long an asset's check context is kept; changes made on this instance evict it at once. */
export const CHECK_CONTEXT_TTL_MS = 5_000;
const MAX_ASSETS = 5_000;

interface ContextRow {
  status: string;
  chainId: string | null;
  issuerDid: string | null;
  compiled: CompiledRules | string | null;
}

/**
 * Each active asset's chain id, issuer DID and compiled rules, by asset. A rule change
 * (ComplianceService.setRules) evicts its asset once committed, so the next check on this
 * instance reads the new rules; another instance reads them within the TTL (the chain, which
 * `canTransfer` asks every time, already has the new rules only once their operations are final).
 * Only active assets are kept: an asset leaves `creating` once, and its chain id and issuer do not
 * change after that. A lookup that began before an eviction does not store what it read.
 */
export class CheckContextCache {
  private readonly entries = new Map<string, { context: CheckContext; until: number }>();
  private gen = 0;

  constructor(readonly ttlMs: number = CHECK_CONTEXT_TTL_MS) {}

  /** The asset's context from the cache, or from one query (asset, issuer and rules joined). */
  async get(em: EntityManager, assetId: string): Promise<CheckContext> {
    const now = Date.now();
    const hit = this.entries.get(assetId);
    if (hit && hit.until > now) return hit.context;
    if (hit) this.entries.delete(assetId);
    const generation = this.gen;
    const [row] = await em.execute<ContextRow[]>(
      `select a.status, a.chain_id as "chainId", i.did as "issuerDid", r.compiled
         from asset a join issuer i on i.id = a.issuer_id
         left join asset_rules r on r.asset_id = a.id
        where a.id = ?`,
      [assetId],
    );
    if (!row) throw AppError.notFound('Asset', assetId);
    if (row.status !== 'active' || !row.chainId) {
      throw new AppError(
        'CONFLICT',
        `Asset ${assetId} is ${row.status} on chain; wait until its creation is final`,
      );
    }
    const compiled =
      typeof row.compiled === 'string' ? (JSON.parse(row.compiled) as CompiledRules) : row.compiled;
    const context: CheckContext = {
      assetId,
      chainId: row.chainId,
      issuerDid: row.issuerDid as Did,
      compiled,
    };
    if (this.ttlMs > 0 && generation === this.gen) {
      if (this.entries.size >= MAX_ASSETS) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(assetId, { context, until: now + this.ttlMs });
    }
    return context;
  }

  /** Forgets the asset (after its rules or its row changed). */
  forget(assetId: string): void {
    this.gen++;
    this.entries.delete(assetId);
  }
}
