// The collector tests' snapshot check must really run the analyzer's validator: a sample
// passes it, and the same sample with one entry the format does not allow fails it.

import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratch, scratchDir } from './scratch.js';
import { snapshotProblems } from './snapshot-check.js';

afterAll(removeScratch);

const SAMPLE = 'samples/wsl/gui-on/ubuntu-20.04.tar.gz';
const fromValidator = (problems: string[]): string[] => problems.filter((p) => p.startsWith('nsnap validate: '));

describe('snapshotProblems', () => {
  it('passes a valid snapshot through nsnap validate', () => {
    expect(fromValidator(snapshotProblems(SAMPLE).problems)).toEqual([]);
  });

  it("reports what nsnap validate finds, with the analyzer's own message", () => {
    const dir = scratchDir('nsnap-check-');
    const r = spawnSync('tar', ['-xzf', SAMPLE, '-C', dir]);
    expect(r.status).toBe(0);
    const top = readdirSync(dir)[0] as string;
    writeFileSync(join(dir, top, 'proc', 'stray'), 'x');
    const bad = join(dir, 'bad.tar.gz');
    expect(spawnSync('tar', ['-czf', bad, '-C', dir, top]).status).toBe(0);
    expect(fromValidator(snapshotProblems(bad).problems)).toEqual(['nsnap validate: proc/stray: unexpected entry: not a PID folder']);
  });
});
