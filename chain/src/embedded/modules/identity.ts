/** Identity pallet: DIDs, primary/secondary keys, CDD providers, claims, authorizations. */
import { blake2AsHex } from '@polkadot/util-crypto';
import type { LedgerCall } from '../../calls.js';
import type { Address, AssetId, Did } from '../../ledger.js';
import type {
  Authorization,
  AuthorizationData,
  Claim,
  ClaimType,
  IdentityClaim,
  IdentityInfo,
  KeyPermissions,
  Scope,
  Signatory,
} from '../../types.js';
import { SCOPED_CLAIM_TYPES } from '../../types.js';
import { CUSTOM_SCOPE_MAX_BYTES, CUSTOM_TYPE_NAME_MAX_BYTES, byteLength } from '../../limits.js';
import { isChainCountry } from '../../countries.js';
import type { ClaimFilter } from '../../queries.js';
import type { Chain } from '../chain.js';
import { extrinsicOf } from '../fees.js';
import type { Pf } from './portfolio.js';
import {
  argAssetId,
  argArray,
  argDid,
  argInt,
  argString,
  ensure,
  fail,
  invalid,
  iso,
  isoOrNull,
  optTime,
  type Origin,
} from '../runtime.js';

const M = 'identity';
export const ZERO_CDD_ID = `0x${'00'.repeat(32)}`;

interface IdentityRec {
  did: Did;
  primaryKey: Address;
  secondaryKeys: readonly { address: Address; permissions: KeyPermissions }[];
  frozen: boolean;
}

export interface ClaimRec {
  key: string;
  target: Did;
  issuer: Did;
  claim: Claim;
  typeKey: string;
  scopeKey: string;
  issuedAt: number;
  lastUpdatedAt: number;
  expiry: number | null;
}

interface AuthRec {
  id: number;
  from: Did;
  target: Signatory;
  data: AuthorizationData;
  expiry: number | null;
}

const FULL_PERMISSIONS: KeyPermissions = { assets: null, extrinsics: null, portfolios: null };

export function scopeKeyOf(scope: Scope | undefined): string {
  return scope ? `${scope.type}:${scope.value}` : '';
}

export function claimTypeKey(claim: Claim): string {
  return claim.type === 'Custom' ? `Custom#${claim.customClaimTypeId}` : claim.type;
}

export function claimKey(target: Did, typeKey: string, scopeKey: string, issuer: Did): string {
  return `${target}|${typeKey}|${scopeKey}|${issuer}`;
}

/**
 * A country of the chain's closed `CountryCode` enum, in the SDK's Pascal case (`Us`, `Gb`). Any
 * other code cannot be encoded for the chain at all, hence a `ValidationError`.
 */
export function argCountryCode(v: unknown, field: string): string {
  const code = argString(v, field);
  if (!/^[A-Z][a-z]$/.test(code) || !isChainCountry(code.toUpperCase()))
    invalid(field, "must be a country of the chain's CountryCode list, in the SDK's form (Us, Gb, De)");
  return code;
}

/**
 * Polymesh's `AuthorizationError`s are `DispatchError::Other(&str)`: the string is not encoded, so
 * a client of a node sees a bare `Other`; the embedded ledger keeps the chain's words.
 */
export const AUTH_DOES_NOT_EXIST = 'Authorization does not exist';
export const AUTH_EXPIRED = 'Authorization expired';

function signatoryKey(s: Signatory): string {
  return `${s.type}:${s.value}`;
}

/** Validates a claim from JSON and returns a canonical copy. */
export function normaliseClaim(c: unknown, field = 'claim'): Claim {
  if (typeof c !== 'object' || c === null) invalid(field, 'must be a claim object');
  const o = c as Record<string, unknown>;
  const type = o['type'];
  const scope = (v: unknown): Scope => {
    if (typeof v !== 'object' || v === null) invalid(`${field}.scope`, 'required');
    const s = v as Record<string, unknown>;
    if (s['type'] === 'Identity')
      return { type: 'Identity', value: argDid(s['value'], `${field}.scope.value`) };
    if (s['type'] === 'Asset')
      return { type: 'Asset', value: argAssetId(s['value'], `${field}.scope.value`) };
    if (s['type'] === 'Custom') {
      const value = argString(s['value'], `${field}.scope.value`);
      if (byteLength(value) > CUSTOM_SCOPE_MAX_BYTES)
        fail('CustomScopeTooLong', `custom scope longer than ${CUSTOM_SCOPE_MAX_BYTES} bytes`, M);
      return { type: 'Custom', value };
    }
    return invalid(`${field}.scope.type`, 'must be Identity, Asset or Custom');
  };
  if ((SCOPED_CLAIM_TYPES as readonly unknown[]).includes(type)) {
    return { type: type as (typeof SCOPED_CLAIM_TYPES)[number], scope: scope(o['scope']) };
  }
  switch (type) {
    case 'CustomerDueDiligence': {
      const id = o['id'] === undefined ? ZERO_CDD_ID : argString(o['id'], `${field}.id`);
      if (!/^0x[0-9a-f]{64}$/.test(id)) invalid(`${field}.id`, 'must be 32 bytes of 0x-hex');
      return id === ZERO_CDD_ID ? { type } : { type, id };
    }
    case 'Jurisdiction': {
      const code = argCountryCode(o['code'], `${field}.code`);
      return { type, code, scope: scope(o['scope']) };
    }
    case 'Custom': {
      const customClaimTypeId = argInt(o['customClaimTypeId'], `${field}.customClaimTypeId`, 1);
      return o['scope'] === undefined
        ? { type, customClaimTypeId }
        : { type, customClaimTypeId, scope: scope(o['scope']) };
    }
    default:
      return invalid(`${field}.type`, `unknown claim type ${String(type)}`);
  }
}

export function claimScope(claim: Claim): Scope | undefined {
  return 'scope' in claim ? claim.scope : undefined;
}

/** Key permission limits (primitives/src/identity.rs `limits`, pallets/identity/src/keys.rs). */
const MAX_ASSETS = 2000;
const MAX_PORTFOLIOS = 2000;
const MAX_PALLETS = 80;
const MAX_EXTRINSICS = 80;
const MAX_NAME_LEN = 60;

/**
 * Port key permissions, checked as `ensure_perms_length_limited` does (base `TooLong`). Extrinsic
 * permissions list SDK TxTags (`asset.issue`) or whole pallets (`asset`).
 */
function normalisePermissions(p: unknown): KeyPermissions {
  if (p === undefined || p === null) return FULL_PERMISSIONS;
  const o = p as Record<string, unknown>;
  const list = <T>(v: unknown, f: string): T[] | null =>
    v === undefined || v === null ? null : argArray<T>(v, f);
  const assets = list<unknown>(o['assets'], 'permissions.assets');
  const extrinsics = list<unknown>(o['extrinsics'], 'permissions.extrinsics');
  const portfolios = list<unknown>(o['portfolios'], 'permissions.portfolios');
  const tooLong = (what: string): never => fail('TooLong', `key permissions: ${what}`, 'base');
  if (assets && assets.length > MAX_ASSETS) tooLong(`more than ${MAX_ASSETS} assets`);
  if (portfolios && portfolios.length > MAX_PORTFOLIOS) tooLong(`more than ${MAX_PORTFOLIOS} portfolios`);
  const names = extrinsics?.map((v, i) => argString(v, `permissions.extrinsics[${i}]`));
  if (names) {
    const pallets = new Map<string, number>();
    for (const n of names) {
      const [pallet = '', fn] = n.split('.', 2);
      if (
        Buffer.byteLength(pallet) > MAX_NAME_LEN ||
        (fn !== undefined && Buffer.byteLength(fn) > MAX_NAME_LEN)
      )
        tooLong(`name ${n} longer than ${MAX_NAME_LEN} bytes`);
      pallets.set(pallet, (pallets.get(pallet) ?? 0) + (fn === undefined ? 0 : 1));
    }
    if (pallets.size > MAX_PALLETS) tooLong(`more than ${MAX_PALLETS} pallets`);
    for (const [pallet, n] of pallets)
      if (n > MAX_EXTRINSICS) tooLong(`more than ${MAX_EXTRINSICS} extrinsics of ${pallet}`);
  }
  return {
    assets: assets ? assets.map((a, i) => argAssetId(a, `permissions.assets[${i}]`)) : null,
    extrinsics: names ?? null,
    portfolios: portfolios as KeyPermissions['portfolios'],
  };
}

/** Whether an extrinsic permission list allows `tag` (`pallet.extrinsic`): listed, or its pallet is. */
function permitsTag(extrinsics: readonly string[] | null, tag: string): boolean {
  if (extrinsics === null) return true;
  const dot = tag.indexOf('.');
  return extrinsics.includes(tag) || (dot > 0 && extrinsics.includes(tag.slice(0, dot)));
}

export class IdentityModule {
  private readonly accountDid;
  private readonly identities;
  private readonly claims;
  private readonly claimsByTarget;
  private readonly claimsByIssuer;
  private readonly cddByTarget;
  private readonly cddProviders;
  private readonly customTypes;
  private readonly customTypeByName;
  private readonly auths;
  private readonly authsByTarget;
  private readonly counters;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.accountDid = s.map<Address, Did>();
    this.identities = s.map<Did, IdentityRec>();
    this.claims = s.map<string, ClaimRec>();
    this.claimsByTarget = s.index<Did, string>();
    this.claimsByIssuer = s.index<Did, string>();
    this.cddByTarget = s.index<Did, string>();
    this.cddProviders = s.map<Did, { active: boolean; deactivatedAt: number | null }>();
    this.customTypes = s.map<number, string>();
    this.customTypeByName = s.map<string, number>();
    this.auths = s.map<number, AuthRec>();
    this.authsByTarget = s.index<string, number>();
    this.counters = s.counter<string>();
    this.registerCalls();
  }

  // ---------------------------------------------------------------- genesis helpers

  createIdentity(did: Did, primaryKey: Address): void {
    this.identities.set(did, { did, primaryKey, secondaryKeys: [], frozen: false });
    this.accountDid.set(primaryKey, did);
  }

  linkSecondaryKey(did: Did, address: Address, permissions: KeyPermissions = FULL_PERMISSIONS): void {
    const rec = this.identities.get(did);
    if (!rec) return;
    this.identities.set(did, { ...rec, secondaryKeys: [...rec.secondaryKeys, { address, permissions }] });
    this.accountDid.set(address, did);
  }

  addCddProvider(did: Did): void {
    this.cddProviders.set(did, { active: true, deactivatedAt: null });
  }

  // ---------------------------------------------------------------- reads

  didOf(address: Address): Did | null {
    return this.accountDid.get(address) ?? null;
  }

  exists(did: Did): boolean {
    return this.identities.has(did);
  }

  info(did: Did): IdentityInfo | null {
    const rec = this.identities.get(did);
    if (!rec) return null;
    return {
      did,
      primaryKey: rec.primaryKey,
      secondaryKeys: rec.secondaryKeys.map((k) => ({
        address: k.address,
        permissions: k.permissions,
        frozen: rec.frozen,
      })),
      secondaryKeysFrozen: rec.frozen,
    };
  }

  isCddProvider(did: Did): boolean {
    return this.cddProviders.get(did)?.active === true;
  }

  cddProviderList(): Did[] {
    return [...this.cddProviders.entries()].filter(([, p]) => p.active).map(([d]) => d);
  }

  /** Polymesh's CddClaimChecker (no parent/child identities in the embedded ledger). */
  hasValidCdd(did: Did): boolean {
    if (this.isCddProvider(did)) return true; // systematic CDD of provider-group members
    const now = this.chain.rt.now;
    for (const key of this.cddByTarget.members(did)) {
      const c = this.claims.get(key);
      if (!c || (c.expiry !== null && c.expiry <= now)) continue;
      const p = this.cddProviders.get(c.issuer);
      if (!p) continue;
      if (p.active || (p.deactivatedAt !== null && p.deactivatedAt > c.lastUpdatedAt)) return true;
    }
    return false;
  }

  /** The claim with that key if present (expired or not). */
  claimAt(target: Did, typeKey: string, scopeKey: string, issuer: Did): ClaimRec | undefined {
    return this.claims.get(claimKey(target, typeKey, scopeKey, issuer));
  }

  toIdentityClaim(c: ClaimRec): IdentityClaim {
    return {
      target: c.target,
      issuer: c.issuer,
      claim: c.claim,
      issuedAt: iso(c.issuedAt),
      lastUpdatedAt: iso(c.lastUpdatedAt),
      expiry: isoOrNull(c.expiry),
    };
  }

  listClaims(keys: Iterable<string>, filter: ClaimFilter = {}): IdentityClaim[] {
    const now = this.chain.rt.now;
    const out: IdentityClaim[] = [];
    for (const key of keys) {
      const c = this.claims.get(key);
      if (!c) continue;
      if (!filter.includeExpired && c.expiry !== null && c.expiry <= now) continue;
      if (filter.claimType && c.claim.type !== filter.claimType) continue;
      if (filter.issuer && c.issuer !== filter.issuer) continue;
      out.push(this.toIdentityClaim(c));
    }
    return out.sort((a, b) => (a.issuedAt < b.issuedAt ? -1 : a.issuedAt > b.issuedAt ? 1 : 0));
  }

  claimsOf(did: Did, filter?: ClaimFilter): IdentityClaim[] {
    return this.listClaims(this.claimsByTarget.members(did), filter);
  }

  claimsIssuedBy(did: Did, filter?: ClaimFilter): IdentityClaim[] {
    return this.listClaims(this.claimsByIssuer.members(did), filter);
  }

  customClaimTypeList(): { id: number; name: string }[] {
    return [...this.customTypes.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => a.id - b.id);
  }

  authorizationsFor(target: Address | Did): Authorization[] {
    const key = target.startsWith('0x') ? `Identity:${target}` : `Account:${target}`;
    const now = this.chain.rt.now;
    const out: Authorization[] = [];
    for (const id of this.authsByTarget.members(key)) {
      const a = this.auths.get(id);
      if (!a || (a.expiry !== null && a.expiry <= now)) continue;
      out.push({ id: a.id, from: a.from, target: a.target, data: a.data, expiry: isoOrNull(a.expiry) });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** A pending authorization by id (expired or not). */
  authorization(id: number): Authorization | undefined {
    const a = this.auths.get(id);
    return a && { id: a.id, from: a.from, target: a.target, data: a.data, expiry: isoOrNull(a.expiry) };
  }

  /**
   * Admission and the fee payer (pallets/runtime/common/src/fee_details.rs `get_valid_payer`):
   * accepting a JoinIdentity invitation (`join_identity_as_key`) is paid by the primary key of
   * the inviting identity, which needs valid CDD; an unlinked key accepting anything else has no
   * valid invitation (`InvalidAuthorization`). Every other call is paid by the signing key, which
   * must be the primary or an unfrozen secondary key of an identity with valid CDD.
   */
  payerFor(signer: Address, call: LedgerCall): { payer: Address; did: Did | null } {
    if (call?.name === 'identity.acceptAuthorization') {
      const authId = (call.args as { authId?: unknown } | undefined)?.authId;
      const a = typeof authId === 'number' ? this.auths.get(authId) : undefined;
      const now = this.chain.rt.now;
      // The signer's own invitation is sent as `join_identity_as_key`, whose payer check
      // (`is_auth_valid`: `now <= expiry`) refuses an expired one before dispatch, linked key or
      // not; without a fee there is no payer check and dispatch says Other("Authorization expired").
      const invitation =
        a !== undefined &&
        a.data.type === 'JoinIdentity' &&
        a.target.type === 'Account' &&
        a.target.value === signer;
      if (invitation && this.chain.rt.rules.fees && a.expiry !== null && now > a.expiry)
        fail('InvalidAuthorization', `invitation ${a.id} expired at ${new Date(a.expiry).toISOString()}`, M);
      if (invitation) {
        const inviter = this.identities.get(a.from);
        if (!inviter) fail('InvalidAuthorization', `the identity ${a.from} behind the invitation is gone`, M);
        if (this.chain.rt.rules.fees && !this.hasValidCdd(a.from))
          fail('CddRequired', `the inviting identity ${a.from} has no valid CDD claim`, M);
        return { payer: inviter.primaryKey, did: this.didOf(signer) };
      }
      if (!this.accountDid.has(signer))
        fail('InvalidAuthorization', `no valid invitation ${String(authId)} for account ${signer}`, M);
    }
    return { payer: signer, did: this.admit(signer) };
  }

  /**
   * The key check of a call before it runs (permissions pallet, pallets/identity/src/keys.rs
   * `check_account_call_permissions`): a primary key may call anything; a secondary key of an
   * identity whose keys are not frozen needs every extrinsic the call is sent as in its
   * permissions, else `UnauthorizedCaller`. Calls without the check (`ensure_signed`) and the
   * primary-key-only ones (checked by their handler) pass here.
   */
  checkCall(origin: Origin, call: LedgerCall): void {
    const rec = origin.did ? this.identities.get(origin.did) : undefined;
    if (rec?.primaryKey === origin.signer) return;
    const key = rec?.secondaryKeys.find((k) => k.address === origin.signer);
    // Full extrinsic permissions (the dev genesis keys'): nothing to look up.
    if (key && !rec?.frozen && key.permissions.extrinsics === null) return;
    const x = extrinsicOf(this.chain, call);
    if (x.check !== 'permissions') return;
    const denied = x.tags.find((t) => !key || rec?.frozen || !permitsTag(key.permissions.extrinsics, t));
    if (denied !== undefined)
      fail('UnauthorizedCaller', `key ${origin.signer} is not permitted to call ${denied}`, 'permissions');
  }

  /** The secondary key's permissions, or null for a primary key (everything). */
  private secondaryPermissions(signer: Address): KeyPermissions | null {
    const did = this.accountDid.get(signer);
    const rec = did ? this.identities.get(did) : undefined;
    if (!rec || rec.primaryKey === signer) return null;
    return rec.secondaryKeys.find((k) => k.address === signer)?.permissions ?? null;
  }

  /** `ensure_asset_perms`: a secondary key needs the asset in its asset permissions. */
  ensureAssetPermission(signer: Address, asset: AssetId): void {
    if (!this.chain.rt.rules.permissions) return;
    const p = this.secondaryPermissions(signer);
    ensure(
      !p || p.assets === null || p.assets.includes(asset),
      'SecondaryKeyNotAuthorizedForAsset',
      `key ${signer} is not permitted to act on asset ${asset}`,
      'externalAgents',
    );
  }

  /** `ensure_user_portfolio_permission`: a secondary key needs the portfolio in its permissions. */
  ensurePortfolioPermission(signer: Address, pf: Pf): void {
    if (!this.chain.rt.rules.permissions) return;
    const p = this.secondaryPermissions(signer);
    const allowed =
      !p ||
      p.portfolios === null ||
      p.portfolios.some((r) => r.did === pf.did && (r.number ?? 0) === pf.number);
    ensure(
      allowed,
      'SecondaryKeyNotAuthorizedForPortfolio',
      `key ${signer} is not permitted to act on portfolio ${pf.did}/${pf.number}`,
      'portfolio',
    );
  }

  /** Admission: the signer's DID, or throws MissingIdentity / CddRequired. */
  admit(signer: Address): Did {
    const did = this.accountDid.get(signer);
    if (!did) fail('MissingIdentity', `account ${signer} is not linked to an identity`, M);
    const rec = this.identities.get(did);
    if (rec && rec.frozen && rec.primaryKey !== signer) {
      fail('MissingIdentity', `secondary keys of ${did} are frozen`, M);
    }
    if (!this.hasValidCdd(did)) fail('CddRequired', `identity ${did} has no valid CDD claim`, M);
    return did;
  }

  // ---------------------------------------------------------------- writes used by other modules

  addAuthorization(from: Did, target: Signatory, data: AuthorizationData, expiry: number | null): number {
    const id = this.counters.next('auth');
    this.auths.set(id, { id, from, target, data, expiry });
    this.authsByTarget.add(signatoryKey(target), id);
    this.chain.rt.emit(M, 'AuthorizationAdded', {
      from,
      target,
      authId: id,
      data,
      expiry: isoOrNull(expiry),
    });
    return id;
  }

  private removeAuth(a: AuthRec): void {
    this.auths.delete(a.id);
    this.authsByTarget.remove(signatoryKey(a.target), a.id);
  }

  private putClaim(issuer: Did, target: Did, claim: Claim, expiry: number | null, mustExist: boolean): void {
    ensure(this.identities.has(target), 'DidMustAlreadyExist', `identity ${target} does not exist`, M);
    if (claim.type === 'CustomerDueDiligence') {
      ensure(this.isCddProvider(issuer), 'UnAuthorizedCddProvider', 'only CDD providers issue CDD claims', M);
    }
    if (claim.type === 'Custom') {
      ensure(
        this.customTypes.has(claim.customClaimTypeId),
        'CustomClaimTypeDoesNotExist',
        `custom claim type ${claim.customClaimTypeId} does not exist`,
        M,
      );
    }
    const typeKey = claimTypeKey(claim);
    const scopeKey = scopeKeyOf(claimScope(claim));
    const key = claimKey(target, typeKey, scopeKey, issuer);
    const prev = this.claims.get(key);
    ensure(!mustExist || prev, 'ClaimDoesNotExist', 'no such claim to edit', M);
    const now = this.chain.rt.now;
    const rec: ClaimRec = {
      key,
      target,
      issuer,
      claim,
      typeKey,
      scopeKey,
      issuedAt: prev?.issuedAt ?? now,
      lastUpdatedAt: now,
      expiry,
    };
    this.claims.set(key, rec);
    if (!prev) {
      this.claimsByTarget.add(target, key);
      this.claimsByIssuer.add(issuer, key);
      if (claim.type === 'CustomerDueDiligence') this.cddByTarget.add(target, key);
    }
    this.chain.rt.emit(M, 'ClaimAdded', { target, claim: this.toIdentityClaim(rec) });
  }

  private newDid(provider: Did, target: Address): Did {
    const n = this.counters.next('did');
    return blake2AsHex(`pm:identity:${this.chain.rt.genesisHash}:${provider}:${target}:${n}`, 256);
  }

  /**
   * `ensure_primary_key`: an unlinked key is refused by the permissions pallet
   * (`UnauthorizedCaller`), a secondary key by identity (`KeyNotAllowed`).
   */
  private primaryOnly(origin: Origin): IdentityRec {
    const did = this.accountDid.get(origin.signer);
    const rec = did ? this.identities.get(did) : undefined;
    if (!rec)
      fail('UnauthorizedCaller', `account ${origin.signer} is not linked to an identity`, 'permissions');
    ensure(rec.primaryKey === origin.signer, 'KeyNotAllowed', 'only the primary key may do this', M);
    return rec;
  }

  private registerCalls(): void {
    const rt = this.chain.rt;
    rt.register('identity.cddRegisterDid', {
      handler: (o, a) => {
        const provider = o.did as Did;
        ensure(this.isCddProvider(provider), 'UnAuthorizedCddProvider', 'signer is not a CDD provider', M);
        const target = this.chain.argAddress(a.targetAccount, 'targetAccount');
        const sks = argArray<unknown>(a.secondaryKeys ?? [], 'secondaryKeys').map((k, i) =>
          this.chain.argAddress(k, `secondaryKeys[${i}]`),
        );
        if (a.expiry !== undefined && !a.cddClaim) invalid('expiry', 'only with cddClaim');
        ensure(!this.accountDid.has(target), 'AlreadyLinked', `account ${target} is already linked`, M);
        for (const k of sks) {
          ensure(
            !this.accountDid.has(k) && k !== target,
            'AlreadyLinked',
            `account ${k} is already linked`,
            M,
          );
        }
        const did = this.newDid(provider, target);
        this.createIdentity(did, target);
        rt.emit(M, 'DidCreated', { did, primaryKey: target, secondaryKeys: [] });
        const authorizations = sks.map((k) =>
          this.addAuthorization(
            did,
            { type: 'Account', value: k },
            { type: 'JoinIdentity', permissions: FULL_PERMISSIONS },
            null,
          ),
        );
        if (a.cddClaim) {
          const claim = normaliseClaim({ type: 'CustomerDueDiligence', id: a.cddId });
          this.putClaim(provider, did, claim, optTime(a.expiry, 'expiry'), false);
        }
        return { did, authorizations };
      },
    });
    rt.register('identity.addClaim', {
      handler: (o, a) => {
        this.putClaim(
          o.did as Did,
          argDid(a.target, 'target'),
          normaliseClaim(a.claim),
          optTime(a.expiry, 'expiry'),
          false,
        );
      },
    });
    rt.register('identity.editClaim', {
      handler: (o, a) => {
        this.putClaim(
          o.did as Did,
          argDid(a.target, 'target'),
          normaliseClaim(a.claim),
          optTime(a.expiry, 'expiry'),
          true,
        );
      },
    });
    rt.register('identity.revokeClaim', {
      handler: (o, a) => {
        const target = argDid(a.target, 'target');
        const claim = normaliseClaim(a.claim);
        const key = claimKey(target, claimTypeKey(claim), scopeKeyOf(claimScope(claim)), o.did as Did);
        const rec = this.claims.get(key);
        ensure(rec, 'ClaimDoesNotExist', 'no such claim issued by the signer', M);
        this.claims.delete(key);
        this.claimsByTarget.remove(target, key);
        this.claimsByIssuer.remove(rec.issuer, key);
        this.cddByTarget.remove(target, key);
        rt.emit(M, 'ClaimRevoked', { target, claim: this.toIdentityClaim(rec) });
      },
    });
    rt.register('identity.registerCustomClaimType', {
      handler: (o, a) => {
        const name = argString(a.name, 'name', CUSTOM_TYPE_NAME_MAX_BYTES);
        ensure(name.length > 0, 'ValidationError', 'name must not be empty');
        ensure(
          !this.customTypeByName.has(name),
          'CustomClaimTypeAlreadyExists',
          `custom claim type ${name} exists`,
          M,
        );
        const id = this.counters.next('customClaimType');
        this.customTypes.set(id, name);
        this.customTypeByName.set(name, id);
        rt.emit(M, 'CustomClaimTypeAdded', { did: o.did, id, name });
        return { id };
      },
    });
    // `add_authorization(Account(target), JoinIdentity(perms), expiry)` by any key permitted for
    // it; the chain checks the target only on acceptance (`AlreadyLinked`).
    rt.register('identity.inviteAccount', {
      handler: (o, a) => {
        const target = this.chain.argAddress(a.targetAccount, 'targetAccount');
        const authId = this.addAuthorization(
          o.did as Did,
          { type: 'Account', value: target },
          { type: 'JoinIdentity', permissions: normalisePermissions(a.permissions) },
          optTime(a.expiry, 'expiry'),
        );
        return { authId };
      },
    });
    rt.register('identity.acceptAuthorization', {
      handler: (o, a) => {
        // The chain looks the authorization up by (signer or its DID, id): someone else's is as
        // absent as one that never was.
        const auth = this.auths.get(argInt(a.authId, 'authId', 1));
        const mine =
          auth !== undefined &&
          ((auth.target.type === 'Account' && auth.target.value === o.signer) ||
            (auth.target.type === 'Identity' && auth.target.value === o.did));
        ensure(mine, 'Other', AUTH_DOES_NOT_EXIST);
        ensure(auth.expiry === null || auth.expiry > rt.now, 'Other', AUTH_EXPIRED);
        this.removeAuth(auth);
        this.chain.acceptAuthorization(o, auth.from, auth.data);
        rt.emit(M, 'AuthorizationConsumed', { from: auth.from, target: auth.target, authId: auth.id });
      },
    });
    rt.register('identity.removeAuthorization', {
      handler: (o, a) => {
        const auth = this.auths.get(argInt(a.authId, 'authId', 1));
        ensure(auth, 'Other', AUTH_DOES_NOT_EXIST);
        const allowed =
          auth.from === o.did ||
          (auth.target.type === 'Account' && auth.target.value === o.signer) ||
          (auth.target.type === 'Identity' && auth.target.value === o.did);
        ensure(allowed, 'Unauthorized', 'only the issuer or the target may remove an authorization', M);
        this.removeAuth(auth);
        rt.emit(M, auth.from === o.did ? 'AuthorizationRevoked' : 'AuthorizationRejected', {
          target: auth.target,
          authId: auth.id,
        });
      },
    });
    rt.register('identity.removeSecondaryKeys', {
      handler: (o, a) => {
        const rec = this.primaryOnly(o);
        const accounts = argArray<unknown>(a.accounts, 'accounts').map((k, i) =>
          this.chain.argAddress(k, `accounts[${i}]`),
        );
        for (const k of accounts) {
          ensure(
            rec.secondaryKeys.some((s) => s.address === k),
            'NotASigner',
            `${k} is not a secondary key`,
            M,
          );
          this.accountDid.delete(k);
        }
        this.identities.set(rec.did, {
          ...rec,
          secondaryKeys: rec.secondaryKeys.filter((s) => !accounts.includes(s.address)),
        });
        rt.emit(M, 'SecondaryKeysRemoved', { did: rec.did, keys: accounts });
      },
    });
    rt.register('identity.setSecondaryKeyPermissions', {
      handler: (o, a) => {
        const rec = this.primaryOnly(o);
        const account = this.chain.argAddress(a.account, 'account');
        ensure(
          rec.secondaryKeys.some((s) => s.address === account),
          'NotASigner',
          `${account} is not a secondary key`,
          M,
        );
        const permissions = normalisePermissions(a.permissions);
        this.identities.set(rec.did, {
          ...rec,
          secondaryKeys: rec.secondaryKeys.map((s) =>
            s.address === account ? { address: account, permissions } : s,
          ),
        });
        rt.emit(M, 'SecondaryKeyPermissionsUpdated', { did: rec.did, key: account, permissions });
      },
    });
    // `set_frozen_secondary_key_flags` sets or clears IsDidFrozen whatever it was: freezing
    // frozen keys is no error on chain (AlreadyFrozen/NotFrozen are the asset pallet's).
    rt.register('identity.freezeSecondaryKeys', {
      handler: (o) => {
        const rec = this.primaryOnly(o);
        this.identities.set(rec.did, { ...rec, frozen: true });
        rt.emit(M, 'SecondaryKeysFrozen', { did: rec.did });
      },
    });
    rt.register('identity.unfreezeSecondaryKeys', {
      handler: (o) => {
        const rec = this.primaryOnly(o);
        this.identities.set(rec.did, { ...rec, frozen: false });
        rt.emit(M, 'SecondaryKeysUnfrozen', { did: rec.did });
      },
    });
    rt.register('identity.leaveIdentityAsKey', {
      handler: (o) => {
        const rec = this.identities.get(o.did ?? '');
        ensure(rec && rec.primaryKey !== o.signer, 'NotASigner', 'only a secondary key can leave', M);
        this.accountDid.delete(o.signer);
        this.identities.set(rec.did, {
          ...rec,
          secondaryKeys: rec.secondaryKeys.filter((s) => s.address !== o.signer),
        });
        rt.emit(M, 'SecondaryKeyLeftIdentity', { did: rec.did, key: o.signer });
      },
    });
  }

  /**
   * JoinIdentity acceptance (called by the authorization dispatcher), in `join_identity`'s order
   * (pallets/identity/src/keys.rs): the inviting identity exists, the key is unlinked, the
   * inviting identity has a valid CDD claim. With fees on, the last is first checked before
   * dispatch (`payerFor`: the inviter's primary key pays, `CddRequired`); `TargetHasNoCdd` is what
   * dispatch says when no fee was due.
   */
  acceptJoin(signer: Address, from: Did, permissions: KeyPermissions): void {
    ensure(this.identities.has(from), 'DidDoesNotExist', `identity ${from} does not exist`, M);
    ensure(!this.accountDid.has(signer), 'AlreadyLinked', `account ${signer} is already linked`, M);
    ensure(
      this.hasValidCdd(from),
      'TargetHasNoCdd',
      `the inviting identity ${from} has no valid CDD claim`,
      M,
    );
    this.linkSecondaryKey(from, signer, permissions);
    this.chain.rt.emit(M, 'SecondaryKeysAdded', { did: from, keys: [{ key: signer, permissions }] });
  }
}

export type { ClaimType };
