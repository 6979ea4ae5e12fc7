import type {
  FastifyInstance,
  FastifyRequest,
  onRequestHookHandler,
  preValidationHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { findTextProblem } from '../lib/text.js';

function refuse(value: unknown, root: string): void {
  const found = findTextProblem(value, root);
  if (!found) return;
  throw new AppError('VALIDATION_FAILED', `${found.path} ${found.problem}`, {
    fields: [{ field: found.pointer, message: found.problem }],
  });
}

/**
 * One guard for every route: a NUL, a lone surrogate or absurd nesting anywhere in the headers,
 * cookies, path, query or body is a 400 naming the field, before validation and long before
 * PostgreSQL could refuse it with a 500. Headers are checked first (credentials are resolved
 * from them); the rest after the route's role check, so callers without access learn nothing.
 */
export const textGuardPlugin = fp(
  async (app: FastifyInstance) => {
    const checkHeaders: onRequestHookHandler = async (request) => refuse(request.headers, 'headers');
    app.addHook('onRequest', checkHeaders);
    const checkInput: preValidationHookHandler = async (request: FastifyRequest) => {
      refuse(request.params, 'params');
      refuse(request.query, 'query');
      refuse(request.cookies, 'cookies');
      refuse(request.body, 'body');
    };
    app.addHook('onRoute', (route) => {
      route.preValidation = [...(route.preValidation ? [route.preValidation].flat() : []), checkInput];
    });
  },
  { name: 'stoa-text-guard', dependencies: ['stoa-errors'] },
);
