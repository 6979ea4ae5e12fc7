import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_DEFAULTS, ENV_VARIABLES, loadConfig } from '../src/config.js';

const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const OWN_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
/** A production environment with nothing left on a development default. */
const PRODUCTION = {
  NODE_ENV: 'production',
  ENCRYPTION_KEY: 'ab'.repeat(32),
  ADMIN_TOKEN: 'an-operator-token-of-32-characters',
  SIGNER_MNEMONICS: OWN_MNEMONIC,
  KYC_PROVIDER: 'sandbox',
  SANDBOX_WEBHOOK_SECRET: 's'.repeat(32),
  BANK_IBAN: 'DE89 3704 0044 0532 0130 00',
};
const refusal = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('loadConfig', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const c = loadConfig({}, '/srv/stoa');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.polymeshNodeUrl).toBeUndefined();
    expect(c.dataDir).toBe('/srv/stoa/.data');
    expect(c.port).toBe(3000);
    expect(c.signers).toEqual(['//Alice']);
    // No key configured: one is generated into the data folder on first start.
    expect(c.encryption).toEqual({
      key: undefined,
      previousKeys: [],
      keyFile: '/srv/stoa/.data/keys/master.key',
    });
    expect(c.uploadMaxDocumentsPerApplication).toBe(20);
    expect(c.uploadMaxBytesPerApplication).toBe(50 * 1024 * 1024);
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
    expect(() => loadConfig({ PREVIOUS_ENCRYPTION_KEYS: `${'ab'.repeat(32)},nope` })).toThrowError(
      /PREVIOUS_ENCRYPTION_KEYS/,
    );
    expect(() => loadConfig({ UPLOAD_MAX_DOCUMENTS_PER_APPLICATION: '0' })).toThrowError(
      /UPLOAD_MAX_DOCUMENTS_PER_APPLICATION/,
    );
  });

  it('refuses the public development key of earlier versions as the key, and in production at all', () => {
    const legacy = Buffer.from('stoa-development-key-not-secret!').toString('base64');
    expect(() => loadConfig({ ENCRYPTION_KEY: legacy })).toThrowError(/public development key/);
    const fresh = 'cd'.repeat(32);
    const dev = loadConfig({
      ENCRYPTION_KEY: fresh,
      PREVIOUS_ENCRYPTION_KEYS: `${'ab'.repeat(32)}, ${legacy}`,
    });
    expect(dev.encryption.previousKeys.map((k) => k.length)).toEqual([32, 32]);
    expect(() =>
      loadConfig({ ...PRODUCTION, ENCRYPTION_KEY: fresh, PREVIOUS_ENCRYPTION_KEYS: legacy }),
    ).toThrowError(/PREVIOUS_ENCRYPTION_KEYS holds the public development key/);
  });

  it('accepts a production environment with nothing on a development default', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.encryption.key?.toString('hex')).toBe('ab'.repeat(32));
    expect(c.signersAreDevelopmentKeys).toBe(false);
  });

  // One case per development default: each is refused alone, and the message names the
  // variable and says what to set.
  const cases: [variable: string, change: Record<string, string | undefined>, advice: RegExp][] = [
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }, /openssl rand -hex 32/],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: undefined }, /at least 24 random characters/],
    ['SIGNER_MNEMONICS', { SIGNER_MNEMONICS: undefined }, /unset means \/\/Alice.*set your own mnemonics/],
    ['SIGNER_MNEMONICS', { SIGNER_MNEMONICS: '//Alice' }, /public development key/],
    ['SIGNER_MNEMONICS', { SIGNER_MNEMONICS: `${OWN_MNEMONIC}, //Bob//stash` }, /public development key/],
    ['SIGNER_MNEMONICS', { SIGNER_MNEMONICS: DEV_PHRASE }, /public development key/],
    ['SIGNER_MNEMONICS', { SIGNER_MNEMONICS: `${DEV_PHRASE}//stoa/1` }, /public development key/],
    ['KYC_PROVIDER', { KYC_PROVIDER: undefined }, /set sumsub or onfido/],
    ['BANK_IBAN', { BANK_IBAN: undefined }, /client-money account/],
  ];
  it.each(cases)('production refuses %s on a development default (%o)', (variable, change, advice) => {
    const message = refusal({ ...PRODUCTION, ...change });
    expect(message).toMatch(new RegExp(`^Invalid environment for NODE_ENV=production: ${variable} `));
    expect(message).toMatch(advice);
    // Only that variable is named.
    const named = DEVELOPMENT_DEFAULTS.filter((d) => message.includes(`${d.variable} `)).map(
      (d) => d.variable,
    );
    expect(new Set(named)).toEqual(new Set([variable]));
  });

  it('the list of development defaults is the one the cases cover', () => {
    expect(new Set(DEVELOPMENT_DEFAULTS.map((d) => d.variable))).toEqual(new Set(cases.map(([v]) => v)));
  });

  it('names every development default at once when production sets nothing', () => {
    const message = refusal({ NODE_ENV: 'production' });
    for (const d of DEVELOPMENT_DEFAULTS) expect(message).toContain(`${d.variable} ${d.fix}`);
  });

  it('accepts the development keys in production only with ALLOW_DEV_SIGNERS=true, and outside production', () => {
    const dev = { ...PRODUCTION, SIGNER_MNEMONICS: '//Alice' };
    expect(loadConfig({ ...dev, ALLOW_DEV_SIGNERS: 'true' }).signersAreDevelopmentKeys).toBe(true);
    expect(refusal({ ...dev, ALLOW_DEV_SIGNERS: 'false' })).toMatch(/SIGNER_MNEMONICS/);
    expect(refusal({ ...dev, ALLOW_DEV_SIGNERS: 'yes' })).toMatch(
      /ALLOW_DEV_SIGNERS must be one of true, false/,
    );
    expect(loadConfig({}).signersAreDevelopmentKeys).toBe(true);
  });

  it('says what a bad value must be, in words', () => {
    const message = refusal({ ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud', STARTUP_TIMEOUT_MS: '1e3' });
    expect(message).toBe(
      'Invalid environment: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; ' +
        'ADMIN_TOKEN must be at least 24 characters (openssl rand -base64 24); ' +
        'STARTUP_TIMEOUT_MS must be a whole number',
    );
  });

  it('gives start-up steps five minutes by default, configurable', () => {
    expect(loadConfig({}).startupTimeoutMs).toBe(300_000);
    expect(loadConfig({ STARTUP_TIMEOUT_MS: '0' }).startupTimeoutMs).toBe(0);
  });

  it('every variable is in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Layout'));
    const rows = table.split('\n').filter((l) => l.startsWith('|'));
    for (const name of ENV_VARIABLES) {
      expect(
        rows.some((r) => r.split('|')[1]?.includes(`\`${name}\``)),
        name,
      ).toBe(true);
    }
  });

  it('npm start refuses a bad environment before it builds anything', () => {
    const t0 = Date.now();
    const r = spawnSync('npm', ['start'], {
      cwd: new URL('../..', import.meta.url),
      env: { PATH: process.env.PATH, ADMIN_TOKEN: 'too-short' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Invalid environment: ADMIN_TOKEN must be at least 24 characters');
    expect(r.stdout).not.toContain('tsc -b'); // what the build's first step echoes
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);

  it('refuses incomplete vendor settings', () => {
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
