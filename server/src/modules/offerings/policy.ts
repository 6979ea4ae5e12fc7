import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { CAN, hasRole, investorOnly } from '../auth/roles.js';
import type { Principal } from '../auth/service.js';
import { ownIdentity } from '../identities/directory.js';
import type { Offering } from './entity.js';
import { LAUNCHED } from './view.js';

/** Investors see launched offerings only; as if the others did not exist. */
export function assertVisible(principal: Principal, o: Offering): Offering {
  if (investorOnly(principal) && !(LAUNCHED as readonly string[]).includes(o.status))
    throw AppError.notFound('Offering', o.id);
  return o;
}

/**
 * The identity a subscription or its dry run is for. The dry run reveals funds, limits and
 * standing, so only staff who subscribe for investors (CAN.subscribeForOthers) may name another
 * identity; anyone else — an investor, whatever other roles they hold — asks about themselves.
 */
export async function subscriberFor(
  em: EntityManager,
  principal: Principal,
  named: string | undefined,
): Promise<string> {
  if (named && hasRole(principal, CAN.subscribeForOthers)) return named;
  const mine = await ownIdentity(em, principal);
  if (!mine)
    throw new AppError('RULE_VIOLATION', 'You have no investor identity yet; complete onboarding first');
  if (named && named !== mine.id)
    throw new AppError('FORBIDDEN', 'You can subscribe, and check your eligibility, only for yourself');
  return mine.id;
}
