import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const chainSrc = fileURLToPath(new URL('./chain/src/index.ts', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@stoa\/chain\/(countries|error-text|identifiers|limits|units)$/,
        replacement: fileURLToPath(new URL('./chain/src/$1.ts', import.meta.url)),
      },
      { find: '@stoa/chain', replacement: chainSrc },
    ],
  },
  test: {
    projects: [
      { extends: true, test: { name: 'chain', include: ['chain/test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'server',
          include: ['server/test/**/*.test.ts', 'server/src/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: { name: 'web', include: ['web/test/unit/**/*.test.ts'], environment: 'happy-dom' },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
