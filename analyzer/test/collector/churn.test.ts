// Processes that come and go during the capture: it completes, the snapshot validates,
// the vanished are listed as such (never as denied or failed reads), and processes
// alive throughout are all there.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxEnv, privateDir, removeScratch, runCollector } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { buildLiveTree, liveNspid } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { nspidOf, snapFile } from '../helpers/snapshot-files.js';
import type { LiveTree } from '../helpers/live-tree.js';

afterAll(removeScratch);

// Short-lived processes, 10 to 80 ms each, eight at a time, forever. In a PID namespace
// of its own (--kill-child) so that one SIGKILL ends the loop and all it started.
const CHURN = 'while :; do for i in 1 2 3 4 5 6 7 8; do sleep 0.0$i & done; wait; done';

const g = gate(liveSkipReason(), toolMissing('busybox'));

describe.skipIf(g.skip)('a capture during process churn', () => {
  let tree: LiveTree;
  let churn: ChildProcess;

  beforeAll(async () => {
    assertGate(g);
    tree = await buildLiveTree({ sleepers: 20, children: [{ sleepers: 5 }] });
    churn = spawn('unshare', ['--pid', '--fork', '--kill-child', 'sh', '-c', CHURN], { stdio: 'ignore' });
  });

  afterAll(async () => {
    if (churn && churn.exitCode === null) {
      churn.kill('SIGKILL');
      await new Promise((r) => churn.once('exit', r));
    }
    await tree?.destroy();
  });

  const runs: [string, () => { shell: string; env: NodeJS.ProcessEnv }][] = [
    ['dash', () => ({ shell: 'dash', env: process.env })],
    ['bash', () => ({ shell: 'bash', env: process.env })],
    [
      'busybox',
      () => {
        const env = busyboxEnv();
        return { shell: join(env.PATH as string, 'sh'), env };
      },
    ],
  ];
  for (const [name, setup] of runs) {
    it(`completes with a valid snapshot (${name})`, () => {
      const { shell, env } = setup();
      const out = join(privateDir('out'), 'churn.tar.gz');
      const tmp = privateDir('tmp');
      // Busybox alone starts one cp per process, each competing with the churn for the
      // cores: allow for a loaded machine.
      const r = runCollector(['-o', out, '--quiet'], { shell, env: { ...env, TMPDIR: tmp }, timeoutMs: 150_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const { snap, problems } = snapshotProblems(out);
      expect(problems).toEqual([]);
      const m = snap.manifest;
      expect(new Set(m.vanished).size).toBe(m.vanished.length);
      // A vanished PID is explained by vanishing, not by failed reads.
      const failed = [...m.denied, ...(m.errors ?? [])].map((d) => Number(d.path.split('/')[1]));
      expect(failed.filter((p) => m.vanished.includes(p))).toEqual([]);
      // Every process of the long-lived tree is there, exactly as it is.
      for (const pid of tree.pids) {
        expect(nspidOf(snapFile(snap, `${pid}/status`)), `status of ${pid}`).toEqual(liveNspid(pid));
      }
      expect(readdirSync(tmp)).toEqual([]);
    }, 160_000);
  }
});
