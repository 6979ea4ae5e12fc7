/*
 * Storage reads for the queries the SDK serves only through its middleware (which a plain
 * node does not have): values go through the one sanitiser and are mapped from its JSON.
 */
import type { ApiPromise } from '@polkadot/api';
import type { Decimal } from '../../ledger.js';
import { BigNumber } from '../mappers/bignumber.js';
import { toJson, type Json } from '../mappers/json.js';

interface Entry {
  args: unknown[];
}
type StorageFn = ((...args: unknown[]) => Promise<unknown>) & {
  entries(...args: unknown[]): Promise<[Entry, unknown][]>;
};

export function storage(api: ApiPromise, section: string, item: string): StorageFn {
  return api.query[section]?.[item] as unknown as StorageFn;
}

export async function read(
  api: ApiPromise,
  section: string,
  item: string,
  ...args: unknown[]
): Promise<Json> {
  return toJson(await storage(api, section, item)(...args));
}

export async function entries(
  api: ApiPromise,
  section: string,
  item: string,
  ...args: unknown[]
): Promise<[Json[], Json][]> {
  const list = await storage(api, section, item).entries(...args);
  return list.map(([key, value]) => [key.args.map((a) => toJson(a)), toJson(value)]);
}

export function rec(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

export function list(json: Json | undefined): Json[] {
  return Array.isArray(json) ? json : [];
}

export function iso(ms: Json | undefined): string {
  return new Date(Number(ms)).toISOString();
}

export function percent(permill: Json | undefined): Decimal {
  return new BigNumber(String(permill ?? 0)).shiftedBy(-4).toFixed();
}
