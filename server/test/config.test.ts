import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const c = loadConfig({}, '/srv/stoa');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.polymeshNodeUrl).toBeUndefined();
    expect(c.dataDir).toBe('/srv/stoa/.data');
    expect(c.port).toBe(3000);
    expect(c.signers).toEqual(['//Alice']);
    expect(c.encryptionKey).toHaveLength(32);
    expect(c.encryptionKeyIsDevDefault).toBe(true);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty' })).toThrowError(ConfigError);
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    } catch (err) {
      expect((err as Error).message).toMatch(/DATABASE_URL/);
      expect((err as Error).message).toMatch(/PORT/);
    }
  });

  it('refuses a port out of range and a malformed encryption key', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrowError(/PORT/);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'short' })).toThrowError(/ENCRYPTION_KEY/);
  });

  it('requires an encryption key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/ENCRYPTION_KEY is required/);
    const key = 'ab'.repeat(32);
    const c = loadConfig({
      NODE_ENV: 'production',
      ENCRYPTION_KEY: key,
      SANDBOX_WEBHOOK_SECRET: 's'.repeat(32),
    });
    expect(c.encryptionKey.toString('hex')).toBe(key);
    expect(c.encryptionKeyIsDevDefault).toBe(false);
  });

  it('refuses the public sandbox KYC webhook secret in production and incomplete vendor settings', () => {
    const key = 'ab'.repeat(32);
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: key })).toThrowError(
      /SANDBOX_WEBHOOK_SECRET/,
    );
    expect(() => loadConfig({ KYC_PROVIDER: 'sumsub', SUMSUB_APP_TOKEN: 'x' })).toThrowError(
      /SUMSUB_SECRET_KEY/,
    );
    expect(() => loadConfig({ KYC_PROVIDER: 'onfido' })).toThrowError(/ONFIDO_API_TOKEN/);
    const c = loadConfig({ KYC_PROVIDER: 'onfido', ONFIDO_API_TOKEN: 't', ONFIDO_WEBHOOK_TOKEN: 'w' });
    expect(c.kyc).toMatchObject({ provider: 'onfido', onfido: { apiToken: 't', webhookToken: 'w' } });
  });

  it('parses lists and services', () => {
    const c = loadConfig({
      SIGNER_MNEMONICS: '//Alice, //Bob ,',
      CORS_ORIGINS: 'https://a.example,https://b.example',
      REDIS_URL: 'redis://127.0.0.1:6379',
      POLYMESH_NODE_URL: 'ws://127.0.0.1:9944',
    });
    expect(c.signers).toEqual(['//Alice', '//Bob']);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.polymeshNodeUrl).toBe('ws://127.0.0.1:9944');
  });

  it('sizes the request deadline for the largest upload on a slow link, and keeps every timeout on', () => {
    const c = loadConfig({});
    // 10 MiB at 512 kbit/s: 160 s.
    expect(c.http).toEqual({
      trustProxy: false,
      requestTimeoutMs: 160_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
    });
    expect(loadConfig({ UPLOAD_MAX_BYTES: '1024' }).http.requestTimeoutMs).toBe(60_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000', IDLE_TIMEOUT_MS: '1000' }).http).toMatchObject({
      requestTimeoutMs: 5000,
      idleTimeoutMs: 1000,
    });
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrowError(
      /REQUEST_TIMEOUT_MS must be at least 100/,
    );
    expect(() => loadConfig({ IDLE_TIMEOUT_MS: 'soon' })).toThrowError(/IDLE_TIMEOUT_MS/);
  });

  it('reads TRUST_PROXY as a switch, a hop count or a list of proxy addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
      '::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrowError(
      /TRUST_PROXY .* not 10\.0\.0\.0\/33/,
    );
    expect(() => loadConfig({ TRUST_PROXY: 'my-proxy' })).toThrowError(/TRUST_PROXY/);
  });

  it('has rate limits and shedding on by default, generous in tests, and configurable', () => {
    const c = loadConfig({});
    expect(c.rateLimits).toEqual({ auth: 30, account: 10, webhooks: 1200, reads: 1200, writes: 300 });
    expect(c.shedding).toEqual({
      maxEventLoopDelayMs: 1000,
      maxEventLoopUtilization: 0,
      maxHeapUsedBytes: 0,
      retryAfterSeconds: 10,
    });
    const t = loadConfig({ NODE_ENV: 'test' });
    expect(t.rateLimits.auth).toBeGreaterThanOrEqual(1000);
    expect(t.shedding.maxEventLoopDelayMs).toBe(0);
    const set = loadConfig({
      RATE_LIMIT_AUTH_PER_MINUTE: '5',
      RATE_LIMIT_READS_PER_MINUTE: '0',
      SHED_EVENT_LOOP_UTILIZATION: '0.95',
      SHED_HEAP_USED_MB: '1024',
      SHED_RETRY_AFTER_SECONDS: '30',
    });
    expect(set.rateLimits).toMatchObject({ auth: 5, reads: 0 });
    expect(set.shedding).toMatchObject({
      maxEventLoopUtilization: 0.95,
      maxHeapUsedBytes: 1024 ** 3,
      retryAfterSeconds: 30,
    });
    expect(() => loadConfig({ SHED_EVENT_LOOP_UTILIZATION: '1.5' })).toThrowError(
      /SHED_EVENT_LOOP_UTILIZATION/,
    );
    expect(() => loadConfig({ RATE_LIMIT_WRITES_PER_MINUTE: '-1' })).toThrowError(
      /RATE_LIMIT_WRITES_PER_MINUTE/,
    );
  });
});
