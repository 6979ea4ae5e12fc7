import { polkadotCrypto, polkadotUtil } from '../polkadot.js';
import { BigNumber } from './bignumber.js';
import type { Decimal } from '../../ledger.js';
import { LedgerError } from '../../errors.js';

const { isBn, isUtf8, u8aToHex, u8aToString } = polkadotUtil;
const { encodeAddress } = polkadotCrypto;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Polymesh balances are u128 integers of 10^-6 units. */
export const UNIT = 1_000_000;

/** Raw u128 units (decimal integer string, BN, BigNumber) → port `Decimal`. */
export function fromUnits(raw: string | number | bigint | { toString(radix?: number): string }): Decimal {
  return new BigNumber(raw.toString(10)).shiftedBy(-6).toFixed();
}

/** Polymesh `Balance` is a u128 of units: nothing above this can be sent. */
export const MAX_BALANCE_UNITS = (1n << 128n) - 1n;

/** The embedded ledger's decimal grammar (embedded/amounts.ts): digits, at most 6 decimals, no sign or exponent. */
const DECIMAL = /^(\d{1,40})(?:\.(\d{1,6}))?$/;

/**
 * Port `Decimal` → raw u128 units as a decimal integer string, parsed as strictly as the
 * embedded ledger parses amounts: "NaN", negatives, exponents and more than 6 decimal places
 * are refused (never floored), and so is anything above the chain's `Balance` (u128).
 */
export function toUnits(amount: Decimal, field = 'amount'): string {
  const m = typeof amount === 'string' ? DECIMAL.exec(amount) : null;
  if (!m) {
    throw new LedgerError(
      'ValidationError',
      `${field} "${String(amount)}" is not a decimal with ≤6 places`,
      undefined,
      {
        field,
      },
    );
  }
  const units = BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
  if (units > MAX_BALANCE_UNITS) {
    throw new LedgerError(
      'ValidationError',
      `${field} "${amount}" is above the chain's largest balance`,
      undefined,
      {
        field,
      },
    );
  }
  return units.toString();
}

export interface JsonOptions {
  /** How to render u128 integers: Polymesh uses u128 for balances, so `units` (default) converts them to `Decimal`. */
  u128?: 'units' | 'raw';
  /** SS58 format for account ids (default 42). */
  ss58?: number;
}

/** Structural view of a polkadot `Codec`: enough to walk it without importing the codec classes. */
interface CodecLike {
  toRawType(): string;
  toJSON(): unknown;
  isEmpty: boolean;
}

function isCodec(v: object): v is CodecLike {
  return (
    typeof (v as Partial<CodecLike>).toRawType === 'function' &&
    typeof (v as Partial<CodecLike>).toJSON === 'function'
  );
}

interface EnumLike extends CodecLike {
  isBasic: boolean;
  type: string;
  value: unknown;
  index: number;
}

function isEnum(v: CodecLike): v is EnumLike {
  return 'isBasic' in v && 'index' in v && 'type' in v && typeof (v as EnumLike).type === 'string';
}

function formatUuid(hex: string): string {
  const h = hex.replace(/^0x/, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function renderBytes(raw: string, bytes: Uint8Array, ss58: number): Json {
  if (raw === 'AccountId' || raw === 'AccountId32') return encodeAddress(bytes, ss58);
  // Polymesh 7 AssetId is [u8;16] (a UUIDv8); Ticker is [u8;12], zero-padded ASCII.
  if (raw === '[u8;16]') return formatUuid(u8aToHex(bytes));
  if (raw === '[u8;12]') return u8aToString(bytes).replace(/\0+$/, '');
  // Variable-length byte strings in Polymesh events are names, URIs, memos: show text when it is text.
  if (raw === 'Bytes' && bytes.length > 0 && isUtf8(bytes)) return u8aToString(bytes);
  return u8aToHex(bytes);
}

/**
 * The one sanitiser: turns polkadot codecs, BN, BigNumber, Date and plain values into JSON.
 * Integers become decimal strings (never JS numbers that may lose precision), except small
 * native u8/u16/u32 values, which stay numbers. u128 become `Decimal` token amounts by default.
 */
export function toJson(value: unknown, opts: JsonOptions = {}): Json {
  const ss58 = opts.ss58 ?? 42;
  const walk = (v: unknown): Json => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'bigint') return v.toString(10);
    if (typeof v !== 'object') return null;
    if (BigNumber.isBigNumber(v)) return v.toFixed();
    if (v instanceof Date) return v.toISOString();
    if (isCodec(v)) {
      const raw = v.toRawType();
      if (isBn(v)) {
        if (raw === 'u128' || raw === 'i128')
          return opts.u128 === 'raw' ? v.toString(10) : fromUnits(v.toString(10));
        if (raw === 'u8' || raw === 'u16' || raw === 'u32' || raw === 'i8' || raw === 'i16' || raw === 'i32')
          return v.toNumber();
        return v.toString(10);
      }
      if (raw === 'Null') return null;
      if (raw.startsWith('Compact<')) return walk((v as unknown as { unwrap(): unknown }).unwrap());
      if (raw.startsWith('Option<')) {
        const o = v as unknown as { isNone: boolean; unwrap(): unknown };
        return o.isNone ? null : walk(o.unwrap());
      }
      if (isEnum(v)) {
        if (v.isBasic) return v.type;
        const inner = v.value as CodecLike | undefined;
        if (!inner || (isCodec(inner) && inner.toRawType() === 'Null')) return v.type;
        return { [v.type]: walk(inner) };
      }
      if (v instanceof String) return v.toString();
      if (v instanceof Boolean) return v.valueOf();
      if (v instanceof Uint8Array) return renderBytes(raw, v, ss58);
    }
    if (isBn(v)) return v.toString(10);
    if (v instanceof Uint8Array) return u8aToHex(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) {
      const out: Record<string, Json> = {};
      for (const [k, val] of v) {
        const key = walk(k);
        out[typeof key === 'string' ? key : JSON.stringify(key)] = walk(val);
      }
      return out;
    }
    if (v instanceof Set) return [...v].map(walk);
    if (isCodec(v)) return walk(v.toJSON());
    const out: Record<string, Json> = {};
    for (const [k, val] of Object.entries(v)) out[k] = walk(val);
    return out;
  };
  return walk(value);
}
