/**
 * Input generation for the OpenAPI-driven fuzz (fuzz.test.ts): a seeded random source, a
 * plausible value for any JSON schema in the document, and the malformed variants of it.
 * Nothing here knows a route: everything is read from the schemas.
 */

export type Rng = () => number;

/** mulberry32: small, fast and the same sequence on every machine for a given seed. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

export function uuidFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export interface Schema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  examples?: unknown[];
}

export type Components = Record<string, Schema>;

export function deref(s: Schema, components: Components): Schema {
  let out = s;
  for (let i = 0; out.$ref && i < 10; i++) {
    out = components[out.$ref.replace(/^#\/components\/schemas\//, '')] ?? {};
  }
  return out;
}

// Candidate strings for `pattern` schemas, tried in order: the first that fits is the sample.
const PATTERN_CANDIDATES = [
  '100',
  '1.5',
  'US',
  'FUZZ',
  'FUZZ1',
  'abc',
  'fuzz-key-0001',
  `0x${'ab'.repeat(32)}`,
  `0x${'ab'.repeat(16)}`,
  'US0378331005',
  '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  '2030-01-01',
  'asset.issue',
  'a',
];

function sampleString(s: Schema, rng: Rng): string {
  switch (s.format) {
    case 'uuid':
      return uuidFrom(rng);
    case 'date-time':
      return new Date(Date.UTC(2031, 0, 1 + Math.floor(rng() * 300))).toISOString();
    case 'date':
      return '1980-02-03';
    case 'email':
      return `fuzz${Math.floor(rng() * 1e6)}@example.com`;
    case 'uri':
      return 'https://example.com/doc.pdf';
  }
  const fits = (v: string) =>
    (!s.pattern || new RegExp(s.pattern, 'u').test(v)) &&
    v.length >= (s.minLength ?? 0) &&
    v.length <= (s.maxLength ?? Infinity);
  const found = PATTERN_CANDIDATES.find(fits);
  if (found) return found;
  return 'x'.repeat(Math.max(s.minLength ?? 1, 1)).slice(0, s.maxLength ?? 1000);
}

/** A plausible value for the schema: every property present, so every field gets fuzzed. */
export function sample(schema: Schema, components: Components, rng: Rng, depth = 0): unknown {
  const s = deref(schema, components);
  if (s.const !== undefined) return s.const;
  if (s.enum) return pick(rng, s.enum);
  if (s.default !== undefined) return s.default;
  if (s.examples?.length) return s.examples[0];
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return sample(pick(rng, alternatives), components, rng, depth);
  if (s.allOf) {
    return Object.assign({}, ...s.allOf.map((p) => sample(p, components, rng, depth) as object));
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      for (const [k, p] of Object.entries(s.properties ?? {})) out[k] = sample(p, components, rng, depth + 1);
      return out;
    }
    case 'array':
      return s.items && depth <= 6
        ? Array.from({ length: Math.max(1, s.minItems ?? 1) }, () =>
            sample(s.items!, components, rng, depth + 1),
          )
        : [];
    case 'string':
      return sampleString(s, rng);
    case 'integer':
    case 'number':
      return Math.min(Math.max(s.minimum ?? 1, 1), s.maximum ?? Infinity);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'x';
  }
}

/** Text PostgreSQL cannot store, and text too large for any field. */
export const HOSTILE_TEXT: Record<string, string> = {
  nul: 'fuzz\u0000text',
  'lone high surrogate': 'fuzz\ud800',
  'lone low surrogate': '\udc00fuzz',
  huge: 'x'.repeat(100_000),
};

/** Wrong-typed and out-of-range JSON values, for any field. */
export const HOSTILE_VALUES: Record<string, unknown> = {
  null: null,
  true: true,
  object: { nested: { deeper: ['x'] } },
  array: ['x', 1, null],
  'negative int': -1,
  zero: 0,
  float: 1.5,
  'max double': Number.MAX_VALUE,
  'beyond int64': 1e20,
  'int32 overflow': 2147483648,
  'unsafe int': 2 ** 53 + 2,
  'numeric string': '99999999999999999999999',
  'negative decimal string': '-1.5',
  'exponent string': '1e309',
  'empty string': '',
  'whitespace string': ' \t\n',
  'path string': '../../etc/passwd',
  'sql string': "' OR 1=1; --",
  'bad uuid': '00000000-0000-0000-0000-00000000000g',
  'emoji string': '📈'.repeat(100),
};

interface Leaf {
  path: (string | number)[];
  value: unknown;
}

function leaves(value: unknown, path: (string | number)[] = []): Leaf[] {
  const here: Leaf = { path, value };
  if (Array.isArray(value)) return [here, ...value.flatMap((v, i) => leaves(v, [...path, i]))];
  if (value && typeof value === 'object') {
    return [here, ...Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))];
  }
  return [here];
}

function replaced(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

export interface Case {
  label: string;
  /** The body as sent: JSON text, since some cases are too deep for JSON.stringify. */
  json: string;
}

/**
 * Malformed versions of a body: at every field every hostile text and a seeded handful of
 * wrong values; at the root, non-objects, hostile keys and deep nesting.
 */
export function bodyCases(baseline: unknown, rng: Rng, perField = 2): Case[] {
  const out: Case[] = [{ label: 'baseline', json: JSON.stringify(baseline) }];
  const add = (label: string, body: unknown) => out.push({ label, json: JSON.stringify(body) });
  const wrong = Object.entries(HOSTILE_VALUES);
  for (const leaf of leaves(baseline)) {
    const at = leaf.path.length ? leaf.path.join('.') : '(root)';
    for (const [name, text] of Object.entries(HOSTILE_TEXT)) {
      const v = typeof leaf.value === 'string' && name !== 'huge' ? `${leaf.value}${text}` : text;
      add(`${at} = ${name}`, replaced(baseline, leaf.path, v));
    }
    for (let i = 0; i < perField; i++) {
      const [name, v] = pick(rng, wrong);
      add(`${at} = ${name}`, replaced(baseline, leaf.path, v));
    }
    if (Array.isArray(leaf.value) && leaf.value.length > 0) {
      const first: unknown = leaf.value[0];
      const many = Array.from({ length: 2000 }, () => first);
      add(`${at} = 2000 items`, replaced(baseline, leaf.path, many));
    }
    if (leaf.value && typeof leaf.value === 'object' && !Array.isArray(leaf.value)) {
      add(
        `${at} has hostile keys`,
        replaced(baseline, leaf.path, { ...leaf.value, 'k\u0000': 1, '\ud800': 'x' }),
      );
    }
  }
  out.push({ label: 'deeply nested body', json: `${'{"a":['.repeat(5000)}1${']}'.repeat(5000)}` });
  return out;
}

/** Raw (already URL-encoded) values for path and query parameters. */
export const HOSTILE_URL_VALUES: Record<string, string> = {
  nul: 'a%00b',
  'encoded lone surrogate': '%ED%A0%80',
  'overlong nul': '%C0%80',
  'invalid utf-8': '%FF%FE',
  'broken escape': '%E2%82',
  huge: 'x'.repeat(20_000),
  'bad uuid': '00000000-0000-0000-0000-00000000000g',
  'short uuid': '1234',
  'upper-case uuid': 'ABCDEF00-0000-4000-8000-000000000000',
  'negative int': '-1',
  'huge int': '99999999999999999999',
  'int32 overflow': '2147483648',
  float: '1.5',
  exponent: '1e309',
  'sql string': "'%20OR%201=1--",
  empty: '',
  'path traversal': '..%2F..%2Fetc',
  'emoji string': '%F0%9F%93%88',
};

/** Hostile header values: those an HTTP client can send and those only a bug could. */
export const HOSTILE_HEADER_VALUES: Record<string, string> = {
  nul: 'fuzz\u0000key0001',
  'lone surrogate': 'fuzz\ud800key0001',
  huge: 'k'.repeat(8000),
  'latin-1': 'clé-0001-é',
  empty: '',
};

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema?: Schema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

/** One request to send: headers here are added to the caller's credentials. */
export interface RequestCase {
  label: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

export const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'missing');
export const paramNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * Every malformed request for one operation: hostile values in each path parameter, query
 * parameter and declared header (the rest well formed), malformed bodies, and bodies of kinds
 * the operation does not declare (JSON with NUL, multipart with a hostile filename, text).
 */
export function requestCases(
  op: Operation,
  ids: Record<string, string>,
  baseline: unknown,
  rng: Rng,
  hostileFile: { payload: Buffer; headers: Record<string, string> },
): RequestCase[] {
  const out: RequestCase[] = [];
  const body = baseline === undefined ? {} : { payload: JSON.stringify(baseline), headers: JSON_TYPE };
  for (const name of paramNames(op.path)) {
    for (const [label, raw] of Object.entries(HOSTILE_URL_VALUES)) {
      out.push({ label: `path ${name} = ${label}`, url: fill(op.path, { ...ids, [name]: raw }), ...body });
    }
  }
  const url = fill(op.path, ids);
  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    for (const [label, raw] of Object.entries(HOSTILE_URL_VALUES)) {
      out.push({ label: `query ${p.name} = ${label}`, url: `${url}?${p.name}=${raw}`, ...body });
    }
    out.push({ label: `query ${p.name} repeated`, url: `${url}?${p.name}=1&${p.name}=x%00`, ...body });
  }
  out.push({ label: 'undeclared query with NUL key', url: `${url}?a%00=b%00`, ...body });
  for (const h of op.parameters.filter((x) => x.in === 'header')) {
    for (const [label, value] of Object.entries(HOSTILE_HEADER_VALUES)) {
      out.push({
        label: `header ${h.name} = ${label}`,
        url,
        payload: body.payload,
        headers: { ...body.headers, [h.name]: value },
      });
    }
  }
  if (baseline !== undefined) {
    for (const c of bodyCases(baseline, rng)) {
      out.push({ label: `body ${c.label}`, url, payload: c.json, headers: JSON_TYPE });
    }
  }
  out.push(
    { label: 'multipart with hostile filename', url, ...hostileFile },
    {
      label: 'JSON body with NUL',
      url,
      headers: JSON_TYPE,
      payload: '{"name":"a\\u0000","reason":"\\ud800"}',
    },
    { label: 'truncated JSON body', url, headers: JSON_TYPE, payload: '{"name": "\\ud8' },
    { label: 'text body', url, headers: { 'content-type': 'text/plain' }, payload: 'a\u0000b' },
  );
  return out;
}
