import { eventData, one, type PreparerTable } from './types.js';

/** `system.remark_with_event(remark)`: the `Remarked` event carries the hash the audit trail anchors. */
export const system = {
  'system.remark': async (ctx, { remark }) =>
    one(ctx.tx.system.remarkWithEvent(remark), (events) => ({
      hash: String(eventData(events, 'system', 'Remarked').hash),
    })),
} satisfies PreparerTable<'system'>;
