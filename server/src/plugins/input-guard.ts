import type {
  FastifyInstance,
  FastifyRequest,
  onRequestHookHandler,
  preHandlerHookHandler,
  preValidationHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { findInputProblem } from '../lib/input.js';

function refuse(value: unknown, root: string): void {
  const found = findInputProblem(value, root);
  if (!found) return;
  throw new AppError('VALIDATION_FAILED', `${found.path} ${found.problem}`, {
    fields: [{ field: found.pointer, message: found.problem }],
  });
}

/**
 * One guard for every route (lib/input.ts says what it refuses): a 400 naming the field, long
 * before PostgreSQL or the ORM could turn the value into a 500 or a wrong answer. Headers are
 * checked first (credentials are resolved from them); path, query, cookies and body after the
 * route's role check, so callers without access learn nothing; and once more after
 * validation, which coerces query strings such as "1e309" into numbers.
 */
export const inputGuardPlugin = fp(
  async (app: FastifyInstance) => {
    const checkHeaders: onRequestHookHandler = async (request) => refuse(request.headers, 'headers');
    app.addHook('onRequest', checkHeaders);
    const checkInput: preValidationHookHandler = async (request: FastifyRequest) => {
      refuse(request.params, 'params');
      refuse(request.query, 'query');
      refuse(request.cookies, 'cookies');
      refuse(request.body, 'body');
    };
    const checkCoerced: preHandlerHookHandler = async (request: FastifyRequest) => {
      refuse(request.params, 'params');
      refuse(request.query, 'query');
      refuse(request.body, 'body');
    };
    const list = <T>(hooks: T | T[] | undefined): T[] => (hooks ? ([hooks].flat() as T[]) : []);
    app.addHook('onRoute', (route) => {
      route.preValidation = [...list(route.preValidation), checkInput];
      route.preHandler = [checkCoerced, ...list(route.preHandler)];
    });
  },
  { name: 'stoa-input-guard', dependencies: ['stoa-errors'] },
);
