// Temporary folders for tests, removed after the test file's last test (the setup file
// test/setup/scratch-cleanup.ts calls removeScratch in afterAll) and, as a fallback, when
// the test process exits. A test file need not track every fixture it writes. The run's
// global setup (test/setup/tmp-check.ts) fails the run if anything is still left.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let hooked = false;

/** A new private folder under TMPDIR (or BASE), removed after the test file. */
export function scratchDir(prefix: string, base: string = tmpdir()): string {
  return trackScratch(mkdtempSync(join(base, prefix)));
}

/** Removes DIR, made by the caller, together with the scratch folders. */
export function trackScratch(dir: string): string {
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
