import type { LedgerEvent } from '../../ledger.js';
import { assetIdToHex, toMoment } from '../mappers/values.js';
import { eventData, idField, none, one, type PreparerTable } from './types.js';

export function checkpointCreated(events: LedgerEvent[]): { checkpointId: number } {
  const id = eventData(events, 'checkpoint', 'CheckpointCreated').checkpointId;
  return { checkpointId: idField(id, 'checkpoint id') };
}

export function scheduleCreated(events: LedgerEvent[]): { scheduleId: number } {
  return {
    scheduleId: idField(eventData(events, 'checkpoint', 'ScheduleCreated').scheduleId, 'schedule id'),
  };
}

export const checkpoint = {
  'checkpoint.createCheckpoint': async (ctx, { assetId }) =>
    one(ctx.tx.checkpoint.createCheckpoint(assetIdToHex(assetId)), checkpointCreated),
  /** `create_schedule(asset, ScheduleCheckpoints { pending: BTreeSet<Moment> })`. */
  'checkpoint.createSchedule': async (ctx, { assetId, points }) =>
    one(
      ctx.tx.checkpoint.createSchedule(assetIdToHex(assetId), {
        pending: [...new Set(points.map(toMoment))].sort((a, b) => a - b),
      }),
      scheduleCreated,
    ),
  'checkpoint.removeSchedule': async (ctx, { assetId, scheduleId }) =>
    one(ctx.tx.checkpoint.removeSchedule(assetIdToHex(assetId), scheduleId), none),
} satisfies PreparerTable<'checkpoint'>;
