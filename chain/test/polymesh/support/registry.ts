/*
 * The Polymesh type registry without a node: polkadot.js's `TypeRegistry` with the type
 * definitions polymesh-types generates from the runtime metadata (`polkadot/lookup`), and a
 * strict check of plain arguments against them. polkadot.js itself is lenient (a struct takes
 * missing keys as defaults and ignores unknown ones, enum names match in any case, a bool takes
 * any truthy value), so a wrong shape could encode "successfully"; the check refuses it.
 */
import { createRequire } from 'node:module';
import type { TypeRegistry as TypeRegistryClass } from '@polkadot/types';
import type * as TypesCreate from '@polkadot/types-create';
import type { TypeDef } from '@polkadot/types-create/types';

const require = createRequire(import.meta.url);
// The CommonJS builds, as the adapter loads them (chain/src/polymesh/polkadot.ts).
const { TypeRegistry } = require('@polkadot/types') as { TypeRegistry: typeof TypeRegistryClass };
const { getTypeDef, TypeDefInfo } = require('@polkadot/types-create') as typeof TypesCreate;
const { decodeAddress } = require('@polkadot/util-crypto') as { decodeAddress(a: string): Uint8Array };
const lookup = (
  require('@polymeshassociation/polymesh-types/polkadot/lookup.js') as { default: Record<string, unknown> }
).default;

export const registry = new TypeRegistry();
registry.register(lookup as never);

export class ShapeError extends Error {}

const fail = (path: string, why: string): never => {
  throw new ShapeError(`${path}: ${why}`);
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Uint8Array) &&
  !(v instanceof Map);

const UINT = /^u(8|16|32|64|128)$/;

function checkUInt(bits: number, value: unknown, path: string): void {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail(path, `${value} is not an integer`);
    n = BigInt(value);
  } else if (typeof value === 'bigint') n = value;
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = BigInt(value);
  else return fail(path, `expected an unsigned integer, got ${JSON.stringify(value)}`);
  if (n < 0n || n >= 1n << BigInt(bits)) fail(path, `${n} does not fit u${bits}`);
}

function checkBytes(value: unknown, path: string, length?: number): void {
  if (value instanceof Uint8Array) {
    if (length !== undefined && value.length !== length)
      fail(path, `expected ${length} bytes, got ${value.length}`);
    return;
  }
  if (typeof value !== 'string') return fail(path, `expected bytes, got ${JSON.stringify(value)}`);
  if (length === undefined) return; // Bytes / Text: any string (UTF-8) or hex
  if (!/^0x([0-9a-f]{2})*$/.test(value)) fail(path, `expected 0x-hex of ${length} bytes, got "${value}"`);
  if ((value.length - 2) / 2 !== length)
    fail(path, `expected ${length} bytes, got ${(value.length - 2) / 2}`);
}

function checkAccount(value: unknown, path: string): void {
  if (typeof value !== 'string') return fail(path, `expected an address, got ${JSON.stringify(value)}`);
  if (/^0x[0-9a-f]{64}$/.test(value)) return;
  try {
    decodeAddress(value);
  } catch {
    fail(path, `"${value}" is not an SS58 address`);
  }
}

/** A value built by the fake `api.tx`: an inner call of a batch. */
export interface BuiltCall {
  section: string;
  method: string;
  args: unknown[];
  /** The SCALE encoding of the pallet's call enum (call index and arguments). */
  encoded: Uint8Array;
}

export function isBuiltCall(v: unknown): v is BuiltCall {
  return (
    isRecord(v) &&
    typeof v.section === 'string' &&
    typeof v.method === 'string' &&
    v.encoded instanceof Uint8Array
  );
}

function checkNamed(name: string, value: unknown, path: string): void {
  const def = registry.getDefinition(name);
  if (name === 'Call' || def === 'GenericCall') {
    if (!isBuiltCall(value)) fail(path, 'expected a call built by api.tx');
    return;
  }
  if (def !== undefined && !['GenericMultiAddress', 'GenericAccountId32'].includes(def)) {
    return checkDef(getTypeDef(def), value, path);
  }
  if (UINT.test(name)) return checkUInt(Number(name.slice(1)), value, path);
  switch (name) {
    case 'bool':
      if (typeof value !== 'boolean') fail(path, `expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'Bytes':
    case 'Text':
      return checkBytes(value, path);
    case 'Null':
      if (value !== null && value !== undefined) fail(path, `expected nothing, got ${JSON.stringify(value)}`);
      return;
    case 'AccountId32':
    case 'AccountId':
    case 'GenericAccountId32':
      return checkAccount(value, path);
    case 'MultiAddress':
    case 'GenericMultiAddress':
      if (isRecord(value)) {
        const keys = Object.keys(value);
        if (keys.length !== 1 || keys[0] !== 'Id')
          fail(path, `expected { Id: address }, got ${JSON.stringify(value)}`);
        return checkAccount(value.Id, `${path}.Id`);
      }
      return checkAccount(value, path);
    case 'H256':
      return checkBytes(value, path, 32);
    case 'Call':
      if (!isBuiltCall(value)) fail(path, 'expected a call built by api.tx');
      return;
  }
  return fail(path, `no rule for type ${name}`);
}

function checkDef(def: TypeDef, value: unknown, path: string): void {
  switch (def.info) {
    case TypeDefInfo.Plain:
      return checkNamed(def.type, value, path);
    case TypeDefInfo.Null:
      return checkNamed('Null', value, path);
    case TypeDefInfo.UInt:
      return checkUInt(def.length ?? 0, value, path);
    case TypeDefInfo.Compact:
    case TypeDefInfo.Option: {
      if (def.info === TypeDefInfo.Option && (value === null || value === undefined)) return;
      return checkDef(def.sub as TypeDef, value, path);
    }
    case TypeDefInfo.Vec:
    case TypeDefInfo.BTreeSet: {
      if (!Array.isArray(value)) return fail(path, `expected a list, got ${JSON.stringify(value)}`);
      value.forEach((v, i) => checkDef(def.sub as TypeDef, v, `${path}[${i}]`));
      return;
    }
    case TypeDefInfo.VecFixed: {
      const sub = def.sub as TypeDef;
      if (sub.type === 'u8') return checkBytes(value, path, def.length);
      if (!Array.isArray(value) || value.length !== def.length)
        return fail(path, `expected ${def.length} items`);
      value.forEach((v, i) => checkDef(sub, v, `${path}[${i}]`));
      return;
    }
    case TypeDefInfo.Tuple: {
      const subs = def.sub as TypeDef[];
      if (!Array.isArray(value) || value.length !== subs.length) {
        return fail(path, `expected a tuple of ${subs.length}, got ${JSON.stringify(value)}`);
      }
      subs.forEach((s, i) => checkDef(s, value[i], `${path}[${i}]`));
      return;
    }
    case TypeDefInfo.BTreeMap: {
      const [k, v] = def.sub as TypeDef[];
      const entries =
        value instanceof Map ? [...value.entries()] : isRecord(value) ? Object.entries(value) : null;
      if (!entries) return fail(path, `expected a map, got ${JSON.stringify(value)}`);
      for (const [key, val] of entries) {
        checkDef(k as TypeDef, key, `${path}{key}`);
        checkDef(v as TypeDef, val, `${path}.${String(key)}`);
      }
      return;
    }
    case TypeDefInfo.Struct: {
      if (!isRecord(value)) return fail(path, `expected a struct, got ${JSON.stringify(value)}`);
      const subs = def.sub as TypeDef[];
      const want = subs.map((s) => s.name ?? '');
      const got = Object.keys(value);
      const extra = got.filter((k) => !want.includes(k));
      const missing = want.filter((k) => !got.includes(k));
      if (extra.length > 0 || missing.length > 0) {
        fail(path, `struct fields ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      }
      for (const s of subs) checkDef(s, value[s.name ?? ''], `${path}.${s.name}`);
      return;
    }
    case TypeDefInfo.Enum: {
      const variants = (def.sub as TypeDef[]).filter((s) => !(s.name ?? '').startsWith('__Unused'));
      const names = variants.map((s) => s.name ?? '');
      if (typeof value === 'string') {
        const v = variants.find((s) => s.name === value);
        if (!v) return fail(path, `"${value}" is not one of ${names.join(', ')}`);
        if (v.type !== 'Null') fail(path, `${value} carries data`);
        return;
      }
      if (!isRecord(value) || Object.keys(value).length !== 1) {
        return fail(path, `expected one of ${names.join(', ')}, got ${JSON.stringify(value)}`);
      }
      const [key] = Object.keys(value) as [string];
      const v = variants.find((s) => s.name === key);
      if (!v) return fail(path, `"${key}" is not one of ${names.join(', ')}`);
      return checkDef(v, value[key], `${path}.${key}`);
    }
  }
  return fail(path, `no rule for ${TypeDefInfo[def.info]} ${def.type}`);
}

/**
 * Refuses `value` unless it has exactly the shape of `type`; then SCALE-encodes it. Inner calls
 * of a batch (`Vec<Call>`) need the runtime metadata to encode: they are checked to be calls
 * built (and encoded) by the fake `api.tx`, and encode as nothing here.
 */
export function strictEncode(type: string, value: unknown, path = type): Uint8Array {
  checkDef(getTypeDef(registry.getDefinition(type) ?? type), value, path);
  if (/\bCall\b/.test(type)) return new Uint8Array();
  return registry.createType(type, value).toU8a();
}

export function typeDef(type: string): TypeDef {
  return getTypeDef(registry.getDefinition(type) ?? type);
}
