import { ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';

type Settlement = Awaited<ReturnType<typeof loadOne>>;
async function loadOne(api: ReturnType<typeof useApi>, id: string) {
  return request(api.GET('/settlements/{id}', { params: { path: { id } } }));
}

/** Whether a settlement leg moves tokens into or out of the identity `did`. */
export function involves(legs: readonly unknown[], did: string): boolean {
  return legs.some((leg) => {
    if (typeof leg !== 'object' || leg === null) return false;
    const { from, to } = leg as { from?: unknown; to?: unknown };
    const didOf = (p: unknown) =>
      typeof p === 'string' ? p : typeof p === 'object' && p !== null ? (p as { did?: unknown }).did : null;
    return didOf(from) === did || didOf(to) === did;
  });
}

/**
 * Settlement instructions waiting for this investor. There is no per-investor list in the API,
 * so the ids come from the chain operations that created them.
 */
export function useInstructions() {
  const api = useApi();
  const items = ref<Settlement[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const me = await request(api.GET('/identities/me'));
      const ops = await request(
        api.GET('/operations', { params: { query: { subjectType: 'settlement', limit: 200, offset: 0 } } }),
      );
      const ids = [...new Set(ops.items.flatMap((op) => (op.subject ? [op.subject.id] : [])))];
      const all = await Promise.all(ids.map((id) => loadOne(api, id).catch(() => null)));
      items.value = all.filter(
        (s): s is Settlement => s !== null && s.status === 'Pending' && !!me.did && involves(s.legs, me.did),
      );
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
