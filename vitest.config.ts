import { defineConfig } from 'vitest/config';

// Two projects, both run by `npm test` (and so by CI):
//   unit  reads fixtures and generated snapshots; seconds.
//   live  builds real namespaces, runs the collector, packs and installs the package,
//         drives Chromium; minutes. `npm run test:live` runs these alone,
//         `npm run test:unit` the rest.
// Files run one at a time so two suites never fight over /proc or the two cores.
// The global setup gives the run its own TMPDIR and fails the run if anything is left in it.
const LIVE = [
  'analyzer/test/collector/**/*.test.ts',
  'analyzer/test/oracle/**/*.test.ts',
  'analyzer/test/runtimes/**/*.test.ts',
  'analyzer/test/package/**/*.test.ts',
  'analyzer/test/diff/live.test.ts',
  'analyzer/test/report/*browser*.test.ts',
  'analyzer/test/hostile-corpus/**/*.test.ts',
];

const shared = { testTimeout: 60_000, hookTimeout: 60_000, setupFiles: ['analyzer/test/setup/scratch-cleanup.ts'] };

export default defineConfig({
  test: {
    fileParallelism: false,
    globalSetup: ['analyzer/test/setup/tmp-check.ts'],
    // Quiet on success: one dot per test, the failures in full, skip reasons as printed.
    reporters: process.env.NSNAP_TEST_REPORTER ? [process.env.NSNAP_TEST_REPORTER] : ['dot'],
    projects: [
      { extends: true, test: { ...shared, name: 'unit', include: ['analyzer/test/**/*.test.ts'], exclude: LIVE } },
      { extends: true, test: { ...shared, name: 'live', include: LIVE } },
    ],
  },
});
