import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import { useApi } from '../api/useApi';
import type { Role } from '../auth/roles';
import type { UserAccount } from './users';

/** The user list and the administrator's changes to it; each change reloads the list. */
export function useUsers() {
  const api = useApi();
  const users = ref<UserAccount[]>([]);
  const loading = ref(false);
  const loadError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      users.value = (await request(api.GET('/users'))).items;
      loadError.value = null;
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      loadError.value = cause;
    } finally {
      loading.value = false;
    }
  }

  const path = (id: string) => ({ params: { path: { id } } });

  async function setEnabled(id: string, enabled: boolean, reason: string) {
    const call = enabled
      ? api.POST('/users/{id}/enable', { ...path(id), body: { reason } })
      : api.POST('/users/{id}/disable', { ...path(id), body: { reason } });
    const change = await request(call);
    await load();
    return change;
  }

  async function setRoles(id: string, roles: Role[], reason: string) {
    const change = await request(api.PUT('/users/{id}/roles', { ...path(id), body: { roles, reason } }));
    await load();
    return change;
  }

  return { users, loading, loadError, load, setEnabled, setRoles };
}
