import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    portalRoot?: string;
  }
}

/** A browser navigation (not fetch, not EventSource) to a path outside the API docs. */
export function isPortalNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !request.url.startsWith('/docs') && !isFileDownload(request.url);
}

/** API files a browser opens by navigating to them (offering documents), never portal routes. */
const FILE_DOWNLOADS = [/^\/offerings\/[^/?]+\/documents\/[^/?]+(\?|$)/];
const isFileDownload = (url: string) => FILE_DOWNLOADS.some((re) => re.test(url));

/**
 * Serves the built portal. Portal routes share prefixes with the API (/cdd, /audit, /assets/:id):
 * a browser navigation asks for HTML and gets the portal, whose router takes over; API calls
 * (fetch, EventSource) never ask for HTML and reach the API.
 */
export const webPlugin = fp(
  async (app: FastifyInstance, { root }: { root?: string }) => {
    if (!root || !existsSync(join(root, 'index.html'))) {
      app.log.info({ root }, 'portal build not found; serving the API only');
      return;
    }
    await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false, serve: true });
    app.decorate('portalRoot', root);
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isPortalNavigation(request)) return;
      const path = request.url.split('?')[0] ?? '/';
      // Files of the build (favicon, bundles) are served as files.
      if (/\.[a-z0-9]+$/i.test(path) && existsSync(join(root, path))) return;
      return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html', root);
    });
  },
  { name: 'stoa-web' },
);
