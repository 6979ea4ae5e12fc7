import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import type { Access, AccessChange } from './accounts.js';
import type { User } from './entity.js';
import { CAN } from './roles.js';
import { serializeUser } from './routes.js';
import {
  AccessChangeResponse,
  CreateUserBody,
  IdParams,
  ReasonBody,
  SECURITY,
  SetRolesBody,
  UserAccountBody,
  UserBody,
} from './schemas.js';

const tags = ['auth'];

function serializeAccount(user: User, access: Access) {
  return {
    ...serializeUser(user),
    disabledAt: user.disabledAt?.toISOString() ?? null,
    disabledReason: user.disabledReason,
    access,
  };
}

const serializeChange = (c: AccessChange) => ({ user: serializeAccount(c.user, c.access), ended: c.ended });

/** User administration: create, list, roles, disable and enable (administrators). */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(UserBody);
  app.addSchema(UserAccountBody);
  const accounts = app.accountService;

  app.post(
    '/users',
    {
      config: { roles: CAN.manageUsers },
      schema: {
        tags,
        summary: 'Create a user with roles (issuer staff, CDD providers, auditors)',
        security: SECURITY,
        body: CreateUserBody,
        response: { 201: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await app.authService.createUser(request.principal!.id, request.body);
      return reply.status(201).send(serializeUser(user));
    },
  );

  app.get(
    '/users',
    {
      config: { roles: CAN.readUsers },
      schema: {
        tags,
        summary: 'All users, with their live sessions and API keys',
        security: SECURITY,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('UserAccount')) }), ...errorResponses },
      },
    },
    async () => ({ items: (await accounts.list()).map((a) => serializeAccount(a.user, a.access)) }),
  );

  app.put(
    '/users/:id/roles',
    {
      config: { roles: CAN.manageUsers },
      schema: {
        tags,
        summary:
          "Replace a user's roles (audited with the reason). Removing a role ends the user's sessions; " +
          'their API keys keep only roles the user still holds, and a key left with none is revoked',
        security: SECURITY,
        params: IdParams,
        body: SetRolesBody,
        response: { 200: AccessChangeResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { roles, reason } = request.body;
      return serializeChange(
        await accounts.setRoles(request.principal!, request.params.id, roles, reason.trim()),
      );
    },
  );

  app.post(
    '/users/:id/disable',
    {
      config: { roles: CAN.manageUsers },
      schema: {
        tags,
        summary:
          'Disable a user (audited with the reason): they cannot log in, and every session and API key of ' +
          'theirs stops working at once',
        security: SECURITY,
        params: IdParams,
        body: ReasonBody,
        response: { 200: AccessChangeResponse, ...errorResponses },
      },
    },
    async (request) =>
      serializeChange(
        await accounts.disable(request.principal!, request.params.id, request.body.reason.trim()),
      ),
  );

  app.post(
    '/users/:id/two-factor/reset',
    {
      config: { roles: CAN.manageUsers },
      schema: {
        tags,
        summary:
          "Remove a user's two-factor sign-in (audited with the reason), e.g. after a lost phone: their " +
          'sessions end, and staff set it up again at their next sign-in',
        security: SECURITY,
        params: IdParams,
        body: ReasonBody,
        response: {
          200: Type.Object({ sessionsEnded: Type.Integer({ minimum: 0 }) }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      app.twoFactorService.reset(request.principal!, request.params.id, request.body.reason.trim()),
  );

  app.post(
    '/users/:id/enable',
    {
      config: { roles: CAN.manageUsers },
      schema: {
        tags,
        summary:
          'Enable a disabled user (audited with the reason): they can log in again; the sessions and API ' +
          'keys the disabling ended stay ended',
        security: SECURITY,
        params: IdParams,
        body: ReasonBody,
        response: { 200: AccessChangeResponse, ...errorResponses },
      },
    },
    async (request) =>
      serializeChange(
        await accounts.enable(request.principal!, request.params.id, request.body.reason.trim()),
      ),
  );
};
