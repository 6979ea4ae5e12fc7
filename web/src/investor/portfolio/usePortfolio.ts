import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';

type Holdings = Awaited<ReturnType<typeof loadHoldings>>['holdings'];
type Subscriptions = Awaited<ReturnType<typeof loadSubscriptions>>['items'];
const loadHoldings = (api: ReturnType<typeof useApi>) => request(api.GET('/identities/me/portfolio'));
const loadSubscriptions = (api: ReturnType<typeof useApi>) =>
  request(api.GET('/identities/me/subscriptions'));

/** The investor's balances (from the chain) and subscriptions (from the platform). */
export function usePortfolio() {
  const api = useApi();
  const identity = ref<Schemas['InvestorIdentity'] | null>(null);
  const holdings = ref<Holdings>([]);
  const subscriptions = ref<Subscriptions>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const [me, portfolio, subs] = await Promise.all([
        request(api.GET('/identities/me')),
        loadHoldings(api),
        loadSubscriptions(api),
      ]);
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

  return { identity, holdings, subscriptions, loaded, error, load };
}
