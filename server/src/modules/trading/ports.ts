import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Where the ATS meets modules that other work owns. The ATS calls these seams; the app wires
 * the real ones (lock-ups and holder caps, the venue registry) and, until then, the defaults
 * below, which allow everything the chain itself does not refuse.
 */

/** Lock-up lots and holder caps (the lockups module). */
export interface TradingLockups {
  /** What the holder may sell of the asset at `at`: free of lock-ups; `locked` lists the rest. */
  sellable(
    em: EntityManager,
    assetId: string,
    did: string,
    at: Date,
  ): Promise<{ sellable: string | null; locked: { amount: string; until: string | null }[] }>;
  /** How many more holders the asset may have (null: no cap). */
  holderHeadroom(em: EntityManager, assetId: string): Promise<number | null>;
}

/** The venue registry (the venues module): which chain venue the ATS settles at, and whether it is open. */
export interface TradingVenues {
  atsVenue(em: EntityManager): Promise<number /* chain venue id */>;
  /** Throws AppError 409 in words when trading in the asset is halted or outside its window. */
  assertOpen(em: EntityManager, assetId: string, chainVenueId: number): Promise<void>;
}

/** No lock-ups or caps beyond what the chain enforces (`sellable: null`: no off-chain limit). */
export const allowAllLockups: TradingLockups = {
  sellable: async () => ({ sellable: null, locked: [] }),
  holderHeadroom: async () => null,
};
