/*
 * Receipt events shaped as a Polymesh 7.0 node delivers them: each field a codec of the type
 * the 7.0 runtime declares (from the polymesh-types registry), named by the metadata when the
 * event has named fields and unnamed (null) for the old `decl_event!` tuples, then through the
 * adapter's own event mapper (`normaliseEvent`), as `readBlock` does.
 */
import type { LedgerEvent } from '../../../src/ledger.js';
import { normaliseEvent } from '../../../src/polymesh/mappers/events.js';
import { registry } from './registry.js';

/** One field: its metadata name (null in a tuple event), its 7.0 type and its value. */
export type Field = [name: string | null, type: string, value: unknown];

let index = 0;

export function chainEvent(module: string, name: string, fields: Field[] = []): LedgerEvent {
  index += 1;
  return normaliseEvent(
    {
      module,
      name,
      fieldNames: fields.map(([n]) => n),
      values: fields.map(([, type, value]) => registry.createType(type, value)),
    },
    100,
    index,
    '0xfeed',
  );
}

export const DID = 'PolymeshPrimitivesIdentityId';
export const ASSET_ID = 'PolymeshPrimitivesAssetAssetId';
export const DISPATCH_ERROR = 'SpRuntimeDispatchError';

export const utilityEvents = {
  itemCompleted: () => chainEvent('utility', 'ItemCompleted'),
  itemFailed: (error: unknown) => chainEvent('utility', 'ItemFailed', [['error', DISPATCH_ERROR, error]]),
  interrupted: (at: number, error: unknown) =>
    chainEvent('utility', 'BatchInterrupted', [
      ['index', 'u32', at],
      ['error', DISPATCH_ERROR, error],
    ]),
  completed: () => chainEvent('utility', 'BatchCompleted'),
  completedWithErrors: () => chainEvent('utility', 'BatchCompletedWithErrors'),
};
