// The command line contract: exit codes, one-line errors with hints, output formats.

import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { cli } from '../helpers/run-cli.js';
import { TOP, validItems, writeTarGz, tmpFile } from '../helpers/tarball.js';
import { writeFakeProc } from '../helpers/fake-proc.js';

const analysisSchema = JSON.parse(readFileSync('schemas/analysis.schema.json', 'utf8')) as object;
const validateAnalysis = new Ajv({ allErrors: true, strict: false }).compile(analysisSchema);

describe('usage', () => {
  const table: [string[], RegExp][] = [
    [[], /no command given/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['tree', '--bogus'], /unknown option '--bogus'/],
    [['tree', '--format', 'xml'], /--format' must be one of text, json, yaml/],
    [['tree', '--type', 'foo'], /--type must be one of/],
    [['pid'], /pid needs a PID/],
    [['pid', 'abc'], /'abc' is not a PID/],
    [['pid', '1', '--in', 'nonsense'], /not a namespace id/],
    [['validate'], /validate needs at least one snapshot/],
    [['ps', '--pid'], /needs a value/],
  ];
  for (const [argv, message] of table) {
    it(`exits 2 for: nsnap ${argv.join(' ')}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      // The hint names the command's own help page when the command exists.
      const known = ['tree', 'ps', 'pid', 'diff', 'validate', 'redact'].includes(argv[0] ?? '');
      expect(r.stderr).toContain(known ? `hint: try 'nsnap ${argv[0] as string} --help'` : "hint: try 'nsnap --help'");
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(2);
    });
  }

  it('prints help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const command of ['tree', 'ps', 'pid', 'diff', 'validate', 'redact', 'collect', 'help'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });
});

describe('validate', () => {
  it('prints one line per valid snapshot and exits 0', async () => {
    const file = await writeTarGz('good.tar.gz', validItems());
    const r = await cli('validate', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ok {2}.*good\.tar\.gz: label 'unit', host 'testhost', 2 processes, boot b00710d0-0000-0000-0000-000000000001\n$/,
    );
  });

  it('names the file, the entry and the problem, and exits 1', async () => {
    const file = await writeTarGz('snap.tar.gz', validItems({ extra: [{ name: `${TOP}/proc/1/ns/net`, type: 'symlink', linkname: 'x' }] }));
    const r = await cli('validate', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("snap.tar.gz: proc/1/ns/net: symlink target 'x' is not a namespace link");
  });

  it('gives one sentence and exit 2 for a non-gzip file', async () => {
    const r = await cli('validate', tmpFile('junk.tar.gz', Buffer.from('junk')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.tar\.gz: not a gzip file\n {2}hint: /);
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });

  it('refuses to analyse an invalid snapshot (exit 1) and a missing file (exit 2)', async () => {
    const file = await writeTarGz('bad.tar.gz', validItems({ count: 9 }));
    expect((await cli('tree', file)).code).toBe(1);
    const missing = await cli('tree', '/nonexistent/snap.tar.gz');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
  });
});

describe('tree, ps and pid', () => {
  const world = () =>
    writeFakeProc({
      procs: [
        { pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], ns: { pid: 4026531836 } },
        { pid: 30, ppid: 1, nspid: [30, 1], comm: 'sh', cmdline: ['sh', '-c', 'x'], ns: { pid: 4026532400 } },
        { pid: 31, ppid: 30, nspid: [31, 2], comm: 'sleep', cmdline: ['sleep', '99'], ns: { pid: 4026532400 } },
        { pid: 32, ppid: 1, nspid: [32, 1], comm: 'sleep', cmdline: ['sleep', '1'], ns: { pid: 4026532401 } },
      ],
    });

  it('tree --format json validates against the analysis schema, and yaml carries the same model', async () => {
    const dir = world();
    const json = await cli('tree', '--format', 'json', dir);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as unknown;
    expect(validateAnalysis(parsed), JSON.stringify(validateAnalysis.errors)).toBe(true);
    const yaml = await cli('tree', '--format', 'yaml', dir);
    expect(parseYaml(yaml.stdout)).toEqual(parsed);
  });

  it('tree --processes shows PIDs outer to inner', async () => {
    const r = await cli('tree', '--processes', world());
    expect(r.stdout).toMatch(/pid:4026532400 {2}depth 1 {2}sh -c x {2}2 procs {2}\[init-parent\]/);
    expect(r.stdout).toMatch(/31\/2 {2}sleep 99/);
  });

  it('ps filters by PID at any level, comm and namespace', async () => {
    const dir = world();
    expect((await cli('ps', '--pid', '2', dir)).stdout).toMatch(/31\/2 +30 +0 +pid:4026532400 +sleep +sleep 99/);
    const bySleep = await cli('ps', '--comm', 'sleep', '--format', 'json', dir);
    expect((JSON.parse(bySleep.stdout) as { processes: unknown[] }).processes).toHaveLength(2);
    const byNs = await cli('ps', '--ns', 'pid:[4026532401]', '--format', 'json', dir);
    expect((JSON.parse(byNs.stdout) as { processes: { nspid: number[] }[] }).processes.map((p) => p.nspid)).toEqual([[32, 1]]);
  });

  it('pid follows a process through every level, and lists candidates when ambiguous', async () => {
    const dir = world();
    const r = await cli('pid', '2', '--in', 'pid:4026532400', '--format', 'json', dir);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { chain: unknown }).chain).toEqual([
      { ns: 'pid:4026531836', depth: 0, pid: 31 },
      { ns: 'pid:4026532400', depth: 1, pid: 2 },
    ]);
    const text = await cli('pid', '31', dir);
    expect(text.stdout).toMatch(/pid:4026531836 \(depth 0\) {2}31/);
    const none = await cli('pid', '999', dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no process with PID 999/);
  });

  it('escapes terminal control sequences in process names', async () => {
    const dir = writeFakeProc({ procs: [{ pid: 1, ppid: 0, comm: 'evil\u001b[31m', cmdline: ['evil\u001b]0;pwned\u0007'] }] });
    const r = await cli('ps', dir);
    expect(r.stdout.includes('\u001b')).toBe(false);
    expect(r.stdout).toContain('\\x1b');
  });
});

describe('the installed binary', () => {
  it('runs bin/nsnap against the live /proc', () => {
    const out = execFileSync('./bin/nsnap', ['tree', '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const a = JSON.parse(out) as { namespaces: { id: string; depth: number | null }[] };
    expect(a.namespaces.find((n) => n.depth === 0)?.id).toMatch(/^pid:/);
  });

  it('exits 2 with one line and a hint on a usage error', () => {
    const r = spawnSync('./bin/nsnap', ['tree', '--nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    // Run from the clone's root folder, the hint names the way to run it there.
    expect(r.stderr).toBe("nsnap: unknown option '--nope'\n  hint: try './bin/nsnap tree --help'\n");
  });
});
