// `--proc DIR` on a small fake /proc built here, with hostile roots: symlinks that
// point out of a process's root (absolute and with '..'), a FIFO where a file should be,
// a link loop, a PID folder linked into the live /proc. Nothing outside the tree is
// read, nothing hangs, and the snapshot stays valid.

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFakeProc } from '../helpers/fake-proc.js';
import type { FakeProc } from '../helpers/fake-proc.js';
import { busyboxEnv, hostTool, privateDir, removeScratch, runCollector } from '../helpers/collector-run.js';
import { gate, toolMissing } from '../helpers/gate.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { snapFile, snapLink } from '../helpers/snapshot-files.js';

afterAll(removeScratch);

const SECRET = 'TOPSECRET-5f1c0e';

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed`);
}

function put(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function link(target: string, path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  symlinkSync(target, path);
}

/** Builds the hostile tree; returns it and the secret's folder (outside the tree). */
function hostileTree(): { dir: string; secretDir: string } {
  const secretDir = privateDir('secret');
  writeFileSync(join(secretDir, 'shadow'), `${SECRET}\n`);
  const ns = (pid: number): Record<string, number> => ({ pid, pid_for_children: pid, mnt: pid + 4000, user: 4026531837 });
  const procs: FakeProc[] = [
    { pid: 1, ppid: 0, nspid: [1], comm: 'init', cmdline: ['/sbin/init'], ns: ns(4026531836) },
    { pid: 50, ppid: 1, nspid: [50, 1], comm: 'init', cmdline: ['/init'], ns: ns(4026532300) },
    { pid: 51, ppid: 50, nspid: [51, 2], comm: 'sleep', cmdline: ['sleep', '9'], ns: ns(4026532300) },
    { pid: 60, ppid: 1, nspid: [60], comm: 'sh', cmdline: ['sh', 'nsnap-collect.sh'], ns: ns(4026531836) },
    { pid: 70, ppid: 1, nspid: [70, 1], comm: 'init', ns: ns(4026532400) },
    { pid: 80, ppid: 1, nspid: [80], comm: 'stuck', ns: ns(4026531836) },
    { pid: 95, ppid: 1, nspid: [95, 1], comm: 'init', ns: ns(4026532500) },
  ];
  const dir = writeFakeProc(
    { procs, self: 60, bootId: 'b0000000-1111-2222-3333-444444444444', hostname: 'fakehost' },
    privateDir('fakeproc'),
  );
  writeFileSync(join(dir, 'uptime'), '123.45 67.89\n');

  // PID 1: os-release points at the host's "shadow" by absolute path, wsl.conf is a FIFO.
  link(join(secretDir, 'shadow'), join(dir, '1/root/etc/os-release'));
  mkfifo(join(dir, '1/root/etc/wsl.conf'));
  // PID 50: the usual relative link, inside the root; wsl.conf climbs out with '..'.
  put(join(dir, '50/root/usr/lib/os-release'), 'ID=inner\n');
  link('../usr/lib/os-release', join(dir, '50/root/etc/os-release'));
  link(`../../../../../../../../../..${secretDir}/shadow`, join(dir, '50/root/etc/wsl.conf'));
  // PID 60 (the collector): plain files, which also name the view.
  put(join(dir, '60/root/etc/os-release'), 'NAME="Fake OS"\nID=fakeos\n');
  put(join(dir, '60/root/etc/wsl.conf'), '[boot]\nsystemd=true\n');
  // PID 70: a link loop, and an absolute link that must resolve inside the root.
  link('os-release', join(dir, '70/root/etc/os-release'));
  put(join(dir, '70/root/etc/real.conf'), 'inside\n');
  link('/etc/real.conf', join(dir, '70/root/etc/wsl.conf'));
  // PID 80: its status is a FIFO (a reader would block forever).
  rmSync(join(dir, '80/status'));
  mkfifo(join(dir, '80/status'));
  // PID 90 is a link into the live /proc; PID 95's root is a link to the host's root.
  symlinkSync('/proc/1', join(dir, '90'));
  symlinkSync('/', join(dir, '95/root'));
  return { dir, secretDir };
}

function allFileText(root: string): string {
  let text = '';
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile()) text += readFileSync(path, 'utf8');
  }
  return text;
}

const variants: [string, () => { shell: string; env: NodeJS.ProcessEnv }, string | null][] = [
  ['dash', () => ({ shell: 'dash', env: { PATH: process.env.PATH } }), toolMissing('dash')],
  [
    'busybox',
    () => {
      const env = busyboxEnv();
      return { shell: join(env.PATH as string, 'sh'), env };
    },
    toolMissing('busybox'),
  ],
];

describe('--proc DIR on a hostile fake tree', () => {
  for (const [name, setup, missing] of variants) {
    const g = gate(missing, toolMissing('mkfifo'));
    it.skipIf(g.skip)(`stays inside the tree and does not hang (${name})`, () => {
      const { dir } = hostileTree();
      const { shell, env } = setup();
      const out = join(privateDir('out'), 'fake.tar.gz');
      const tmp = privateDir('tmp');
      const started = Date.now();
      const r = runCollector(['--proc', dir, '-o', out], { shell, env: { ...env, TMPDIR: tmp }, timeoutMs: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
      const { snap, problems } = snapshotProblems(out);
      expect(problems).toEqual([]);
      const m = snap.manifest;

      // The view comes from the tree, lsns does not run.
      expect(m.source).toEqual({ proc: dir, live: false });
      expect(m.lsns?.ran).toBe(false);
      expect(m.label).toBe('fakeos');
      expect(snap.topName).toMatch(/^nsnap-fakehost-fakeos-\d{8}T\d{6}Z$/);
      expect(m.view.self_pid).toBe(60);
      expect(m.view.boot_id).toBe('b0000000-1111-2222-3333-444444444444');
      expect(m.view.hostname).toBe('fakehost');
      expect((m.view as { uptime_seconds?: number }).uptime_seconds).toBe(123.45);
      expect(m.wsl?.wsl_conf).toBe(true);

      // Nothing from outside the tree, whatever the links say.
      expect(allFileText(snap.top)).not.toContain(SECRET);
      expect(snapFile(snap, '1/root/etc/os-release')).toBeNull();
      expect(snapFile(snap, '1/root/etc/wsl.conf')).toBeNull();
      expect(snapFile(snap, '50/root/etc/os-release')).toBe('ID=inner\n');
      expect(snapFile(snap, '50/root/etc/wsl.conf')).toBeNull();
      expect(snapFile(snap, '60/root/etc/wsl.conf')).toBe('[boot]\nsystemd=true\n');
      expect(snapFile(snap, '70/root/etc/os-release')).toBeNull();
      expect(snapFile(snap, '70/root/etc/wsl.conf')).toBe('inside\n');
      expect(snapFile(snap, '95/root/etc/os-release')).toBeNull();
      expect(snap.pids).not.toContain(90);
      // 51 is not an init: no root files even though it shares 50's root.
      expect(snapFile(snap, '51/root/etc/os-release')).toBeNull();

      // The FIFO status is not copied, and the manifest says the read failed.
      expect(snapFile(snap, '80/status')).toBeNull();
      expect(m.errors).toContainEqual({ path: 'proc/80/status', error: 'other' });
      expect(m.counts.processes).toBe(6);

      // Files and links are copied as they are.
      expect(snapFile(snap, '51/status')).toBe(readFileSync(join(dir, '51/status'), 'utf8'));
      expect(snapLink(snap, 51, 'pid')).toBe('pid:[4026532300]');
      expect(snapLink(snap, 51, 'mnt')).toBe('mnt:[4026536300]');
      expect(readdirSync(tmp)).toEqual([]);
    });
  }
});

describe('a copy that hangs', () => {
  const g = gate(toolMissing('sleep'));
  it.skipIf(g.skip)('stops at the timeout, keeps what was copied and records the rest as timeout', () => {
    // 12 processes; a `cp` that copies the view files and the first 4 processes, then
    // blocks as a read of a process in D state would; the collector's watchdogs time
    // with `sleep`, which a wrapper cuts to 2 seconds.
    const procs: FakeProc[] = Array.from({ length: 12 }, (_, i) => ({
      pid: 100 + i,
      ppid: 1,
      nspid: [100 + i],
      comm: 'p',
      ns: { pid: 4026531836 },
    }));
    const dir = writeFakeProc({ procs, self: 100 }, privateDir('fakeproc'));
    const wrappers = privateDir('wrap');
    const realCp = hostTool('cp');
    const realSleep = hostTool('sleep');
    writeFileSync(
      join(wrappers, 'cp'),
      [
        '#!/bin/sh',
        // The probe of --parents support copies normally.
        `case "$*" in *"/probe/"*) exec ${realCp} "$@" ;; esac`,
        'opts="$1 $2 $3 $4"; dest=$5; shift 5',
        'n=0; keep=""',
        'for f in "$@"; do n=$((n + 1)); [ "$n" -le 29 ] && keep="$keep $f"; done',
        `${realCp} $opts "$dest" $keep`,
        `exec ${realSleep} 1000`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(wrappers, 'sleep'), ['#!/bin/sh', 'if [ "$1" -gt 2 ]; then set -- 2; fi', `exec ${realSleep} "$@"`, ''].join('\n'), {
      mode: 0o755,
    });
    const out = join(privateDir('out'), 'hang.tar.gz');
    const tmp = privateDir('tmp');
    const started = Date.now();
    const r = runCollector(['--proc', dir, '-o', out, '--quiet'], {
      env: { PATH: `${wrappers}:${process.env.PATH}`, TMPDIR: tmp },
      timeoutMs: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const { snap, problems } = snapshotProblems(out);
    expect(problems).toEqual([]);
    const m = snap.manifest;
    expect(m.collector.copy_mode).toBe('bulk');
    // 5 view files, then 6 entries per process: the first 4 processes made it.
    expect(m.counts.processes).toBe(4);
    expect(m.vanished).toEqual([]);
    for (let pid = 104; pid < 112; pid += 1) {
      expect(m.errors).toContainEqual({ path: `proc/${pid}/status`, error: 'timeout' });
      expect(m.errors).toContainEqual({ path: `proc/${pid}/ns/pid`, error: 'timeout' });
    }
    // Everything else failed by the timeout, but the fake tree has no cgroup files: a
    // file that is not there is ENOENT, whether or not the copy got that far.
    const others = (m.errors ?? []).filter((e) => e.error !== 'timeout');
    expect(others).toEqual(procs.map((p) => ({ path: `proc/${p.pid}/cgroup`, error: 'ENOENT' })));
    expect(readdirSync(tmp)).toEqual([]);
  });
});
