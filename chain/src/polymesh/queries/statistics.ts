import type { AssetId, Decimal } from '../../ledger.js';
import type { ExemptionKey, PortfolioRef, TransferBreakdown, TransferRestrictions } from '../../types.js';
import { BigNumber } from '../mappers/bignumber.js';
import { fromUnits, toJson, type Json } from '../mappers/json.js';
import {
  fromChainStatKey,
  fromChainStatType,
  fromChainTransferCondition,
  toChainExemptKey,
  toChainStatType,
} from '../mappers/restrictions.js';
import { fromSdkTransferBreakdown } from '../mappers/transfer.js';
import { assetIdToHex, toBigNumber } from '../mappers/values.js';
import { requireAsset } from './asset.js';
import type { QueryContext } from './context.js';

function asArray(json: Json | undefined): Json[] {
  return Array.isArray(json) ? json : [];
}

function asRecord(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

export async function transferRestrictions(q: QueryContext, assetId: AssetId): Promise<TransferRestrictions> {
  const id = assetIdToHex(assetId);
  const s = q.api.query.statistics;
  const [stats, compliance] = await Promise.all([s.activeAssetStats(id), s.assetTransferCompliances(id)]);
  const statJson = asArray(toJson(stats));
  const statTypes = statJson.map(fromChainStatType);
  const conditions = asArray(asRecord(toJson(compliance)).requirements).map(fromChainTransferCondition);
  const values = (
    await Promise.all(
      statJson.map(async (statType, i) => {
        const stat = statTypes[i] ?? fromChainStatType(statType);
        const entries = await s.assetStats.entries({ assetId: id, statType: toChainStatType(stat) });
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
        const entries = await s.transferConditionExemptEntities.entries(toChainExemptKey(assetId, key));
        return { key, entities: entries.map(([k]) => k.args[1].toHex()) };
      }),
    )
  ).filter((e) => e.entities.length > 0);
  return { stats: statTypes, conditions, values, exemptions };
}

export async function canTransfer(
  q: QueryContext,
  args: { assetId: AssetId; from: PortfolioRef; to: PortfolioRef; amount: Decimal },
): Promise<TransferBreakdown> {
  const asset = await requireAsset(q, args.assetId);
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
