import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../auth/entity.js';
import { InvestorIdentity } from './entity.js';

/** Who an investor is, as the platform knows them: shown in cap tables and investor lists. */
export interface InvestorCard {
  identityId: string;
  did: string | null;
  name: string;
  email: string;
}

/** The platform's investors by identity id and by DID, for the ids given (unknown ones are absent). */
export async function investorDirectory(
  em: EntityManager,
  by: { identityIds?: string[]; dids?: string[] },
): Promise<{ byId: Map<string, InvestorCard>; byDid: Map<string, InvestorCard> }> {
  const or = [
    ...(by.identityIds?.length ? [{ id: { $in: by.identityIds } }] : []),
    ...(by.dids?.length ? [{ did: { $in: by.dids } }] : []),
  ];
  const identities = or.length ? await em.find(InvestorIdentity, { $or: or }) : [];
  const users = identities.length
    ? await em.find(User, { id: { $in: identities.map((i) => i.userId) } })
    : [];
  const userById = new Map(users.map((u) => [u.id, u]));
  const byId = new Map<string, InvestorCard>();
  const byDid = new Map<string, InvestorCard>();
  for (const i of identities) {
    const u = userById.get(i.userId);
    const card = { identityId: i.id, did: i.did, name: u?.displayName ?? '', email: u?.email ?? '' };
    byId.set(i.id, card);
    if (i.did) byDid.set(i.did, card);
  }
  return { byId, byDid };
}

/** The signed-in user's investor identity, if they have one. */
export async function ownIdentity(
  em: EntityManager,
  principal: { userId: string | null },
): Promise<InvestorIdentity | null> {
  return principal.userId ? em.findOne(InvestorIdentity, { userId: principal.userId }) : null;
}
