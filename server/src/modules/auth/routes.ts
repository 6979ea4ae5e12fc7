import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import type { ApiKey, Session, User } from './entity.js';
import {
  ApiKeyBody,
  CreateApiKeyBody,
  CreatedApiKey,
  IdParams,
  LoginBody,
  Message,
  RegisterBody,
  SECURITY,
  SessionResponse,
  TwoFactorChallenge,
  UserBody,
} from './schemas.js';
import { signUpAnswer } from './self-service.js';
import { twoFactorFirst } from '../../plugins/auth.js';
import { SESSION_COOKIE } from './service.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function serializeUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    roles: u.roles,
    disabled: u.disabled,
    lastLoginAt: iso(u.lastLoginAt),
    createdAt: u.createdAt.toISOString(),
  };
}

function serializeKey(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    roles: k.roles,
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
    createdAt: k.createdAt.toISOString(),
  };
}

export function sessionCookie(
  reply: FastifyReply,
  s: { user: User; token: string; session: Session },
  secure: boolean,
) {
  reply.setCookie(SESSION_COOKIE, s.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    expires: s.session.expiresAt,
  });
  return { user: serializeUser(s.user), token: s.token, expiresAt: s.session.expiresAt.toISOString() };
}

export const authRoutes: FastifyPluginAsyncTypebox<{ secureCookies: boolean }> = async (app, opts) => {
  app.addSchema(UserBody);
  app.addSchema(ApiKeyBody);
  const auth = app.authService;

  const startSession = (reply: FastifyReply, s: { user: User; token: string; session: Session }) =>
    sessionCookie(reply, s, opts.secureCookies);

  app.post(
    '/auth/register',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary:
          'Sign up as an investor: a confirmation link is mailed to the address (POST /auth/verify-email ' +
          'then opens the account). The answer is the same whether or not the address is registered; ' +
          'its holder is told by e-mail that someone tried. Other roles are granted by an administrator',
        body: RegisterBody,
        response: { 202: Message, ...errorResponses },
      },
    },
    async (request, reply) => {
      await app.accountLinks.register(request.body, request.ip);
      return reply.status(202).send({ message: signUpAnswer(request.body.email.trim().toLowerCase()) });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary:
          'Log in with e-mail and password: a session cookie for the portal, a token for API clients. ' +
          'With two-factor sign-in set up, a challenge instead: send it with a code to /auth/login/two-factor',
        body: LoginBody,
        response: { 200: Type.Union([SessionResponse, TwoFactorChallenge]), ...errorResponses },
      },
    },
    async (request, reply) => {
      const s = await auth.login(request.body.email, request.body.password, request.ip);
      if (s.kind === 'two-factor') {
        return {
          twoFactor: 'required' as const,
          challenge: s.challenge,
          expiresAt: s.expiresAt.toISOString(),
        };
      }
      return startSession(reply, s);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { roles: [] },
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        security: SECURITY,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const token = bearer ?? request.cookies[SESSION_COOKIE];
      if (token && request.principal?.kind === 'user') await auth.logout(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { roles: [] },
      schema: {
        tags: ['auth'],
        summary: 'Who is calling: the principal and, for users and API keys, the user',
        security: SECURITY,
        response: {
          200: Type.Object({
            actor: Type.String(),
            kind: Type.Union([Type.Literal('operator'), Type.Literal('user'), Type.Literal('api-key')]),
            roles: Type.Array(Type.String()),
            user: Type.Union([Type.Ref('User'), Type.Null()]),
            twoFactor: Type.Object({
              enrolled: Type.Boolean(),
              required: Type.Boolean({ description: 'Staff pages answer only once it is set up' }),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = request.principal!;
      const user = p.userId ? await auth.getUser(app.infra.db.orm.em.fork(), p.userId) : null;
      const enrolled = p.userId ? (await app.twoFactorService.status(p.userId)).enrolled : false;
      return {
        actor: p.id,
        kind: p.kind,
        roles: [...p.roles],
        user: user ? serializeUser(user) : null,
        twoFactor: { enrolled, required: p.kind === 'user' && auth.twoFactorRequired(p.roles) },
      };
    },
  );

  app.post(
    '/auth/api-keys',
    {
      config: { roles: [] },
      schema: {
        tags: ['auth'],
        summary: 'Create an API key acting for you (e.g. a CDD provider system); the key is shown once',
        security: SECURITY,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.principal!.kind === 'api-key') {
        throw new AppError('FORBIDDEN', 'An API key cannot create API keys; log in as the user');
      }
      // A key would otherwise be a way around the second factor staff must have.
      if (request.principal!.twoFactorMissing) throw twoFactorFirst();
      const { name, roles, expiresAt } = request.body;
      if (expiresAt && new Date(expiresAt) <= new Date()) {
        throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future');
      }
      const { key, token } = await auth.createApiKey(request.principal!, {
        name,
        roles,
        expiresAt: expiresAt ? new Date(expiresAt) : undefined,
      });
      return reply.status(201).send({ apiKey: serializeKey(key), token });
    },
  );

  app.get(
    '/auth/api-keys',
    {
      config: { roles: [] },
      schema: {
        tags: ['auth'],
        summary: 'Your API keys (never the secrets)',
        security: SECURITY,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('ApiKey')) }), ...errorResponses },
      },
    },
    async (request) => {
      const userId = request.principal!.userId;
      return { items: userId ? (await auth.listApiKeys(userId)).map(serializeKey) : [] };
    },
  );

  app.delete(
    '/auth/api-keys/:id',
    {
      config: { roles: [] },
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API key (yours; an administrator may revoke any)',
        security: SECURITY,
        params: IdParams,
        response: { 200: Type.Ref('ApiKey'), ...errorResponses },
      },
    },
    async (request) => serializeKey(await auth.revokeApiKey(request.principal!, request.params.id)),
  );
};
