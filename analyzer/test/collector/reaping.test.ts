// The collector leaves no process behind, also where PID 1 never reaps. The container
// is real: `unshare --pid --fork --mount-proc` with `sleep` exec'd as its PID 1, which
// never calls wait(), so an orphan re-parented to it stays there, alive or as a zombie,
// until the namespace ends. The collector runs inside through nsenter (dash, bash, and
// busybox alone, whose `timeout` daemonises a watchdog), and afterwards the namespace
// must hold PID 1 and nothing else: at once, and again 1.5 s later (busybox's watchdog
// polls once a second, so a late leftover would show by then).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxEnv, collectorArgv, privateDir, removeScratch } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { livePids } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';

afterAll(removeScratch);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pidNsOf(pid: number): number | null {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1]);
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Member {
  pid: number;
  state: string;
  comm: string;
}

/** Every process of PID namespace `ns` (host view) but its init, with its state. */
function membersBesides(ns: number, init: number): Member[] {
  const out: Member[] = [];
  for (const pid of livePids()) {
    if (pid === init || pidNsOf(pid) !== ns) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const tail = stat.slice(stat.lastIndexOf(')') + 2);
      out.push({ pid, state: tail.split(' ')[0] as string, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

interface Container {
  unshare: ChildProcess;
  /** Host PID of the namespace's PID 1 (`sleep`, which never reaps). */
  init: number;
  ns: number;
}

async function startNonReaping(): Promise<Container> {
  const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sleep', '1000000'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [init] = childrenOf(unshare.pid as number);
    const ns = init === undefined ? null : pidNsOf(init);
    if (init !== undefined && ns !== null && ns !== pidNsOf(process.pid)) {
      const comm = readFileSync(`/proc/${init}/comm`, 'utf8').trim();
      if (comm === 'sleep') return { unshare, init, ns };
    }
    if (unshare.exitCode !== null || Date.now() > deadline) {
      unshare.kill('SIGKILL');
      throw new Error('the non-reaping namespace did not come up');
    }
    await sleep(20);
  }
}

const g = gate(liveSkipReason(), toolMissing('nsenter'), toolMissing('busybox'), toolMissing('bash'));
if (g.skip) console.log(`skipping the non-reaping PID 1 suite: ${g.reason}`);

describe.skipIf(g.skip)('collector inside a container whose PID 1 never reaps', () => {
  let box: Container;

  beforeAll(async () => {
    assertGate(g);
    box = await startNonReaping();
  });

  afterAll(async () => {
    if (box === undefined) return;
    const gone = new Promise<void>((r) => box.unshare.once('exit', () => r()));
    if (box.unshare.exitCode === null && box.unshare.signalCode === null) box.unshare.kill('SIGKILL');
    await gone;
    for (let i = 0; i < 100 && existsSync(`/proc/${box.init}`); i += 1) await sleep(20);
  });

  const shells: { name: string; busybox: boolean }[] = [
    { name: 'dash', busybox: false },
    { name: 'bash', busybox: false },
    { name: 'busybox sh, busybox tools only', busybox: true },
  ];

  for (const sh of shells) {
    it(`${sh.name}: a valid snapshot, and PID 1 alone afterwards (no zombie, no watchdog)`, async () => {
      expect(membersBesides(box.ns, box.init), 'the namespace is empty before the run').toEqual([]);
      const dir = privateDir('reap');
      const out = join(dir, 'snap.tar.gz');
      const env = sh.busybox ? busyboxEnv() : { ...process.env };
      const shell = sh.busybox ? join(env.PATH as string, 'sh') : sh.name;
      // nsenter -p forks the collector into the namespace: its orphans go to `sleep`.
      const argv = collectorArgv(['-o', out, '--quiet'], {
        shell,
        prefix: ['nsenter', '-t', String(box.init), '-p', '-m', '--'],
      });
      const tmp = privateDir('tmp');
      const r = spawnSync(argv[0] as string, argv.slice(1), {
        env: { ...env, TMPDIR: tmp },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const { snap, problems } = snapshotProblems(out);
      expect(problems).toEqual([]);
      // The capture saw the namespace from inside: PID 1 is the sleep.
      expect(readFileSync(join(snap.top, 'proc', '1', 'comm'), 'utf8').trim()).toBe('sleep');
      expect(membersBesides(box.ns, box.init), 'left at exit').toEqual([]);
      await sleep(1_500);
      expect(membersBesides(box.ns, box.init), 'left 1.5 s after exit').toEqual([]);
      expect(readdirSync(tmp), 'the staging folder is removed').toEqual([]);
    });
  }
});
