import type { LocalSigningManager } from '@polymeshassociation/local-signing-manager';
import {
  PermissionType,
  type Permissions,
  type PermissionsLike,
  type TxTag,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import type { SignerKey } from '../../ledger.js';

type PrivateKey = Parameters<LocalSigningManager['addAccount']>[0];
import type { KeyPermissions } from '../../types.js';
import { BigNumber } from './bignumber.js';

const bn = (n: number): BigNumber => new BigNumber(n);

/**
 * Port key permissions → SDK `PermissionsLike`. `null` (or omitted) means full permissions in
 * both; listed values become an `Include` section. Extrinsic names (`asset.issue`) are the
 * SDK's TxTags, pallet names (`asset`) its ModuleNames.
 */
export function toKeyPermissions(p: Partial<KeyPermissions>): PermissionsLike {
  return {
    assets: p.assets ? { type: PermissionType.Include, values: p.assets } : null,
    portfolios: p.portfolios
      ? {
          type: PermissionType.Include,
          values: p.portfolios.map((ref) =>
            ref.number ? { identity: ref.did, id: bn(ref.number) } : ref.did,
          ),
        }
      : null,
    transactions: p.extrinsics ? { type: PermissionType.Include, values: p.extrinsics as TxTag[] } : null,
  };
}

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
