import type { Schemas } from '../api/client';

export type Notice = Schemas['NotificationItem'];

/** "3 unread" for the bell's label; the badge shows 99+ past 99. */
export function unreadLabel(count: number): string {
  return count === 0 ? 'Notifications, none unread' : `Notifications, ${count} unread`;
}

export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** When a notice arrived, in the reader's own time zone and language: "Today, 14:05" or a date. */
export function noticeTime(iso: string, now = new Date(), locale?: string): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const sameDay = (a: Date, b: Date) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  if (sameDay(d, now)) return `Today, ${time}`;
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (sameDay(d, yesterday)) return `Yesterday, ${time}`;
  return d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Only links into the portal are followed (a notice never sends anyone elsewhere). */
export function portalLink(link: string | null): string | null {
  return link && link.startsWith('/') && !link.startsWith('//') ? link : null;
}
