// bignumber.js is CommonJS without named ESM exports. Under Node its default export is the
// CommonJS module object (the same instance the SDK requires, so SDK `instanceof` checks hold);
// bundlers that pick its `module` build hand over the class itself.
import bignumber from 'bignumber.js';
import type { BigNumber as BigNumberType } from 'bignumber.js';

type BigNumberClass = typeof bignumber.BigNumber;

export const BigNumber: BigNumberClass =
  (bignumber as { BigNumber?: BigNumberClass }).BigNumber ?? (bignumber as unknown as BigNumberClass);
export type BigNumber = BigNumberType;
