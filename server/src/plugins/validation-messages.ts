import type { FieldProblem } from '../errors.js';

/** What Ajv reports for one failed keyword (with `verbose`, the schema that failed comes along). */
export interface SchemaProblem {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  params?: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

const FORMATS: Record<string, string> = {
  date: 'must be a full date: day, month and year',
  'date-time': 'must be a date and time (like 2026-12-31T17:00:00Z)',
  email: 'must be an email address, like name@example.com',
  uuid: 'must be the id of an existing record',
  uri: 'must be a web address, like https://example.com',
};

const TYPES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'yes or no (true or false)',
  object: 'a group of fields',
  array: 'a list',
  null: 'empty',
};

const quoteAll = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** The literal values a union of constants allows, if it is one. */
function literals(schema: unknown): unknown[] | undefined {
  const branches = record(schema).anyOf;
  if (!Array.isArray(branches)) return undefined;
  const values = branches.map((b) => record(b).const);
  return values.every((v) => v !== undefined) ? values : undefined;
}

/** One failed keyword, said in words: what the value must be, never the pattern that tests it. */
function say(p: SchemaProblem): string {
  const params = p.params ?? {};
  const schema = record(p.parentSchema);
  const hint = typeof schema['x-hint'] === 'string' ? schema['x-hint'] : undefined;
  switch (p.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field this request takes; remove it';
    case 'minLength':
      return Number(params.limit) <= 1 ? 'is required' : `must be at least ${params.limit} characters`;
    case 'maxLength':
      return `must be at most ${params.limit} characters`;
    case 'minItems':
      return Number(params.limit) <= 1
        ? 'needs at least one entry'
        : `needs at least ${params.limit} entries`;
    case 'maxItems':
      return `may have at most ${params.limit} entries`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const words = {
        minimum: 'at least',
        exclusiveMinimum: 'more than',
        maximum: 'at most',
        exclusiveMaximum: 'less than',
      }[p.keyword];
      return `must be ${words} ${params.limit}`;
    }
    case 'type':
      return `must be ${TYPES[String(params.type)] ?? String(params.type)}`;
    case 'format':
      return hint ?? FORMATS[String(params.format)] ?? 'is not in the form this field needs';
    case 'pattern':
      return hint ?? 'is not in the form this field needs';
    case 'enum':
      return `must be one of ${quoteAll((params.allowedValues as unknown[]) ?? [])}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'anyOf':
    case 'oneOf': {
      const values = literals(p.parentSchema);
      return (
        hint ?? (values ? `must be one of ${quoteAll(values)}` : 'is not one of the forms this field takes')
      );
    }
    default:
      // Stoa's own keywords (x-maxBytes, x-positive, x-country, input guard) already speak in words.
      return p.message ?? 'is not valid';
  }
}

/** Where a problem is: the field it names, with the missing or extra property appended. */
function pointer(where: string, p: SchemaProblem): string {
  const params = p.params ?? {};
  const extra =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : typeof params.additionalProperty === 'string'
        ? params.additionalProperty
        : undefined;
  return `/${where}${p.instancePath}${extra ? `/${extra}` : ''}`;
}

/**
 * Ajv's errors for one request part as field problems in words. A union of constants reports
 * every constant it is not; the union's own sentence lists them once, so those errors go.
 */
export function fieldProblems(where: string, problems: readonly SchemaProblem[]): FieldProblem[] {
  const unions = problems
    .filter((p) => (p.keyword === 'anyOf' || p.keyword === 'oneOf') && literals(p.parentSchema))
    .map((p) => ({ path: p.instancePath, schemaPath: (p.schemaPath ?? '').replace(/\/(anyOf|oneOf)$/, '') }));
  const underUnion = (p: SchemaProblem) =>
    p.keyword !== 'anyOf' &&
    p.keyword !== 'oneOf' &&
    unions.some(
      (u) =>
        p.instancePath.startsWith(u.path) &&
        (p.schemaPath ?? '').startsWith(`${u.schemaPath}/`) &&
        /\/(anyOf|oneOf)\/\d+/.test((p.schemaPath ?? '').slice(u.schemaPath.length)),
    );
  const seen = new Set<string>();
  const fields: FieldProblem[] = [];
  for (const p of problems) {
    if (underUnion(p)) continue;
    const field = pointer(where, p);
    const message = say(p);
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ field, message });
  }
  return fields;
}
