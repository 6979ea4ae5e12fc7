import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyCases,
  HOSTILE_HEADER_VALUES,
  HOSTILE_URL_VALUES,
  sample,
  seeded,
  uuidFrom,
  type Components,
  type Rng,
  type Schema,
} from './fuzz-inputs.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld } from './offering-helpers.js';
import { multipart, PDF } from './onboarding-helpers.js';

/**
 * The OpenAPI-driven fuzz: every operation in the app's own document gets malformed types,
 * NUL bytes, lone surrogates, huge strings and bad UUIDs in its path, query, headers and body,
 * as the operator and anonymously. No answer may be a 5xx. Routes added later are fuzzed
 * because the document lists them; the inputs are seeded, so a failure reproduces.
 */

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}
interface Doc {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
  components?: { schemas?: Components };
}

const SEED = 20261124;
const PER_REQUEST_MS = 10_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function operationsOf(doc: Doc): Operation[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content['application/json']?.schema,
      })),
    )
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

function uuidsIn(value: unknown, into: Set<string>): void {
  if (typeof value === 'string' && UUID_RE.test(value)) into.add(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) uuidsIn(v, into);
}

const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'missing');
const paramNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

describe('OpenAPI-driven fuzz', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let doc: Doc;
  let ops: Operation[];
  const pool = new Set<string>();

  beforeAll(async () => {
    env = await createTestEnv();
    // The fuzz is thousands of requests a minute; the limiter is tested elsewhere.
    env.config.rateLimitPerMinute = 10_000_000;
    const world = await offeringWorld(env);
    app = world.app;
    const investor = await world.onboard('Fuzzer', 'US', true);
    const usd = await world.createAsset({ name: 'Fuzz USD', assetType: 'StableCoin', divisible: true });
    const equity = await world.createAsset({
      name: 'Fuzz Equity',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await world.ok('POST', `/assets/${equity.id}/issue`, { amount: '1000' });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000' });
    await world.launch(equity.id, usd.id, {
      name: 'Fuzz round',
      tiers: [{ amount: '100', price: '1' }],
      minInvestment: '1',
    });
    await world.instruct(investor, usd.id, '5');
    await world.queue.drain();
    doc = app.swagger() as unknown as Doc;
    ops = operationsOf(doc);
    // Real ids from every list the operator can read, so path parameters also hit real rows.
    for (const op of ops.filter((o) => o.method === 'GET' && !o.path.includes('{'))) {
      const res = await app.inject({ method: 'GET', url: op.path, headers: auth });
      if (res.statusCode === 200 && String(res.headers['content-type']).includes('json'))
        uuidsIn(res.json(), pool);
    }
  });
  afterAll(async () => {
    await env.close();
  });

  /** For each templated path, real ids that the document's GET on (a prefix of) it answers 200 for. */
  async function realIds(op: Operation, rng: Rng): Promise<Record<string, string>> {
    const names = paramNames(op.path);
    const out: Record<string, string> = Object.fromEntries(names.map((n) => [n, uuidFrom(rng)]));
    const gets = ops
      .filter((o) => o.method === 'GET' && o.path.includes('{') && op.path.startsWith(o.path))
      .sort((a, b) => a.path.length - b.path.length);
    for (const get of gets) {
      for (const name of paramNames(get.path)) {
        for (const id of pool) {
          const res = await app.inject({
            method: 'GET',
            url: fill(get.path, { ...out, [name]: id }),
            headers: auth,
          });
          if (res.statusCode === 200) {
            out[name] = id;
            break;
          }
        }
      }
    }
    return out;
  }

  it(
    'answers every malformed request to every operation with less than 500',
    { timeout: 240_000 },
    async () => {
      const rng = seeded(SEED);
      const components = doc.components?.schemas ?? {};
      const failures: string[] = [];
      let sent = 0;
      const started = Date.now();

      const send = async (who: string, op: Operation, label: string, opts: InjectOptions) => {
        sent++;
        const res = await Promise.race([
          app.inject(opts),
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), PER_REQUEST_MS)),
        ]);
        if (res === 'timeout') failures.push(`${who} ${op.method} ${op.path} [${label}] → no answer`);
        else if (res.statusCode >= 500)
          failures.push(
            `${who} ${op.method} ${op.path} [${label}] → ${res.statusCode} ${res.body.slice(0, 200)}`,
          );
      };

      for (const op of ops) {
        const ids = await realIds(op, rng);
        const baseline = op.body ? sample(op.body, components, rng) : undefined;
        const query = op.parameters.filter((p) => p.in === 'query');
        const headers = op.parameters.filter((p) => p.in === 'header');
        const method = op.method as InjectOptions['method'];
        for (const [who, creds] of [
          ['operator', auth],
          ['anonymous', {}],
        ] as const) {
          const base = {
            method,
            headers: { ...creds },
            ...(baseline === undefined ? {} : { payload: baseline as object }),
          };
          for (const name of paramNames(op.path)) {
            for (const [label, raw] of Object.entries(HOSTILE_URL_VALUES)) {
              await send(who, op, `path ${name} = ${label}`, {
                ...base,
                url: fill(op.path, { ...ids, [name]: raw }),
              });
            }
          }
          const url = fill(op.path, ids);
          for (const p of query) {
            for (const [label, raw] of Object.entries(HOSTILE_URL_VALUES)) {
              await send(who, op, `query ${p.name} = ${label}`, { ...base, url: `${url}?${p.name}=${raw}` });
            }
            await send(who, op, `query ${p.name} repeated`, {
              ...base,
              url: `${url}?${p.name}=1&${p.name}=x%00`,
            });
          }
          await send(who, op, 'undeclared query with NUL key', { ...base, url: `${url}?a%00=b%00` });
          for (const h of headers) {
            for (const [label, value] of Object.entries(HOSTILE_HEADER_VALUES)) {
              await send(who, op, `header ${h.name} = ${label}`, {
                ...base,
                url,
                headers: { ...creds, [h.name]: value },
              });
            }
          }
          if (baseline !== undefined) {
            for (const c of bodyCases(baseline, rng)) {
              await send(who, op, `body ${c.label}`, {
                ...base,
                url,
                payload: c.json,
                headers: { ...creds, 'content-type': 'application/json' },
              });
            }
          }
          const m = multipart('pass\u0000port\ud800.pdf', 'application/pdf', PDF);
          await send(who, op, 'multipart with hostile filename', {
            method,
            url,
            headers: { ...creds, ...m.headers },
            payload: m.payload,
          });
          await send(who, op, 'JSON body with NUL', {
            method,
            url,
            headers: { ...creds, 'content-type': 'application/json' },
            payload: '{"name":"a\\u0000","reason":"\\ud800"}',
          });
          await send(who, op, 'truncated JSON body', {
            method,
            url,
            headers: { ...creds, 'content-type': 'application/json' },
            payload: '{"name": "\\ud8',
          });
          await send(who, op, 'text body', {
            method,
            url,
            headers: { ...creds, 'content-type': 'text/plain' },
            payload: 'a\u0000b',
          });
        }
      }

      // The document lists every route the app serves (app.test.ts), so this is every route.
      expect(ops.length).toBeGreaterThanOrEqual(83);
      expect(sent).toBeGreaterThan(ops.length * 20);
      console.info(`fuzz: ${sent} requests to ${ops.length} operations in ${Date.now() - started} ms`);
      expect(failures).toEqual([]);
    },
  );
});
