import { BigNumber } from './bignumber.js';
import { LedgerError } from '../../errors.js';
import type { AssetId, Decimal, Did, Timestamp } from '../../ledger.js';
import type { PortfolioRef } from '../../types.js';
import { TICKER_MAX_LENGTH } from '../../limits.js';
import { toUnits } from './json.js';

/** Port `Decimal` → SDK BigNumber, refused exactly as `toUnits` refuses (see json.ts). */
export function toBigNumber(amount: Decimal, field = 'amount'): BigNumber {
  return new BigNumber(toUnits(amount, field)).shiftedBy(-6);
}

export function fromBigNumber(n: BigNumber): Decimal {
  return n.toFixed();
}

export function toDate(t: Timestamp): Date {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) throw new LedgerError('ValidationError', `Invalid timestamp "${t}"`);
  return d;
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

/** Percentage 0–100 (decimal string, ≤4 decimal places) → Permill parts, as the embedded ledger parses it. */
export function percentToPermill(percentage: Decimal, field = 'percentage'): number {
  const units = BigInt(toUnits(percentage, field));
  if (units > 100_000_000n || units % 100n !== 0n) {
    throw new LedgerError(
      'ValidationError',
      `${field} must be 0–100 with at most 4 decimal places`,
      undefined,
      {
        field,
      },
    );
  }
  return Number(units / 100n);
}

/** SDK-style country code (`Us`) → the chain's enum variant (`US`). */
export function toChainCountry(code: string): string {
  return code.toUpperCase();
}

/** Chain country variant (`US`) → SDK style (`Us`). */
export function fromChainCountry(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1).toLowerCase();
}

/**
 * Ticker → the chain's `Ticker([u8; 12])`: its bytes, zero-padded (polkadot.js refuses a
 * shorter input). Longer than 12 bytes is the chain's `TickerTooLong`.
 */
export function toChainTicker(ticker: string): string {
  const bytes = new TextEncoder().encode(ticker);
  if (bytes.length === 0 || bytes.length > TICKER_MAX_LENGTH) {
    throw new LedgerError(
      'TickerTooLong',
      `Ticker "${ticker}" must be 1 to ${TICKER_MAX_LENGTH} bytes`,
      'asset',
    );
  }
  const padded = new Uint8Array(TICKER_MAX_LENGTH);
  padded.set(bytes);
  return `0x${Buffer.from(padded).toString('hex')}`;
}

/** Timestamp → the chain's `Moment` (ms since the epoch). */
export function toMoment(t: Timestamp): number {
  return toDate(t).getTime();
}

/** Optional timestamp → `Option<Moment>`. */
export function toOptionalMoment(t: Timestamp | undefined | null): number | null {
  return t === undefined || t === null ? null : toMoment(t);
}
