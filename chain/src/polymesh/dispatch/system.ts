import type { LedgerEvent } from '../../ledger.js';
import { eventData, one, type PreparerTable } from './types.js';

export function remarked(events: LedgerEvent[]): { hash: string } {
  return { hash: String(eventData(events, 'system', 'Remarked').hash) };
}

/** `system.remark_with_event(remark)`: the `Remarked` event carries the hash the audit trail anchors. */
export const system = {
  'system.remark': async (ctx, { remark }) => one(ctx.tx.system.remarkWithEvent(remark), remarked),
} satisfies PreparerTable<'system'>;
