import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Serves the built portal and falls back to index.html for the portal's own routes. */
export const webPlugin = fp(
  async (app: FastifyInstance, { root }: { root?: string }) => {
    if (!root || !existsSync(join(root, 'index.html'))) {
      app.log.info({ root }, 'portal build not found; serving the API only');
      return;
    }
    await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
    app.decorate('portalRoot', root);
  },
  { name: 'stoa-web' },
);

declare module 'fastify' {
  interface FastifyInstance {
    portalRoot?: string;
  }
}
