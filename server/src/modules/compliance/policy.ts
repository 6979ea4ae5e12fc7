import type { EntityManager } from '@mikro-orm/postgresql';
import type { PortfolioRef } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { CAN, hasRole } from '../auth/roles.js';
import type { Principal } from '../auth/service.js';
import { ownIdentity } from '../identities/directory.js';
import type { CompiledRules } from './compiler.js';
import {
  restrictionLimit,
  restrictionParties,
  tell,
  THE_PARTIES,
  YOU,
  type Finding,
  type Party,
  type Reason,
} from './reasons.js';

/**
 * Who hears what of a pre-trade check. Staff roles (CAN.checkAnyTransfer) hear every finding of
 * any transfer. Anyone else is an investor and checks only transfers they send or receive: their
 * own findings in full and in the second person; the other party's claims, CDD and standing as
 * one line ("the receiver is not eligible"); and nothing that rests on the other party's
 * holdings, because repeating the check with other amounts would measure them. Those checks are
 * listed in `withheld` from the asset's rules alone, so the list is the same for every amount.
 */
export type CheckAudience = { kind: 'staff' } | { kind: 'party'; sides: ReadonlySet<Party> };

/** What the checks found (checks.ts), before this policy decides who hears which of it. */
export interface CheckReport {
  findings: Finding[];
  compiled: CompiledRules | null;
  /** The purchase value the Reg CF limit was checked against, when given. */
  value?: string;
}

export interface CheckAnswer {
  allowed: boolean;
  reasons: Reason[];
  /** Checks whose outcome is not shown to this reader; they run again when the transfer settles. */
  withheld: string[];
}

const STAFF: CheckAudience = { kind: 'staff' };

/** Whether the principal hears every finding (staff) rather than only its own as a party. */
export const checksAnyTransfer = (principal: Principal): boolean => hasRole(principal, CAN.checkAnyTransfer);

/**
 * Who the principal is in the transfer. `own` is the principal's identity when the caller has
 * already read it (the check reads it with the receiver's facts, in one query); otherwise it is
 * looked up here.
 */
export async function transferCheckAudience(
  em: EntityManager,
  principal: Principal,
  transfer: { from?: PortfolioRef; to: PortfolioRef },
  own?: { did: string | null } | null,
): Promise<CheckAudience> {
  if (checksAnyTransfer(principal)) return STAFF;
  const did = (own !== undefined ? own : await ownIdentity(em, principal))?.did;
  if (!did) {
    throw new AppError(
      'FORBIDDEN',
      'You can check transfers once your identity is on chain, after your onboarding is attested',
    );
  }
  const sides = new Set<Party>();
  // An omitted sender is the issuer, never an investor.
  if (transfer.from?.did === did) sides.add('sender');
  if (transfer.to.did === did) sides.add('receiver');
  if (sides.size === 0) {
    throw new AppError(
      'FORBIDDEN',
      'You can check only transfers you send or receive: give your own identity as the sender or the receiver',
    );
  }
  const other = !sides.has('sender') ? transfer.from : !sides.has('receiver') ? transfer.to : undefined;
  if (other?.number) {
    throw new AppError(
      'FORBIDDEN',
      'Name the other party by their identity alone: which of their portfolios they use is theirs to say',
    );
  }
  return { kind: 'party', sides };
}

export function present(report: CheckReport, audience: CheckAudience): CheckAnswer {
  if (audience.kind === 'staff') {
    const reasons = tell(report.findings);
    return { allowed: reasons.length === 0, reasons, withheld: [] };
  }
  const mine = (p: Party) => audience.sides.has(p);
  const other: Party = mine('sender') ? 'receiver' : 'sender';
  const voices = {
    sender: mine('sender') ? YOU : THE_PARTIES.sender,
    receiver: mine('receiver') ? YOU : THE_PARTIES.receiver,
  };
  const reasons: Reason[] = [];
  let otherIneligible = false;
  for (const f of report.findings) {
    if (f.about.every(mine)) reasons.push({ rule: f.rule, message: f.say(voices) });
    else if (!f.holdings) otherIneligible = true;
  }
  if (otherIneligible) {
    reasons.push({
      rule: 'other party',
      message:
        other === 'receiver'
          ? 'the receiver is not eligible to receive this asset'
          : 'the sender may not send this asset',
    });
  }
  return { allowed: reasons.length === 0, reasons, withheld: withheldFor(mine, report) };
}

function withheldFor(mine: (p: Party) => boolean, report: CheckReport): string[] {
  const out: string[] = [];
  if (!mine('sender')) out.push('whether the sender holds enough free tokens');
  for (const r of report.compiled?.restrictions ?? []) {
    if (!restrictionParties(r).every(mine)) out.push(restrictionLimit(r));
  }
  if (!mine('receiver') && report.compiled?.offChain.regCf && report.value !== undefined)
    out.push("the receiver's Reg CF investment limit");
  return out;
}
