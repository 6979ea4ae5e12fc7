import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, toApiError } from '../api/client';
import { useApi } from '../api/useApi';
import type { Health } from './health';
import { isHealth } from './health';

/** Server health, shared by the status page and the indicator in the app shell. */
export const useHealthStore = defineStore('health', () => {
  const api = useApi();
  const health = ref<Health | null>(null);
  const error = ref<ApiError | null>(null);
  const loading = ref(false);
  const checkedAt = ref<Date | null>(null);
  let inFlight: Promise<void> | null = null;

  async function load(): Promise<void> {
    try {
      const { data, error: body, response } = await api.GET('/health');
      // A 503 still carries the full report: show which dependency is down, not just "error".
      const report = data ?? (isHealth(body) ? body : null);
      if (report) {
        health.value = report;
        error.value = null;
      } else {
        error.value = toApiError(body, response.status);
      }
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : toApiError(undefined, 0);
    } finally {
      checkedAt.value = new Date();
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      loading.value = true;
      try {
        await load();
      } finally {
        loading.value = false;
        inFlight = null;
      }
    })();
    return inFlight;
  }

  return { health, error, loading, checkedAt, refresh };
});
