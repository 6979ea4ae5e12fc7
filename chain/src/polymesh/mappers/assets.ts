import {
  KnownAssetType,
  MetadataLockStatus as SdkLockStatus,
  type SecurityIdentifier as SdkSecurityIdentifier,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../../errors.js';
import type { Timestamp } from '../../ledger.js';
import type {
  AgentGroup,
  AssetDocument,
  AssetType,
  KnownAssetType as PortKnownAssetType,
  MetadataKey,
  MetadataLockStatus,
  MetadataSpec,
  SecurityIdentifier,
} from '../../types.js';
import type { BigNumber } from './bignumber.js';
import type { Json } from './json.js';
import { toDate, toOptionalMoment } from './values.js';

/** Asset type as read from the SDK (`asset.details().assetType`: a known name or a custom type's name). */
export function fromSdkAssetType(t: string, customId?: BigNumber): AssetType {
  if (customId) return { custom: customId.toNumber() };
  return t === KnownAssetType.Reit ? 'REIT' : (t as PortKnownAssetType);
}

export function fromSdkIdentifier(i: SdkSecurityIdentifier): SecurityIdentifier {
  return { type: i.type, value: i.value };
}

export function fromSdkLockStatus(status: SdkLockStatus, lockedUntil?: Date): MetadataLockStatus {
  if (status === SdkLockStatus.LockedUntil && lockedUntil)
    return { type: 'LockedUntil', until: lockedUntil.toISOString() };
  return status === SdkLockStatus.Locked ? { type: 'Locked' } : { type: 'Unlocked' };
}

/**
 * Agent group → the chain's `AgentGroup` enum as polkadot.js encodes it. SDK known groups are
 * entities; the raw enum keeps the adapter free of a group lookup per call.
 */
export function toChainAgentGroup(g: AgentGroup): string | { Custom: number } {
  return g.type === 'Custom' ? { Custom: g.id } : g.type;
}

/** Agent group as the chain (`PolymeshV1CAA`) or the SDK (`PolymeshV1Caa`) spells it → port. */
export function fromChainAgentGroup(g: string | { custom?: number; Custom?: number }): AgentGroup {
  if (typeof g === 'string') {
    switch (g) {
      case 'Full':
      case 'ExceptMeta':
      case 'PolymeshV1CAA':
      case 'PolymeshV1PIA':
        return { type: g };
      // The SDK's PermissionGroupType spells the V1 groups in Pascal case.
      case 'PolymeshV1Caa':
        return { type: 'PolymeshV1CAA' };
      case 'PolymeshV1Pia':
        return { type: 'PolymeshV1PIA' };
    }
    throw new LedgerError('Unsupported', `Unknown agent group ${g}`);
  }
  return { type: 'Custom', id: Number(g.Custom ?? g.custom) };
}

/** A sanitised `Document` storage value → port document. */
export function documentFromChain(id: number, json: Json): (AssetDocument & { id: number }) | null {
  const d = typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
  if (typeof d.uri !== 'string' || typeof d.name !== 'string') return null;
  const hash = d.contentHash;
  const contentHash =
    typeof hash === 'object' && hash !== null && !Array.isArray(hash) ? Object.values(hash)[0] : undefined;
  return {
    id,
    name: d.name,
    uri: d.uri,
    ...(typeof contentHash === 'string' && { contentHash }),
    ...(typeof d.docType === 'string' && { type: d.docType }),
    ...(d.filingDate !== null &&
      d.filingDate !== undefined && { filedAt: new Date(Number(d.filingDate)).toISOString() }),
  };
}

// ---------------------------------------------------------------- port → chain (7.0 asset pallet types)

/** Asset type → `AssetType` (`REIT` as the chain spells it, `Custom(id)`). */
export function toChainAssetType(t: AssetType): string | { Custom: number } {
  return typeof t === 'object' ? { Custom: t.custom } : t;
}

export type ChainIdentifier =
  { CUSIP: string } | { CINS: string } | { ISIN: string } | { LEI: string } | { FIGI: string };

/** Identifier → `AssetIdentifier::{CUSIP, CINS, ISIN, LEI, FIGI}([u8; n])`, the value as its ASCII bytes. */
export function toChainIdentifier(i: SecurityIdentifier): ChainIdentifier {
  const value = `0x${Buffer.from(i.value, 'utf8').toString('hex')}`;
  switch (i.type) {
    case 'Cusip':
      return { CUSIP: value };
    case 'Cins':
      return { CINS: value };
    case 'Isin':
      return { ISIN: value };
    case 'Lei':
      return { LEI: value };
    case 'Figi':
      return { FIGI: value };
  }
}

const HASH_VARIANTS: Readonly<Record<number, string>> = {
  16: 'H128',
  20: 'H160',
  24: 'H192',
  28: 'H224',
  32: 'H256',
  40: 'H320',
  48: 'H384',
  64: 'H512',
};

/** Document → `Document { uri, content_hash, name, doc_type, filing_date }`. */
export function toChainDocument(d: AssetDocument): {
  uri: string;
  contentHash: 'None' | Record<string, string>;
  name: string;
  docType: string | null;
  filingDate: number | null;
} {
  let contentHash: 'None' | Record<string, string> = 'None';
  if (d.contentHash !== undefined) {
    const hex = d.contentHash.replace(/^0x/, '');
    const variant = /^([0-9a-fA-F]{2})+$/.test(hex) ? HASH_VARIANTS[hex.length / 2] : undefined;
    if (!variant) throw new LedgerError('ValidationError', 'A content hash is 16 to 64 bytes of hex');
    contentHash = { [variant]: `0x${hex.toLowerCase()}` };
  }
  return {
    uri: d.uri,
    contentHash,
    name: d.name,
    docType: d.type ?? null,
    filingDate: toOptionalMoment(d.filedAt),
  };
}

export function toChainMetadataKey(key: MetadataKey): { Local: number } | { Global: number } {
  return key.type === 'Local' ? { Local: key.id } : { Global: key.id };
}

/** Metadata spec → `AssetMetadataSpec { url, description, type_def }` (absent fields `None`). */
export function toChainMetadataSpec(spec: MetadataSpec): {
  url: string | null;
  description: string | null;
  typeDef: string | null;
} {
  return { url: spec.url ?? null, description: spec.description ?? null, typeDef: spec.typeDef ?? null };
}

/** Value details → `AssetMetadataValueDetail { expire, lock_status }`. */
export function toChainMetadataDetail(details: { expiry?: Timestamp; lockStatus?: MetadataLockStatus }): {
  expire: number | null;
  lockStatus: 'Unlocked' | 'Locked' | { LockedUntil: number };
} {
  const lock = details.lockStatus ?? { type: 'Unlocked' };
  return {
    expire: toOptionalMoment(details.expiry),
    lockStatus: lock.type === 'LockedUntil' ? { LockedUntil: toDate(lock.until).getTime() } : lock.type,
  };
}
