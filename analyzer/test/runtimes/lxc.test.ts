// LXC: a container in a private lxcpath (-P), on a copy of the busybox root, whose init
// is a script `sleep & sleep & wait`, no network device (lxc.net.0.type = empty).
// Captured from the host and from inside (lxc-attach). LXC gives the container its own
// boot_id, so the two views merge only when the analyzer can tell they are one boot.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR, privateDir, removeScratch } from '../helpers/collector-run.js';
import {
  analyze,
  baseReason,
  busyboxRootfs,
  captureHostSettled,
  captureInside,
  childrenOf,
  expectCounts,
  expectOwnBootMerges,
  hostProblems,
  expectParents,
  expectRoles,
  hostNs,
  needRuntime,
  nsLinks,
  run,
  SLEEP,
  tryRun,
  unique,
  waitFor,
  reportTimings,
} from './harness.js';
import type { LsnsRow } from './harness.js';

const name = `nsnap-rt-${process.pid}`;
let lxcpath = '';
let reason: string | null = null;
let init = 0;
let hostTar = '';
let insideTar = '';
let lsns = new Map<number, LsnsRow>();
const timings: Record<string, number> = {};

beforeAll(async () => {
  reason = baseReason(['lxc-start', 'lxc-attach', 'lxc-stop', 'lxc-info', 'busybox']);
  if (reason !== null) return;
  const t0 = Date.now();
  try {
    lxcpath = privateDir('lxc');
    const dir = join(lxcpath, name);
    const rootfs = join(dir, 'rootfs');
    mkdirSync(dir);
    cpSync(busyboxRootfs(), rootfs, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(rootfs, 'sbin', 'nsnap-init'), `#!/bin/sh\n${SLEEP} &\n${SLEEP} &\nwait\n`, { mode: 0o755 });
    copyFileSync(COLLECTOR, join(rootfs, 'tmp', 'nsnap-collect.sh'));
    writeFileSync(
      join(dir, 'config'),
      [
        `lxc.uts.name = ${name}`,
        `lxc.rootfs.path = dir:${rootfs}`,
        'lxc.net.0.type = empty',
        'lxc.init.cmd = /sbin/nsnap-init',
        'lxc.apparmor.profile = unconfined',
        'lxc.mount.auto = proc:mixed sys:ro',
        'lxc.tty.max = 0',
        'lxc.pty.max = 16',
        '',
      ].join('\n'),
    );
    run('lxc-start', ['-P', lxcpath, '-n', name, '-d', '-l', 'ERROR', '-o', join(lxcpath, 'lxc.log')]);
    init = await waitFor('the LXC container', () => {
      const pid = Number(/^PID:\s*(\d+)/m.exec(tryRun('lxc-info', ['-P', lxcpath, '-n', name, '-p']).stdout)?.[1] ?? 0);
      return pid > 0 && childrenOf(pid).length === 2 ? pid : null;
    });
  } catch (e) {
    reason = `LXC could not start its workload: ${(e as Error).message}`;
    return;
  }
  timings.start = Date.now() - t0;
  let t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => [init]));
  timings.hostCapture = Date.now() - t;
  t = Date.now();
  insideTar = captureInside('lxc', ['lxc-attach', '-P', lxcpath, '-n', name, '--', 'sh', '/tmp/nsnap-collect.sh', '-o', '-', '--quiet']);
  timings.insideCapture = Date.now() - t;
}, 300_000);

afterAll(() => {
  if (lxcpath !== '') tryRun('lxc-stop', ['-P', lxcpath, '-n', name, '-k']);
  removeScratch();
  reportTimings('lxc', timings);
});

describe('LXC', () => {
  it('host view: parents are lsns PNS, process counts are NPROCS', async (ctx) => {
    needRuntime('LXC', reason, ctx);
    const model = await analyze(hostTar);
    expect(expectParents(model, lsns, [init])).toBeGreaterThanOrEqual(2);
    expect(expectCounts(model, lsns, [init], hostNs())).toBeGreaterThanOrEqual(5);
  });

  it('the view from inside merges with the host view although it has a boot_id of its own; counts are NPROCS', async (ctx) => {
    needRuntime('LXC', reason, ctx);
    await expectOwnBootMerges(hostTar, insideTar, lsns, init);
  });

  // True role and name (needs the role rules of issue 14): the monitor's argv is
  // `[lxc monitor] LXCPATH NAME`.
  it('roles: an LXC container named by its name (trimmed) in every namespace type', async (ctx) => {
    needRuntime('LXC', reason, ctx);
    const model = await analyze(hostTar);
    const problems = [...hostProblems(model), ...expectRoles(model, init, { role: 'container', names: ['LXC', name] })];
    const pidNs = model.namespaces.find((n) => n.id === `pid:${nsLinks(init).pid}`);
    if (pidNs !== undefined && pidNs.label !== pidNs.label.trim()) problems.push(`label '${pidNs.label}' has outer spaces`);
    expect(unique(problems)).toEqual([]);
  });
});
