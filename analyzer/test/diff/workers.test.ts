// `nsnap diff` from the built CLI reads the before side in a worker thread (cli/side.ts).
// The answer must be byte-identical to reading both sides in one thread, and an error on
// either side must come back as the same one-sentence message and exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';

const BIN = join(PROJECT_ROOT, 'bin', 'nsnap');
const WORKER = join(PROJECT_ROOT, 'dist', 'cli', 'side-worker.js');
const views = (dir: string): string[] =>
  readdirSync(join(PROJECT_ROOT, 'samples', 'wsl', dir))
    .filter((n) => n.endsWith('.tar.gz'))
    .sort()
    .map((n) => join(PROJECT_ROOT, 'samples', 'wsl', dir, n));
const ON = views('gui-on');
const OFF = views('gui-off');
const tmp = mkdtempSync(join(tmpdir(), 'nsnap-diff-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function nsnap(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NSNAP_NO_WORKERS: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('diff with a worker thread', () => {
  it('is built (npm test builds dist first)', () => {
    expect(existsSync(WORKER)).toBe(true);
  });

  it('gives byte-identical output to the single-thread path, in every data format', () => {
    for (const format of ['json', 'text', 'markdown']) {
      const args = ['diff', '--format', format, '--before', ...ON, '--after', ...OFF];
      const parallel = nsnap(args);
      const serial = nsnap(args, { NSNAP_NO_WORKERS: '1' });
      expect(parallel.code).toBe(1);
      expect(parallel.stderr).toBe('');
      expect(parallel.stdout).toBe(serial.stdout);
      expect(parallel.stdout.length).toBeGreaterThan(500);
    }
  });

  it('reports a broken before side (read in the worker) like the single-thread path', () => {
    const bad = join(tmp, 'broken.tar.gz');
    writeFileSync(bad, 'this is not gzip');
    const parallel = nsnap(['diff', '--before', bad, '--after', ...OFF]);
    const serial = nsnap(['diff', '--before', bad, '--after', ...OFF], { NSNAP_NO_WORKERS: '1' });
    expect(parallel.code).toBe(2);
    expect(parallel.stderr).toBe(serial.stderr);
    expect(parallel.stderr).toMatch(/^nsnap: .*broken\.tar\.gz: not a gzip file\n {2}hint: /);
    expect(parallel.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the before side first when both sides are broken', () => {
    const b = join(tmp, 'before.tar.gz');
    const a = join(tmp, 'after.tar.gz');
    writeFileSync(b, 'x');
    writeFileSync(a, 'y');
    const r = nsnap(['diff', b, a]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('before.tar.gz');
    expect(r.stderr).not.toContain('after.tar.gz');
  });
});
