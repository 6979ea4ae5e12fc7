import type { FungibleAsset } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../../errors.js';
import type { Address, AssetId, Decimal, Did } from '../../ledger.js';
import type {
  AssetAgent,
  AssetDetails,
  AssetDocument,
  Holder,
  MetadataEntry,
  TickerReservation,
} from '../../types.js';
import {
  documentFromChain,
  fromChainAgentGroup,
  fromSdkAssetType,
  fromSdkIdentifier,
  fromSdkLockStatus,
} from '../mappers/assets.js';
import { BigNumber } from '../mappers/bignumber.js';
import { fromUnits, toJson } from '../mappers/json.js';
import { assetIdToHex, fromBigNumber, fromDate } from '../mappers/values.js';
import { orNull, type QueryContext } from './context.js';

export function fungible(q: QueryContext, assetId: AssetId): Promise<FungibleAsset | null> {
  return orNull(q.sdk.assets.getFungibleAsset({ assetId }));
}

export async function requireAsset(q: QueryContext, assetId: AssetId): Promise<FungibleAsset> {
  const asset = await fungible(q, assetId);
  if (!asset) throw new LedgerError('NoSuchAsset', `No asset ${assetId}`);
  return asset;
}

export async function tickerReservation(q: QueryContext, ticker: string): Promise<TickerReservation | null> {
  const details = await orNull(q.sdk.assets.getTickerReservation({ ticker }).details());
  if (!details?.owner) return null;
  return {
    ticker,
    owner: details.owner.did,
    expiry: fromDate(details.expiryDate),
    assetId: 'assetId' in details && typeof details.assetId === 'string' ? details.assetId : null,
  };
}

export async function nextAssetId(q: QueryContext, address: Address): Promise<AssetId> {
  const account = await q.sdk.accountManagement.getAccount({ address: q.chainAddress(address) });
  return account.getNextAssetId();
}

const KNOWN_TYPES = new Set([
  'EquityCommon',
  'EquityPreferred',
  'Commodity',
  'FixedIncome',
  'Reit',
  'Fund',
  'RevenueShareAgreement',
  'StructuredProduct',
  'Derivative',
  'StableCoin',
]);

async function customAssetTypeId(q: QueryContext, name: string): Promise<BigNumber | undefined> {
  if (KNOWN_TYPES.has(name)) return undefined;
  const id = toJson(await q.api.query.asset.customTypesInverse(name));
  return id === null ? undefined : new BigNumber(String(id));
}

export async function asset(q: QueryContext, assetId: AssetId): Promise<AssetDetails | null> {
  const a = await fungible(q, assetId);
  if (!a) return null;
  const [details, frozen, identifiers, fundingRound] = await Promise.all([
    a.details(),
    a.isFrozen(),
    a.getIdentifiers(),
    a.currentFundingRound(),
  ]);
  const customId = await customAssetTypeId(q, details.assetType);
  return {
    assetId,
    name: details.name,
    assetType: fromSdkAssetType(details.assetType, customId),
    divisible: details.isDivisible,
    owner: details.owner.did,
    totalSupply: fromBigNumber(details.totalSupply),
    frozen,
    identifiers: identifiers.map(fromSdkIdentifier),
    fundingRound,
    ticker: details.ticker ?? null,
  };
}

export async function assetIdOf(q: QueryContext, ticker: string): Promise<AssetId | null> {
  return (await orNull(q.sdk.assets.getFungibleAsset({ ticker })))?.id ?? null;
}

export async function assetDocuments(
  q: QueryContext,
  assetId: AssetId,
): Promise<(AssetDocument & { id: number })[]> {
  const entries = await q.api.query.asset.assetDocuments.entries(assetIdToHex(assetId));
  return entries
    .map(([key, value]) => documentFromChain(Number(toJson(key.args[1])), toJson(value)))
    .filter((d): d is AssetDocument & { id: number } => d !== null)
    .sort((a, b) => a.id - b.id);
}

export async function assetMetadata(q: QueryContext, assetId: AssetId): Promise<MetadataEntry[]> {
  const a = await fungible(q, assetId);
  if (!a) return [];
  const entries = await a.metadata.getDetails();
  return entries.map((e) => ({
    key: { type: e.metadataEntry.type, id: e.metadataEntry.id.toNumber() },
    name: e.name,
    spec: e.specs,
    value: e.value ?? null,
    expiry: fromDate(e.expiry ?? null),
    lockStatus: e.lockStatus
      ? fromSdkLockStatus(e.lockStatus, 'lockedUntil' in e ? e.lockedUntil : undefined)
      : { type: 'Unlocked' },
  }));
}

export async function customAssetTypes(q: QueryContext): Promise<{ id: number; name: string }[]> {
  const entries = await q.api.query.asset.customTypes.entries();
  return entries
    .map(([key, value]) => ({ id: Number(toJson(key.args[0])), name: String(toJson(value)) }))
    .sort((a, b) => a.id - b.id);
}

export async function agents(q: QueryContext, assetId: AssetId): Promise<AssetAgent[]> {
  const a = await fungible(q, assetId);
  if (!a) return [];
  const list = await a.permissions.getAgents();
  return list.map(({ agent, group }) => ({
    did: agent.did,
    group:
      'type' in group ? fromChainAgentGroup(String(group.type)) : { type: 'Custom', id: group.id.toNumber() },
  }));
}

export async function assetBalance(q: QueryContext, assetId: AssetId, did: Did): Promise<Decimal> {
  const balance = await q.api.query.asset.balanceOf(assetIdToHex(assetId), did);
  return fromUnits(balance.toString());
}

export async function holders(q: QueryContext, assetId: AssetId): Promise<Holder[]> {
  const entries = await q.api.query.asset.balanceOf.entries(assetIdToHex(assetId));
  return entries
    .filter(([, balance]) => !balance.isZero())
    .map(([key, balance]) => ({ did: key.args[1].toHex(), balance: fromUnits(balance.toString()) }))
    .sort((a, b) => a.did.localeCompare(b.did));
}
