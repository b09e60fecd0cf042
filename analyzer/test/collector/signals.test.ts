// SIGINT, SIGTERM and SIGHUP at any moment of a capture: the collector exits 130, 143 or
// 129 and leaves no output file, no hidden temporary file, no staging folder and no
// process; or, when the signal came too late, a whole snapshot that validates. Besides
// the moments picked on purpose (while cp copies, while tar writes), 36 runs under dash
// and busybox get a random signal at a random step plus a random delay: seeded, the
// seed is in the suite's name, and NSNAP_SIGNAL_SEED=<seed> replays a failure. Leftover
// processes are found by a mark in the environment, which everything started inherits.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxEnv, collectorArgv, privateDir, removeScratch } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { buildLiveTree, livePids } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import type { LiveTree } from '../helpers/live-tree.js';

afterAll(removeScratch);

type Sig = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const EXIT: Record<Sig, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  outDir: string;
  tmp: string;
  /** In the environment of the run and of everything it started. */
  mark: string;
  ms: number;
}

/** mulberry32: a small seeded generator, so that a failing sequence can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.NSNAP_SIGNAL_SEED ?? Math.floor(Math.random() * 2 ** 31));
let marks = 0;

type Trigger = { afterMs: number } | { when: (outDir: string, tmp: string) => boolean; thenMs?: number };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts a capture, sends `sig` when the trigger fires, and waits for the exit. */
async function interrupt(shellName: string, sig: Sig, trigger: Trigger): Promise<Outcome> {
  const outDir = privateDir('out');
  const tmp = privateDir('tmp');
  let shell = 'dash';
  let env: NodeJS.ProcessEnv = process.env;
  if (shellName === 'busybox') {
    env = busyboxEnv();
    shell = join(env.PATH as string, 'sh');
  }
  const argv = collectorArgv(['-o', join(outDir, 'snap.tar.gz'), '--quiet'], { shell });
  marks += 1;
  const mark = `nsnap-signal-${process.pid}-${SEED}-${marks}`;
  const started = Date.now();
  const child = spawn(argv[0] as string, argv.slice(1), { env: { ...env, TMPDIR: tmp, NSNAP_TEST_MARK: mark }, stdio: 'ignore' });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  if ('afterMs' in trigger) {
    await sleep(trigger.afterMs);
  } else {
    const deadline = Date.now() + 20_000;
    while (!done && !trigger.when(outDir, tmp) && Date.now() < deadline) await sleep(2);
    if (trigger.thenMs) await sleep(trigger.thenMs);
  }
  if (!done) child.kill(sig);
  const [code, signal] = await exited;
  return { code, signal, outDir, tmp, mark, ms: Date.now() - started };
}

/**
 * Processes still running that the run started: its mark is in their environment
 * (inherited by everything it starts, lsns and timeout included), or its staging
 * folder in their command line.
 */
function leftovers(...runs: Outcome[]): { pid: number; comm: string; cmd: string }[] {
  const found: { pid: number; comm: string; cmd: string }[] = [];
  for (const p of livePids()) {
    try {
      const environ = readFileSync(`/proc/${p}/environ`, 'latin1');
      if (!environ.includes('NSNAP_TEST_MARK=')) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (runs.some((o) => environ.includes(`NSNAP_TEST_MARK=${o.mark}\0`) || cmd.includes(o.tmp))) {
        const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
        found.push({ pid: p, comm, cmd: cmd.split('\0').join(' ') });
      }
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

/**
 * What a run left behind when it exited: nothing may be left, watchdogs included (the
 * collector times its jobs itself and reaps every helper; see reaping.test.ts).
 */
function lingering(o: Outcome): string[] {
  return leftovers(o).map((l) => `${l.pid} (${l.comm}): ${l.cmd}`);
}

/** The staging tree's manifest exists: the archive is being written. */
function archiving(_outDir: string, tmp: string): boolean {
  for (const work of readdirSync(tmp)) {
    try {
      for (const top of readdirSync(join(tmp, work))) if (existsSync(join(tmp, work, top, 'nsnap.json'))) return true;
    } catch {
      // the folder is being made or removed
    }
  }
  return false;
}

/** The staging folder exists. */
function staging(_outDir: string, tmp: string): boolean {
  return readdirSync(tmp).length > 0;
}

/** cp has started filling the staging tree. */
function copying(_outDir: string, tmp: string): boolean {
  for (const work of readdirSync(tmp)) {
    try {
      if (readdirSync(join(tmp, work)).some((n) => n.startsWith('nsnap-')) && existsSync(join(tmp, work, 'copy.list'))) return true;
    } catch {
      // the folder is being made or removed
    }
  }
  return false;
}

const g = gate(liveSkipReason(), toolMissing('busybox'));
const RANDOM_RUNS = 36;

describe.skipIf(g.skip)(`a capture interrupted by a signal (seed ${SEED})`, () => {
  let tree: LiveTree;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    assertGate(g);
    // Enough processes that a capture takes a while.
    tree = await buildLiveTree({ sleepers: 200 });
  });

  afterAll(async () => {
    await tree?.destroy();
  });

  const cases: [string, Sig, string, Trigger][] = [
    ['dash', 'SIGINT', 'while cp copies', { when: copying }],
    ['dash', 'SIGTERM', 'while tar writes', { when: archiving }],
    ['dash', 'SIGHUP', 'while cp copies', { when: copying }],
    ['busybox', 'SIGTERM', 'while cp copies', { when: copying }],
    ['busybox', 'SIGINT', 'while tar writes', { when: archiving }],
    ['busybox', 'SIGHUP', 'while tar writes', { when: archiving }],
  ];
  // And at random moments: a random step of the capture (a fixed time would drift with
  // the machine's load), then a random delay of up to 250 ms into it.
  const random = seeded(SEED);
  const sigs: Sig[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const steps: [string, (outDir: string, tmp: string) => boolean][] = [
    ['the start', () => true],
    ['staging', staging],
    ['copying', copying],
    ['archiving', archiving],
  ];
  for (let i = 0; i < RANDOM_RUNS; i += 1) {
    const shell = i % 2 === 0 ? 'dash' : 'busybox';
    const sig = sigs[Math.floor(random() * sigs.length)] as Sig;
    const [step, when] = steps[Math.floor(random() * steps.length)] as [string, (o: string, t: string) => boolean];
    const thenMs = Math.floor(random() * 250);
    cases.push([shell, sig, `${thenMs} ms after ${step}`, { when, thenMs }]);
  }

  let interrupted = 0;
  for (const [shell, sig, when, trigger] of cases) {
    it(`${shell}, ${sig} ${when}: no output, no temp files, no processes`, async () => {
      const o = await interrupt(shell, sig, trigger);
      outcomes.push(o);
      if (o.code === 0) {
        // It finished before the signal: then the snapshot is whole.
        expect(readdirSync(o.outDir)).toEqual(['snap.tar.gz']);
        expect(snapshotProblems(join(o.outDir, 'snap.tar.gz')).problems).toEqual([]);
      } else {
        interrupted += 1;
        // Before the trap is set a signal kills the shell itself; both leave nothing.
        expect(o.code === EXIT[sig] || o.signal === sig, `exit ${o.code} / ${o.signal}`).toBe(true);
        expect(readdirSync(o.outDir)).toEqual([]);
      }
      expect(readdirSync(o.tmp)).toEqual([]);
      expect(lingering(o)).toEqual([]);
    });
  }

  it('interrupted most runs (the signals came in time)', () => {
    expect(interrupted).toBeGreaterThanOrEqual(cases.length / 2);
  });

  it('left no process at all, checked again after every run', async () => {
    let found = leftovers(...outcomes);
    for (let i = 0; i < 40 && found.length > 0; i += 1) {
      await sleep(50);
      found = leftovers(...outcomes);
    }
    expect(found).toEqual([]);
  });
});
