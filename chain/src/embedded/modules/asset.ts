/** Asset pallet: tickers, asset creation, issue/redeem, freeze, controller transfer, docs, metadata. */
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import type { Address, AssetId, Did } from '../../ledger.js';
import type {
  AssetDetails,
  AssetDocument,
  AssetType,
  Holder,
  MetadataEntry,
  MetadataKey,
  MetadataLockStatus,
  MetadataSpec,
  SecurityIdentifier,
  TickerReservation,
} from '../../types.js';
import { KNOWN_ASSET_TYPES } from '../../types.js';
import type { Chain } from '../chain.js';
import { ONE_UNIT, fromUnits, toUnits } from '../amounts.js';
import {
  ASSET_NAME_MAX_BYTES,
  CUSTOM_TYPE_NAME_MAX_BYTES,
  DOCUMENT_NAME_MAX_BYTES,
  DOCUMENT_TYPE_MAX_BYTES,
  DOCUMENT_URI_MAX_BYTES,
  FUNDING_ROUND_MAX_BYTES,
  MAX_SUPPLY_UNITS,
  METADATA_DESCRIPTION_MAX_BYTES,
  METADATA_NAME_MAX_BYTES,
  METADATA_TYPE_DEF_MAX_BYTES,
  METADATA_URL_MAX_BYTES,
  METADATA_VALUE_MAX_BYTES,
  RESERVED_TICKERS,
  TICKER_MAX_LENGTH,
  TICKER_PATTERN,
  byteLength,
  isGranular,
} from '../../limits.js';
import { isValidIdentifier } from '../../identifiers.js';
import {
  argArray,
  argAssetId,
  argBool,
  argDid,
  argInt,
  argString,
  argTime,
  ensure,
  invalid,
  iso,
  isoOrNull,
  optTime,
  type Origin,
} from '../runtime.js';
import { argPortfolio, pfRef, type Pf } from './portfolio.js';

const M = 'asset';
const ASSET_ID_PREFIX = stringToU8a('modlpy/pallet_asset');
export const TICKER_REGISTRATION_MS = 60 * 24 * 3600 * 1000;
export const FEE_CREATE_ASSET = 2_500n * ONE_UNIT;
export const FEE_REGISTER_TICKER = 500n * ONE_UNIT;
const GLOBAL_METADATA = ['baseTokenUri', 'baseImageUri', 'tokenUri', 'imageUri'];
/** `SystematicIssuers::FiatTickersReservation`: the DID that holds the genesis currency tickers. */
export const FIAT_TICKERS_RESERVATION_DID: Did = `0x${Buffer.from('system:fiat_tickers_reservation\0').toString('hex')}`;

interface AssetRec {
  assetId: AssetId;
  name: string;
  assetType: AssetType;
  divisible: boolean;
  owner: Did;
  totalSupply: bigint;
  frozen: boolean;
  identifiers: SecurityIdentifier[];
  fundingRound: string | null;
  ticker: string | null;
}

interface TickerRec {
  owner: Did;
  expiry: number | null;
  assetId: AssetId | null;
}

interface MetaValue {
  value: string | null;
  expiry: number | null;
  lockStatus: MetadataLockStatus;
}

export type BalanceReason =
  | { type: 'Issued'; fundingRound: string | null }
  | { type: 'Redeemed' }
  | { type: 'Transferred'; instructionId: number | null; memo: string | null }
  | { type: 'ControllerTransfer' };

function argAssetType(v: unknown, chain: Chain): AssetType {
  if (typeof v === 'string' && (KNOWN_ASSET_TYPES as readonly string[]).includes(v)) return v as AssetType;
  if (typeof v === 'object' && v !== null && 'custom' in v) {
    const id = argInt((v as { custom: unknown }).custom, 'assetType.custom', 1);
    ensure(
      chain.asset.customTypeName(id) !== undefined,
      'InvalidCustomAssetTypeId',
      `no custom asset type ${id}`,
      M,
    );
    return { custom: id };
  }
  return invalid('assetType', `must be one of ${KNOWN_ASSET_TYPES.join(', ')} or { custom: id }`);
}

function argIdentifiers(v: unknown): SecurityIdentifier[] {
  return argArray<Record<string, unknown>>(v ?? [], 'identifiers').map((x, i) => {
    const id = {
      type: x['type'],
      value: argString(x['value'], `identifiers[${i}].value`),
    } as SecurityIdentifier;
    if (!['Isin', 'Cusip', 'Cins', 'Lei', 'Figi'].includes(String(id.type)))
      invalid(`identifiers[${i}].type`, 'unknown');
    ensure(isValidIdentifier(id), 'InvalidAssetIdentifier', `${id.type} ${id.value} fails its checksum`, M);
    return id;
  });
}

function argDocuments(v: unknown): AssetDocument[] {
  return argArray<Record<string, unknown>>(v ?? [], 'documents').map((d, i) => {
    const f = `documents[${i}]`;
    // Polymesh checks a document's name, URI and type with the base pallet's `TooLong`.
    const bounded = (v: unknown, field: string, max: number): string => {
      const text = argString(v, field);
      ensure(byteLength(text) <= max, 'TooLong', `${field} longer than ${max} bytes`, 'base');
      return text;
    };
    const doc: AssetDocument = {
      name: bounded(d['name'], `${f}.name`, DOCUMENT_NAME_MAX_BYTES),
      uri: bounded(d['uri'], `${f}.uri`, DOCUMENT_URI_MAX_BYTES),
    };
    if (d['contentHash'] !== undefined) {
      const h = argString(d['contentHash'], `${f}.contentHash`);
      if (!/^0x([0-9a-f]{2}){16,64}$/.test(h)) invalid(`${f}.contentHash`, 'must be 16–64 bytes of 0x-hex');
      doc.contentHash = h;
    }
    if (d['type'] !== undefined) doc.type = bounded(d['type'], `${f}.type`, DOCUMENT_TYPE_MAX_BYTES);
    if (d['filedAt'] !== undefined) doc.filedAt = iso(argTime(d['filedAt'], `${f}.filedAt`));
    return doc;
  });
}

function argLockStatus(v: unknown): MetadataLockStatus {
  const o = (v ?? { type: 'Unlocked' }) as Record<string, unknown>;
  if (o['type'] === 'Unlocked' || o['type'] === 'Locked') return { type: o['type'] };
  if (o['type'] === 'LockedUntil')
    return { type: 'LockedUntil', until: iso(argTime(o['until'], 'lockStatus.until')) };
  return invalid('lockStatus.type', 'must be Unlocked, Locked or LockedUntil');
}

function uuidFromBytes(b: Uint8Array): string {
  const x = Uint8Array.from(b.subarray(0, 16));
  x[6] = ((x[6] ?? 0) & 0x0f) | 0x80; // version 8
  x[8] = ((x[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const h = u8aToHex(x, -1, false);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class AssetModule {
  private readonly assets;
  private readonly tickers;
  private readonly assetNonce;
  private readonly didBalances;
  private readonly holderIndex;
  private readonly customTypes;
  private readonly customTypeByName;
  private readonly documents;
  private readonly metaLocal;
  private readonly metaLocalByName;
  private readonly metaValues;
  private readonly counters;
  private readonly roundIssued;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.assets = s.map<AssetId, AssetRec>();
    this.tickers = s.map<string, TickerRec>();
    this.assetNonce = s.map<Address, number>();
    this.didBalances = s.map<string, bigint>();
    this.holderIndex = s.index<AssetId, Did>();
    this.customTypes = s.map<number, string>();
    this.customTypeByName = s.map<string, number>();
    this.documents = s.map<AssetId, readonly (AssetDocument & { id: number })[]>();
    this.metaLocal = s.map<string, { name: string; spec: MetadataSpec }>();
    this.metaLocalByName = s.map<string, number>();
    this.metaValues = s.map<string, MetaValue>();
    this.counters = s.counter<string>();
    this.roundIssued = s.map<string, bigint>();
    for (const t of RESERVED_TICKERS)
      this.tickers.set(t, { owner: FIAT_TICKERS_RESERVATION_DID, expiry: null, assetId: null });
    this.registerCalls();
  }

  // ---------------------------------------------------------------- reads

  get(asset: AssetId): AssetRec | undefined {
    return this.assets.get(asset);
  }

  details(asset: AssetId): AssetDetails | null {
    const a = this.assets.get(asset);
    if (!a) return null;
    return { ...a, identifiers: [...a.identifiers], totalSupply: fromUnits(a.totalSupply) };
  }

  balanceOf(asset: AssetId, did: Did): bigint {
    return this.didBalances.get(`${asset}|${did}`) ?? 0n;
  }

  holders(asset: AssetId): Holder[] {
    return [...this.holderIndex.members(asset)]
      .sort()
      .map((did) => ({ did, balance: fromUnits(this.balanceOf(asset, did)) }));
  }

  reservation(ticker: string): TickerReservation | null {
    const t = this.tickers.get(ticker);
    if (!t || t.owner === FIAT_TICKERS_RESERVATION_DID)
      return t ? { ticker, owner: t.owner, expiry: null, assetId: null } : null;
    return { ticker, owner: t.owner, expiry: isoOrNull(t.expiry), assetId: t.assetId };
  }

  assetIdOfTicker(ticker: string): AssetId | null {
    return this.tickers.get(ticker)?.assetId ?? null;
  }

  /**
   * `generate_asset_id`: blake2_128 of the SCALE encoding of (`b"modlpy/pallet_asset"`, genesis
   * hash, caller account, caller's asset nonce as u64), made a UUIDv8 — fixed-size byte arrays
   * encode as their bytes, so the input is 19 + 32 + 32 + 8 bytes.
   */
  nextAssetId(account: Address): AssetId {
    const nonce = this.assetNonce.get(account) ?? 0;
    const seed = u8aConcat(
      ASSET_ID_PREFIX,
      hexToU8a(this.chain.rt.genesisHash),
      decodeAddress(account),
      bnToU8a(BigInt(nonce), { bitLength: 64, isLe: true }),
    );
    return uuidFromBytes(blake2AsU8a(seed, 128));
  }

  customTypeName(id: number): string | undefined {
    return this.customTypes.get(id);
  }

  customTypeList(): { id: number; name: string }[] {
    return [...this.customTypes.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => a.id - b.id);
  }

  documentsOf(asset: AssetId): (AssetDocument & { id: number })[] {
    return [...(this.documents.get(asset) ?? [])];
  }

  /** `ensure_doc_exists` (`NoSuchDoc`). */
  ensureDocExists(asset: AssetId, id: number): void {
    ensure(
      (this.documents.get(asset) ?? []).some((d) => d.id === id),
      'NoSuchDoc',
      `asset ${asset} has no document ${id}`,
      M,
    );
  }

  metadataOf(asset: AssetId): MetadataEntry[] {
    const out: MetadataEntry[] = [];
    const entry = (key: MetadataKey, name: string, spec: MetadataSpec): MetadataEntry => {
      const v = this.metaValues.get(`${asset}|${key.type}|${key.id}`);
      return {
        key,
        name,
        spec,
        value: v?.value ?? null,
        expiry: isoOrNull(v?.expiry ?? null),
        lockStatus: v?.lockStatus ?? { type: 'Unlocked' },
      };
    };
    GLOBAL_METADATA.forEach((name, i) => out.push(entry({ type: 'Global', id: i + 1 }, name, {})));
    const last = this.counters.peek(`meta|${asset}`) - 1;
    for (let id = 1; id <= last; id++) {
      const t = this.metaLocal.get(`${asset}|${id}`);
      if (t) out.push(entry({ type: 'Local', id }, t.name, t.spec));
    }
    return out;
  }

  // ---------------------------------------------------------------- balance plumbing

  ensureExists(asset: AssetId): AssetRec {
    const a = this.assets.get(asset);
    ensure(a, 'NoSuchAsset', `asset ${asset} does not exist`, M);
    return a;
  }

  isGranular(a: AssetRec, amount: bigint): boolean {
    return isGranular(amount, a.divisible);
  }

  ensureGranular(asset: AssetId, amount: bigint): void {
    const a = this.ensureExists(asset);
    ensure(this.isGranular(a, amount), 'InvalidGranularity', `asset ${asset} is indivisible`, M);
  }

  /** Changes a DID's total balance, keeping holders and statistics in step. */
  changeDidBalance(asset: AssetId, did: Did, delta: bigint): void {
    const k = `${asset}|${did}`;
    const old = this.didBalances.get(k) ?? 0n;
    const now = old + delta;
    // Checkpoints (settlement/CA engineer): due schedule points, then the pre-change balance.
    this.chain.checkpoint.beforeBalanceChange(asset, did, old);
    if (now === 0n) {
      this.didBalances.delete(k);
      this.holderIndex.remove(asset, did);
    } else {
      this.didBalances.set(k, now);
      if (old === 0n) this.holderIndex.add(asset, did);
    }
    this.chain.statistics.onBalanceChange(asset, did, old, now, delta);
  }

  /** Moves units between portfolios (checks already done by `validateAssetTransfer`). */
  moveUnits(asset: AssetId, from: Pf, to: Pf, amount: bigint): void {
    this.chain.portfolio.debit(from, asset, amount);
    this.chain.portfolio.credit(to, asset, amount);
    if (from.did !== to.did) {
      this.changeDidBalance(asset, from.did, -amount);
      this.changeDidBalance(asset, to.did, amount);
    }
  }

  emitBalanceUpdated(
    did: Did,
    asset: AssetId,
    amount: bigint,
    from: Pf | null,
    to: Pf | null,
    reason: BalanceReason,
  ): void {
    this.chain.rt.emit(M, 'AssetBalanceUpdated', {
      did,
      assetId: asset,
      amount: fromUnits(amount),
      from: from ? pfRef(from) : null,
      to: to ? pfRef(to) : null,
      reason,
    });
  }

  // ---------------------------------------------------------------- authorizations

  acceptOwnership(did: Did, from: Did, asset: AssetId): void {
    const a = this.ensureExists(asset);
    ensure(
      this.chain.agents.isAgent(asset, from),
      'UnauthorizedAgent',
      'the authorizer is no longer an agent',
      M,
    );
    this.assets.set(asset, { ...a, owner: did });
    if (a.ticker) {
      const t = this.tickers.get(a.ticker);
      if (t) this.tickers.set(a.ticker, { ...t, owner: did });
    }
    this.chain.rt.emit(M, 'AssetOwnershipTransferred', { did, assetId: asset, from: a.owner });
  }

  // ---------------------------------------------------------------- tickers

  private argTicker(v: unknown): string {
    const t = argString(v, 'ticker');
    ensure(
      t.length > 0 && t.length <= TICKER_MAX_LENGTH,
      'TickerTooLong',
      `ticker must be 1–${TICKER_MAX_LENGTH} characters`,
      M,
    );
    ensure(
      new RegExp(TICKER_PATTERN).test(t),
      'InvalidTickerCharacter',
      'ticker characters: A–Z 0–9 _ - . /',
      M,
    );
    return t;
  }

  /** Fee of a ticker registration: only when the ticker is new or expired. */
  private tickerFee(v: unknown): bigint {
    if (typeof v !== 'string') return 0n;
    const t = this.tickers.get(v);
    return !t || (t.expiry !== null && t.expiry <= this.chain.rt.now) ? FEE_REGISTER_TICKER : 0n;
  }

  private reserveTicker(did: Did, ticker: string): number {
    const now = this.chain.rt.now;
    const t = this.tickers.get(ticker);
    if (t) {
      ensure(t.assetId === null, 'TickerIsAlreadyLinkedToAnAsset', `${ticker} is linked to an asset`, M);
      const expired = t.expiry !== null && t.expiry <= now;
      ensure(
        t.owner === did || expired,
        'TickerAlreadyRegistered',
        `${ticker} is reserved by another identity`,
        M,
      );
    }
    // AssetRegisterTicker, only for a new or expired ticker, from the payer inside the call.
    this.chain.fees.chargeProtocolFee(this.tickerFee(ticker));
    const expiry = now + TICKER_REGISTRATION_MS;
    this.tickers.set(ticker, { owner: did, expiry, assetId: null });
    this.chain.rt.emit(M, 'TickerRegistered', { did, ticker, expiry: iso(expiry) });
    return expiry;
  }

  /** `base_link_ticker_to_asset_id`, in the chain's order of checks. */
  private link(did: Did, ticker: string, asset: AssetId): void {
    const t = this.tickers.get(ticker);
    ensure(t, 'TickerRegistrationNotFound', `${ticker} is not registered`, M);
    ensure(t.owner === did, 'TickerNotRegisteredToCaller', `${ticker} is not reserved by ${did}`, M);
    ensure(
      t.expiry === null || t.expiry > this.chain.rt.now,
      'TickerRegistrationExpired',
      `${ticker} reservation expired`,
      M,
    );
    ensure(t.assetId === null, 'TickerIsAlreadyLinkedToAnAsset', `${ticker} is linked to an asset`, M);
    const a = this.ensureExists(asset);
    ensure(
      a.ticker === null,
      'AssetIsAlreadyLinkedToATicker',
      `asset already linked to ${String(a.ticker)}`,
      M,
    );
    this.tickers.set(ticker, { owner: did, expiry: null, assetId: asset });
    this.assets.set(asset, { ...a, ticker });
    this.chain.rt.emit(M, 'TickerLinkedToAsset', { did, ticker, assetId: asset });
  }

  /**
   * Replaces the documents as the SDK's `documents.set` does: `remove_documents` of every current
   * one, then `add_documents`, whose ids come from the asset's `AssetDocumentsIdSequence` (from 0,
   * never reused).
   */
  private putDocuments(did: Did, asset: AssetId, docs: AssetDocument[]): void {
    const old = this.documents.get(asset) ?? [];
    for (const d of old) this.chain.rt.emit(M, 'DocumentRemoved', { did, assetId: asset, id: d.id });
    const added = docs.map((doc) => ({ id: this.counters.next(`docs|${asset}`, 0), ...doc }));
    this.documents.set(asset, added);
    for (const { id, ...document } of added)
      this.chain.rt.emit(M, 'DocumentAdded', { did, assetId: asset, id, document });
  }

  private metaKey(asset: AssetId, v: unknown): { key: MetadataKey; k: string } {
    const o = (v ?? {}) as Record<string, unknown>;
    const id = argInt(o['id'], 'key.id', 1);
    if (o['type'] === 'Global') {
      ensure(id <= GLOBAL_METADATA.length, 'AssetMetadataKeyIsMissing', `no global metadata key ${id}`, M);
      return { key: { type: 'Global', id }, k: `${asset}|Global|${id}` };
    }
    if (o['type'] === 'Local') {
      ensure(
        this.metaLocal.has(`${asset}|${id}`),
        'AssetMetadataKeyIsMissing',
        `no local metadata key ${id}`,
        M,
      );
      return { key: { type: 'Local', id }, k: `${asset}|Local|${id}` };
    }
    return invalid('key.type', 'must be Local or Global');
  }

  private ensureMetaUnlocked(k: string): MetaValue | undefined {
    const v = this.metaValues.get(k);
    const s = v?.lockStatus;
    const locked =
      s?.type === 'Locked' || (s?.type === 'LockedUntil' && Date.parse(s.until) > this.chain.rt.now);
    ensure(!locked, 'AssetMetadataValueIsLocked', 'metadata value is locked', M);
    return v;
  }

  private argDetails(v: unknown, prev?: MetaValue): Pick<MetaValue, 'expiry' | 'lockStatus'> {
    const o = (v ?? {}) as Record<string, unknown>;
    return {
      expiry: o['expiry'] === undefined ? (prev?.expiry ?? null) : optTime(o['expiry'], 'details.expiry'),
      lockStatus:
        o['lockStatus'] === undefined
          ? (prev?.lockStatus ?? { type: 'Unlocked' })
          : argLockStatus(o['lockStatus']),
    };
  }

  // ---------------------------------------------------------------- calls

  private registerCalls(): void {
    const rt = this.chain.rt;
    const agent = (o: Origin, assetId: unknown, call: string): { did: Did; asset: AssetId; a: AssetRec } => {
      const asset = argAssetId(assetId);
      const did = this.chain.agents.requirePermission(o, asset, call);
      return { did, asset, a: this.ensureExists(asset) };
    };

    rt.register('asset.registerUniqueTicker', {
      handler: (o, a) => ({ expiry: iso(this.reserveTicker(o.did as Did, this.argTicker(a.ticker))) }),
    });

    rt.register('asset.createAsset', {
      handler: (o, a) => {
        const did = o.did as Did;
        const name = argString(a.name, 'name');
        ensure(
          byteLength(name) <= ASSET_NAME_MAX_BYTES,
          'MaxLengthOfAssetNameExceeded',
          `asset name longer than ${ASSET_NAME_MAX_BYTES} bytes`,
          M,
        );
        const assetType = argAssetType(a.assetType, this.chain);
        const divisible = argBool(a.divisible, 'divisible');
        const identifiers = argIdentifiers(a.identifiers);
        let fundingRound: string | null = null;
        if (a.fundingRound !== undefined) {
          fundingRound = argString(a.fundingRound, 'fundingRound');
          ensure(
            byteLength(fundingRound) <= FUNDING_ROUND_MAX_BYTES,
            'FundingRoundNameMaxLengthExceeded',
            'funding round too long',
            M,
          );
        }
        const documents = argDocuments(a.documents);
        this.chain.fees.chargeProtocolFee(FEE_CREATE_ASSET);
        const assetId = this.nextAssetId(o.signer);
        this.assetNonce.set(o.signer, (this.assetNonce.get(o.signer) ?? 0) + 1);
        const rec: AssetRec = {
          assetId,
          name,
          assetType,
          divisible,
          owner: did,
          totalSupply: 0n,
          frozen: false,
          identifiers,
          fundingRound,
          ticker: null,
        };
        this.assets.set(assetId, rec);
        rt.emit(M, 'AssetCreated', {
          did,
          assetId,
          divisible,
          assetType,
          owner: did,
          name,
          identifiers,
          fundingRound,
        });
        this.chain.agents.add(assetId, did, { type: 'Full' });
        if (a.ticker !== undefined) {
          const ticker = this.argTicker(a.ticker);
          const t = this.tickers.get(ticker);
          if (!(t && t.owner === did && t.assetId === null && (t.expiry === null || t.expiry > rt.now))) {
            this.reserveTicker(did, ticker);
          }
          this.link(did, ticker, assetId);
        }
        if (documents.length > 0) this.putDocuments(did, assetId, documents);
        return { assetId };
      },
    });

    rt.register('asset.linkTickerToAssetId', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.linkTickerToAssetId');
        this.link(did, this.argTicker(a.ticker), asset);
      },
    });

    rt.register('asset.unlinkTickerFromAssetId', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.unlinkTickerFromAssetId');
        const ticker = this.argTicker(a.ticker);
        const t = this.tickers.get(ticker);
        ensure(t, 'TickerRegistrationNotFound', `${ticker} is not registered`, M);
        ensure(t.owner === did, 'TickerNotRegisteredToCaller', `${ticker} is not registered to ${did}`, M);
        ensure(t.assetId === asset, 'TickerIsNotLinkedToTheAsset', `${ticker} is not linked to ${asset}`, M);
        this.tickers.delete(ticker);
        this.assets.set(asset, { ...rec, ticker: null });
        rt.emit(M, 'TickerUnlinkedFromAsset', { did, ticker, assetId: asset });
      },
    });

    rt.register('asset.issue', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.issue');
        const amount = toUnits(a.amount);
        const pf: Pf = { did, number: a.portfolio === undefined ? 0 : argInt(a.portfolio, 'portfolio') };
        this.chain.portfolio.ensureExists(pf);
        this.chain.identity.ensurePortfolioPermission(o.signer, pf);
        ensure(this.isGranular(rec, amount), 'InvalidGranularity', `asset ${asset} is indivisible`, M);
        ensure(
          rec.totalSupply + amount <= MAX_SUPPLY_UNITS,
          'TotalSupplyAboveLimit',
          'total supply above 1e12',
          M,
        );
        this.chain.checkpoint.advance(asset); // due scheduled checkpoints see the supply before the issue
        this.assets.set(asset, { ...rec, totalSupply: rec.totalSupply + amount });
        this.chain.portfolio.credit(pf, asset, amount);
        this.changeDidBalance(asset, did, amount);
        if (rec.fundingRound !== null) {
          const k = `${asset}|${rec.fundingRound}`;
          this.roundIssued.set(k, (this.roundIssued.get(k) ?? 0n) + amount);
        }
        this.emitBalanceUpdated(did, asset, amount, null, pf, {
          type: 'Issued',
          fundingRound: rec.fundingRound,
        });
      },
    });

    rt.register('asset.redeem', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.redeem');
        const amount = toUnits(a.amount);
        const pf: Pf = { did, number: a.portfolio === undefined ? 0 : argInt(a.portfolio, 'portfolio') };
        this.chain.portfolio.ensureExists(pf);
        this.chain.portfolio.ensureCustodian(did, pf);
        ensure(this.isGranular(rec, amount), 'InvalidGranularity', `asset ${asset} is indivisible`, M);
        this.chain.portfolio.debit(pf, asset, amount);
        this.chain.checkpoint.advance(asset); // due scheduled checkpoints see the supply before the redemption
        this.assets.set(asset, { ...rec, totalSupply: rec.totalSupply - amount });
        this.changeDidBalance(asset, did, -amount);
        this.emitBalanceUpdated(did, asset, amount, pf, null, { type: 'Redeemed' });
      },
    });

    rt.register('asset.freeze', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.freeze');
        ensure(!rec.frozen, 'AlreadyFrozen', 'asset is already frozen', M);
        this.assets.set(asset, { ...rec, frozen: true });
        rt.emit(M, 'AssetFrozen', { did, assetId: asset });
      },
    });

    rt.register('asset.unfreeze', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.unfreeze');
        ensure(rec.frozen, 'NotFrozen', 'asset is not frozen', M);
        this.assets.set(asset, { ...rec, frozen: false });
        rt.emit(M, 'AssetUnfrozen', { did, assetId: asset });
      },
    });

    rt.register('asset.controllerTransfer', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.controllerTransfer');
        const amount = toUnits(a.amount);
        const from = argPortfolio(a.from, 'from');
        const to: Pf = { did, number: 0 };
        this.chain.transfers.validate(asset, from, to, amount, { controller: true });
        this.moveUnits(asset, from, to, amount);
        this.emitBalanceUpdated(did, asset, amount, from, to, {
          type: 'Transferred',
          instructionId: null,
          memo: null,
        });
        rt.emit(M, 'ControllerTransfer', {
          did,
          assetId: asset,
          from: pfRef(from),
          amount: fromUnits(amount),
        });
      },
    });

    rt.register('asset.makeDivisible', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.makeDivisible');
        ensure(!rec.divisible, 'AssetAlreadyDivisible', 'asset is already divisible', M);
        this.assets.set(asset, { ...rec, divisible: true });
        rt.emit(M, 'DivisibilityChanged', { did, assetId: asset, divisible: true });
      },
    });

    rt.register('asset.renameAsset', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.renameAsset');
        const name = argString(a.name, 'name');
        ensure(
          byteLength(name) <= ASSET_NAME_MAX_BYTES,
          'MaxLengthOfAssetNameExceeded',
          `asset name longer than ${ASSET_NAME_MAX_BYTES} bytes`,
          M,
        );
        this.assets.set(asset, { ...rec, name });
        rt.emit(M, 'AssetRenamed', { did, assetId: asset, name });
      },
    });

    rt.register('asset.setFundingRound', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.setFundingRound');
        const fundingRound = argString(a.fundingRound, 'fundingRound');
        ensure(
          byteLength(fundingRound) <= FUNDING_ROUND_MAX_BYTES,
          'FundingRoundNameMaxLengthExceeded',
          'funding round too long',
          M,
        );
        this.assets.set(asset, { ...rec, fundingRound });
        rt.emit(M, 'FundingRoundSet', { did, assetId: asset, fundingRound });
      },
    });

    rt.register('asset.updateIdentifiers', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.updateIdentifiers');
        const identifiers = argIdentifiers(a.identifiers);
        this.assets.set(asset, { ...rec, identifiers });
        rt.emit(M, 'IdentifiersUpdated', { did, assetId: asset, identifiers });
      },
    });

    rt.register('asset.updateAssetType', {
      handler: (o, a) => {
        const { did, asset, a: rec } = agent(o, a.assetId, 'asset.updateAssetType');
        const assetType = argAssetType(a.assetType, this.chain);
        this.assets.set(asset, { ...rec, assetType });
        rt.emit(M, 'AssetTypeChanged', { did, assetId: asset, assetType });
      },
    });

    rt.register('asset.registerCustomAssetType', {
      handler: (o, a) => {
        const name = argString(a.name, 'name', CUSTOM_TYPE_NAME_MAX_BYTES);
        ensure(name.length > 0, 'ValidationError', 'name must not be empty');
        const existing = this.customTypeByName.get(name);
        if (existing !== undefined) {
          rt.emit(M, 'CustomAssetTypeExists', { did: o.did, id: existing, name });
          return { id: existing };
        }
        const id = this.counters.next('customAssetType');
        this.customTypes.set(id, name);
        this.customTypeByName.set(name, id);
        rt.emit(M, 'CustomAssetTypeRegistered', { did: o.did, id, name });
        return { id };
      },
    });

    rt.register('asset.setDocuments', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.setDocuments');
        this.putDocuments(did, asset, argDocuments(a.documents));
      },
    });

    rt.register('asset.registerAssetMetadataLocalType', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.registerAssetMetadataLocalType');
        const name = argString(a.name, 'name');
        ensure(
          byteLength(name) <= METADATA_NAME_MAX_BYTES,
          'AssetMetadataNameMaxLengthExceeded',
          'metadata name too long',
          M,
        );
        ensure(
          !GLOBAL_METADATA.includes(name),
          'AssetMetadataGlobalKeyAlreadyExists',
          `${name} is a global key`,
          M,
        );
        ensure(
          !this.metaLocalByName.has(`${asset}|${name}`),
          'AssetMetadataLocalKeyAlreadyExists',
          `${name} exists`,
          M,
        );
        const s = (a.spec ?? {}) as Record<string, unknown>;
        const spec: MetadataSpec = {};
        if (s['url'] !== undefined) spec.url = argString(s['url'], 'spec.url', METADATA_URL_MAX_BYTES);
        if (s['description'] !== undefined)
          spec.description = argString(s['description'], 'spec.description', METADATA_DESCRIPTION_MAX_BYTES);
        if (s['typeDef'] !== undefined)
          spec.typeDef = argString(s['typeDef'], 'spec.typeDef', METADATA_TYPE_DEF_MAX_BYTES);
        const id = this.counters.next(`meta|${asset}`);
        this.metaLocal.set(`${asset}|${id}`, { name, spec });
        this.metaLocalByName.set(`${asset}|${name}`, id);
        rt.emit(M, 'RegisterAssetMetadataLocalType', { did, assetId: asset, name, localKey: id, spec });
        return { key: { type: 'Local', id } };
      },
    });

    rt.register('asset.setAssetMetadata', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.setAssetMetadata');
        const { key, k } = this.metaKey(asset, a.key);
        const prev = this.ensureMetaUnlocked(k);
        const value = argString(a.value, 'value');
        ensure(
          byteLength(value) <= METADATA_VALUE_MAX_BYTES,
          'AssetMetadataValueMaxLengthExceeded',
          `value longer than ${METADATA_VALUE_MAX_BYTES} bytes`,
          M,
        );
        const details = this.argDetails(a.details, prev);
        this.metaValues.set(k, { value, ...details });
        rt.emit(M, 'SetAssetMetadataValue', {
          did,
          assetId: asset,
          key,
          value,
          ...details,
          expiry: isoOrNull(details.expiry),
        });
      },
    });

    rt.register('asset.setAssetMetadataDetails', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.setAssetMetadataDetails');
        const { key, k } = this.metaKey(asset, a.key);
        const prev = this.ensureMetaUnlocked(k);
        const details = this.argDetails(a.details, prev);
        this.metaValues.set(k, { value: prev?.value ?? null, ...details });
        rt.emit(M, 'SetAssetMetadataValueDetails', {
          did,
          assetId: asset,
          key,
          ...details,
          expiry: isoOrNull(details.expiry),
        });
      },
    });

    rt.register('asset.transferOwnership', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.transferOwnership');
        const target = argDid(a.target, 'target');
        ensure(this.chain.identity.exists(target), 'DidDoesNotExist', `identity ${target} does not exist`, M);
        const authId = this.chain.identity.addAuthorization(
          did,
          { type: 'Identity', value: target },
          { type: 'TransferAssetOwnership', assetId: asset },
          optTime(a.expiry, 'expiry'),
        );
        return { authId };
      },
    });
  }
}
