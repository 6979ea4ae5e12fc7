import { fileURLToPath } from 'node:url';
import type { IncomingMessage } from 'node:http';
import { defineConfig } from 'vite';
import type { ProxyOptions } from 'vite';
import vue from '@vitejs/plugin-vue';

/** Top-level paths the API serves at the root; the dev server forwards them to the API. */
export const API_PATHS = [
  '/health',
  '/docs',
  '/operations',
  '/auth',
  '/onboarding',
  '/cdd',
  '/identities',
  '/notifications',
  '/users',
  '/kyc',
  '/assets',
  '/compliance',
  '/offerings',
  '/settlements',
  '/corporate-actions',
  '/cap-table',
  '/audit',
  '/reports',
];

const API_TARGET = process.env.STOA_API_URL ?? 'http://127.0.0.1:3000';

// Some portal routes share a prefix with the API (/cdd, /audit): a browser navigation asks for
// HTML, so it gets the SPA; fetch and EventSource calls go on to the API.
function spaNavigation(req: IncomingMessage): string | undefined {
  const accept = req.headers.accept ?? '';
  if (req.url?.startsWith('/docs')) return undefined;
  return req.method === 'GET' && accept.includes('text/html') ? '/index.html' : undefined;
}

const proxy: Record<string, ProxyOptions> = Object.fromEntries(
  API_PATHS.map((path) => [
    `^${path}(?=/|\\?|$)`,
    { target: API_TARGET, changeOrigin: false, bypass: spaNavigation },
  ]),
);

export default defineConfig({
  plugins: [vue()],
  // Pure modules shared with the chain and server (identifier checksums, chain limits, amount units).
  resolve: {
    alias: [
      {
        find: /^@stoa\/chain\/(countries|error-text|identifiers|limits|units)$/,
        replacement: fileURLToPath(new URL('../chain/src/$1.ts', import.meta.url)),
      },
    ],
  },
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
  // Bundles go to /static/, so they never share a path with the API's /assets routes.
  build: { outDir: 'dist', assetsDir: 'static', emptyOutDir: true, sourcemap: true },
});
