import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  define: { __TUNEPLAN_VERSION__: JSON.stringify('test') },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/renderer/**/*.test.tsx', 'tests/renderer/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    setupFiles: ['tests/helpers/vitest-setup.ts'],
    testTimeout: 20_000,
  },
});
