// On the GNU path the collector starts the same programs whatever the number of
// processes: one bulk cp for all of them, builtins for everything per PID. With busybox
// alone (no `cp --parents`) it starts one cp per process and nothing else per process.
// Counted with strace (every successful execve), for a small and a large view that
// differ only in sleepers in the same PID namespace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxEnv, collectorArgv, hostTool, privateDir, removeScratch } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { withLiveTree } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { nspidOf, snapFile } from '../helpers/snapshot-files.js';

afterAll(removeScratch);

interface Count {
  /** Programs started, the watchdogs' `sleep` left out. */
  execs: number;
  programs: Map<string, number>;
  processes: number;
  /** PID namespace inits in the view: each costs a few programs (os-release copies). */
  inits: number;
  copyMode: string | undefined;
  /** PID folders the collector listed but got no status from: vanished, or failed reads. */
  statusless: number;
}

let seccomp: string[] = [];

/** Runs the collector (dash and GNU tools, or busybox alone) under strace and counts the programs it started. */
function countExecs(busybox = false): Count {
  const dir = privateDir('strace');
  const trace = join(dir, 'trace');
  const out = join(dir, 'snap.tar.gz');
  const env = busybox ? busyboxEnv() : process.env;
  const shell = busybox ? join(env.PATH as string, 'sh') : 'dash';
  const argv = [
    hostTool('strace'),
    ...seccomp,
    '-f',
    '-qq',
    '-e',
    'trace=execve',
    '-o',
    trace,
    ...collectorArgv(['-o', out, '--quiet'], { shell }),
  ];
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    env: { ...env, TMPDIR: privateDir('tmp') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`collector under strace failed: ${r.stderr}`);
  const programs = new Map<string, number>();
  let execs = 0;
  // With -f, a call another process interrupts is split in two lines:
  //   123 execve("/usr/bin/cp", […] <unfinished ...>
  //   123 <... execve resumed>) = 0
  const pending = new Map<string, string>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    const called = /^execve\("([^"]+)"/.exec(rest)?.[1]?.split('/').at(-1);
    let name: string | undefined;
    if (called !== undefined && rest.endsWith('<unfinished ...>')) pending.set(pid, called);
    else if (called !== undefined) name = called;
    else if (rest.startsWith('<... execve resumed>')) name = pending.get(pid);
    // A failed execve (the PATH search) ends in "= -1 ENOENT …"; "= 0" started something.
    if (name === undefined || !/= 0$/.test(rest)) continue;
    programs.set(name, (programs.get(name) ?? 0) + 1);
    // A job's watchdog `sleep` is exec'd only when the job outlives the fork (a fast job
    // kills it first): one per job at most, never per process; counted apart.
    if (name !== 'sleep') execs += 1;
  }
  const { snap, problems } = snapshotProblems(out);
  if (problems.length > 0) throw new Error(`invalid snapshot: ${problems.join('; ')}`);
  const m = snap.manifest;
  const inits = snap.pids.filter((p) => nspidOf(snapFile(snap, `${p}/status`))?.at(-1) === 1).length;
  const statusless = m.vanished.length + (m.errors ?? []).filter((e) => e.path.endsWith('/status')).length;
  return { execs, programs, processes: m.counts.processes, inits, copyMode: m.collector.copy_mode, statusless };
}

const g = gate(liveSkipReason(), toolMissing('strace'));

describe.skipIf(g.skip)('processes started by the collector', () => {
  beforeAll(() => {
    assertGate(g);
    const probe = spawnSync('strace', ['--seccomp-bpf', '-f', '-qq', '-e', 'trace=execve', '-o', '/dev/null', 'true']);
    // --seccomp-bpf stops only at execve: much faster where strace has it.
    seccomp = probe.status === 0 ? ['--seccomp-bpf'] : [];
  });

  it('do not grow with the number of processes (bulk copy)', async () => {
    const small = await withLiveTree({ sleepers: 5 }, async () => countExecs());
    const large = await withLiveTree({ sleepers: 1005 }, async () => countExecs());
    expect(small.copyMode).toBe('bulk');
    expect(large.copyMode).toBe('bulk');
    // The sleepers are in the view. Not compared with the small run's count: other
    // suites on the machine start and end whole trees of processes between the two.
    expect(large.processes).toBeGreaterThan(1005);
    const detail = `small ${JSON.stringify([...small.programs])}, large ${JSON.stringify([...large.programs])}`;
    // Equal, give or take the one `xargs rmdir` for processes that vanished before
    // anything was read (there may be some in one run and none in the other), the second
    // cp job (xargs, cp, timeout, and a cat of its messages) that a view of 2000 PID
    // folders or more gets, which the other suites' processes can tip either way, and the
    // few programs per namespace init (readlink, mkdir, timeout, head for its
    // os-release) should another suite's namespaces come or go between the two runs.
    const perInit = 8 * Math.abs(large.inits - small.inits);
    expect(Math.abs(large.execs - small.execs), detail).toBeLessThanOrEqual(6 + perInit);
    // And small in absolute terms: one probe cp and one or two bulk cp.
    expect(large.programs.get('cp'), detail).toBeLessThanOrEqual(3);
    expect(large.execs, detail).toBeLessThan(60);
    expect(large.programs.get('sleep') ?? 0, detail).toBeLessThanOrEqual(12 + 3 * large.inits);
  });

  it('busybox alone: one cp per process, nothing else grows with the processes', async () => {
    const small = await withLiveTree({ sleepers: 5 }, async () => countExecs(true));
    const large = await withLiveTree({ sleepers: 205 }, async () => countExecs(true));
    expect(large.copyMode).toBe('loop');
    // The sleepers are in the view (how many other processes come and go between the
    // runs does not matter: each run is checked against its own count).
    expect(large.processes).toBeGreaterThan(205);
    const detail = `small ${JSON.stringify([...small.programs])}, large ${JSON.stringify([...large.programs])}`;
    for (const c of [small, large]) {
      // The probe of `cp --parents` and three cp for the view's own files, then one per
      // PID folder listed: every process captured, and at most those that vanished or
      // whose status failed.
      const perProcess = (c.programs.get('cp') ?? 0) - 4;
      expect(perProcess, detail).toBeGreaterThanOrEqual(c.processes);
      expect(perProcess, detail).toBeLessThanOrEqual(c.processes + c.statusless);
    }
    // Everything but those cp is the same for 200 more sleepers, give or take an xargs
    // batch, the `xargs rmdir` for vanished processes and a few programs per namespace
    // init, as above.
    const rest = (c: Count): number => c.execs - (c.programs.get('cp') ?? 0);
    const perInit = 8 * Math.abs(large.inits - small.inits);
    expect(Math.abs(rest(large) - rest(small)), detail).toBeLessThanOrEqual(6 + perInit);
    expect(rest(large), detail).toBeLessThan(60);
    expect(large.programs.get('sleep') ?? 0, detail).toBeLessThanOrEqual(12 + 3 * large.inits);
  }, 240_000);
});
