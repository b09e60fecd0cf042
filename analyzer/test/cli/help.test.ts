// Every command explains itself: its own --help page (also `nsnap help COMMAND`) with a
// synopsis, every option of its table with a description, examples and exit codes; and
// the parser follows the usual conventions (strict, getopt-style values).

import { describe, expect, it } from 'vitest';
import { FLAGS as DIFF } from '../../src/cli/commands/diff.js';
import { FLAGS as PID } from '../../src/cli/commands/pid.js';
import { FLAGS as PS } from '../../src/cli/commands/ps.js';
import { FLAGS as REDACT } from '../../src/cli/commands/redact.js';
import { FLAGS as TREE } from '../../src/cli/commands/tree.js';
import { FLAGS as VALIDATE } from '../../src/cli/commands/validate.js';
import { optionDef, parseArgs, type FlagSpec } from '../../src/cli/args.js';
import { cli } from '../helpers/run-cli.js';

const TABLES: Record<string, FlagSpec> = { tree: TREE, ps: PS, pid: PID, diff: DIFF, validate: VALIDATE, redact: REDACT };

describe('per-command help', () => {
  for (const [command, spec] of Object.entries(TABLES)) {
    it(`nsnap ${command} --help, -h and 'nsnap help ${command}' print the same own page`, async () => {
      const long = await cli(command, '--help');
      expect(long.code).toBe(0);
      expect(long.stderr).toBe('');
      expect(long.stdout).toMatch(new RegExp(`^nsnap ${command}: `));
      expect(long.stdout).toMatch(new RegExp(`^usage:\\n  nsnap ${command} `, 'm'));
      expect(long.stdout).toMatch(/^examples:\n( {2}nsnap .+\n){2,}/m);
      expect(long.stdout).toMatch(/^exit codes:\n {2}0 /m);
      expect((await cli(command, '-h')).stdout).toBe(long.stdout);
      expect((await cli('help', command)).stdout).toBe(long.stdout);
      // Help wins over a missing argument, wherever it stands.
      expect((await cli(command, '--quiet', '--help')).stdout).toBe(long.stdout);
      for (const name of Object.keys(spec)) {
        const d = optionDef(spec, name);
        expect(d?.help, `--${name} of ${command} has a description`).toBeTruthy();
        const line = long.stdout.split('\n').find((l) => new RegExp(`--${name}( |$)`).test(l));
        expect(line, `--${name} in ${command} --help`).toBeDefined();
        for (const v of d?.values ?? []) expect(long.stdout).toContain(v);
      }
    });
  }

  it('pages differ per command', async () => {
    const pages = await Promise.all(Object.keys(TABLES).map(async (c) => (await cli(c, '--help')).stdout));
    expect(new Set(pages).size).toBe(pages.length);
    expect(pages.find((p) => p.startsWith('nsnap redact'))).toMatch(/-o, --output OUT/);
    expect(pages.find((p) => p.startsWith('nsnap tree'))).toMatch(/one of: cgroup, ipc, mnt, net, pid, time, user, uts; default: pid/);
  });

  it("'nsnap help' with an unknown command is a usage error", async () => {
    const r = await cli('help', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nsnap: 'nsnap help' takes one command name, not 'frobnicate'\n/);
  });
});

describe('the parser', () => {
  const spec: FlagSpec = {
    comm: { kind: 'list', help: 'x' },
    output: { kind: 'string', short: 'o', help: 'x' },
    n: { kind: 'number', help: 'x' },
    flag: { kind: 'boolean', help: 'x' },
  };

  it('takes the next argument as the value even when it starts with a dash', () => {
    const p = parseArgs(['--comm', '-h', '-o', '-oops', '--comm=--x', 'a'], spec);
    expect(p.flags.get('comm')).toEqual(['-h', '--x']);
    expect(p.flags.get('output')).toBe('-oops');
    expect(p.positional).toEqual(['a']);
  });

  it('refuses unknown options, missing values and values for switches', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow("unknown option '--nope'");
    expect(() => parseArgs(['-x'], spec)).toThrow("unknown option '-x'");
    expect(() => parseArgs(['--output'], spec)).toThrow("option '--output' needs a value");
    expect(() => parseArgs(['--flag=yes'], spec)).toThrow("option '--flag' takes no value");
    expect(() => parseArgs(['--n', '1.5'], spec)).toThrow("needs a whole number, not '1.5'");
  });

  it('treats everything after -- as positional', () => {
    const p = parseArgs(['--', '--flag', '-o'], spec);
    expect(p.positional).toEqual(['--flag', '-o']);
    expect(p.flags.size).toBe(0);
  });

  it("ps --comm -h searches for '-h' instead of showing help", async () => {
    const r = await cli('ps', '--comm', '-h', '--no-color');
    expect(r.stdout).not.toMatch(/^nsnap ps:/);
    expect(r.code === 0 ? r.stdout : r.stderr).toMatch(r.code === 0 ? /-h/ : /^nsnap: no process matches the filters\n$/);
  });
});
