// The collector on the real /proc under dash, bash and a busybox-only PATH: the tarball
// follows docs/format.md, the manifest validates, and the command line contract holds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR, busyboxEnv, privateDir, removeScratch, runCollector } from '../helpers/collector-run.js';
import { assertGate, gate, toolMissing } from '../helpers/gate.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { snapFile } from '../helpers/snapshot-files.js';

afterAll(removeScratch);

const shells: [string, () => { shell: string; env: NodeJS.ProcessEnv }, string | null][] = [
  ['dash', () => ({ shell: 'dash', env: process.env }), toolMissing('dash')],
  ['bash', () => ({ shell: 'bash', env: process.env }), toolMissing('bash')],
  [
    'busybox',
    () => {
      const env = busyboxEnv();
      return { shell: join(env.PATH as string, 'sh'), env };
    },
    toolMissing('busybox'),
  ],
];

describe('capture of the real /proc', () => {
  for (const [name, setup, missing] of shells) {
    const g = gate(missing);
    describe.skipIf(g.skip)(`under ${name}`, () => {
      beforeAll(() => assertGate(g));

      it('writes a valid snapshot whose proc/self is the collector', () => {
        const { shell, env } = setup();
        const tmp = privateDir('tmp');
        const out = join(privateDir('out'), 'snap.tar.gz');
        const r = runCollector(['-o', out, '--label', `layout-${name}`], { shell, env: { ...env, TMPDIR: tmp } });
        expect(r.stderr).toMatch(/^nsnap-collect: wrote .*snap\.tar\.gz$/m);
        expect(r.stderr).toMatch(/^nsnap-collect: \d+ processes, \d+ namespaces, \d+ denied, \d+ vanished, \d+\.\d\d s$/m);
        expect(r.status).toBe(0);
        const { snap, problems } = snapshotProblems(out);
        expect(problems).toEqual([]);
        const m = snap.manifest;
        expect(m.collector.shell).toBe(name);
        expect(m.collector.copy_mode).toBe(name === 'busybox' ? 'loop' : 'bulk');
        expect(m.label).toBe(`layout-${name}`);
        expect(snap.topName).toMatch(new RegExp(`^nsnap-[A-Za-z0-9._-]+-layout-${name}-\\d{8}T\\d{6}Z$`));
        expect(m.source).toEqual({ proc: '/proc', live: true });
        // This machine's /proc shows every process (hidepid.test.ts covers the rest).
        expect(m.view.hidepid).toBeNull();
        expect(m.view.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
        expect(m.view.hostname).toBe(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
        expect(m.counts.processes).toBeGreaterThan(5);
        // PID 1 and the kernel threads outlive the capture.
        expect(snapFile(snap, '1/status')).toMatch(/^Pid:\s+1$/m);
        expect(snapFile(snap, '2/stat')).toMatch(/^2 \(kthreadd\) /);
        // A kernel thread's empty command line is an empty file, not a missing one.
        expect(snapFile(snap, '2/cmdline')).toBe('');
        // The view's own os-release sits under the collector's root.
        expect(snapFile(snap, `${m.view.self_pid}/root/etc/os-release`)).toBe(readFileSync('/etc/os-release', 'utf8'));
        // Busybox has no lsns: the snapshot says so and is complete without it.
        if (name === 'busybox') expect(m.lsns).toEqual({ ran: false, reason: 'lsns not found' });
        else expect(m.lsns?.ran).toBe(toolMissing('lsns') === null);
        // The staging folder is gone.
        expect(readdirSync(tmp)).toEqual([]);
      });
    });
  }
});

describe('command line', () => {
  const table: [string[], RegExp][] = [
    [['--bogus'], /unknown option '--bogus'/],
    [['-o'], /option '-o' needs a value/],
    [['--label', ''], /option '--label' needs a value/],
    [['--proc', '/nonexistent-nsnap'], /--proc '\/nonexistent-nsnap' is not a directory/],
    [['extra'], /unexpected argument 'extra'/],
  ];
  for (const [argv, message] of table) {
    it(`exits 2 with one line and a hint for: ${argv.join(' ')}`, () => {
      const r = runCollector(argv);
      expect(r.status).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(message);
      expect(lines[1]).toMatch(/try .*--help/);
      expect(r.stdout.length).toBe(0);
    });
  }

  it('prints usage on stdout for --help and exits 0', () => {
    const r = runCollector(['--help', '--bogus']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^Usage: sh nsnap-collect\.sh/);
    expect(r.stdout.toString()).toMatch(/--no-cmdline/);
    expect(r.stderr).toBe('');
  });

  it('is clean under shellcheck as POSIX sh', () => {
    const g = gate(toolMissing('shellcheck'));
    if (g.skip) return;
    assertGate(g);
    const r = spawnSync('shellcheck', ['-s', 'sh', COLLECTOR], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('ends with main "$@" so that a truncated copy runs nothing', () => {
    const text = readFileSync(COLLECTOR, 'utf8');
    expect(text.trimEnd().split('\n').at(-1)).toBe('main "$@"');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
  });
});

describe('options', () => {
  it('names the default output after host, label and UTC time in the current folder', () => {
    const cwd = privateDir('cwd');
    const r = runCollector(['--quiet', '--label', 'we ird/label'], { cwd, env: { ...process.env, TMPDIR: privateDir('tmp') } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const files = readdirSync(cwd);
    expect(files).toHaveLength(1);
    const host = readFileSync('/proc/sys/kernel/hostname', 'utf8')
      .trim()
      .replace(/[^A-Za-z0-9._-]/g, '_');
    expect(files[0]).toMatch(new RegExp(`^nsnap-${host}-we_ird_label-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    const { snap, problems } = snapshotProblems(join(cwd, files[0] as string));
    expect(problems).toEqual([]);
    expect(snap.topName).toBe((files[0] as string).replace(/\.tar\.gz$/, ''));
    expect(snap.manifest.label).toBe('we ird/label');
  });

  it('takes the label from WSL_DISTRO_NAME and keeps only the env allow-list', () => {
    const out = join(privateDir('out'), 's.tar.gz');
    const env = {
      ...process.env,
      TMPDIR: privateDir('tmp'),
      WSL_DISTRO_NAME: 'Ubuntu-20.04',
      WSLENV: 'A/p:"B"',
      WSL_INTEROP: '/run/WSL/1_interop',
      DISPLAY: ':0',
      SECRET_TOKEN: 'do-not-copy',
    };
    const r = runCollector(['-o', out], { env });
    expect(r.status).toBe(0);
    const { snap, problems } = snapshotProblems(out);
    expect(problems).toEqual([]);
    expect(snap.manifest.label).toBe('Ubuntu-20.04');
    expect(snap.manifest.env).toEqual({
      WSL_DISTRO_NAME: 'Ubuntu-20.04',
      WSLENV: 'A/p:"B"',
      DISPLAY: ':0',
      WSL_INTEROP_set: true,
    });
    expect(readFileSync(join(snap.top, 'nsnap.json'), 'utf8')).not.toContain('do-not-copy');
    expect(readFileSync(join(snap.top, 'nsnap.json'), 'utf8')).not.toContain('1_interop');
  });

  it('leaves command lines out with --no-cmdline and copies --wslconfig', () => {
    const out = join(privateDir('out'), 's.tar.gz');
    const wslconfig = join(privateDir('win'), '.wslconfig');
    writeFileSync(wslconfig, '[wsl2]\nguiApplications=false\n');
    const r = runCollector(['-o', out, '--no-cmdline', '--wslconfig', wslconfig, '--quiet'], {
      env: { ...process.env, TMPDIR: privateDir('tmp') },
    });
    expect(r.status).toBe(0);
    const { snap, problems } = snapshotProblems(out);
    expect(problems).toEqual([]);
    expect(snap.manifest.collector.cmdline).toBe(false);
    expect(snap.pids.filter((p) => existsSync(join(snap.top, 'proc', String(p), 'cmdline')))).toEqual([]);
    expect(readFileSync(join(snap.top, 'wslconfig'), 'utf8')).toBe('[wsl2]\nguiApplications=false\n');
    expect(snap.manifest.wsl?.wslconfig).toEqual({ given: true, captured: true });
  });

  it('records a --wslconfig it cannot read and still writes the snapshot', () => {
    const out = join(privateDir('out'), 's.tar.gz');
    const r = runCollector(['-o', out, '--wslconfig', '/nonexistent/.wslconfig'], { env: { ...process.env, TMPDIR: privateDir('tmp') } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/cannot read --wslconfig/);
    const { snap, problems } = snapshotProblems(out);
    expect(problems).toEqual([]);
    expect(snap.manifest.wsl?.wslconfig).toEqual({ given: true, captured: false });
  });

  it('streams the tarball to stdout with -o - and writes no file', () => {
    const cwd = privateDir('cwd');
    const tmp = privateDir('tmp');
    const r = runCollector(['-o', '-'], { cwd, env: { ...process.env, TMPDIR: tmp } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote the snapshot to stdout/);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    const file = join(privateDir('out'), 'streamed.tar.gz');
    writeFileSync(file, r.stdout);
    const { snap, problems } = snapshotProblems(file);
    expect(problems).toEqual([]);
    expect(snap.topName).toMatch(/^nsnap-.*-\d{8}T\d{6}Z$/);
  });

  it('falls back to a staging folder next to the output when TMPDIR is unusable', () => {
    const outDir = privateDir('out');
    const out = join(outDir, 's.tar.gz');
    const r = runCollector(['-o', out, '--quiet'], { env: { ...process.env, TMPDIR: '/nonexistent-nsnap-tmp' } });
    expect(r.status).toBe(0);
    expect(snapshotProblems(out).problems).toEqual([]);
    expect(readdirSync(outDir)).toEqual(['s.tar.gz']);
  });
});
