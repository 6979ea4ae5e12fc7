/** Portfolio pallet: Default/User portfolios, balances with locks, custody, fund moves. */
import type { AssetId, Did } from '../../ledger.js';
import type { PortfolioBalance, PortfolioInfo, PortfolioRef } from '../../types.js';
import type { Chain } from '../chain.js';
import { fromUnits, toUnits } from '../amounts.js';
import { MEMO_MAX_BYTES, PORTFOLIO_NAME_MAX_BYTES } from '../../limits.js';
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

const M = 'portfolio';

/** Canonical portfolio id: Default = number 0. */
export interface Pf {
  did: Did;
  number: number;
}

export function argPortfolio(v: unknown, field: string): Pf {
  if (typeof v !== 'object' || v === null) invalid(field, 'must be a portfolio { did, number? }');
  const o = v as Record<string, unknown>;
  return {
    did: argDid(o['did'], `${field}.did`),
    number: o['number'] === undefined ? 0 : argInt(o['number'], `${field}.number`),
  };
}

export function pfKey(p: Pf): string {
  return `${p.did}|${p.number}`;
}

export function pfRef(p: Pf): PortfolioRef {
  return p.number === 0 ? { did: p.did } : { did: p.did, number: p.number };
}

export class PortfolioModule {
  private readonly names;
  private readonly nameIndex;
  private readonly next;
  private readonly balances;
  private readonly locked;
  private readonly assetsOf;
  private readonly custodians;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.names = s.map<string, string>();
    this.nameIndex = s.map<string, number>();
    this.next = s.counter<Did>();
    this.balances = s.map<string, bigint>();
    this.locked = s.map<string, bigint>();
    this.assetsOf = s.index<string, AssetId>();
    this.custodians = s.map<string, Did>();
    this.registerCalls();
  }

  exists(p: Pf): boolean {
    return p.number === 0 || this.names.has(pfKey(p));
  }

  total(p: Pf, asset: AssetId): bigint {
    return this.balances.get(`${pfKey(p)}|${asset}`) ?? 0n;
  }

  lockedOf(p: Pf, asset: AssetId): bigint {
    return this.locked.get(`${pfKey(p)}|${asset}`) ?? 0n;
  }

  free(p: Pf, asset: AssetId): bigint {
    return this.total(p, asset) - this.lockedOf(p, asset);
  }

  custodian(p: Pf): Did {
    return this.custodians.get(pfKey(p)) ?? p.did;
  }

  /**
   * `ensure_portfolio_custody_and_permission`: `did` holds custody; when `did` is the signer's, a
   * secondary key also needs the portfolio in its permissions.
   */
  ensureCustodian(did: Did, p: Pf): void {
    ensure(
      this.custodian(p) === did,
      'UnauthorizedCustodian',
      `not the custodian of portfolio ${pfKey(p)}`,
      M,
    );
    const origin = this.chain.rt.origin;
    if (origin && origin.did === did) this.chain.identity.ensurePortfolioPermission(origin.signer, p);
  }

  ensureExists(p: Pf): void {
    ensure(this.exists(p), 'PortfolioDoesNotExist', `portfolio ${pfKey(p)} does not exist`, M);
  }

  credit(p: Pf, asset: AssetId, amount: bigint): void {
    const k = `${pfKey(p)}|${asset}`;
    this.balances.set(k, (this.balances.get(k) ?? 0n) + amount);
    this.assetsOf.add(pfKey(p), asset);
  }

  /** Debits free balance (`InsufficientPortfolioBalance`). */
  debit(p: Pf, asset: AssetId, amount: bigint): void {
    ensure(
      this.free(p, asset) >= amount,
      'InsufficientPortfolioBalance',
      'portfolio free balance too low',
      M,
    );
    const k = `${pfKey(p)}|${asset}`;
    const left = (this.balances.get(k) ?? 0n) - amount;
    if (left === 0n) this.balances.delete(k);
    else this.balances.set(k, left);
  }

  /** Locks free balance (settlement affirmations, offerings, distributions). */
  lock(p: Pf, asset: AssetId, amount: bigint): void {
    ensure(
      this.free(p, asset) >= amount,
      'InsufficientPortfolioBalance',
      'portfolio free balance too low',
      M,
    );
    const k = `${pfKey(p)}|${asset}`;
    this.locked.set(k, (this.locked.get(k) ?? 0n) + amount);
  }

  unlock(p: Pf, asset: AssetId, amount: bigint): void {
    const k = `${pfKey(p)}|${asset}`;
    const left = (this.locked.get(k) ?? 0n) - amount;
    ensure(left >= 0n, 'InsufficientPortfolioBalance', 'unlocking more than locked', M);
    if (left === 0n) this.locked.delete(k);
    else this.locked.set(k, left);
  }

  list(did: Did): PortfolioInfo[] {
    const out: PortfolioInfo[] = [
      { did, number: 0, name: 'default', custodian: this.custodian({ did, number: 0 }) },
    ];
    const last = this.next.peek(did) - 1;
    for (let n = 1; n <= last; n++) {
      const name = this.names.get(`${did}|${n}`);
      if (name !== undefined)
        out.push({ did, number: n, name, custodian: this.custodian({ did, number: n }) });
    }
    return out;
  }

  balancesOf(p: Pf, asset?: AssetId): PortfolioBalance[] {
    const assets = asset ? [asset] : [...this.assetsOf.members(pfKey(p))].sort();
    const out: PortfolioBalance[] = [];
    for (const a of assets) {
      const total = this.total(p, a);
      const locked = this.lockedOf(p, a);
      if (total === 0n && locked === 0n && !asset) continue;
      out.push({
        assetId: a,
        total: fromUnits(total),
        locked: fromUnits(locked),
        free: fromUnits(total - locked),
      });
    }
    return out;
  }

  /** PortfolioCustody acceptance. */
  acceptCustody(newCustodian: Did, from: Did, p: Pf): void {
    ensure(this.exists(p), 'PortfolioDoesNotExist', `portfolio ${pfKey(p)} does not exist`, M);
    ensure(
      this.custodian(p) === from,
      'UnauthorizedCustodian',
      'authorization no longer from the custodian',
      M,
    );
    if (newCustodian === p.did) this.custodians.delete(pfKey(p));
    else this.custodians.set(pfKey(p), newCustodian);
    this.chain.rt.emit(M, 'PortfolioCustodianChanged', {
      did: newCustodian,
      portfolio: pfRef(p),
      custodian: newCustodian,
    });
  }

  /** `ensure_user_portfolio_validity`: number 0 names no user portfolio (`PortfolioDoesNotExist`). */
  private ownUserPortfolio(o: Origin, n: unknown): Pf {
    const p = { did: o.did as Did, number: argInt(n, 'number') };
    ensure(p.number > 0, 'PortfolioDoesNotExist', 'the Default portfolio is not a user portfolio', M);
    this.ensureExists(p);
    return p;
  }

  private registerCalls(): void {
    const rt = this.chain.rt;
    const checkName = (did: Did, v: unknown): string => {
      const name = argString(v, 'name', PORTFOLIO_NAME_MAX_BYTES);
      ensure(name.length > 0, 'ValidationError', 'name must not be empty');
      ensure(
        !this.nameIndex.has(`${did}|${name}`) && name !== 'default',
        'PortfolioNameAlreadyInUse',
        `portfolio name ${name} in use`,
        M,
      );
      return name;
    };
    rt.register('portfolio.createPortfolio', {
      handler: (o, a) => {
        const did = o.did as Did;
        const name = checkName(did, a.name);
        const number = this.next.next(did);
        this.names.set(`${did}|${number}`, name);
        this.nameIndex.set(`${did}|${name}`, number);
        rt.emit(M, 'PortfolioCreated', { did, number, name });
        return { number };
      },
    });
    rt.register('portfolio.deletePortfolio', {
      handler: (o, a) => {
        const p = this.ownUserPortfolio(o, a.number);
        const hasFunds = [...this.assetsOf.members(pfKey(p))].some(
          (x) => this.total(p, x) > 0n || this.lockedOf(p, x) > 0n,
        );
        ensure(!hasFunds, 'PortfolioNotEmpty', 'portfolio still holds assets', M);
        const name = this.names.get(pfKey(p)) as string;
        this.names.delete(pfKey(p));
        this.nameIndex.delete(`${p.did}|${name}`);
        this.custodians.delete(pfKey(p));
        rt.emit(M, 'PortfolioDeleted', { did: p.did, number: p.number });
      },
    });
    rt.register('portfolio.renamePortfolio', {
      handler: (o, a) => {
        const p = this.ownUserPortfolio(o, a.number);
        const name = checkName(p.did, a.name);
        this.nameIndex.delete(`${p.did}|${this.names.get(pfKey(p)) as string}`);
        this.names.set(pfKey(p), name);
        this.nameIndex.set(`${p.did}|${name}`, p.number);
        rt.emit(M, 'PortfolioRenamed', { did: p.did, number: p.number, name });
      },
    });
    rt.register('portfolio.movePortfolioFunds', {
      handler: (o, a) => {
        const from = argPortfolio(a.from, 'from');
        const to = argPortfolio(a.to, 'to');
        ensure(
          from.did === to.did,
          'DifferentIdentityPortfolios',
          'portfolios belong to different identities',
          M,
        );
        ensure(
          from.number !== to.number,
          'DestinationIsSamePortfolio',
          'from and to are the same portfolio',
          M,
        );
        this.ensureExists(from);
        this.ensureExists(to);
        this.ensureCustodian(o.did as Did, from);
        const seen = new Set<string>();
        for (const [i, item] of argArray<Record<string, unknown>>(a.items, 'items').entries()) {
          const asset = argAssetId(item['assetId'], `items[${i}].assetId`);
          const amount = toUnits(item['amount'], `items[${i}].amount`);
          ensure(amount > 0n, 'EmptyTransfer', 'amount must be positive', M);
          ensure(!seen.has(asset), 'NoDuplicateAssetsAllowed', 'an asset appears twice', M);
          seen.add(asset);
          this.chain.asset.ensureGranular(asset, amount);
          this.debit(from, asset, amount);
          this.credit(to, asset, amount);
          const memo =
            item['memo'] === undefined ? null : argString(item['memo'], `items[${i}].memo`, MEMO_MAX_BYTES);
          rt.emit(M, 'FundsMovedBetweenPortfolios', {
            did: o.did,
            from: pfRef(from),
            to: pfRef(to),
            assetId: asset,
            amount: fromUnits(amount),
            memo,
          });
        }
      },
    });
    rt.register('portfolio.setCustodian', {
      handler: (o, a) => {
        const p = argPortfolio(a.portfolio, 'portfolio');
        this.ensureExists(p);
        this.ensureCustodian(o.did as Did, p);
        const target = argDid(a.target, 'target');
        ensure(this.chain.identity.exists(target), 'DidDoesNotExist', `identity ${target} does not exist`, M);
        const authId = this.chain.identity.addAuthorization(
          o.did as Did,
          { type: 'Identity', value: target },
          { type: 'PortfolioCustody', portfolio: pfRef(p) },
          optTime(a.expiry, 'expiry'),
        );
        return { authId };
      },
    });
    rt.register('portfolio.quitPortfolioCustody', {
      handler: (o, a) => {
        const p = argPortfolio(a.portfolio, 'portfolio');
        this.ensureExists(p);
        ensure(
          this.custodians.get(pfKey(p)) === o.did,
          'UnauthorizedCustodian',
          'signer is not a third-party custodian',
          M,
        );
        this.custodians.delete(pfKey(p));
        rt.emit(M, 'PortfolioCustodianChanged', { did: o.did, portfolio: pfRef(p), custodian: p.did });
      },
    });
  }
}
