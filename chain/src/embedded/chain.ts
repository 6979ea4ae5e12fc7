/**
 * The embedded runtime: pallet modules over one journaled state. New pallets (settlement, sto,
 * checkpoint, corporate actions) live in `modules/<pallet>.ts`, take the `Chain` in their
 * constructor, register their calls on `rt`, and are wired here.
 */
import { blake2AsHex, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import type { Address, Did } from '../ledger.js';
import type { AuthorizationData } from '../types.js';
import { ONE_UNIT } from './amounts.js';
import { AgentsModule } from './modules/agents.js';
import { AssetModule } from './modules/asset.js';
import { ComplianceModule } from './modules/compliance.js';
import { IdentityModule } from './modules/identity.js';
import { PortfolioModule, argPortfolio } from './modules/portfolio.js';
import { StatisticsModule } from './modules/statistics.js';
import { BalancesModule, SystemModule } from './modules/system.js';
import { TransferChecks } from './modules/transfer.js';
import { CheckpointModule } from './modules/checkpoint.js';
import { CorporateActionsModule } from './modules/corporate-actions.js';
import { SettlementModule } from './modules/settlement.js';
import { StoModule } from './modules/sto.js';
import { UtilityModule } from './modules/utility.js';
import { FeesModule } from './fees.js';
import { Runtime, invalid, type Origin } from './runtime.js';

export const SS58_FORMAT = 42;
/** Polymesh `--dev`: DID 0x01 followed by 31 zero bytes. */
export const DEV_DID: Did = `0x01${'00'.repeat(31)}`;
export const DEV_PRIMARY_URI = '//Alice//stash';
export const DEV_SECONDARY_URIS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'] as const;
export const DEV_ENDOWMENT = 30_000_000n * ONE_UNIT;

export class Chain {
  readonly rt: Runtime;
  readonly system: SystemModule;
  readonly balances: BalancesModule;
  readonly identity: IdentityModule;
  readonly agents: AgentsModule;
  readonly portfolio: PortfolioModule;
  readonly asset: AssetModule;
  readonly compliance: ComplianceModule;
  readonly statistics: StatisticsModule;
  readonly transfers: TransferChecks;
  readonly checkpoint: CheckpointModule;
  readonly settlement: SettlementModule;
  readonly sto: StoModule;
  readonly corporateActions: CorporateActionsModule;
  readonly utility: UtilityModule;
  readonly fees: FeesModule;
  private readonly addressCache = new Map<string, Address>();

  constructor(genesisHash: string) {
    this.rt = new Runtime(genesisHash);
    this.system = new SystemModule(this);
    this.balances = new BalancesModule(this);
    this.identity = new IdentityModule(this);
    this.agents = new AgentsModule(this);
    this.portfolio = new PortfolioModule(this);
    this.asset = new AssetModule(this);
    this.compliance = new ComplianceModule(this);
    this.statistics = new StatisticsModule(this);
    this.transfers = new TransferChecks(this);
    this.checkpoint = new CheckpointModule(this);
    this.settlement = new SettlementModule(this);
    this.sto = new StoModule(this);
    this.corporateActions = new CorporateActionsModule(this);
    this.utility = new UtilityModule(this);
    this.fees = new FeesModule(this);
    this.rt.checkCall = (origin, call) => this.identity.checkCall(origin, call);
  }

  /** Dev genesis like Polymesh `--dev`; `addresses` maps each dev URI to its SS58 address. */
  genesis(addresses: Record<string, Address>): void {
    const primary = addresses[DEV_PRIMARY_URI] as Address;
    this.identity.createIdentity(DEV_DID, primary);
    this.identity.addCddProvider(DEV_DID);
    this.balances.endow(primary, DEV_ENDOWMENT);
    for (const uri of DEV_SECONDARY_URIS) {
      const a = addresses[uri] as Address;
      this.identity.linkSecondaryKey(DEV_DID, a);
      this.balances.endow(a, DEV_ENDOWMENT);
    }
  }

  /** SS58 address argument, normalised to format 42. */
  argAddress(v: unknown, field: string): Address {
    if (typeof v !== 'string') invalid(field, 'must be an SS58 address');
    const cached = this.addressCache.get(v);
    if (cached) return cached;
    let out: Address;
    try {
      out = encodeAddress(decodeAddress(v), SS58_FORMAT);
    } catch {
      return invalid(field, 'must be an SS58 address');
    }
    this.addressCache.set(v, out);
    return out;
  }

  /** Dispatches an accepted authorization to the pallet that owns its type. */
  acceptAuthorization(origin: Origin, from: Did, data: AuthorizationData): void {
    switch (data.type) {
      case 'JoinIdentity':
        this.identity.acceptJoin(origin.signer, from, data.permissions);
        return;
      case 'BecomeAgent':
        this.agents.acceptBecomeAgent(origin.did as Did, from, data.assetId, data.group);
        return;
      case 'PortfolioCustody':
        this.portfolio.acceptCustody(origin.did as Did, from, argPortfolio(data.portfolio, 'portfolio'));
        return;
      case 'TransferAssetOwnership':
        this.asset.acceptOwnership(origin.did as Did, from, data.assetId);
        return;
    }
  }

  static genesisHash(genesisTime: number): string {
    return blake2AsHex(`stoa-embedded-dev:${genesisTime}`, 256);
  }
}
