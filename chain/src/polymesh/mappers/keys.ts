import type { LocalSigningManager } from '@polymeshassociation/local-signing-manager';
import { PermissionType, type Permissions } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../../errors.js';
import type { SignerKey } from '../../ledger.js';
import type { ExtrinsicPermissions, KeyPermissions } from '../../types.js';
import { assetIdToHex, toChainPortfolioId } from './values.js';

type PrivateKey = Parameters<LocalSigningManager['addAccount']>[0];

/**
 * SDK permissions → port. The port lists what a key may use; an SDK `Exclude` section has no
 * port equivalent short of enumerating everything, so it reads as full permissions.
 */
export function fromSdkPermissions(p: Permissions): KeyPermissions {
  const include = <T, R>(
    section: { type: PermissionType; values: T[] } | null,
    map: (v: T) => R,
  ): R[] | null => (section && section.type === PermissionType.Include ? section.values.map(map) : null);
  return {
    assets: include(p.assets, (a) => a.id),
    extrinsics: include(p.transactions, (t) => String(t)),
    portfolios: include(p.portfolios, (pf) =>
      'id' in pf ? { did: pf.owner.did, number: pf.id.toNumber() } : { did: pf.owner.did },
    ),
  };
}

/**
 * A signer as the port gives it (a mnemonic, a dev URI such as `//Alice`, or `SignerKey`) →
 * the signing manager's private key. Strings go in as URIs: `addFromUri` accepts mnemonics,
 * hex seeds and derivation paths alike.
 */
export function toPrivateKey(key: string | SignerKey): PrivateKey {
  if (typeof key === 'string') return { uri: key.trim() };
  if ('uri' in key) return { uri: key.uri };
  return key.derivationPath
    ? { mnemonic: key.mnemonic, derivationPath: key.derivationPath }
    : { mnemonic: key.mnemonic };
}

// ---------------------------------------------------------------- port → chain (7.0 `Permissions`, `ExtrinsicPermissions`)

export type ChainPalletPermissions = Record<string, { extrinsics: 'Whole' | { These: string[] } }>;
export type ChainExtrinsicPermissions =
  'Whole' | { These: ChainPalletPermissions } | { Except: ChainPalletPermissions };

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Port extrinsic names (`asset` for a whole pallet, `asset.issue` for one call) → the chain's
 * pallet map: pallet names as `construct_runtime` spells them (`Asset`, `ComplianceManager`),
 * call names in snake case (`issue`, `add_instruction`), as the SDK's TxTags map. A pallet
 * listed whole and call by call is ambiguous and refused, as the SDK refuses it.
 */
export function toChainPalletPermissions(values: string[]): ChainPalletPermissions {
  const pallets = new Map<string, Set<string> | null>();
  for (const value of [...new Set(values)].sort()) {
    const [module = '', call, ...rest] = value.split('.');
    if (
      !/^[a-z][A-Za-z0-9]*$/.test(module) ||
      rest.length > 0 ||
      (call !== undefined && !/^[a-z][A-Za-z0-9]*$/.test(call))
    ) {
      throw new LedgerError(
        'ValidationError',
        `"${value}" is not a pallet (\`asset\`) or a call (\`asset.issue\`)`,
      );
    }
    const pallet = module.charAt(0).toUpperCase() + module.slice(1);
    const known = pallets.get(pallet);
    if (call === undefined) {
      if (known) throw new LedgerError('ValidationError', `${module} is listed whole and call by call`);
      pallets.set(pallet, null);
    } else {
      if (known === null)
        throw new LedgerError('ValidationError', `${module} is listed whole and call by call`);
      pallets.set(pallet, (known ?? new Set<string>()).add(snakeCase(call)));
    }
  }
  const out: ChainPalletPermissions = {};
  for (const [pallet, calls] of [...pallets].sort(([a], [b]) => a.localeCompare(b))) {
    out[pallet] = { extrinsics: calls === null ? 'Whole' : { These: [...calls].sort() } };
  }
  return out;
}

/** Agent-group permissions → `ExtrinsicPermissions::These(..)` (Include) or `Except(..)` (Exclude). */
export function toChainExtrinsicPermissions(p: ExtrinsicPermissions): ChainExtrinsicPermissions {
  const pallets = toChainPalletPermissions(p.values);
  return p.type === 'Include' ? { These: pallets } : { Except: pallets };
}

/**
 * Port key permissions → the chain's `Permissions { asset, extrinsic, portfolio }`: `null` or
 * omitted is `Whole`, a list is `These(..)` (sorted, as the chain's sets are).
 */
export function toChainPermissions(p: Partial<KeyPermissions>): {
  asset: 'Whole' | { These: string[] };
  extrinsic: ChainExtrinsicPermissions;
  portfolio: 'Whole' | { These: ReturnType<typeof toChainPortfolioId>[] };
} {
  return {
    asset: p.assets ? { These: [...new Set(p.assets.map(assetIdToHex))].sort() } : 'Whole',
    extrinsic: p.extrinsics ? { These: toChainPalletPermissions(p.extrinsics) } : 'Whole',
    portfolio: p.portfolios ? { These: p.portfolios.map(toChainPortfolioId) } : 'Whole',
  };
}
