import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `daemons` feeds rendered files to
// the real checkers (haproxy, bird, gobgpd, gdnsd) and runs real daemons.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**', 'test/daemons/**', 'test/integration/**'] } },
      { test: { name: 'daemons', include: ['test/daemons/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, fileParallelism: false } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, fileParallelism: false } },
    ],
  },
});
