import { toUnits } from '../mappers/json.js';
import { toChainMemo } from '../mappers/settlement.js';
import { none, one, type PreparerTable } from './types.js';

/**
 * `balances.transfer_with_memo(dest, value, memo?)`: present in 7.0 and in every later runtime
 * (8.x drops `transfer`), with `None` as memo when there is none.
 */
export const balances = {
  'balances.transfer': async (ctx, { to, amount, memo }) =>
    one(ctx.tx.balances.transferWithMemo({ Id: to }, toUnits(amount), toChainMemo(memo)), none),
} satisfies PreparerTable<'balances'>;
