import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { HttpLimits } from '../config.js';
import { AppError } from '../errors.js';
import { durationInWords } from '../lib/duration.js';
import { errorBody } from './errors.js';

/**
 * How long a client may take. Node's requestTimeout bounds the whole request (a body trickled
 * byte by byte); the idle timeout drops a connection that has gone silent (a body that stalls),
 * long before the request deadline. Both answer 408 in the app's error shape when no response
 * has started, instead of Fastify's bare "Client Timeout".
 */
export function httpTimeouts(limits: HttpLimits) {
  // The response in progress on each socket, to know whether a 408 may still be written on it.
  const responses = new WeakMap<object, ServerResponse>();

  const refuse = (socket: Duplex, err: AppError) => {
    const res = responses.get(socket);
    // Node's own rule: never write into a response that has begun (it would corrupt it).
    if (socket.writable && !res?.headersSent) {
      const body = JSON.stringify(errorBody(err));
      socket.write(
        `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };

  const clientErrorHandler = (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      return refuse(
        socket,
        new AppError(
          'REQUEST_TIMEOUT',
          `The request did not arrive in full within ${durationInWords(limits.requestTimeoutMs)}; retry on a faster connection or send a smaller body`,
        ),
      );
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      return refuse(
        socket,
        new AppError('HEADERS_TOO_LARGE', 'The request headers are too large; send fewer or shorter headers'),
      );
    }
    refuse(socket, new AppError('BAD_REQUEST', 'The request is not valid HTTP'));
  };

  const options = {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, limits.requestTimeoutMs),
      // Node checks request deadlines on this interval (30 s by default): a tenth of the deadline
      // keeps the overshoot small for short deadlines.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(limits.requestTimeoutMs / 10))),
    },
    clientErrorHandler,
  } satisfies Partial<FastifyServerOptions> & { http: object };

  const plugin = fp(
    async (app: FastifyInstance) => {
      app.addHook('onRequest', (request, reply, done) => {
        responses.set(request.raw.socket, reply.raw);
        done();
      });
      // With a listener here Node no longer destroys idle sockets itself: refuse() does.
      app.server.on('timeout', (socket: Duplex) => {
        const res = responses.get(socket);
        if (res && !res.req.complete) {
          refuse(
            socket,
            new AppError(
              'REQUEST_TIMEOUT',
              `The request stalled: nothing arrived for ${durationInWords(limits.idleTimeoutMs)}; send the body without pauses`,
            ),
          );
        } else {
          socket.destroy();
        }
      });
    },
    { name: 'stoa-timeouts' },
  );

  return { options, plugin };
}
