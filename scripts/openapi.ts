/**
 * Writes the server's OpenAPI document to web/src/api/openapi.json and regenerates the portal's
 * typed client (web/src/api/schema.d.ts). Run after changing any route: `npm run openapi`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';

const dir = await mkdtemp(join(tmpdir(), 'stoa-openapi-'));
try {
  const app = await buildApp(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }));
  const doc = app.swagger();
  await app.close();
  const target = fileURLToPath(new URL('../web/src/api/openapi.json', import.meta.url));
  await writeFile(target, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${target}`);
  execFileSync('npm', ['run', 'generate:api', '-w', 'web'], { stdio: 'inherit' });
} finally {
  await rm(dir, { recursive: true, force: true });
}
