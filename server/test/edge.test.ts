import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

interface RawExchange {
  response: string;
  closedAfterMs: number;
}

/**
 * Sends `head` then each chunk of `body` after `gapMs`, on a raw socket, and collects what the
 * server writes until it closes the connection (or `giveUpMs` passes, then the test fails).
 */
async function raw(port: number, head: string, body: string[], gapMs: number, giveUpMs = 8000) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('utf8')));
  const closed = new Promise<RawExchange>((resolve) =>
    socket.once('close', () => resolve({ response, closedAfterMs: Date.now() - started })),
  );
  socket.on('error', () => undefined);
  socket.write(head);
  let open = true;
  void closed.then(() => (open = false));
  for (const chunk of body) {
    await sleep(gapMs);
    if (!open) break;
    socket.write(chunk);
  }
  const timer = setTimeout(() => socket.destroy(), giveUpMs);
  const result = await closed;
  clearTimeout(timer);
  return result;
}

const loginHead = (length: number) =>
  `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
const jsonOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('request timeouts (a real socket)', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = await env.app({
      config: { http: { ...env.config.http, requestTimeoutMs: 1500, idleTimeoutMs: 600 } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });

  it('drops a body that stalls after the idle timeout, with a 408 that says so', async () => {
    const { response, closedAfterMs } = await raw(port, `${loginHead(200)}{"email":`, [], 0);
    expect(closedAfterMs).toBeGreaterThanOrEqual(500);
    expect(closedAfterMs).toBeLessThan(3000);
    expect(response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(jsonOf(response)).toMatchObject({
      statusCode: 408,
      code: 'REQUEST_TIMEOUT',
      message: 'The request stalled: nothing arrived for 1 second; send the body without pauses',
    });
  });

  it('cuts off a body that trickles in forever at the request deadline', async () => {
    const trickle = Array.from({ length: 40 }, () => ' ');
    const { response, closedAfterMs } = await raw(port, loginHead(1000), trickle, 200);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1400);
    expect(closedAfterMs).toBeLessThan(4000);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(jsonOf(response)).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(jsonOf(response).message).toMatch(/did not arrive in full within 2 seconds/);
  });

  it('lets a slow body that keeps coming and finishes in time through', async () => {
    const body = JSON.stringify({ email: 'slow@edge.example', password: 'not the password' });
    const chunks = [body.slice(0, 10), body.slice(10, 25), body.slice(25, 40), body.slice(40)];
    const { response } = await raw(port, `${loginHead(Buffer.byteLength(body))}`, chunks, 250);
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(response).toContain('"code":"UNAUTHENTICATED"');
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After while the event loop lags, keeps /health up, and recovers', async () => {
    const app = await env.app({
      config: {
        shedding: {
          maxEventLoopDelayMs: 50,
          maxEventLoopUtilization: 0,
          maxHeapUsedBytes: 0,
          retryAfterSeconds: 7,
        },
      },
    });
    const answers = async (status: number) => {
      for (let i = 0; i < 60; i++) {
        const res = await app.inject({ method: 'GET', url: '/operations', headers: auth });
        if (res.statusCode === status) return res;
        await sleep(100);
      }
      return undefined;
    };
    // Building the app itself lags the loop; start from a calm one.
    expect(await answers(200), 'the server never calmed down after start').toBeDefined();

    // A deliberately hogged loop, 100 ms busy at a stretch, as a flood of CPU-bound requests does.
    let hogging = true;
    let spins = 0;
    const hog = (async () => {
      while (hogging) {
        const until = Date.now() + 100;
        while (Date.now() < until) spins++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    let shed;
    let health;
    try {
      for (let i = 0; i < 60 && !shed; i++) {
        const res = await app.inject({ method: 'GET', url: '/operations', headers: auth });
        if (res.statusCode === 503) {
          shed = res;
          health = await app.inject({ method: 'GET', url: '/health' });
        } else await sleep(50);
      }
    } finally {
      hogging = false;
      await hog;
    }
    expect(spins).toBeGreaterThan(0);
    expect(shed, 'no request was shed while the loop was hogged').toBeDefined();
    expect(shed!.headers['retry-after']).toBe('7');
    expect(shed!.json()).toMatchObject({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'The server is too busy to take this request. Try again in 7 seconds.',
      details: { reason: 'event loop delay', retryAfterSeconds: 7 },
    });
    expect(shed!.json().requestId).toBeTruthy();
    // Health is exempt: it still answers, and says why the server is refusing work.
    expect(health!.json()).toMatchObject({ status: 'degraded', checks: { load: { status: 'shedding' } } });
    expect(health!.json().checks.load.eventLoopDelayMs).toBeGreaterThan(50);

    expect(await answers(200), 'the server kept shedding after the loop recovered').toBeDefined();
    const after = await app.inject({ method: 'GET', url: '/health' });
    expect(after.statusCode).toBe(200);
    expect(after.json().checks.load.status).toBe('ok');
  });
});
