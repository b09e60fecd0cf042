// systemd-nspawn in command mode (PID 1 here is not systemd and cgroups may be v1, so
// --register=no --keep-unit; booting systemd needs a systemd host), on the busybox
// root: `sh -c 'sleep & sleep; wait'` in machine <name>. Captured from the host and
// from inside (nsenter into every namespace of its PID 1). nspawn gives the container its
// own boot_id, so the two views merge only when the analyzer can tell they are one boot.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR, removeScratch } from '../helpers/collector-run.js';
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
  SLEEP,
  unique,
  waitFor,
  reportTimings,
} from './harness.js';
import type { LsnsRow } from './harness.js';

const machine = `nsnaprt${process.pid}`;
let reason: string | null = null;
let nspawn: ChildProcess | null = null;
let init = 0;
let hostTar = '';
let insideTar = '';
let lsns = new Map<number, LsnsRow>();
let stderr = '';
const timings: Record<string, number> = {};

beforeAll(async () => {
  reason = baseReason(['systemd-nspawn', 'busybox']);
  if (reason !== null) return;
  const t0 = Date.now();
  try {
    const root = busyboxRootfs();
    copyFileSync(COLLECTOR, join(root, 'nsnap-collect.sh'));
    nspawn = spawn(
      'systemd-nspawn',
      ['-q', '-D', root, '--register=no', '--keep-unit', '-M', machine, '/bin/sh', '-c', `${SLEEP} & ${SLEEP}; wait`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    nspawn.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const self = nspawn;
    init = await waitFor(
      'the nspawn container',
      () => {
        if (self.exitCode !== null) throw new Error(`systemd-nspawn exited ${self.exitCode}: ${stderr.trim()}`);
        const kid = childrenOf(self.pid as number).find((k) => nsLinks(k).pid !== hostNs().pid);
        return kid !== undefined && childrenOf(kid).length === 2 ? kid : null;
      },
      20_000,
    );
  } catch (e) {
    reason = `systemd-nspawn could not start its workload: ${(e as Error).message}`;
    return;
  }
  timings.start = Date.now() - t0;
  let t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => [init]));
  timings.hostCapture = Date.now() - t;
  t = Date.now();
  insideTar = captureInside('nspawn', ['nsenter', '-t', String(init), '-a', 'sh', '/nsnap-collect.sh', '-o', '-', '--quiet']);
  timings.insideCapture = Date.now() - t;
}, 300_000);

afterAll(async () => {
  if (nspawn !== null && nspawn.exitCode === null) {
    const gone = new Promise<void>((r) => nspawn?.once('exit', () => r()));
    nspawn.kill('SIGTERM');
    const timer = setTimeout(() => nspawn?.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
  for (let i = 0; i < 100 && init > 0 && existsSync(`/proc/${init}`); i += 1) await new Promise((r) => setTimeout(r, 50));
  removeScratch();
  reportTimings('nspawn', timings);
});

describe('systemd-nspawn', () => {
  it('host view: parents are lsns PNS, process counts are NPROCS', async (ctx) => {
    needRuntime('systemd-nspawn', reason, ctx);
    const model = await analyze(hostTar);
    expect(expectParents(model, lsns, [init])).toBeGreaterThanOrEqual(2);
    expect(expectCounts(model, lsns, [init], hostNs())).toBeGreaterThanOrEqual(4);
  });

  it('the view from inside merges with the host view although it has a boot_id of its own; counts are NPROCS', async (ctx) => {
    needRuntime('systemd-nspawn', reason, ctx);
    await expectOwnBootMerges(hostTar, insideTar, lsns, init);
  });

  // True role and name (needs the role rules of issue 14): the machine name is in
  // systemd-nspawn's argv (-M), even when machined does not know the machine.
  it('roles: an nspawn container named by its machine name in every namespace type', async (ctx) => {
    needRuntime('systemd-nspawn', reason, ctx);
    const model = await analyze(hostTar);
    expect(unique([...hostProblems(model), ...expectRoles(model, init, { role: 'container', names: ['nspawn', machine] })])).toEqual([]);
  });
});
