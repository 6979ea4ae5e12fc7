import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import { useApi } from '../api/useApi';
import type { AdvanceRequest, AdvanceResult, ChainClock } from './clock';

/** The chain's clock as the server reports it, and the administrator's moves of it. */
export function useChainClock() {
  const api = useApi();
  const clock = ref<ChainClock | null>(null);
  const loading = ref(false);
  const loadError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      clock.value = await request(api.GET('/dev/clock'));
      loadError.value = null;
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      loadError.value = cause;
    } finally {
      loading.value = false;
    }
  }

  /** Moves the clock, then reads it again (the chain's time keeps running on its own). */
  async function advance(body: AdvanceRequest): Promise<AdvanceResult> {
    const result = await request(api.POST('/dev/clock/advance', { body }));
    await load();
    return result;
  }

  return { clock, loading, loadError, load, advance };
}
