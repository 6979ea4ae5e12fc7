import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import { useApi } from '../../api/useApi';

type Api = ReturnType<typeof useApi>;
const loadBook = (api: Api, id: string) =>
  request(api.GET('/assets/{id}/book', { params: { path: { id } } }));
const loadOrders = (api: Api, assetId: string) =>
  request(api.GET('/orders', { params: { query: { assetId } } }));
const loadTrades = (api: Api, assetId: string) =>
  request(api.GET('/trades', { params: { query: { assetId } } }));

export type Book = Awaited<ReturnType<typeof loadBook>>;
export type MyOrder = Awaited<ReturnType<typeof loadOrders>>['items'][number];
export type MyTrade = Awaited<ReturnType<typeof loadTrades>>['items'][number];
export interface OrderInput {
  side: 'buy' | 'sell';
  price: string;
  quantity: string;
  goodTill?: string;
  consent: boolean;
}

const FINAL = new Set(['settled', 'failed']);

/** One asset's market: the book, the investor's orders and trades; placing and cancelling orders. */
export function useTrading(assetId: string) {
  const api = useApi();
  const book = ref<Book | null>(null);
  const orders = ref<MyOrder[]>([]);
  const trades = ref<MyTrade[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const [b, o, t] = await Promise.all([
        loadBook(api, assetId),
        loadOrders(api, assetId),
        loadTrades(api, assetId),
      ]);
      book.value = b;
      orders.value = o.items;
      trades.value = t.items;
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  /** Trades still on their way to the chain: the page looks again until they are settled or failed. */
  const settling = () => trades.value.some((t) => !FINAL.has(t.status));

  async function place(input: OrderInput) {
    const out = await request(
      api.POST('/assets/{id}/orders', { params: { path: { id: assetId } }, body: input }),
    );
    await load();
    return out;
  }

  async function cancel(orderId: string) {
    const out = await request(api.POST('/orders/{id}/cancel', { params: { path: { id: orderId } } }));
    await load();
    return out;
  }

  return { book, orders, trades, loaded, error, load, place, cancel, settling };
}
