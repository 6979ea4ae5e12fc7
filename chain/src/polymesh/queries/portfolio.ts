import type { AssetId, Did } from '../../ledger.js';
import type { PortfolioBalance, PortfolioInfo, PortfolioRef } from '../../types.js';
import { BigNumber } from '../mappers/bignumber.js';
import { fromBigNumber } from '../mappers/values.js';
import { orNull, type QueryContext } from './context.js';
import { identityEntity, portfolioRef } from './identity.js';

export async function portfolios(q: QueryContext, did: Did): Promise<PortfolioInfo[]> {
  const entity = await identityEntity(q, did);
  if (!entity) return [];
  const list = await entity.portfolios.getPortfolios();
  return Promise.all(
    list.map(async (p) => ({
      did,
      number: portfolioRef(p).number ?? 0,
      name: 'getName' in p ? await p.getName() : 'default',
      custodian: (await p.getCustodian()).did,
    })),
  );
}

async function portfolioEntity(q: QueryContext, ref: PortfolioRef) {
  const entity = await identityEntity(q, ref.did);
  if (!entity) return null;
  return orNull(
    ref.number
      ? entity.portfolios.getPortfolio({ portfolioId: new BigNumber(ref.number) })
      : entity.portfolios.getPortfolio(),
  );
}

export async function portfolioBalances(
  q: QueryContext,
  ref: PortfolioRef,
  assetId?: AssetId,
): Promise<PortfolioBalance[]> {
  const p = await portfolioEntity(q, ref);
  if (!p) return [];
  const balances = await p.getAssetBalances(assetId ? { assets: [assetId] } : undefined);
  return balances.map((b) => ({
    assetId: b.asset.id,
    total: fromBigNumber(b.total),
    locked: fromBigNumber(b.locked),
    free: fromBigNumber(b.free),
  }));
}
