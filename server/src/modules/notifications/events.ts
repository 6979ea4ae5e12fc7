/**
 * The notices of events that concern a user, written in the transaction that records each
 * event. One function per event: the modules that record events call these, so the words live
 * in one place (second person, formatted amounts, names rather than ids, no chain codes).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InstructionLeg } from '@stoa/chain';
import { Asset } from '../assets/entity.js';
import { IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import type { Offering, Subscription } from '../offerings/entity.js';
import { unitOf as unitOfAsset } from '../offerings/words.js';
import type { Application } from '../onboarding/entity.js';
import { notify, notifyMany, type NotifyInput } from './notify.js';
import { CLAIM_ORDER, claimWords, formatAmount, formatDay, listWords } from './words.js';

/** A reviewer's words may be shown; a KYC vendor's labels or the system's codes are not. */
const byPerson = (actor: string) => !actor.startsWith('kyc:') && actor !== 'system';
/** ` The reviewer wrote: “…”.` — the sentence closed after the quote unless the quote closes it. */
const quoted = (reason: string) => {
  const r = reason.trim();
  return ` The reviewer wrote: “${r}”${/[.!?]$/.test(r) ? '' : '.'}`;
};
const reasonOf = (actor: string, reason: string | null) =>
  byPerson(actor) && reason?.trim() ? quoted(reason) : '';

/** The application reached a decision: approved, rejected, or more information is needed. */
export async function applicationDecided(
  tx: EntityManager,
  app: Application,
  to: string,
  actor: string,
  reason: string | null,
): Promise<void> {
  const notice = decisionNotice(app, to, actor, reason);
  if (notice) await notify(tx, notice);
}

/** The notice of `applicationDecided`, to be sent with others (`notifyMany`); null: none. */
export function decisionNotice(
  app: Application,
  to: string,
  actor: string,
  reason: string | null,
): NotifyInput | null {
  const at = (app.decidedAt ?? new Date()).getTime();
  const base = { userId: app.userId, data: { applicationId: app.id } };
  if (to === 'approved') {
    return {
      ...base,
      kind: 'application.approved',
      dedupeKey: `application.approved:${app.id}:${at}`,
      title: 'Your application was approved',
      message:
        'Your application was approved. We are now setting up your identity on the platform; you will hear from us when you can invest.',
      link: '/investor',
    };
  } else if (to === 'rejected') {
    return {
      ...base,
      kind: 'application.rejected',
      dedupeKey: `application.rejected:${app.id}:${at}`,
      title: 'Your application was not approved',
      message: `Your application was not approved.${reasonOf(actor, reason)}${
        byPerson(actor) ? '' : ' The identity check could not confirm your details.'
      } Contact support if you think this is a mistake.`,
      link: '/investor',
    };
  } else if (to === 'needs-more-info') {
    return {
      ...base,
      kind: 'application.more-info-requested',
      dedupeKey: `application.more-info-requested:${app.id}:${at}`,
      title: 'We need more information from you',
      message: `We need more information to finish reviewing your application.${
        byPerson(actor) && reason?.trim()
          ? quoted(reason)
          : ' The identity check asks you to check your details and documents.'
      } Update your application and submit it again.`,
      link: '/investor/onboarding',
    };
  }
  return null;
}

/**
 * Every claim of each attestation is on chain: the investor is verified (or renewed). One read of
 * their claims, one of the notices.
 */
export async function claimsIssuedMany(
  tx: EntityManager,
  items: { identity: InvestorIdentity; attestationId: string }[],
): Promise<void> {
  if (items.length === 0) return;
  // Filtered here, not in SQL: the outcomes being recorded have just changed their claims' status.
  const all = await tx.find(IdentityClaimRecord, {
    attestationId: { $in: [...new Set(items.map((i) => i.attestationId))] },
  });
  const rank = (t: string) => (CLAIM_ORDER.includes(t) ? CLAIM_ORDER.indexOf(t) : CLAIM_ORDER.length);
  await notifyMany(
    tx,
    items.map(({ identity, attestationId }) => {
      const claims = all.filter(
        (c) => c.attestationId === attestationId && c.identityId === identity.id && c.status === 'active',
      );
      const types = [...new Set(claims.map((c) => c.claimType))]
        .sort((a, b) => rank(a) - rank(b))
        .map(claimWords);
      const expiry = claims
        .map((c) => c.expiresAt)
        .filter((d): d is Date => d !== null)
        .sort((a, b) => a.getTime() - b.getTime())[0];
      return {
        userId: identity.userId,
        kind: 'claims.issued',
        dedupeKey: `claims.issued:${attestationId}`,
        title: 'You are verified',
        message: `Your verification is complete: your ${listWords(types) || 'identity'} ${
          types.length > 1 ? 'are' : 'is'
        } recorded on chain${expiry ? ` until ${formatDay(expiry)}` : ''}. You can invest in offerings open to you.`,
        link: '/investor/offerings',
        data: { identityId: identity.id, attestationId },
      };
    }),
  );
}

/**
 * The platform revoked the investor's claims. The reviewer's reason is not quoted: it may concern
 * a sanctions or suspicious-activity finding the investor must not be tipped off about; it stays
 * in the audit trail for reviewers and examiners.
 */
export async function claimsRevoked(
  tx: EntityManager,
  identity: InvestorIdentity,
  attestationId: string,
): Promise<void> {
  await notify(tx, {
    userId: identity.userId,
    kind: 'claims.revoked',
    dedupeKey: `claims.revoked:${attestationId}`,
    title: 'Your verification was withdrawn',
    message:
      'Your verification was withdrawn, so you can no longer subscribe to offerings or receive tokens. Contact support if you think this is a mistake.',
    link: '/investor',
    data: { identityId: identity.id, attestationId },
  });
}

/** A claim expires within the notice period. */
export async function claimExpiring(tx: EntityManager, identity: InvestorIdentity, rec: IdentityClaimRecord) {
  const expiresAt = rec.expiresAt!;
  return notify(tx, {
    userId: identity.userId,
    kind: 'claims.expiring',
    dedupeKey: `claims.expiring:${rec.id}:${expiresAt.toISOString()}`,
    title: 'Your verification expires soon',
    message: `Your ${claimWords(rec.claimType)} expires on ${formatDay(
      expiresAt,
    )}. Renew your verification before then to keep investing.`,
    link: '/investor/onboarding',
    data: { identityId: identity.id, claimKey: rec.claimKey, expiresAt: expiresAt.toISOString() },
  });
}

/** Claims expired: the investor is no longer in good standing. */
export async function standingLost(
  tx: EntityManager,
  identity: InvestorIdentity,
  at: Date,
  claimKeys: string[],
) {
  await notify(tx, {
    userId: identity.userId,
    kind: 'claims.expired',
    dedupeKey: `claims.expired:${identity.id}:${at.toISOString()}`,
    title: 'Your verification has lapsed',
    message:
      'Your verification has lapsed, so you cannot subscribe to offerings or receive tokens until it is renewed. Renew it from your onboarding page.',
    link: '/investor/onboarding',
    data: { identityId: identity.id, claims: claimKeys },
  });
}

/** Names of the platform's assets by chain id: "500 ACME" rather than a ticker nobody knows. */
async function unitOf(tx: EntityManager, chainId: string): Promise<string> {
  const asset = await tx.findOne(Asset, { chainId });
  return asset?.ticker ?? asset?.name ?? 'tokens';
}

/**
 * An instruction is on chain and waits for affirmations: each investor party who still has to
 * affirm (their account, not the platform's) is told what they would receive and pay.
 */
export async function instructionAwaitingAffirmation(
  tx: EntityManager,
  settlementId: string,
  legs: InstructionLeg[],
  affirmedBy: string[],
): Promise<void> {
  const dids = new Set<string>();
  for (const l of legs) {
    if (l.type !== 'Fungible') continue;
    for (const d of [l.from.did, l.to.did]) if (!affirmedBy.includes(d)) dids.add(d);
  }
  if (dids.size === 0) return;
  const parties = await tx.find(InvestorIdentity, { did: { $in: [...dids] } });
  for (const identity of parties) {
    const did = identity.did!;
    const gets: string[] = [];
    const pays: string[] = [];
    for (const l of legs) {
      if (l.type !== 'Fungible') continue;
      const words = formatAmount(l.amount, await unitOf(tx, l.assetId));
      if (l.to.did === did) gets.push(words);
      if (l.from.did === did) pays.push(words);
    }
    const parts = [
      ...(gets.length ? [`you receive ${gets.join(' and ')}`] : []),
      ...(pays.length ? [`you send ${pays.join(' and ')}`] : []),
    ];
    await notify(tx, {
      userId: identity.userId,
      kind: 'settlement.awaiting-affirmation',
      dedupeKey: `settlement.awaiting-affirmation:${settlementId}:${identity.id}`,
      title: 'A settlement waits for your affirmation',
      message: `A settlement waits for your affirmation: ${parts.join('; ') || 'it involves your account'}. Review it and affirm or reject it.`,
      link: '/investor/instructions',
      data: { settlementId },
    });
  }
}

export type SubscriptionOutcome = 'settled' | 'escrow' | 'refunded';

/**
 * What became of a subscription, once per subscription and outcome: in escrow below the soft cap,
 * settled (at once, or when the escrow is released), or refunded at a missed soft cap.
 */
export async function subscriptionOutcome(
  tx: EntityManager,
  o: Offering,
  s: Subscription,
  outcome: SubscriptionOutcome,
): Promise<void> {
  const identity = await tx.findOne(InvestorIdentity, { id: s.identityId });
  if (!identity) return;
  const token = await unitOfAsset(tx, o.assetId);
  const money = await unitOfAsset(tx, o.paymentAssetId);
  const tokens = formatAmount(s.amount, token);
  const paid = formatAmount(s.cost, money);
  const message = {
    settled: `Your subscription to ${o.name} has settled: you now hold ${tokens} tokens, paid ${paid}.`,
    escrow: `Your subscription to ${o.name} is in: ${tokens} tokens for ${paid}, held in escrow until the offering's soft cap is met.`,
    refunded: `${o.name} closed without reaching its soft cap: your ${paid} has been refunded and the ${tokens} tokens taken back.`,
  }[outcome];
  const title = {
    settled: `Your subscription to ${o.name} settled`,
    escrow: `Your subscription to ${o.name} is held in escrow`,
    refunded: `You were refunded for ${o.name}`,
  }[outcome];
  await notify(tx, {
    userId: identity.userId,
    kind: `subscription.${outcome}`,
    title,
    message,
    link: '/investor/portfolio',
    data: { offeringId: o.id, subscriptionId: s.id, amount: s.amount, cost: s.cost },
    dedupeKey: `subscription.${outcome}:${s.id}`,
  });
}
