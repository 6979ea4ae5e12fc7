import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ledger } from '@stoa/chain';
import { formatAmount, formatMoney, formatTime } from '../../lib/format.js';
import { fromUnits, mulUnits, toUnits } from '../../lib/units.js';
import type { Asset, Issuer } from '../assets/entity.js';
import type { AssetService } from '../assets/service.js';
import type { TransferCheckService } from '../compliance/checks.js';
import { tell, thirdPerson, YOU, type Reason } from '../compliance/reasons.js';
import type { InvestorIdentity } from '../identities/entity.js';
import { Application } from '../onboarding/entity.js';
import type { InvestorClass, Offering } from './entity.js';
import { afterReserved, holderCapReason, reservationsFor } from './reservations.js';

export const ELIGIBILITY_CHECKS = [
  'identity',
  'status',
  'window',
  'investor class',
  'availability',
  'minimum investment',
  'maximum investment',
  'hard cap',
  'rules',
  'funds',
] as const;
export type EligibilityCheckName = (typeof ELIGIBILITY_CHECKS)[number];

export interface EligibilityCheck {
  check: EligibilityCheckName;
  /** `skipped` when an earlier failure makes the check meaningless (e.g. no DID for the rules). */
  outcome: 'passed' | 'failed' | 'skipped';
  /** Plain language: why it failed, or what was checked. */
  detail: string;
}

export interface Eligibility {
  eligible: boolean;
  amount: string;
  /** What the amount costs in the payment asset, filling the remaining tiers in order. */
  cost: string;
  checks: EligibilityCheck[];
  /** One reason per failed check (the rules check may give several). */
  reasons: Reason[];
}

export interface EligibilityContext {
  asset: Asset & { chainId: string };
  issuer: Issuer;
  payment: Asset & { chainId: string };
  cost: bigint;
  /** Chain time, in ms. */
  now: number;
}

const CLASS_TEXT: Record<InvestorClass, string> = {
  accredited: 'accredited',
  'non-us': 'a non-US person',
  'reg-cf': 'a Reg CF investor',
};

/** Tokens bought → cost, filling tiers in order (Polymesh's STO arithmetic). */
export function quote(
  tiers: { remaining: string; price: string }[],
  amount: string,
): { cost: bigint; filled: boolean } {
  let left = toUnits(amount);
  let cost = 0n;
  for (const t of tiers) {
    const take = left < toUnits(t.remaining) ? left : toUnits(t.remaining);
    cost += mulUnits(take, toUnits(t.price));
    left -= take;
  }
  return { cost, filled: left === 0n };
}

/**
 * The investor classes of an identity, from its onboarding application, at the chain's time
 * `now` (ms), which its accreditation's expiry is judged by; with the date a verified
 * accreditation expired on, when it has.
 */
export async function investorClasses(
  em: EntityManager,
  identity: InvestorIdentity,
  now: number,
): Promise<{ classes: Set<InvestorClass>; accreditationExpired: Date | null }> {
  const app = await em.findOne(Application, { id: identity.applicationId });
  const classes = new Set<InvestorClass>();
  if (!app) return { classes, accreditationExpired: null };
  const expires = app.accreditationExpiresAt ?? new Date(0);
  const verified = app.accreditationStatus === 'verified';
  if (verified && expires.getTime() > now) classes.add('accredited');
  if (!app.usPerson) classes.add('non-us');
  if (app.regCfLimit) classes.add('reg-cf');
  const accreditationExpired =
    verified && app.accreditationExpiresAt && !classes.has('accredited') ? expires : null;
  return { classes, accreditationExpired };
}

/** An offering's running totals over its subscriptions in progress or settled (not failed/refunded). */
export interface OfferingTotals {
  /** Payment raised (sum of costs), in units. */
  raised: bigint;
  /** Tokens sold (sum of amounts), in units. */
  sold: bigint;
  subscriptions: number;
  investors: number;
  /** With an identity: what that investor has committed (sum of their costs), in units. */
  investorCost: bigint;
}

/**
 * The running totals, kept by the `subscription_totals` trigger in every transaction that writes
 * a subscription (Migration20261201151000_OfferingRunningTotals): one row of the offering and
 * one of the investor, whatever the number of subscriptions. Read on the caller's transaction:
 * inside `subscribe` that is the one holding the offering row lock, so concurrent subscriptions
 * see each other's committed rows and never their own unwritten one. Exact: numeric, as text.
 */
export async function offeringTotals(
  em: EntityManager,
  offeringId: string,
  identityId?: string,
): Promise<OfferingTotals> {
  const [row] = await em
    .getConnection()
    .execute<
      { raised: string; sold: string; subscriptions: string; investors: string; investor_cost: string }[]
    >(
      `select coalesce(t."raised", 0)::text as raised,
              coalesce(t."sold", 0)::text as sold,
              coalesce(t."subscriptions", 0)::text as subscriptions,
              coalesce(t."investors", 0)::text as investors,
              coalesce((select i."cost" from "offering_investor_total" i
                         where i."offering_id" = o.id and i."identity_id" = ?), 0)::text as investor_cost
         from (select ?::uuid as id) o left join "offering_total" t on t."offering_id" = o.id`,
      [identityId ?? null, offeringId],
      'all',
      em.getTransactionContext(),
    );
  return {
    raised: toUnits(row!.raised),
    sold: toUnits(row!.sold),
    subscriptions: Number(row!.subscriptions),
    investors: Number(row!.investors),
    investorCost: toUnits(row!.investor_cost),
  };
}

export async function raisedBy(em: EntityManager, offeringId: string): Promise<bigint> {
  return (await offeringTotals(em, offeringId)).raised;
}

/**
 * The one eligibility assessment, used by the dry run and by the real subscription: standing
 * and rules (through the transfer check), offering status and window, investor class, amounts,
 * hard cap, funds, each net of the subscriptions still in progress (reservations.ts). It reads
 * only; nothing is recorded. `subscribe` runs it inside the transaction that records the
 * subscription, holding the asset, offering and investor rows, so its answer still holds when
 * the subscription is written; the dry run runs it without locks.
 */
export async function assessEligibility(
  deps: { ledger: Ledger; assets: AssetService; checks: TransferCheckService },
  em: EntityManager,
  o: Offering,
  identity: InvestorIdentity,
  amount: string,
): Promise<{ result: Eligibility; context: EligibilityContext }> {
  const checks: EligibilityCheck[] = [];
  const reasons: Reason[] = [];
  const record = (check: EligibilityCheckName, failures: Reason[], passed: string) => {
    for (const r of failures) if (!reasons.some((x) => x.message === r.message)) reasons.push(r);
    checks.push(
      failures.length
        ? { check, outcome: 'failed', detail: failures.map((r) => r.message).join('; ') }
        : { check, outcome: 'passed', detail: passed },
    );
  };
  const skip = (check: EligibilityCheckName, detail: string) =>
    checks.push({ check, outcome: 'skipped', detail });

  const { asset, issuer } = await deps.assets.active(em, o.assetId);
  const payment = (await deps.assets.active(em, o.paymentAssetId)).asset;
  const money = (value: string) => formatMoney(value, payment.ticker ?? payment.name);
  const did = identity.did;
  // Reservations before any chain read: what they hold back is then never missed (see reservations.ts).
  const reserved = await reservationsFor(em, deps.ledger, o, identity);
  record(
    'identity',
    did
      ? []
      : [
          {
            rule: 'identity',
            message: 'you have no identity on chain yet; wait until your application is attested',
          },
        ],
    `identity ${did} on chain`,
  );

  const live = o.status === 'live' && o.fundraiserId !== null;
  const fr = live ? await deps.ledger.fundraiser(asset.chainId, o.fundraiserId!) : null;
  const now = Date.parse((await deps.ledger.info()).time);
  const statusFailures: Reason[] = [];
  if (!live)
    statusFailures.push({
      rule: 'offering',
      message: `${o.name} is ${o.status}; it is not open for subscriptions`,
    });
  else if (!fr || fr.status.sale !== 'Live')
    statusFailures.push({ rule: 'offering', message: 'the offering is not live on chain' });
  record('status', statusFailures, 'the offering is live');

  if (fr) {
    const windowFailures: Reason[] = [];
    if (now < Date.parse(fr.start))
      windowFailures.push({ rule: 'offering', message: `the offering opens on ${formatTime(fr.start)}` });
    if (fr.end && now >= Date.parse(fr.end))
      windowFailures.push({ rule: 'offering', message: `the offering closed on ${formatTime(fr.end)}` });
    record(
      'window',
      windowFailures,
      `open from ${formatTime(fr.start)}${fr.end ? ` until ${formatTime(fr.end)}` : ''}`,
    );
  } else skip('window', 'the offering is not live');

  const { classes, accreditationExpired } = await investorClasses(em, identity, now);
  const eligible = o.terms.eligibleClasses;
  const lapsed =
    accreditationExpired && eligible.includes('accredited')
      ? ` (your accreditation expired on ${formatTime(accreditationExpired)}; renew it to invest)`
      : '';
  record(
    'investor class',
    eligible.length > 0 && !eligible.some((c) => classes.has(c))
      ? [
          {
            rule: 'eligible investors',
            message: `you are not ${eligible.map((c) => CLASS_TEXT[c]).join(' or ')}${lapsed}`,
          },
        ]
      : [],
    eligible.length ? `you are ${eligible.map((c) => CLASS_TEXT[c]).join(' or ')}` : 'open to all',
  );

  const tiers = fr
    ? afterReserved(fr.tiers, reserved.tokens)
    : o.terms.tiers.map((t) => ({ ...t, remaining: t.amount }));
  const { cost, filled } = quote(tiers, amount);
  if (fr) {
    const left = formatAmount(fromUnits(tiers.reduce((s, t) => s + toUnits(t.remaining), 0n)));
    const held =
      reserved.tokens > 0n
        ? ` (${formatAmount(fromUnits(reserved.tokens))} more are held for subscriptions in progress)`
        : '';
    record(
      'availability',
      filled ? [] : [{ rule: 'offering', message: `only ${left} tokens are left${held}` }],
      `${left} tokens left${held}`,
    );
  } else skip('availability', 'the offering is not live');

  record(
    'minimum investment',
    cost < toUnits(o.terms.minInvestment)
      ? [
          {
            rule: 'minimum investment',
            message: `the cost, ${money(fromUnits(cost))}, is below the minimum investment of ${money(o.terms.minInvestment)}`,
          },
        ]
      : [],
    `at least ${money(o.terms.minInvestment)}`,
  );
  const totals = await offeringTotals(em, o.id, identity.id);
  const already = totals.investorCost;
  const max = o.terms.maxInvestment;
  record(
    'maximum investment',
    max && already + cost > toUnits(max)
      ? [
          {
            rule: 'maximum investment',
            message: `you would invest ${money(fromUnits(already + cost))}, above the maximum of ${money(max)} per investor`,
          },
        ]
      : [],
    max ? `at most ${money(max)} per investor (${money(fromUnits(already))} so far)` : 'no maximum',
  );
  const raised = totals.raised;
  const cap = o.terms.hardCap;
  record(
    'hard cap',
    cap && raised + cost > toUnits(cap)
      ? [{ rule: 'hard cap', message: `the offering would exceed its hard cap of ${money(cap)}` }]
      : [],
    cap ? `${money(fromUnits(raised))} of ${money(cap)} raised` : 'no hard cap',
  );

  if (did) {
    const check = await deps.checks.check(
      em,
      o.assetId,
      {
        from: { did: issuer.did! },
        to: { did },
        // With the investor's own purchases still in progress, as the chain will see the receiver.
        amount: fromUnits(toUnits(amount) + reserved.ownTokens),
        value: fromUnits(cost),
        ignore: ['InsufficientBalance', 'InsufficientPortfolioBalance'],
      },
      undefined,
      new Date(now),
    );
    // The investor reads these: they are the receiver, in the second person.
    const ruleReasons = tell(check.findings, { sender: thirdPerson('the issuer'), receiver: YOU });
    const holderCap = await holderCapReason(deps.ledger, em, asset, identity.id, did, reserved.investors);
    record(
      'rules',
      holderCap && !ruleReasons.some((r) => r.rule === holderCap.rule)
        ? [...ruleReasons, holderCap]
        : ruleReasons,
      'the asset’s rules allow the transfer',
    );
    const [funds] = await deps.ledger.portfolioBalances({ did }, payment.chainId);
    const free = toUnits(funds?.free ?? '0') - reserved.funds;
    const held =
      reserved.funds > 0n
        ? ` (${money(fromUnits(reserved.funds))} more is held for subscriptions in progress)`
        : '';
    const available = money(fromUnits(free > 0n ? free : 0n));
    record(
      'funds',
      free < cost
        ? [
            {
              rule: 'funds',
              message: `you have ${available} available${held}, and this subscription costs ${money(fromUnits(cost))}. Deposit at least ${money(fromUnits(cost - (free > 0n ? free : 0n)))} more from your Money page.`,
              link: '/investor/money',
            },
          ]
        : [],
      `${available} available${held}`,
    );
  } else {
    skip('rules', 'needs your identity on chain');
    skip('funds', 'needs your identity on chain');
  }

  return {
    result: { eligible: reasons.length === 0, amount, cost: fromUnits(cost), checks, reasons },
    context: { asset, issuer, payment, cost, now },
  };
}
