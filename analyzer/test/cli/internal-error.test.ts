// Exit 3: what an internal error looks like from outside. The path is a genuine one, no
// test hook: a damaged installation whose schemas/manifest.schema.json is not JSON.
// Reading any valid snapshot then fails inside nsnap (not in the input), which must print
// a short message and a hint to report it, a stack trace only with NSNAP_DEBUG set, and
// exit 3.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validItems, writeTarGz } from '../helpers/tarball.js';

let install = '';
let snapshot = '';

beforeAll(async () => {
  install = mkdtempSync(join(tmpdir(), 'nsnap-broken-install-'));
  for (const part of ['bin', 'dist', 'schemas', 'analyzer/rules', 'package.json'])
    cpSync(resolve(part), join(install, part), { recursive: true });
  symlinkSync(resolve('node_modules'), join(install, 'node_modules'));
  writeFileSync(join(install, 'schemas', 'manifest.schema.json'), '{ damaged');
  snapshot = await writeTarGz('good.tar.gz', validItems());
});

afterAll(() => {
  if (install !== '') rmSync(install, { recursive: true, force: true });
});

function nsnap(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(join(install, 'bin', 'nsnap'), args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const HINT = '  hint: this is a bug in nsnap; please report it with the command you ran';

describe('an internal error', () => {
  it('the same snapshot is fine with a complete installation', () => {
    const r = spawnSync('./bin/nsnap', ['validate', snapshot], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });

  for (const command of ['validate', 'tree']) {
    it(`${command}: exit 3, one short line and a hint to report it, no stack trace`, () => {
      const r = nsnap([command, snapshot]);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(3);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^nsnap: internal error: .*JSON/);
      expect((lines[0] as string).length).toBeLessThan(200);
      expect(lines[1]).toBe(HINT);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('prints the stack trace when NSNAP_DEBUG is set', () => {
    const r = nsnap(['validate', snapshot], { NSNAP_DEBUG: '1' });
    expect(r.status).toBe(3);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^nsnap: internal error: .*JSON/);
    expect(lines[1]).toBe(HINT);
    expect(lines[2]).toMatch(/^SyntaxError: /);
    expect(r.stderr).toMatch(/^\s+at .*manifest\.js:\d+/m);
  });

  it('diff reports it as trouble (exit 2, as diff(1)), with the same message and hint', () => {
    const r = nsnap(['diff', snapshot, snapshot]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^nsnap: internal error: .*JSON/), HINT]);
  });
});
