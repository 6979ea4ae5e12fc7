import Type, { type Static } from 'typebox';

/** The longest one move may be: a typo must not throw a rehearsal chain centuries ahead. */
export const MAX_ADVANCE_DAYS = 3650;

export const ChainClockBody = Type.Object(
  {
    time: Type.String({ format: 'date-time', description: "The chain's time now" }),
    blockHeight: Type.Integer(),
    adapter: Type.Union([Type.Literal('embedded'), Type.Literal('polymesh')]),
    movable: Type.Boolean({
      description: 'Whether this server can move the clock (embedded ledger, outside production)',
    }),
    refusal: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the clock cannot be moved here; null when it can',
    }),
    maxDays: Type.Integer({ description: 'The longest one move may be, in days' }),
  },
  { $id: 'ChainClock' },
);
export type ChainClock = Static<typeof ChainClockBody>;

export const AdvanceBody = Type.Object(
  {
    by: Type.Optional(
      Type.Object(
        {
          days: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_DAYS })),
          hours: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_DAYS * 24 })),
          minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_DAYS * 24 * 60 })),
        },
        { additionalProperties: false, description: 'How far to move the clock forward' },
      ),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: "The time to move to: later than the chain's time" }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Either `by` (a duration) or `to` (a later time), not both',
  },
);
export type AdvanceInput = Static<typeof AdvanceBody>;

export const AdvanceResultBody = Type.Object({
  from: Type.String({ format: 'date-time', description: "The chain's time before" }),
  to: Type.String({ format: 'date-time', description: "The chain's time now" }),
  blocksProduced: Type.Integer({
    description: 'Blocks produced for settlement work scheduled in them (usually 0)',
  }),
  blockHeight: Type.Integer(),
  claims: Type.Union(
    [
      Type.Object({
        expired: Type.Integer({ description: 'Claims now past their expiry' }),
        notified: Type.Integer({ description: 'Investors told that a claim expires soon' }),
        lapsedIdentities: Type.Integer({ description: 'Investors no longer in good standing' }),
      }),
      Type.Null(),
    ],
    { description: 'The claim-expiry scan run at the new time; null if it failed (its timer tries again)' },
  ),
  offeringsClosed: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Offerings past their end, now closing; null if the scan failed (its timer tries again)',
  }),
});
export type AdvanceResult = Static<typeof AdvanceResultBody>;
