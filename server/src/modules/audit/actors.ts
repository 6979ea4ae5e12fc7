import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, User } from '../auth/entity.js';
import type { Role } from '../auth/roles.js';

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  admin: 'administrator',
  'issuer-admin': 'issuer administrator',
  'compliance-officer': 'compliance officer',
  'transfer-agent': 'transfer agent',
  investor: 'investor',
  'cdd-provider': 'CDD reviewer',
  auditor: 'auditor',
  treasury: 'treasury operator',
  'venue-operator': 'venue operator',
};

const FIXED: Readonly<Record<string, string>> = {
  operator: 'Platform operator (admin token)',
  system: 'Stoa (automatic)',
  cli: 'Platform operator (command line)',
  'bank-webhook': 'Bank statement feed',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function person(user: User): string {
  const roles = user.roles.map((r) => ROLE_NAMES[r] ?? r).join(', ');
  return roles ? `${user.displayName} (${roles})` : user.displayName;
}

/**
 * Names for the actors the trail records by id (`user:<id>`, `api-key:<id>`, `kyc:<vendor>`),
 * as an examiner reads them: "Alice Reviewer (CDD reviewer)". The trail itself keeps the ids.
 */
export async function actorNames(em: EntityManager, actors: readonly string[]): Promise<Map<string, string>> {
  const userIds = new Set<string>();
  const keyIds = new Set<string>();
  for (const a of actors) {
    const [kind, id] = [a.slice(0, a.indexOf(':')), a.slice(a.indexOf(':') + 1)];
    if (kind === 'user' && UUID.test(id)) userIds.add(id);
    if (kind === 'api-key' && UUID.test(id)) keyIds.add(id);
  }
  const keys = keyIds.size ? await em.find(ApiKey, { id: { $in: [...keyIds] } }) : [];
  for (const k of keys) userIds.add(k.userId);
  const users = new Map(
    (userIds.size ? await em.find(User, { id: { $in: [...userIds] } }) : []).map((u) => [u.id, u]),
  );
  const names = new Map<string, string>();
  for (const a of new Set(actors)) {
    const colon = a.indexOf(':');
    const kind = colon < 0 ? a : a.slice(0, colon);
    const id = colon < 0 ? '' : a.slice(colon + 1);
    if (FIXED[a]) names.set(a, FIXED[a]);
    else if (kind === 'user') {
      const u = users.get(id);
      names.set(a, u ? person(u) : 'A user who no longer exists');
    } else if (kind === 'api-key') {
      const k = keys.find((x) => x.id === id);
      const owner = k ? users.get(k.userId) : undefined;
      names.set(
        a,
        k ? `API key “${k.name}” of ${owner ? person(owner) : 'a removed user'}` : 'A removed API key',
      );
    } else if (kind === 'kyc') names.set(a, `KYC provider ${id}`);
    else names.set(a, a);
  }
  return names;
}
