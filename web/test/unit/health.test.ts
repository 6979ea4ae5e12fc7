import { describe, expect, it } from 'vitest';
import { checkLabel, checkVariant, describeChecks, formatUptime, isHealth } from '../../src/system/health';
import { healthFixture } from './fixtures';

describe('health presentation', () => {
  it('maps each check status to a label and badge variant', () => {
    expect([checkLabel('ok'), checkVariant('ok')]).toEqual(['Operational', 'success']);
    expect([checkLabel('degraded'), checkVariant('degraded')]).toEqual(['Degraded', 'warning']);
    expect([checkLabel('down'), checkVariant('down')]).toEqual(['Down', 'danger']);
    expect([checkLabel('attention'), checkVariant('attention')]).toEqual(['Needs attention', 'warning']);
  });

  it('formats uptime compactly', () => {
    expect(formatUptime(42.9)).toBe('42s');
    expect(formatUptime(125)).toBe('2m');
    expect(formatUptime(3_725)).toBe('1h 2m');
    expect(formatUptime(93_784)).toBe('1d 2h 3m');
    expect(formatUptime(86_400)).toBe('1d 0h 0m');
  });

  it('tells a health report from an error body', () => {
    expect(isHealth(healthFixture())).toBe(true);
    expect(
      isHealth({ statusCode: 503, code: 'UNAVAILABLE', error: 'Service Unavailable', message: 'down' }),
    ).toBe(false);
  });

  it('describes the dependency checks, with placeholders for unknown values', () => {
    const health = healthFixture();
    health.checks.chain = {
      status: 'down',
      adapter: 'polymesh',
      chain: '',
      error: 'connect ECONNREFUSED 127.0.0.1:9944',
    };

    const [database, queue, chain] = describeChecks(health);

    expect(database?.rows).toEqual([
      { label: 'Server', value: 'PostgreSQL 16.4' },
      { label: 'Latency', value: '3 ms' },
    ]);
    expect(queue?.rows).toEqual([
      { label: 'Mode', value: 'In-process (no Redis)' },
      { label: 'Waiting', value: '3' },
    ]);
    expect(chain).toMatchObject({ status: 'down', error: 'connect ECONNREFUSED 127.0.0.1:9944' });
    expect(chain?.rows.map((r) => r.value)).toEqual(['Polymesh node', '—', '—', '—']);
  });

  it('describes the chain-operation outbox, and asks for attention in words when operations are stuck', () => {
    const health = healthFixture();
    const ok = describeChecks(health).find((c) => c.key === 'operations');
    expect(ok).toMatchObject({ status: 'ok', error: undefined });
    expect(ok?.rows).toContainEqual({ label: 'Oldest unfinished', value: '4s' });
    health.checks.operations = { ...health.checks.operations, status: 'attention', stuck: 3, retrying: 3 };
    const stuck = describeChecks(health).find((c) => c.key === 'operations');
    expect(stuck?.status).toBe('attention');
    expect(stuck?.rows).toContainEqual({ label: 'Stuck', value: '3' });
    expect(stuck?.error).toMatch(/unfinished for longer than they should take/);
  });

  it('describes the load, and says so when the server is turning requests away', () => {
    const health = healthFixture();
    const calm = describeChecks(health).find((c) => c.key === 'load');
    expect(calm).toMatchObject({ title: 'Load', status: 'ok', error: undefined });
    expect(calm?.rows.map((r) => r.value)).toEqual(['1 ms', '13%', '150 MB', '420 MB']);

    health.checks.load = { ...health.checks.load, status: 'shedding', eventLoopDelayMs: 1_834.2 };
    const busy = describeChecks(health).find((c) => c.key === 'load');
    expect(busy?.status).toBe('degraded');
    expect(busy?.rows[0]?.value).toBe('1,834 ms');
    expect(busy?.error).toMatch(/^Overloaded: new requests are turned away/);
  });

  it('shows notification e-mail when the server reports it, asking for attention when mail is given up', () => {
    const health = healthFixture();
    expect(describeChecks(health).some((c) => c.key === 'mail')).toBe(false);
    health.checks.mail = {
      status: 'attention',
      mode: 'smtp',
      waiting: 3,
      failed: 1,
      oldestWaitingSeconds: 720,
    };
    const mail = describeChecks(health).find((c) => c.key === 'mail');
    expect(mail).toMatchObject({ title: 'Notification e-mail', status: 'attention' });
    expect(mail?.rows.map((r) => `${r.label}: ${r.value}`)).toEqual([
      'Delivery: SMTP server',
      'Waiting: 3',
      'Given up: 1',
    ]);
    expect(mail?.error).toMatch(/could not be e-mailed/);
  });
});
