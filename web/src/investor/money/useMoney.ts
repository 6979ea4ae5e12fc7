import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import { useApi } from '../../api/useApi';

type MyMoney = Awaited<ReturnType<typeof loadMoney>>;
const loadMoney = (api: ReturnType<typeof useApi>) => request(api.GET('/treasury/me'));

/** The investor's deposit instructions, stablecoin balance and money history; and withdrawals. */
export function useMoney() {
  const api = useApi();
  const money = ref<MyMoney | null>(null);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      money.value = await loadMoney(api);
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  async function withdraw(amount: string, payTo: string) {
    const w = await request(api.POST('/treasury/me/withdrawals', { body: { amount, payTo } }));
    await load();
    return w;
  }

  return { money, loaded, error, load, withdraw };
}
