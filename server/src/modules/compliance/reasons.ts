import type { Claim, Condition, TransferCondition, TransferError } from '@stoa/chain';
import type { RuleTemplate } from './templates.js';

const country = (code: string) => code.toUpperCase();
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
      return `Lock-up: holders may not sell for ${t.holdingPeriodDays} days after they receive tokens`;
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

const who = (c: Condition) => (c.target === 'Sender' ? 'the sender' : 'the receiver');

function claimText(claim: Claim): string {
  return claim.type === 'Jurisdiction' ? `resident in ${country(claim.code)}` : claim.type;
}

/** Why a failed condition failed, in words an investor understands. */
export function conditionReason(c: Condition): string {
  switch (c.type) {
    case 'IsPresent':
      switch (c.claim.type) {
        case 'Accredited':
          return `${who(c)} is not accredited (no valid accreditation from a trusted verifier)`;
        case 'KnowYourCustomer':
          return `${who(c)} has not passed KYC (no valid KYC claim from a trusted provider)`;
        case 'Jurisdiction':
          return `${who(c)} is not ${claimText(c.claim)}`;
        default:
          return `${who(c)} lacks a valid ${c.claim.type} claim`;
      }
    case 'IsAbsent':
      switch (c.claim.type) {
        case 'Blocked':
          return `${who(c)} is blocked by the compliance officer`;
        case 'SellLockup':
          return `${who(c)} is still in a lock-up period and may not sell yet`;
        case 'Affiliate':
          return `${who(c)} is an affiliate of the issuer`;
        case 'Jurisdiction':
          return c.claim.code === 'Us'
            ? `${who(c)} is a US person (Reg S excludes US persons)`
            : `${who(c)} is ${claimText(c.claim)}`;
        default:
          return `${who(c)} holds a ${c.claim.type} claim that excludes them`;
      }
    case 'IsAnyOf':
      return `${who(c)} is not resident in an allowed country (${list(
        c.claims.flatMap((x) => (x.type === 'Jurisdiction' ? [x.code] : [x.type])),
      )})`;
    case 'IsNoneOf':
      return `${who(c)} is resident in a blocked country (${list(
        c.claims.flatMap((x) => (x.type === 'Jurisdiction' ? [x.code] : [x.type])),
      )})`;
    case 'IsIdentity':
      return `${who(c)} is not the identity ${c.identity}`;
    case 'IsExternalAgent':
      return `${who(c)} is not an agent of the asset`;
  }
}

export function restrictionReason(r: TransferCondition): string {
  switch (r.type) {
    case 'MaxInvestorCount':
      return `the asset already has its maximum of ${r.count} holders; a new holder cannot be added`;
    case 'MaxInvestorOwnership':
      return `the receiver would own more than ${r.percentage}% of the supply`;
    case 'ClaimCount':
      return r.claim.type === 'Jurisdiction'
        ? `the cap of ${r.max ?? '∞'} holders resident in ${country(r.claim.countryCode ?? '??')} is reached`
        : `the cap of ${r.max ?? '∞'} holders with a ${r.claim.type} claim is reached`;
    case 'ClaimOwnership':
      return `holders with a ${r.claim.type} claim would own more than ${r.max}% of the supply`;
  }
}

const GENERAL: Partial<Record<TransferError, string>> = {
  NoSuchAsset: 'the asset does not exist on chain',
  InsufficientBalance: 'the sender does not hold enough tokens',
  InsufficientPortfolioBalance: 'the sender portfolio does not have enough free (unlocked) tokens',
  BalanceOverflow: 'the receiver balance would overflow',
  InvalidTransferSenderIdMatchesReceiverId: 'sender and receiver are the same identity',
  PortfolioDoesNotExist: 'a portfolio of the transfer does not exist',
  InvalidGranularity: 'the asset is indivisible: the amount must be a whole number',
  InvalidTransferFrozenAsset: 'transfers of the asset are frozen',
  InvalidTransferInvalidReceiverCDD:
    'the receiver has no valid CDD (identity verification lapsed or missing)',
  InvalidTransferInvalidSenderCDD: 'the sender has no valid CDD (identity verification lapsed or missing)',
};

/** General transfer errors; statistics and compliance failures are explained rule by rule instead. */
export function generalReason(code: TransferError): string | null {
  return GENERAL[code] ?? null;
}
