import { BigNumber } from './bignumber.js';
import { LedgerError } from '../../errors.js';
import type { AssetId, Decimal, Did, Timestamp } from '../../ledger.js';
import type { PortfolioRef } from '../../types.js';

/** Port `Decimal` → SDK BigNumber; rejects what Polymesh cannot represent (> 6 dp, negative, not a number). */
export function toBigNumber(amount: Decimal): BigNumber {
  const n = new BigNumber(amount);
  if (!n.isFinite() || n.isNegative() || (n.decimalPlaces() ?? 0) > 6) {
    throw new LedgerError(
      'ValidationError',
      `Invalid amount "${amount}": a non-negative decimal with at most 6 places`,
    );
  }
  return n;
}

export function fromBigNumber(n: BigNumber): Decimal {
  return n.toFixed();
}

export function toDate(t: Timestamp): Date {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) throw new LedgerError('ValidationError', `Invalid timestamp "${t}"`);
  return d;
}

export function optionalDate(t: Timestamp | undefined): Date | undefined {
  return t === undefined ? undefined : toDate(t);
}

export function fromDate(d: Date | null | undefined): Timestamp | null {
  return d ? d.toISOString() : null;
}

/** UUID asset id → the chain's 16-byte hex. */
export function assetIdToHex(assetId: AssetId): string {
  const hex = assetId.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new LedgerError('ValidationError', `Invalid asset id "${assetId}"`);
  return `0x${hex}`;
}

/** Chain portfolio kind as polkadot.js accepts it. */
export function portfolioKind(number: number | undefined): 'Default' | { User: number } {
  return number ? { User: number } : 'Default';
}

export function toChainPortfolioId(p: PortfolioRef): { did: Did; kind: 'Default' | { User: number } } {
  return { did: p.did, kind: portfolioKind(p.number) };
}

/** Percentage 0–100 (decimal string) → Permill parts. */
export function percentToPermill(percentage: Decimal): number {
  const n = new BigNumber(percentage);
  if (!n.isFinite() || n.isNegative() || n.gt(100)) {
    throw new LedgerError('ValidationError', `Invalid percentage "${percentage}": 0 to 100`);
  }
  return n.shiftedBy(4).integerValue(BigNumber.ROUND_FLOOR).toNumber();
}

/** SDK-style country code (`Us`) → the chain's enum variant (`US`). */
export function toChainCountry(code: string): string {
  return code.toUpperCase();
}

/** Chain country variant (`US`) → SDK style (`Us`). */
export function fromChainCountry(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1).toLowerCase();
}
