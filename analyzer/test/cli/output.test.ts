// Output that fits where it goes, exit codes as documented, errors that lead with the
// cause, hints in the form the user runs nsnap, and labels that are not differences.

import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { fitWidth, outputWidth } from '../../src/cli/width.js';
import { hintFor, type Io } from '../../src/cli/common.js';
import { writeFakeSnapshot, type FakeProc } from '../helpers/fake-proc.js';
import { writeTarGz } from '../helpers/tarball.js';
import { cli } from '../helpers/run-cli.js';

const LONG = `sleep ${'x'.repeat(300)} END`;
const PROCS: FakeProc[] = [
  { pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], ns: { pid: 4026531836, net: 4026531840 } },
  { pid: 2, ppid: 1, comm: 'sleep', cmdline: LONG.split(' '), ns: { pid: 4026531836, net: 4026531840 } },
  // A process whose links were denied (a non-root capture).
  { pid: 3, ppid: 1, comm: 'other', cmdline: ['other'] },
];

async function runAs(argv: string[], tty: { isTTY: boolean; env?: NodeJS.ProcessEnv; stdoutColumns?: number }) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    isTTY: tty.isTTY,
    env: tty.env ?? {},
    ...(tty.stdoutColumns !== undefined ? { stdoutColumns: tty.stdoutColumns } : {}),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

describe('output width', () => {
  it('never cuts a line in a pipe', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const r = await runAs(['ps', snap], { isTTY: false, env: { COLUMNS: '40' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${LONG}\n`);
  });

  it('cuts to COLUMNS, else the terminal width, on a terminal; --wide does not cut', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const narrow = await runAs(['ps', '--no-color', snap], { isTTY: true, env: { COLUMNS: '50' } });
    for (const line of narrow.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(50);
    expect(narrow.stdout).not.toContain('END');
    const term = await runAs(['ps', '--no-color', snap], { isTTY: true, stdoutColumns: 70 });
    expect(Math.max(...term.stdout.split('\n').map((l) => l.length))).toBe(70);
    const wide = await runAs(['ps', '--no-color', '--wide', snap], { isTTY: true, env: { COLUMNS: '50' } });
    expect(wide.stdout).toContain(`${LONG}\n`);
  });

  it('does not count colour codes and resets colour after a cut', () => {
    expect(fitWidth('\x1b[1mabcdef\x1b[0m\nxy', 3)).toBe('\x1b[1mabc\x1b[0m\nxy');
    expect(fitWidth('abcdef', null)).toBe('abcdef');
    expect(outputWidth({ stdout: () => {}, stderr: () => {}, isTTY: false, env: { COLUMNS: '10' } }, false)).toBeNull();
  });
});

describe('exit codes and messages', () => {
  it('ps with a filter that matches nothing exits 1 with one line on stderr', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const r = await cli('ps', '--pid', '999999', snap);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('nsnap: no process matches the filters\n');
  });

  it('tree --type with no namespace of that type exits 1 with one line', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const r = await cli('tree', '--type', 'uts', snap);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nsnap: no uts namespaces in these views\n');
  });

  it('says how many processes a namespace link could not be read for', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const tree = await cli('tree', '--type', 'net', snap);
    expect(tree.stdout).toContain('1 of 3 processes: net namespace link could not be read (not root?)');
    const ps = await cli('ps', snap);
    expect(ps.stderr).toMatch(
      /^nsnap: note: of 3 processes, namespace links could not be read \(not root\?\): cgroup 3, ipc 3, mnt 3, net 1, time 3, user 3, uts 3\n$/,
    );
  });

  it('the Markdown report has no empty header row and says which links were not read', async () => {
    const snap = writeFakeSnapshot({ procs: PROCS, self: 1 });
    const md = (await cli('tree', '--format', 'markdown', snap)).stdout;
    expect(md).not.toMatch(/^\|(\s*\|)+\s*$/m);
    expect(md).toContain('| links not read | ` cgroup 3, ipc 3, mnt 3, net 1, time 3, user 3, uts 3 of 3 processes (not root?) ` |');
  });

  it('a tarball without nsnap.json is "not an nsnap snapshot", first', async () => {
    const file = await writeTarGz('other.tar.gz', [{ name: 'top/format.md', content: 'hi' }]);
    const tree = await cli('tree', file);
    expect(tree.code).toBe(1);
    expect(tree.stderr.split('\n')[0]).toBe(`nsnap: ${file}: this is not an nsnap snapshot (no nsnap.json)`);
    const validate = await cli('validate', file);
    expect(validate.stdout.split('\n')[0]).toBe(`invalid  ${file}: this is not an nsnap snapshot (no nsnap.json)`);
  });

  it('hints name ./bin/nsnap when that is how nsnap runs', () => {
    const io: Io = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {}, prog: './bin/nsnap' };
    expect(hintFor("run 'nsnap validate x' (or nsnap collect)", io)).toBe("run './bin/nsnap validate x' (or ./bin/nsnap collect)");
    expect(hintFor("try 'nsnap --help'", { ...io, prog: 'nsnap' })).toBe("try 'nsnap --help'");
  });
});

describe('labels', () => {
  it('two captures that differ only in their labels are the same (exit 0), said once in the header', async () => {
    const a = writeFakeSnapshot({ procs: PROCS, self: 1 }, { label: 'before' });
    const b = writeFakeSnapshot({ procs: PROCS, self: 1 }, { label: 'after' });
    const r = await cli('diff', a, b);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/different labels/g)).toHaveLength(1);
  });
});
