import type {
  PolymeshPrimitivesIdentityId,
  PolymeshPrimitivesStatisticsStatType,
  PolymeshPrimitivesStatisticsStatUpdate,
  PolymeshPrimitivesTransferComplianceTransferCondition,
} from '@polkadot/types/lookup';
import { LedgerError } from '../../errors.js';
import { toUnits } from '../mappers/json.js';
import {
  toChainExemptKey,
  toChainStatKey,
  toChainStatType,
  toChainTransferCondition,
} from '../mappers/restrictions.js';
import { assetIdToHex } from '../mappers/values.js';
import { asSet, none, one, type PreparerTable } from './types.js';

/** A Count stat's value is a plain count; a Balance stat's a token amount in units. */
function statValue(op: 'Count' | 'Balance', value: string, field: string): string {
  if (op === 'Balance') return toUnits(value, field);
  if (!/^\d+$/.test(value)) throw new LedgerError('ValidationError', `${field} must be a whole count`);
  return value;
}

export const statistics = {
  'statistics.setActiveAssetStats': async (ctx, { assetId, stats }) =>
    one(
      ctx.tx.statistics.setActiveAssetStats(
        assetIdToHex(assetId),
        asSet<PolymeshPrimitivesStatisticsStatType>(stats.map(toChainStatType)),
      ),
      none,
    ),
  'statistics.batchUpdateAssetStats': async (ctx, { assetId, stat, values }) =>
    one(
      ctx.tx.statistics.batchUpdateAssetStats(
        assetIdToHex(assetId),
        toChainStatType(stat),
        asSet<PolymeshPrimitivesStatisticsStatUpdate>(
          values.map((v, i) => ({
            key2: toChainStatKey(v.key),
            value: statValue(stat.op, v.value, `values[${i}].value`),
          })),
        ),
      ),
      none,
    ),
  'statistics.setAssetTransferCompliance': async (ctx, { assetId, conditions }) =>
    one(
      ctx.tx.statistics.setAssetTransferCompliance(
        assetIdToHex(assetId),
        asSet<PolymeshPrimitivesTransferComplianceTransferCondition>(
          conditions.map(toChainTransferCondition),
        ),
      ),
      none,
    ),
  'statistics.setEntitiesExempt': async (ctx, { assetId, isExempt, key, entities }) =>
    one(
      ctx.tx.statistics.setEntitiesExempt(
        isExempt,
        toChainExemptKey(assetId, key),
        asSet<PolymeshPrimitivesIdentityId>(entities),
      ),
      none,
    ),
} satisfies PreparerTable<'statistics'>;
