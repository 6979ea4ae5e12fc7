/**
 * Transaction fees as Polymesh 7.0 charges them, and the extrinsic each port call stands for.
 *
 * Fee model (pallets/transaction-payment/src/lib.rs `compute_fee_raw`, constants from
 * pallets/runtime/common/src/lib.rs at tag v7.0.0):
 *   fee = weightToFee(ExtrinsicBaseWeight) + TransactionByteFee × length + weightToFee(weight)
 * with ExtrinsicBaseWeight 650 µs, TransactionByteFee 100 (10 MILLICENTS), WeightToFee the
 * degree-1 polynomial `Perbill::from_rational(PolyXBaseFee = 30_000, 650_000_000)` (46_153 ppb,
 * so the base fee is 29_999 units ≈ 0.03 POLYX), the multiplier fixed at 1 and the weight capped
 * at the maximum block weight (2 s). The fee at the call's declared weight is withdrawn before
 * dispatch (a payer that cannot pay is refused: `InvalidTransaction::Payment`, the port's
 * `InsufficientPolyx`); after dispatch the
 * fee at the weight actually used (`min(actual, declared)`) is kept and the rest refunded. A
 * failed dispatch pays too (at its declared weight unless the pallet reports less).
 *
 * Weights are the 7.0.0 benchmark outputs (pallets/weights/src/pallet_*.rs, 2024-08-21) with the
 * runtime's RocksDbWeight (read 50 µs, write 200 µs), fed with the parameters each extrinsic's
 * `#[weight]` attribute passes (pallets/<pallet>/src/lib.rs), computed from the port call's
 * arguments. Where the chain weighs something the port does not carry exactly, the figure is an
 * estimate, marked `est.` below: the encoded length (the embedded ledger does not SCALE-encode its
 * calls: `encodedLength` sizes the arguments by their Polymesh types), the complexity of an agent
 * group's permissions, and port calls that the SDK sends as several extrinsics (an asset created
 * with a ticker and documents, documents replaced) are weighed as the sum of those extrinsics.
 */
import type { CallArgs, CallName, LedgerCall } from '../calls.js';
import type { Address } from '../ledger.js';
import type { FeeEstimate, KeyPermissions, PortfolioRef } from '../types.js';
import { fromUnits } from './amounts.js';
import type { Chain } from './chain.js';
import { FEE_CREATE_ASSET, FEE_REGISTER_TICKER } from './modules/asset.js';
import { ensure } from './runtime.js';

// ------------------------------------------------------------------ constants (7.0.0)

/** `ExtrinsicBaseWeight`: 650 µs of ref time. */
export const EXTRINSIC_BASE_WEIGHT = 650_000_000n;
/** `PolyXBaseFee`: 3 CENTS. */
export const POLYX_BASE_FEE = 30_000n;
/** `TransactionByteFee`: 10 MILLICENTS per byte. */
export const TRANSACTION_BYTE_FEE = 100n;
/** `RocksDbWeight` read and write. */
export const DB_READ = 50_000_000n;
export const DB_WRITE = 200_000_000n;
/** `MAXIMUM_BLOCK_WEIGHT`: 2 s of ref time; the weight fee is capped there. */
export const MAX_BLOCK_WEIGHT = 2_000_000_000_000n;

const BILLION = 1_000_000_000n;
/** `Perbill::from_rational(PolyXBaseFee, ExtrinsicBaseWeight)`, rounded down: 46_153. */
export const WEIGHT_FEE_PPB = (POLYX_BASE_FEE * BILLION) / EXTRINSIC_BASE_WEIGHT;

/** `WeightToFee`: Perbill × weight, rounding to nearest with halves down (sp-arithmetic). */
export function weightToFee(weight: bigint): bigint {
  const w = weight < MAX_BLOCK_WEIGHT ? weight : MAX_BLOCK_WEIGHT;
  const whole = (w / BILLION) * WEIGHT_FEE_PPB;
  const rem = (w % BILLION) * WEIGHT_FEE_PPB;
  let part = rem / BILLION;
  if ((rem % BILLION) * 2n > BILLION) part += 1n;
  return whole + part;
}

/** The base fee every signed transaction pays: `weightToFee(ExtrinsicBaseWeight)` = 29_999. */
export const BASE_FEE = weightToFee(EXTRINSIC_BASE_WEIGHT);

/** The inclusion fee of a transaction of `length` bytes and `weight` (tip 0, multiplier 1). */
export function transactionFee(length: number, weight: bigint): bigint {
  return BASE_FEE + TRANSACTION_BYTE_FEE * BigInt(length) + weightToFee(weight);
}

// ------------------------------------------------------------------ encoded length (est.)

function compactLen(n: number): number {
  return n < 64 ? 1 : n < 16_384 ? 2 : n < 1_073_741_824 ? 4 : 5;
}

const DID_RE = /^0x[0-9a-f]{64}$/;
const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SS58_RE = /^[1-9A-HJ-NP-Za-km-z]{46,48}$/;
const DECIMAL_RE = /^\d{1,40}(?:\.\d{1,6})?$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * SCALE size of a port argument by the Polymesh type it stands for: a DID or hash 32 bytes, an
 * asset id 16, an account 32, a balance (decimal string) 16 (u128), a moment (ISO time) or id 8
 * (u64), a boolean 1, text its bytes with a compact length, a list its items with a compact
 * count, an object with a `type` its variant index (1) and fields. An estimate: the port's JSON
 * is not the chain's encoding.
 */
export function scaleSize(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null) return 1;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 8;
    case 'string': {
      if (DID_RE.test(v)) return 32;
      if (UUID_RE.test(v)) return 16;
      if (DECIMAL_RE.test(v)) return 16;
      if (ISO_RE.test(v) && !Number.isNaN(Date.parse(v))) return 8;
      if (SS58_RE.test(v)) return 32;
      const bytes = HEX_RE.test(v) ? (v.length - 2) / 2 : Buffer.byteLength(v);
      return compactLen(bytes) + bytes;
    }
    case 'object': {
      if (Array.isArray(v)) return v.reduce((n: number, x) => n + scaleSize(x), compactLen(v.length));
      let n = 0;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        n += k === 'type' ? 1 : scaleSize(x);
      }
      return n;
    }
    default:
      return 0;
  }
}

/** Bytes of a call: pallet and call index, then its arguments (batches: their inner calls). */
function callSize(call: LedgerCall): number {
  const args = (call?.args ?? {}) as Record<string, unknown>;
  if (isBatch(call?.name) && Array.isArray(args['calls'])) {
    const calls = args['calls'] as LedgerCall[];
    return 2 + calls.reduce((n, c) => n + callSize(c), compactLen(calls.length));
  }
  return 2 + scaleSize(args);
}

/**
 * Length of the signed extrinsic (est.): compact length prefix, version byte, signer
 * (MultiAddress::Id, 33), signature (MultiSignature::Sr25519, 65), mortal era (2), compact nonce,
 * compact tip (1), then the call.
 */
export function encodedLength(call: LedgerCall, nonce: number): number {
  const body = 1 + 33 + 65 + 2 + compactLen(nonce) + 1 + callSize(call);
  return compactLen(body) + body;
}

// ------------------------------------------------------------------ extrinsics and weights

/**
 * How the chain checks the signing key before the call does anything: `permissions` —
 * `ensure_origin_call_permissions` (a secondary key needs every tag in its extrinsic
 * permissions, else `UnauthorizedCaller`); `primary` — `ensure_primary_key` (unlinked →
 * `UnauthorizedCaller`, secondary → `KeyNotAllowed`); `none` — no key check (`ensure_signed`).
 */
export type KeyCheck = 'permissions' | 'primary' | 'none';

export interface ExtrinsicInfo {
  /** The Polymesh extrinsic(s) the call is sent as, as SDK TxTags (`asset.issue`). */
  tags: readonly string[];
  check: KeyCheck;
  /** Declared weight (ref time): what the fee is withdrawn at. */
  weight: bigint;
  /** Weight the pallet reports after a successful dispatch, when less than declared. */
  actual?: bigint;
}

const W = (ref: number | bigint, reads = 0, writes = 0): bigint =>
  BigInt(ref) + BigInt(reads) * DB_READ + BigInt(writes) * DB_WRITE;

function count(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}
function bytes(v: unknown): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : 0;
}
function isBatch(name: unknown): boolean {
  return name === 'utility.batch' || name === 'utility.batchAll' || name === 'utility.forceBatch';
}

const info = (tag: string, weight: bigint, check: KeyCheck = 'permissions'): ExtrinsicInfo => ({
  tags: [tag],
  check,
  weight,
});

// Benchmarked weight functions used by more than one call (pallets/weights/src, 7.0.0).
const ADD_AUTHORIZATION = W(32_078_000, 3, 4);
const REGISTER_UNIQUE_TICKER = W(56_696_000, 8, 2);
const LINK_TICKER = W(53_381_000, 7, 3);
const ADD_CLAIM = W(46_972_000, 6, 1);
const addDocuments = (d: number) => W(45_589_230n + 11_544_807n * BigInt(d), 7, 1 + d);
const removeDocuments = (d: number) => W(21_090_366n + 6_637_567n * BigInt(d), 4, d);
const cddRegisterDid = (i: number) => W(78_738_880n + 15_494_421n * BigInt(i), 10 + i, 6 + 2 * i);
/** `permissions_cost(a, p, l, e)` with each count at least 1 (`permissions_cost_perms`). */
function permissionsCost(p: Partial<KeyPermissions> | undefined): bigint {
  const ext = Array.isArray(p?.extrinsics) ? (p.extrinsics as unknown[]) : [];
  const pallets = new Set(ext.map((e) => String(e).split('.')[0]));
  const fns = ext.filter((e) => String(e).includes('.')).length;
  const m = (n: number) => BigInt(Math.max(1, n));
  return (
    249_408_000n +
    100_000n * m(count(p?.assets)) +
    100_000n * m(count(p?.portfolios)) +
    17_508_702n * m(pallets.size) +
    16_302_037n * m(fns)
  );
}
/** `(claims, issuers, claim types)` of port conditions, `Both` counted on each side. */
function conditionCounts(conditions: unknown): { c: number; claims: number; issuers: number; types: number } {
  const out = { c: 0, claims: 0, issuers: 0, types: 0 };
  if (!Array.isArray(conditions)) return out;
  for (const cond of conditions as Record<string, unknown>[]) {
    const sides = cond?.['target'] === 'Both' ? 2 : 1;
    const claims = Array.isArray(cond?.['claims']) ? (cond['claims'] as unknown[]).length : 1;
    const issuers = Array.isArray(cond?.['trustedClaimIssuers'])
      ? (cond['trustedClaimIssuers'] as { trustedFor?: unknown }[])
      : [];
    const types = issuers.reduce((n, i) => n + (Array.isArray(i?.trustedFor) ? i.trustedFor.length : 1), 0);
    out.c += sides;
    out.claims += sides * claims;
    out.issuers += sides * issuers.length;
    out.types += sides * types;
  }
  return out;
}
const conditionCosts = (a: number, b: number, c: number, d: number) =>
  11_057_000n + 4_673_715n * BigInt(a) + 235_269n * BigInt(b) + 1_231_611n * BigInt(c) + 721_394n * BigInt(d);

/** Fungible and off-chain legs of port legs (the port has no NFT legs). */
function legCounts(legs: unknown): { f: number; o: number } {
  let f = 0;
  let o = 0;
  if (!Array.isArray(legs)) return { f, o };
  for (const l of legs as { type?: unknown }[]) {
    if (l?.type === 'OffChain') o++;
    else f++;
  }
  return { f, o };
}
/** `get_transfer_by_asset`: more portfolios than two per leg weighs as (p, p, 1024). */
function transferCounts(legs: unknown, portfolios: number): [number, number, number] {
  const { f, o } = legCounts(legs);
  return portfolios > 2 * f ? [portfolios, portfolios, 1024] : [f, 0, o];
}

// settlement weight functions (f fungible, n non-fungible, o off-chain)
const B = BigInt;
const affirm = (f: number, n: number) =>
  W(196_654_540n + 37_050_823n * B(f) + 36_527_098n * B(n), 15 + 6 * f + 5 * n, 1 + 4 * f + 4 * n);
const affirmRcv = (f: number, n: number) =>
  W(176_180_986n + 21_310_692n * B(f) + 21_264_601n * B(n), 15 + 3 * f + 3 * n, 1 + 2 * f + 2 * n);
const affirmReceipts = (f: number, n: number, o: number) =>
  W(
    33_645_457n + 47_439_618n * B(f) + 37_288_196n * B(n) + 86_780_332n * B(o),
    6 + 6 * f + 5 * n + 3 * o,
    1 + 4 * f + 4 * n + 3 * o,
  );
const affirmReceiptsRcv = (f: number, n: number, o: number) =>
  W(
    127_233_925n + 20_435_425n * B(f) + 21_804_985n * B(n) + 86_522_877n * B(o),
    6 + 3 * f + 3 * n + 3 * o,
    1 + 2 * f + 2 * n + 3 * o,
  );
const withdraw = (f: number, n: number, o: number) =>
  W(
    154_659_367n + 32_312_130n * B(f) + 37_416_966n * B(n) + 2_976_286n * B(o),
    5 + 5 * f + 5 * n + o,
    1 + 4 * f + 4 * n,
  );
const withdrawRcv = (f: number, n: number, o: number) =>
  W(
    50_718_198n + 23_152_496n * B(f) + 21_859_328n * B(n) + 5_797_311n * B(o),
    5 + 3 * f + 3 * n + o,
    1 + 2 * f + 2 * n,
  );
const reject = (f: number, n: number, o: number) =>
  W(
    85_555_757n + 28_937_319n * B(f) + 36_036_141n * B(n) + 14_488_349n * B(o),
    12 + 3 * f + 3 * n + 2 * o,
    10 + 7 * f + 7 * n + 3 * o,
  );
const rejectAsMediator = (f: number, n: number, o: number) =>
  W(
    113_192_538n + 27_867_625n * B(f) + 36_227_507n * B(n) + 12_790_417n * B(o),
    12 + 3 * f + 3 * n + 2 * o,
    10 + 7 * f + 7 * n + 3 * o,
  );
const executeManual = (f: number, n: number, o: number) =>
  W(
    4_263_199_000n + 256_577_437n * B(f) + 180_105_919n * B(n),
    19 + 60 * f + 18 * n + 3 * o,
    8 + 26 * f + 16 * n + 3 * o,
  );
const addInstruction = (f: number, n: number, o: number) =>
  W(
    75_121_847n + 43_499_535n * B(f) + 39_909_201n * B(n) + 10_927_000n * B(o),
    6 + 7 * f + 7 * n,
    8 + 7 * f + 7 * n + 2 * o,
  );
const addInstructionMediators = (f: number, n: number, o: number, m: number) =>
  W(
    55_821_110n + 41_207_413n * B(f) + 40_101_527n * B(n) + 9_966_080n * B(o) + 6_247_280n * B(m),
    6 + 7 * f + 7 * n,
    8 + 7 * f + 7 * n + 2 * o + m,
  );
const addAndAffirm = (f: number, n: number, o: number) =>
  W(
    142_626_684n + 71_088_545n * B(f) + 75_355_020n * B(n) + 10_921_825n * B(o),
    7 + 11 * f + 11 * n + o,
    8 + 10 * f + 10 * n + 2 * o,
  );
const addAndAffirmMediators = (f: number, n: number, o: number, m: number) =>
  W(
    105_714_951n + 75_258_616n * B(f) + 75_682_102n * B(n) + 10_871_013n * B(o) + 435_706n * B(m),
    7 + 11 * f + 11 * n + o,
    8 + 10 * f + 10 * n + 2 * o + m,
  );
/** Without a count of the assets, affirmations are weighed for 10 fungible and 100 NFT legs. */
const MAX_AFFIRM_PORTFOLIOS = (10 + 100) * 2;

// utility
const batchBase = (c: number) => W(47_213_677n + 12_905_207n * B(c), 2, 2);
const batchAllBase = (c: number) => W(49_982_186n + 12_940_149n * B(c), 2, 2);
const forceBatchBase = (c: number) => W(44_717_720n + 12_864_350n * B(c), 2, 2);

/** `MaxTargetIds` and `MaxDidWhts` of the develop runtime. */
const MAX_TARGET_IDS = 1000n;
const MAX_DID_WHTS = 1000n;

const samePf = (a: PortfolioRef, b: PortfolioRef) =>
  a?.did === b?.did && (a?.number ?? 0) === (b?.number ?? 0);

type Rule<K extends CallName> = (a: CallArgs<K>, chain: Chain) => ExtrinsicInfo;
type Rules = { [K in CallName]: Rule<K> };

/** Which fungible legs of instruction `id` the portfolios send and receive. */
function affirmationCounts(chain: Chain, id: unknown, portfolios: unknown) {
  const legs = typeof id === 'number' ? (chain.settlement.details(id)?.legs ?? []) : [];
  const pfs = Array.isArray(portfolios) ? (portfolios as PortfolioRef[]) : [];
  let sent = 0;
  let received = 0;
  let offChain = 0;
  for (const l of legs) {
    if (l.type !== 'Fungible') {
      offChain++;
      continue;
    }
    if (pfs.some((p) => samePf(p, l.from))) sent++;
    if (pfs.some((p) => samePf(p, l.to))) received++;
  }
  return { sent, received, offChain, legs };
}

export const EXTRINSICS: Rules = {
  'system.remark': (a) => info('system.remark', W(15_678_641n + 276n * B(bytes(a.remark))), 'none'),
  'balances.transfer': (a) =>
    a.memo === undefined
      ? info('balances.transfer', W(75_324_000, 8, 2), 'none')
      : info('balances.transferWithMemo', W(75_063_000, 8, 2), 'none'),

  'identity.cddRegisterDid': (a) => {
    const i = count(a.secondaryKeys);
    return a.cddClaim
      ? info('identity.cddRegisterDidWithCdd', cddRegisterDid(i) + ADD_CLAIM)
      : info('identity.cddRegisterDid', cddRegisterDid(i));
  },
  'identity.addClaim': () => info('identity.addClaim', ADD_CLAIM),
  'identity.editClaim': () => info('identity.addClaim', ADD_CLAIM),
  'identity.revokeClaim': () => info('identity.revokeClaim', W(27_501_000, 2, 1)),
  'identity.registerCustomClaimType': (a) =>
    info('identity.registerCustomClaimType', W(30_555_036n + 6_374n * B(bytes(a.name)), 3, 3)),
  'identity.inviteAccount': (a) =>
    info('identity.addAuthorization', permissionsCost(a.permissions) + ADD_AUTHORIZATION),
  'identity.acceptAuthorization': (a, chain) => {
    const auth = typeof a.authId === 'number' ? chain.identity.authorization(a.authId) : undefined;
    switch (auth?.data.type) {
      case 'JoinIdentity':
        return info('identity.joinIdentityAsKey', W(89_846_000, 11, 8), 'none');
      case 'BecomeAgent':
        return info('externalAgents.acceptBecomeAgent', W(71_728_000, 9, 6));
      case 'PortfolioCustody':
        return info('portfolio.acceptPortfolioCustody', W(63_246_000, 5, 6));
      case 'TransferAssetOwnership':
        return info('asset.acceptAssetOwnershipTransfer', W(93_461_000, 10, 9));
      default:
        // No such authorization: the dispatch refuses it; weighed as the heaviest acceptance.
        return info('identity.joinIdentityAsKey', W(93_461_000, 10, 9), 'none');
    }
  },
  'identity.removeAuthorization': () => info('identity.removeAuthorization', W(39_379_000, 4, 3)),
  'identity.removeSecondaryKeys': (a) => {
    const i = count(a.accounts);
    return info(
      'identity.removeSecondaryKeys',
      W(18_758_000n + 22_632_550n * B(i), 2 + 3 * i, 6 * i),
      'primary',
    );
  },
  'identity.setSecondaryKeyPermissions': (a) =>
    info(
      'identity.setSecondaryKeyPermissions',
      permissionsCost(a.permissions) + W(45_850_000, 5, 3),
      'primary',
    ),
  'identity.freezeSecondaryKeys': () => info('identity.freezeSecondaryKeys', W(21_412_000, 1, 1), 'primary'),
  'identity.unfreezeSecondaryKeys': () =>
    info('identity.unfreezeSecondaryKeys', W(20_312_000, 1, 1), 'primary'),
  'identity.leaveIdentityAsKey': () => info('identity.leaveIdentityAsKey', W(46_611_000, 4, 5), 'none'),

  'asset.registerUniqueTicker': () => info('asset.registerUniqueTicker', REGISTER_UNIQUE_TICKER),
  'asset.createAsset': (a, chain) => {
    // est.: the SDK sends create_asset, then (with a ticker) register + link, then add_documents.
    const tags = ['asset.createAsset'];
    let weight = W(
      74_372_383n +
        20_181n * B(bytes(a.name)) +
        71_655n * B(count(a.identifiers)) +
        23_666n * B(bytes(a.fundingRound)),
      8,
      9,
    );
    if (typeof a.ticker === 'string') {
      if (tickerIsFree(chain, a.ticker)) {
        tags.push('asset.registerUniqueTicker');
        weight += REGISTER_UNIQUE_TICKER;
      }
      tags.push('asset.linkTickerToAssetId');
      weight += LINK_TICKER;
    }
    if (count(a.documents) > 0) {
      tags.push('asset.addDocuments');
      weight += addDocuments(count(a.documents));
    }
    return { tags, check: 'permissions', weight };
  },
  'asset.linkTickerToAssetId': () => info('asset.linkTickerToAssetId', LINK_TICKER),
  'asset.unlinkTickerFromAssetId': () => info('asset.unlinkTickerFromAssetId', W(53_381_000, 6, 4)),
  'asset.issue': () => info('asset.issue', W(89_305_000, 16, 5)),
  'asset.redeem': () => info('asset.redeem', W(80_462_000, 13, 3)),
  'asset.freeze': () => info('asset.freeze', W(41_112_000, 6, 1)),
  'asset.unfreeze': () => info('asset.unfreeze', W(42_545_000, 6, 1)),
  'asset.controllerTransfer': () => info('asset.controllerTransfer', W(95_605_000, 14, 5)),
  'asset.makeDivisible': () => info('asset.makeDivisible', W(37_087_000, 5, 1)),
  'asset.renameAsset': (a) => info('asset.renameAsset', W(40_142_791n + 10_697n * B(bytes(a.name)), 5, 1)),
  'asset.setFundingRound': (a) =>
    info('asset.setFundingRound', W(34_101_571n + 3_296n * B(bytes(a.fundingRound)), 4, 1)),
  'asset.updateIdentifiers': (a) =>
    info('asset.updateIdentifiers', W(35_474_743n + 51_237n * B(count(a.identifiers)), 4, 1)),
  'asset.updateAssetType': () => info('asset.updateAssetType', W(41_273_000, 5, 1)),
  'asset.registerCustomAssetType': (a) =>
    info('asset.registerCustomAssetType', W(32_732_921n + 6_154n * B(bytes(a.name)), 3, 3)),
  'asset.setDocuments': (a, chain) => {
    // est.: sent as remove_documents (the current ones) and add_documents (the new ones).
    const old = typeof a.assetId === 'string' ? chain.asset.documentsOf(a.assetId).length : 0;
    const d = count(a.documents);
    const tags = [
      ...(old > 0 ? ['asset.removeDocuments'] : []),
      ...(d > 0 || old === 0 ? ['asset.addDocuments'] : []),
    ];
    return { tags, check: 'permissions', weight: (old > 0 ? removeDocuments(old) : 0n) + addDocuments(d) };
  },
  'asset.registerAssetMetadataLocalType': () =>
    info('asset.registerAssetMetadataLocalType', W(59_822_000, 6, 4)),
  'asset.setAssetMetadata': () => info('asset.setAssetMetadata', W(57_347_000, 6, 2)),
  'asset.setAssetMetadataDetails': () => info('asset.setAssetMetadataDetails', W(51_208_000, 7, 1)),
  'asset.transferOwnership': () => info('identity.addAuthorization', ADD_AUTHORIZATION),
  'asset.preApproveAsset': () => info('asset.preApproveAsset', W(22_423_000, 1, 1)),
  'asset.removeAssetPreApproval': () => info('asset.removeAssetPreApproval', W(23_124_000, 1, 1)),
  'asset.addMandatoryMediators': (a) =>
    info('asset.addMandatoryMediators', W(38_142_950n + 281_996n * B(count(a.mediators)), 5, 1)),
  'asset.removeMandatoryMediators': (a) =>
    info('asset.removeMandatoryMediators', W(38_665_400n + 558_061n * B(count(a.mediators)), 5, 1)),

  // est.: an agent group's permission complexity is taken as the number of listed values.
  'externalAgents.createGroup': (a) =>
    info('externalAgents.createGroup', W(38_958_890n + 598_029n * B(count(a.permissions?.values)), 5, 2)),
  'externalAgents.setGroupPermissions': (a) =>
    info(
      'externalAgents.setGroupPermissions',
      W(39_526_977n + 673_117n * B(count(a.permissions?.values)), 5, 1),
    ),
  'externalAgents.addAuthorization': () => info('identity.addAuthorization', ADD_AUTHORIZATION),
  'externalAgents.removeAgent': () => info('externalAgents.removeAgent', W(45_248_000, 6, 3)),
  'externalAgents.changeGroup': (a) =>
    a.group?.type === 'Custom'
      ? info('externalAgents.changeGroup', W(47_652_000, 7, 2))
      : info('externalAgents.changeGroup', W(43_547_000, 6, 2)),
  'externalAgents.abdicate': () => info('externalAgents.abdicate', W(37_346_000, 3, 3)),

  'portfolio.createPortfolio': (a) =>
    info('portfolio.createPortfolio', W(47_172_000n + 7_568n * B(bytes(a.name)), 3, 3)),
  'portfolio.deletePortfolio': () => info('portfolio.deletePortfolio', W(66_942_000, 6, 5)),
  'portfolio.renamePortfolio': (a) =>
    info('portfolio.renamePortfolio', W(42_844_700n + 14_355n * B(bytes(a.name)), 3, 3)),
  'portfolio.movePortfolioFunds': (a) => {
    const f = count(a.items);
    return info('portfolio.movePortfolioFunds', W(39_661_933n + 26_359_130n * B(f), 4 + 4 * f, 1 + 2 * f));
  },
  'portfolio.setCustodian': () => info('identity.addAuthorization', ADD_AUTHORIZATION),
  'portfolio.quitPortfolioCustody': () => info('portfolio.quitPortfolioCustody', W(40_380_000, 2, 2)),
  'portfolio.preApprovePortfolio': () => info('portfolio.preApprovePortfolio', W(32_850_000, 3, 1)),
  'portfolio.removePortfolioPreApproval': () =>
    info('portfolio.removePortfolioPreApproval', W(36_186_000, 3, 1)),

  'complianceManager.addComplianceRequirement': (a) => {
    const k = conditionCounts(a.conditions);
    return info(
      'complianceManager.addComplianceRequirement',
      W(61_051_689n + 1_139_215n * B(k.c), 8, 1) + conditionCosts(0, k.claims, k.issuers, k.types),
    );
  },
  'complianceManager.replaceAssetCompliance': (a) => {
    const reqs = Array.isArray(a.requirements) ? a.requirements : [];
    const k = conditionCounts(reqs.flat());
    return info(
      'complianceManager.replaceAssetCompliance',
      W(50_668_128n + 10_897_810n * B(reqs.length), 6, 1) + conditionCosts(k.c, k.claims, k.issuers, k.types),
    );
  },
  'complianceManager.changeComplianceRequirement': (a) => {
    const k = conditionCounts(a.conditions);
    return info(
      'complianceManager.changeComplianceRequirement',
      W(52_634_069n + 1_691_278n * B(k.c), 6, 1) + conditionCosts(0, k.claims, k.issuers, k.types),
    );
  },
  'complianceManager.removeComplianceRequirement': () =>
    info('complianceManager.removeComplianceRequirement', W(46_069_000, 5, 1)),
  'complianceManager.resetAssetCompliance': () =>
    info('complianceManager.resetAssetCompliance', W(35_844_000, 4, 1)),
  'complianceManager.pauseAssetCompliance': () =>
    info('complianceManager.pauseAssetCompliance', W(46_119_000, 5, 1)),
  'complianceManager.resumeAssetCompliance': () =>
    info('complianceManager.resumeAssetCompliance', W(41_453_000, 5, 1)),
  'complianceManager.addDefaultTrustedClaimIssuer': () =>
    info('complianceManager.addDefaultTrustedClaimIssuer', W(53_891_000, 7, 1)),
  'complianceManager.removeDefaultTrustedClaimIssuer': () =>
    info('complianceManager.removeDefaultTrustedClaimIssuer', W(41_704_000, 5, 1)),

  'statistics.setActiveAssetStats': (a) =>
    info('statistics.setActiveAssetStats', W(43_514_998n + 323_512n * B(count(a.stats)), 6, 1)),
  'statistics.batchUpdateAssetStats': (a) => {
    const i = count(a.values);
    return info('statistics.batchUpdateAssetStats', W(42_152_343n + 3_224_863n * B(i), 5, i));
  },
  'statistics.setAssetTransferCompliance': (a) =>
    info('statistics.setAssetTransferCompliance', W(42_193_241n + 4_385_241n * B(count(a.conditions)), 6, 1)),
  'statistics.setEntitiesExempt': (a) => {
    const i = count(a.entities);
    return info('statistics.setEntitiesExempt', W(34_387_738n + 3_188_598n * B(i), 4, i));
  },

  'settlement.createVenue': (a) => {
    const s = count(a.signers);
    return info(
      'settlement.createVenue',
      W(41_392_871n + 1_844n * B(bytes(a.details)) + 2_429_716n * B(s), 2, 5 + s),
    );
  },
  'settlement.updateVenueDetails': (a) =>
    info('settlement.updateVenueDetails', W(33_131_772n + 3_465n * B(bytes(a.details)), 2, 1)),
  'settlement.updateVenueType': () => info('settlement.updateVenueType', W(28_553_000, 2, 1)),
  'settlement.updateVenueSigners': (a) => {
    const s = count(a.signers);
    return info('settlement.updateVenueSigners', W(39_323_202n + 4_739_463n * B(s), 3 + s, 1 + s));
  },
  'settlement.setVenueFiltering': () => info('settlement.setVenueFiltering', W(35_734_000, 4, 1)),
  'settlement.allowVenues': (a) => {
    const v = count(a.venues);
    return info('settlement.allowVenues', W(35_593_739n + 2_569_840n * B(v), 4, v));
  },
  'settlement.disallowVenues': (a) => {
    const v = count(a.venues);
    return info('settlement.disallowVenues', W(36_544_323n + 2_478_106n * B(v), 4, v));
  },
  'settlement.addInstruction': (a) => {
    const [f, n, o] = transferCounts(a.legs, 0);
    const m = count(a.mediators);
    return m > 0
      ? info('settlement.addInstructionWithMediators', addInstructionMediators(f, n, o, m))
      : info('settlement.addInstruction', addInstruction(f, n, o));
  },
  'settlement.addAndAffirmInstruction': (a) => {
    const [f, n, o] = transferCounts(a.legs, count(a.portfolios));
    const m = count(a.mediators);
    return m > 0
      ? info('settlement.addAndAffirmWithMediators', addAndAffirmMediators(f, n, o, m))
      : info('settlement.addAndAffirmInstruction', addAndAffirm(f, n, o));
  },
  'settlement.affirmInstruction': (a, chain) => {
    const p = count(a.portfolios);
    const weight = p > MAX_AFFIRM_PORTFOLIOS ? affirm(p, p) : affirm(10, 100);
    const { sent, received } = affirmationCounts(chain, a.id, a.portfolios);
    // Post-dispatch: the legs the portfolios send and receive (`affirm_instruction_actual_weight`).
    const actual = affirm(sent, 0) + affirmRcv(received, 0) - affirmRcv(0, 0);
    return { tags: ['settlement.affirmInstruction'], check: 'permissions', weight, actual };
  },
  'settlement.affirmWithReceipts': (a, chain) => {
    const p = count(a.portfolios);
    const weight = p > MAX_AFFIRM_PORTFOLIOS ? affirmReceipts(p, p, 10) : affirmReceipts(10, 100, 10);
    const { sent, received } = affirmationCounts(chain, a.id, a.portfolios);
    const actual =
      affirmReceipts(sent, 0, count(a.receipts)) +
      affirmReceiptsRcv(received, 0, 0) -
      affirmReceiptsRcv(0, 0, 0);
    return { tags: ['settlement.affirmWithReceipts'], check: 'permissions', weight, actual };
  },
  'settlement.withdrawAffirmation': (a, chain) => {
    const p = count(a.portfolios);
    const weight = p > MAX_AFFIRM_PORTFOLIOS ? withdraw(p, p, 10) : withdraw(10, 100, 10);
    const { sent, received } = affirmationCounts(chain, a.id, a.portfolios);
    const actual = withdraw(sent, 0, 0) + withdrawRcv(received, 0, 0) - withdrawRcv(0, 0, 0);
    return { tags: ['settlement.withdrawAffirmation'], check: 'permissions', weight, actual };
  },
  'settlement.rejectInstruction': (a, chain) => {
    const { legs, offChain } = affirmationCounts(chain, a.id, []);
    const actual = reject(legs.length - offChain, 0, offChain);
    return {
      tags: ['settlement.rejectInstruction'],
      check: 'permissions',
      weight: reject(10, 100, 10),
      actual,
    };
  },
  'settlement.affirmInstructionAsMediator': () =>
    info('settlement.affirmInstructionAsMediator', W(99_651_000, 5, 2)),
  'settlement.withdrawAffirmationAsMediator': () =>
    info('settlement.withdrawAffirmationAsMediator', W(88_193_000, 5, 2)),
  'settlement.rejectInstructionAsMediator': (a, chain) => {
    const { legs, offChain } = affirmationCounts(chain, a.id, []);
    return {
      tags: ['settlement.rejectInstructionAsMediator'],
      check: 'permissions',
      weight: rejectAsMediator(10, 100, 10),
      actual: rejectAsMediator(legs.length - offChain, 0, offChain),
    };
  },
  'settlement.executeManualInstruction': (a, chain) => {
    // The SDK passes the instruction's own counts (`get_execute_instruction_info`).
    const { legs, offChain } = affirmationCounts(chain, a.id, []);
    return info('settlement.executeManualInstruction', executeManual(legs.length - offChain, 0, offChain));
  },

  'sto.createFundraiser': (a) =>
    info('sto.createFundraiser', W(97_161_282n + 12_420n * B(count(a.tiers)), 12, 4)),
  'sto.invest': () => info('sto.invest', W(1_069_007_000, 129, 50)),
  'sto.freezeFundraiser': () => info('sto.freezeFundraiser', W(48_023_000, 5, 1)),
  'sto.unfreezeFundraiser': () => info('sto.unfreezeFundraiser', W(46_571_000, 5, 1)),
  'sto.modifyFundraiserWindow': () => info('sto.modifyFundraiserWindow', W(55_925_000, 6, 1)),
  'sto.stop': () => info('sto.stop', W(49_024_000, 4, 2)),

  'checkpoint.createCheckpoint': () => info('checkpoint.createCheckpoint', W(59_941_000, 7, 3)),
  'checkpoint.createSchedule': () => info('checkpoint.createSchedule', W(84_689_000, 10, 4)),
  'checkpoint.removeSchedule': () => info('checkpoint.removeSchedule', W(81_653_000, 7, 3)),

  'corporateAction.initiateCorporateAction': (a) => {
    const defaults = W(133_551_070n + 63_898n * MAX_DID_WHTS + 57_728n * MAX_TARGET_IDS, 15, 7);
    const provided = W(
      130_544_644n + 142_468n * B(count(a.withholdingTax)) + 275_711n * B(count(a.targets?.identities)),
      12,
      7,
    );
    return info('corporateAction.initiateCorporateAction', defaults > provided ? defaults : provided);
  },
  // Declared as the dearer of the ballot and distribution cases (`.max` in the pallet).
  'corporateAction.removeCa': () => {
    const ballot = W(77_006_000, 8, 8);
    const dist = W(82_004_000, 9, 6);
    return info('corporateAction.removeCa', ballot > dist ? ballot : dist);
  },
  'corporateAction.changeRecordDate': () => {
    const ballot = W(99_490_000, 13, 6);
    const dist = W(101_503_000, 13, 6);
    return info('corporateAction.changeRecordDate', ballot > dist ? ballot : dist);
  },
  'corporateAction.linkCaDoc': (a) => {
    const d = count(a.documents);
    return info('corporateAction.linkCaDoc', W(41_993_000n + 4_118_715n * B(d), 6 + d, 1));
  },
  'corporateAction.setDefaultTargets': (a) =>
    info(
      'corporateAction.setDefaultTargets',
      W(40_318_358n + 318_764n * B(count(a.targets?.identities)), 5, 1),
    ),
  'corporateAction.setDefaultWithholdingTax': () =>
    info('corporateAction.setDefaultWithholdingTax', W(37_908_000, 5, 1)),
  'corporateAction.setDidWithholdingTax': () =>
    info('corporateAction.setDidWithholdingTax', W(52_391_918n + 60_112n * MAX_DID_WHTS, 5, 1)),

  'capitalDistribution.distribute': () => info('capitalDistribution.distribute', W(98_610_000, 13, 2)),
  'capitalDistribution.claim': () =>
    info(
      'capitalDistribution.claim',
      W(274_127_593n + 40_264n * MAX_TARGET_IDS + 18_932n * MAX_DID_WHTS, 24, 7),
    ),
  'capitalDistribution.pushBenefit': () =>
    info(
      'capitalDistribution.pushBenefit',
      W(293_628_644n + 33_885n * MAX_TARGET_IDS + 18_509n * MAX_DID_WHTS, 27, 7),
    ),
  'capitalDistribution.reclaim': () => info('capitalDistribution.reclaim', W(61_593_000, 8, 2)),
  'capitalDistribution.removeDistribution': () =>
    info('capitalDistribution.removeDistribution', W(57_797_000, 7, 2)),

  'corporateBallot.attachBallot': (a) => {
    const motions = Array.isArray(a.meta?.motions) ? a.meta.motions : [];
    const choices = motions.reduce((n, m) => n + count(m?.choices), 0);
    return info('corporateBallot.attachBallot', W(73_860_279n + 40_954n * B(choices), 9, 4));
  },
  'corporateBallot.vote': (a) =>
    info(
      'corporateBallot.vote',
      W(72_686_219n + 60_312n * B(count(a.votes)) + 73_427n * MAX_TARGET_IDS, 10, 2),
    ),
  'corporateBallot.changeEnd': () => info('corporateBallot.changeEnd', W(44_467_000, 6, 1)),
  'corporateBallot.changeMeta': (a) => {
    const motions = Array.isArray(a.meta?.motions) ? a.meta.motions : [];
    const choices = motions.reduce((n, m) => n + count(m?.choices), 0);
    return info('corporateBallot.changeMeta', W(54_880_462n + 39_184n * B(choices), 6, 2));
  },
  'corporateBallot.changeRcv': () => info('corporateBallot.changeRcv', W(44_508_000, 6, 1)),
  'corporateBallot.removeBallot': () => info('corporateBallot.removeBallot', W(50_497_000, 6, 4)),

  // Batches: Σ of the inner calls' declared weights plus the batch's own (`weight_and_dispatch_class`).
  'utility.batch': (a, chain) => batchInfo(chain, 'utility.batch', a.calls, batchBase, batchBase),
  'utility.batchAll': (a, chain) => batchInfo(chain, 'utility.batchAll', a.calls, batchAllBase, batchAllBase),
  // `force_batch` reports its actual weight with `batch`'s base, as 7.0's pallet does.
  'utility.forceBatch': (a, chain) =>
    batchInfo(chain, 'utility.forceBatch', a.calls, forceBatchBase, batchBase),
};

function batchInfo(
  chain: Chain,
  tag: string,
  calls: unknown,
  declaredBase: (c: number) => bigint,
  actualBase: (c: number) => bigint,
): ExtrinsicInfo {
  const list = Array.isArray(calls) ? (calls as LedgerCall[]) : [];
  let weight = declaredBase(list.length);
  let actual = actualBase(list.length);
  for (const c of list) {
    const i = extrinsicOf(chain, c);
    weight += i.weight;
    actual += i.actual ?? i.weight;
  }
  return { tags: [tag], check: 'none', weight, actual: actual < weight ? actual : weight };
}

export const BATCH_BASE: Readonly<Record<string, (c: number) => bigint>> = {
  'utility.batch': batchBase,
  'utility.batchAll': batchAllBase,
  'utility.forceBatch': batchBase,
};

function tickerIsFree(chain: Chain, ticker: string): boolean {
  const r = chain.asset.reservation(ticker);
  return r === null || (r.expiry !== null && Date.parse(r.expiry) <= chain.rt.now);
}

/** The extrinsic a port call is sent as; never throws (malformed arguments weigh as a remark). */
export function extrinsicOf(chain: Chain, call: LedgerCall): ExtrinsicInfo {
  const rule = (EXTRINSICS as Record<string, ((a: unknown, c: Chain) => ExtrinsicInfo) | undefined>)[
    call?.name
  ];
  try {
    if (rule) return rule(call.args ?? {}, chain);
  } catch {
    // fall through
  }
  return { tags: [String(call?.name)], check: 'permissions', weight: EXTRINSIC_BASE_WEIGHT };
}

/** Protocol fees a call charges inside its dispatch on the dev chain (src/chain_spec.rs). */
export function protocolFeeOf(chain: Chain, call: LedgerCall): bigint {
  const a = (call?.args ?? {}) as Record<string, unknown>;
  switch (call?.name) {
    case 'asset.registerUniqueTicker':
      return typeof a['ticker'] === 'string' && tickerIsFree(chain, a['ticker']) ? FEE_REGISTER_TICKER : 0n;
    case 'asset.createAsset':
      return (
        FEE_CREATE_ASSET +
        (typeof a['ticker'] === 'string' && tickerIsFree(chain, a['ticker']) ? FEE_REGISTER_TICKER : 0n)
      );
    case 'utility.batch':
    case 'utility.batchAll':
    case 'utility.forceBatch':
      return Array.isArray(a['calls'])
        ? (a['calls'] as LedgerCall[]).reduce((n, c) => n + protocolFeeOf(chain, c), 0n)
        : 0n;
    default:
      return 0n;
  }
}

/**
 * The transaction-payment and protocol-fee pallets: what a transaction pays before and after
 * dispatch, the protocol fees charged inside it, and estimates of both.
 */
export class FeesModule {
  constructor(private readonly chain: Chain) {}

  /**
   * Charges a protocol fee from the transaction's payer (`CurrentPayer`) inside the dispatch, so
   * a failing call gets it back with everything else (`InsufficientAccountBalance`).
   */
  chargeProtocolFee(amount: bigint): void {
    const payer = this.chain.rt.payer;
    if (amount === 0n || payer === null) return;
    ensure(
      this.chain.balances.chargeFee(payer, amount),
      'InsufficientAccountBalance',
      `account ${payer} cannot pay the ${fromUnits(amount)} POLYX protocol fee`,
      'protocolFee',
    );
    this.chain.rt.emit('protocolFee', 'FeeCharged', { account: payer, fee: fromUnits(amount) });
  }

  /** What `call` signed by `signer` with its next nonce would cost now. */
  estimate(call: LedgerCall, signer: Address): FeeEstimate {
    const { payer } = this.chain.identity.payerFor(signer, call);
    const x = extrinsicOf(this.chain, call);
    const len = encodedLength(call, this.chain.system.nonce(signer));
    const withdrawn = transactionFee(len, x.weight);
    const actual = x.actual !== undefined && x.actual < x.weight ? x.actual : x.weight;
    const fee = transactionFee(len, actual);
    const protocol = protocolFeeOf(this.chain, call);
    return {
      payer,
      transactionFee: fromUnits(fee),
      withdrawnFee: fromUnits(withdrawn),
      protocolFee: fromUnits(protocol),
      total: fromUnits(fee + protocol),
      required: fromUnits(withdrawn + protocol),
      weight: x.weight.toString(),
      length: len,
    };
  }
}
