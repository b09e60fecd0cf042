import { defineConfig } from 'vitest/config';

// Live-namespace tests spawn real processes; give them room, and run files one at a
// time so two suites never fight over /proc or the two cores.
export default defineConfig({
  test: {
    include: ['analyzer/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
