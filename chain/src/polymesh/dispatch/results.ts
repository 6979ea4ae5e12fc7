/*
 * A port call's result read back from the chain call alone, for `findTransaction`: the outbox
 * looks an unknown outcome up by nonce and needs the same result `submit` would have returned
 * (the new asset id, the batch's items…). The chain call names the reader; utility batches are
 * read item by item as `submit` reads them.
 *
 * Ambiguity this cannot resolve: a port call the adapter sent as several chain calls in one
 * `utility.batchAll` (`asset.createAsset` with a ticker or documents, `asset.setDocuments`)
 * reads as that port call, not as a port `utility.batchAll` of it.
 */
import type { LedgerEvent } from '../../ledger.js';
import { OTHER_BY_CALL } from '../errors.js';
import { benefitOf } from '../mappers/corporate.js';
import { assetCreated, customTypeId, metadataLocalKey, tickerExpiry } from './asset.js';
import { replacedIds, requirementCreated } from './compliance-manager.js';
import { caInitiated } from './corporate-action.js';
import { groupCreated } from './external-agents.js';
import { didCreated, customClaimTypeAdded } from './identity.js';
import { portfolioCreated } from './portfolio.js';
import { instructionCreated, venueCreated } from './settlement.js';
import { checkpointCreated, scheduleCreated } from './checkpoint.js';
import { fundraiserCreated, investResult } from './sto.js';
import { remarked } from './system.js';
import { authIdResult, type BatchMode, type ResultContext } from './types.js';
import { readBatchItems, type CallShape } from './utility.js';

/** A chain call as the block holds it: `section.method`, and a batch's inner calls. */
export interface ChainCallTree {
  call: string;
  calls?: ChainCallTree[];
}

const READERS: Readonly<Record<string, (events: LedgerEvent[]) => unknown>> = {
  'system.remarkWithEvent': remarked,
  'identity.cddRegisterDid': didCreated,
  'identity.cddRegisterDidWithCdd': didCreated,
  'identity.registerCustomClaimType': customClaimTypeAdded,
  'identity.addAuthorization': authIdResult,
  'asset.registerUniqueTicker': tickerExpiry,
  'asset.createAsset': assetCreated,
  'asset.registerCustomAssetType': customTypeId,
  'asset.registerAssetMetadataLocalType': metadataLocalKey,
  'externalAgents.createGroup': groupCreated,
  'portfolio.createPortfolio': portfolioCreated,
  'complianceManager.addComplianceRequirement': requirementCreated,
  'complianceManager.replaceAssetCompliance': replacedIds,
  'settlement.createVenue': venueCreated,
  'settlement.addInstruction': instructionCreated,
  'settlement.addInstructionWithMediators': instructionCreated,
  'settlement.addAndAffirmInstruction': instructionCreated,
  'settlement.addAndAffirmWithMediators': instructionCreated,
  'sto.createFundraiser': fundraiserCreated,
  'sto.invest': investResult,
  'checkpoint.createCheckpoint': checkpointCreated,
  'checkpoint.createSchedule': scheduleCreated,
  'corporateAction.initiateCorporateAction': caInitiated,
  'capitalDistribution.claim': benefitOf,
  'capitalDistribution.pushBenefit': benefitOf,
};

const MODES: Readonly<Record<string, BatchMode>> = {
  'utility.batch': 'batch',
  'utility.batchAll': 'batchAll',
  'utility.forceBatch': 'forceBatch',
};

/** The chain calls one port call is sent as, after its first (see `asset.createAsset`, `asset.setDocuments`). */
const COMPANIONS = new Set(['asset.registerUniqueTicker', 'asset.linkTickerToAssetId', 'asset.addDocuments']);

function shapeOf(tree: ChainCallTree): CallShape {
  const mode = MODES[tree.call];
  return mode ? { kind: 'batch', mode, items: (tree.calls ?? []).map(shapeOf) } : { kind: 'call' };
}

function ownBatchAll(tree: ChainCallTree): boolean {
  const [first, ...rest] = tree.calls ?? [];
  if (!first) return false;
  if (first.call === 'asset.createAsset') return rest.length > 0 && rest.every((c) => COMPANIONS.has(c.call));
  return (
    first.call === 'asset.removeDocuments' && rest.length === 1 && rest[0]?.call === 'asset.addDocuments'
  );
}

/** The port result of a chain call, from the events it emitted. */
export function resultOfChainCall(tree: ChainCallTree, events: LedgerEvent[], ctx: ResultContext): unknown {
  const mode = MODES[tree.call];
  if (!mode) return READERS[tree.call]?.(events);
  const inner = tree.calls ?? [];
  if (mode === 'batchAll' && ownBatchAll(tree)) {
    return inner[0]?.call === 'asset.createAsset' ? assetCreated(events) : undefined;
  }
  const items = readBatchItems(inner.map(shapeOf), mode, events);
  if (mode === 'batchAll') {
    return {
      results: items.map((item, k) =>
        item.ok && inner[k] ? resultOfChainCall(inner[k], item.events, ctx) : null,
      ),
    };
  }
  return {
    items: items.map((item, k) => {
      const call = inner[k];
      if (item.ok)
        return { ok: true, result: (call ? resultOfChainCall(call, item.events, ctx) : undefined) ?? null };
      const e = ctx.translate(item.error, call ? OTHER_BY_CALL[call.call] : undefined);
      return { ok: false, error: { code: e.code, message: e.message } };
    }),
  };
}
