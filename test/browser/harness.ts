import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import type { Config, KycConfig } from '../../server/src/config.js';
import { createTestEnv, type TestEnv } from '../../server/test/helpers.js';
import { mailedToken } from '../../server/test/mail-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// STOA_WEB_DIST lets parallel work build the portal elsewhere; CI uses web/dist.
export const WEB_DIST =
  process.env.STOA_WEB_DIST ?? fileURLToPath(new URL('../../web/dist', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface Portal {
  env: TestEnv;
  app: FastifyInstance;
  baseUrl: string;
  browser: Browser;
  page: Page;
  /** Console errors and page errors seen so far; tests assert it stays empty. */
  consoleErrors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The built portal served by a real server on embedded defaults, driven by Debian's Chromium. */
/**
 * `kyc` changes the KYC settings of the server (e.g. the sandbox's own verdict delay); `config`
 * replaces other settings.
 */
export async function openPortal(
  opts: { kyc?: Partial<KycConfig>; config?: Partial<Config> } = {},
): Promise<Portal> {
  if (!existsSync(`${WEB_DIST}/index.html`))
    throw new Error('web/dist is missing: run `npm run build -w web` first');
  const env = await createTestEnv();
  env.config.webDist = WEB_DIST;
  const app = await env.app({
    config: {
      ...opts.config,
      ...(opts.kyc ? { kyc: { ...env.config.kyc, ...opts.config?.kyc, ...opts.kyc } } : {}),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const consoleErrors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    env,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    page,
    consoleErrors,
    async screenshot(name) {
      const path = `${ARTIFACTS}${name}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await env.close();
    },
  };
}

/** The portal address of the last `path` link (`/verify-email`, `/reset-password`) mailed to `to`. */
export async function mailedLink(portal: Portal, to: string, path: string): Promise<string> {
  return `${portal.baseUrl}${path}#token=${await mailedToken(portal.app, to, path)}`;
}
