import type { EntityManager } from '@mikro-orm/postgresql';
import type { Did, Ledger, PortfolioRef, TransferBreakdown, TransferError } from '@stoa/chain';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { AssetService } from '../assets/service.js';
import { InvestorIdentity } from '../identities/entity.js';
import { Application } from '../onboarding/entity.js';
import { Subscription } from '../offerings/entity.js';
import type { Audience, CompiledRules } from './compiler.js';
import { AssetRules } from './entity.js';
import { conditionReason, generalReason, restrictionReason } from './reasons.js';

export interface Reason {
  /** The rule (template label, restriction or check) that refused. */
  rule: string;
  message: string;
}

export interface CheckResult {
  allowed: boolean;
  reasons: Reason[];
}

const RULE_FAILURES: ReadonlySet<TransferError> = new Set([
  'InvalidTransferStatisticsFailure',
  'InvalidTransferComplianceFailure',
]);

/**
 * Turns Polymesh's transfer report into one plain-language reason per failed rule. When rules
 * are alternatives (Reg D for US persons OR Reg S for the rest), only the requirements meant
 * for the receiver explain the refusal: a US investor is told "not accredited", not "US person".
 */
export function explainBreakdown(
  b: TransferBreakdown,
  compiled: CompiledRules | null,
  receiverIsUs: boolean | null,
  ignore: TransferError[] = [],
): Reason[] {
  const reasons: Reason[] = [];
  for (const code of b.general) {
    if (RULE_FAILURES.has(code) || ignore.includes(code)) continue;
    reasons.push({ rule: code, message: generalReason(code) ?? code });
  }
  if (!b.compliance.complies && !b.compliance.paused) {
    const fits = (a: Audience) => a === 'all' || receiverIsUs === null || (a === 'us') === receiverIsUs;
    const results = b.compliance.requirements.map((r, i) => ({ r, meta: compiled?.requirements[i] }));
    const relevant = results.filter((x) => !x.meta || fits(x.meta.audience));
    for (const { r, meta } of relevant.length > 0 ? relevant : results) {
      for (const c of r.conditions.filter((x) => !x.complies)) {
        const message = conditionReason(c.condition);
        if (!reasons.some((x) => x.message === message))
          reasons.push({ rule: meta?.label ?? `Requirement ${r.id}`, message });
      }
    }
  }
  for (const r of b.restrictions.filter((x) => !x.result)) {
    reasons.push({ rule: r.restriction.type, message: restrictionReason(r.restriction) });
  }
  return reasons;
}

export class TransferCheckService {
  constructor(
    private readonly ledger: Ledger,
    private readonly assets: AssetService,
  ) {}

  /** Whether the receiver is a US person by its Jurisdiction claim (null when it has none). */
  async receiverIsUs(did: Did): Promise<boolean | null> {
    const claims = await this.ledger.claims(did, { claimType: 'Jurisdiction' });
    const codes = claims.flatMap((c) => (c.claim.type === 'Jurisdiction' ? [c.claim.code] : []));
    return codes.length === 0 ? null : codes.includes('Us');
  }

  /**
   * The pre-trade check: the chain's report plus the off-chain checks (investor standing,
   * Reg CF limit for `value`, the purchase price in USD, when given).
   */
  async check(
    em: EntityManager,
    assetId: string,
    args: { from?: PortfolioRef; to: PortfolioRef; amount: string; value?: string; ignore?: TransferError[] },
  ): Promise<CheckResult> {
    const { asset, issuer } = await this.assets.active(em, assetId);
    const rules = await em.findOne(AssetRules, { assetId });
    const from = args.from ?? { did: issuer.did! };
    const breakdown = await this.ledger.canTransfer({
      assetId: asset.chainId,
      from,
      to: args.to,
      amount: args.amount,
    });
    const reasons = explainBreakdown(
      breakdown,
      rules?.compiled ?? null,
      await this.receiverIsUs(args.to.did),
      args.ignore,
    );
    reasons.push(...(await this.offChain(em, args.to.did, rules?.compiled ?? null, args.value)));
    return { allowed: reasons.length === 0, reasons };
  }

  /** Checks Polymesh cannot express, for a receiver that is one of the platform's investors. */
  async offChain(
    em: EntityManager,
    did: Did,
    compiled: CompiledRules | null,
    value?: string,
  ): Promise<Reason[]> {
    const identity = await em.findOne(InvestorIdentity, { did });
    if (!identity) return [];
    const reasons: Reason[] = [];
    if (identity.standing !== 'good') {
      reasons.push({
        rule: 'investor standing',
        message: `the investor is not in good standing (${identity.standingReason ?? identity.standing}); renew their verification first`,
      });
    }
    if (compiled?.offChain.regCf && value !== undefined) {
      const app = await em.findOne(Application, { id: identity.applicationId });
      const accredited =
        app?.accreditationStatus === 'verified' && (app.accreditationExpiresAt ?? new Date(0)) > new Date();
      if (!accredited) {
        const limit = app?.regCfLimit ? toUnits(app.regCfLimit) : 0n;
        const since = new Date(Date.now() - 365 * 86_400_000);
        const past = await em.find(Subscription, {
          identityId: identity.id,
          status: { $in: ['pending', 'settled'] },
          createdAt: { $gte: since },
        });
        const spent = past.reduce((s, x) => s + toUnits(x.cost), 0n);
        if (spent + toUnits(value) > limit) {
          reasons.push({
            rule: 'Reg CF',
            message: `the investment would exceed the investor's Reg CF 12-month limit of ${fromUnits(limit)} USD (already invested ${fromUnits(spent)})`,
          });
        }
      }
    }
    return reasons;
  }
}
