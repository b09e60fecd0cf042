// Every --max-* limit flag: a lowered limit refuses (exit 2) naming the limit, the entry
// and the flag; raising it lets the same input through; a bad value is a usage error.

import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS, LIMIT_INFO, type Limits } from '../../src/archive/limits.js';
import { cli } from '../helpers/run-cli.js';
import { TOP, validItems, writeTarGz } from '../helpers/tarball.js';

/** A valid snapshot with a 4 KiB cgroup file and an os-release five levels down. */
async function snapshot(): Promise<{ tarball: string; folder: string }> {
  const extra = [
    { name: `${TOP}/proc/1/cgroup`, content: `0::/${'c'.repeat(4090)}\n` },
    { name: `${TOP}/proc/1/root`, type: 'directory' as const },
    { name: `${TOP}/proc/1/root/etc`, type: 'directory' as const },
    { name: `${TOP}/proc/1/root/etc/os-release`, content: 'ID=corpus\n' },
  ];
  const tarball = await writeTarGz('limits.tar.gz', validItems({ extra }));
  const folder = scratchDir('nsnap-limits-');
  execFileSync('tar', ['-xzf', tarball, '-C', folder]);
  return { tarball, folder: join(folder, TOP) };
}

// [limit, lowered value that refuses the snapshot, raised value that lets it through, the entry named]
const TABLE: [keyof Limits, number, number, string][] = [
  ['maxTotalBytes', 2048, 1 << 20, ''],
  ['maxEntries', 10, 1000, ''],
  ['maxEntrySize', 1024, 8192, 'proc/1/cgroup'],
  ['maxPathDepth', 4, 5, 'proc/1/root/etc/os-release'],
];

describe('limit flags', () => {
  it('documents every default in docs/format.md, as computed', () => {
    const doc = readFileSync('docs/format.md', 'utf8');
    for (const [key, info] of Object.entries(LIMIT_INFO)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${info.flag} N\` |`));
      expect(row, `docs/format.md has a row for ${info.flag}`).toBeDefined();
      expect(row?.split('|')[3]).toMatch(new RegExp(`\\b${DEFAULT_LIMITS[key as keyof typeof DEFAULT_LIMITS]}\\b`));
    }
  });

  it('has one flag per limit, all listed in --help', async () => {
    expect(Object.keys(LIMIT_INFO).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
    for (const command of ['tree', 'ps', 'pid', 'diff', 'validate', 'redact']) {
      const help = (await cli(command, '--help')).stdout;
      for (const [key, info] of Object.entries(LIMIT_INFO)) {
        // The flag, and on the next line its default, computed from DEFAULT_LIMITS.
        const at = help.indexOf(`--${info.flag.slice(2)} N`);
        expect(at, `${command} --help lists ${info.flag}`).toBeGreaterThan(-1);
        expect(help.slice(at).split('\n')[1]).toContain(String(DEFAULT_LIMITS[key as keyof typeof DEFAULT_LIMITS]));
      }
    }
  });

  for (const kind of ['tarball', 'folder'] as const) {
    for (const [limit, low, high, entry] of TABLE) {
      const { flag, what } = LIMIT_INFO[limit];
      it(`${flag} on a ${kind}: exit 2 below, the same input passes above`, async () => {
        const input = (await snapshot())[kind];
        expect((await cli('validate', input)).code).toBe(0);
        for (const command of ['validate', 'tree']) {
          const refused = await cli(command, flag, String(low), input);
          expect(refused.code, refused.stderr).toBe(2);
          const lines = refused.stderr.split('\n').filter((l) => l !== '');
          expect(lines).toHaveLength(2);
          expect(lines[0]).toContain(`nsnap: ${input}: `);
          expect(lines[0]).toContain(`exceeds the limit on ${what} (${low})`);
          if (entry !== '') expect(lines[0]).toContain(entry);
          expect(lines[1]).toBe(`  hint: if the snapshot is genuine, raise it with ${flag} N`);
          const passed = await cli(command, `${flag}=${high}`, input);
          expect(passed.code, passed.stderr).toBe(0);
          expect(passed.stderr).toBe('');
        }
      });
    }
  }

  const bad: [string, RegExp][] = [
    ['0', /needs a whole number of at least 1, not '0'/],
    ['-1', /needs a whole number, not '-1'/],
    ['abc', /needs a whole number, not 'abc'/],
    ['1.5', /needs a whole number, not '1\.5'/],
    ['1e9', /needs a whole number, not '1e9'/],
    ['', /needs a whole number, not ''/],
  ];
  for (const info of Object.values(LIMIT_INFO)) {
    it(`${info.flag} with 0, a negative, a fraction or text is a usage error (exit 2)`, async () => {
      const { tarball } = await snapshot();
      for (const [value, message] of bad) {
        for (const command of ['validate', 'tree', 'diff']) {
          const argv =
            command === 'diff' ? [command, `${info.flag}=${value}`, tarball, tarball] : [command, `${info.flag}=${value}`, tarball];
          const r = await cli(...argv);
          expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
          expect(r.stderr).toMatch(message);
          expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
            expect.stringMatching(/^nsnap: option/),
            `  hint: try 'nsnap ${command} --help'`,
          ]);
        }
      }
      // The value as the next argument, as most users type it.
      const r = await cli('validate', info.flag, '-5', tarball);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/needs a whole number, not '-5'/);
      const missing = await cli('validate', tarball, info.flag);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/needs a value/);
    });
  }

  it('the installed binary refuses a lowered limit with exit 2 and names the flag', async () => {
    const { tarball } = await snapshot();
    const r = spawnSync('./bin/nsnap', ['validate', '--max-entry-size', '1024', tarball], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `nsnap: ${tarball}: ${TOP}/proc/1/cgroup: exceeds the limit on size of one entry (1024)\n  hint: if the snapshot is genuine, raise it with --max-entry-size N\n`,
    );
  });
});
