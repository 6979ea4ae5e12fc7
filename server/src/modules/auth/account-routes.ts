import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../schemas.js';
import { sessionCookie } from './routes.js';
import {
  CodeBody,
  ConfirmEmailBody,
  Message,
  RecoveryCodes,
  ResetPasswordBody,
  ResetRequestBody,
  SECURITY,
  SessionResponse,
  TwoFactorEnrolment,
  TwoFactorLoginBody,
  TwoFactorStatus,
  UserBody,
} from './schemas.js';
import { RESET_ANSWER } from './self-service.js';

const tags = ['auth'];

/**
 * A person's own account: confirming the address, resetting a forgotten password, the second
 * sign-in step, and setting up two-factor sign-in (TOTP).
 */
export const accountRoutes: FastifyPluginAsyncTypebox<{ secureCookies: boolean }> = async (app, opts) => {
  app.addSchema(UserBody);
  const links = app.accountLinks;
  const twoFactor = app.twoFactorService;

  app.post(
    '/auth/verify-email',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Confirm the e-mail address with the token from the sign-up link, and sign in',
        body: ConfirmEmailBody,
        response: { 201: SessionResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await links.verifyEmail(request.body.token, request.ip);
      const s = await app.authService.sessionAfterConfirmation(user.id, request.ip);
      return reply.status(201).send(sessionCookie(reply, s, opts.secureCookies));
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'Ask for a password reset link by e-mail. The answer is the same whether or not the address ' +
          'is registered; a link works once, within 1 hour',
        body: ResetRequestBody,
        response: { 202: Message, ...errorResponses },
      },
    },
    async (request, reply) => {
      await links.requestReset(request.body.email, request.ip);
      return reply.status(202).send({ message: RESET_ANSWER });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'Choose a new password with the token from the reset link; every session of the account ends',
        body: ResetPasswordBody,
        response: { 200: Message, ...errorResponses },
      },
    },
    async (request) => {
      await links.resetPassword(request.body.token, request.body.password, request.ip);
      return { message: 'Your password is changed, and you are signed out everywhere. Sign in with it now.' };
    },
  );

  app.post(
    '/auth/login/two-factor',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Second sign-in step: the challenge from /auth/login and a code from the authenticator app',
        body: TwoFactorLoginBody,
        response: { 200: SessionResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const s = await app.authService.completeTwoFactor(
        request.body.challenge,
        request.body.code,
        request.ip,
      );
      return sessionCookie(reply, s, opts.secureCookies);
    },
  );

  app.get(
    '/auth/two-factor',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Whether your account has two-factor sign-in, and whether your roles need it',
        security: SECURITY,
        response: { 200: TwoFactorStatus, ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      const status = p.userId ? await twoFactor.status(p.userId) : { enrolled: false, recoveryCodesLeft: 0 };
      return { ...status, required: p.kind === 'user' && app.authService.twoFactorRequired(p.roles) };
    },
  );

  app.post(
    '/auth/two-factor/enrolment',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary:
          'Start setting up two-factor sign-in: a new secret, as a QR code and as text, for an ' +
          'authenticator app. It is asked at sign-in once confirmed with a code',
        security: SECURITY,
        response: { 200: TwoFactorEnrolment, ...errorResponses },
      },
    },
    async (request) => twoFactor.begin(request.principal!),
  );

  app.post(
    '/auth/two-factor/enrolment/confirm',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Finish setting up two-factor sign-in with a code from the app; answers the recovery codes',
        security: SECURITY,
        body: CodeBody,
        response: { 200: RecoveryCodes, ...errorResponses },
      },
    },
    async (request) => ({ recoveryCodes: await twoFactor.confirm(request.principal!, request.body.code) }),
  );

  app.post(
    '/auth/two-factor/disable',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary:
          'Turn two-factor sign-in off with a current code or a recovery code (staff must set it up again ' +
          'before staff pages answer)',
        security: SECURITY,
        body: CodeBody,
        response: { 200: Message, ...errorResponses },
      },
    },
    async (request) => {
      await twoFactor.disable(request.principal!, request.body.code);
      return { message: 'Two-factor sign-in is off for your account.' };
    },
  );
};
