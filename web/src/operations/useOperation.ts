import { computed, onScopeDispose, ref, toValue, watch } from 'vue';
import type { MaybeRefOrGetter } from 'vue';
import { ApiError, request } from '../api/client';
import type { ApiClient } from '../api/client';
import { sessionGate } from '../api/sessionGate';
import { useApi } from '../api/useApi';
import type { ChainOperation } from './status';
import { isNewer, isTerminal, operationSteps, parseOperationJson } from './status';

export type OperationTransport = 'idle' | 'stream' | 'polling';

export interface UseOperationOptions {
  /** Defaults to the client provided to the app. */
  api?: ApiClient;
  /** Prefix of the event-stream URL; same origin by default. */
  baseUrl?: string;
  pollIntervalMs?: number;
  /** Opens the event stream; null forces polling. Defaults to the browser's EventSource. */
  createEventSource?: ((url: string) => EventSource) | null;
}

const MAX_BACKOFF_FACTOR = 8;

function defaultEventSource(): ((url: string) => EventSource) | null {
  // Streams close when the user signs out, before the session ends on the server.
  return typeof EventSource === 'function' ? (url) => sessionGate.track(new EventSource(url)) : null;
}

/**
 * Follows a chain operation until it is finalised or failed: server-sent events first, and
 * polling GET /operations/:id when the stream is unavailable or breaks.
 */
export function useOperation(
  id: MaybeRefOrGetter<string | null | undefined>,
  options: UseOperationOptions = {},
) {
  const api = options.api ?? useApi();
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const openStream =
    options.createEventSource === undefined ? defaultEventSource() : options.createEventSource;

  const operation = ref<ChainOperation | null>(null);
  const error = ref<ApiError | null>(null);
  const transport = ref<OperationTransport>('idle');
  let stop = (): void => {};

  function follow(operationId: string): () => void {
    let active = true;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const finish = (): void => {
      active = false;
      if (source) sessionGate.forget(source);
      source?.close();
      source = null;
      clearTimeout(timer);
      transport.value = 'idle';
    };

    const accept = (next: ChainOperation): void => {
      if (!active || next.id !== operationId) return;
      if (isNewer(operation.value, next)) operation.value = next;
      error.value = null;
      if (isTerminal(next.status)) finish();
    };

    const poll = async (): Promise<void> => {
      try {
        accept(await request(api.GET('/operations/{id}', { params: { path: { id: operationId } } })));
        failures = 0;
      } catch (cause) {
        if (!active) return;
        if (!(cause instanceof ApiError)) throw cause;
        error.value = cause;
        // A missing or malformed id will not heal; anything else (network, 5xx) may.
        if (cause.status >= 400 && cause.status < 500 && cause.status !== 429) return finish();
        failures += 1;
      }
      if (!active) return;
      timer = setTimeout(() => void poll(), pollIntervalMs * Math.min(2 ** failures, MAX_BACKOFF_FACTOR));
    };

    const startPolling = (): void => {
      if (source) sessionGate.forget(source);
      source?.close();
      source = null;
      if (!active) return;
      transport.value = 'polling';
      void poll();
    };

    if (openStream) {
      try {
        source = openStream(`${options.baseUrl ?? ''}/operations/${encodeURIComponent(operationId)}/events`);
        transport.value = 'stream';
        source.onmessage = (event: MessageEvent<string>) => {
          const next = parseOperationJson(event.data);
          if (next) accept(next);
        };
        // EventSource would reconnect on its own, but a proxy that buffers or drops the stream
        // would keep failing; polling is slower but always works.
        source.onerror = () => startPolling();
      } catch {
        startPolling();
      }
    } else {
      startPolling();
    }

    return finish;
  }

  watch(
    () => toValue(id),
    (operationId) => {
      stop();
      operation.value = null;
      error.value = null;
      stop = operationId ? follow(operationId) : () => {};
    },
    { immediate: true },
  );
  onScopeDispose(() => stop());

  return {
    operation,
    error,
    transport,
    done: computed(() => (operation.value ? isTerminal(operation.value.status) : false)),
    steps: computed(() => (operation.value ? operationSteps(operation.value) : [])),
  };
}
