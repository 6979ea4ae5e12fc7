import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, toAppError, type AppErrorCode } from '../errors.js';
import { fieldProblems, type SchemaProblem } from './validation-messages.js';

/** The ErrorBody every error response carries (schemas.ts). */
export function errorBody(err: AppError, requestId?: string) {
  return {
    statusCode: err.statusCode,
    code: err.code,
    error: STATUS_CODES[err.statusCode] ?? 'Error',
    message: err.message,
    ...(requestId ? { requestId } : {}),
    ...(err.details ? { details: err.details } : {}),
  };
}

function send(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  return reply.status(err.statusCode).send(errorBody(err, request.id));
}

const MAX_REPORTED_FIELDS = 20;

/** Fastify's own 4xx errors, rephrased so the client learns what to fix. */
function fromFastifyError(err: FastifyError): AppError | undefined {
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const fields = fieldProblems(where, err.validation as readonly SchemaProblem[]);
    // allErrors reports every bad item of a long array; the first few say what to fix.
    const shown = fields.slice(0, MAX_REPORTED_FIELDS);
    const more = fields.length - shown.length;
    const summary = shown.map((f) => `${f.field} ${f.message}`).join('; ');
    return new AppError(
      'VALIDATION_FAILED',
      `Invalid ${where}: ${summary}${more ? ` (and ${more} more)` : ''}`,
      {
        fields: shown,
      },
    );
  }
  const byCode: Record<string, [AppErrorCode, string]> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: [
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported Content-Type; send application/json (${err.message})`,
    ],
    FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'Request body is larger than this endpoint accepts'],
    FST_ERR_CTP_EMPTY_JSON_BODY: [
      'BAD_REQUEST',
      'Body is empty but Content-Type is application/json; send a JSON body or omit the header',
    ],
    FST_ERR_CTP_INVALID_JSON_BODY: ['BAD_REQUEST', `Body is not valid JSON: ${err.message}`],
  };
  const hit = err.code ? byCode[err.code] : undefined;
  if (hit) return new AppError(hit[0], hit[1]);
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new AppError('BAD_REQUEST', `Body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode === 429) return new AppError('RATE_LIMITED', err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError(err.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', err.message);
  }
  return undefined;
}

/** The one place that turns errors into HTTP responses. 5xx text never leaves the server. */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const appError = toAppError(error) ?? fromFastifyError(error);
      // The database refusing a request's value means a route schema lacks a bound: say so.
      if (appError?.details?.sqlState) request.log.warn({ err: error }, 'database refused a request value');
      if (appError && appError.statusCode < 500) return send(reply, request, appError);
      if (appError) {
        request.log.warn({ err: error }, appError.message);
        return send(reply, request, appError);
      }
      request.log.error({ err: error }, 'unhandled error');
      return send(
        reply,
        request,
        new AppError('INTERNAL', 'Internal server error; the request id identifies it in the logs'),
      );
    });
  },
  { name: 'stoa-errors' },
);
