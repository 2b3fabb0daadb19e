import { defineConfig } from 'vitest/config';

// Four projects: `unit` needs nothing but Node; `daemons` feeds rendered files
// to the real checkers (haproxy, bird, gobgpd, gdnsd); `integration` runs real
// daemons in network namespaces and on loopback; `lab` boots the user-mode-linux
// kernel. scripts/test.sh runs daemons and integration one file at a time,
// because their timings are measured on 2 cores, and the lab beside them.
export default defineConfig({
  test: {
    projects: [
      // The unit project starts the CLI as a process in a few tests: seconds on a loaded 2-core machine.
      { test: { name: 'unit', testTimeout: 30000, include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**', 'test/daemons/**', 'test/integration/**', 'test/lab/**'] } },
      { test: { name: 'daemons', include: ['test/daemons/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000 } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 90000, hookTimeout: 90000 } },
      // The lab end to end: one boot of the user-mode-linux kernel for the whole suite.
      { test: { name: 'lab', include: ['test/lab/**/*.test.ts'], testTimeout: 3300000, hookTimeout: 3300000 } },
    ],
  },
});
