/**
 * What Polymesh 7.0 refuses by size, count or shape, in one place. The embedded ledger enforces
 * these; the SDK adapter's mappers, the server's schemas and services and the portal's forms
 * check them first, so nothing the chain would refuse is ever recorded as an operation.
 * Pure and dependency-free (the portal imports it as `@stoa/chain/limits`).
 *
 * Sources: /work/shared/POLYMESH-FACTS.md (wins where they differ), POLYMESH.md, and the
 * embedded ledger's own bounds where neither states one. Text limits count UTF-8 bytes, as the
 * chain stores `Vec<u8>`: "é" is 2 bytes, "📈" is 4.
 */
import { ONE_UNIT } from './units.js';

/** Fungible amounts: 6 decimal places; total supply at most 1e12 tokens (`MAX_SUPPLY`). */
export const DECIMALS = 6;
export const MAX_SUPPLY_UNITS = 1_000_000_000_000n * ONE_UNIT;

/** Asset creation and renames: `MaxLengthOfAssetNameExceeded`, `FundingRoundNameMaxLengthExceeded`. */
export const ASSET_NAME_MAX_BYTES = 128;
export const FUNDING_ROUND_MAX_BYTES = 128;

/** Tickers: 1–12 of A–Z 0–9 `_-./` (`TickerTooLong`, `InvalidTickerCharacter`). */
export const TICKER_MAX_LENGTH = 12;
export const TICKER_PATTERN = '^[A-Z0-9_./-]{1,12}$';

/**
 * Currency codes registered at genesis to the fiat-ticker reservation, never expiring:
 * registering one is `TickerAlreadyRegistered` (facts §4: 170 codes, HYD but no HKD).
 */
export const RESERVED_TICKERS: readonly string[] = (
  'AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BOV,BRL,BSD,BTN,BWP,' +
  'BYN,BZD,CAD,CDF,CHE,CHF,CHW,CLF,CLP,CNY,COP,COU,CRC,CUC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,' +
  'EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GYD,HYD,HNL,HRK,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,' +
  'JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LYD,MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,' +
  'MUR,MVR,MWK,MXN,MXV,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,POLY,POLYX,PYG,' +
  'QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLL,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TND,' +
  'TOP,TRY,TTD,TWD,TZS,UAH,UGX,USD,USN,UYI,UYU,UZS,VEF,VND,VUV,WST,XAF,XCD,XDR,XOF,XPF,XSU,XUA,YER,' +
  'ZAR,ZMW,ZWL'
).split(',');

/** The base pallet's `MaxLen` for bounded strings (`TooLong`): documents' name, URI and type. */
export const BASE_MAX_LEN = 2048;
export const DOCUMENT_NAME_MAX_BYTES = BASE_MAX_LEN;
export const DOCUMENT_URI_MAX_BYTES = BASE_MAX_LEN;
export const DOCUMENT_TYPE_MAX_BYTES = BASE_MAX_LEN;
/** Content hashes: H128 to H512. */
export const CONTENT_HASH_BYTES = [16, 20, 24, 28, 32, 48, 64] as const;

/** Asset metadata: names ≤256 B, values ≤8192 B (POLYMESH.md §3). */
export const METADATA_NAME_MAX_BYTES = 256;
export const METADATA_VALUE_MAX_BYTES = 8192;
export const METADATA_URL_MAX_BYTES = 2048;
export const METADATA_DESCRIPTION_MAX_BYTES = 8192;
export const METADATA_TYPE_DEF_MAX_BYTES = 8192;

/** Names of custom asset types and custom claim types. */
export const CUSTOM_TYPE_NAME_MAX_BYTES = 256;
/** Claim scope `Custom(bytes)`: `CustomScopeTooLong`. */
export const CUSTOM_SCOPE_MAX_BYTES = 32;
export const PORTFOLIO_NAME_MAX_BYTES = 500;
/** An extrinsic permission (`pallet` or `pallet.call`) of a custom agent group. */
export const PERMISSION_NAME_MAX_BYTES = 128;

/** Settlement (POLYMESH.md §7): legs, mediators, venue signers, memo `[u8; 32]`. */
export const MAX_FUNGIBLE_LEGS = 10;
export const MAX_OFFCHAIN_LEGS = 10;
export const MAX_NFTS_PER_INSTRUCTION = 100;
export const MAX_INSTRUCTION_MEDIATORS = 4;
export const MAX_ASSET_MEDIATORS = 4;
export const MAX_VENUE_SIGNERS = 50;
export const MAX_RECEIPTS = MAX_OFFCHAIN_LEGS;
export const MEMO_MAX_BYTES = 32;
export const RECEIPT_METADATA_MAX_BYTES = 32;
export const VENUE_DETAILS_MAX_BYTES = BASE_MAX_LEN;

/** Offerings (sto): 1–10 tiers with totals > 0; the fundraiser's name. */
export const MAX_TIERS = 10;
export const FUNDRAISER_NAME_MAX_BYTES = BASE_MAX_LEN;

/** `system.remark`: bounded only by the block; the embedded ledger takes up to 1 MiB. */
export const REMARK_MAX_BYTES = 1024 * 1024;

/** Compliance and statistics (POLYMESH.md §5–6, facts §9). */
export const MAX_CONDITION_COMPLEXITY = 50;
export const MAX_STATS_PER_ASSET = 10;
export const MAX_TRANSFER_CONDITIONS = 4;
/** Checkpoint schedules: pending points per asset (dev `SchedulesMaxComplexity`, facts §8). */
export const SCHEDULES_MAX_COMPLEXITY = 52;

/**
 * Corporate actions: targets and withholding overrides ≤1000; details ≤1024 B (dev genesis
 * `max_details_length`, `DetailsTooLong`); ballot titles, motions, links and choices are checked
 * by the base pallet (`TooLong`).
 */
export const MAX_CA_TARGETS = 1000;
export const MAX_CA_DID_TAXES = 1000;
export const CA_DETAILS_MAX_BYTES = 1024;
export const BALLOT_TEXT_MAX_BYTES = BASE_MAX_LEN;

const utf8 = new TextEncoder();

/** UTF-8 length: what the chain compares with its byte limits. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/**
 * Why `text` would be refused as a field limited to `maxBytes`, in words, or null. Characters
 * are what people count, so the message gives both when they differ.
 */
export function textTooLong(text: string, maxBytes: number): string | null {
  const bytes = byteLength(text);
  if (bytes <= maxBytes) return null;
  return bytes === text.length
    ? `is ${bytes} characters long; the chain allows at most ${maxBytes}`
    : `takes ${bytes} bytes (non-ASCII characters take 2–4 each); the chain allows at most ${maxBytes}`;
}

/** Granularity: an indivisible asset moves in whole tokens only (`InvalidGranularity`). */
export function isGranular(units: bigint, divisible: boolean): boolean {
  return divisible || units % ONE_UNIT === 0n;
}

export function isReservedTicker(ticker: string): boolean {
  return RESERVED_TICKERS.includes(ticker);
}
