import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import Type from 'typebox';
import { AppError } from '../errors.js';
import { sha256Hex } from '../lib/crypto.js';
import { canonicalJson } from '../modules/audit/service.js';
import { IdempotencyService } from '../modules/idempotency/service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client's Idempotency-Key on a mutating route, with `scope`: the id of its stored
     * record, which services build chain-operation keys from — the same for every run of the
     * request (a re-run after a crash finds what the first run recorded), another once the key
     * expired, never shared between principals. Null without a key or without a principal.
     */
    idempotency: { key: string; scope: string } | null;
    /** Id of the stored key this request holds until its answer is sent. */
    idempotencyRecord: string | null;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const IdempotencyKeyHeader = Type.String({
  minLength: 8,
  maxLength: 120,
  pattern: '^[A-Za-z0-9._:-]+$',
  description:
    'A key the client chooses per action (e.g. a UUID). Repeating the request with the same key ' +
    'returns the first successful answer instead of acting again; the same key with another ' +
    'request is refused with 422; while the first is still running, 409. Keys are per principal ' +
    'and kept for IDEMPOTENCY_TTL_HOURS.',
});

/** Answer headers worth replaying; the rest (request id, rate limits) belong to the new request. */
const REPLAYED_HEADERS = ['content-type', 'location'];

/** The request as the key remembers it: route, parameters, query and validated body. */
function fingerprint(request: FastifyRequest): string {
  return sha256Hex(
    canonicalJson({
      method: request.method,
      route: request.routeOptions.url,
      params: request.params ?? null,
      query: request.query ?? null,
      body: request.body ?? null,
    }),
  );
}

/**
 * One Idempotency-Key mechanism for every mutating route: the header is declared on each
 * POST/PUT/PATCH/DELETE (and so in the OpenAPI document); after validation the key is claimed
 * for the principal; a success answer is stored and replayed to retries; a 4xx frees the key
 * (nothing happened, so the retry runs as new); after a 5xx the retry re-runs the request under
 * the same scope, so it finds whatever the first run recorded.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: { ttlMs: number }) => {
    const store = new IdempotencyService(app.infra.db.orm, app.keys, opts.ttlMs);
    app.decorateRequest('idempotency', null);
    app.decorateRequest('idempotencyRecord', null);

    app.addHook('onRoute', (route) => {
      if (![route.method].flat().some((m) => MUTATING.has(m))) return;
      route.schema ??= {};
      const headers = (route.schema.headers ?? {}) as { properties?: Record<string, unknown> };
      route.schema.headers = {
        type: 'object',
        ...headers,
        properties: { ...headers.properties, [IDEMPOTENCY_HEADER]: IdempotencyKeyHeader },
      };
    });

    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers[IDEMPOTENCY_HEADER];
      const principal = request.principal;
      // Without a principal (login, sign-up, signed webhooks) there is no one to scope the key to.
      if (typeof key !== 'string' || !principal || !MUTATING.has(request.method)) return;
      const what = `${request.method} ${request.routeOptions.url}`;
      const claim = await store.claim(principal.id, key, what, fingerprint(request));
      switch (claim.kind) {
        case 'new':
          request.idempotency = { key, scope: `req-${claim.id}` };
          request.idempotencyRecord = claim.id;
          return;
        case 'replay':
          reply.code(claim.status).headers(claim.headers).header('idempotent-replayed', 'true');
          return reply.send(claim.body);
        case 'mismatch':
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            `This Idempotency-Key was already used for a different request (${claim.request}); send a new key for a new request`,
          );
        case 'in-flight':
          reply.header('retry-after', '1');
          throw new AppError(
            'REQUEST_IN_PROGRESS',
            'An earlier request with this Idempotency-Key is still being processed; retry in a moment to get its answer',
          );
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const id = request.idempotencyRecord;
      if (!id) return payload;
      request.idempotencyRecord = null;
      const body =
        typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : null;
      try {
        const status = reply.statusCode;
        if (status >= 200 && status < 300 && body) {
          const headers: Record<string, string> = {};
          for (const h of REPLAYED_HEADERS) {
            const v = reply.getHeader(h);
            if (v !== undefined) headers[h] = String(v);
          }
          await store.complete(id, status, headers, body);
        } else if (status >= 400 && status < 500) {
          await store.release(id);
        } else {
          await store.abandon(id);
        }
      } catch (err) {
        // The answer still goes out; the key stays held until its lease ends, then a retry runs again.
        request.log.warn({ err }, 'could not store the idempotent answer');
      }
      return payload;
    });

    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      const purge = () =>
        store
          .purge()
          .catch((err: unknown) => app.log.warn({ err }, 'purging expired idempotency keys failed'));
      await purge();
      timer = setInterval(purge, 3600_000);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'stoa-idempotency', dependencies: ['stoa-infrastructure', 'stoa-auth', 'stoa-keys'] },
);
