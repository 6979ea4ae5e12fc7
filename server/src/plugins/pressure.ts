import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SheddingConfig } from '../config.js';
import { AppError } from '../errors.js';
import { durationInWords } from '../lib/duration.js';
import { errorBody } from './errors.js';
import { routeRule } from './limits.js';

const REASONS: Record<string, string> = {
  eventLoopDelay: 'event loop delay',
  eventLoopUtilization: 'event loop utilization',
  heapUsedBytes: 'heap in use',
  rssBytes: 'resident memory',
};

/**
 * Load shedding: while the process is past a threshold (sampled each second), new requests are
 * refused at once with 503 and Retry-After instead of queueing behind the backlog. It runs
 * before authentication, so a refused request costs no database work. Exempt routes (/health)
 * keep answering, and report the load.
 */
export const pressurePlugin = fp(
  async (app: FastifyInstance, opts: SheddingConfig) => {
    let lastWarning = 0;
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      maxEventLoopUtilization: opts.maxEventLoopUtilization,
      // Utilization over the last sample, not since the process started.
      eventLoopUtilizationMode: 'interval',
      maxHeapUsedBytes: opts.maxHeapUsedBytes,
      retryAfter: opts.retryAfterSeconds,
      pressureHandler: async (request: FastifyRequest, reply: FastifyReply, type: string, value?: number) => {
        if (routeRule(request).class === 'exempt') return;
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          app.log.warn({ reason: type, value }, 'shedding load: refusing new requests with 503');
        }
        const err = new AppError(
          'SERVICE_UNAVAILABLE',
          `The server is too busy to take this request. Try again in ${durationInWords(opts.retryAfterSeconds * 1000)}.`,
          { reason: REASONS[type] ?? type, retryAfterSeconds: opts.retryAfterSeconds },
        );
        // Sent here rather than thrown: a flood of refusals must not become a flood of error logs.
        await reply
          .status(err.statusCode)
          .header('retry-after', opts.retryAfterSeconds)
          .send(errorBody(err, request.id));
      },
    });
  },
  { name: 'stoa-pressure', dependencies: ['stoa-errors'] },
);
