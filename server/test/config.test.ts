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

  it('keeps Idempotency-Keys 24 hours unless IDEMPOTENCY_TTL_HOURS says otherwise', () => {
    expect(loadConfig({}).idempotencyTtlMs).toBe(24 * 3600_000);
    expect(loadConfig({ IDEMPOTENCY_TTL_HOURS: '48' }).idempotencyTtlMs).toBe(48 * 3600_000);
    expect(() => loadConfig({ IDEMPOTENCY_TTL_HOURS: '0' })).toThrowError(/IDEMPOTENCY_TTL_HOURS/);
    expect(() => loadConfig({ IDEMPOTENCY_TTL_HOURS: '1.5' })).toThrowError(/IDEMPOTENCY_TTL_HOURS/);
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
});
