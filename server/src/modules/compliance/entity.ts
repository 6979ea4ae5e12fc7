import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';
import type { CompiledRules } from './compiler.js';
import type { RuleTemplate } from './templates.js';

/** The rules an asset lives under: the templates chosen and what they compiled to. */
export class AssetRules extends BaseEntity {
  assetId!: string;
  templates!: RuleTemplate[];
  compiled!: CompiledRules;
  version = 1;
  changedBy!: string;
}

export const AssetRulesSchema = new EntitySchema<AssetRules, BaseEntity>({
  class: AssetRules,
  tableName: 'asset_rules',
  extends: BaseSchema,
  properties: {
    assetId: { type: 'uuid', unique: true },
    templates: { type: 'json' },
    compiled: { type: 'json' },
    version: { type: 'integer' },
    changedBy: { type: 'string', length: 100 },
  },
});
