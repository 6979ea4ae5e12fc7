/**
 * The embedded ledger: Polymesh's rules in-process, deterministic, with blocks, a controllable
 * clock, real sr25519 signatures, account nonces, fees, events and a replayable block log.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import type { CallName, CallResult, LedgerCall } from '../calls.js';
import { LedgerError } from '../errors.js';
import type {
  Address,
  AssetId,
  Decimal,
  Did,
  Ledger,
  LedgerEvent,
  LedgerInfo,
  Receipt,
  SignerKey,
  SubmitOptions,
  TransactionLookup,
  Unsubscribe,
} from '../ledger.js';
import { signerKeyOf } from '../ledger.js';
import type { ClaimFilter } from '../queries.js';
import type {
  AssetAgent,
  AssetCompliance,
  AssetDetails,
  AssetDocument,
  Authorization,
  Holder,
  IdentityClaim,
  IdentityInfo,
  MetadataEntry,
  PortfolioBalance,
  PortfolioInfo,
  PortfolioRef,
  TickerReservation,
  TransferBreakdown,
  TransferRestrictions,
  TrustedClaimIssuer,
} from '../types.js';
import type { FundraiserDetails, InstructionDetails, VenueInfo } from '../calls-settlement.js';
import type {
  BallotInfo,
  BallotVote,
  CADefaults,
  CheckpointInfo,
  CheckpointSchedule,
  CorporateActionInfo,
  DistributionInfo,
} from '../calls-corporate.js';
import { fromUnits, toUnits } from './amounts.js';
import { BlockLog, type ClockMode, type LogEntry } from './blocklog.js';
import { Chain, DEV_PRIMARY_URI, DEV_SECONDARY_URIS, SS58_FORMAT } from './chain.js';
import { argPortfolio } from './modules/portfolio.js';
import { iso, type Origin } from './runtime.js';
import { sign, txHash, verify, type SignedTransaction } from './signing.js';

export { Chain, DEV_DID } from './chain.js';
export type { SignedTransaction } from './signing.js';
export { validateAssetTransfer } from './modules/transfer.js';

export interface EmbeddedLedgerOptions {
  /** Folder for the block log; memory-only when omitted. */
  dataDir?: string;
  /** Produce a block every `blockTimeMs` (with pending transactions) instead of one per submission. */
  blockTimeMs?: number;
  /** Mnemonics (optionally with a derivation path) or dev URIs (`//Alice`) to sign with. */
  signers?: string[];
  /** Genesis time of a new chain (ms since epoch); default now. Ignored when a log exists. */
  genesisTime?: number;
  /**
   * `system` (default): the clock follows the wall clock plus the offset added by `advanceTime`.
   * `manual`: the clock stands still except through `advanceTime` / `setTime`.
   */
  clock?: ClockMode;
  /** Told what opening the log found or did (a torn last line cut off, blocks replayed). */
  onNotice?: (notice: LedgerNotice) => void;
}

export interface LedgerNotice {
  level: 'info' | 'warn';
  message: string;
}

interface TxOutcome {
  tx: SignedTransaction;
  hash: string;
  events: LedgerEvent[];
  result: unknown;
  error?: { code: LedgerError['code']; message: string };
}

interface PendingBlock {
  number: number;
  timestamp: number;
  txs: TxOutcome[];
  events: LedgerEvent[];
  waiters: { hash: string; resolve: (r: Receipt) => void; reject: (e: unknown) => void }[];
}

interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  txHashes: string[];
}

const CHAIN_NAME = 'Polymesh Embedded Dev';
const SPEC_VERSION = 7_000_000;
const DEV_URIS = [DEV_PRIMARY_URI, ...DEV_SECONDARY_URIS];

export class EmbeddedLedger implements Ledger {
  readonly kind = 'embedded' as const;
  readonly capabilities = { batch: true };
  private readonly keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
  private readonly pairs = new Map<Address, KeyringPair>();
  private readonly headers: BlockHeader[] = [];
  private readonly events: LedgerEvent[] = [];
  /** Index into `events` of the first event of each block (by block number). */
  private readonly blockEventStart: number[] = [];
  private readonly txIndex = new Map<string, Receipt>();
  private readonly listeners = new Set<(e: LedgerEvent) => void>();
  private pending: PendingBlock | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private log: BlockLog | null = null;
  private closed = false;
  /** Set when the block log failed to reach the disk: nothing more can be made durable. */
  private broken: LedgerError | null = null;
  /** Highest block on disk; receipts and events are released up to it. */
  private finalizedHeight = 0;
  private replaying = false;
  private clockOffset = 0;
  private manualNow: number;

  private constructor(
    private readonly chain: Chain,
    readonly genesisTime: number,
    private readonly clockMode: ClockMode,
    private readonly blockTimeMs: number | undefined,
  ) {
    this.manualNow = genesisTime;
    this.headers.push({
      number: 0,
      hash: chain.rt.genesisHash,
      parentHash: `0x${'00'.repeat(32)}`,
      timestamp: genesisTime,
      txHashes: [],
    });
    this.blockEventStart.push(0);
  }

  static async open(opts: EmbeddedLedgerOptions = {}): Promise<EmbeddedLedger> {
    await cryptoWaitReady();
    let entries: LogEntry[] = [];
    let log: BlockLog | null = null;
    if (opts.dataDir !== undefined) {
      const opened = BlockLog.open(opts.dataDir);
      ({ log, entries } = opened);
      if (opened.truncatedBytes > 0) {
        opts.onNotice?.({
          level: 'warn',
          message: `block log ${log.path}: cut off an unfinished last entry (${opened.truncatedBytes} bytes) left by an interrupted write`,
        });
      }
    }
    try {
      return await EmbeddedLedger.start(opts, log, entries);
    } catch (err) {
      await log?.close();
      throw err;
    }
  }

  private static async start(
    opts: EmbeddedLedgerOptions,
    log: BlockLog | null,
    entries: LogEntry[],
  ): Promise<EmbeddedLedger> {
    const head = entries[0];
    const genesis =
      head?.t === 'genesis'
        ? head
        : ({
            t: 'genesis',
            version: 1,
            time: opts.genesisTime ?? Date.now(),
            clock: opts.clock ?? 'system',
          } as const);
    const chain = new Chain(Chain.genesisHash(genesis.time));
    // 0 (or less) means what omitting it means: a block per submission.
    const blockTimeMs = opts.blockTimeMs !== undefined && opts.blockTimeMs > 0 ? opts.blockTimeMs : undefined;
    const ledger = new EmbeddedLedger(chain, genesis.time, genesis.clock, blockTimeMs);
    const addresses: Record<string, Address> = {};
    for (const uri of DEV_URIS) addresses[uri] = ledger.addPair(uri);
    chain.genesis(addresses);
    if (head?.t !== 'genesis') log?.append(genesis);
    const t0 = performance.now();
    ledger.replay(entries.slice(head?.t === 'genesis' ? 1 : 0));
    if (log && entries.length > 1) {
      opts.onNotice?.({
        level: 'info',
        message: `block log ${log.path}: replayed ${ledger.lastHeader().number} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      });
    }
    ledger.log = log;
    for (const s of opts.signers ?? []) await ledger.addSigner(signerKeyOf(s));
    if (blockTimeMs !== undefined) {
      ledger.timer = setInterval(() => ledger.sealPending(), blockTimeMs);
      ledger.timer.unref();
    }
    return ledger;
  }

  // ---------------------------------------------------------------- clock

  /** The chain's current time (ms). Never behind the latest block. */
  now(): number {
    const t = this.clockMode === 'manual' ? this.manualNow : Date.now() + this.clockOffset;
    const last = this.pending?.timestamp ?? this.lastHeader().timestamp;
    return Math.max(t, last);
  }

  /** Move the clock forward (expiries, lock-ups, payment dates). Recorded in the block log. */
  advanceTime(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new LedgerError('ValidationError', 'advanceTime needs ms ≥ 0');
    this.setTime(this.now() + ms);
  }

  /** Set the clock to a later time (ISO string or ms). */
  setTime(time: string | number): void {
    const t = typeof time === 'number' ? time : Date.parse(time);
    if (Number.isNaN(t) || t < this.now())
      throw new LedgerError('ValidationError', 'the clock only moves forward');
    this.sealPending();
    if (this.clockMode === 'manual') this.manualNow = t;
    else this.clockOffset = t - Date.now();
    this.log?.append(
      this.clockMode === 'manual' ? { t: 'clock', now: t } : { t: 'clock', offset: this.clockOffset },
    );
  }

  // ---------------------------------------------------------------- keys and signing

  private addPair(uri: string): Address {
    const pair = this.keyring.addFromUri(uri);
    this.pairs.set(pair.address, pair);
    return pair.address;
  }

  async addSigner(key: SignerKey): Promise<Address> {
    return 'uri' in key
      ? this.addPair(key.uri)
      : this.addPair(`${key.mnemonic.trim()}${key.derivationPath ?? ''}`);
  }

  /** Client half: sign a call with a held key (nonce defaults to the account's next nonce). */
  signTransaction<K extends CallName>(call: LedgerCall<K>, opts: SubmitOptions): SignedTransaction {
    const pair = this.pairs.get(opts.signer);
    if (!pair) throw new LedgerError('UnknownSigner', `no key held for ${opts.signer}`);
    return sign(pair, this.chain.rt.genesisHash, opts.nonce ?? this.chain.system.nonce(opts.signer), call);
  }

  async submit<K extends CallName>(
    call: LedgerCall<K>,
    opts: SubmitOptions,
  ): Promise<Receipt<CallResult<K>>> {
    return (await this.submitSigned(this.signTransaction(call, opts))) as Receipt<CallResult<K>>;
  }

  /** Chain half: verify, admit, include and dispatch a signed transaction. */
  async submitSigned(tx: SignedTransaction): Promise<Receipt> {
    if (this.closed) throw new LedgerError('NotConnected', 'ledger is closed');
    if (this.broken) throw this.broken;
    const block = this.openBlock();
    let outcome: TxOutcome;
    try {
      outcome = this.apply(block, tx, true);
    } catch (err) {
      // A block whose start already ran scheduled tasks (events) must be kept.
      if (this.blockTimeMs === undefined && block.txs.length === 0 && block.events.length === 0)
        this.pending = null;
      else if (this.blockTimeMs === undefined) this.sealPending();
      throw err;
    }
    // Resolved once the block is on disk: callers record the operation as final on return.
    const receipt = new Promise<Receipt>((resolve, reject) => {
      block.waiters.push({ hash: outcome.hash, resolve, reject });
    });
    if (this.blockTimeMs === undefined) this.sealPending();
    return receipt;
  }

  private receiptOrThrow(hash: string): Receipt {
    const r = this.txIndex.get(hash) as Receipt;
    if (r.error)
      throw new LedgerError(r.error.code, r.error.message, undefined, {
        txHash: r.txHash,
        blockNumber: r.blockNumber,
      });
    return r;
  }

  // ---------------------------------------------------------------- blocks

  private lastHeader(): BlockHeader {
    return this.headers[this.headers.length - 1] as BlockHeader;
  }

  private openBlock(timestamp?: number): PendingBlock {
    if (!this.pending) {
      const number = this.lastHeader().number + 1;
      this.pending = { number, timestamp: timestamp ?? this.now(), txs: [], events: [], waiters: [] };
      this.startBlock(this.pending);
    }
    return this.pending;
  }

  /** Block start (Polymesh's scheduler / on_initialize): settlement's scheduled executions. */
  private startBlock(block: PendingBlock): void {
    const rt = this.chain.rt;
    rt.now = block.timestamp;
    rt.blockNumber = block.number;
    rt.runBlockStart();
    for (const r of rt.takeEvents()) {
      block.events.push({
        block: block.number,
        index: block.events.length,
        module: r.module,
        name: r.name,
        data: r.data,
      });
    }
  }

  /**
   * Transaction pipeline: signature → call → nonce → admission → fee (all refuse without
   * inclusion), then inclusion: nonce and fee consumed, dispatch atomic.
   */
  private apply(block: PendingBlock, tx: SignedTransaction, verifySignature: boolean): TxOutcome {
    const { chain } = this;
    const rt = chain.rt;
    if (verifySignature && !verify(rt.genesisHash, tx)) {
      throw new LedgerError('BadSignature', `signature does not match signer ${tx.signer}`);
    }
    const def = rt.call(tx.call?.name);
    if (!def) throw new LedgerError('Unsupported', `unknown call ${String(tx.call?.name)}`);
    const expected = chain.system.nonce(tx.signer);
    if (tx.nonce !== expected) {
      throw new LedgerError('InvalidNonce', `nonce ${tx.nonce} given, ${expected} expected`, 'system', {
        expected,
      });
    }
    rt.now = block.timestamp;
    rt.blockNumber = block.number;
    const args = tx.call.args ?? {};
    const did = def.admitWithoutIdentity?.(tx.signer, args)
      ? chain.identity.didOf(tx.signer)
      : chain.identity.admit(tx.signer);
    const origin: Origin = { signer: tx.signer, did, nonce: tx.nonce };
    let fee: bigint;
    try {
      fee = def.fee?.(origin, args) ?? 0n;
    } catch {
      fee = 0n; // malformed arguments: dispatch refuses them, the fee rule has nothing to price
    }
    if (!chain.balances.chargeFee(tx.signer, fee)) {
      throw new LedgerError(
        'InsufficientPolyx',
        `account ${tx.signer} cannot pay the ${fromUnits(fee)} POLYX fee`,
        'transactionPayment',
      );
    }
    chain.system.bumpNonce(tx.signer);
    const hash = txHash(rt.genesisHash, tx);
    const outcome: TxOutcome = { tx, hash, events: [], result: undefined };
    const raw = [];
    try {
      outcome.result = rt.state.journal.atomic(() => def.handler(origin, args));
      raw.push(...rt.takeEvents());
      raw.push({ module: 'system', name: 'ExtrinsicSuccess', data: {} });
    } catch (err) {
      rt.takeEvents();
      const e = LedgerError.is(err)
        ? err
        : new LedgerError('ValidationError', err instanceof Error ? err.message : String(err));
      outcome.error = { code: e.code, message: e.message };
      raw.push({
        module: 'system',
        name: 'ExtrinsicFailed',
        data: { error: e.code, module: e.module ?? null, message: e.message },
      });
    }
    if (fee > 0n) {
      raw.unshift({
        module: 'transactionPayment',
        name: 'TransactionFeePaid',
        data: { who: tx.signer, actualFee: fromUnits(fee) },
      });
    }
    for (const r of raw) {
      const ev: LedgerEvent = {
        block: block.number,
        index: block.events.length,
        module: r.module,
        name: r.name,
        data: r.data,
        txHash: hash,
      };
      block.events.push(ev);
      outcome.events.push(ev);
    }
    block.txs.push(outcome);
    return outcome;
  }

  /** Seals the pending block (if it has transactions or events): hash, log, then publish. */
  private sealPending(): void {
    const block = this.pending;
    if (!block) return;
    this.pending = null;
    if (block.txs.length === 0 && block.events.length === 0) return;
    const parent = this.lastHeader();
    const txHashes = block.txs.map((t) => t.hash);
    const hash = blake2AsHex(`${parent.hash}:${block.number}:${block.timestamp}:${txHashes.join(',')}`, 256);
    this.headers.push({
      number: block.number,
      hash,
      parentHash: parent.hash,
      timestamp: block.timestamp,
      txHashes,
    });
    if (this.log) {
      this.log.append(
        { t: 'block', n: block.number, ts: block.timestamp, txs: block.txs.map((t) => t.tx) },
        (err) => (err ? this.fail(block, err) : this.publish(block, hash)),
      );
    } else {
      this.publish(block, hash);
    }
    // Work scheduled for the next block (e.g. a fully affirmed instruction) gets a block of its
    // own right away; on replay that block comes from the log instead.
    if (!this.replaying && this.chain.rt.hasWorkAt(block.number + 1)) {
      this.openBlock();
      this.sealPending();
    }
  }

  /**
   * Makes a durable block visible through the port: events, receipts, lookups. State queries
   * may run ahead of it by the blocks still being written, as a node's best block runs ahead of
   * its finalised one.
   */
  private publish(block: PendingBlock, hash: string): void {
    this.finalizedHeight = block.number;
    this.blockEventStart[block.number] = this.events.length;
    for (const ev of block.events) this.events.push(ev);
    for (const t of block.txs) {
      const receipt: Receipt = {
        txHash: t.hash,
        blockNumber: block.number,
        blockHash: hash,
        signer: t.tx.signer,
        nonce: t.tx.nonce,
        events: t.events,
        result: t.result,
      };
      if (t.error) receipt.error = t.error;
      this.txIndex.set(t.hash, receipt);
      this.txIndex.set(`${t.tx.signer}|${t.tx.nonce}`, receipt);
    }
    for (const ev of block.events) {
      for (const l of this.listeners) l(ev);
    }
    for (const w of block.waiters) {
      try {
        w.resolve(this.receiptOrThrow(w.hash));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  private fail(block: PendingBlock, err: Error): void {
    this.broken ??= new LedgerError(
      'NotConnected',
      `${err.message}; the embedded ledger accepts no more transactions until the server restarts`,
    );
    for (const w of block.waiters) w.reject(this.broken);
  }

  private replay(entries: LogEntry[]): void {
    this.replaying = true;
    for (const e of entries) {
      if (e.t === 'clock') {
        if (e.now !== undefined) this.manualNow = e.now;
        if (e.offset !== undefined) this.clockOffset = e.offset;
        continue;
      }
      if (e.t !== 'block') continue;
      const block = this.openBlock(e.ts);
      if (block.number !== e.n)
        throw new Error(`block log out of order: expected block ${block.number}, found ${e.n}`);
      for (const tx of e.txs) this.apply(block, tx, false);
      this.sealPending();
    }
    this.replaying = false;
  }

  // ---------------------------------------------------------------- port: chain

  async info(): Promise<LedgerInfo> {
    const h = this.lastHeader().number;
    return {
      kind: 'embedded',
      chain: CHAIN_NAME,
      specVersion: SPEC_VERSION,
      genesisHash: this.chain.rt.genesisHash,
      blockHeight: h,
      finalizedHeight: this.finalizedHeight,
      time: iso(this.now()),
    };
  }

  async nonce(address: Address): Promise<number> {
    return this.chain.system.nonce(address);
  }

  async findTransaction(
    signer: Address,
    nonce: number,
    opts: { fromBlock?: number; toBlock?: number } = {},
  ): Promise<TransactionLookup | null> {
    const r = this.txIndex.get(`${signer}|${nonce}`);
    if (!r || r.blockNumber < (opts.fromBlock ?? 0) || r.blockNumber > (opts.toBlock ?? Infinity))
      return null;
    if (!r.error) return { status: 'success', receipt: r };
    return {
      status: 'failed',
      txHash: r.txHash,
      blockNumber: r.blockNumber,
      blockHash: r.blockHash,
      error: r.error,
    };
  }

  async subscribeEvents(fromBlock: number, handler: (event: LedgerEvent) => void): Promise<Unsubscribe> {
    const from = Math.max(0, fromBlock);
    let start = this.events.length;
    for (let b = from; b < this.blockEventStart.length; b++) {
      const s = this.blockEventStart[b];
      if (s !== undefined) {
        start = s;
        break;
      }
    }
    for (let i = start; i < this.events.length; i++) handler(this.events[i] as LedgerEvent);
    this.listeners.add(handler);
    return () => {
      this.listeners.delete(handler);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.sealPending();
    this.closed = true;
    await this.log?.close();
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- port: queries

  /** Evaluate reads at the clock's current time. */
  private get q(): Chain {
    this.chain.rt.now = this.now();
    return this.chain;
  }

  async polyxBalance(address: Address): Promise<{ total: Decimal; locked: Decimal; free: Decimal }> {
    const b = fromUnits(this.chain.balances.balance(address));
    return { total: b, locked: '0', free: b };
  }
  async identityOf(address: Address): Promise<Did | null> {
    return this.chain.identity.didOf(address);
  }
  async identity(did: Did): Promise<IdentityInfo | null> {
    return this.chain.identity.info(did);
  }
  async hasValidCdd(did: Did): Promise<boolean> {
    return this.q.identity.hasValidCdd(did);
  }
  async cddProviders(): Promise<Did[]> {
    return this.chain.identity.cddProviderList();
  }
  async claims(did: Did, filter?: ClaimFilter): Promise<IdentityClaim[]> {
    return this.q.identity.claimsOf(did, filter);
  }
  async issuedClaims(issuer: Did, filter?: ClaimFilter): Promise<IdentityClaim[]> {
    return this.q.identity.claimsIssuedBy(issuer, filter);
  }
  async customClaimTypes(): Promise<{ id: number; name: string }[]> {
    return this.chain.identity.customClaimTypeList();
  }
  async authorizations(target: Address | Did): Promise<Authorization[]> {
    return this.q.identity.authorizationsFor(target);
  }
  async tickerReservation(ticker: string): Promise<TickerReservation | null> {
    return this.chain.asset.reservation(ticker);
  }
  async nextAssetId(address: Address): Promise<AssetId> {
    return this.chain.asset.nextAssetId(address);
  }
  async asset(assetId: AssetId): Promise<AssetDetails | null> {
    return this.chain.asset.details(assetId);
  }
  async assetIdOf(ticker: string): Promise<AssetId | null> {
    return this.chain.asset.assetIdOfTicker(ticker);
  }
  async assetDocuments(assetId: AssetId): Promise<(AssetDocument & { id: number })[]> {
    return this.chain.asset.documentsOf(assetId);
  }
  async assetMetadata(assetId: AssetId): Promise<MetadataEntry[]> {
    return this.chain.asset.metadataOf(assetId);
  }
  async customAssetTypes(): Promise<{ id: number; name: string }[]> {
    return this.chain.asset.customTypeList();
  }
  async agents(assetId: AssetId): Promise<AssetAgent[]> {
    return this.chain.agents.list(assetId);
  }
  async assetBalance(assetId: AssetId, did: Did): Promise<Decimal> {
    return fromUnits(this.chain.asset.balanceOf(assetId, did));
  }
  async holders(assetId: AssetId): Promise<Holder[]> {
    return this.chain.asset.holders(assetId);
  }
  async portfolios(did: Did): Promise<PortfolioInfo[]> {
    return this.chain.identity.exists(did) ? this.chain.portfolio.list(did) : [];
  }
  async portfolioBalances(portfolio: PortfolioRef, assetId?: AssetId): Promise<PortfolioBalance[]> {
    return this.chain.portfolio.balancesOf(argPortfolio(portfolio, 'portfolio'), assetId);
  }
  async compliance(assetId: AssetId): Promise<AssetCompliance> {
    return this.chain.compliance.get(assetId);
  }
  async trustedClaimIssuers(assetId: AssetId): Promise<TrustedClaimIssuer[]> {
    return this.chain.compliance.trustedIssuers(assetId);
  }
  async transferRestrictions(assetId: AssetId): Promise<TransferRestrictions> {
    return this.q.statistics.restrictions(assetId);
  }
  async canTransfer(args: {
    assetId: AssetId;
    from: PortfolioRef;
    to: PortfolioRef;
    amount: Decimal;
  }): Promise<TransferBreakdown> {
    return this.canTransferSync(args);
  }

  /** Synchronous `canTransfer` (benchmarks, server-side batch checks). */
  canTransferSync(args: {
    assetId: AssetId;
    from: PortfolioRef;
    to: PortfolioRef;
    amount: Decimal;
  }): TransferBreakdown {
    return this.q.transfers.report(
      args.assetId,
      argPortfolio(args.from, 'from'),
      argPortfolio(args.to, 'to'),
      toUnits(args.amount),
    );
  }

  // ---------------------------------------------------------------- port: settlement, offerings,
  // checkpoints and corporate actions (modules/settlement, sto, checkpoint, corporate-actions)

  async venue(venueId: number): Promise<VenueInfo | null> {
    return this.chain.settlement.venue(venueId);
  }
  async venues(did: Did): Promise<VenueInfo[]> {
    return this.chain.settlement.venuesOf(did);
  }
  async venueFiltering(assetId: AssetId): Promise<{ enabled: boolean; allowedVenues: number[] }> {
    return this.chain.settlement.venueFiltering(assetId);
  }
  async instruction(id: number): Promise<InstructionDetails | null> {
    return this.chain.settlement.details(id);
  }
  async instructionsOf(did: Did): Promise<InstructionDetails[]> {
    return this.chain.settlement.instructionsOf(did);
  }
  async mandatoryMediators(assetId: AssetId): Promise<Did[]> {
    return this.chain.settlement.mandatoryMediators(assetId);
  }
  async fundraiser(assetId: AssetId, fundraiserId: number): Promise<FundraiserDetails | null> {
    return this.q.sto.details(assetId, fundraiserId);
  }
  async fundraisers(assetId: AssetId): Promise<FundraiserDetails[]> {
    return this.q.sto.list(assetId);
  }
  async checkpoints(assetId: AssetId): Promise<CheckpointInfo[]> {
    return this.chain.checkpoint.list(assetId);
  }
  async checkpointSchedules(assetId: AssetId): Promise<CheckpointSchedule[]> {
    return this.chain.checkpoint.scheduleList(assetId);
  }
  async balanceAtCheckpoint(assetId: AssetId, checkpointId: number, did: Did): Promise<Decimal | null> {
    return this.chain.checkpoint.balanceAtDecimal(assetId, checkpointId, did);
  }
  async checkpointBalances(assetId: AssetId, checkpointId: number): Promise<Holder[]> {
    return this.chain.checkpoint.allBalances(assetId, checkpointId);
  }
  async corporateActions(assetId: AssetId): Promise<CorporateActionInfo[]> {
    return this.chain.corporateActions.corporateActions(assetId);
  }
  async corporateAction(assetId: AssetId, caId: number): Promise<CorporateActionInfo | null> {
    return this.chain.corporateActions.corporateAction(assetId, caId);
  }
  async corporateActionDefaults(assetId: AssetId): Promise<CADefaults> {
    return this.chain.corporateActions.defaults(assetId);
  }
  async distribution(assetId: AssetId, caId: number): Promise<DistributionInfo | null> {
    return this.chain.corporateActions.distribution(assetId, caId);
  }
  async distributionPaid(assetId: AssetId, caId: number, holder: Did): Promise<boolean> {
    return this.chain.corporateActions.isPaid(assetId, caId, holder);
  }
  async ballot(assetId: AssetId, caId: number): Promise<BallotInfo | null> {
    return this.chain.corporateActions.ballot(assetId, caId);
  }
  async ballotVotes(assetId: AssetId, caId: number, did: Did): Promise<BallotVote[] | null> {
    return this.chain.corporateActions.ballotVotes(assetId, caId, did);
  }

  /** The embedded runtime, for modules and benchmarks that need direct access. */
  get runtime(): Chain {
    return this.chain;
  }
}
