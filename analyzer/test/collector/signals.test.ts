// SIGINT and SIGTERM at any moment of a capture: the collector exits 130 or 143 and
// leaves no output file, no hidden temporary file, no staging folder and no process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertGate,
  buildLiveTree,
  busyboxEnv,
  collectorArgv,
  gate,
  livePids,
  liveSkipReason,
  privateDir,
  removeScratch,
  toolMissing,
} from '../helpers/live.js';
import type { LiveTree } from '../helpers/live.js';

afterAll(removeScratch);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  outDir: string;
  tmp: string;
}

type Trigger = { afterMs: number } | { when: (outDir: string, tmp: string) => boolean };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts a capture, sends `sig` when the trigger fires, and waits for the exit. */
async function interrupt(shellName: string, sig: 'SIGINT' | 'SIGTERM', trigger: Trigger): Promise<Outcome> {
  const outDir = privateDir('out');
  const tmp = privateDir('tmp');
  let shell = 'dash';
  let env: NodeJS.ProcessEnv = process.env;
  if (shellName === 'busybox') {
    env = busyboxEnv();
    shell = join(env.PATH as string, 'sh');
  }
  const argv = collectorArgv(['-o', join(outDir, 'snap.tar.gz'), '--quiet'], { shell });
  const child = spawn(argv[0] as string, argv.slice(1), { env: { ...env, TMPDIR: tmp }, stdio: 'ignore' });
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
  }
  if (!done) child.kill(sig);
  const [code, signal] = await exited;
  return { code, signal, outDir, tmp };
}

/** Processes still running with the staging folder in their command line. */
function leftovers(tmp: string): string[] {
  const found: string[] = [];
  for (const p of livePids()) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(tmp)) found.push(`${p}: ${cmd.split('\0').join(' ')}`);
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * Waits up to 2 s for them to end: busybox's `timeout` leaves a watchdog that checks
 * once a second whether its command is still there, and then exits by itself.
 */
async function settledLeftovers(tmp: string): Promise<string[]> {
  let found = leftovers(tmp);
  for (let i = 0; i < 40 && found.length > 0; i += 1) {
    await sleep(50);
    found = leftovers(tmp);
  }
  return found;
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

describe.skipIf(g.skip)('a capture interrupted by a signal', () => {
  let tree: LiveTree;

  beforeAll(async () => {
    assertGate(g);
    // Enough processes that a capture takes a while.
    tree = await buildLiveTree({ sleepers: 300 });
  });

  afterAll(async () => {
    await tree?.destroy();
  });

  const cases: [string, 'SIGINT' | 'SIGTERM', string, Trigger][] = [
    ['dash', 'SIGINT', 'while cp copies', { when: copying }],
    ['dash', 'SIGTERM', 'while tar writes', { when: archiving }],
    ['busybox', 'SIGTERM', 'while cp copies', { when: copying }],
    ['busybox', 'SIGINT', 'while tar writes', { when: archiving }],
  ];
  // And at random moments, from the very start to the end of a capture.
  for (let i = 0; i < 8; i += 1) {
    const afterMs = Math.floor(Math.random() * 600);
    cases.push([i % 2 === 0 ? 'dash' : 'busybox', i % 3 === 0 ? 'SIGTERM' : 'SIGINT', `after ${afterMs} ms`, { afterMs }]);
  }

  let interrupted = 0;
  for (const [shell, sig, when, trigger] of cases) {
    it(`${shell}, ${sig} ${when}: no output, no temp files, no processes`, async () => {
      const o = await interrupt(shell, sig, trigger);
      const expected = sig === 'SIGINT' ? 130 : 143;
      if (o.code === 0) {
        // It finished before the signal: then the snapshot is whole.
        expect(readdirSync(o.outDir)).toEqual(['snap.tar.gz']);
      } else {
        interrupted += 1;
        // Before the trap is set a signal kills the shell itself; both leave nothing.
        expect(o.code === expected || o.signal === sig, `exit ${o.code} / ${o.signal}`).toBe(true);
        expect(readdirSync(o.outDir)).toEqual([]);
      }
      expect(readdirSync(o.tmp)).toEqual([]);
      expect(await settledLeftovers(o.tmp)).toEqual([]);
    });
  }

  it('interrupted most runs (the triggers fired in time)', () => {
    expect(interrupted).toBeGreaterThanOrEqual(cases.length / 2);
  });
});
