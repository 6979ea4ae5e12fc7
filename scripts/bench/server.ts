/**
 * A Stoa server for the API benches: the real app (buildApp, as main.ts builds it) listening on
 * a port of 127.0.0.1, with the embedded ledger under a temporary folder and in-process jobs; on
 * a scratch PostgreSQL database when DATABASE_URL is set (dropped at the end), else PGlite.
 * NODE_ENV=test for its generous rate limits and optional staff two-factor sign-in (one address
 * signs up thousands of investors); the code paths measured are production's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config.js';
import type { Mail } from '../../server/src/modules/mail/mailer.js';
import { scratchDatabase as scratchDb } from '../../server/test/support/scratch-database.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const SANDBOX_SECRET = 'bench-sandbox-webhook-secret-0123456789';

export interface BenchServer {
  app: FastifyInstance;
  url: string;
  database: 'postgresql' | 'pglite';
  /** The scratch database's URL (PostgreSQL only). */
  databaseUrl?: string;
  admin: Record<string, string>;
  /** The token of the e-mail confirmation link mailed to `email` (waits for the mail). */
  verifyToken(email: string): Promise<string>;
  /** SQL on the app's database (its own connection pool). */
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A scratch database for a bench on the PostgreSQL of `base`. */
export const scratchDatabase = (base: string) => scratchDb(base, 'stoa_bench');

export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const dir = await mkdtemp(join(tmpdir(), 'stoa-bench-'));
  const base = process.env.DATABASE_URL;
  const scratch = base ? await scratchDatabase(base) : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    ADMIN_TOKEN,
    SANDBOX_WEBHOOK_SECRET: SANDBOX_SECRET,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    // The rate limiters run (their cost is part of every request) but never refuse the bench.
    RATE_LIMIT_AUTH_PER_MINUTE: '999999999',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: '999999999',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '999999999',
    RATE_LIMIT_READS_PER_MINUTE: '999999999',
    RATE_LIMIT_WRITES_PER_MINUTE: '999999999',
    // The outbox as in production: NODE_ENV=test turns coalescing off (tests count one nonce
    // per operation); 0 means the production default.
    OUTBOX_BATCH_SIZE: '0',
    // The operator's lanes as in production (NODE_ENV=test turns them off).
    OPERATOR_LANES: '3',
    ...env,
  });
  const app = await buildApp(config);
  // Confirmation links, caught on their way to the mail folder (reading the folder per
  // investor would cost O(investors) each).
  const tokens = new Map<string, string>();
  const waiting = new Map<string, (token: string) => void>();
  const send = app.mailer.send.bind(app.mailer);
  app.mailer.send = async (mail: Mail) => {
    await send(mail);
    const token = /\/verify-email#token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    if (!token) return;
    const to = mail.to.toLowerCase();
    tokens.set(to, token);
    waiting.get(to)?.(token);
  };
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const conn = () => app.infra.db.orm.em.fork().getConnection();
  return {
    app,
    url: address,
    database: scratch ? 'postgresql' : 'pglite',
    ...(scratch ? { databaseUrl: scratch.url } : {}),
    admin: { authorization: `Bearer ${ADMIN_TOKEN}` },
    verifyToken(email) {
      const to = email.toLowerCase();
      const have = tokens.get(to);
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no confirmation mail to ${email} in 60 s`)), 60_000);
        waiting.set(to, (token) => {
          clearTimeout(t);
          waiting.delete(to);
          resolve(token);
        });
      });
    },
    async sql<T>(query: string, params: unknown[] = []) {
      return (await conn().execute(query, params, 'all')) as T[];
    },
    async close() {
      await app.close();
      await scratch?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP to the bench server; throws with the answer on an unexpected status. */
export function client(base: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; expect?: number[]; form?: FormData } = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.form ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : {}) as T;
    const ok = opts.expect ?? [200, 201, 202];
    if (!ok.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
    return { status: res.status, body };
  };
}

/** Waits until no chain operation is open; throws if any failed (the seeding would be wrong). */
export async function allFinal(server: BenchServer): Promise<void> {
  for (;;) {
    const [row] = await server.sql<{ open: string; failed: string }>(
      `select count(*) filter (where status not in ('finalised', 'failed'))::text as open,
              count(*) filter (where status = 'failed')::text as failed from chain_operation`,
    );
    if (Number(row!.failed) > 0) throw new Error(`${row!.failed} chain operations failed during the seeding`);
    if (Number(row!.open) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
