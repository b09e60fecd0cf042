// Live diffs on real PID namespaces (root only; must run in CI). Each test works inside its
// own sandbox PID namespace and reads that namespace's procfs from outside, through
// /proc/<sandbox init>/root/proc, so other processes on the machine (other tests,
// other people) cannot show up in the diff. Changes are made with nsenter + unshare.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffAnalyses } from '../../src/diff/index.js';
import type { Change, ChangeOf } from '../../src/diff/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { applyRoles, loadRules } from '../../src/roles/index.js';
import { loadView } from '../../src/source/load.js';
import { diffSchemaErrors } from './schema.js';
import { relabel } from './world.js';

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create PID namespaces';
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'unshare --pid --fork --mount-proc or nsenter does not work here';
  }
  return null;
}
const reason = skipReason();
const skip = reason !== null && !process.env.CI;
if (skip) console.warn(`skipped: ${reason}`);

const of = <K extends Change['kind']>(changes: Change[], kind: K): Array<ChangeOf<K>> =>
  changes.filter((c): c is ChangeOf<K> => c.kind === kind);

function childOf(pid: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (new RegExp(`^PPid:\\s+${pid}$`, 'm').test(readFileSync(`/proc/${name}/status`, 'utf8'))) return Number(name);
    } catch {
      // gone
    }
  }
  return null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A sandbox PID namespace whose init runs `script`; analyses read only its procfs. */
class Sandbox {
  private constructor(
    readonly unsharePid: number,
    readonly init: number,
  ) {}

  static async start(script: string): Promise<Sandbox> {
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script], { detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid as number;
    for (let i = 0; i < 100; i += 1) {
      const init = childOf(pid);
      if (init !== null) return new Sandbox(pid, init);
      await sleep(20);
    }
    throw new Error('sandbox did not start');
  }

  /** Starts `command` in the background inside the sandbox (its PID and mount namespaces). */
  run(command: string): void {
    execFileSync('nsenter', ['-t', String(this.init), '-p', '-m', 'sh', '-c', `${command} >/dev/null 2>&1 &`], { stdio: 'ignore' });
  }

  async analysis(): Promise<Analysis> {
    const view = await loadView(`/proc/${this.init}/root/proc`);
    const a = buildAnalysis([view]);
    applyRoles(a, [view], loadRules([]));
    return a;
  }

  /** The analysis once `ready` holds (processes start asynchronously). */
  async settle(ready: (a: Analysis) => boolean): Promise<Analysis> {
    for (let i = 0; i < 150; i += 1) {
      const a = await this.analysis();
      if (ready(a)) return a;
      await sleep(20);
    }
    throw new Error('the sandbox did not reach the expected state');
  }

  /** Root-view PIDs (in the sandbox) of processes with this command line. */
  pidsOf(cmdline: string, a: Analysis): number[] {
    return a.processes.filter((p) => p.cmdline === cmdline).map((p) => p.nspid[0] as number);
  }

  destroy(): void {
    for (const pid of [this.init, this.unsharePid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

const NESTED = `unshare --pid --fork --mount-proc sh -c 'sleep 1000 & sleep 1001 & wait'`;
const count = (a: Analysis, type = 'pid'): number => a.namespaces.filter((n) => n.type === type).length;

describe('nsnap diff on live namespaces', () => {
  let box: Sandbox | null = null;
  let dir: string | null = null;
  afterEach(() => {
    box?.destroy();
    box = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it.skipIf(skip)(`reports exactly a new nested namespace and its processes${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    if (reason) throw new Error(reason);
    box = await Sandbox.start('sleep 100000 & wait');
    const before = await box.settle((a) => a.processes.length === 2);
    expect(diffAnalyses(before, before).changes).toEqual([]);

    // Transient noise: a process named like the collector, with a helper of its own.
    dir = mkdtempSync(join(tmpdir(), 'nsnap-diff-'));
    const fake = join(dir, 'nsnap-collect.sh');
    writeFileSync(fake, '#!/bin/sh\nsleep 99999 &\nwait\n');
    chmodSync(fake, 0o755);
    box.run(fake);
    box.run(NESTED);
    const after = await box.settle((a) => count(a) === 2 && a.processes.length === 2 + 2 + 1 + 3);

    const d = diffAnalyses(before, after);
    const root = before.views[0]?.pidNamespace as string;
    const nested = after.namespaces.find((n) => n.type === 'pid' && n.parent === root)?.id;
    expect(d.matching).toBe('inode');
    expect(d.changes.map((c) => c.kind)).toEqual(['namespace-added', 'processes-added']);
    const added = of(d.changes, 'namespace-added')[0];
    expect(added?.after).toBe(nested);
    expect(added?.parent).toBe(root);
    expect(added?.parentMatch).toBe(root);
    expect(added?.processes.map((p) => [p.cmdline, p.count])).toEqual([
      ['sh -c sleep 1000 & sleep 1001 & wait', 1],
      ['sleep 1000', 1],
      ['sleep 1001', 1],
    ]);
    expect(added?.with).toEqual([expect.stringMatching(/^mnt:/)]); // --mount-proc made one
    // The unshare process itself lives in the parent namespace.
    expect(of(d.changes, 'processes-added')[0]?.processes.map((p) => p.comm)).toEqual(['unshare']);
    expect(d.after.hiddenProcesses).toBe(2);
    expect(of(diffAnalyses(before, after, { all: true }).changes, 'processes-added')[0]?.total).toBe(3);
    expect(diffSchemaErrors(d)).toEqual([]);

    // The same captures as if from two boots: matched by structure, same story.
    const across = diffAnalyses(before, relabel(after, 'another-boot', 7));
    expect(across.matching).toBe('structure');
    expect(across.changes.map((c) => c.kind)).toEqual(['namespace-added', 'processes-added']);
  });

  it.skipIf(skip)(`follows a workload moved from one nested namespace into a new one${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    if (reason) throw new Error(reason);
    box = await Sandbox.start('sleep 100000 & wait');
    box.run(`unshare --pid --fork --mount-proc sh -c 'sleep 2001 & sleep 2002 & wait'`);
    const before = await box.settle((a) => count(a) === 2 && box!.pidsOf('sleep 2002', a).length === 1 && a.processes.length === 2 + 1 + 3);
    const first = before.namespaces.find((n) => n.type === 'pid' && n.depth === 1)?.id as string;

    // Move `sleep 2002`: stop it in the first nested namespace, start it in a new one.
    const victim = box.pidsOf('sleep 2002', before)[0] as number;
    execFileSync('nsenter', ['-t', String(box.init), '-p', 'kill', String(victim)]);
    box.run(`unshare --pid --fork --mount-proc sh -c 'sleep 2002 & wait'`);
    const after = await box.settle((a) => count(a) === 3 && a.processes.length === 2 + 1 + 2 + 1 + 2);

    const d = diffAnalyses(before, after);
    const root = before.views[0]?.pidNamespace as string;
    const second = after.namespaces.find((n) => n.type === 'pid' && n.depth === 1 && n.id !== first)?.id;
    expect(d.changes.map((c) => [c.kind, c.before, c.after])).toEqual([
      ['namespace-added', null, second],
      ['processes-removed', first, first],
      ['processes-added', root, root],
    ]);
    expect(of(d.changes, 'processes-removed')[0]?.processes.map((p) => p.cmdline)).toEqual(['sleep 2002']);
    expect(of(d.changes, 'namespace-added')[0]?.processes.map((p) => p.cmdline)).toEqual(['sh -c sleep 2002 & wait', 'sleep 2002']);
    expect(of(d.changes, 'processes-added')[0]?.processes.map((p) => p.comm)).toEqual(['unshare']);

    const across = diffAnalyses(before, relabel(after, 'another-boot', 11));
    expect(across.changes.map((c) => c.kind)).toEqual(['namespace-added', 'processes-removed', 'processes-added']);
  });
});
