import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { LocalSigningManager } from '@polymeshassociation/local-signing-manager';
import { Polymesh } from '@polymeshassociation/polymesh-sdk';
import {
  AuthorizationType,
  TransactionStatus,
  type AuthorizationRequest,
  type DefaultPortfolio,
  type FungibleAsset,
  type NumberedPortfolio,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
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
import type {
  AssetAgent,
  AssetCompliance,
  AssetDetails,
  AssetDocument,
  Authorization,
  AuthorizationData,
  ExemptionKey,
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
  PORT_SS58,
  readBlock,
  readBlockAt,
  receiptOf,
  sameAccount,
  toPortAddress,
  type BlockContents,
} from './blocks.js';
import { prepare, type Prepared } from './dispatch.js';
import * as reads from './reads.js';
import { includedFailure, submissionError, toLedgerError } from './errors.js';
import {
  documentFromChain,
  fromChainAgentGroup,
  fromSdkAssetType,
  fromSdkIdentifier,
  fromSdkLockStatus,
} from './mappers/assets.js';
import { BigNumber } from './mappers/bignumber.js';
import { fromSdkClaimData, fromSdkTrustedIssuer } from './mappers/claims.js';
import { fromSdkRequirement } from './mappers/compliance.js';
import { fromUnits, toJson, type Json } from './mappers/json.js';
import { fromSdkPermissions, toPrivateKey } from './mappers/keys.js';
import {
  fromChainStatKey,
  toChainExemptKey,
  toChainStatType,
  fromChainStatType,
  fromChainTransferCondition,
} from './mappers/restrictions.js';
import { fromSdkTransferBreakdown } from './mappers/transfer.js';
import { assetIdToHex, fromBigNumber, fromDate, toBigNumber } from './mappers/values.js';

export interface PolymeshLedgerOptions {
  nodeUrl: string;
  /** Mnemonics or dev URIs (`//Alice`). */
  signers: string[];
}

/** The SDK adapter: the port over `@polymeshassociation/polymesh-sdk` and a Polymesh node. */
export class PolymeshLedger implements Ledger {
  readonly kind = 'polymesh' as const;
  /** Batches are refused until the adapter builds inner calls as extrinsics (issue 12). */
  readonly capabilities = { batch: false };

  private constructor(
    private readonly sdk: Polymesh,
    private readonly signing: LocalSigningManager,
  ) {}

  static async connect({ nodeUrl, signers }: PolymeshLedgerOptions): Promise<PolymeshLedger> {
    try {
      const signing = await LocalSigningManager.create({ accounts: signers.map((s) => toPrivateKey(s)) });
      // getAccounts() throws until a format is set; Polymesh.connect then sets the chain's own.
      signing.setSs58Format(PORT_SS58);
      const sdk = await Polymesh.connect({
        nodeUrl,
        signingManager: signing,
        polkadot: { noInitWarn: true },
      });
      return new PolymeshLedger(sdk, signing);
    } catch (err) {
      throw toLedgerError(err);
    }
  }

  private get api(): ApiPromise {
    return this.sdk._polkadotApi;
  }

  /** The chain's SS58 encoding of an address (the SDK insists on it). */
  private chainAddress(address: Address): string {
    return this.api.createType('AccountId', address).toString();
  }

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

  async submit<K extends CallName>(
    call: LedgerCall<K>,
    opts: SubmitOptions,
  ): Promise<Receipt<CallResult<K>>> {
    await this.assertSigner(opts.signer);
    const signer = this.chainAddress(opts.signer);
    let prepared: Prepared;
    try {
      prepared = await prepare(
        {
          sdk: this.sdk,
          signer,
          opts: {
            signingAccount: signer,
            ...(opts.nonce !== undefined && { nonce: new BigNumber(opts.nonce) }),
          },
        },
        call,
      );
    } catch (err) {
      throw toLedgerError(err);
    }
    const progress = { sent: false };
    try {
      const { block, txIndex, value } = await this.run(prepared, signer, opts.nonce, progress);
      const { receipt, failure } = receiptOf(this.api, block, txIndex);
      if (failure) throw includedFailure(failure, receipt);
      const result =
        prepared.kind === 'sdk' ? prepared.result(value, receipt.events) : prepared.result(receipt.events);
      return { ...receipt, result: result as CallResult<K> };
    } catch (err) {
      throw submissionError(await this.withBlockReceipt(prepared, err), progress.sent);
    }
  }

  /**
   * A revert the SDK reports knows its block: read the receipt so the refusal is final (with
   * its receipt) instead of unknown. If the block cannot be read, the error stays as it was.
   */
  private async withBlockReceipt(prepared: Prepared, err: unknown): Promise<unknown> {
    if (prepared.kind !== 'sdk' || err instanceof LedgerError) return err;
    const { blockHash, txIndex } = prepared.tx;
    if (!blockHash || !txIndex) return err;
    try {
      const { receipt, failure } = receiptOf(
        this.api,
        await readBlockAt(this.api, blockHash),
        txIndex.toNumber(),
      );
      return failure ? includedFailure(failure, receipt) : err;
    } catch {
      return err;
    }
  }

  private async run(
    prepared: Prepared,
    signer: string,
    nonce: number | undefined,
    progress: { sent: boolean },
  ) {
    if (prepared.kind === 'sdk') {
      const tx = prepared.tx;
      // The SDK checks fees while Idle, then marks the transaction Unapproved and signs and sends it.
      const watch = tx.onStatusChange(({ status }) => {
        if (status === TransactionStatus.Unapproved || status === TransactionStatus.Running)
          progress.sent = true;
      });
      try {
        const value = await tx.run();
        const { blockHash, txIndex } = tx;
        if (!blockHash || !txIndex)
          throw new LedgerError('OutcomeUnknown', 'The SDK finished without block data');
        return { block: await readBlockAt(this.api, blockHash), txIndex: txIndex.toNumber(), value };
      } finally {
        watch();
      }
    }
    progress.sent = true;
    const { blockHash, txIndex } = await this.sendRaw(prepared.extrinsic, signer, nonce);
    return { block: await readBlockAt(this.api, blockHash), txIndex, value: undefined };
  }

  /** Sign and send an extrinsic the SDK has no procedure for; resolves when finalised (or in block, if it failed). */
  private sendRaw(
    extrinsic: SubmittableExtrinsic<'promise'>,
    signer: string,
    nonce: number | undefined,
  ): Promise<{ blockHash: string; txIndex: number }> {
    return new Promise((resolve, reject) => {
      let unsub: (() => void) | undefined;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        unsub?.();
        fn();
      };
      extrinsic
        .signAndSend(signer, { nonce: nonce ?? -1, signer: this.signing.getExternalSigner() }, (result) => {
          const txIndex = result.txIndex ?? 0;
          if (result.status.isInBlock && result.dispatchError) {
            finish(() => resolve({ blockHash: result.status.asInBlock.toHex(), txIndex }));
          } else if (result.status.isFinalized) {
            finish(() => resolve({ blockHash: result.status.asFinalized.toHex(), txIndex }));
          } else if (result.isError) {
            // Dropped, Invalid, Usurped, FinalityTimeout: the pool let go of it, which does not
            // say whether it (or another use of its nonce) is in a block.
            finish(() =>
              reject(new LedgerError('OutcomeUnknown', `Transaction ${result.status.type} by the node`)),
            );
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
      return { status: 'success', receipt };
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

  // ------------------------------------------------------------------ queries

  async polyxBalance(address: Address): Promise<{ total: Decimal; locked: Decimal; free: Decimal }> {
    const b = await this.sdk.accountManagement.getAccountBalance({ account: this.chainAddress(address) });
    return { total: fromBigNumber(b.total), locked: fromBigNumber(b.locked), free: fromBigNumber(b.free) };
  }

  async identityOf(address: Address): Promise<Did | null> {
    const account = await this.sdk.accountManagement.getAccount({ address: this.chainAddress(address) });
    return (await account.getIdentity())?.did ?? null;
  }

  private async identityEntity(did: Did) {
    try {
      return await this.sdk.identities.getIdentity({ did });
    } catch {
      return null;
    }
  }

  async identity(did: Did): Promise<IdentityInfo | null> {
    const identity = await this.identityEntity(did);
    if (!identity) return null;
    const [primary, secondary, frozen] = await Promise.all([
      identity.getPrimaryAccount(),
      identity.getSecondaryAccounts(),
      identity.areSecondaryAccountsFrozen(),
    ]);
    return {
      did,
      primaryKey: toPortAddress(primary.account.address),
      secondaryKeysFrozen: frozen,
      secondaryKeys: secondary.data.map((k) => ({
        address: toPortAddress(k.account.address),
        permissions: fromSdkPermissions(k.permissions),
        frozen,
      })),
    };
  }

  async hasValidCdd(did: Did): Promise<boolean> {
    const identity = await this.identityEntity(did);
    return identity ? identity.hasValidCdd() : false;
  }

  async cddProviders(): Promise<Did[]> {
    const members = await this.api.query.cddServiceProviders.activeMembers();
    return members.map((m) => m.toHex());
  }

  async claims(did: Did, filter: ClaimFilter = {}): Promise<IdentityClaim[]> {
    if (!(await this.identityEntity(did))) return [];
    const result = await this.sdk.claims.getTargetingClaims({
      target: did,
      includeExpired: filter.includeExpired ?? false,
      ...(filter.issuer && { trustedClaimIssuers: [filter.issuer] }),
    });
    return result.data
      .flatMap((group) => group.claims.map(fromSdkClaimData))
      .filter((c) => filter.claimType === undefined || c.claim.type === filter.claimType);
  }

  async issuedClaims(issuer: Did, filter: ClaimFilter = {}): Promise<IdentityClaim[]> {
    try {
      const result = await this.sdk.claims.getIssuedClaims({
        target: issuer,
        includeExpired: filter.includeExpired ?? false,
      });
      return result.data
        .map(fromSdkClaimData)
        .filter((c) => filter.claimType === undefined || c.claim.type === filter.claimType);
    } catch (err) {
      throw new LedgerError(
        'Unsupported',
        `issuedClaims needs the Polymesh middleware: ${(err as Error).message}`,
      );
    }
  }

  async customClaimTypes(): Promise<{ id: number; name: string }[]> {
    const entries = await this.api.query.identity.customClaims.entries();
    return entries
      .map(([key, value]) => ({ id: Number(toJson(key.args[0])), name: String(toJson(value)) }))
      .sort((a, b) => a.id - b.id);
  }

  async authorizations(target: Address | Did): Promise<Authorization[]> {
    let requests: AuthorizationRequest[];
    if (target.startsWith('0x')) {
      const identity = await this.identityEntity(target);
      requests = identity ? await identity.authorizations.getReceived() : [];
    } else {
      const account = await this.sdk.accountManagement.getAccount({ address: this.chainAddress(target) });
      requests = await account.authorizations.getReceived();
    }
    const out: Authorization[] = [];
    for (const r of requests) {
      const data = await this.authorizationData(r);
      if (!data) continue;
      const t = r.target;
      out.push({
        id: r.authId.toNumber(),
        from: r.issuer.did,
        target:
          'did' in t
            ? { type: 'Identity', value: t.did }
            : { type: 'Account', value: toPortAddress(t.address) },
        data,
        expiry: fromDate(r.expiry),
      });
    }
    return out;
  }

  private async authorizationData(r: AuthorizationRequest): Promise<AuthorizationData | null> {
    const d = r.data;
    switch (d.type) {
      case AuthorizationType.JoinIdentity:
        return { type: 'JoinIdentity', permissions: fromSdkPermissions(d.value) };
      case AuthorizationType.BecomeAgent: {
        const g = d.value;
        const group =
          'type' in g
            ? fromChainAgentGroup(String(g.type))
            : { type: 'Custom' as const, id: g.id.toNumber() };
        return { type: 'BecomeAgent', assetId: g.asset.id, group };
      }
      case AuthorizationType.PortfolioCustody:
        return { type: 'PortfolioCustody', portfolio: portfolioRef(d.value) };
      case AuthorizationType.TransferAssetOwnership:
        return { type: 'TransferAssetOwnership', assetId: d.value };
      default:
        return null;
    }
  }

  async tickerReservation(ticker: string): Promise<TickerReservation | null> {
    try {
      const details = await this.sdk.assets.getTickerReservation({ ticker }).details();
      if (!details.owner) return null;
      return {
        ticker,
        owner: details.owner.did,
        expiry: fromDate(details.expiryDate),
        assetId: 'assetId' in details && typeof details.assetId === 'string' ? details.assetId : null,
      };
    } catch {
      return null;
    }
  }

  async nextAssetId(address: Address): Promise<AssetId> {
    const account = await this.sdk.accountManagement.getAccount({ address: this.chainAddress(address) });
    return account.getNextAssetId();
  }

  private async fungible(assetId: AssetId): Promise<FungibleAsset | null> {
    try {
      return await this.sdk.assets.getFungibleAsset({ assetId });
    } catch {
      return null;
    }
  }

  private async requireAsset(assetId: AssetId): Promise<FungibleAsset> {
    const asset = await this.fungible(assetId);
    if (!asset) throw new LedgerError('NoSuchAsset', `No asset ${assetId}`);
    return asset;
  }

  async asset(assetId: AssetId): Promise<AssetDetails | null> {
    const asset = await this.fungible(assetId);
    if (!asset) return null;
    const [details, frozen, identifiers, fundingRound] = await Promise.all([
      asset.details(),
      asset.isFrozen(),
      asset.getIdentifiers(),
      asset.currentFundingRound(),
    ]);
    const customId = await this.customAssetTypeId(details.assetType);
    return {
      assetId,
      name: details.name,
      assetType: fromSdkAssetType(details.assetType, customId),
      divisible: details.isDivisible,
      owner: details.owner.did,
      totalSupply: fromBigNumber(details.totalSupply),
      frozen,
      identifiers: identifiers.map(fromSdkIdentifier),
      fundingRound,
      ticker: details.ticker ?? null,
    };
  }

  private async customAssetTypeId(name: string): Promise<BigNumber | undefined> {
    const known = ['EquityCommon', 'EquityPreferred', 'Commodity', 'FixedIncome', 'Reit', 'Fund'];
    if (
      known.includes(name) ||
      ['RevenueShareAgreement', 'StructuredProduct', 'Derivative', 'StableCoin'].includes(name)
    ) {
      return undefined;
    }
    const id = toJson(await this.api.query.asset.customTypesInverse(name));
    return id === null ? undefined : new BigNumber(String(id));
  }

  async assetIdOf(ticker: string): Promise<AssetId | null> {
    try {
      return (await this.sdk.assets.getFungibleAsset({ ticker })).id;
    } catch {
      return null;
    }
  }

  async assetDocuments(assetId: AssetId): Promise<(AssetDocument & { id: number })[]> {
    const entries = await this.api.query.asset.assetDocuments.entries(assetIdToHex(assetId));
    return entries
      .map(([key, value]) => documentFromChain(Number(toJson(key.args[1])), toJson(value)))
      .filter((d): d is AssetDocument & { id: number } => d !== null)
      .sort((a, b) => a.id - b.id);
  }

  async assetMetadata(assetId: AssetId): Promise<MetadataEntry[]> {
    const asset = await this.fungible(assetId);
    if (!asset) return [];
    const entries = await asset.metadata.getDetails();
    return entries.map((e) => ({
      key: { type: e.metadataEntry.type, id: e.metadataEntry.id.toNumber() },
      name: e.name,
      spec: e.specs,
      value: e.value ?? null,
      expiry: fromDate(e.expiry ?? null),
      lockStatus: e.lockStatus
        ? fromSdkLockStatus(e.lockStatus, 'lockedUntil' in e ? e.lockedUntil : undefined)
        : { type: 'Unlocked' },
    }));
  }

  async customAssetTypes(): Promise<{ id: number; name: string }[]> {
    const entries = await this.api.query.asset.customTypes.entries();
    return entries
      .map(([key, value]) => ({ id: Number(toJson(key.args[0])), name: String(toJson(value)) }))
      .sort((a, b) => a.id - b.id);
  }

  async agents(assetId: AssetId): Promise<AssetAgent[]> {
    const asset = await this.fungible(assetId);
    if (!asset) return [];
    const agents = await asset.permissions.getAgents();
    return agents.map(({ agent, group }) => ({
      did: agent.did,
      group:
        'type' in group
          ? fromChainAgentGroup(String(group.type))
          : { type: 'Custom', id: group.id.toNumber() },
    }));
  }

  async assetBalance(assetId: AssetId, did: Did): Promise<Decimal> {
    const balance = await this.api.query.asset.balanceOf(assetIdToHex(assetId), did);
    return fromUnits(balance.toString());
  }

  async holders(assetId: AssetId): Promise<Holder[]> {
    const entries = await this.api.query.asset.balanceOf.entries(assetIdToHex(assetId));
    return entries
      .filter(([, balance]) => !balance.isZero())
      .map(([key, balance]) => ({ did: key.args[1].toHex(), balance: fromUnits(balance.toString()) }))
      .sort((a, b) => a.did.localeCompare(b.did));
  }

  async portfolios(did: Did): Promise<PortfolioInfo[]> {
    const identity = await this.identityEntity(did);
    if (!identity) return [];
    const portfolios = await identity.portfolios.getPortfolios();
    return Promise.all(
      portfolios.map(async (p) => ({
        did,
        number: portfolioRef(p).number ?? 0,
        name: 'getName' in p ? await p.getName() : 'default',
        custodian: (await p.getCustodian()).did,
      })),
    );
  }

  private async portfolioEntity(ref: PortfolioRef) {
    const identity = await this.identityEntity(ref.did);
    if (!identity) return null;
    try {
      return ref.number
        ? await identity.portfolios.getPortfolio({ portfolioId: new BigNumber(ref.number) })
        : await identity.portfolios.getPortfolio();
    } catch {
      return null;
    }
  }

  async portfolioBalances(ref: PortfolioRef, assetId?: AssetId): Promise<PortfolioBalance[]> {
    const portfolio = await this.portfolioEntity(ref);
    if (!portfolio) return [];
    const balances = await portfolio.getAssetBalances(assetId ? { assets: [assetId] } : undefined);
    return balances.map((b) => ({
      assetId: b.asset.id,
      total: fromBigNumber(b.total),
      locked: fromBigNumber(b.locked),
      free: fromBigNumber(b.free),
    }));
  }

  async compliance(assetId: AssetId): Promise<AssetCompliance> {
    const asset = await this.fungible(assetId);
    if (!asset) return { paused: false, requirements: [], defaultTrustedClaimIssuers: [] };
    const [requirements, paused] = await Promise.all([
      asset.compliance.requirements.get(),
      asset.compliance.requirements.arePaused(),
    ]);
    return {
      paused,
      requirements: requirements.requirements.map(fromSdkRequirement),
      defaultTrustedClaimIssuers: requirements.defaultTrustedClaimIssuers.map(fromSdkTrustedIssuer),
    };
  }

  async trustedClaimIssuers(assetId: AssetId): Promise<TrustedClaimIssuer[]> {
    const asset = await this.fungible(assetId);
    if (!asset) return [];
    return (await asset.compliance.trustedClaimIssuers.get()).map(fromSdkTrustedIssuer);
  }

  async transferRestrictions(assetId: AssetId): Promise<TransferRestrictions> {
    const id = assetIdToHex(assetId);
    const q = this.api.query.statistics;
    const [stats, compliance] = await Promise.all([q.activeAssetStats(id), q.assetTransferCompliances(id)]);
    const statJson = asArray(toJson(stats));
    const statTypes = statJson.map(fromChainStatType);
    const conditions = asArray(asRecord(toJson(compliance)).requirements).map(fromChainTransferCondition);
    const values = (
      await Promise.all(
        statJson.map(async (statType, i) => {
          const stat = statTypes[i] ?? fromChainStatType(statType);
          const chainStat = toChainStatType(stat);
          const entries = await q.assetStats.entries({ assetId: id, statType: chainStat });
          return entries.map(([key, value]) => {
            const raw = String(toJson(value, { u128: 'raw' }));
            return {
              stat,
              key: fromChainStatKey(toJson(key.args[1])),
              value: stat.op === 'Balance' ? fromUnits(raw) : raw,
            };
          });
        }),
      )
    ).flat();
    const exemptKeys: ExemptionKey[] = (['Count', 'Balance'] as const).flatMap((op) => [
      { op },
      ...(['Accredited', 'Affiliate', 'Jurisdiction'] as const).map((claimType) => ({ op, claimType })),
    ]);
    const exemptions = (
      await Promise.all(
        exemptKeys.map(async (key) => {
          const entries = await q.transferConditionExemptEntities.entries(toChainExemptKey(assetId, key));
          return { key, entities: entries.map(([k]) => k.args[1].toHex()) };
        }),
      )
    ).filter((e) => e.entities.length > 0);
    return { stats: statTypes, conditions, values, exemptions };
  }

  async canTransfer(args: {
    assetId: AssetId;
    from: PortfolioRef;
    to: PortfolioRef;
    amount: Decimal;
  }): Promise<TransferBreakdown> {
    const asset = await this.requireAsset(args.assetId);
    const like = (p: PortfolioRef) => (p.number ? { identity: p.did, id: new BigNumber(p.number) } : p.did);
    const [breakdown, paused] = await Promise.all([
      asset.settlements.canTransfer({
        from: like(args.from),
        to: like(args.to),
        amount: toBigNumber(args.amount),
      }),
      asset.compliance.requirements.arePaused(),
    ]);
    return fromSdkTransferBreakdown(breakdown, paused);
  }
  // ------------------------------------------------------------------ settlement, offerings, corporate actions (reads.ts)

  private async chainNow(): Promise<Date> {
    return new Date((await this.api.query.timestamp.now()).toNumber());
  }

  venue(venueId: number): Promise<VenueInfo | null> {
    return reads.venue(this.api, venueId);
  }

  venues(did: Did): Promise<VenueInfo[]> {
    return reads.venues(this.api, did);
  }

  venueFiltering(assetId: AssetId): Promise<{ enabled: boolean; allowedVenues: number[] }> {
    return reads.venueFiltering(this.api, assetId);
  }

  instruction(id: number): Promise<InstructionDetails | null> {
    return reads.instruction(this.api, id);
  }

  instructionStatus(id: number): Promise<InstructionStatus | null> {
    return reads.instructionStatus(this.api, id);
  }

  instructionsOf(did: Did): Promise<InstructionDetails[]> {
    return reads.instructionsOf(this.api, did);
  }

  mandatoryMediators(assetId: AssetId): Promise<Did[]> {
    return reads.mandatoryMediators(this.api, assetId);
  }

  async fundraiser(assetId: AssetId, fundraiserId: number): Promise<FundraiserDetails | null> {
    return reads.fundraiser(this.api, assetId, fundraiserId, await this.chainNow());
  }

  async fundraisers(assetId: AssetId): Promise<FundraiserDetails[]> {
    return reads.fundraisers(this.api, assetId, await this.chainNow());
  }

  checkpoints(assetId: AssetId): Promise<CheckpointInfo[]> {
    return reads.checkpoints(this.api, assetId);
  }

  checkpointSchedules(assetId: AssetId): Promise<CheckpointSchedule[]> {
    return reads.checkpointSchedules(this.api, assetId);
  }

  balanceAtCheckpoint(assetId: AssetId, checkpointId: number, did: Did): Promise<Decimal | null> {
    return reads.balanceAtCheckpoint(this.api, assetId, checkpointId, did);
  }

  checkpointBalances(assetId: AssetId, checkpointId: number): Promise<Holder[]> {
    return reads.checkpointBalances(this.api, assetId, checkpointId);
  }

  corporateActions(assetId: AssetId): Promise<CorporateActionInfo[]> {
    return reads.corporateActions(this.api, assetId);
  }

  corporateAction(assetId: AssetId, caId: number): Promise<CorporateActionInfo | null> {
    return reads.corporateAction(this.api, assetId, caId);
  }

  corporateActionDefaults(assetId: AssetId): Promise<CADefaults> {
    return reads.corporateActionDefaults(this.api, assetId);
  }

  distribution(assetId: AssetId, caId: number): Promise<DistributionInfo | null> {
    return reads.distribution(this.api, assetId, caId);
  }

  distributionPaid(assetId: AssetId, caId: number, holder: Did): Promise<boolean> {
    return reads.distributionPaid(this.api, assetId, caId, holder);
  }

  ballot(assetId: AssetId, caId: number): Promise<BallotInfo | null> {
    return reads.ballot(this.api, assetId, caId);
  }

  ballotVotes(assetId: AssetId, caId: number, did: Did): Promise<BallotVote[] | null> {
    return reads.ballotVotes(this.api, assetId, caId, did);
  }
}

function portfolioRef(p: DefaultPortfolio | NumberedPortfolio): PortfolioRef {
  return 'id' in p ? { did: p.owner.did, number: p.id.toNumber() } : { did: p.owner.did };
}

function asArray(json: Json | undefined): Json[] {
  return Array.isArray(json) ? json : [];
}

function asRecord(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}
