import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124194228_Initial } from './Migration20261124194228_Initial.js';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from
 * TypeScript sources under tests and from compiled JavaScript in production.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124194228_Initial', class: Migration20261124194228_Initial },
];
