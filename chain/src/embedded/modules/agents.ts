/** External agents pallet: per-asset agents, permission groups, the agent check of gated calls. */
import type { AssetId, Did } from '../../ledger.js';
import type { AgentGroup, AssetAgent, ExtrinsicPermissions } from '../../types.js';
import type { Chain } from '../chain.js';
import { PERMISSION_NAME_MAX_BYTES } from '../../limits.js';
import {
  argArray,
  argAssetId,
  argDid,
  argInt,
  argString,
  ensure,
  invalid,
  optTime,
  type Origin,
} from '../runtime.js';

const M = 'externalAgents';

const CAA_PALLETS = new Set(['corporateAction', 'corporateBallot', 'capitalDistribution']);
const PIA_CALLS = new Set(['asset.issue', 'asset.redeem', 'asset.controllerTransfer']);

function palletOf(call: string): string {
  const dot = call.indexOf('.');
  return dot < 0 ? call : call.slice(0, dot);
}

function argGroup(v: unknown, field = 'group'): AgentGroup {
  if (typeof v !== 'object' || v === null) invalid(field, 'must be an agent group');
  const o = v as Record<string, unknown>;
  switch (o['type']) {
    case 'Full':
    case 'ExceptMeta':
    case 'PolymeshV1CAA':
    case 'PolymeshV1PIA':
      return { type: o['type'] };
    case 'Custom':
      return { type: 'Custom', id: argInt(o['id'], `${field}.id`, 1) };
    default:
      return invalid(`${field}.type`, 'must be Full, ExceptMeta, PolymeshV1CAA, PolymeshV1PIA or Custom');
  }
}

function argPermissions(v: unknown): ExtrinsicPermissions {
  if (typeof v !== 'object' || v === null) invalid('permissions', 'required');
  const o = v as Record<string, unknown>;
  if (o['type'] !== 'Include' && o['type'] !== 'Exclude')
    invalid('permissions.type', 'must be Include or Exclude');
  const values = argArray<unknown>(o['values'], 'permissions.values').map((x, i) =>
    argString(x, `permissions.values[${i}]`, PERMISSION_NAME_MAX_BYTES),
  );
  return { type: o['type'], values };
}

export class AgentsModule {
  private readonly agents;
  private readonly byAsset;
  private readonly fullCount;
  private readonly groups;
  private readonly groupIds;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.agents = s.map<string, AgentGroup>();
    this.byAsset = s.index<AssetId, Did>();
    this.fullCount = s.map<AssetId, number>();
    this.groups = s.map<string, ExtrinsicPermissions>();
    this.groupIds = s.counter<AssetId>();
    this.registerCalls();
  }

  groupOf(asset: AssetId, did: Did): AgentGroup | undefined {
    return this.agents.get(`${asset}|${did}`);
  }

  isAgent(asset: AssetId, did: Did): boolean {
    return this.agents.has(`${asset}|${did}`);
  }

  list(asset: AssetId): AssetAgent[] {
    return [...this.byAsset.members(asset)]
      .sort()
      .map((did) => ({ did, group: this.groupOf(asset, did) as AgentGroup }));
  }

  allows(asset: AssetId, group: AgentGroup, call: string): boolean {
    const pallet = palletOf(call);
    switch (group.type) {
      case 'Full':
        return true;
      case 'ExceptMeta':
        return pallet !== M;
      case 'PolymeshV1CAA':
        return CAA_PALLETS.has(pallet);
      case 'PolymeshV1PIA':
        return (pallet === 'sto' && call !== 'sto.invest') || PIA_CALLS.has(call);
      case 'Custom': {
        const perms = this.groups.get(`${asset}|${group.id}`);
        if (!perms) return false;
        const listed = perms.values.includes(call) || perms.values.includes(pallet);
        return perms.type === 'Include' ? listed : !listed;
      }
    }
  }

  /**
   * `ExternalAgents::ensure_perms`: the key's asset permission (`SecondaryKeyNotAuthorizedForAsset`),
   * then the agent check of gated extrinsics (`UnauthorizedAgent`).
   */
  requirePermission(origin: Origin, asset: AssetId, call: string): Did {
    this.chain.identity.ensureAssetPermission(origin.signer, asset);
    const did = origin.did as Did;
    const group = this.groupOf(asset, did);
    ensure(
      group && this.allows(asset, group, call),
      'UnauthorizedAgent',
      `${did} may not call ${call} on ${asset}`,
      M,
    );
    return did;
  }

  /** Adds an agent (asset creation, BecomeAgent acceptance). */
  add(asset: AssetId, did: Did, group: AgentGroup): void {
    ensure(!this.isAgent(asset, did), 'AlreadyAnAgent', `${did} is already an agent`, M);
    this.agents.set(`${asset}|${did}`, group);
    this.byAsset.add(asset, did);
    if (group.type === 'Full') this.fullCount.set(asset, (this.fullCount.get(asset) ?? 0) + 1);
    this.chain.rt.emit(M, 'AgentAdded', { did, assetId: asset, group });
  }

  private remove(asset: AssetId, did: Did): void {
    const group = this.groupOf(asset, did);
    ensure(group, 'NotAnAgent', `${did} is not an agent of ${asset}`, M);
    if (group.type === 'Full') {
      const n = this.fullCount.get(asset) ?? 0;
      ensure(n > 1, 'RemovingLastFullAgent', 'the last Full agent cannot be removed', M);
      this.fullCount.set(asset, n - 1);
    }
    this.agents.delete(`${asset}|${did}`);
    this.byAsset.remove(asset, did);
    this.chain.rt.emit(M, 'AgentRemoved', { assetId: asset, did });
  }

  private ensureGroupExists(asset: AssetId, group: AgentGroup): void {
    if (group.type === 'Custom') {
      ensure(this.groups.has(`${asset}|${group.id}`), 'NoSuchAG', `no agent group ${group.id}`, M);
    }
  }

  acceptBecomeAgent(did: Did, from: Did, asset: AssetId, group: AgentGroup): void {
    ensure(this.isAgent(asset, from), 'UnauthorizedAgent', 'the inviting identity is no longer an agent', M);
    this.ensureGroupExists(asset, group);
    this.add(asset, did, group);
  }

  private registerCalls(): void {
    const rt = this.chain.rt;
    rt.register('externalAgents.createGroup', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        this.requirePermission(o, asset, 'externalAgents.createGroup');
        const permissions = argPermissions(a.permissions);
        const groupId = this.groupIds.next(asset);
        this.groups.set(`${asset}|${groupId}`, permissions);
        rt.emit(M, 'GroupCreated', { did: o.did, assetId: asset, groupId, permissions });
        return { groupId };
      },
    });
    rt.register('externalAgents.setGroupPermissions', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        this.requirePermission(o, asset, 'externalAgents.setGroupPermissions');
        const groupId = argInt(a.groupId, 'groupId', 1);
        ensure(this.groups.has(`${asset}|${groupId}`), 'NoSuchAG', `no agent group ${groupId}`, M);
        const permissions = argPermissions(a.permissions);
        this.groups.set(`${asset}|${groupId}`, permissions);
        rt.emit(M, 'GroupPermissionsUpdated', { did: o.did, assetId: asset, groupId, permissions });
      },
    });
    rt.register('externalAgents.addAuthorization', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const from = this.requirePermission(o, asset, 'externalAgents.addAuthorization');
        const target = argDid(a.target, 'target');
        const group = argGroup(a.group);
        this.ensureGroupExists(asset, group);
        ensure(this.chain.identity.exists(target), 'DidDoesNotExist', `identity ${target} does not exist`, M);
        ensure(!this.isAgent(asset, target), 'AlreadyAnAgent', `${target} is already an agent`, M);
        const authId = this.chain.identity.addAuthorization(
          from,
          { type: 'Identity', value: target },
          { type: 'BecomeAgent', assetId: asset, group },
          optTime(a.expiry, 'expiry'),
        );
        return { authId };
      },
    });
    rt.register('externalAgents.removeAgent', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        this.requirePermission(o, asset, 'externalAgents.removeAgent');
        this.remove(asset, argDid(a.agent, 'agent'));
      },
    });
    rt.register('externalAgents.abdicate', {
      handler: (o, a) => {
        this.remove(argAssetId(a.assetId), o.did as Did);
      },
    });
    rt.register('externalAgents.changeGroup', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        this.requirePermission(o, asset, 'externalAgents.changeGroup');
        const agent = argDid(a.agent, 'agent');
        const group = argGroup(a.group);
        this.ensureGroupExists(asset, group);
        const old = this.groupOf(asset, agent);
        ensure(old, 'NotAnAgent', `${agent} is not an agent of ${asset}`, M);
        const full = this.fullCount.get(asset) ?? 0;
        if (old.type === 'Full' && group.type !== 'Full') {
          ensure(full > 1, 'RemovingLastFullAgent', 'the last Full agent cannot be demoted', M);
          this.fullCount.set(asset, full - 1);
        } else if (old.type !== 'Full' && group.type === 'Full') {
          this.fullCount.set(asset, full + 1);
        }
        this.agents.set(`${asset}|${agent}`, group);
        rt.emit(M, 'GroupChanged', { did: o.did, assetId: asset, agent, group });
      },
    });
  }
}
