/*
 * A stand-in for `api.tx` without a node: `tx.<section>.<method>(...args)` looks the call up in
 * the pallet's call enum of the polymesh-types registry (so a wrong pallet, call or arity
 * fails), checks every argument strictly against its declared type and SCALE-encodes the call.
 * Where Polymesh 7.0 declares a call differently from the registry (which polymesh-types
 * generates from a later runtime), `SIGNATURES_7_0` gives the 7.0 signature, written from the
 * v7.0.0 source, and is used below spec 7.3.
 */
import type { ApiPromise } from '@polkadot/api';
import { createRequire } from 'node:module';
import { SPEC_7_3 } from '../../../src/polymesh/dispatch/index.js';
import { registry, strictEncode, typeDef, type BuiltCall } from './registry.js';

const require = createRequire(import.meta.url);
const { stringCamelCase } = require('@polkadot/util') as { stringCamelCase(s: string): string };

/** `api.tx` section → the pallet's call enum in the registry (pallet crate names, not runtime names). */
export const SECTIONS: Readonly<Record<string, string>> = {
  system: 'FrameSystemCall',
  balances: 'PalletBalancesCall',
  identity: 'PalletIdentityCall',
  asset: 'PalletAssetCall',
  externalAgents: 'PalletExternalAgentsCall',
  portfolio: 'PalletPortfolioCall',
  complianceManager: 'PalletComplianceManagerCall',
  statistics: 'PalletStatisticsCall',
  settlement: 'PalletSettlementCall',
  sto: 'PalletStoCall',
  checkpoint: 'PalletAssetCheckpointPalletCall',
  corporateAction: 'PalletCorporateActionsCall',
  corporateBallot: 'PalletCorporateActionsBallotPalletCall',
  capitalDistribution: 'PalletCorporateActionsDistributionPalletCall',
  utility: 'PalletUtilityCall',
};

/** Polymesh 7.0's own signatures where they differ (pallets/sto/src/lib.rs at v7.0.0). */
export const SIGNATURES_7_0: Readonly<Record<string, readonly [string, string][]>> = {
  'sto.invest': [
    ['investmentPortfolio', 'PolymeshPrimitivesIdentityIdPortfolioId'],
    ['fundingPortfolio', 'PolymeshPrimitivesIdentityIdPortfolioId'],
    ['offeringAsset', 'PolymeshPrimitivesAssetAssetId'],
    ['id', 'u64'],
    ['purchaseAmount', 'u128'],
    ['maxPrice', 'Option<u128>'],
    ['receipt', 'Option<PolymeshPrimitivesSettlementReceiptDetails>'],
  ],
};

function signature(
  section: string,
  method: string,
  specVersion: number,
): { variant: string; fields: [string, string][] } {
  const callType = SECTIONS[section];
  if (!callType) throw new Error(`api.tx has no section ${section}`);
  const variant = (typeDef(callType).sub as { name?: string; type: string; sub?: unknown }[]).find(
    (v) => v.name !== undefined && stringCamelCase(v.name) === method,
  );
  if (!variant?.name) throw new Error(`api.tx.${section} has no call ${method}`);
  const own = specVersion < SPEC_7_3 ? SIGNATURES_7_0[`${section}.${method}`] : undefined;
  if (own) return { variant: variant.name, fields: own.map(([n, t]) => [n, t]) };
  if (variant.type === 'Null') return { variant: variant.name, fields: [] };
  const fields = ((typeDef(variant.type).sub ?? []) as { name?: string; type: string }[]).map(
    (f) => [f.name ?? '', f.type] as [string, string],
  );
  return { variant: variant.name, fields };
}

/** Every call the fake `tx` built, in order. */
export type CallLog = BuiltCall[];

export function fakeTx(specVersion: number, log: CallLog = []): ApiPromise['tx'] {
  const sections = new Proxy(
    {},
    {
      get(_t, section: string) {
        return new Proxy(
          {},
          {
            get(_m, method: string) {
              return (...args: unknown[]): BuiltCall => {
                const { variant, fields } = signature(section, method, specVersion);
                if (args.length !== fields.length) {
                  throw new Error(
                    `${section}.${method} takes ${fields.length} arguments, got ${args.length}`,
                  );
                }
                const named: Record<string, unknown> = {};
                const parts = fields.map(([name, type], i) => {
                  named[name] = args[i];
                  return strictEncode(type, args[i], `${section}.${method}(${name})`);
                });
                const own = specVersion < SPEC_7_3 && SIGNATURES_7_0[`${section}.${method}`];
                const hasCalls = fields.some(([, type]) => type.includes('Call'));
                // The pallet's call enum encodes call index + arguments (inner calls need metadata: skipped).
                // A 7.0 signature is not in the registry's call enum: its arguments' encodings, concatenated.
                const encoded = hasCalls
                  ? new Uint8Array()
                  : own
                    ? Uint8Array.from(parts.flatMap((p) => [...p]))
                    : registry
                        .createType(SECTIONS[section] ?? '', fields.length ? { [variant]: named } : variant)
                        .toU8a();
                const call: BuiltCall = { section, method, args, encoded };
                log.push(call);
                return call;
              };
            },
          },
        );
      },
    },
  );
  return sections as ApiPromise['tx'];
}
