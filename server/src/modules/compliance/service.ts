import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AssetId, Did, Ledger, LedgerCall, StatKey, StatType, TransferCondition } from '@stoa/chain';
import { AppError } from '../../errors.js';
import type { AuditService } from '../audit/service.js';
import { canonicalJson } from '../audit/service.js';
import type { AssetService } from '../assets/service.js';
import type { ChainOperation } from '../operations/entity.js';
import type { CheckContextCache } from './check-cache.js';
import { compileRules, RuleCompileError, type CompiledRules } from './compiler.js';
import { AssetRules } from './entity.js';
import type { RuleTemplate } from './templates.js';

const keyOf = (t: RuleTemplate) => (t.template === 'country-cap' ? `${t.template}:${t.country}` : t.template);

/** What changed between two rule sets, by template. */
export function diffRules(before: RuleTemplate[], after: RuleTemplate[]) {
  const b = new Map(before.map((t) => [keyOf(t), t]));
  const a = new Map(after.map((t) => [keyOf(t), t]));
  return {
    added: after.filter((t) => !b.has(keyOf(t))),
    removed: before.filter((t) => !a.has(keyOf(t))),
    changed: after
      .filter((t) => b.has(keyOf(t)) && canonicalJson(b.get(keyOf(t))) !== canonicalJson(t))
      .map((t) => ({ from: b.get(keyOf(t))!, to: t })),
  };
}

const statKey = (s: StatType) => canonicalJson(s);

export class ComplianceService {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly assets: AssetService,
    private readonly audit: AuditService,
    /** The pre-trade checks' cache of assets' rules, evicted once a rule change commits. */
    private readonly checkContexts?: CheckContextCache,
  ) {}

  /** The identity trusted for investor claims: the platform's CDD provider (the operator's DID). */
  async claimIssuer(): Promise<Did> {
    const did = await this.ledger.identityOf(this.assets.operatorAddress());
    if (!did) throw new AppError('SERVICE_UNAVAILABLE', 'The operator account has no identity on chain');
    return did;
  }

  async compile(templates: RuleTemplate[], assetChainId?: string): Promise<CompiledRules> {
    try {
      return compileRules(templates, { claimIssuer: await this.claimIssuer(), assetChainId });
    } catch (err) {
      if (err instanceof RuleCompileError) throw new AppError('VALIDATION_FAILED', err.message);
      throw err;
    }
  }

  async get(em: EntityManager, assetId: string): Promise<AssetRules | null> {
    return em.findOne(AssetRules, { assetId });
  }

  /**
   * Replaces an asset's rules: compiles, records the chain calls that make the chain match
   * (trusted issuers, requirements, statistics with their current values, restrictions) and
   * audits the change with a diff — all in one transaction.
   */
  async setRules(
    assetId: string,
    templates: RuleTemplate[],
    actor: string,
  ): Promise<{ rules: AssetRules; operations: ChainOperation[] }> {
    const ops = await this.orm.em.fork().transactional(async (tx) => {
      // Under the asset's lock: two changes cannot both start from the same version.
      const { asset, issuer } = await this.assets.active(tx, assetId, { lock: true });
      const compiled = await this.compile(templates, asset.chainId);
      let rules = await tx.findOne(AssetRules, { assetId });
      const before = rules?.templates ?? [];
      const diff = diffRules(before, templates);
      if (rules && diff.added.length + diff.removed.length + diff.changed.length === 0) {
        throw new AppError('CONFLICT', 'These are already the asset’s rules; nothing to change');
      }
      if (!rules) {
        rules = new AssetRules();
        rules.assetId = assetId;
        rules.version = 0;
        tx.persist(rules);
      }
      rules.templates = templates;
      rules.compiled = compiled;
      rules.version += 1;
      rules.changedBy = actor;
      const calls = await this.chainCalls(asset.chainId, compiled);
      await this.audit.append(tx, {
        actor,
        action: before.length ? 'compliance.rules-changed' : 'compliance.rules-set',
        subjectType: 'asset',
        subjectId: assetId,
        data: {
          version: rules.version,
          diff,
          summary: compiled.summary,
          live: (await this.ledger.holders(asset.chainId)).length > 0,
        },
      });
      const out: ChainOperation[] = [];
      for (const [i, call] of calls.entries()) {
        out.push(
          await this.assets.operations.record(tx, {
            idempotencyKey: `rules:${assetId}:v${rules.version}:${i}`,
            call,
            signer: issuer.account,
            requestedBy: actor,
            subject: { type: 'asset', id: assetId },
          }),
        );
      }
      return { rules, out, compiled };
    });
    this.checkContexts?.forget(assetId);
    for (const op of ops.out) await this.assets.operations.dispatch(op);
    return { rules: ops.rules, operations: ops.out };
  }

  /** The calls that take the chain from its current state to `compiled`. */
  private async chainCalls(assetId: AssetId, compiled: CompiledRules): Promise<LedgerCall[]> {
    const calls: LedgerCall[] = [];
    const current = await this.ledger.trustedClaimIssuers(assetId);
    for (const t of compiled.trustedIssuers) {
      const existing = current.find((c) => c.identity === t.identity);
      if (existing && canonicalJson(existing) === canonicalJson(t)) continue;
      if (existing)
        calls.push({
          name: 'complianceManager.removeDefaultTrustedClaimIssuer',
          args: { assetId, issuer: t.identity },
        });
      calls.push({ name: 'complianceManager.addDefaultTrustedClaimIssuer', args: { assetId, issuer: t } });
    }
    calls.push(
      compiled.requirements.length > 0
        ? {
            name: 'complianceManager.replaceAssetCompliance',
            args: { assetId, requirements: compiled.requirements.map((r) => r.conditions) },
          }
        : { name: 'complianceManager.resetAssetCompliance', args: { assetId } },
    );
    const restrictions = await this.ledger.transferRestrictions(assetId);
    const wanted = new Map(compiled.stats.map((s) => [statKey(s), s]));
    const union = new Map([...restrictions.stats.map((s) => [statKey(s), s] as const), ...wanted]);
    if (union.size !== restrictions.stats.length) {
      calls.push({ name: 'statistics.setActiveAssetStats', args: { assetId, stats: [...union.values()] } });
    }
    // Polymesh does not backfill statistics: new ones start from the current holders.
    for (const stat of compiled.stats) {
      if (restrictions.stats.some((s) => statKey(s) === statKey(stat)) || stat.op !== 'Count') continue;
      const values = await this.currentCounts(assetId, stat);
      if (values.length > 0)
        calls.push({ name: 'statistics.batchUpdateAssetStats', args: { assetId, stat, values } });
    }
    if (canonicalJson(restrictions.conditions) !== canonicalJson(compiled.restrictions)) {
      calls.push({
        name: 'statistics.setAssetTransferCompliance',
        args: { assetId, conditions: compiled.restrictions as TransferCondition[] },
      });
    }
    if (union.size !== wanted.size) {
      calls.push({ name: 'statistics.setActiveAssetStats', args: { assetId, stats: compiled.stats } });
    }
    return calls;
  }

  private async currentCounts(assetId: AssetId, stat: StatType): Promise<{ key: StatKey; value: string }[]> {
    const holders = await this.ledger.holders(assetId);
    if (!stat.claimIssuer)
      return holders.length ? [{ key: { type: 'NoClaimStat' }, value: String(holders.length) }] : [];
    const counts = new Map<string, number>();
    for (const h of holders) {
      const claims = await this.ledger.claims(h.did, {
        claimType: 'Jurisdiction',
        issuer: stat.claimIssuer.issuer,
      });
      const c = claims.find(
        (x) =>
          x.claim.type === 'Jurisdiction' &&
          x.claim.scope.type === 'Asset' &&
          x.claim.scope.value === assetId,
      );
      const code = c?.claim.type === 'Jurisdiction' ? c.claim.code : '';
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    return [...counts].map(([code, n]) => ({
      key: { type: 'Jurisdiction', value: code || null },
      value: String(n),
    }));
  }
}
