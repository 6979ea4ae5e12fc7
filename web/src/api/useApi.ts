import { inject } from 'vue';
import type { InjectionKey } from 'vue';
import type { ApiClient } from './client';

export const apiClientKey: InjectionKey<ApiClient> = Symbol('apiClient');

/** The app's one typed API client, provided in main.ts (and by tests with a stubbed fetch). */
export function useApi(): ApiClient {
  const client = inject(apiClientKey);
  if (!client) throw new Error('No API client provided: call app.provide(apiClientKey, createApiClient())');
  return client;
}
