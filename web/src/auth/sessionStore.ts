import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import { sessionGate } from '../api/sessionGate';
import { useApi } from '../api/useApi';
import { areasFor, homeFor } from './roles';

export type User = Schemas['User'];

/** A correct password for an account with two-factor sign-in: a code comes next. */
export interface TwoFactorStep {
  challenge: string;
}

export type SignInResult = { user: User } | TwoFactorStep;

/** Whether the account has two-factor sign-in, and whether its roles need it (from /auth/me). */
export interface TwoFactorState {
  enrolled: boolean;
  required: boolean;
}

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
  const twoFactor = ref<TwoFactorState>({ enrolled: false, required: false });
  const loaded = ref(false);
  let loading: Promise<void> | null = null;

  const signedIn = computed(() => user.value !== null);
  const areas = computed(() => areasFor(roles.value));
  const home = computed(() => homeFor(roles.value));
  /** Staff who must set up two-factor sign-in before staff pages answer them. */
  const mustEnrol = computed(() => twoFactor.value.required && !twoFactor.value.enrolled);

  function set(next: User | null): void {
    if (next) sessionGate.open();
    user.value = next;
    roles.value = next ? [...next.roles] : [];
    if (!next) twoFactor.value = { enrolled: false, required: false };
    writeHint(next !== null);
  }

  async function fetchMe(): Promise<void> {
    try {
      const me = await request(api.GET('/auth/me'));
      set(me.user);
      twoFactor.value = me.twoFactor;
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

  /** After a session opened: the user, and what /auth/me says about their second factor. */
  async function signedInAs(next: User): Promise<User> {
    set(next);
    await fetchMe();
    return user.value ?? next;
  }

  async function login(email: string, password: string): Promise<SignInResult> {
    const answer = await request(api.POST('/auth/login', { body: { email, password } }));
    if ('challenge' in answer) return { challenge: answer.challenge };
    return { user: await signedInAs(answer.user) };
  }

  /** The second sign-in step: a code from the authenticator app, or a recovery code. */
  async function completeTwoFactor(challenge: string, code: string): Promise<User> {
    const session = await request(api.POST('/auth/login/two-factor', { body: { challenge, code } }));
    return signedInAs(session.user);
  }

  /** Sign-up mails a confirmation link; the answer says so (the same for every address). */
  async function register(input: { email: string; password: string; displayName: string }): Promise<string> {
    return (await request(api.POST('/auth/register', { body: input }))).message;
  }

  /** Opens the account with the token of the mailed link, and signs in. */
  async function confirmEmail(token: string): Promise<User> {
    const session = await request(api.POST('/auth/verify-email', { body: { token } }));
    return signedInAs(session.user);
  }

  /** Call after setting up or turning off two-factor sign-in. */
  function setTwoFactor(next: TwoFactorState): void {
    twoFactor.value = next;
  }

  async function logout(): Promise<void> {
    // Requests already sent finish first, so none of them meets an ended session.
    await sessionGate.close();
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

  return {
    user,
    roles,
    loaded,
    signedIn,
    areas,
    home,
    twoFactor,
    mustEnrol,
    ensureLoaded,
    login,
    completeTwoFactor,
    register,
    confirmEmail,
    setTwoFactor,
    logout,
    expire,
  };
});
