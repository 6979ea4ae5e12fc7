import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Polymesh } from '@polymeshassociation/polymesh-sdk';
import {
  MetadataType,
  PermissionGroupType,
  type AuthorizationRequest,
  type FungibleAsset,
  type Identity,
  type KnownPermissionGroup,
  type CustomPermissionGroup,
  type PermissionsLike,
  type ProcedureOpts,
  type TransactionStatus,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../errors.js';
import type { Address, AssetId, LedgerEvent } from '../ledger.js';
import type { CallName, CallResult, LedgerCall } from '../calls.js';
import type { AgentGroup, KeyPermissions, PortfolioRef } from '../types.js';
import {
  toChainAgentGroup,
  toSdkAssetType,
  toSdkDocument,
  toSdkIdentifier,
  toSdkMetadataDetails,
  toSdkTransactionPermissions,
} from './mappers/assets.js';
import type { BigNumber } from './mappers/bignumber.js';
import { toSdkClaim, toSdkTrustedIssuer } from './mappers/claims.js';
import { toSdkCondition } from './mappers/compliance.js';
import { toJson, toUnits } from './mappers/json.js';
import {
  toChainLeg,
  toChainMemo,
  toChainPreApproval,
  toChainSettlementType,
  toChainTiers,
  toMoment,
} from './mappers/settlement.js';
import { polkadotUtil } from './polkadot.js';
import {
  benefitOf,
  toChainBallotMeta,
  toChainCaId,
  toChainRecordDate,
  toChainTargets,
  toChainTaxes,
  toChainVotes,
} from './mappers/corporate.js';
import {
  toChainExemptKey,
  toChainStatKey,
  toChainStatType,
  toChainTransferCondition,
} from './mappers/restrictions.js';
import { toKeyPermissions } from './mappers/keys.js';
import { assetIdToHex, percentToPermill, toBigNumber, toChainPortfolioId, toDate } from './mappers/values.js';

/** What a transaction needs for the receipt once it is in a block. */
interface SdkTransaction<T> {
  run(): Promise<T>;
  /** The SDK's status stream (Idle → Unapproved → Running → Succeeded | Failed | Aborted …). */
  onStatusChange(listener: (tx: { status: TransactionStatus }) => void): () => void;
  blockHash?: string | undefined;
  txIndex?: BigNumber | undefined;
  txHash?: string | undefined;
}

/** A call ready to submit: an SDK procedure or, where the SDK has no matching procedure, a raw extrinsic. */
export type Prepared =
  | { kind: 'sdk'; tx: SdkTransaction<unknown>; result: (value: unknown, events: LedgerEvent[]) => unknown }
  | { kind: 'raw'; extrinsic: SubmittableExtrinsic<'promise'>; result: (events: LedgerEvent[]) => unknown };

export interface DispatchContext {
  sdk: Polymesh;
  /** Signer address in the chain's SS58 format. */
  signer: Address;
  opts: ProcedureOpts;
}

type ResultOf<K extends CallName> = CallResult<K>;

async function sdk<K extends CallName, T>(
  _name: K,
  tx: Promise<SdkTransaction<T>>,
  result: (value: T, events: LedgerEvent[]) => ResultOf<K>,
): Promise<Prepared> {
  const t = await tx;
  return { kind: 'sdk', tx: t, result: (v, events) => result(v as T, events) };
}

function raw<K extends CallName>(
  _name: K,
  extrinsic: SubmittableExtrinsic<'promise'>,
  result: (events: LedgerEvent[]) => ResultOf<K>,
): Prepared {
  return { kind: 'raw', extrinsic, result };
}

const none = (): void => undefined;

/** The data of the first `module.name` event of a receipt (results read from events match `findTransaction`). */
export function eventData(events: LedgerEvent[], module: string, name: string): Record<string, unknown> {
  const e = events.find((x) => x.module === module && x.name === name);
  if (!e) throw new LedgerError('ValidationError', `Expected a ${module}.${name} event in the receipt`);
  return e.data;
}

function num(v: unknown): number {
  return Number(v);
}

function missing(event: string): never {
  throw new LedgerError('ValidationError', `Expected a ${event} event in the receipt`);
}

/** Ids of the authorizations a receipt created, in order. */
function authIds(events: LedgerEvent[]): number[] {
  return events
    .filter((e) => e.module === 'identity' && e.name === 'AuthorizationAdded')
    .map((e) => num(e.data.authId));
}

function authId(req: AuthorizationRequest): { authId: number } {
  return { authId: req.authId.toNumber() };
}

async function asset(sdkClient: Polymesh, assetId: AssetId): Promise<FungibleAsset> {
  return sdkClient.assets.getFungibleAsset({ assetId });
}

async function portfolio(sdkClient: Polymesh, ref: PortfolioRef) {
  const identity = await sdkClient.identities.getIdentity({ did: ref.did });
  return ref.number
    ? identity.portfolios.getPortfolio({ portfolioId: toBn(ref.number) })
    : identity.portfolios.getPortfolio();
}

function toBn(n: number): BigNumber {
  return toBigNumber(String(n));
}

async function agentGroup(
  a: FungibleAsset,
  group: AgentGroup,
): Promise<KnownPermissionGroup | CustomPermissionGroup> {
  switch (group.type) {
    case 'Custom':
      return a.permissions.getGroup({ id: toBn(group.id) });
    case 'Full':
      return a.permissions.getGroup({ type: PermissionGroupType.Full });
    case 'ExceptMeta':
      return a.permissions.getGroup({ type: PermissionGroupType.ExceptMeta });
    case 'PolymeshV1CAA':
      return a.permissions.getGroup({ type: PermissionGroupType.PolymeshV1Caa });
    case 'PolymeshV1PIA':
      return a.permissions.getGroup({ type: PermissionGroupType.PolymeshV1Pia });
  }
}

async function signingIdentity(ctx: DispatchContext): Promise<Identity> {
  const account = await ctx.sdk.accountManagement.getAccount({ address: ctx.signer });
  const identity = await account.getIdentity();
  if (!identity) throw new LedgerError('MissingIdentity', `${ctx.signer} has no identity`);
  return identity;
}

/** An authorization the signer (account or its DID) received, or one its DID sent. */
async function findAuthorization(ctx: DispatchContext, id: number): Promise<AuthorizationRequest> {
  const account = await ctx.sdk.accountManagement.getAccount({ address: ctx.signer });
  const received = await account.authorizations.getReceived();
  const own = received.find((a) => a.authId.eq(id));
  if (own) return own;
  const identity = await account.getIdentity();
  if (identity) {
    const forDid = (await identity.authorizations.getReceived()).find((a) => a.authId.eq(id));
    if (forDid) return forDid;
    const sent = (await identity.authorizations.getSent()).data.find((a) => a.authId.eq(id));
    if (sent) return sent;
  }
  throw new LedgerError('Other', `Authorization does not exist: no authorization ${id} for ${ctx.signer}`);
}

function permissionsLike(p: Partial<KeyPermissions> | undefined): PermissionsLike | undefined {
  return p === undefined ? undefined : toKeyPermissions(p);
}

/**
 * Every port call, mapped to the SDK procedure POLYMESH.md names (or the pallet's extrinsic
 * where the SDK has none or wraps it differently). The switch is exhaustive: a call added to
 * `Calls` without a case here fails to compile.
 */
export async function prepare(ctx: DispatchContext, call: LedgerCall): Promise<Prepared> {
  const { sdk: s, opts } = ctx;
  const api = s._polkadotApi;
  switch (call.name) {
    // ---------------------------------------------------------------- system, balances
    case 'system.remark':
      return raw(call.name, api.tx.system.remarkWithEvent(call.args.remark), (events) => ({
        hash: String(eventData(events, 'system', 'Remarked').hash),
      }));
    case 'balances.transfer': {
      const { to, amount, memo } = call.args;
      return sdk(
        call.name,
        s.network.transferPolyx({ to, amount: toBigNumber(amount), ...(memo && { memo }) }, opts),
        none,
      );
    }

    // ---------------------------------------------------------------- identity
    case 'identity.cddRegisterDid': {
      const { targetAccount, secondaryKeys, cddClaim, cddId, expiry } = call.args;
      if (cddId !== undefined) {
        throw new LedgerError(
          'Unsupported',
          'A CDD claim with a specific cddId: register, then identity.addClaim',
        );
      }
      const secondaryAccounts = await Promise.all(
        (secondaryKeys ?? []).map(async (address) => ({
          account: await s.accountManagement.getAccount({ address }),
          permissions: toKeyPermissions({}),
        })),
      );
      return sdk(
        call.name,
        s.identities.registerIdentity(
          {
            targetAccount,
            ...(secondaryAccounts.length > 0 && { secondaryAccounts }),
            ...(cddClaim && { createCdd: true }),
            ...(cddClaim && expiry !== undefined && { expiry: toDate(expiry) }),
          },
          opts,
        ),
        (identity, events) => ({ did: identity.did, authorizations: authIds(events) }),
      );
    }
    case 'identity.addClaim':
    case 'identity.editClaim': {
      const { target, claim, expiry } = call.args;
      const claims = [
        { target, claim: toSdkClaim(claim), ...(expiry !== undefined && { expiry: toDate(expiry) }) },
      ];
      const tx =
        call.name === 'identity.addClaim'
          ? s.claims.addClaims({ claims }, opts)
          : s.claims.editClaims({ claims }, opts);
      return sdk(call.name, tx, none);
    }
    case 'identity.revokeClaim': {
      const { target, claim } = call.args;
      return sdk(
        call.name,
        s.claims.revokeClaims({ claims: [{ target, claim: toSdkClaim(claim) }] }, opts),
        none,
      );
    }
    case 'identity.registerCustomClaimType':
      return sdk(call.name, s.claims.registerCustomClaimType({ name: call.args.name }, opts), (id) => ({
        id: id.toNumber(),
      }));
    case 'identity.inviteAccount': {
      const { targetAccount, permissions, expiry } = call.args;
      const p = permissionsLike(permissions);
      return sdk(
        call.name,
        s.accountManagement.inviteAccount(
          {
            targetAccount,
            ...(p && { permissions: p }),
            ...(expiry !== undefined && { expiry: toDate(expiry) }),
          },
          opts,
        ),
        authId,
      );
    }
    case 'identity.acceptAuthorization': {
      const auth = await findAuthorization(ctx, call.args.authId);
      return sdk(call.name, auth.accept(opts), none);
    }
    case 'identity.removeAuthorization': {
      const auth = await findAuthorization(ctx, call.args.authId);
      return sdk(call.name, auth.remove(opts), none);
    }
    case 'identity.removeSecondaryKeys': {
      const accounts = await Promise.all(
        call.args.accounts.map((address) => s.accountManagement.getAccount({ address })),
      );
      return sdk(call.name, s.accountManagement.removeSecondaryAccounts({ accounts }, opts), none);
    }
    case 'identity.setSecondaryKeyPermissions': {
      const { account, permissions } = call.args;
      return sdk(
        call.name,
        s.accountManagement.modifyPermissions(
          { secondaryAccounts: [{ account, permissions: toKeyPermissions(permissions) }] },
          opts,
        ),
        none,
      );
    }
    case 'identity.freezeSecondaryKeys':
      return sdk(call.name, s.accountManagement.freezeSecondaryAccounts(opts), none);
    case 'identity.unfreezeSecondaryKeys':
      return sdk(call.name, s.accountManagement.unfreezeSecondaryAccounts(opts), none);
    case 'identity.leaveIdentityAsKey':
      return sdk(call.name, s.accountManagement.leaveIdentity(opts), none);

    // ---------------------------------------------------------------- asset
    case 'asset.registerUniqueTicker':
      return sdk(
        call.name,
        s.assets.reserveTicker({ ticker: call.args.ticker }, opts),
        (_reservation, events) => {
          const expiry = eventData(events, 'asset', 'TickerRegistered').expiry;
          return { expiry: new Date(Number(expiry)).toISOString() };
        },
      );
    case 'asset.createAsset': {
      const { name, assetType, divisible, identifiers, fundingRound, ticker, documents } = call.args;
      return sdk(
        call.name,
        s.assets.createAsset(
          {
            name,
            isDivisible: divisible,
            assetType: toSdkAssetType(assetType),
            ...(identifiers && { securityIdentifiers: identifiers.map(toSdkIdentifier) }),
            ...(fundingRound !== undefined && { fundingRound }),
            ...(ticker !== undefined && { ticker }),
            ...(documents && { documents: documents.map(toSdkDocument) }),
          },
          opts,
        ),
        (created) => ({ assetId: created.id }),
      );
    }
    case 'asset.linkTickerToAssetId': {
      const a = await asset(s, call.args.assetId);
      return sdk(call.name, a.linkTicker({ ticker: call.args.ticker }, opts), none);
    }
    case 'asset.unlinkTickerFromAssetId': {
      const a = await asset(s, call.args.assetId);
      return sdk(call.name, a.unlinkTicker(opts), none);
    }
    case 'asset.issue': {
      const { assetId, amount, portfolio: n } = call.args;
      const a = await asset(s, assetId);
      return sdk(
        call.name,
        a.issuance.issue({ amount: toBigNumber(amount), ...(n && { portfolioId: toBn(n) }) }, opts),
        none,
      );
    }
    case 'asset.redeem': {
      const { assetId, amount, portfolio: n } = call.args;
      const a = await asset(s, assetId);
      return sdk(
        call.name,
        a.redeem({ amount: toBigNumber(amount), ...(n && { from: toBn(n) }) }, opts),
        none,
      );
    }
    case 'asset.freeze':
      return sdk(call.name, (await asset(s, call.args.assetId)).freeze(opts), none);
    case 'asset.unfreeze':
      return sdk(call.name, (await asset(s, call.args.assetId)).unfreeze(opts), none);
    case 'asset.controllerTransfer': {
      const { assetId, amount, from } = call.args;
      const a = await asset(s, assetId);
      const originPortfolio = from.number ? { identity: from.did, id: toBn(from.number) } : from.did;
      return sdk(
        call.name,
        a.controllerTransfer({ originPortfolio, amount: toBigNumber(amount) }, opts),
        none,
      );
    }
    case 'asset.makeDivisible':
      return raw(call.name, api.tx.asset.makeDivisible(assetIdToHex(call.args.assetId)), none);
    case 'asset.renameAsset':
      return raw(call.name, api.tx.asset.renameAsset(assetIdToHex(call.args.assetId), call.args.name), none);
    case 'asset.setFundingRound':
      return raw(
        call.name,
        api.tx.asset.setFundingRound(assetIdToHex(call.args.assetId), call.args.fundingRound),
        none,
      );
    case 'asset.updateIdentifiers': {
      const ids = call.args.identifiers.map((i) => ({ [i.type.toUpperCase()]: i.value }));
      return raw(call.name, api.tx.asset.updateIdentifiers(assetIdToHex(call.args.assetId), ids), none);
    }
    case 'asset.updateAssetType': {
      const t = call.args.assetType;
      const chainType = typeof t === 'object' ? { Custom: t.custom } : t;
      return raw(call.name, api.tx.asset.updateAssetType(assetIdToHex(call.args.assetId), chainType), none);
    }
    case 'asset.registerCustomAssetType':
      return sdk(call.name, s.assets.registerCustomAssetType({ name: call.args.name }, opts), (id) => ({
        id: id.toNumber(),
      }));
    case 'asset.setDocuments': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.documents.set({ documents: call.args.documents.map(toSdkDocument) }, opts),
        none,
      );
    }
    case 'asset.registerAssetMetadataLocalType': {
      const { assetId, name, spec } = call.args;
      const a = await asset(s, assetId);
      return sdk(call.name, a.metadata.register({ name, specs: spec }, opts), (entry) => ({
        key: { type: 'Local', id: entry.id.toNumber() },
      }));
    }
    case 'asset.setAssetMetadata':
    case 'asset.setAssetMetadataDetails': {
      const { assetId, key } = call.args;
      const a = await asset(s, assetId);
      const entry = await a.metadata.getOne({ type: MetadataType[key.type], id: toBn(key.id) });
      const details = call.args.details ? toSdkMetadataDetails(call.args.details) : undefined;
      if (call.name === 'asset.setAssetMetadata') {
        return sdk(call.name, entry.set({ value: call.args.value, ...(details && { details }) }, opts), none);
      }
      return sdk(call.name, entry.set({ details: toSdkMetadataDetails(call.args.details) }, opts), none);
    }
    case 'asset.transferOwnership': {
      const { assetId, target, expiry } = call.args;
      const a = await asset(s, assetId);
      return sdk(
        call.name,
        a.transferOwnership({ target, ...(expiry !== undefined && { expiry: toDate(expiry) }) }, opts),
        authId,
      );
    }

    // ---------------------------------------------------------------- external agents
    case 'externalAgents.createGroup': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.permissions.createGroup(
          { permissions: { transactions: toSdkTransactionPermissions(call.args.permissions) } },
          opts,
        ),
        (group) => ({ groupId: group.id.toNumber() }),
      );
    }
    case 'externalAgents.setGroupPermissions': {
      const a = await asset(s, call.args.assetId);
      const group = await a.permissions.getGroup({ id: toBn(call.args.groupId) });
      return sdk(
        call.name,
        group.setPermissions(
          { permissions: { transactions: toSdkTransactionPermissions(call.args.permissions) } },
          opts,
        ),
        none,
      );
    }
    case 'externalAgents.addAuthorization': {
      const { assetId, target, group, expiry } = call.args;
      const a = await asset(s, assetId);
      const permissions = await agentGroup(a, group);
      return sdk(
        call.name,
        a.permissions.inviteAgent(
          { target, permissions, ...(expiry !== undefined && { expiry: toDate(expiry) }) },
          opts,
        ),
        authId,
      );
    }
    case 'externalAgents.removeAgent': {
      const a = await asset(s, call.args.assetId);
      return sdk(call.name, a.permissions.removeAgent({ target: call.args.agent }, opts), none);
    }
    case 'externalAgents.changeGroup': {
      const { assetId, agent, group } = call.args;
      return raw(
        call.name,
        api.tx.externalAgents.changeGroup(assetIdToHex(assetId), agent, toChainAgentGroup(group)),
        none,
      );
    }
    case 'externalAgents.abdicate': {
      const identity = await signingIdentity(ctx);
      return sdk(call.name, identity.assetPermissions.waive({ asset: call.args.assetId }, opts), none);
    }

    // ---------------------------------------------------------------- portfolio
    case 'portfolio.createPortfolio':
      return sdk(call.name, s.identities.createPortfolio({ name: call.args.name }, opts), (p) => ({
        number: p.id.toNumber(),
      }));
    case 'portfolio.deletePortfolio': {
      const identity = await signingIdentity(ctx);
      return sdk(call.name, identity.portfolios.delete({ portfolio: toBn(call.args.number) }, opts), none);
    }
    case 'portfolio.renamePortfolio':
      return raw(call.name, api.tx.portfolio.renamePortfolio(call.args.number, call.args.name), none);
    case 'portfolio.movePortfolioFunds': {
      const { from, to, items } = call.args;
      if (from.did !== to.did) {
        throw new LedgerError(
          'DifferentIdentityPortfolios',
          'Funds move only between portfolios of one identity',
        );
      }
      const source = await portfolio(s, from);
      return sdk(
        call.name,
        source.moveFunds(
          {
            to: toBn(to.number ?? 0),
            items: items.map((i) => ({
              asset: i.assetId,
              amount: toBigNumber(i.amount),
              ...(i.memo && { memo: i.memo }),
            })),
          },
          opts,
        ),
        none,
      );
    }
    case 'portfolio.setCustodian': {
      // The SDK only offers setCustodian on numbered portfolios; the extrinsic covers Default too.
      const { portfolio: ref, target, expiry } = call.args;
      const auth = { PortfolioCustody: toChainPortfolioId(ref) };
      const expiryMs = expiry === undefined ? null : toDate(expiry).getTime();
      return raw(
        call.name,
        api.tx.identity.addAuthorization({ Identity: target }, auth, expiryMs),
        (events) => ({
          authId: authIds(events)[0] ?? missing('identity.AuthorizationAdded'),
        }),
      );
    }
    case 'portfolio.quitPortfolioCustody': {
      const p = await portfolio(s, call.args.portfolio);
      return sdk(call.name, p.quitCustody(opts), none);
    }

    // ---------------------------------------------------------------- compliance manager
    case 'complianceManager.addComplianceRequirement': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.compliance.requirements.add({ conditions: call.args.conditions.map(toSdkCondition) }, opts),
        (_v, events) => ({
          id: requirementId(
            eventData(events, 'complianceManager', 'ComplianceRequirementCreated').requirement,
          ),
        }),
      );
    }
    case 'complianceManager.replaceAssetCompliance': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.compliance.requirements.set(
          { requirements: call.args.requirements.map((r) => r.map(toSdkCondition)) },
          opts,
        ),
        (_v, events) => {
          const replaced = events.find(
            (e) => e.module === 'complianceManager' && e.name === 'AssetComplianceReplaced',
          );
          const requirements = replaced?.data.requirements;
          return { ids: Array.isArray(requirements) ? requirements.map(requirementId) : [] };
        },
      );
    }
    case 'complianceManager.changeComplianceRequirement': {
      const { assetId, id, conditions } = call.args;
      const a = await asset(s, assetId);
      return sdk(
        call.name,
        a.compliance.requirements.modify({ id: toBn(id), conditions: conditions.map(toSdkCondition) }, opts),
        none,
      );
    }
    case 'complianceManager.removeComplianceRequirement': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.compliance.requirements.remove({ requirement: toBn(call.args.id) }, opts),
        none,
      );
    }
    case 'complianceManager.resetAssetCompliance':
      return sdk(call.name, (await asset(s, call.args.assetId)).compliance.requirements.reset(opts), none);
    case 'complianceManager.pauseAssetCompliance':
      return sdk(call.name, (await asset(s, call.args.assetId)).compliance.requirements.pause(opts), none);
    case 'complianceManager.resumeAssetCompliance':
      return sdk(call.name, (await asset(s, call.args.assetId)).compliance.requirements.unpause(opts), none);
    case 'complianceManager.addDefaultTrustedClaimIssuer': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.compliance.trustedClaimIssuers.add({ claimIssuers: [toSdkTrustedIssuer(call.args.issuer)] }, opts),
        none,
      );
    }
    case 'complianceManager.removeDefaultTrustedClaimIssuer': {
      const a = await asset(s, call.args.assetId);
      return sdk(
        call.name,
        a.compliance.trustedClaimIssuers.remove({ claimIssuers: [call.args.issuer] }, opts),
        none,
      );
    }

    // ---------------------------------------------------------------- statistics (pallet extrinsics, see mappers/restrictions.ts)
    case 'statistics.setActiveAssetStats': {
      const { assetId, stats } = call.args;
      return raw(
        call.name,
        api.tx.statistics.setActiveAssetStats(
          assetIdToHex(assetId),
          api.createType('BTreeSet<PolymeshPrimitivesStatisticsStatType>', stats.map(toChainStatType)),
        ),
        none,
      );
    }
    case 'statistics.batchUpdateAssetStats': {
      const { assetId, stat, values } = call.args;
      const updates = values.map((v) => ({
        key2: toChainStatKey(v.key),
        value: stat.op === 'Balance' ? toUnits(v.value) : v.value,
      }));
      return raw(
        call.name,
        api.tx.statistics.batchUpdateAssetStats(
          assetIdToHex(assetId),
          toChainStatType(stat),
          api.createType('BTreeSet<PolymeshPrimitivesStatisticsStatUpdate>', updates),
        ),
        none,
      );
    }
    case 'statistics.setAssetTransferCompliance': {
      const { assetId, conditions } = call.args;
      return raw(
        call.name,
        api.tx.statistics.setAssetTransferCompliance(
          assetIdToHex(assetId),
          api.createType(
            'BTreeSet<PolymeshPrimitivesTransferComplianceTransferCondition>',
            conditions.map(toChainTransferCondition),
          ),
        ),
        none,
      );
    }
    case 'statistics.setEntitiesExempt': {
      const { assetId, isExempt, key, entities } = call.args;
      return raw(
        call.name,
        api.tx.statistics.setEntitiesExempt(
          isExempt,
          toChainExemptKey(assetId, key),
          api.createType('BTreeSet<PolymeshPrimitivesIdentityId>', entities),
        ),
        none,
      );
    }

    // ---------------------------------------------------------------- settlement (pallet extrinsics, see mappers/settlement.ts)
    case 'settlement.createVenue': {
      const { details, type, signers } = call.args;
      return raw(
        call.name,
        named(api, 'settlement', 'createVenue', { details, signers: signers ?? [], typ: type }),
        (events) => ({
          venueId: num(eventData(events, 'settlement', 'VenueCreated').venueId),
        }),
      );
    }
    case 'settlement.updateVenueDetails':
      return raw(
        call.name,
        named(api, 'settlement', 'updateVenueDetails', {
          id: call.args.venueId,
          venueId: call.args.venueId,
          details: call.args.details,
        }),
        none,
      );
    case 'settlement.updateVenueSigners':
      return raw(
        call.name,
        named(api, 'settlement', 'updateVenueSigners', {
          id: call.args.venueId,
          venueId: call.args.venueId,
          signers: call.args.signers,
          addSigners: call.args.add,
        }),
        none,
      );
    case 'settlement.updateVenueType':
      return raw(
        call.name,
        named(api, 'settlement', 'updateVenueType', {
          id: call.args.venueId,
          venueId: call.args.venueId,
          typ: call.args.type,
        }),
        none,
      );
    case 'settlement.setVenueFiltering':
      return raw(
        call.name,
        named(api, 'settlement', 'setVenueFiltering', {
          assetId: assetIdToHex(call.args.assetId),
          enabled: call.args.enabled,
        }),
        none,
      );
    case 'settlement.allowVenues':
    case 'settlement.disallowVenues': {
      const method = call.name === 'settlement.allowVenues' ? 'allowVenues' : 'disallowVenues';
      return raw(
        call.name,
        named(api, 'settlement', method, {
          assetId: assetIdToHex(call.args.assetId),
          venues: call.args.venues,
        }),
        none,
      );
    }
    case 'settlement.addInstruction':
    case 'settlement.addAndAffirmInstruction': {
      const a = call.args;
      const withAffirm = call.name === 'settlement.addAndAffirmInstruction';
      const mediators = a.mediators && a.mediators.length > 0 ? a.mediators : undefined;
      const method = withAffirm
        ? mediators
          ? 'addAndAffirmWithMediators'
          : 'addAndAffirmInstruction'
        : mediators
          ? 'addInstructionWithMediators'
          : 'addInstruction';
      const args = {
        venueId: a.venueId ?? null,
        settlementType: toChainSettlementType(a.settlementType),
        tradeDate: toMoment(a.tradeDate),
        valueDate: toMoment(a.valueDate),
        legs: a.legs.map(toChainLeg),
        instructionMemo: toChainMemo(a.memo),
        ...(mediators && { mediators }),
        ...('portfolios' in a && { portfolios: a.portfolios.map(toChainPortfolioId) }),
      };
      return raw(call.name, named(api, 'settlement', method, args), (events) => ({
        instructionId: num(eventData(events, 'settlement', 'InstructionCreated').instructionId),
      }));
    }
    case 'settlement.affirmInstruction':
    case 'settlement.withdrawAffirmation': {
      const method =
        call.name === 'settlement.affirmInstruction' ? 'affirmInstruction' : 'withdrawAffirmation';
      return raw(
        call.name,
        named(api, 'settlement', method, {
          id: call.args.id,
          portfolios: call.args.portfolios.map(toChainPortfolioId),
        }),
        none,
      );
    }
    case 'settlement.affirmWithReceipts':
      return raw(
        call.name,
        named(api, 'settlement', 'affirmWithReceipts', {
          id: call.args.id,
          receiptDetails: call.args.receipts.map((r) => ({
            uid: r.uid,
            instructionId: call.args.id,
            legId: r.legId,
            signer: r.signer,
            signature: { [r.signature.type]: r.signature.value },
            metadata: r.metadata ?? null,
          })),
          portfolios: (call.args.portfolios ?? []).map(toChainPortfolioId),
        }),
        none,
      );
    case 'settlement.rejectInstruction':
      return raw(
        call.name,
        named(api, 'settlement', 'rejectInstruction', {
          id: call.args.id,
          portfolio: toChainPortfolioId(call.args.portfolio),
        }),
        none,
      );
    case 'settlement.affirmInstructionAsMediator':
      return raw(
        call.name,
        named(api, 'settlement', 'affirmInstructionAsMediator', {
          instructionId: call.args.id,
          expiry: toMoment(call.args.expiry),
        }),
        none,
      );
    case 'settlement.withdrawAffirmationAsMediator':
      return raw(
        call.name,
        named(api, 'settlement', 'withdrawAffirmationAsMediator', { instructionId: call.args.id }),
        none,
      );
    case 'settlement.rejectInstructionAsMediator':
      return raw(
        call.name,
        named(api, 'settlement', 'rejectInstructionAsMediator', { instructionId: call.args.id }),
        none,
      );
    case 'settlement.executeManualInstruction': {
      const { id, portfolio: p } = call.args;
      const counts = await legCounts(api, id);
      return raw(
        call.name,
        named(api, 'settlement', 'executeManualInstruction', {
          id,
          portfolio: p ? toChainPortfolioId(p) : null,
          fungibleTransfers: counts.fungible,
          nftsTransfers: 0,
          offchainTransfers: counts.offChain,
        }),
        none,
      );
    }

    // ---------------------------------------------------------------- pre-approval, mediators
    case 'asset.preApproveAsset':
    case 'asset.removeAssetPreApproval': {
      const x = toChainPreApproval(call.name, call.args);
      return raw(call.name, named(api, x.section, x.method, x.params), none);
    }
    case 'asset.addMandatoryMediators':
    case 'asset.removeMandatoryMediators': {
      const method =
        call.name === 'asset.addMandatoryMediators' ? 'addMandatoryMediators' : 'removeMandatoryMediators';
      return raw(
        call.name,
        named(api, 'asset', method, {
          assetId: assetIdToHex(call.args.assetId),
          mediators: call.args.mediators,
        }),
        none,
      );
    }
    case 'portfolio.preApprovePortfolio':
    case 'portfolio.removePortfolioPreApproval': {
      const x = toChainPreApproval(call.name, call.args);
      return raw(call.name, named(api, x.section, x.method, x.params), none);
    }

    // ---------------------------------------------------------------- offerings (sto)
    case 'sto.createFundraiser': {
      const a = call.args;
      return raw(
        call.name,
        named(api, 'sto', 'createFundraiser', {
          offeringPortfolio: toChainPortfolioId(a.offeringPortfolio),
          offeringAsset: assetIdToHex(a.assetId),
          raisingPortfolio: toChainPortfolioId(a.raisingPortfolio),
          raisingAsset: assetIdToHex(a.raisingAssetId),
          tiers: toChainTiers(a.tiers),
          venueId: a.venueId,
          start: toMoment(a.start),
          end: toMoment(a.end),
          minimumInvestment: toUnits(a.minimumInvestment),
          fundraiserName: a.name,
        }),
        (events) => ({ fundraiserId: num(eventData(events, 'sto', 'FundraiserCreated').fundraiserId) }),
      );
    }
    case 'sto.invest': {
      const a = call.args;
      const funding = toChainPortfolioId(a.fundingPortfolio);
      return raw(
        call.name,
        // 7.0 names the funding portfolio `fundingPortfolio`; later runtimes take `funding: OnChain(portfolio)`.
        named(api, 'sto', 'invest', {
          investmentPortfolio: toChainPortfolioId(a.investmentPortfolio),
          fundingPortfolio: funding,
          funding: { OnChain: funding },
          offeringAsset: assetIdToHex(a.assetId),
          id: a.fundraiserId,
          fundraiserId: a.fundraiserId,
          purchaseAmount: toUnits(a.purchaseAmount),
          maxPrice: a.maxPrice === undefined ? null : toUnits(a.maxPrice),
        }),
        (events) => ({
          instructionId: num(eventData(events, 'settlement', 'InstructionCreated').instructionId),
          cost: String(eventData(events, 'sto', 'Invested').raiseAmount),
        }),
      );
    }
    case 'sto.freezeFundraiser':
    case 'sto.unfreezeFundraiser':
    case 'sto.stop': {
      const method =
        call.name === 'sto.freezeFundraiser'
          ? 'freezeFundraiser'
          : call.name === 'sto.unfreezeFundraiser'
            ? 'unfreezeFundraiser'
            : 'stop';
      const args = {
        offeringAsset: assetIdToHex(call.args.assetId),
        id: call.args.fundraiserId,
        fundraiserId: call.args.fundraiserId,
      };
      return raw(call.name, named(api, 'sto', method, args), none);
    }
    case 'sto.modifyFundraiserWindow': {
      const a = call.args;
      return raw(
        call.name,
        named(api, 'sto', 'modifyFundraiserWindow', {
          offeringAsset: assetIdToHex(a.assetId),
          id: a.fundraiserId,
          fundraiserId: a.fundraiserId,
          start: toMoment(a.start),
          end: toMoment(a.end),
        }),
        none,
      );
    }
    // ---------------------------------------------------------------- checkpoints (pallet extrinsics, see mappers/corporate.ts)
    case 'checkpoint.createCheckpoint':
      return raw(
        call.name,
        named(api, 'checkpoint', 'createCheckpoint', { assetId: assetIdToHex(call.args.assetId) }),
        (events) => ({
          checkpointId: num(eventData(events, 'checkpoint', 'CheckpointCreated').checkpointId),
        }),
      );
    case 'checkpoint.createSchedule': {
      const pending = call.args.points.map((p) => toDate(p).getTime()).sort((a, b) => a - b);
      return raw(
        call.name,
        named(api, 'checkpoint', 'createSchedule', {
          assetId: assetIdToHex(call.args.assetId),
          schedule: { pending },
        }),
        (events) => ({ scheduleId: num(eventData(events, 'checkpoint', 'ScheduleCreated').scheduleId) }),
      );
    }
    case 'checkpoint.removeSchedule':
      return raw(
        call.name,
        named(api, 'checkpoint', 'removeSchedule', {
          assetId: assetIdToHex(call.args.assetId),
          id: call.args.scheduleId,
          scheduleId: call.args.scheduleId,
        }),
        none,
      );

    // ---------------------------------------------------------------- corporate actions
    case 'corporateAction.initiateCorporateAction': {
      const a = call.args;
      return raw(
        call.name,
        named(api, 'corporateAction', 'initiateCorporateAction', {
          assetId: assetIdToHex(a.assetId),
          kind: a.kind,
          declDate: toDate(a.declDate).getTime(),
          recordDate: a.recordDate ? toChainRecordDate(a.recordDate) : null,
          details: a.details,
          targets: a.targets ? toChainTargets(a.targets) : null,
          defaultWithholdingTax:
            a.defaultWithholdingTax === undefined ? null : percentToPermill(a.defaultWithholdingTax),
          withholdingTax: a.withholdingTax ? toChainTaxes(a.withholdingTax) : null,
        }),
        (events) => ({ caId: caLocalId(eventData(events, 'corporateAction', 'CAInitiated').caId) }),
      );
    }
    case 'corporateAction.setDefaultTargets':
      return raw(
        call.name,
        named(api, 'corporateAction', 'setDefaultTargets', {
          assetId: assetIdToHex(call.args.assetId),
          targets: toChainTargets(call.args.targets),
        }),
        none,
      );
    case 'corporateAction.setDefaultWithholdingTax':
      return raw(
        call.name,
        named(api, 'corporateAction', 'setDefaultWithholdingTax', {
          assetId: assetIdToHex(call.args.assetId),
          tax: percentToPermill(call.args.tax),
        }),
        none,
      );
    case 'corporateAction.setDidWithholdingTax':
      return raw(
        call.name,
        named(api, 'corporateAction', 'setDidWithholdingTax', {
          assetId: assetIdToHex(call.args.assetId),
          taxedDid: call.args.did,
          tax: call.args.tax === null ? null : percentToPermill(call.args.tax),
        }),
        none,
      );

    // ---------------------------------------------------------------- capital distributions
    case 'capitalDistribution.distribute': {
      const a = call.args;
      return raw(
        call.name,
        named(api, 'capitalDistribution', 'distribute', {
          caId: toChainCaId(a.assetId, a.caId),
          portfolio: a.portfolio ? a.portfolio : null,
          currency: assetIdToHex(a.currency),
          perShare: toUnits(a.perShare),
          amount: toUnits(a.amount),
          paymentAt: toDate(a.paymentAt).getTime(),
          expiresAt: toMoment(a.expiresAt),
        }),
        none,
      );
    }
    case 'capitalDistribution.claim':
      return raw(
        call.name,
        named(api, 'capitalDistribution', 'claim', { caId: toChainCaId(call.args.assetId, call.args.caId) }),
        benefitOf,
      );
    case 'capitalDistribution.pushBenefit':
      return raw(
        call.name,
        named(api, 'capitalDistribution', 'pushBenefit', {
          caId: toChainCaId(call.args.assetId, call.args.caId),
          holder: call.args.holder,
        }),
        benefitOf,
      );
    case 'capitalDistribution.reclaim':
    case 'capitalDistribution.removeDistribution': {
      const method = call.name === 'capitalDistribution.reclaim' ? 'reclaim' : 'removeDistribution';
      return raw(
        call.name,
        named(api, 'capitalDistribution', method, { caId: toChainCaId(call.args.assetId, call.args.caId) }),
        none,
      );
    }

    // ---------------------------------------------------------------- corporate ballots
    case 'corporateBallot.attachBallot': {
      const a = call.args;
      return raw(
        call.name,
        named(api, 'corporateBallot', 'attachBallot', {
          caId: toChainCaId(a.assetId, a.caId),
          range: { start: toDate(a.start).getTime(), end: toDate(a.end).getTime() },
          meta: toChainBallotMeta(a.meta),
          rcv: a.rcv,
        }),
        none,
      );
    }
    case 'corporateBallot.vote':
      return raw(
        call.name,
        named(api, 'corporateBallot', 'vote', {
          caId: toChainCaId(call.args.assetId, call.args.caId),
          votes: toChainVotes(call.args.votes),
        }),
        none,
      );
    case 'corporateBallot.changeEnd':
      return raw(
        call.name,
        named(api, 'corporateBallot', 'changeEnd', {
          caId: toChainCaId(call.args.assetId, call.args.caId),
          end: toDate(call.args.end).getTime(),
        }),
        none,
      );
    case 'corporateBallot.changeRcv':
      return raw(
        call.name,
        named(api, 'corporateBallot', 'changeRcv', {
          caId: toChainCaId(call.args.assetId, call.args.caId),
          rcv: call.args.rcv,
        }),
        none,
      );
    case 'corporateBallot.removeBallot':
      return raw(
        call.name,
        named(api, 'corporateBallot', 'removeBallot', {
          caId: toChainCaId(call.args.assetId, call.args.caId),
        }),
        none,
      );
    case 'corporateAction.removeCa':
    case 'corporateAction.changeRecordDate':
    case 'corporateAction.linkCaDoc':
    case 'corporateBallot.changeMeta':
      // New port calls (issue 12, corporate-action lifecycle); the adapter rewrite maps them.
      throw new LedgerError('Unsupported', `${call.name} is not supported by the Polymesh SDK adapter yet`);
    case 'utility.batch':
    case 'utility.batchAll':
    case 'utility.forceBatch':
      // Calls mapped through SDK procedures cannot be built as inner extrinsics without being
      // sent, so batches are refused here and `capabilities.batch` is false: the outbox does not
      // coalesce on this adapter. Issue 12 (adapter rewrite) maps them to api.tx.utility.*.
      throw new LedgerError('Unsupported', `${call.name} is not supported by the Polymesh SDK adapter yet`);
    default:
      return unsupported(call);
  }
}

/** Compile-time exhaustiveness: `call` is `never` once every call has a case. */
function unsupported(call: never): never {
  throw new LedgerError('Unsupported', `No Polymesh mapping for ${(call as LedgerCall).name}`);
}

/**
 * Builds an extrinsic from arguments given by name, in the order and with the names of the
 * connected runtime's metadata: settlement and sto signatures changed between 7.0 and 7.3, and
 * this keeps the adapter on whichever the node runs. Absent optional arguments are `None`.
 */
export function named(
  api: ApiPromise,
  section: string,
  method: string,
  args: Record<string, unknown>,
): SubmittableExtrinsic<'promise'> {
  const fn = api.tx[section]?.[method];
  if (!fn) throw new LedgerError('Unsupported', `The node has no ${section}.${method}`);
  const values = fn.meta.args.map((arg) => {
    const name = polkadotUtil.stringCamelCase(arg.name.toString());
    if (name in args) return args[name];
    if (arg.type.toString().startsWith('Option<')) return null;
    throw new LedgerError(
      'Unsupported',
      `${section}.${method} on this node needs \`${name}\`, which the port does not provide`,
    );
  });
  return fn(...values);
}

/** Leg counts the weight of `execute_manual_instruction` is declared with. */
async function legCounts(api: ApiPromise, id: number): Promise<{ fungible: number; offChain: number }> {
  const legs = await api.query.settlement.instructionLegs.entries(id);
  let fungible = 0;
  let offChain = 0;
  for (const [, leg] of legs) {
    const json = toJson(leg);
    if (typeof json === 'object' && json !== null && 'OffChain' in json) offChain += 1;
    else fungible += 1;
  }
  return { fungible, offChain };
}

/** `localId` of a sanitised `CAId { assetId, localId }`. */
function caLocalId(caId: unknown): number {
  if (typeof caId === 'object' && caId !== null && 'localId' in caId) return num(caId.localId);
  throw new LedgerError('ValidationError', 'Corporate action event without a CA id');
}

/** `requirement.id` of a sanitised `ComplianceRequirement` event payload. */
function requirementId(requirement: unknown): number {
  if (typeof requirement === 'object' && requirement !== null && 'id' in requirement)
    return num(requirement.id);
  throw new LedgerError('ValidationError', 'Compliance event without a requirement id');
}
