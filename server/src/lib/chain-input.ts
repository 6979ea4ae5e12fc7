import { fromUnits, isGranular, MAX_SUPPLY_UNITS } from '@stoa/chain';
import { AppError, type AppErrorCode } from '../errors.js';
import { toUnits } from './units.js';

/**
 * Chain rules that depend on state the schemas cannot see (an asset's divisibility, its
 * supply), checked before an operation is recorded so the chain never has to refuse them.
 * `field` is the API's pointer to the input (`/body/amount`).
 */
export function refuseField(code: AppErrorCode, field: string, message: string): never {
  throw new AppError(code, message, { fields: [{ field, message }] });
}

/** Indivisible assets move in whole tokens only (the chain's `InvalidGranularity`). */
export function requireGranular(
  field: string,
  amount: string,
  asset: { name: string; divisible: boolean },
): void {
  if (!isGranular(toUnits(amount), asset.divisible)) {
    refuseField(
      'RULE_VIOLATION',
      field,
      `${asset.name} is indivisible: ${field} must be a whole number of tokens, not ${amount}`,
    );
  }
}

/** Total supply stays within the chain's 1,000,000,000,000 tokens (`TotalSupplyAboveLimit`). */
export function requireSupplyRoom(field: string, supply: bigint, amount: string, assetName: string): void {
  const after = supply + toUnits(amount);
  if (after > MAX_SUPPLY_UNITS) {
    refuseField(
      'RULE_VIOLATION',
      field,
      `Issuing ${amount} would bring ${assetName} to ${fromUnits(after)} tokens; the chain allows at most ${fromUnits(MAX_SUPPLY_UNITS)}`,
    );
  }
}
