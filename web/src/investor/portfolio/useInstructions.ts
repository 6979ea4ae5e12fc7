import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';

type Pending = Awaited<ReturnType<typeof loadPage>>['items'][number];
const loadPage = (api: ReturnType<typeof useApi>, offset: number) =>
  request(api.GET('/identities/me/instructions', { params: { query: { limit: 200, offset } } }));

/** Every waiting instruction: the server pages through the investor's settlements. */
async function loadPending(api: ReturnType<typeof useApi>): Promise<{ items: Pending[] }> {
  const items: Pending[] = [];
  for (let offset: number | null = 0; offset !== null;) {
    const page = await loadPage(api, offset);
    items.push(...page.items);
    offset = page.next ?? null;
  }
  return { items };
}

/** Settlement instructions that involve this investor and wait for affirmations. */
export function useInstructions() {
  const api = useApi();
  const items = ref<Pending[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      items.value = (await loadPending(api)).items;
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  async function act(id: string, action: 'affirm' | 'reject'): Promise<Schemas['ChainOperation']> {
    const path = { id };
    return request(
      action === 'affirm'
        ? api.POST('/settlements/{id}/affirm', { params: { path }, body: {} })
        : api.POST('/settlements/{id}/reject', { params: { path }, body: {} }),
    );
  }

  return { items, loaded, error, load, act };
}
