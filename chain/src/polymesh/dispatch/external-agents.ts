import type { LedgerEvent } from '../../ledger.js';
import { toChainAgentGroup } from '../mappers/assets.js';
import { toChainExtrinsicPermissions } from '../mappers/keys.js';
import { assetIdToHex, toOptionalMoment } from '../mappers/values.js';
import { authIdResult, eventData, idField, none, one, type PreparerTable } from './types.js';

export function groupCreated(events: LedgerEvent[]): { groupId: number } {
  return { groupId: idField(eventData(events, 'externalAgents', 'GroupCreated').groupId, 'agent group id') };
}

export const externalAgents = {
  'externalAgents.createGroup': async (ctx, { assetId, permissions }) =>
    one(
      ctx.tx.externalAgents.createGroup(assetIdToHex(assetId), toChainExtrinsicPermissions(permissions)),
      groupCreated,
    ),
  'externalAgents.setGroupPermissions': async (ctx, { assetId, groupId, permissions }) =>
    one(
      ctx.tx.externalAgents.setGroupPermissions(
        assetIdToHex(assetId),
        groupId,
        toChainExtrinsicPermissions(permissions),
      ),
      none,
    ),
  /** `identity.add_authorization(Identity(target), BecomeAgent(asset, group), expiry)`. */
  'externalAgents.addAuthorization': async (ctx, { assetId, target, group, expiry }) =>
    one(
      ctx.tx.identity.addAuthorization(
        { Identity: target },
        { BecomeAgent: [assetIdToHex(assetId), toChainAgentGroup(group)] },
        toOptionalMoment(expiry),
      ),
      authIdResult,
    ),
  'externalAgents.removeAgent': async (ctx, { assetId, agent }) =>
    one(ctx.tx.externalAgents.removeAgent(assetIdToHex(assetId), agent), none),
  'externalAgents.changeGroup': async (ctx, { assetId, agent, group }) =>
    one(ctx.tx.externalAgents.changeGroup(assetIdToHex(assetId), agent, toChainAgentGroup(group)), none),
  'externalAgents.abdicate': async (ctx, { assetId }) =>
    one(ctx.tx.externalAgents.abdicate(assetIdToHex(assetId)), none),
} satisfies PreparerTable<'externalAgents'>;
