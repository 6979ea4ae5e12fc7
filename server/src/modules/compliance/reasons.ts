import type { Claim, Condition, TransferCondition, TransferError } from '@stoa/chain';
import { countryName } from '../../lib/format.js';
import type { RuleTemplate } from './templates.js';

/** A country as people read it: "North Korea", not KP (the chain's `Kp`). */
const country = countryName;
const list = (codes: string[]) => codes.map(country).join(', ');

/** One template in plain language, as shown to issuers and investors. */
export function describeTemplate(t: RuleTemplate): string {
  switch (t.template) {
    case 'reg-d-506c':
      return 'Reg D 506(c): buyers must have passed KYC, be verified accredited investors and not be blocked';
    case 'reg-s':
      return `Reg S: buyers must have passed KYC and must not be US persons${
        t.distributionCompliancePeriodDays
          ? `; holders may not resell for ${t.distributionCompliancePeriodDays} days (distribution compliance period)`
          : ''
      }`;
    case 'reg-cf':
      return 'Reg CF: buyers must have passed KYC; non-accredited investors are held to their 12-month investment limit';
    case 'lockup':
      return `Lock-up: holders may not sell what they acquire for ${t.holdingPeriodDays} days${
        t.affiliateVolumePercent
          ? `; affiliates may sell at most ${t.affiliateVolumePercent}% of the supply in any 3 months`
          : ''
      }`;
    case 'max-holders':
      return `At most ${t.count} holders`;
    case 'max-ownership':
      return `No holder may own more than ${t.percentage}% of the supply`;
    case 'country-cap':
      return `At most ${t.maxHolders} holders resident in ${country(t.country)}`;
    case 'country-allow':
      return `Only residents of ${list(t.countries)} may buy`;
    case 'country-block':
      return `Residents of ${list(t.countries)} may not buy`;
    case 'exclude-affiliates':
      return 'Affiliates of the issuer may not buy';
  }
}

/** A refusal as told to a reader. */
export interface Reason {
  /** The rule (template label, restriction or check) that refused, in words. */
  rule: string;
  message: string;
  /** Where in the portal the person can fix it (e.g. `/investor/money` to deposit). */
  link?: string;
}

/** Whom a reason speaks about, in the words it is told in: a party in the third person, or "you". */
export interface Subject {
  name: string;
  is: string;
  has: string;
  does: string;
  /** Possessive of the name: "the sender's", "your". */
  of: string;
  /** Possessive pronoun: "their", "your". */
  their: string;
  them: string;
}

export const thirdPerson = (name: string): Subject => ({
  name,
  is: 'is',
  has: 'has',
  does: 'does',
  of: `${name}'s`,
  their: 'their',
  them: 'them',
});
export const YOU: Subject = {
  name: 'you',
  is: 'are',
  has: 'have',
  does: 'do',
  of: 'your',
  their: 'your',
  them: 'you',
};

export type Party = 'sender' | 'receiver';
export type Parties = Record<Party, Subject>;
/** How staff read a check: both parties in the third person. */
export const THE_PARTIES: Parties = {
  sender: thirdPerson('the sender'),
  receiver: thirdPerson('the receiver'),
};

/**
 * One failed check of a transfer, before it is told to anyone: who hears which findings, and in
 * whose voice, is compliance/policy.ts's decision.
 */
export interface Finding {
  /** The rule that refused, in words. */
  rule: string;
  /** The parties whose circumstances decide the outcome; none when it is the asset's own state. */
  about: readonly Party[];
  /**
   * True when the outcome moves with balances and the amount, so that repeating the check with
   * other amounts would measure a party's holdings; false when it rests on claims, CDD or standing.
   */
  holdings: boolean;
  say(parties: Parties): string;
}

/** Findings told in the voices given (staff's by default), one reason each. */
export function tell(findings: readonly Finding[], parties: Parties = THE_PARTIES): Reason[] {
  return findings.map((f) => ({ rule: f.rule, message: f.say(parties) }));
}

function targetOf(c: Condition, parties: Parties): Subject {
  if (c.target === 'Sender') return parties.sender;
  if (c.target === 'Receiver') return parties.receiver;
  return thirdPerson('one of the parties');
}

export const conditionParties = (c: Condition): Party[] =>
  c.target === 'Sender' ? ['sender'] : c.target === 'Receiver' ? ['receiver'] : ['sender', 'receiver'];

function claimText(claim: Claim): string {
  return claim.type === 'Jurisdiction' ? `resident in ${country(claim.code)}` : claim.type;
}

/** Why a failed condition failed, in words an investor understands. */
export function conditionReason(c: Condition, parties: Parties = THE_PARTIES): string {
  const s = targetOf(c, parties);
  switch (c.type) {
    case 'IsPresent':
      switch (c.claim.type) {
        case 'Accredited':
          return `${s.name} ${s.is} not accredited (no valid accreditation from a trusted verifier)`;
        case 'KnowYourCustomer':
          return `${s.name} ${s.has} not passed KYC (no valid KYC claim from a trusted provider)`;
        case 'Jurisdiction':
          return `${s.name} ${s.is} not ${claimText(c.claim)}`;
        default:
          return `${s.name} ${s.has} no valid ${c.claim.type} claim`;
      }
    case 'IsAbsent':
      switch (c.claim.type) {
        case 'Blocked':
          return `${s.name} ${s.is} blocked by the compliance officer`;
        case 'SellLockup':
          return `${s.name} ${s.is} still in a lock-up period and may not sell yet`;
        case 'Affiliate':
          return `${s.name} ${s.is} an affiliate of the issuer`;
        case 'Jurisdiction':
          return c.claim.code === 'Us'
            ? `${s.name} ${s.is} a US person (Reg S excludes US persons)`
            : `${s.name} ${s.is} ${claimText(c.claim)}`;
        default:
          return `${s.name} ${s.has} a ${c.claim.type} claim that excludes ${s.them}`;
      }
    case 'IsAnyOf':
      return `${s.name} ${s.is} not resident in an allowed country (${list(
        c.claims.flatMap((x) => (x.type === 'Jurisdiction' ? [x.code] : [x.type])),
      )})`;
    case 'IsNoneOf':
      return `${s.name} ${s.is} resident in a blocked country (${list(
        c.claims.flatMap((x) => (x.type === 'Jurisdiction' ? [x.code] : [x.type])),
      )})`;
    case 'IsIdentity':
      return `${s.name} ${s.is} not the identity the rule names`;
    case 'IsExternalAgent':
      return `${s.name} ${s.is} not an agent of the asset`;
  }
}

// Every restriction counts or weighs holders, so each outcome moves with balances. The count
// caps also see whether the receiver is new and whether the sender leaves (sends everything).
const RESTRICTIONS: Record<TransferCondition['type'], { rule: string; about: readonly Party[] }> = {
  MaxInvestorCount: { rule: 'maximum holders', about: ['sender', 'receiver'] },
  MaxInvestorOwnership: { rule: 'maximum ownership', about: ['receiver'] },
  ClaimCount: { rule: 'holders per group', about: ['sender', 'receiver'] },
  ClaimOwnership: { rule: 'ownership per group', about: ['sender', 'receiver'] },
};

/** Investors a compiled MaxInvestorCount admits: the chain's count keeps one place for the issuer. */
export const investorCap = (chainCount: number): number => Math.max(0, chainCount - 1);

export const restrictionParties = (r: TransferCondition): readonly Party[] => RESTRICTIONS[r.type].about;

/** The limit a restriction sets, as listed when its outcome is withheld from a reader. */
export function restrictionLimit(r: TransferCondition): string {
  switch (r.type) {
    case 'MaxInvestorCount':
      return `the limit of ${investorCap(r.count)} holders`;
    case 'MaxInvestorOwnership':
      return `the limit of ${r.percentage}% of the supply per holder`;
    case 'ClaimCount':
      return r.claim.type === 'Jurisdiction'
        ? `the cap on holders resident in ${country(r.claim.countryCode ?? '??')}`
        : `the cap on holders with a ${r.claim.type} claim`;
    case 'ClaimOwnership':
      return `the cap on what holders with a ${r.claim.type} claim may own together`;
  }
}

export function restrictionReason(r: TransferCondition, parties: Parties = THE_PARTIES): string {
  switch (r.type) {
    case 'MaxInvestorCount':
      return `the asset already has its maximum of ${investorCap(r.count)} holders; a new holder cannot be added`;
    case 'MaxInvestorOwnership':
      return `${parties.receiver.name} would own more than ${r.percentage}% of the supply`;
    case 'ClaimCount':
      return r.claim.type === 'Jurisdiction'
        ? `the cap of ${r.max ?? '∞'} holders resident in ${country(r.claim.countryCode ?? '??')} is reached`
        : `the cap of ${r.max ?? '∞'} holders with a ${r.claim.type} claim is reached`;
    case 'ClaimOwnership':
      return `holders with a ${r.claim.type} claim would own more than ${r.max}% of the supply`;
  }
}

export function restrictionFinding(r: TransferCondition): Finding {
  const t = RESTRICTIONS[r.type];
  return { rule: t.rule, about: t.about, holdings: true, say: (p) => restrictionReason(r, p) };
}

type GeneralError = Exclude<
  TransferError,
  'InvalidTransferStatisticsFailure' | 'InvalidTransferComplianceFailure'
>;

const asset = (rule: string, text: string): Finding => ({
  rule,
  about: [],
  holdings: false,
  say: () => text,
});

/**
 * General transfer errors; statistics and compliance failures are explained rule by rule instead.
 * Investors name only the other party's Default portfolio (policy.ts), which always exists, so
 * a missing portfolio is the reader's own or the staff's concern: it is told as the asset's.
 */
const GENERAL: Record<GeneralError, Finding> = {
  NoSuchAsset: asset('asset', 'the asset does not exist on chain'),
  UnexpectedNonFungibleToken: asset('asset', 'the asset is non-fungible; this check is for fungible tokens'),
  InsufficientBalance: {
    rule: 'balance',
    about: ['sender'],
    holdings: true,
    say: ({ sender: s }) => `${s.name} ${s.does} not hold enough tokens`,
  },
  BalanceOverflow: {
    rule: 'balance',
    about: ['receiver'],
    holdings: true,
    say: ({ receiver: s }) => `${s.of} balance would overflow`,
  },
  InvalidTransferSenderIdMatchesReceiverId: asset('parties', 'sender and receiver are the same identity'),
  PortfolioDoesNotExist: asset('portfolio', 'a portfolio of the transfer does not exist'),
  InvalidGranularity: asset('divisibility', 'the asset is indivisible: the amount must be a whole number'),
  InsufficientPortfolioBalance: {
    rule: 'balance',
    about: ['sender'],
    holdings: true,
    say: ({ sender: s }) => `${s.of} portfolio does not have enough free (unlocked) tokens`,
  },
  InvalidTransferFrozenAsset: asset('frozen', 'transfers of the asset are frozen'),
  InvalidTransferInvalidReceiverCDD: {
    rule: 'identity verification',
    about: ['receiver'],
    holdings: false,
    say: ({ receiver: s }) => `${s.name} ${s.has} no valid CDD (identity verification lapsed or missing)`,
  },
  InvalidTransferInvalidSenderCDD: {
    rule: 'identity verification',
    about: ['sender'],
    holdings: false,
    say: ({ sender: s }) => `${s.name} ${s.has} no valid CDD (identity verification lapsed or missing)`,
  },
};

/** The finding for a general transfer error; null for the statistics and compliance failures. */
export function generalFinding(code: TransferError): Finding | null {
  return code in GENERAL ? GENERAL[code as GeneralError] : null;
}
