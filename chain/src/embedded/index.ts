/**
 * The embedded ledger: Polymesh's rules in-process, deterministic, with blocks, a controllable
 * clock, real sr25519 signatures, account nonces, fees, events and a replayable block log.
 */
import { availableParallelism } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { createHash, type Hash } from 'node:crypto';
import type { CallName, CallResult, LedgerCall } from '../calls.js';
import { LedgerError } from '../errors.js';
import type {
  Address,
  AssetId,
  ClockAdvance,
  Decimal,
  DevelopmentClock,
  Did,
  Ledger,
  LedgerEvent,
  LedgerInfo,
  Receipt,
  SignerKey,
  SubmitOptions,
  Timestamp,
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
  FeeEstimate,
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
import type {
  FundraiserDetails,
  InstructionDetails,
  InstructionStatus,
  VenueInfo,
} from '../calls-settlement.js';
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
import { BlockLog, readLines, type ClockMode, type LogLine, type OpenedLog } from './blocklog.js';
import { Chain, DEV_PRIMARY_URI, DEV_SECONDARY_URIS, SS58_FORMAT } from './chain.js';
import { encodedLength, extrinsicOf, transactionFee } from './fees.js';
import { argPortfolio } from './modules/portfolio.js';
import { iso, type Origin } from './runtime.js';
import { TxPool } from './pool.js';
import {
  payloadText,
  sign,
  signingKeyOf,
  signWithKey,
  txHash,
  verify,
  type SignatureJob,
  type SignatureResult,
  type SignedTransaction,
  type SigningKey,
} from './signing.js';
import { Verifier } from './verifier.js';
import {
  captureState,
  DEFAULT_SNAPSHOT_EVERY_BLOCKS,
  layoutOf,
  loadSnapshot,
  logMark,
  restoreState,
  SNAPSHOT_FORMAT,
  writeSnapshot,
  type ChainHead,
  type LogMark,
  type Snapshot,
  type StateCapture,
} from './snapshot.js';
import { EventStore, StoreDamagedError, type BlockRecord, type TxRecord } from './store.js';

export { Chain, DEV_DID } from './chain.js';
export type { SignedTransaction } from './signing.js';
export { DEFAULT_FUTURE_LIMIT } from './pool.js';
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
  /**
   * With a data folder: write a state snapshot every this many blocks (and on close), so that an
   * open replays only the log after the newest one. 0 turns snapshots off. Default 10,000.
   */
  snapshotEveryBlocks?: number;
  /** Recent blocks whose events and receipts stay decoded in memory (default 256). */
  eventWindowBlocks?: number;
  /**
   * Worker threads that check signatures (and sign for the keys the ledger holds) once
   * transactions come in bursts; default one per core, 0 keeps that work on the main thread.
   */
  signatureThreads?: number;
  /**
   * Future-nonce queue, per account: how many transactions whose nonce is above the account's
   * next may wait for the gap below them to fill, as in a node's pool (`DEFAULT_FUTURE_LIMIT`,
   * 8,192, is Polymesh's). Default 0: such a nonce is refused at once (`InvalidNonce`).
   * `createLedger` turns the queue on.
   */
  futureNonces?: number;
}

/** A transaction on its way in: signature work, then (maybe a wait for its nonce) inclusion. */
interface Submission {
  signer: Address;
  nonce: number;
  call: LedgerCall;
  /** Set when it came signed; a `sign` job gets it from the verifier. */
  tx?: SignedTransaction;
  /** Its hash, from the verifier. */
  hash?: string;
  resolve: (r: Receipt) => void;
  reject: (e: unknown) => void;
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

/** Polymesh's target block time (`MILLISECS_PER_BLOCK` of the develop, testnet and mainnet runtimes). */
export const POLYMESH_BLOCK_TIME_MS = 6000;
/** The most blocks one move of the development clock produces (about 69 days of a node's blocks). */
const MAX_CLOCK_BLOCKS = 1_000_000;

const CHAIN_NAME = 'Polymesh Embedded Dev';
const SPEC_VERSION = 7_000_000;
const DEV_URIS = [DEV_PRIMARY_URI, ...DEV_SECONDARY_URIS];

export class EmbeddedLedger implements Ledger {
  readonly kind = 'embedded' as const;
  readonly capabilities = { batch: true };
  private readonly keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
  private readonly pairs = new Map<Address, KeyringPair>();
  /** The latest sealed block. */
  private head: ChainHead;
  /** Events and receipts of published blocks (on disk with a data folder, a recent window in memory). */
  private store: EventStore = EventStore.memory();
  private dataDir: string | null = null;
  private snapshotEvery = 0;
  /** State taken at a block boundary, written once that block is published. */
  private pendingSnapshot: StateCapture | null = null;
  private lastSnapshotHeight = 0;
  private layout: string[] = [];
  /** While replaying: where the log stands after the entry being replayed. */
  private replayMark: (() => LogMark) | null = null;
  private onNotice: ((n: LedgerNotice) => void) | undefined;
  /** Held keys in schnorrkel form (signed on worker threads); keyring pairs sign the others. */
  private readonly signingKeys = new Map<Address, SigningKey>();
  private readonly verifier: Verifier<Submission>;
  private readonly pool: TxPool<Submission>;
  /** Set by `close()`: no new submissions, those in flight run to their end. */
  private closing = false;
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
  /** While the development clock produces blocks: it opens each at its own time. */
  private clockRun = false;

  private constructor(
    private readonly chain: Chain,
    readonly genesisTime: number,
    private readonly clockMode: ClockMode,
    private readonly blockTimeMs: number | undefined,
    pipeline: { threads: number; futureNonces: number; onNotice?: (n: LedgerNotice) => void },
  ) {
    this.manualNow = genesisTime;
    this.pool = new TxPool(pipeline.futureNonces);
    this.verifier = new Verifier<Submission>({
      threads: pipeline.threads,
      keyOf: (a) => this.signingKeys.get(a),
      deliver: (s, r) => {
        try {
          this.admit(s, r);
        } catch (err) {
          // E.g. the block log refusing an append: this submission fails, the next ones go on.
          s.reject(err);
        }
      },
      onNotice: pipeline.onNotice,
    });
    this.head = {
      number: 0,
      hash: chain.rt.genesisHash,
      parentHash: `0x${'00'.repeat(32)}`,
      timestamp: genesisTime,
    };
  }

  static async open(opts: EmbeddedLedgerOptions = {}): Promise<EmbeddedLedger> {
    await cryptoWaitReady();
    let opened: OpenedLog | null = null;
    if (opts.dataDir !== undefined) {
      opened = BlockLog.open(opts.dataDir);
      if (opened.truncatedBytes > 0) {
        opts.onNotice?.({
          level: 'warn',
          message: `block log ${opened.log.path}: cut off an unfinished last entry (${opened.truncatedBytes} bytes) left by an interrupted write`,
        });
      }
    }
    try {
      return await EmbeddedLedger.start(opts, opened);
    } catch (err) {
      await opened?.log.close();
      throw err;
    }
  }

  private static async start(
    opts: EmbeddedLedgerOptions,
    opened: OpenedLog | null,
    useSnapshots = true,
  ): Promise<EmbeddedLedger> {
    const log = opened?.log ?? null;
    const bytes = opened?.bytes ?? Buffer.alloc(0);
    const first = readLines(log?.path ?? '', bytes).next();
    const head = first.done ? undefined : first.value;
    const genesis =
      head?.entry.t === 'genesis'
        ? head.entry
        : ({
            t: 'genesis',
            version: 2,
            time: opts.genesisTime ?? Date.now(),
            clock: opts.clock ?? 'system',
          } as const);
    const chain = new Chain(Chain.genesisHash(genesis.time));
    const current = genesis.version >= 2;
    chain.rt.rules = { fees: current, permissions: current };
    // 0 (or less) means what omitting it means: a block per submission.
    const blockTimeMs = opts.blockTimeMs !== undefined && opts.blockTimeMs > 0 ? opts.blockTimeMs : undefined;
    const ledger = new EmbeddedLedger(chain, genesis.time, genesis.clock, blockTimeMs, {
      threads: Math.max(0, Math.floor(opts.signatureThreads ?? Math.min(availableParallelism(), 4))),
      futureNonces: Math.max(0, Math.floor(opts.futureNonces ?? 0)),
      onNotice: opts.onNotice,
    });
    ledger.onNotice = opts.onNotice;
    const addresses: Record<string, Address> = {};
    for (const uri of DEV_URIS) addresses[uri] = ledger.addPair(uri);
    chain.genesis(addresses);
    ledger.layout = layoutOf(chain, chain.rt.state.containers);
    let from = head?.entry.t === 'genesis' ? head.end : 0;
    let hash = createHash('sha256').update(bytes.subarray(0, from));
    if (log && opts.dataDir !== undefined) {
      const dataDir = opts.dataDir;
      ledger.dataDir = dataDir;
      ledger.snapshotEvery = Math.max(
        0,
        Math.floor(opts.snapshotEveryBlocks ?? DEFAULT_SNAPSHOT_EVERY_BLOCKS),
      );
      const warn = (message: string) => opts.onNotice?.({ level: 'warn', message });
      const loaded =
        ledger.snapshotEvery > 0 && useSnapshots
          ? loadSnapshot(
              dataDir,
              bytes,
              { genesisHash: chain.rt.genesisHash, layout: ledger.layout },
              (path, why) => warn(`snapshot ${path} ignored: ${why}; replaying the block log instead`),
            )
          : null;
      let store: EventStore | null = null;
      if (loaded) {
        try {
          store = EventStore.open(dataDir, loaded.snap.store, loaded.snap.head.hash, opts.eventWindowBlocks);
        } catch (err) {
          if (!(err instanceof StoreDamagedError)) throw err;
          warn(
            `${err.message}: snapshot ${loaded.path} ignored, rebuilding the event store from the block log`,
          );
        }
      }
      store ??= EventStore.open(dataDir, null, null, opts.eventWindowBlocks);
      ledger.store = store;
      if (loaded && store.height > 0) {
        try {
          ledger.restore(loaded.snap);
        } catch (err) {
          // Checked, yet not restorable (a state this code cannot read): start over without it.
          store.close();
          warn(
            `snapshot ${loaded.path} ignored: ${err instanceof Error ? err.message : String(err)}; replaying the block log instead`,
          );
          return EmbeddedLedger.start(opts, opened, false);
        }
        from = loaded.snap.log.offset;
        hash = loaded.hash;
      }
    }
    try {
      const t0 = performance.now();
      const base = ledger.head.number;
      ledger.replay(readLines(log?.path ?? '', bytes, from), bytes, from, hash);
      if (log && ledger.head.number > 0) {
        const replayed = ledger.head.number - base;
        opts.onNotice?.({
          level: 'info',
          message:
            `block log ${log.path}: replayed ${replayed} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
            (base > 0 ? ` after the snapshot at block ${base} (height ${ledger.head.number})` : ''),
        });
      }
      log?.adoptHash(hash, bytes.length);
      ledger.log = log;
      // A long replay (a first open, or a lost snapshot) is not repeated by the next open.
      if (
        log &&
        ledger.snapshotEvery > 0 &&
        ledger.head.number - ledger.lastSnapshotHeight >= ledger.snapshotEvery
      ) {
        ledger.pendingSnapshot = ledger.capture();
        ledger.writePendingSnapshot();
      }
      if (head?.entry.t !== 'genesis') log?.append(genesis);
      for (const s of opts.signers ?? []) await ledger.addSigner(signerKeyOf(s));
    } catch (err) {
      ledger.store.close();
      throw err;
    }
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
    const last = this.pending?.timestamp ?? this.head.timestamp;
    return Math.max(t, last);
  }

  /** Move the clock forward (expiries, lock-ups, payment dates). Recorded in the block log. */
  advanceTime(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new LedgerError('ValidationError', 'advanceTime needs ms ≥ 0');
    this.setTime(this.now() + ms);
  }

  /**
   * Set the clock to a later time (ISO string or ms). Only the clock moves; `devClock.advanceTo`
   * also produces the blocks whose scheduled work falls due on the way.
   */
  setTime(time: string | number): void {
    const t = typeof time === 'number' ? time : Date.parse(time);
    if (Number.isNaN(t) || t < this.now())
      throw new LedgerError('ValidationError', 'the clock only moves forward');
    this.moveClock(t);
  }

  /**
   * Seals the open block, sets the clock to `t` and logs it; `durable` runs once the entry is on
   * disk, and with it every block before it (their callbacks run first), or with the log's error.
   */
  private moveClock(t: number, durable: (err: Error | null) => void = () => undefined): void {
    this.sealPending();
    if (this.clockMode === 'manual') this.manualNow = t;
    else this.clockOffset = t - Date.now();
    if (!this.log) return durable(null);
    this.log.append(
      this.clockMode === 'manual' ? { t: 'clock', now: t } : { t: 'clock', offset: this.clockOffset },
      durable,
    );
  }

  /** The development clock of the port (see `DevelopmentClock`). */
  readonly devClock: DevelopmentClock = {
    advanceTo: async (to) => this.advanceClockTo(to),
  };

  /** Resolves once the produced blocks and the clock's new time are on disk (as `submit` does). */
  private advanceClockTo(to: Timestamp): Promise<ClockAdvance> {
    this.assertOpen();
    const target = typeof to === 'string' ? Date.parse(to) : Number.NaN;
    const from = this.now();
    if (!Number.isFinite(target))
      throw new LedgerError('ValidationError', `to: must be an ISO-8601 timestamp, not ${String(to)}`);
    if (target <= from)
      throw new LedgerError(
        'ValidationError',
        `the clock only moves forward: ${iso(target)} is not after the chain's time ${iso(from)}`,
      );
    this.sealPending();
    const start = this.head.number;
    // The height a node would reach by `target`, producing a block every POLYMESH_BLOCK_TIME_MS.
    const reach = start + Math.floor((target - from) / POLYMESH_BLOCK_TIME_MS);
    const rt = this.chain.rt;
    let last: number | undefined;
    for (let b = rt.nextWorkAfter(start); b !== undefined && b <= reach; b = rt.nextWorkAfter(b)) last = b;
    if (last !== undefined && last - start > MAX_CLOCK_BLOCKS)
      throw new LedgerError(
        'ValidationError',
        `an instruction is scheduled for block ${last}, ${last - start} blocks ahead, and one advance produces at most ${MAX_CLOCK_BLOCKS} blocks: move the clock to before ${iso(from + (last - start) * POLYMESH_BLOCK_TIME_MS)}, or reject the instruction first`,
      );
    // Every number up to the last block with work (the log has no gaps), each at the time a node
    // would have produced it; work a produced block schedules for a later one extends the run.
    this.clockRun = true;
    try {
      const due = () => {
        const b = rt.nextWorkAfter(this.head.number);
        return b !== undefined && b <= reach ? b : undefined;
      };
      for (let next = due(); next !== undefined; next = due()) {
        while (this.head.number < next) {
          const n = this.head.number + 1;
          this.openBlock(Math.max(this.head.timestamp, from + (n - start) * POLYMESH_BLOCK_TIME_MS));
          this.sealPending(true);
        }
      }
    } finally {
      this.clockRun = false;
    }
    // As after any block: work scheduled for the next one gets its block right away.
    if (rt.hasWorkAt(this.head.number + 1)) {
      this.openBlock();
      this.sealPending();
    }
    const moved: ClockAdvance = {
      from: iso(from),
      to: iso(target),
      blocksProduced: this.head.number - start,
      blockHeight: this.head.number,
    };
    return new Promise((resolve, reject) =>
      this.moveClock(target, (err) => (err ? reject(this.broken ?? err) : resolve(moved))),
    );
  }

  // ---------------------------------------------------------------- keys and signing

  private addPair(uri: string): Address {
    const pair = this.keyring.addFromUri(uri);
    const address = pair.address;
    if (!this.pairs.has(address)) {
      this.pairs.set(address, pair);
      const key = signingKeyOf(uri, pair);
      if (key) {
        this.signingKeys.set(address, key);
        this.verifier.addKey(key);
      }
    }
    return address;
  }

  async addSigner(key: SignerKey): Promise<Address> {
    return 'uri' in key
      ? this.addPair(key.uri)
      : this.addPair(`${key.mnemonic.trim()}${key.derivationPath ?? ''}`);
  }

  /**
   * Client half: sign a call with a held key (nonce defaults to the account's next nonce,
   * counting transactions in flight).
   */
  signTransaction<K extends CallName>(call: LedgerCall<K>, opts: SubmitOptions): SignedTransaction {
    const pair = this.pairs.get(opts.signer);
    if (!pair) throw new LedgerError('UnknownSigner', `no key held for ${opts.signer}`);
    const nonce = opts.nonce ?? this.nextNonce(opts.signer);
    const key = this.signingKeys.get(opts.signer);
    const g = this.chain.rt.genesisHash;
    return key ? signWithKey(key, g, nonce, call) : sign(pair, g, nonce, call);
  }

  /** The nonce `submit` gives a transaction without one: the chain's next, past those in flight. */
  private nextNonce(signer: Address): number {
    return this.pool.nextNonce(signer, this.chain.system.nonce(signer));
  }

  /**
   * Sign (on a worker thread when transactions come in bursts) and submit. Without
   * `opts.nonce` the transaction takes the account's next nonce counting those in flight, so
   * concurrent submissions never collide.
   */
  async submit<K extends CallName>(
    call: LedgerCall<K>,
    opts: SubmitOptions,
  ): Promise<Receipt<CallResult<K>>> {
    const pair = this.pairs.get(opts.signer);
    if (!pair) throw new LedgerError('UnknownSigner', `no key held for ${opts.signer}`);
    this.assertOpen();
    const key = this.signingKeys.get(opts.signer);
    if (!key) return (await this.submitSigned(this.signTransaction(call, opts))) as Receipt<CallResult<K>>;
    const nonce = opts.nonce ?? this.nextNonce(opts.signer);
    const signer = key.address;
    const payload = payloadText(this.chain.rt.genesisHash, signer, nonce, call);
    return (await this.enqueue({ signer, nonce, call }, { op: 'sign', signer, payload })) as Receipt<
      CallResult<K>
    >;
  }

  /**
   * Chain half: verify (on a worker thread when transactions come in bursts), admit, include
   * and dispatch a signed transaction, in the order submitted. A nonce above the account's next
   * waits for the gap to fill when the future queue is on (`futureNonces`).
   */
  async submitSigned(tx: SignedTransaction): Promise<Receipt> {
    this.assertOpen();
    let job: SignatureJob | null = null;
    try {
      const payload = payloadText(this.chain.rt.genesisHash, tx.signer, tx.nonce, tx.call);
      job = { op: 'verify', signer: tx.signer, payload, signature: tx.signature };
    } catch {
      // Not encodable: it cannot carry a valid signature (refused in its turn, BadSignature).
    }
    return this.enqueue({ signer: tx.signer, nonce: tx.nonce, call: tx.call, tx }, job);
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new LedgerError('NotConnected', 'ledger is closed');
    if (this.broken) throw this.broken;
  }

  private enqueue(s: Omit<Submission, 'resolve' | 'reject'>, job: SignatureJob | null): Promise<Receipt> {
    return new Promise<Receipt>((resolve, reject) => {
      const sub: Submission = { ...s, resolve, reject };
      this.pool.claim(sub.signer, sub.nonce);
      this.verifier.submit(sub, job, job ? undefined : { ok: false });
    });
  }

  /** A submission whose signature work is done, in submission order: refuse, queue or include. */
  private admit(s: Submission, r: SignatureResult): void {
    if (!r.ok) {
      this.pool.release(s.signer, s.nonce, true);
      s.reject(
        s.tx || r.error === undefined
          ? new LedgerError('BadSignature', `signature does not match signer ${s.signer}`)
          : new LedgerError('ValidationError', r.error),
      );
      return;
    }
    const tx: SignedTransaction = s.tx ?? {
      signer: s.signer,
      nonce: s.nonce,
      call: s.call,
      signature: r.signature as string,
    };
    s.tx = tx;
    s.hash = r.hash;
    if (this.pool.futureLimit > 0 && Number.isSafeInteger(tx.nonce) && this.chain.rt.call(tx.call?.name)) {
      const expected = this.chain.system.nonce(tx.signer);
      if (tx.nonce > expected) {
        const refused = this.pool.hold(tx.signer, tx.nonce, expected, s);
        if (refused) {
          this.pool.release(s.signer, s.nonce, true);
          s.reject(refused);
        }
        return;
      }
    }
    // Each inclusion may free the next nonce of the same account, waiting in the future queue.
    let next: Submission | undefined = s;
    while (next && this.include(next)) next = this.pool.take(tx.signer, this.chain.system.nonce(tx.signer));
  }

  /** Applies a verified transaction to the open block; true when it was included. */
  private include(s: Submission): boolean {
    let included = false;
    try {
      included = this.includeOrThrow(s);
    } catch (err) {
      // The block log refused the block (see `fail`): this submission fails with its error.
      s.reject(err);
    }
    this.pool.release(s.signer, s.nonce, !included);
    return included;
  }

  private includeOrThrow(s: Submission): boolean {
    const tx = s.tx as SignedTransaction;
    if (this.broken) {
      s.reject(this.broken);
      return false;
    }
    const block = this.openBlock();
    let outcome: TxOutcome;
    try {
      outcome = this.apply(block, tx, false, s.hash);
    } catch (err) {
      // A block whose start already ran scheduled tasks (events) must be kept.
      if (this.blockTimeMs === undefined && block.txs.length === 0 && block.events.length === 0)
        this.pending = null;
      else if (this.blockTimeMs === undefined) this.sealPending();
      s.reject(err);
      return false;
    }
    // Resolved once the block is on disk: callers record the operation as final on return.
    block.waiters.push({ hash: outcome.hash, resolve: s.resolve, reject: s.reject });
    if (this.blockTimeMs === undefined) this.sealPending();
    return true;
  }

  private receiptOrThrow(r: Receipt): Receipt {
    if (r.error)
      throw new LedgerError(r.error.code, r.error.message, undefined, {
        txHash: r.txHash,
        blockNumber: r.blockNumber,
      });
    return r;
  }

  // ---------------------------------------------------------------- blocks

  private openBlock(timestamp?: number): PendingBlock {
    if (!this.pending) {
      const number = this.head.number + 1;
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
   * Transaction pipeline: signature → call → nonce → admission (the fee payer) → fee withdrawn
   * at the call's declared weight (all refuse without inclusion: `BadSignature`, `InvalidNonce`,
   * `MissingIdentity`, `CddRequired`, `InvalidAuthorization`, `InsufficientPolyx` — the chain's
   * `InvalidTransaction::Payment`), then inclusion: nonce
   * consumed, dispatch atomic (key permissions checked first), the fee at the weight used kept
   * and the rest refunded, `transactionPayment.TransactionFeePaid` — also when the dispatch fails.
   */
  private apply(
    block: PendingBlock,
    tx: SignedTransaction,
    verifySignature: boolean,
    knownHash?: string,
  ): TxOutcome {
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
    const { payer, did } = chain.identity.payerFor(tx.signer, tx.call);
    const origin: Origin = { signer: tx.signer, did, nonce: tx.nonce };
    const x = rt.rules.fees ? extrinsicOf(chain, tx.call) : null;
    const length = x ? encodedLength(tx.call, tx.nonce) : 0;
    const withdrawn = x ? transactionFee(length, x.weight) : 0n;
    if (!chain.balances.chargeFee(payer, withdrawn)) {
      throw new LedgerError(
        'InsufficientPolyx',
        `Inability to pay some fees: account ${payer} cannot pay the ${fromUnits(withdrawn)} POLYX transaction fee`,
        'transactionPayment',
      );
    }
    chain.system.bumpNonce(tx.signer);
    const hash = knownHash ?? txHash(rt.genesisHash, tx);
    const outcome: TxOutcome = { tx, hash, events: [], result: undefined };
    const raw = [];
    let ok = true;
    let errorModule: string | null = null;
    rt.payer = payer;
    rt.postWeight = null;
    try {
      outcome.result = rt.state.journal.atomic(() => rt.dispatch(origin, tx.call));
      raw.push(...rt.takeEvents());
    } catch (err) {
      ok = false;
      rt.takeEvents();
      const e = LedgerError.is(err)
        ? err
        : new LedgerError('ValidationError', err instanceof Error ? err.message : String(err));
      outcome.error = { code: e.code, message: e.message };
      errorModule = e.module ?? null;
    } finally {
      rt.payer = null;
    }
    if (x) {
      // Post-dispatch: the fee at the weight used (never above the declared one) is kept.
      const reported = rt.postWeight ?? (ok ? (x.actual ?? x.weight) : x.weight);
      const fee = transactionFee(length, reported < x.weight ? reported : x.weight);
      chain.balances.endow(payer, withdrawn - fee);
      raw.push({
        module: 'transactionPayment',
        name: 'TransactionFeePaid',
        data: { who: payer, actualFee: fromUnits(fee), tip: '0' },
      });
    }
    rt.postWeight = null;
    raw.push(
      ok
        ? { module: 'system', name: 'ExtrinsicSuccess', data: {} }
        : {
            module: 'system',
            name: 'ExtrinsicFailed',
            data: {
              error: outcome.error?.code,
              module: errorModule,
              message: outcome.error?.message,
            },
          },
    );
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

  /**
   * Seals the pending block (if it has transactions or events, or `keepEmpty`: a block the
   * development clock produces, or one replayed from the log): hash, log, then publish.
   */
  private sealPending(keepEmpty = false): void {
    const block = this.pending;
    if (!block) return;
    this.pending = null;
    if (!keepEmpty && block.txs.length === 0 && block.events.length === 0) return;
    const parent = this.head;
    const txHashes = block.txs.map((t) => t.hash);
    const hash = blake2AsHex(`${parent.hash}:${block.number}:${block.timestamp}:${txHashes.join(',')}`, 256);
    this.head = { number: block.number, hash, parentHash: parent.hash, timestamp: block.timestamp };
    if (this.log) {
      this.log.append(
        { t: 'block', n: block.number, ts: block.timestamp, txs: block.txs.map((t) => t.tx) },
        (err) => (err ? this.fail(block, err) : this.publish(block, hash)),
      );
    }
    // The state is exactly this block's end now: a due snapshot is taken here, and written
    // once the block is published (on disk, and in the event store). A replay takes one at its
    // end instead (see `start`).
    if (!this.replaying && this.snapshotEvery > 0 && block.number % this.snapshotEvery === 0)
      this.pendingSnapshot = this.capture();
    if (!this.log) this.publish(block, hash);
    // Work scheduled for the next block (e.g. a fully affirmed instruction) gets a block of its
    // own right away; on replay that block comes from the log instead.
    if (!this.replaying && !this.clockRun && this.chain.rt.hasWorkAt(block.number + 1)) {
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
    const txs: TxRecord[] = block.txs.map((t) => {
      const rec: TxRecord = { hash: t.hash, signer: t.tx.signer, nonce: t.tx.nonce, result: t.result };
      if (t.error) rec.error = t.error;
      return rec;
    });
    const rec: BlockRecord = { n: block.number, hash, events: block.events, txs };
    this.store.append(rec);
    if (this.pendingSnapshot?.head.number === block.number) this.writePendingSnapshot();
    for (const ev of block.events) {
      for (const l of this.listeners) l(ev);
    }
    for (const w of block.waiters) {
      try {
        const i = block.txs.findIndex((t) => t.hash === w.hash);
        w.resolve(this.receiptOrThrow(receiptOf(rec, txs[i] as TxRecord, block.txs[i]?.events)));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  // ---------------------------------------------------------------- snapshots

  private capture(): StateCapture {
    const mark = this.replayMark?.() ?? this.log?.mark();
    if (!mark) throw new Error('snapshot without a block log');
    return captureState(this.chain.rt.state.containers, {
      genesisHash: this.chain.rt.genesisHash,
      head: { ...this.head },
      clock: { offset: this.clockOffset, manualNow: this.manualNow },
      log: mark,
      layout: this.layout,
    });
  }

  /** Writes the pending snapshot with the event store's index at its height (both on disk). */
  private writePendingSnapshot(): void {
    const cap = this.pendingSnapshot;
    this.pendingSnapshot = null;
    if (!cap || this.dataDir === null || this.store.height !== cap.head.number) return;
    try {
      const snap: Snapshot = { ...cap, format: SNAPSHOT_FORMAT, store: this.store.durableIndex() };
      writeSnapshot(this.dataDir, snap);
      this.lastSnapshotHeight = cap.head.number;
    } catch (err) {
      // A snapshot only shortens the next open; the block log still holds everything.
      this.onNotice?.({
        level: 'warn',
        message: `could not write a state snapshot at block ${cap.head.number}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  private restore(snap: Snapshot): void {
    restoreState(this.chain.rt.state.containers, snap.state);
    this.head = { ...snap.head };
    this.finalizedHeight = snap.head.number;
    this.lastSnapshotHeight = snap.head.number;
    this.clockOffset = snap.clock.offset;
    this.manualNow = snap.clock.manualNow;
    this.chain.rt.now = snap.head.timestamp;
    this.chain.rt.blockNumber = snap.head.number;
  }

  private fail(block: PendingBlock, err: Error): void {
    this.broken ??= new LedgerError(
      'NotConnected',
      `${err.message}; the embedded ledger accepts no more transactions until the server restarts`,
    );
    for (const w of block.waiters) w.reject(this.broken);
  }

  /** Applies the log's lines (from byte `from` of `bytes`), hashing them on into `hash`. */
  private replay(lines: Iterable<LogLine>, bytes: Buffer, from: number, hash: Hash): void {
    this.replaying = true;
    let hashed = from;
    let end = from;
    this.replayMark = () => logMark(hash, end);
    try {
      for (const { entry: e, end: lineEnd } of lines) {
        hash.update(bytes.subarray(hashed, lineEnd));
        hashed = end = lineEnd;
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
        this.sealPending(true);
      }
      hash.update(bytes.subarray(hashed));
    } finally {
      this.replaying = false;
      this.replayMark = null;
    }
  }

  // ---------------------------------------------------------------- port: chain

  async info(): Promise<LedgerInfo> {
    const h = this.head.number;
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
    const n = this.store.blockOf(signer, nonce);
    if (n === undefined || n < (opts.fromBlock ?? 0) || n > (opts.toBlock ?? Infinity)) return null;
    const rec = this.store.block(n);
    const tx = rec?.txs.find((t) => t.signer === signer && t.nonce === nonce);
    if (!rec || !tx) return null;
    const r = receiptOf(rec, tx);
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
    this.store.forEach(Math.max(0, fromBlock), (rec) => {
      for (const ev of rec.events) handler(ev);
    });
    this.listeners.add(handler);
    return () => {
      this.listeners.delete(handler);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settleInFlight();
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.sealPending();
    this.closed = true;
    // A snapshot at the head, so that the next open replays nothing.
    const atClose =
      this.log &&
      this.snapshotEvery > 0 &&
      !this.broken &&
      this.head.number > this.lastSnapshotHeight &&
      this.pendingSnapshot?.head.number !== this.head.number
        ? this.capture()
        : null;
    try {
      await this.log?.close();
      if (atClose && !this.broken) {
        this.pendingSnapshot = atClose;
        this.writePendingSnapshot();
      }
    } finally {
      this.store.close();
      this.listeners.clear();
      await this.verifier.close();
    }
  }

  /**
   * Close, first part: refuses new submissions, lets those being verified reach their block,
   * and lets go of those waiting in the future queue for a nonce that never came.
   */
  private async settleInFlight(): Promise<void> {
    this.closing = true;
    await this.verifier.idle();
    for (const s of this.pool.drain()) {
      this.pool.release(s.signer, s.nonce, true);
      s.reject(
        new LedgerError(
          'NotConnected',
          `ledger closed while nonce ${s.nonce} of ${s.signer} waited for nonce ${this.chain.system.nonce(s.signer)}`,
        ),
      );
    }
  }

  // ---------------------------------------------------------------- port: queries

  /** Evaluate reads at the clock's current time. */
  private get q(): Chain {
    this.chain.rt.now = this.now();
    return this.chain;
  }

  async estimateFee(call: LedgerCall, signer: Address): Promise<FeeEstimate> {
    return this.q.fees.estimate(call, signer);
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
  async instructionStatus(id: number): Promise<InstructionStatus | null> {
    return this.chain.settlement.status(id) ?? null;
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

  /** What the event store holds: its height and how many blocks it keeps decoded in memory. */
  storageStats(): { height: number; inMemoryBlocks: number; onDisk: boolean; lastSnapshotHeight: number } {
    return {
      height: this.store.height,
      inMemoryBlocks: this.store.inMemoryBlocks,
      onDisk: this.store.path !== null,
      lastSnapshotHeight: this.lastSnapshotHeight,
    };
  }

  /** Worker threads checking signatures right now (0 until the first burst, or without workers). */
  get signatureThreads(): number {
    return this.verifier.threads;
  }

  /**
   * Starts the signature worker threads now instead of on the first burst of transactions;
   * resolves with the number ready (0 when they cannot start: the main thread does the work).
   */
  startSignatureThreads(): Promise<number> {
    return this.verifier.warm();
  }

  /** The embedded runtime, for modules and benchmarks that need direct access. */
  get runtime(): Chain {
    return this.chain;
  }
}

/** The receipt of one transaction of a stored block (its events are the block's events it caused). */
function receiptOf(rec: BlockRecord, tx: TxRecord, events?: LedgerEvent[]): Receipt {
  const receipt: Receipt = {
    txHash: tx.hash,
    blockNumber: rec.n,
    blockHash: rec.hash,
    signer: tx.signer,
    nonce: tx.nonce,
    events: events ?? rec.events.filter((e) => e.txHash === tx.hash),
    result: tx.result,
  };
  if (tx.error) receipt.error = tx.error;
  return receipt;
}
