import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Store tests share one Redis and one MariaDB; each file uses its own
    // key prefix / table, so files may run in parallel.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
