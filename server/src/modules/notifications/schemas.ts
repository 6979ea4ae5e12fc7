import Type from 'typebox';

export const NotificationItem = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String({ description: 'Stable name of the event, e.g. `application.approved`' }),
    title: Type.Union([Type.String(), Type.Null()], { description: 'Short headline (the e-mail subject)' }),
    message: Type.String({ description: 'What happened, in words for the person told' }),
    link: Type.Union([Type.String(), Type.Null()], { description: 'Where in the portal it leads' }),
    data: Type.Unknown(),
    createdAt: Type.String({ format: 'date-time' }),
    readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    email: Type.Union(
      [Type.Literal('pending'), Type.Literal('sent'), Type.Literal('skipped'), Type.Literal('failed')],
      {
        description: 'Delivery of the e-mail copy',
      },
    ),
  },
  { $id: 'NotificationItem' },
);

export const NotificationQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Notices per page' }),
  ),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, default: 0, description: 'Notices to skip (newest first)' }),
  ),
  unread: Type.Optional(Type.Boolean({ description: 'Only notices not read yet' })),
});

export const NotificationPage = Type.Object({
  items: Type.Array(Type.Ref('NotificationItem')),
  total: Type.Integer({ description: 'Notices matching the query' }),
  unreadCount: Type.Integer({ description: 'All your unread notices' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const UnreadCount = Type.Object({ unreadCount: Type.Integer() });
export const MarkedRead = Type.Object({ marked: Type.Integer(), unreadCount: Type.Integer() });
