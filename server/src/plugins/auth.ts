import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

export type Role =
  | 'admin'
  | 'issuer-admin'
  | 'compliance-officer'
  | 'transfer-agent'
  | 'investor'
  | 'cdd-provider'
  | 'auditor';

export interface Principal {
  id: string;
  roles: Role[];
  kind: 'operator' | 'user' | 'api-key';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler factory: authenticated, and (if given) holding one of `roles`. */
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>;
  }
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Authentication. Today: the bootstrap operator token (ADMIN_TOKEN). User sessions and API keys
 * for machine clients plug in here as further resolvers.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { adminToken?: string }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header) return;
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      if (opts.adminToken && sameSecret(token, opts.adminToken)) {
        request.principal = { id: 'operator', roles: ['admin'], kind: 'operator' };
        return;
      }
      throw new AppError('UNAUTHENTICATED', 'The bearer token is not valid or has expired');
    });
    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      const p = request.principal;
      if (!p)
        throw new AppError(
          'UNAUTHENTICATED',
          'This endpoint needs authentication: send "Authorization: Bearer <token>"',
        );
      if (roles.length > 0 && !p.roles.includes('admin') && !roles.some((r) => p.roles.includes(r))) {
        throw new AppError('FORBIDDEN', `This endpoint needs one of the roles: ${roles.join(', ')}`);
      }
    });
  },
  { name: 'stoa-auth', dependencies: ['stoa-errors'] },
);
