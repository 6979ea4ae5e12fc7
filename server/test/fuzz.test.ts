import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fill,
  paramNames,
  pick,
  requestCases,
  sample,
  seeded,
  uuidFrom,
  type Components,
  type Operation,
  type Parameter,
  type RequestCase,
  type Rng,
  type Schema,
} from './fuzz-inputs.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld } from './offering-helpers.js';
import { multipart, PDF } from './onboarding-helpers.js';

/**
 * The OpenAPI-driven fuzz: every operation in the app's own document gets malformed types,
 * NUL characters, lone surrogates, huge strings and bad UUIDs in its path, query, headers and
 * body, as the operator and anonymously, against a world with real rows so that path ids also
 * reach handlers. No answer may be a 5xx. Routes added later are fuzzed because the document
 * lists them (app.test.ts keeps every served route in it); the inputs are seeded, so a
 * failure reproduces.
 */

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
/** Requests an anonymous caller sends to an operation that refuses anonymous callers. */
const ANONYMOUS_SAMPLE = 6;
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

describe('OpenAPI-driven fuzz', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let ops: Operation[];
  let components: Components;
  const pool = new Set<string>();

  beforeAll(async () => {
    env = await createTestEnv();
    // The fuzz is thousands of requests a minute; the limiter is tested elsewhere.
    env.config.rateLimits = { auth: 0, account: 0, webhooks: 0, reads: 0, writes: 0 };
    const world = await offeringWorld(env);
    app = world.app;
    const investor = await world.onboard('Fuzzer', 'US', true);
    const usd = await world.createAsset({ name: 'Fuzz USD', assetType: 'StableCoin', divisible: true });
    const equity = await world.createAsset({
      name: 'Fuzz Equity',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000' });
    await world.launch(equity.id, usd.id, {
      name: 'Fuzz round',
      tiers: [{ amount: '100', price: '1' }],
      minInvestment: '1',
    });
    await world.instruct(investor, usd.id, '5');
    await world.queue.drain();
    const doc = app.swagger() as unknown as Doc;
    ops = operationsOf(doc);
    components = doc.components?.schemas ?? {};
    // Real ids from every list the operator can read, so path parameters also hit real rows.
    for (const op of ops.filter((o) => o.method === 'GET' && !o.path.includes('{'))) {
      const res = await app.inject({ method: 'GET', url: op.path, headers: auth });
      if (res.statusCode === 200 && String(res.headers['content-type']).includes('json'))
        uuidsIn(res.json(), pool);
    }
  }, 180_000);
  afterAll(async () => {
    await env.close();
  });

  const found = new Map<string, string>();
  /** A real id for each path parameter: one the document's GET on (a prefix of) the path answers 200 for. */
  async function realIds(op: Operation, rng: Rng): Promise<Record<string, string>> {
    const out: Record<string, string> = Object.fromEntries(
      paramNames(op.path).map((n) => [n, uuidFrom(rng)]),
    );
    const gets = ops
      .filter((o) => o.method === 'GET' && o.path.includes('{') && op.path.startsWith(o.path))
      .sort((a, b) => a.path.length - b.path.length);
    for (const get of gets) {
      for (const name of paramNames(get.path)) {
        const key = `${get.path} ${name} ${JSON.stringify(out)}`;
        if (!found.has(key)) {
          for (const id of pool) {
            const url = fill(get.path, { ...out, [name]: id });
            if ((await app.inject({ method: 'GET', url, headers: auth })).statusCode === 200) {
              found.set(key, id);
              break;
            }
          }
        }
        out[name] = found.get(key) ?? out[name]!;
      }
    }
    return out;
  }

  it(
    'answers every malformed request to every operation with less than 500',
    { timeout: 300_000 },
    async () => {
      const rng = seeded(SEED);
      const failures: string[] = [];
      let sent = 0;
      const hostileFile = multipart('pass\u0000port\ud800.pdf', 'application/pdf', PDF);

      const send = async (who: string, op: Operation, c: RequestCase, creds: Record<string, string>) => {
        sent++;
        let timer: NodeJS.Timeout | undefined;
        const res = await Promise.race([
          app.inject({
            method: op.method as InjectOptions['method'],
            url: c.url,
            headers: { ...creds, ...c.headers },
            ...(c.payload === undefined ? {} : { payload: c.payload }),
          }),
          new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), PER_REQUEST_MS))),
        ]);
        clearTimeout(timer);
        const what = `${who} ${op.method} ${op.path} [${c.label}]`;
        if (res === 'timeout') failures.push(`${what} → no answer`);
        else if (res.statusCode >= 500)
          failures.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
        return res === 'timeout' ? 0 : res.statusCode;
      };

      for (const op of ops) {
        const ids = await realIds(op, rng);
        const baseline = op.body ? sample(op.body, components, rng) : undefined;
        const cases = requestCases(op, ids, baseline, rng, hostileFile);
        for (const c of cases) await send('operator', op, c, auth);
        // Anonymous callers get every case where the operation lets them in, a sample where not.
        const wellFormed: RequestCase = {
          label: 'well formed',
          url: fill(op.path, ids),
          ...(baseline === undefined
            ? {}
            : { payload: JSON.stringify(baseline), headers: { 'content-type': 'application/json' } }),
        };
        const refusesAnonymous = (await send('anonymous', op, wellFormed, {})) === 401;
        const anonymous = refusesAnonymous
          ? Array.from({ length: ANONYMOUS_SAMPLE }, () => pick(rng, cases))
          : cases;
        for (const c of anonymous) await send('anonymous', op, c, {});
      }

      expect(ops.length).toBeGreaterThanOrEqual(83);
      expect(sent).toBeGreaterThan(ops.length * 20);
      expect(failures).toEqual([]);
    },
  );
});
