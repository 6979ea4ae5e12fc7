import type { Health } from '../../src/system/health';
import type { ChainOperation } from '../../src/operations/status';

export function healthFixture(overrides: Partial<Health> = {}): Health {
  return {
    status: 'degraded',
    version: '0.1.0',
    uptimeSeconds: 3_725,
    checks: {
      database: { status: 'ok', kind: 'postgresql', version: 'PostgreSQL 16.4', latencyMs: 2.6 },
      queue: { status: 'ok', mode: 'inline', waiting: 3 },
      operations: {
        status: 'ok',
        open: 2,
        failed: 1,
        failedLastDay: 0,
        stuck: 0,
        retrying: 0,
        oldestOpenSeconds: 4,
      },
      chain: {
        status: 'ok',
        adapter: 'embedded',
        blockHeight: 12_345,
        chain: 'Stoa embedded',
        specVersion: 7_003_000,
      },
      load: {
        status: 'ok',
        eventLoopDelayMs: 1.4,
        eventLoopUtilization: 0.126,
        heapUsedBytes: 150 * 1024 * 1024,
        rssBytes: 420 * 1024 * 1024,
      },
    },
    ...overrides,
  };
}

export function operationFixture(overrides: Partial<ChainOperation> = {}): ChainOperation {
  return {
    id: '0b8f5d1e-6a61-4d8e-9e55-3f1c2b7a9d10',
    kind: 'asset.create',
    status: 'pending',
    idempotencyKey: 'asset.create:ACME',
    signer: 'operator',
    nonce: null,
    attempts: 0,
    result: null,
    subject: null,
    finalisedAt: null,
    error: null,
    lastError: null,
    receipt: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
