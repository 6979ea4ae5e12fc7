import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { createApiClient } from '../../src/api/client';
import OperationStatus from '../../src/operations/OperationStatus.vue';
import type { ChainOperation } from '../../src/operations/status';
import { useOperation } from '../../src/operations/useOperation';
import { jsonResponse, operationFixture } from './fixtures';

/** Stands in for the browser's EventSource: the test pushes messages and errors by hand. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }

  emit(operation: ChainOperation | string): void {
    const data = typeof operation === 'string' ? operation : JSON.stringify(operation);
    this.onmessage?.(new MessageEvent('message', { data }));
  }

  fail(): void {
    this.onerror?.(new Event('error'));
  }

  close(): void {
    this.closed = true;
  }
}

const createEventSource = (url: string) => new FakeEventSource(url) as unknown as EventSource;
const op = (overrides: Partial<ChainOperation>) => operationFixture(overrides);
const id = operationFixture().id;

function follow(fetch: (req: Request) => Promise<Response>, withStream = true) {
  const scope = effectScope();
  const api = createApiClient({ baseUrl: 'http://stoa.test', fetch });
  const state = scope.run(() =>
    useOperation(id, {
      api,
      pollIntervalMs: 1_000,
      createEventSource: withStream ? createEventSource : null,
    }),
  );
  if (!state) throw new Error('scope did not run');
  return { ...state, stop: () => scope.stop() };
}

beforeEach(() => {
  FakeEventSource.opened = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('useOperation', () => {
  it('follows the event stream to finalised and closes it', async () => {
    const fetch = vi.fn(async (_req: Request) => jsonResponse(op({})));
    const state = follow(fetch);
    const source = FakeEventSource.opened[0];
    expect(source?.url).toBe(`/operations/${id}/events`);
    expect(state.transport.value).toBe('stream');

    source?.emit(op({ status: 'submitted', attempts: 1, updatedAt: '2025-01-01T10:00:01Z' }));
    expect(state.operation.value?.status).toBe('submitted');
    source?.emit('not json');
    source?.emit(op({ status: 'in-block', updatedAt: '2025-01-01T10:00:03Z' }));
    source?.emit(op({ status: 'submitted', updatedAt: '2025-01-01T10:00:02Z' }));
    expect(state.operation.value?.status).toBe('in-block');

    source?.emit(op({ status: 'finalised', updatedAt: '2025-01-01T10:00:09Z' }));
    expect(state.operation.value?.status).toBe('finalised');
    expect(state.done.value).toBe(true);
    expect(source?.closed).toBe(true);
    expect(state.transport.value).toBe('idle');
    expect(fetch).not.toHaveBeenCalled();
    state.stop();
  });

  it('falls back to polling when the stream fails, until a terminal status', async () => {
    const answers = [
      op({ status: 'submitted', updatedAt: '2025-01-01T10:00:01Z' }),
      op({
        status: 'failed',
        attempts: 1,
        updatedAt: '2025-01-01T10:00:04Z',
        error: { code: 'ComplianceFailure', message: 'Receiver is not accredited' },
      }),
    ];
    const fetch = vi.fn(async (_req: Request) => jsonResponse(answers.shift() ?? op({})));
    const state = follow(fetch);

    FakeEventSource.opened[0]?.fail();
    expect(FakeEventSource.opened[0]?.closed).toBe(true);
    expect(state.transport.value).toBe('polling');
    await vi.advanceTimersByTimeAsync(0);
    expect(state.operation.value?.status).toBe('submitted');

    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.operation.value?.status).toBe('failed');
    expect(state.operation.value?.error?.code).toBe('ComplianceFailure');

    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    state.stop();
  });

  it('stops polling on 404 and reports the error', async () => {
    const body = {
      statusCode: 404,
      code: 'OPERATION_NOT_FOUND',
      error: 'Not Found',
      message: 'No such operation.',
    };
    const fetch = vi.fn(async (_req: Request) => jsonResponse(body, 404));
    const state = follow(fetch, false);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(state.error.value?.message).toBe('No such operation.');
    expect(state.transport.value).toBe('idle');
    state.stop();
  });

  it('keeps polling with backoff through network errors', async () => {
    const fetch = vi
      .fn(async (_req: Request): Promise<Response> => {
        throw new TypeError('Failed to fetch');
      })
      .mockImplementationOnce(async () => {
        throw new TypeError('Failed to fetch');
      });
    const state = follow(fetch, false);
    await vi.advanceTimersByTimeAsync(0);
    expect(state.error.value?.status).toBe(0);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);

    state.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('restarts when the id changes', async () => {
    const scope = effectScope();
    const current = ref<string | null>('a');
    const api = createApiClient({ baseUrl: 'http://stoa.test', fetch: async () => jsonResponse(op({})) });
    scope.run(() => useOperation(current, { api, createEventSource }));

    current.value = 'b';
    await nextTick();
    expect(FakeEventSource.opened.map((s) => [s.url, s.closed])).toEqual([
      ['/operations/a/events', true],
      ['/operations/b/events', false],
    ]);
    scope.stop();
    expect(FakeEventSource.opened[1]?.closed).toBe(true);
  });
});

describe('OperationStatus', () => {
  it('shows progress and the chain error of a failed operation', async () => {
    const wrapper = mount(OperationStatus, {
      props: {
        operationId: id,
        options: { api: createApiClient({ baseUrl: 'http://stoa.test' }), createEventSource },
      },
    });
    FakeEventSource.opened[0]?.emit(
      op({ status: 'in-block', attempts: 1, updatedAt: '2025-01-01T10:00:02Z' }),
    );
    await nextTick();
    expect(wrapper.get('[data-test="operation-status"]').text()).toBe('In block');
    expect(wrapper.get('[aria-current="step"]').text()).toContain('In block');

    const failed = op({
      status: 'failed',
      attempts: 1,
      updatedAt: '2025-01-01T10:00:05Z',
      error: { code: 'InsufficientBalance', message: 'Sender balance too low' },
      receipt: { txHash: '0xfeed', blockNumber: 42, blockHash: '0xbeef' },
    });
    FakeEventSource.opened[0]?.emit(failed);
    await flushPromises();

    expect(wrapper.get('[data-test="operation-status"]').text()).toBe('Failed');
    // The chain's code is said in words, never shown.
    expect(wrapper.get('[data-test="operation-error"]').text()).toBe(
      'You do not have enough of this asset for the transfer.',
    );
    expect(wrapper.text()).toContain('0xfeed');
    expect(wrapper.emitted('settled')).toEqual([[failed]]);
    wrapper.unmount();
  });
});
