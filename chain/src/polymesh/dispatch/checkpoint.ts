import { assetIdToHex, toMoment } from '../mappers/values.js';
import { eventData, idField, none, one, type PreparerTable } from './types.js';

export const checkpoint = {
  'checkpoint.createCheckpoint': async (ctx, { assetId }) =>
    one(ctx.tx.checkpoint.createCheckpoint(assetIdToHex(assetId)), (events) => ({
      checkpointId: idField(
        eventData(events, 'checkpoint', 'CheckpointCreated').checkpointId,
        'checkpoint id',
      ),
    })),
  /** `create_schedule(asset, ScheduleCheckpoints { pending: BTreeSet<Moment> })`. */
  'checkpoint.createSchedule': async (ctx, { assetId, points }) =>
    one(
      ctx.tx.checkpoint.createSchedule(assetIdToHex(assetId), {
        pending: [...new Set(points.map(toMoment))].sort((a, b) => a - b),
      }),
      (events) => ({
        scheduleId: idField(eventData(events, 'checkpoint', 'ScheduleCreated').scheduleId, 'schedule id'),
      }),
    ),
  'checkpoint.removeSchedule': async (ctx, { assetId, scheduleId }) =>
    one(ctx.tx.checkpoint.removeSchedule(assetIdToHex(assetId), scheduleId), none),
} satisfies PreparerTable<'checkpoint'>;
