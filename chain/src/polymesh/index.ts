import type { ApiPromise } from '@polkadot/api';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { LocalSigningManager } from '@polymeshassociation/local-signing-manager';
import { Polymesh } from '@polymeshassociation/polymesh-sdk';
import type {
  BallotInfo,
  BallotVote,
  CADefaults,
  CheckpointInfo,
  CheckpointSchedule,
  CorporateActionInfo,
  DistributionInfo,
} from '../calls-corporate.js';
import type {
  FundraiserDetails,
  InstructionDetails,
  InstructionStatus,
  VenueInfo,
} from '../calls-settlement.js';
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
import type { ClaimFilter } from '../queries.js';
import type { FeeEstimate } from '../types.js';
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
import {
  metaErrorFinder,
  PORT_SS58,
  readBlock,
  readBlockAt,
  receiptOf,
  sameAccount,
  toPortAddress,
  type BlockContents,
} from './blocks.js';
import {
  prepare,
  type DispatchContext,
  type Extrinsic,
  type Prepared,
  type ResultContext,
} from './dispatch/index.js';
import { resultOfChainCall } from './dispatch/results.js';
import { fromDispatchError, includedFailure, submissionError, toLedgerError } from './errors.js';
import {
  feeEstimateOf,
  feePayerOf,
  protocolChargesOf,
  protocolFeeOf,
  reportsActualWeight,
  type ChainCall,
  type ProtocolCharge,
  type QueriedFee,
} from './fees.js';
import type { Json } from './mappers/json.js';
import { toPrivateKey } from './mappers/keys.js';
import * as assetQueries from './queries/asset.js';
import { chainReads } from './queries/chain-reads.js';
import * as checkpointQueries from './queries/checkpoint.js';
import * as complianceQueries from './queries/compliance.js';
import type { QueryContext } from './queries/context.js';
import * as corporateQueries from './queries/corporate-actions.js';
import * as identityQueries from './queries/identity.js';
import * as portfolioQueries from './queries/portfolio.js';
import * as settlementQueries from './queries/settlement.js';
import * as statisticsQueries from './queries/statistics.js';
import * as stoQueries from './queries/sto.js';

export interface PolymeshLedgerOptions {
  nodeUrl: string;
  /** Mnemonics or dev URIs (`//Alice`). */
  signers: string[];
  /**
   * How long `submit` waits for a sent transaction to be finalised before it reports
   * `OutcomeUnknown` (default 5 minutes).
   */
  finalityTimeoutMs?: number;
}

const DEFAULT_FINALITY_TIMEOUT_MS = 5 * 60_000;

/**
 * The SDK adapter: the port over a Polymesh node. Writes are the pallets' own extrinsics, built
 * by the preparers (dispatch/) through the typed `api.tx` of polymesh-types and signed by the
 * SDK's `LocalSigningManager`; reads go through the SDK where it reads the chain, and through
 * storage (queries/) where the SDK needs its middleware.
 */
export class PolymeshLedger implements Ledger {
  readonly kind = 'polymesh' as const;
  readonly capabilities = { batch: true };

  private constructor(
    private readonly sdk: Polymesh,
    private readonly signing: LocalSigningManager,
    private readonly finalityTimeoutMs: number = DEFAULT_FINALITY_TIMEOUT_MS,
  ) {}

  static async connect({
    nodeUrl,
    signers,
    finalityTimeoutMs,
  }: PolymeshLedgerOptions): Promise<PolymeshLedger> {
    try {
      const signing = await LocalSigningManager.create({ accounts: signers.map((s) => toPrivateKey(s)) });
      // getAccounts() throws until a format is set; Polymesh.connect then sets the chain's own.
      signing.setSs58Format(PORT_SS58);
      const sdk = await Polymesh.connect({
        nodeUrl,
        signingManager: signing,
        polkadot: { noInitWarn: true },
      });
      return new PolymeshLedger(sdk, signing, finalityTimeoutMs);
    } catch (err) {
      throw toLedgerError(err, { connected: false });
    }
  }

  private get api(): ApiPromise {
    return this.sdk._polkadotApi;
  }

  /** The chain's SS58 encoding of an address (the SDK insists on it). */
  private chainAddress(address: Address): string {
    return this.api.createType('AccountId', address).toString();
  }

  private get queries(): QueryContext {
    return { sdk: this.sdk, api: this.api, chainAddress: (a) => this.chainAddress(a) };
  }

  /** A query's answer; its failure as a `LedgerError` (`NotConnected` when the connection is down). */
  private async read<T>(fn: (q: QueryContext) => Promise<T>): Promise<T> {
    try {
      return await fn(this.queries);
    } catch (err) {
      throw toLedgerError(err, { connected: this.api.isConnected });
    }
  }

  private readonly results: ResultContext = {
    translate: (error, otherError) => fromDispatchError(error as Json, metaErrorFinder(this.api), otherError),
  };

  async info(): Promise<LedgerInfo> {
    const api = this.api;
    const [header, finalizedHash, now] = await Promise.all([
      api.rpc.chain.getHeader(),
      api.rpc.chain.getFinalizedHead(),
      api.query.timestamp.now(),
    ]);
    const finalized = await api.rpc.chain.getHeader(finalizedHash);
    return {
      kind: 'polymesh',
      chain: api.runtimeChain.toString(),
      specVersion: api.runtimeVersion.specVersion.toNumber(),
      genesisHash: api.genesisHash.toHex(),
      blockHeight: header.number.toNumber(),
      finalizedHeight: finalized.number.toNumber(),
      time: new Date(now.toNumber()).toISOString(),
    };
  }

  async addSigner(key: SignerKey): Promise<Address> {
    try {
      return toPortAddress(this.signing.addAccount(toPrivateKey(key)));
    } catch (err) {
      throw new LedgerError('ValidationError', `Invalid signer key: ${(err as Error).message}`);
    }
  }

  private async assertSigner(address: string): Promise<void> {
    const accounts = await this.signing.getAccounts();
    if (!accounts.some((a) => sameAccount(a, address))) {
      throw new LedgerError('UnknownSigner', `No key for ${address}: add it with addSigner`);
    }
  }

  private dispatchContext(signer: string): DispatchContext {
    return {
      tx: this.api.tx,
      signer,
      specVersion: this.api.runtimeVersion.specVersion.toNumber(),
      reads: chainReads(this.sdk, this.api, signer),
    };
  }

  async submit<K extends CallName>(
    call: LedgerCall<K>,
    opts: SubmitOptions,
  ): Promise<Receipt<CallResult<K>>> {
    await this.assertSigner(opts.signer);
    if (!this.api.isConnected) throw new LedgerError('NotConnected', 'Not connected to the Polymesh node');
    const signer = this.chainAddress(opts.signer);
    let prepared: Prepared;
    let extrinsic: Extrinsic;
    try {
      prepared = await prepare(this.dispatchContext(signer), call);
      extrinsic = this.extrinsicOf(prepared);
    } catch (err) {
      throw toLedgerError(err, { connected: this.api.isConnected });
    }
    const progress = { sent: false };
    try {
      const { blockHash, txHash } = await this.sendRaw(extrinsic, signer, opts.nonce, progress);
      const block = await readBlockAt(this.api, blockHash);
      const txIndex = block.extrinsics.findIndex((ex) => ex.hash === txHash);
      if (txIndex < 0)
        throw new LedgerError('OutcomeUnknown', `Transaction ${txHash} is not in block ${blockHash}`);
      const { receipt, failure } = receiptOf(this.api, block, txIndex, prepared.otherError);
      if (failure) throw includedFailure(failure, receipt);
      return { ...receipt, result: prepared.result(receipt.events, this.results) as CallResult<K> };
    } catch (err) {
      throw submissionError(err, progress.sent, { connected: this.api.isConnected });
    }
  }

  /**
   * Signs and sends; resolves with the finalised block. `progress.sent` turns true once the
   * signature is made (the transaction may then reach the node whatever happens next). The
   * pool letting go of it (Dropped, Invalid, Usurped, FinalityTimeout), a lost connection or no
   * finality within `finalityTimeoutMs` do not say whether it (or another use of its nonce) is in
   * a block: `OutcomeUnknown`.
   */
  private sendRaw(
    extrinsic: Extrinsic,
    signer: string,
    nonce: number | undefined,
    progress: { sent: boolean },
  ): Promise<{ blockHash: string; txHash: string }> {
    const external = this.signing.getExternalSigner();
    const signPayload = external.signPayload?.bind(external);
    // Without a payload signer polkadot.js signs raw: count the transaction as sent from the start.
    if (!signPayload) progress.sent = true;
    const watched: typeof external = {
      ...(signPayload && {
        signPayload: async (payload: SignerPayloadJSON) => {
          const signed = await signPayload(payload);
          progress.sent = true;
          return signed;
        },
      }),
      ...(external.signRaw && { signRaw: external.signRaw.bind(external) }),
      ...(external.update && { update: external.update.bind(external) }),
    };
    return new Promise((resolve, reject) => {
      let unsub: (() => void) | undefined;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.api.off('disconnected', onDisconnect);
        unsub?.();
        fn();
      };
      const unknown = (why: string) => finish(() => reject(new LedgerError('OutcomeUnknown', why)));
      const onDisconnect = () => unknown('The connection to the node was lost after sending');
      const timer = setTimeout(
        () => unknown(`Not finalised within ${this.finalityTimeoutMs} ms`),
        this.finalityTimeoutMs,
      );
      this.api.on('disconnected', onDisconnect);
      extrinsic
        .signAndSend(signer, { nonce: nonce ?? -1, signer: watched }, (result) => {
          if (result.status.isFinalized) {
            const blockHash = result.status.asFinalized.toHex();
            finish(() => resolve({ blockHash, txHash: extrinsic.hash.toHex() }));
          } else if (result.isError) {
            unknown(`Transaction ${result.status.type} by the node`);
          }
        })
        .then((u) => {
          unsub = u;
          if (done) u();
        })
        .catch((err: unknown) => finish(() => reject(err)));
    });
  }

  async nonce(address: Address): Promise<number> {
    const next = await this.api.rpc.system.accountNextIndex(this.chainAddress(address));
    return next.toNumber();
  }

  async findTransaction(
    signer: Address,
    nonce: number,
    opts: { fromBlock?: number; toBlock?: number } = {},
  ): Promise<TransactionLookup | null> {
    if (nonce >= (await this.nonce(signer))) return null;
    const head = (await this.api.rpc.chain.getHeader()).number.toNumber();
    // Newest first: the transaction the outbox asks about is almost always recent.
    for (let n = Math.min(head, opts.toBlock ?? head); n >= (opts.fromBlock ?? 0); n -= 1) {
      const block = await readBlock(this.api, n);
      const txIndex = block.extrinsics.findIndex(
        (ex) => ex.signer !== undefined && ex.nonce === nonce && sameAccount(ex.signer, signer),
      );
      if (txIndex < 0) continue;
      const { receipt, failure } = receiptOf(this.api, block, txIndex);
      if (failure) {
        return {
          status: 'failed',
          txHash: receipt.txHash,
          blockNumber: receipt.blockNumber,
          blockHash: receipt.blockHash,
          error: { code: failure.code, message: failure.message },
        };
      }
      const ex = block.extrinsics[txIndex];
      const result = ex ? resultOfChainCall(ex.tree, receipt.events, this.results) : undefined;
      return { status: 'success', receipt: { ...receipt, result } };
    }
    return null;
  }

  async subscribeEvents(fromBlock: number, handler: (event: LedgerEvent) => void): Promise<Unsubscribe> {
    let next = fromBlock;
    let stopped = false;
    const deliver = async (upTo: number) => {
      while (!stopped && next <= upTo) {
        const block: BlockContents = await readBlock(this.api, next);
        block.events.forEach(handler);
        next += 1;
      }
    };
    const finalized = await this.api.rpc.chain.getHeader(await this.api.rpc.chain.getFinalizedHead());
    await deliver(finalized.number.toNumber());
    let queue = Promise.resolve();
    const unsub = await this.api.rpc.chain.subscribeFinalizedHeads((header) => {
      // Serialise deliveries; a failed read is retried from the same block on the next head.
      queue = queue.then(() => deliver(header.number.toNumber())).catch(() => undefined);
    });
    return () => {
      stopped = true;
      unsub();
    };
  }

  async close(): Promise<void> {
    await this.sdk.disconnect();
  }

  // ------------------------------------------------------------------ queries (queries/<pallet>.ts)

  /**
   * What `call` signed by `signer` would cost now, as the node prices it: the extrinsic `submit`
   * would send (the same preparers), signed with a fake signature over the signer's next nonce
   * and a mortal era as `signAndSend` does (polkadot.js `paymentInfo`'s own steps, kept here so
   * the priced length is known), through the runtime's `TransactionPaymentApi.query_info`; the
   * protocol fees of its calls from the pallet's `BaseFees` and `Coefficient` (fees.ts). The payer
   * is the signer, or for a JoinIdentity acceptance the inviting identity's primary key, checked
   * as the pool checks it (`MissingIdentity`, `CddRequired`, `InvalidAuthorization`, as the
   * embedded ledger's estimate refuses); relayer subsidies are not looked up. A failed read is
   * `NotConnected` (nothing was decided), never a refusal; a call the preparers refuse is refused
   * as `submit` would refuse it.
   */
  async estimateFee(call: LedgerCall, signer: Address): Promise<FeeEstimate> {
    if (!this.api.isConnected) throw new LedgerError('NotConnected', 'Not connected to the Polymesh node');
    const address = this.chainAddress(signer);
    try {
      const ctx = this.dispatchContext(address);
      const extrinsic = this.extrinsicOf(await prepare(ctx, call));
      const method = extrinsic.method as unknown as ChainCall;
      const [queried, declared, protocolFee, payer] = await Promise.all([
        this.queryFee(extrinsic, address),
        reportsActualWeight(method)
          ? this.queryFee(this.api.tx.utility.batchAll([extrinsic]), address)
          : undefined,
        this.protocolFee(protocolChargesOf(method), ctx),
        this.feePayer(method, signer, ctx),
      ]);
      return feeEstimateOf({ payer, queried, ...(declared && { declared }), protocolFee });
    } catch (err) {
      throw toLedgerError(err, { connected: this.api.isConnected });
    }
  }

  /** One extrinsic for the prepared calls: the call itself, or several as one `utility.batchAll`. */
  private extrinsicOf(prepared: Prepared): Extrinsic {
    const [only] = prepared.calls;
    return prepared.calls.length === 1 && only ? only : this.api.tx.utility.batchAll(prepared.calls);
  }

  private async queryFee(extrinsic: Extrinsic, signer: string): Promise<QueriedFee> {
    const api = this.api;
    const { header, mortalLength, nonce } = await api.derive.tx.signingInfo(signer);
    const fake = api.tx(extrinsic.toU8a()).signFake(signer, {
      blockHash: header ? header.hash : api.genesisHash,
      genesisHash: api.genesisHash,
      nonce,
      runtimeVersion: api.runtimeVersion,
      signedExtensions: api.registry.signedExtensions,
      ...(header && {
        era: api.registry.createType('ExtrinsicEra', { current: header.number, period: mortalLength }),
      }),
    });
    const bytes = fake.toU8a();
    const info = await api.call.transactionPaymentApi.queryInfo(bytes, bytes.length);
    return {
      partialFee: info.partialFee.toBigInt(),
      weight: info.weight.refTime.toBigInt(),
      length: bytes.length,
    };
  }

  private async protocolFee(charges: ProtocolCharge[], ctx: DispatchContext): Promise<bigint> {
    const due: ProtocolCharge[] = [];
    for (const c of charges) {
      if (c.ticker === undefined || (await this.tickerCharged(c.ticker, ctx))) due.push(c);
    }
    if (due.length === 0) return 0n;
    const ops = [...new Set(due.map((c) => c.op))];
    const q = this.api.query.protocolFee;
    const [coefficient, ...fees] = await Promise.all([q.coefficient(), ...ops.map((op) => q.baseFees(op))]);
    const baseFees = new Map(ops.map((op, i) => [op, fees[i]?.toBigInt() ?? 0n]));
    const [n, d] = coefficient;
    return protocolFeeOf(due, baseFees, [n.toBigInt(), d.toBigInt()]);
  }

  /** Whether registering `ticker` pays: unless it is the signer's own live reservation. */
  private async tickerCharged(ticker: string, ctx: DispatchContext): Promise<boolean> {
    const [reservation, did, now] = await Promise.all([
      assetQueries.tickerReservation(this.queries, ticker),
      ctx.reads.signerDid(),
      ctx.reads.now(),
    ]);
    if (!reservation || reservation.owner !== did) return true;
    return reservation.expiry !== null && new Date(reservation.expiry) < now;
  }

  /** The payer of the transaction, after the pool's fee-payer check (fees.ts `feePayerOf`). */
  private async feePayer(method: ChainCall, signer: Address, ctx: DispatchContext): Promise<Address> {
    const q = this.queries;
    const known = async (did: Did) => {
      const [info, cdd] = await Promise.all([
        identityQueries.identity(q, did),
        identityQueries.hasValidCdd(q, did),
      ]);
      return info ? { info, cdd } : null;
    };
    if (`${method.section}.${method.method}` === 'identity.joinIdentityAsKey') {
      const by = (await ctx.reads.authorization(Number(String(method.args[0]))))?.authorizedBy;
      const inviter = by ? await known(by) : null;
      return feePayerOf(method, {
        signer: { address: signer, identity: null, cdd: false },
        inviter: inviter && { primaryKey: inviter.info.primaryKey, cdd: inviter.cdd },
      });
    }
    const did = await ctx.reads.signerDid();
    const own = did ? await known(did) : null;
    return feePayerOf(method, {
      signer: { address: signer, identity: own?.info ?? null, cdd: own?.cdd ?? false },
    });
  }

  polyxBalance(address: Address): Promise<{ total: Decimal; locked: Decimal; free: Decimal }> {
    return this.read((q) => identityQueries.polyxBalance(q, address));
  }

  identityOf(address: Address): Promise<Did | null> {
    return this.read((q) => identityQueries.identityOf(q, address));
  }

  identity(did: Did): Promise<IdentityInfo | null> {
    return this.read((q) => identityQueries.identity(q, did));
  }

  hasValidCdd(did: Did): Promise<boolean> {
    return this.read((q) => identityQueries.hasValidCdd(q, did));
  }

  cddProviders(): Promise<Did[]> {
    return this.read((q) => identityQueries.cddProviders(q));
  }

  claims(did: Did, filter: ClaimFilter = {}): Promise<IdentityClaim[]> {
    return this.read((q) => identityQueries.claims(q, did, filter));
  }

  issuedClaims(issuer: Did, filter: ClaimFilter = {}): Promise<IdentityClaim[]> {
    return this.read((q) => identityQueries.issuedClaims(q, issuer, filter));
  }

  customClaimTypes(): Promise<{ id: number; name: string }[]> {
    return this.read((q) => identityQueries.customClaimTypes(q));
  }

  authorizations(target: Address | Did): Promise<Authorization[]> {
    return this.read((q) => identityQueries.authorizations(q, target));
  }

  tickerReservation(ticker: string): Promise<TickerReservation | null> {
    return this.read((q) => assetQueries.tickerReservation(q, ticker));
  }

  nextAssetId(address: Address): Promise<AssetId> {
    return this.read((q) => assetQueries.nextAssetId(q, address));
  }

  asset(assetId: AssetId): Promise<AssetDetails | null> {
    return this.read((q) => assetQueries.asset(q, assetId));
  }

  assetIdOf(ticker: string): Promise<AssetId | null> {
    return this.read((q) => assetQueries.assetIdOf(q, ticker));
  }

  assetDocuments(assetId: AssetId): Promise<(AssetDocument & { id: number })[]> {
    return this.read((q) => assetQueries.assetDocuments(q, assetId));
  }

  assetMetadata(assetId: AssetId): Promise<MetadataEntry[]> {
    return this.read((q) => assetQueries.assetMetadata(q, assetId));
  }

  customAssetTypes(): Promise<{ id: number; name: string }[]> {
    return this.read((q) => assetQueries.customAssetTypes(q));
  }

  agents(assetId: AssetId): Promise<AssetAgent[]> {
    return this.read((q) => assetQueries.agents(q, assetId));
  }

  assetBalance(assetId: AssetId, did: Did): Promise<Decimal> {
    return this.read((q) => assetQueries.assetBalance(q, assetId, did));
  }

  holders(assetId: AssetId): Promise<Holder[]> {
    return this.read((q) => assetQueries.holders(q, assetId));
  }

  portfolios(did: Did): Promise<PortfolioInfo[]> {
    return this.read((q) => portfolioQueries.portfolios(q, did));
  }

  portfolioBalances(ref: PortfolioRef, assetId?: AssetId): Promise<PortfolioBalance[]> {
    return this.read((q) => portfolioQueries.portfolioBalances(q, ref, assetId));
  }

  compliance(assetId: AssetId): Promise<AssetCompliance> {
    return this.read((q) => complianceQueries.compliance(q, assetId));
  }

  trustedClaimIssuers(assetId: AssetId): Promise<TrustedClaimIssuer[]> {
    return this.read((q) => complianceQueries.trustedClaimIssuers(q, assetId));
  }

  transferRestrictions(assetId: AssetId): Promise<TransferRestrictions> {
    return this.read((q) => statisticsQueries.transferRestrictions(q, assetId));
  }

  canTransfer(args: {
    assetId: AssetId;
    from: PortfolioRef;
    to: PortfolioRef;
    amount: Decimal;
  }): Promise<TransferBreakdown> {
    return this.read((q) => statisticsQueries.canTransfer(q, args));
  }

  private async chainNow(): Promise<Date> {
    return new Date((await this.api.query.timestamp.now()).toNumber());
  }

  venue(venueId: number): Promise<VenueInfo | null> {
    return this.read(({ api }) => settlementQueries.venue(api, venueId));
  }

  venues(did: Did): Promise<VenueInfo[]> {
    return this.read(({ api }) => settlementQueries.venues(api, did));
  }

  venueFiltering(assetId: AssetId): Promise<{ enabled: boolean; allowedVenues: number[] }> {
    return this.read(({ api }) => settlementQueries.venueFiltering(api, assetId));
  }

  instruction(id: number): Promise<InstructionDetails | null> {
    return this.read(({ api }) => settlementQueries.instruction(api, id));
  }

  instructionStatus(id: number): Promise<InstructionStatus | null> {
    return this.read(({ api }) => settlementQueries.instructionStatus(api, id));
  }

  instructionsOf(did: Did): Promise<InstructionDetails[]> {
    return this.read(({ api }) => settlementQueries.instructionsOf(api, did));
  }

  mandatoryMediators(assetId: AssetId): Promise<Did[]> {
    return this.read(({ api }) => settlementQueries.mandatoryMediators(api, assetId));
  }

  fundraiser(assetId: AssetId, fundraiserId: number): Promise<FundraiserDetails | null> {
    return this.read(async ({ api }) =>
      stoQueries.fundraiser(api, assetId, fundraiserId, await this.chainNow()),
    );
  }

  fundraisers(assetId: AssetId): Promise<FundraiserDetails[]> {
    return this.read(async ({ api }) => stoQueries.fundraisers(api, assetId, await this.chainNow()));
  }

  checkpoints(assetId: AssetId): Promise<CheckpointInfo[]> {
    return this.read(({ api }) => checkpointQueries.checkpoints(api, assetId));
  }

  checkpointSchedules(assetId: AssetId): Promise<CheckpointSchedule[]> {
    return this.read(({ api }) => checkpointQueries.checkpointSchedules(api, assetId));
  }

  balanceAtCheckpoint(assetId: AssetId, checkpointId: number, did: Did): Promise<Decimal | null> {
    return this.read(({ api }) => checkpointQueries.balanceAtCheckpoint(api, assetId, checkpointId, did));
  }

  checkpointBalances(assetId: AssetId, checkpointId: number): Promise<Holder[]> {
    return this.read(({ api }) => checkpointQueries.checkpointBalances(api, assetId, checkpointId));
  }

  corporateActions(assetId: AssetId): Promise<CorporateActionInfo[]> {
    return this.read(({ api }) => corporateQueries.corporateActions(api, assetId));
  }

  corporateAction(assetId: AssetId, caId: number): Promise<CorporateActionInfo | null> {
    return this.read(({ api }) => corporateQueries.corporateAction(api, assetId, caId));
  }

  corporateActionDefaults(assetId: AssetId): Promise<CADefaults> {
    return this.read(({ api }) => corporateQueries.corporateActionDefaults(api, assetId));
  }

  distribution(assetId: AssetId, caId: number): Promise<DistributionInfo | null> {
    return this.read(({ api }) => corporateQueries.distribution(api, assetId, caId));
  }

  distributionPaid(assetId: AssetId, caId: number, holder: Did): Promise<boolean> {
    return this.read(({ api }) => corporateQueries.distributionPaid(api, assetId, caId, holder));
  }

  ballot(assetId: AssetId, caId: number): Promise<BallotInfo | null> {
    return this.read(({ api }) => corporateQueries.ballot(api, assetId, caId));
  }

  ballotVotes(assetId: AssetId, caId: number, did: Did): Promise<BallotVote[] | null> {
    return this.read(({ api }) => corporateQueries.ballotVotes(api, assetId, caId, did));
  }
}
