import { storeToRefs } from 'pinia';
import { onScopeDispose, ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import { useApi } from '../api/useApi';
import { useOnboardingStore } from './onboardingStore';
import { awaitingOthers } from './progress';

export type Identity = Schemas['InvestorIdentity'];
export type Notification = {
  id: string;
  kind: string;
  message: string;
  createdAt: string;
  readAt: string | null;
};

/**
 * Everything the status page shows: the application, the identity once attested, and
 * notifications. Refreshes on its own while the next move is someone else's (KYC vendor,
 * reviewer, chain), and stops when the page goes away.
 */
export function useInvestorStatus(options: { refreshMs?: number } = {}) {
  const api = useApi();
  const store = useOnboardingStore();
  const { application, loaded } = storeToRefs(store);
  const identity = ref<Identity | null>(null);
  const notifications = ref<Notification[]>([]);
  const error = ref<ApiError | null>(null);
  const refreshMs = options.refreshMs ?? 2_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function refresh(): Promise<void> {
    try {
      const app = await store.load();
      if (store.error) throw store.error;
      // Only an attested investor has an identity; asking earlier would be a 404.
      identity.value =
        app?.status === 'approved'
          ? await request(api.GET('/identities/me')).catch(() => identity.value)
          : null;
      notifications.value = (await request(api.GET('/notifications'))).items;
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    }
    if (!stopped && awaitingOthers(application.value, identity.value)) {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), refreshMs);
    }
  }

  onScopeDispose(() => {
    stopped = true;
    clearTimeout(timer);
  });

  return { application, loaded, identity, notifications, error, refresh };
}
