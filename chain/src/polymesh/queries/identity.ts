import {
  AuthorizationType,
  type AuthorizationRequest,
  type DefaultPortfolio,
  type NumberedPortfolio,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import type { Address, Decimal, Did } from '../../ledger.js';
import type { ClaimFilter } from '../../queries.js';
import type {
  Authorization,
  AuthorizationData,
  IdentityClaim,
  IdentityInfo,
  PortfolioRef,
} from '../../types.js';
import { toPortAddress } from '../blocks.js';
import { fromChainAgentGroup } from '../mappers/assets.js';
import { fromSdkClaimData } from '../mappers/claims.js';
import { toJson } from '../mappers/json.js';
import { fromSdkPermissions } from '../mappers/keys.js';
import { fromBigNumber, fromDate } from '../mappers/values.js';
import { orNull, type QueryContext } from './context.js';

export function portfolioRef(p: DefaultPortfolio | NumberedPortfolio): PortfolioRef {
  return 'id' in p ? { did: p.owner.did, number: p.id.toNumber() } : { did: p.owner.did };
}

export function identityEntity(q: QueryContext, did: Did) {
  return orNull(q.sdk.identities.getIdentity({ did }));
}

export async function polyxBalance(
  q: QueryContext,
  address: Address,
): Promise<{ total: Decimal; locked: Decimal; free: Decimal }> {
  const b = await q.sdk.accountManagement.getAccountBalance({ account: q.chainAddress(address) });
  return { total: fromBigNumber(b.total), locked: fromBigNumber(b.locked), free: fromBigNumber(b.free) };
}

export async function identityOf(q: QueryContext, address: Address): Promise<Did | null> {
  const account = await q.sdk.accountManagement.getAccount({ address: q.chainAddress(address) });
  return (await account.getIdentity())?.did ?? null;
}

export async function identity(q: QueryContext, did: Did): Promise<IdentityInfo | null> {
  const entity = await identityEntity(q, did);
  if (!entity) return null;
  const [primary, secondary, frozen] = await Promise.all([
    entity.getPrimaryAccount(),
    entity.getSecondaryAccounts(),
    entity.areSecondaryAccountsFrozen(),
  ]);
  return {
    did,
    primaryKey: toPortAddress(primary.account.address),
    secondaryKeysFrozen: frozen,
    secondaryKeys: secondary.data.map((k) => ({
      address: toPortAddress(k.account.address),
      permissions: fromSdkPermissions(k.permissions),
      frozen,
    })),
  };
}

export async function hasValidCdd(q: QueryContext, did: Did): Promise<boolean> {
  const entity = await identityEntity(q, did);
  return entity ? entity.hasValidCdd() : false;
}

export async function cddProviders(q: QueryContext): Promise<Did[]> {
  const members = await q.api.query.cddServiceProviders.activeMembers();
  return members.map((m) => m.toHex());
}

export async function claims(q: QueryContext, did: Did, filter: ClaimFilter = {}): Promise<IdentityClaim[]> {
  if (!(await identityEntity(q, did))) return [];
  const result = await q.sdk.claims.getTargetingClaims({
    target: did,
    includeExpired: filter.includeExpired ?? false,
    ...(filter.issuer && { trustedClaimIssuers: [filter.issuer] }),
  });
  return result.data
    .flatMap((group) => group.claims.map(fromSdkClaimData))
    .filter((c) => filter.claimType === undefined || c.claim.type === filter.claimType);
}

/** Needs the Polymesh middleware: without it the SDK's `MiddlewareError` is `Unsupported`. */
export async function issuedClaims(
  q: QueryContext,
  issuer: Did,
  filter: ClaimFilter = {},
): Promise<IdentityClaim[]> {
  const result = await q.sdk.claims.getIssuedClaims({
    target: issuer,
    includeExpired: filter.includeExpired ?? false,
  });
  return result.data
    .map(fromSdkClaimData)
    .filter((c) => filter.claimType === undefined || c.claim.type === filter.claimType);
}

export async function customClaimTypes(q: QueryContext): Promise<{ id: number; name: string }[]> {
  const entries = await q.api.query.identity.customClaims.entries();
  return entries
    .map(([key, value]) => ({ id: Number(toJson(key.args[0])), name: String(toJson(value)) }))
    .sort((a, b) => a.id - b.id);
}

function authorizationData(r: AuthorizationRequest): AuthorizationData | null {
  const d = r.data;
  switch (d.type) {
    case AuthorizationType.JoinIdentity:
      return { type: 'JoinIdentity', permissions: fromSdkPermissions(d.value) };
    case AuthorizationType.BecomeAgent: {
      const g = d.value;
      const group =
        'type' in g ? fromChainAgentGroup(String(g.type)) : { type: 'Custom' as const, id: g.id.toNumber() };
      return { type: 'BecomeAgent', assetId: g.asset.id, group };
    }
    case AuthorizationType.PortfolioCustody:
      return { type: 'PortfolioCustody', portfolio: portfolioRef(d.value) };
    case AuthorizationType.TransferAssetOwnership:
      return { type: 'TransferAssetOwnership', assetId: d.value };
    default:
      return null;
  }
}

export async function authorizations(q: QueryContext, target: Address | Did): Promise<Authorization[]> {
  let requests: AuthorizationRequest[];
  if (target.startsWith('0x')) {
    const entity = await identityEntity(q, target);
    requests = entity ? await entity.authorizations.getReceived() : [];
  } else {
    const account = await q.sdk.accountManagement.getAccount({ address: q.chainAddress(target) });
    requests = await account.authorizations.getReceived();
  }
  const out: Authorization[] = [];
  for (const r of requests) {
    const data = authorizationData(r);
    if (!data) continue;
    const t = r.target;
    out.push({
      id: r.authId.toNumber(),
      from: r.issuer.did,
      target:
        'did' in t
          ? { type: 'Identity', value: t.did }
          : { type: 'Account', value: toPortAddress(t.address) },
      data,
      expiry: fromDate(r.expiry),
    });
  }
  return out;
}
