import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { SECURITY } from '../auth/schemas.js';
import { Notification } from '../identities/entity.js';
import { MarkedRead, NotificationItem, NotificationPage, NotificationQuery, UnreadCount } from './schemas.js';

const tags = ['notifications'];

export function serializeNotification(n: Notification) {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: n.id,
    kind: n.kind,
    title: text(n.data.title),
    message: n.message,
    link: text(n.data.link),
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
    email: n.emailStatus,
  };
}

/** The signed-in user's notices: list (paged, with the unread count), mark read. */
export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(NotificationItem);
  const em = () => app.infra.db.orm.em.fork();
  // The operator token and keys without a user have no notices of their own.
  const me = (request: FastifyRequest) => request.principal?.userId ?? null;
  const unread = (userId: string) => em().count(Notification, { userId, readAt: null });

  app.get(
    '/notifications',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Your notifications, newest first, with how many are unread',
        security: SECURITY,
        querystring: NotificationQuery,
        response: { 200: NotificationPage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit = 20, offset = 0, unread: onlyUnread } = request.query;
      const userId = me(request);
      if (!userId) return { items: [], total: 0, unreadCount: 0, limit, offset };
      const where = { userId, ...(onlyUnread ? { readAt: null } : {}) };
      const [rows, total] = await em().findAndCount(Notification, where, {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit,
        offset,
      });
      return {
        items: rows.map(serializeNotification),
        total,
        unreadCount: await unread(userId),
        limit,
        offset,
      };
    },
  );

  app.get(
    '/notifications/unread-count',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'How many of your notifications are unread (for the bell; cheap to poll)',
        security: SECURITY,
        response: { 200: UnreadCount, ...errorResponses },
      },
    },
    async (request) => {
      const userId = me(request);
      return { unreadCount: userId ? await unread(userId) : 0 };
    },
  );

  app.post(
    '/notifications/:id/read',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Mark one of your notifications read (again: no change)',
        security: SECURITY,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Ref('NotificationItem'), ...errorResponses },
      },
    },
    async (request) => {
      const userId = me(request);
      const e = em();
      // Someone else's notice answers like a missing one: ids reveal nothing.
      const n = userId ? await e.findOne(Notification, { id: request.params.id, userId }) : null;
      if (!n) throw new AppError('NOT_FOUND', 'This notification does not exist or is not yours');
      if (!n.readAt) {
        n.readAt = new Date();
        await e.flush();
      }
      return serializeNotification(n);
    },
  );

  app.post(
    '/notifications/read-all',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Mark all your notifications read',
        security: SECURITY,
        response: { 200: MarkedRead, ...errorResponses },
      },
    },
    async (request) => {
      const userId = me(request);
      if (!userId) return { marked: 0, unreadCount: 0 };
      const marked = await em().nativeUpdate(Notification, { userId, readAt: null }, { readAt: new Date() });
      return { marked, unreadCount: await unread(userId) };
    },
  );
};
