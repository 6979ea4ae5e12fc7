import type { LedgerEvent } from '../../ledger.js';
import { toJson, type Json } from './json.js';

/**
 * Field names of Polymesh 7 events whose fields are unnamed tuples in the metadata, in the
 * order the runtime emits them (from each event's doc comment). Events with named fields
 * (system, balances, utility; sto from 7.3) use the metadata names.
 */
export const EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'identity.DidCreated': ['did', 'primaryKey', 'secondaryKeys'],
  'identity.ChildDidCreated': ['parentDid', 'childDid', 'primaryKey'],
  'identity.ClaimAdded': ['target', 'claim'],
  'identity.ClaimRevoked': ['target', 'claim'],
  'identity.CustomClaimTypeAdded': ['did', 'id', 'name'],
  'identity.SecondaryKeysAdded': ['did', 'keys'],
  'identity.SecondaryKeysRemoved': ['did', 'keys'],
  'identity.SecondaryKeysFrozen': ['did'],
  'identity.SecondaryKeysUnfrozen': ['did'],
  'identity.SecondaryKeyLeftIdentity': ['did', 'key'],
  'identity.SecondaryKeyPermissionsUpdated': ['did', 'key', 'oldPermissions', 'newPermissions'],
  'identity.PrimaryKeyUpdated': ['did', 'oldKey', 'newKey'],
  'identity.AuthorizationAdded': ['from', 'targetDid', 'targetKey', 'authId', 'data', 'expiry'],
  'identity.AuthorizationConsumed': ['targetDid', 'targetKey', 'authId'],
  'identity.AuthorizationRejected': ['targetDid', 'targetKey', 'authId'],
  'identity.AuthorizationRevoked': ['targetDid', 'targetKey', 'authId'],
  'identity.CddClaimsInvalidated': ['did', 'from'],
  'asset.AssetCreated': [
    'did',
    'assetId',
    'divisible',
    'assetType',
    'owner',
    'name',
    'identifiers',
    'fundingRound',
  ],
  'asset.AssetBalanceUpdated': ['did', 'assetId', 'amount', 'from', 'to', 'reason'],
  'asset.ControllerTransfer': ['did', 'assetId', 'from', 'amount'],
  'asset.AssetFrozen': ['did', 'assetId'],
  'asset.AssetUnfrozen': ['did', 'assetId'],
  'asset.AssetRenamed': ['did', 'assetId', 'name'],
  'asset.AssetTypeChanged': ['did', 'assetId', 'assetType'],
  'asset.DivisibilityChanged': ['did', 'assetId', 'divisible'],
  'asset.FundingRoundSet': ['did', 'assetId', 'fundingRound'],
  'asset.IdentifiersUpdated': ['did', 'assetId', 'identifiers'],
  'asset.DocumentAdded': ['did', 'assetId', 'id', 'document'],
  'asset.DocumentRemoved': ['did', 'assetId', 'id'],
  'asset.TickerRegistered': ['did', 'ticker', 'expiry'],
  'asset.TickerTransferred': ['did', 'ticker', 'from'],
  'asset.TickerLinkedToAsset': ['did', 'ticker', 'assetId'],
  'asset.TickerUnlinkedFromAsset': ['did', 'ticker', 'assetId'],
  'asset.AssetOwnershipTransferred': ['did', 'assetId', 'from'],
  'asset.CustomAssetTypeRegistered': ['did', 'id', 'name'],
  'asset.CustomAssetTypeExists': ['did', 'id', 'name'],
  'asset.RegisterAssetMetadataLocalType': ['did', 'assetId', 'name', 'localKey', 'spec'],
  'asset.RegisterAssetMetadataGlobalType': ['name', 'key', 'spec'],
  'asset.SetAssetMetadataValue': ['did', 'assetId', 'value', 'detail'],
  'asset.SetAssetMetadataValueDetails': ['did', 'assetId', 'detail'],
  'asset.PreApprovedAsset': ['did', 'assetId'],
  'asset.RemovePreApprovedAsset': ['did', 'assetId'],
  'asset.AssetMediatorsAdded': ['did', 'assetId', 'mediators'],
  'asset.AssetMediatorsRemoved': ['did', 'assetId', 'mediators'],
  'externalAgents.AgentAdded': ['did', 'assetId', 'agent', 'group'],
  'externalAgents.AgentRemoved': ['did', 'assetId', 'agent'],
  'externalAgents.GroupChanged': ['did', 'assetId', 'agent', 'group'],
  'externalAgents.GroupCreated': ['did', 'assetId', 'groupId', 'permissions'],
  'externalAgents.GroupPermissionsUpdated': ['did', 'assetId', 'groupId', 'permissions'],
  'portfolio.PortfolioCreated': ['did', 'number', 'name'],
  'portfolio.PortfolioDeleted': ['did', 'number'],
  'portfolio.PortfolioRenamed': ['did', 'number', 'name'],
  'portfolio.PortfolioCustodianChanged': ['did', 'portfolio', 'custodian'],
  'portfolio.FundsMovedBetweenPortfolios': ['did', 'from', 'to', 'fund', 'memo'],
  'portfolio.PreApprovedPortfolio': ['did', 'portfolio', 'assetId'],
  'portfolio.RevokePreApprovedPortfolio': ['did', 'portfolio', 'assetId'],
  'complianceManager.ComplianceRequirementCreated': ['did', 'assetId', 'requirement'],
  'complianceManager.ComplianceRequirementChanged': ['did', 'assetId', 'requirement'],
  'complianceManager.ComplianceRequirementRemoved': ['did', 'assetId', 'id'],
  'complianceManager.AssetComplianceReplaced': ['did', 'assetId', 'requirements'],
  'complianceManager.AssetComplianceReset': ['did', 'assetId'],
  'complianceManager.AssetCompliancePaused': ['did', 'assetId'],
  'complianceManager.AssetComplianceResumed': ['did', 'assetId'],
  'complianceManager.TrustedDefaultClaimIssuerAdded': ['did', 'assetId', 'issuer'],
  'complianceManager.TrustedDefaultClaimIssuerRemoved': ['did', 'assetId', 'issuer'],
  'statistics.StatTypesAdded': ['did', 'assetId', 'statTypes'],
  'statistics.StatTypesRemoved': ['did', 'assetId', 'statTypes'],
  'statistics.AssetStatsUpdated': ['did', 'assetId', 'statType', 'updates'],
  'statistics.SetAssetTransferCompliance': ['did', 'assetId', 'conditions'],
  'statistics.TransferConditionExemptionsAdded': ['did', 'exemptKey', 'identities'],
  'statistics.TransferConditionExemptionsRemoved': ['did', 'exemptKey', 'identities'],
  'settlement.VenueCreated': ['did', 'venueId', 'details', 'venueType'],
  'settlement.VenueDetailsUpdated': ['did', 'venueId', 'details'],
  'settlement.VenueTypeUpdated': ['did', 'venueId', 'venueType'],
  'settlement.VenueSignersUpdated': ['did', 'venueId', 'signers', 'added'],
  'settlement.VenueFiltering': ['did', 'assetId', 'enabled'],
  'settlement.VenuesAllowed': ['did', 'assetId', 'venueIds'],
  'settlement.VenuesBlocked': ['did', 'assetId', 'venueIds'],
  'settlement.VenueUnauthorized': ['did', 'assetId', 'venueId'],
  'settlement.InstructionCreated': [
    'did',
    'venueId',
    'instructionId',
    'settlementType',
    'tradeDate',
    'valueDate',
    'legs',
    'memo',
  ],
  'settlement.InstructionAffirmed': ['did', 'portfolio', 'instructionId'],
  'settlement.InstructionAutomaticallyAffirmed': ['did', 'portfolio', 'instructionId'],
  'settlement.AffirmationWithdrawn': ['did', 'portfolio', 'instructionId'],
  'settlement.InstructionRejected': ['did', 'instructionId'],
  'settlement.InstructionExecuted': ['did', 'instructionId'],
  'settlement.InstructionRescheduled': ['did', 'instructionId'],
  'settlement.SettlementManuallyExecuted': ['did', 'instructionId'],
  'settlement.LegFailedExecution': ['did', 'instructionId', 'legId'],
  'settlement.FailedToExecuteInstruction': ['instructionId', 'error'],
  'settlement.SchedulingFailed': ['instructionId', 'error'],
  'settlement.InstructionMediators': ['instructionId', 'mediators'],
  'settlement.MediatorAffirmationReceived': ['did', 'instructionId', 'expiry'],
  'settlement.MediatorAffirmationWithdrawn': ['did', 'instructionId'],
  'settlement.ReceiptClaimed': ['did', 'instructionId', 'legId', 'receiptUid', 'signer', 'metadata'],
  'checkpoint.CheckpointCreated': ['did', 'assetId', 'checkpointId', 'totalSupply', 'at'],
  'checkpoint.ScheduleCreated': ['did', 'assetId', 'scheduleId', 'schedule'],
  'checkpoint.ScheduleRemoved': ['did', 'assetId', 'scheduleId', 'schedule'],
  'corporateAction.CAInitiated': ['did', 'caId', 'corporateAction', 'details'],
  'corporateAction.CARemoved': ['did', 'caId'],
  'corporateAction.CALinkedToDoc': ['did', 'caId', 'documentIds'],
  'corporateAction.RecordDateChanged': ['did', 'caId', 'corporateAction'],
  'corporateAction.DefaultTargetIdentitiesChanged': ['did', 'assetId', 'targets'],
  'corporateAction.DefaultWithholdingTaxChanged': ['did', 'assetId', 'tax'],
  'corporateAction.DidWithholdingTaxChanged': ['did', 'assetId', 'taxedDid', 'tax'],
  'capitalDistribution.Created': ['did', 'caId', 'distribution'],
  'capitalDistribution.BenefitClaimed': ['did', 'holder', 'caId', 'distribution', 'benefit', 'tax'],
  'capitalDistribution.Reclaimed': ['did', 'caId', 'amount'],
  'capitalDistribution.Removed': ['did', 'caId'],
  'corporateBallot.Created': ['did', 'caId', 'range', 'meta', 'rcv'],
  'corporateBallot.VoteCast': ['did', 'caId', 'votes'],
  'corporateBallot.RangeChanged': ['did', 'caId', 'range'],
  'corporateBallot.MetaChanged': ['did', 'caId', 'meta'],
  'corporateBallot.RCVChanged': ['did', 'caId', 'rcv'],
  'corporateBallot.Removed': ['did', 'caId'],
  // pallets/sto (7.0: decl_event tuples; 7.3 names them, with the same names for these fields)
  'sto.FundraiserCreated': ['did', 'fundraiserId', 'fundraiserName', 'fundraiser'],
  'sto.Invested': ['did', 'fundraiserId', 'offeringAsset', 'raisingAsset', 'offeringAmount', 'raiseAmount'],
  'sto.FundraiserFrozen': ['did', 'fundraiserId'],
  'sto.FundraiserUnfrozen': ['did', 'fundraiserId'],
  'sto.FundraiserWindowModified': ['did', 'fundraiserId', 'oldStart', 'oldEnd', 'newStart', 'newEnd'],
  'sto.FundraiserClosed': ['did', 'fundraiserId'],
};

/** Fields holding a chain `Moment` (ms since epoch), rendered as ISO-8601 like the port's timestamps. */
const MOMENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'asset.TickerRegistered': ['expiry'],
  'identity.AuthorizationAdded': ['expiry'],
  'checkpoint.CheckpointCreated': ['at'],
  'settlement.InstructionCreated': ['tradeDate', 'valueDate'],
  'settlement.MediatorAffirmationReceived': ['expiry'],
  'sto.FundraiserWindowModified': ['oldStart', 'oldEnd', 'newStart', 'newEnd'],
};

/** Chain `PortfolioId {did, kind}` → the port's `PortfolioRef {did, number?}`, wherever it appears. */
function portfolioRefs(v: Json): Json {
  if (Array.isArray(v)) return v.map(portfolioRefs);
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  if (keys.length === 2 && typeof v.did === 'string' && 'kind' in v) {
    const kind = v.kind;
    return typeof kind === 'object' && kind !== null && !Array.isArray(kind) && 'User' in kind
      ? { did: v.did, number: Number(kind.User) }
      : { did: v.did };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, portfolioRefs(x)]));
}

/** Modules whose u128 values are counters rather than balances. */
const RAW_U128_MODULES = new Set(['statistics']);

/** Module, name, field names from the metadata (null when unnamed) and the field values. */
export interface RawEvent {
  module: string;
  name: string;
  fieldNames: (string | null)[];
  values: unknown[];
}

/** Names an event's fields: the metadata's names, else `EVENT_FIELDS`, else `arg<i>`. */
export function eventFieldNames(
  module: string,
  name: string,
  metaNames: (string | null)[],
  count: number,
): string[] {
  const known = EVENT_FIELDS[`${module}.${name}`];
  return Array.from({ length: count }, (_, i) => {
    const meta = metaNames[i];
    if (meta) return meta.replace(/_$/, '');
    return known?.[i] ?? `arg${i}`;
  });
}

export function normaliseEvent(raw: RawEvent, block: number, index: number, txHash?: string): LedgerEvent {
  const names = eventFieldNames(raw.module, raw.name, raw.fieldNames, raw.values.length);
  const u128 = RAW_U128_MODULES.has(raw.module) ? 'raw' : 'units';
  const moments = MOMENT_FIELDS[`${raw.module}.${raw.name}`] ?? [];
  const data: Record<string, Json> = {};
  raw.values.forEach((v, i) => {
    const name = names[i] ?? `arg${i}`;
    const json = portfolioRefs(toJson(v, { u128 }));
    data[name] = moments.includes(name) && json !== null ? new Date(Number(json)).toISOString() : json;
  });
  const event: LedgerEvent = { block, index, module: raw.module, name: raw.name, data };
  if (txHash !== undefined) event.txHash = txHash;
  return event;
}
