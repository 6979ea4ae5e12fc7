import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';

type Holdings = Awaited<ReturnType<typeof loadHoldings>>['holdings'];
type Subscriptions = Awaited<ReturnType<typeof loadSubscriptions>>['items'];
type Lockups = Awaited<ReturnType<typeof loadLockups>>['items'];
const loadLockups = (api: ReturnType<typeof useApi>) => request(api.GET('/identities/me/lockups'));
const loadHoldings = (api: ReturnType<typeof useApi>) => request(api.GET('/identities/me/portfolio'));
const loadSubscriptions = (api: ReturnType<typeof useApi>) =>
  request(api.GET('/identities/me/subscriptions'));

/** The investor's balances (from the chain), subscriptions and lock-ups (from the platform). */
export function usePortfolio() {
  const api = useApi();
  const identity = ref<Schemas['InvestorIdentity'] | null>(null);
  const holdings = ref<Holdings>([]);
  const subscriptions = ref<Subscriptions>([]);
  const lockups = ref<Lockups>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const [me, portfolio, subs, locks] = await Promise.all([
        request(api.GET('/identities/me')),
        loadHoldings(api),
        loadSubscriptions(api),
        loadLockups(api),
      ]);
      lockups.value = locks.items;
      identity.value = me;
      holdings.value = portfolio.holdings;
      subscriptions.value = subs.items;
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  return { identity, holdings, subscriptions, lockups, loaded, error, load };
}
