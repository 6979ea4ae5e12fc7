import type { EntityManager } from '@mikro-orm/postgresql';
import type { Did, Ledger, PortfolioRef, TransferBreakdown, TransferError } from '@stoa/chain';
import { chainNow } from '../../lib/chain-time.js';
import { formatTime } from '../../lib/format.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import { saleFindings } from '../lockups/service.js';
import type { Principal } from '../auth/service.js';
import type { Standing } from '../identities/entity.js';
import { CheckContextCache } from './check-cache.js';
import type { Audience, CompiledRules } from './compiler.js';
import {
  checksAnyTransfer,
  present,
  transferCheckAudience,
  type CheckAnswer,
  type CheckReport,
} from './policy.js';
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
  /** The lock-up is explained with its quantities elsewhere: leave out the SellLockup condition. */
  lockupExplained = false,
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
        if (lockupExplained && condition.type === 'IsAbsent' && condition.claim.type === 'SellLockup')
          continue;
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

/** What the off-chain checks need of the receiver (and of the investor asking), in one row each. */
interface PartyRow {
  did: string | null;
  userId: string;
  standing: Standing;
  standingReason: string | null;
  accreditationStatus: string | null;
  accreditationExpiresAt: Date | string | null;
  regCfLimit: string | null;
  /** The receiver's pending and settled subscriptions of the last 12 months (only with `value`). */
  spent: string | null;
}

export interface PartyFacts {
  /** The receiver, when it is one of the platform's investors. */
  receiver: PartyRow | null;
  /** The investor asking (by user), when asked for; null when they have no identity. */
  viewer: PartyRow | null;
}

/** The Reg CF window: purchases of the last 12 months count against the limit. */
const REG_CF_WINDOW_MS = 365 * 86_400_000;

export class TransferCheckService {
  constructor(
    private readonly ledger: Ledger,
    /** Assets' chain ids, issuers and compiled rules; ComplianceService evicts on rule changes. */
    readonly contexts: CheckContextCache = new CheckContextCache(),
  ) {}

  /** Whether the receiver is a US person by its Jurisdiction claim (null when it has none). */
  async receiverIsUs(did: Did): Promise<boolean | null> {
    const claims = await this.ledger.claims(did, { claimType: 'Jurisdiction' });
    const codes = claims.flatMap((c) => (c.claim.type === 'Jurisdiction' ? [c.claim.code] : []));
    return codes.length === 0 ? null : codes.includes('Us');
  }

  /**
   * The pre-trade check as the principal may see it (policy.ts): refused before the chain is
   * asked. One query reads the investor's own identity with the receiver's facts; the asset comes
   * from the context cache.
   */
  async checkAs(
    em: EntityManager,
    principal: Principal,
    assetId: string,
    args: TransferCheckArgs,
  ): Promise<CheckAnswer> {
    const viewer = checksAnyTransfer(principal) ? null : principal.userId;
    const now = await chainNow(this.ledger);
    const facts = await this.parties(em, args.to.did, viewer, args.value !== undefined, now);
    const audience = await transferCheckAudience(
      em,
      principal,
      args,
      viewer === null ? undefined : facts.viewer,
    );
    return present(await this.check(em, assetId, args, facts, now), audience);
  }

  /**
   * The pre-trade check: the chain's report plus the off-chain checks (investor standing,
   * Reg CF limit for `value`, the purchase price in USD, when given). At most one database round
   * trip: the asset's context is cached (check-cache.ts) and the receiver's facts are one query
   * (none when `facts` were read by the caller). Off-chain expiries and windows are judged by the
   * chain's time (`now`, read once when the caller has not), as the on-chain rules are, so the
   * development clock rehearses them too.
   */
  async check(
    em: EntityManager,
    assetId: string,
    args: TransferCheckArgs,
    facts?: PartyFacts,
    at?: Date,
  ): Promise<CheckReport> {
    const now = at ?? (await chainNow(this.ledger));
    const ctx = await this.contexts.get(em, assetId);
    const compiled = ctx.compiled;
    const from = args.from ?? { did: ctx.issuerDid };
    const receiver = facts ?? (await this.parties(em, args.to.did, null, args.value !== undefined, now));
    const breakdown = await this.ledger.canTransfer({
      assetId: ctx.chainId,
      from,
      to: args.to,
      amount: args.amount,
    });
    // Lock-ups per acquisition and affiliates' volume: the chain cannot lock part of a holding.
    const sale =
      from.did !== ctx.issuerDid
        ? await saleFindings(em, this.ledger, {
            assetId,
            did: from.did,
            amount: args.amount,
            at: now,
            issuerDid: ctx.issuerDid,
            compiled,
          })
        : [];
    // The quantities say more than the chain's "still in a lock-up": one reason for the rule.
    const lockup = sale.some((f) => f.rule === 'lock-up');
    const findings = explainBreakdown(
      breakdown,
      compiled,
      await this.receiverIsUs(args.to.did),
      args.ignore,
      lockup,
    );
    findings.push(...this.offChain(receiver.receiver, compiled, now, args.value), ...sale);
    return { findings, compiled, ...(args.value !== undefined ? { value: args.value } : {}) };
  }

  /**
   * In one query: the receiver's identity, standing, accreditation, Reg CF limit and (with
   * `withSpent`) what it invested in the 12 months of chain time before `now`; and, for
   * `viewerUserId`, the identity of the investor asking.
   */
  async parties(
    em: EntityManager,
    receiverDid: Did,
    viewerUserId: string | null,
    withSpent: boolean,
    now: Date,
  ): Promise<PartyFacts> {
    const params: unknown[] = [];
    let spent = 'null';
    if (withSpent) {
      spent = `case when i.did = ? then (
                 select coalesce(sum(s.cost), 0)::text from subscription s
                  where s.identity_id = i.id and s.status in ('pending', 'settled') and s.chain_time >= ?
               ) end`;
      params.push(receiverDid, new Date(now.getTime() - REG_CF_WINDOW_MS));
    }
    params.push(receiverDid);
    if (viewerUserId) params.push(viewerUserId);
    const rows = await em.execute<PartyRow[]>(
      `select i.did, i.user_id as "userId", i.standing, i.standing_reason as "standingReason",
              a.accreditation_status as "accreditationStatus",
              a.accreditation_expires_at as "accreditationExpiresAt",
              a.reg_cf_limit::text as "regCfLimit", ${spent} as spent
         from investor_identity i left join onboarding_application a on a.id = i.application_id
        where i.did = ?${viewerUserId ? ' or i.user_id = ?' : ''}`,
      params,
    );
    return {
      receiver: rows.find((r) => r.did === receiverDid) ?? null,
      viewer: viewerUserId ? (rows.find((r) => r.userId === viewerUserId) ?? null) : null,
    };
  }

  /**
   * `parties` for many receivers in one query (batch checks): each DID's facts, keyed by DID
   * (absent: not one of the platform's investors). No Reg CF spending (checks without a value).
   */
  async receivers(em: EntityManager, dids: readonly Did[]): Promise<Map<Did, PartyFacts>> {
    const unique = [...new Set(dids)];
    const out = new Map<Did, PartyFacts>();
    if (unique.length === 0) return out;
    const rows = await em.execute<PartyRow[]>(
      `select i.did, i.user_id as "userId", i.standing, i.standing_reason as "standingReason",
              a.accreditation_status as "accreditationStatus",
              a.accreditation_expires_at as "accreditationExpiresAt",
              a.reg_cf_limit::text as "regCfLimit", null as spent
         from investor_identity i left join onboarding_application a on a.id = i.application_id
        where i.did in (${unique.map(() => '?').join(', ')})`,
      unique,
    );
    for (const did of unique)
      out.set(did, { receiver: rows.find((r) => r.did === did) ?? null, viewer: null });
    return out;
  }

  /**
   * Checks Polymesh cannot express, for a receiver that is one of the platform's investors, at
   * the chain's time `now`.
   */
  offChain(identity: PartyRow | null, compiled: CompiledRules | null, now: Date, value?: string): Finding[] {
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
      const expires = identity.accreditationExpiresAt
        ? new Date(identity.accreditationExpiresAt)
        : new Date(0);
      const verified = identity.accreditationStatus === 'verified';
      const accredited = verified && expires > now;
      if (!accredited) {
        const limit = identity.regCfLimit ? toUnits(identity.regCfLimit) : 0n;
        const spent = toUnits(identity.spent ?? '0');
        // An accreditation that lapsed no longer lifts the limit: say so, it is what changed.
        const lapsed = verified && identity.accreditationExpiresAt ? formatTime(expires) : null;
        if (spent + toUnits(value) > limit) {
          findings.push({
            rule: 'Reg CF',
            about: ['receiver'],
            holdings: true,
            say: ({ receiver: s }) =>
              `the investment would exceed ${s.of} Reg CF 12-month limit of ${fromUnits(limit)} USD (already invested ${fromUnits(spent)})${lapsed ? `; ${s.their} accreditation expired on ${lapsed}` : ''}`,
          });
        }
      }
    }
    return findings;
  }
}
