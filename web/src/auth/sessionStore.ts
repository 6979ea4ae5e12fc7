import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import { useApi } from '../api/useApi';
import { areasFor, homeFor } from './roles';

export type User = Schemas['User'];

/**
 * The session cookie is HttpOnly, so the page cannot see it. This flag remembers that a sign-in
 * happened here, so an anonymous visit does not ask /auth/me just to be told 401.
 */
const HINT_KEY = 'stoa.session';

function readHint(): boolean {
  try {
    return globalThis.localStorage?.getItem(HINT_KEY) === '1';
  } catch {
    return false;
  }
}

function writeHint(on: boolean): void {
  try {
    if (on) globalThis.localStorage?.setItem(HINT_KEY, '1');
    else globalThis.localStorage?.removeItem(HINT_KEY);
  } catch {
    // Storage may be disabled; the only cost is one extra /auth/me call.
  }
}

/** The signed-in user, from /auth/me; the cookie itself is the server's business. */
export const useSessionStore = defineStore('session', () => {
  const api = useApi();
  const user = ref<User | null>(null);
  const roles = ref<string[]>([]);
  const loaded = ref(false);
  let loading: Promise<void> | null = null;

  const signedIn = computed(() => user.value !== null);
  const areas = computed(() => areasFor(roles.value));
  const home = computed(() => homeFor(roles.value));

  function set(next: User | null): void {
    user.value = next;
    roles.value = next ? [...next.roles] : [];
    writeHint(next !== null);
  }

  async function fetchMe(): Promise<void> {
    try {
      const me = await request(api.GET('/auth/me'));
      set(me.user);
    } catch (cause) {
      if (!(cause instanceof ApiError) || cause.status !== 401) throw cause;
      set(null);
    } finally {
      loaded.value = true;
    }
  }

  /** Loads the session once; later calls wait for the same answer. */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve();
    if (!readHint()) {
      loaded.value = true;
      return Promise.resolve();
    }
    loading ??= fetchMe().finally(() => (loading = null));
    return loading;
  }

  async function login(email: string, password: string): Promise<User> {
    const session = await request(api.POST('/auth/login', { body: { email, password } }));
    set(session.user);
    loaded.value = true;
    return session.user;
  }

  async function register(input: { email: string; password: string; displayName: string }): Promise<User> {
    const session = await request(api.POST('/auth/register', { body: input }));
    set(session.user);
    loaded.value = true;
    return session.user;
  }

  async function logout(): Promise<void> {
    try {
      await request(api.POST('/auth/logout'));
    } finally {
      set(null);
    }
  }

  /** The server said 401 somewhere: the session is gone. */
  function expire(): void {
    set(null);
  }

  return { user, roles, loaded, signedIn, areas, home, ensureLoaded, login, register, logout, expire };
});
