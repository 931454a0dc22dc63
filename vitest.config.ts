import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous for a loaded 2-core machine, where one daemon may take up to a minute to start.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: integration tests start real daemons, so keep parallelism modest.
    maxWorkers: 2,
  },
});
