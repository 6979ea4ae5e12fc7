import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import { useApi } from '../api/useApi';

type Deposits = Awaited<ReturnType<typeof loadDeposits>>['items'];
type Withdrawals = Awaited<ReturnType<typeof loadWithdrawals>>['items'];
const loadDeposits = (api: ReturnType<typeof useApi>) => request(api.GET('/treasury/deposits'));
const loadWithdrawals = (api: ReturnType<typeof useApi>) => request(api.GET('/treasury/withdrawals'));

/** The treasury console: deposits recorded, withdrawals to pay out, and the operator's actions. */
export function useTreasury() {
  const api = useApi();
  const deposits = ref<Deposits>([]);
  const withdrawals = ref<Withdrawals>([]);
  const currency = ref('');
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const [d, w] = await Promise.all([loadDeposits(api), loadWithdrawals(api)]);
      deposits.value = d.items;
      currency.value = d.currency.name;
      withdrawals.value = w.items;
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  const lookup = (reference: string) =>
    request(api.GET('/treasury/accounts/{reference}', { params: { path: { reference } } }));

  async function recordDeposit(body: { reference: string; amount: string; bankTxId: string }) {
    const d = await request(api.POST('/treasury/deposits', { body }));
    await load();
    return d;
  }

  async function markPaid(id: string, bankReference: string) {
    const w = await request(
      api.POST('/treasury/withdrawals/{id}/paid', { params: { path: { id } }, body: { bankReference } }),
    );
    await load();
    return w;
  }

  return { currency, deposits, withdrawals, loaded, error, load, lookup, recordDeposit, markPaid };
}
