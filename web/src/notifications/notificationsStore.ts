import { defineStore } from 'pinia';
import { ref } from 'vue';
import { request } from '../api/client';
import { useApi } from '../api/useApi';
import type { Notice } from './notifications';

const PAGE = 20;

/**
 * The signed-in user's notices: the unread count (polled, for the bell) and the list the
 * notifications page shows, page by page. Marking read updates both at once.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const api = useApi();
  const unreadCount = ref(0);
  const items = ref<Notice[]>([]);
  const total = ref(0);
  const loaded = ref(false);

  async function refreshCount(): Promise<void> {
    unreadCount.value = (await request(api.GET('/notifications/unread-count'))).unreadCount;
  }

  /** The first page again (newest first). */
  async function load(): Promise<void> {
    const page = await request(api.GET('/notifications', { params: { query: { limit: PAGE, offset: 0 } } }));
    items.value = page.items;
    total.value = page.total;
    unreadCount.value = page.unreadCount;
    loaded.value = true;
  }

  async function loadMore(): Promise<void> {
    const page = await request(
      api.GET('/notifications', { params: { query: { limit: PAGE, offset: items.value.length } } }),
    );
    const seen = new Set(items.value.map((n) => n.id));
    items.value = [...items.value, ...page.items.filter((n) => !seen.has(n.id))];
    total.value = page.total;
    unreadCount.value = page.unreadCount;
  }

  async function markRead(id: string): Promise<void> {
    const note = items.value.find((n) => n.id === id);
    if (note?.readAt) return;
    const updated = await request(api.POST('/notifications/{id}/read', { params: { path: { id } } }));
    items.value = items.value.map((n) => (n.id === id ? updated : n));
    await refreshCount();
  }

  async function markAllRead(): Promise<void> {
    const result = await request(api.POST('/notifications/read-all'));
    const now = new Date().toISOString();
    items.value = items.value.map((n) => (n.readAt ? n : { ...n, readAt: now }));
    unreadCount.value = result.unreadCount;
  }

  function reset(): void {
    unreadCount.value = 0;
    items.value = [];
    total.value = 0;
    loaded.value = false;
  }

  return { unreadCount, items, total, loaded, refreshCount, load, loadMore, markRead, markAllRead, reset };
});
