import type { PolymeshPrimitivesIdentityId } from '@polkadot/types/lookup';
import { LedgerError } from '../../errors.js';
import type { LedgerEvent } from '../../ledger.js';
import {
  toChainAgentGroup,
  toChainAssetType,
  toChainDocument,
  toChainIdentifier,
  toChainMetadataDetail,
  toChainMetadataKey,
  toChainMetadataSpec,
} from '../mappers/assets.js';
import { toUnits } from '../mappers/json.js';
import {
  assetIdToHex,
  portfolioKind,
  toChainPortfolioId,
  toChainTicker,
  toOptionalMoment,
} from '../mappers/values.js';
import { asSet, authIdResult, eventData, idField, none, one, type PreparerTable } from './types.js';

/**
 * `asset.TickerRegistered(did, ticker, expiry)`: the event mapper already renders the `Moment`
 * as ISO-8601 (mappers/events.ts), so it is used as it is.
 */
export function tickerExpiry(events: LedgerEvent[]): { expiry: string } {
  const expiry = eventData(events, 'asset', 'TickerRegistered').expiry;
  if (typeof expiry !== 'string' || Number.isNaN(Date.parse(expiry))) {
    throw new LedgerError(
      'ValidationError',
      `asset.TickerRegistered carried no expiry (${JSON.stringify(expiry)})`,
    );
  }
  return { expiry };
}

/** `CustomAssetTypeRegistered` for a new type, `CustomAssetTypeExists` when the name was known. */
export function customTypeId(events: LedgerEvent[]): { id: number } {
  const e = events.find(
    (x) =>
      x.module === 'asset' && (x.name === 'CustomAssetTypeRegistered' || x.name === 'CustomAssetTypeExists'),
  );
  if (!e) throw new LedgerError('ValidationError', 'Expected an asset.CustomAssetTypeRegistered event');
  return { id: idField(e.data.id, 'custom asset type id') };
}

export function assetCreated(events: LedgerEvent[]): { assetId: string } {
  return { assetId: String(eventData(events, 'asset', 'AssetCreated').assetId) };
}

export function metadataLocalKey(events: LedgerEvent[]): { key: { type: 'Local'; id: number } } {
  const localKey = eventData(events, 'asset', 'RegisterAssetMetadataLocalType').localKey;
  return { key: { type: 'Local', id: idField(localKey, 'metadata local key') } };
}

export const asset = {
  'asset.registerUniqueTicker': async (ctx, { ticker }) =>
    one(ctx.tx.asset.registerUniqueTicker(toChainTicker(ticker)), tickerExpiry),
  /**
   * `create_asset`; with a ticker, `register_unique_ticker` (free on the signer's own live
   * reservation) and `link_ticker_to_asset_id`; with documents, `add_documents` — one
   * `utility.batchAll`, with the asset id the chain will give (the signer's asset nonce).
   */
  'asset.createAsset': async (
    ctx,
    { name, assetType, divisible, identifiers, fundingRound, ticker, documents },
  ) => {
    const tx = ctx.tx;
    const create = tx.asset.createAsset(
      name,
      divisible,
      toChainAssetType(assetType),
      (identifiers ?? []).map(toChainIdentifier),
      fundingRound ?? null,
    );
    const calls = [create];
    if (ticker !== undefined || (documents && documents.length > 0)) {
      const id = assetIdToHex(await ctx.reads.nextAssetId());
      if (ticker !== undefined) {
        const t = toChainTicker(ticker);
        calls.push(tx.asset.registerUniqueTicker(t), tx.asset.linkTickerToAssetId(t, id));
      }
      if (documents && documents.length > 0)
        calls.push(tx.asset.addDocuments(documents.map(toChainDocument), id));
    }
    return { calls, result: assetCreated };
  },
  'asset.linkTickerToAssetId': async (ctx, { ticker, assetId }) =>
    one(ctx.tx.asset.linkTickerToAssetId(toChainTicker(ticker), assetIdToHex(assetId)), none),
  'asset.unlinkTickerFromAssetId': async (ctx, { ticker, assetId }) =>
    one(ctx.tx.asset.unlinkTickerFromAssetId(toChainTicker(ticker), assetIdToHex(assetId)), none),
  'asset.issue': async (ctx, { assetId, amount, portfolio }) =>
    one(ctx.tx.asset.issue(assetIdToHex(assetId), toUnits(amount), portfolioKind(portfolio)), none),
  'asset.redeem': async (ctx, { assetId, amount, portfolio }) =>
    one(ctx.tx.asset.redeem(assetIdToHex(assetId), toUnits(amount), portfolioKind(portfolio)), none),
  'asset.freeze': async (ctx, { assetId }) => one(ctx.tx.asset.freeze(assetIdToHex(assetId)), none),
  'asset.unfreeze': async (ctx, { assetId }) => one(ctx.tx.asset.unfreeze(assetIdToHex(assetId)), none),
  'asset.controllerTransfer': async (ctx, { assetId, amount, from }) =>
    one(
      ctx.tx.asset.controllerTransfer(assetIdToHex(assetId), toUnits(amount), toChainPortfolioId(from)),
      none,
    ),
  'asset.makeDivisible': async (ctx, { assetId }) =>
    one(ctx.tx.asset.makeDivisible(assetIdToHex(assetId)), none),
  'asset.renameAsset': async (ctx, { assetId, name }) =>
    one(ctx.tx.asset.renameAsset(assetIdToHex(assetId), name), none),
  'asset.setFundingRound': async (ctx, { assetId, fundingRound }) =>
    one(ctx.tx.asset.setFundingRound(assetIdToHex(assetId), fundingRound), none),
  'asset.updateIdentifiers': async (ctx, { assetId, identifiers }) =>
    one(ctx.tx.asset.updateIdentifiers(assetIdToHex(assetId), identifiers.map(toChainIdentifier)), none),
  'asset.updateAssetType': async (ctx, { assetId, assetType }) =>
    one(ctx.tx.asset.updateAssetType(assetIdToHex(assetId), toChainAssetType(assetType)), none),
  'asset.registerCustomAssetType': async (ctx, { name }) =>
    one(ctx.tx.asset.registerCustomAssetType(name), customTypeId),
  /** `remove_documents(current ids)` then `add_documents(new)` (one `utility.batchAll` when both). */
  'asset.setDocuments': async (ctx, { assetId, documents }) => {
    const id = assetIdToHex(assetId);
    const current = await ctx.reads.documentIds(assetId);
    const add = ctx.tx.asset.addDocuments(documents.map(toChainDocument), id);
    return {
      calls: current.length > 0 ? [ctx.tx.asset.removeDocuments(current, id), add] : [add],
      result: none,
    };
  },
  'asset.registerAssetMetadataLocalType': async (ctx, { assetId, name, spec }) =>
    one(
      ctx.tx.asset.registerAssetMetadataLocalType(assetIdToHex(assetId), name, toChainMetadataSpec(spec)),
      metadataLocalKey,
    ),
  'asset.setAssetMetadata': async (ctx, { assetId, key, value, details }) =>
    one(
      ctx.tx.asset.setAssetMetadata(
        assetIdToHex(assetId),
        toChainMetadataKey(key),
        value,
        details ? toChainMetadataDetail(details) : null,
      ),
      none,
    ),
  'asset.setAssetMetadataDetails': async (ctx, { assetId, key, details }) =>
    one(
      ctx.tx.asset.setAssetMetadataDetails(
        assetIdToHex(assetId),
        toChainMetadataKey(key),
        toChainMetadataDetail(details),
      ),
      none,
    ),
  /** `identity.add_authorization(Identity(target), TransferAssetOwnership(asset), expiry)`. */
  'asset.transferOwnership': async (ctx, { assetId, target, expiry }) =>
    one(
      ctx.tx.identity.addAuthorization(
        { Identity: target },
        { TransferAssetOwnership: assetIdToHex(assetId) },
        toOptionalMoment(expiry),
      ),
      authIdResult,
    ),
  'asset.preApproveAsset': async (ctx, { assetId }) =>
    one(ctx.tx.asset.preApproveAsset(assetIdToHex(assetId)), none),
  'asset.removeAssetPreApproval': async (ctx, { assetId }) =>
    one(ctx.tx.asset.removeAssetPreApproval(assetIdToHex(assetId)), none),
  'asset.addMandatoryMediators': async (ctx, { assetId, mediators }) =>
    one(
      ctx.tx.asset.addMandatoryMediators(
        assetIdToHex(assetId),
        asSet<PolymeshPrimitivesIdentityId>(mediators),
      ),
      none,
    ),
  'asset.removeMandatoryMediators': async (ctx, { assetId, mediators }) =>
    one(
      ctx.tx.asset.removeMandatoryMediators(
        assetIdToHex(assetId),
        asSet<PolymeshPrimitivesIdentityId>(mediators),
      ),
      none,
    ),
} satisfies PreparerTable<'asset'>;

/** Agent group as `externalAgents.change_group` and `BecomeAgent` authorizations take it. */
export { toChainAgentGroup };
