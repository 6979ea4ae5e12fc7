import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import { useApi } from '../api/useApi';
import type { Offering } from './offering';

/** Offerings the caller may see (staff: all, investors: launched ones), newest first. */
export function useOfferings() {
  const api = useApi();
  const offerings = ref<Offering[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(filter: (o: Offering) => boolean = () => true): Promise<void> {
    try {
      const list = await request(api.GET('/offerings', { params: { query: { limit: 200, offset: 0 } } }));
      offerings.value = list.items.filter(filter);
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  return { offerings, loaded, error, load };
}

/** One offering, re-read every `pollMs` while `poll()` runs (the live dashboard). */
export function useOffering(id: () => string, options: { pollMs?: number } = {}) {
  const api = useApi();
  const offering = ref<Offering | null>(null);
  const error = ref<ApiError | null>(null);
  const history = ref<{ at: number; raised: string }[]>([]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;

  async function load(): Promise<void> {
    try {
      const next = await request(api.GET('/offerings/{id}', { params: { path: { id: id() } } }));
      offering.value = next;
      const last = history.value.at(-1);
      if (!last || last.raised !== next.dashboard.raised)
        history.value = [...history.value.slice(-59), { at: Date.now(), raised: next.dashboard.raised }];
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    }
  }

  function poll(): void {
    if (polling) return;
    polling = true;
    const tick = async (): Promise<void> => {
      await load();
      if (polling) timer = setTimeout(() => void tick(), options.pollMs ?? 3_000);
    };
    void tick();
  }

  function stop(): void {
    polling = false;
    clearTimeout(timer);
  }

  return { offering, error, history, load, poll, stop };
}
