// Temporary folders for tests, removed after the test file's last test (the setup file
// test/setup/scratch-cleanup.ts calls removeScratch in afterAll) and, as a fallback, when
// the test process exits. A test file need not track every fixture it writes. The run's
// global setup (test/setup/tmp-check.ts) fails the run if anything is still left.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let hooked = false;

/** A new private folder under TMPDIR, removed at process exit. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeScratch);
  }
  return dir;
}

/** Removes every folder scratchDir made in this process so far. */
export function removeScratch(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
