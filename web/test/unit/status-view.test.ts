import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import StatusView from '../../src/system/StatusView.vue';
import { healthFixture, jsonResponse } from './fixtures';

function mountStatus(fetch: (req: Request) => Promise<Response>) {
  return mount(StatusView, {
    props: { refreshIntervalMs: 0 },
    global: {
      plugins: [createPinia()],
      provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
      stubs: { RouterLink: true },
    },
  });
}

function card(wrapper: ReturnType<typeof mountStatus>, key: string) {
  return wrapper.get(`[data-check="${key}"]`);
}

describe('StatusView', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders the database, queue and chain checks from /health', async () => {
    const fetch = vi.fn(async (_req: Request) => jsonResponse(healthFixture()));
    const wrapper = mountStatus(fetch);
    await flushPromises();

    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0].url).toBe('http://stoa.test/health');

    const overall = wrapper.get('[data-test="health-overall"]');
    expect(overall.text()).toContain('Degraded');
    expect(overall.text()).toContain('0.1.0');
    expect(overall.text()).toContain('up 1h 2m');
    expect(overall.get('[data-variant]').attributes('data-variant')).toBe('warning');

    expect(card(wrapper, 'database').text()).toContain('Operational');
    expect(card(wrapper, 'database').text()).toContain('PostgreSQL 16.4');
    expect(card(wrapper, 'queue').text()).toContain('Operational');
    expect(card(wrapper, 'queue').text()).toContain('In-process (no Redis)');
    const chain = card(wrapper, 'chain');
    expect(chain.text()).toContain('Embedded ledger');
    expect(chain.text()).toContain('12,345');
    expect(chain.get('[data-variant]').attributes('data-variant')).toBe('success');
    expect(wrapper.find('[data-test="health-error"]').exists()).toBe(false);
  });

  it('shows which dependency is down when /health answers 503 with its report', async () => {
    const report = healthFixture({ status: 'down' });
    report.checks.database = { status: 'down', kind: 'postgresql', error: 'connection refused' };
    const wrapper = mountStatus(async () => jsonResponse(report, 503));
    await flushPromises();

    expect(wrapper.get('[data-test="health-overall"]').text()).toContain('Down');
    expect(card(wrapper, 'database').text()).toContain('connection refused');
    expect(card(wrapper, 'database').get('[data-variant]').attributes('data-variant')).toBe('danger');
    expect(wrapper.find('[data-test="health-error"]').exists()).toBe(false);
  });

  it('shows the error message when the server cannot be reached', async () => {
    const wrapper = mountStatus(async () => {
      throw new TypeError('Failed to fetch');
    });
    await flushPromises();

    expect(wrapper.get('[data-test="health-error"]').text()).toContain('could not be reached');
    expect(wrapper.find('[data-test="health-overall"]').exists()).toBe(false);
  });

  it('refreshes on demand', async () => {
    const fetch = vi
      .fn(async (_req: Request) => jsonResponse(healthFixture()))
      .mockResolvedValueOnce(jsonResponse(healthFixture({ status: 'degraded' })))
      .mockResolvedValueOnce(jsonResponse(healthFixture({ status: 'ok' })));
    const wrapper = mountStatus(fetch);
    await flushPromises();
    expect(wrapper.get('[data-test="health-overall"]').text()).toContain('Degraded');

    await wrapper.get('button').trigger('click');
    await flushPromises();

    expect(fetch).toHaveBeenCalledTimes(2);
    expect(wrapper.get('[data-test="health-overall"]').text()).toContain('Operational');
  });
});
