import type { paths } from '../api/schema';
import type { RuleTemplateBody } from './rules';

type ApiTemplates =
  paths['/compliance/preview']['post']['requestBody']['content']['application/json']['templates'];

/**
 * The rule bodies built and checked by `buildRules`, typed as the API's template union. The
 * union cannot be narrowed from a dynamic form, and the server validates every field again.
 */
export function toApiTemplates(templates: readonly RuleTemplateBody[]): ApiTemplates {
  return templates as unknown as ApiTemplates;
}
