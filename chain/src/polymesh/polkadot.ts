import { createRequire } from 'node:module';
import type * as PolkadotUtil from '@polkadot/util';
import type * as PolkadotUtilCrypto from '@polkadot/util-crypto';

/*
 * The SDK requires @polkadot's CommonJS builds. Importing their ESM builds as well would load
 * each package twice (polkadot.js then warns "multiple versions" on every start), so the adapter
 * takes the same CommonJS builds the SDK uses.
 */
const require = createRequire(import.meta.url);

export const polkadotUtil = require('@polkadot/util') as typeof PolkadotUtil;
export const polkadotCrypto = require('@polkadot/util-crypto') as typeof PolkadotUtilCrypto;
