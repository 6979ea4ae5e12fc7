import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * What trading needs of the venue registry: the platform ATS's chain venue id, and whether an
 * asset may trade at a venue right now (not halted, inside its trading window, venue approved).
 */
export interface TradingVenues {
  atsVenue(em: EntityManager): Promise<number /* chain venue id of the platform ATS */>;
  assertOpen(
    em: EntityManager,
    assetId: string,
    chainVenueId: number,
  ): Promise<void> /* throws AppError (409) in words when trading in the asset is halted, outside its trading window, or the venue is not approved for the asset */;
}
