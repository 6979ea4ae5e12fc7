import type { EntityManager } from '@mikro-orm/postgresql';
import type { Did, Ledger, PortfolioRef, TransferBreakdown, TransferError } from '@stoa/chain';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { AssetService } from '../assets/service.js';
import type { Principal } from '../auth/service.js';
import { InvestorIdentity } from '../identities/entity.js';
import { Application } from '../onboarding/entity.js';
import { Subscription } from '../offerings/entity.js';
import type { Audience, CompiledRules } from './compiler.js';
import { AssetRules } from './entity.js';
import { present, transferCheckAudience, type CheckAnswer, type CheckReport } from './policy.js';
import {
  conditionParties,
  conditionReason,
  generalFinding,
  restrictionFinding,
  type Finding,
} from './reasons.js';

export interface TransferCheckArgs {
  from?: PortfolioRef;
  to: PortfolioRef;
  amount: string;
  value?: string;
  ignore?: TransferError[];
}

/**
 * Turns Polymesh's transfer report into one finding per failed rule. When rules are
 * alternatives (Reg D for US persons OR Reg S for the rest), only the requirements meant for the
 * receiver explain the refusal: a US investor is told "not accredited", not "US person".
 */
export function explainBreakdown(
  b: TransferBreakdown,
  compiled: CompiledRules | null,
  receiverIsUs: boolean | null,
  ignore: TransferError[] = [],
): Finding[] {
  const findings: Finding[] = [];
  // A sender short of tokens altogether is short in the portfolio too: one reason is enough.
  const skip = new Set([
    ...ignore,
    ...(b.general.includes('InsufficientBalance') ? (['InsufficientPortfolioBalance'] as const) : []),
  ]);
  for (const code of b.general) {
    const f = skip.has(code) ? null : generalFinding(code);
    if (f) findings.push(f);
  }
  if (!b.compliance.complies && !b.compliance.paused) {
    const fits = (a: Audience) => a === 'all' || receiverIsUs === null || (a === 'us') === receiverIsUs;
    const results = b.compliance.requirements.map((r, i) => ({ r, meta: compiled?.requirements[i] }));
    const relevant = results.filter((x) => !x.meta || fits(x.meta.audience));
    const seen = new Set<string>();
    for (const { r, meta } of relevant.length > 0 ? relevant : results) {
      for (const { condition } of r.conditions.filter((x) => !x.complies)) {
        const key = conditionReason(condition);
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({
          rule: meta?.label ?? 'compliance rules',
          about: conditionParties(condition),
          holdings: false,
          say: (p) => conditionReason(condition, p),
        });
      }
    }
  }
  for (const r of b.restrictions.filter((x) => !x.result)) findings.push(restrictionFinding(r.restriction));
  return findings;
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

  /** The pre-trade check as the principal may see it (policy.ts): refused before anything runs. */
  async checkAs(
    em: EntityManager,
    principal: Principal,
    assetId: string,
    args: TransferCheckArgs,
  ): Promise<CheckAnswer> {
    const audience = await transferCheckAudience(em, principal, args);
    return present(await this.check(em, assetId, args), audience);
  }

  /**
   * The pre-trade check: the chain's report plus the off-chain checks (investor standing,
   * Reg CF limit for `value`, the purchase price in USD, when given).
   */
  async check(em: EntityManager, assetId: string, args: TransferCheckArgs): Promise<CheckReport> {
    const { asset, issuer } = await this.assets.active(em, assetId);
    const rules = await em.findOne(AssetRules, { assetId });
    const compiled = rules?.compiled ?? null;
    const from = args.from ?? { did: issuer.did! };
    const breakdown = await this.ledger.canTransfer({
      assetId: asset.chainId,
      from,
      to: args.to,
      amount: args.amount,
    });
    const findings = explainBreakdown(breakdown, compiled, await this.receiverIsUs(args.to.did), args.ignore);
    findings.push(...(await this.offChain(em, args.to.did, compiled, args.value)));
    return { findings, compiled, ...(args.value !== undefined ? { value: args.value } : {}) };
  }

  /** Checks Polymesh cannot express, for a receiver that is one of the platform's investors. */
  async offChain(
    em: EntityManager,
    did: Did,
    compiled: CompiledRules | null,
    value?: string,
  ): Promise<Finding[]> {
    const identity = await em.findOne(InvestorIdentity, { did });
    if (!identity) return [];
    const findings: Finding[] = [];
    if (identity.standing !== 'good') {
      const why = identity.standingReason ?? identity.standing;
      findings.push({
        rule: 'investor standing',
        about: ['receiver'],
        holdings: false,
        say: ({ receiver: s }) =>
          `${s.name} ${s.is} not in good standing (${why}); renew ${s.their} verification first`,
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
          findings.push({
            rule: 'Reg CF',
            about: ['receiver'],
            holdings: true,
            say: ({ receiver: s }) =>
              `the investment would exceed ${s.of} Reg CF 12-month limit of ${fromUnits(limit)} USD (already invested ${fromUnits(spent)})`,
          });
        }
      }
    }
    return findings;
  }
}
