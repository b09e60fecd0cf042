// A procfs mounted with hidepid=invisible (hidepid=2): a non-root capture sees only its
// own user's processes. The capture still completes and validates, holds nothing but
// that user's processes, and the manifest says the view was limited (view.hidepid),
// so a reader does not take the missing processes for a small machine.
//
// Each run has a private mount namespace (unshare --mount), so the hidepid mount never
// reaches the host: once over /proc itself (a live capture under dash), once at a
// folder of its own read with --proc under busybox.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/run-cli.js';
import { busyboxEnv, collectorArgv, hostTool, privateDir, removeScratch, AS_NOBODY, NOBODY } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { livePids } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { snapFile } from '../helpers/snapshot-files.js';

afterAll(removeScratch);

const g = gate(liveSkipReason(), toolMissing('setpriv'), toolMissing('busybox'), toolMissing('mount'));

interface Capture {
  status: number | null;
  stderr: string;
  out: string;
  tmp: string;
}

/**
 * In a private mount namespace, mounts a procfs with `option` at `mountPoint` and runs
 * the collector there as nobody with `args`.
 */
function captureHidden(mountPoint: string, option: string, args: string[], shell: string, env: NodeJS.ProcessEnv): Capture {
  const tmp = privateDir('tmp', NOBODY);
  const outDir = privateDir('out', NOBODY);
  const out = join(outDir, 'hidden.tar.gz');
  const argv = collectorArgv(['-o', out, ...args], { prefix: AS_NOBODY, shell });
  // Host tools by absolute path: the busybox run's PATH has nothing else.
  const script = `${hostTool('mount')} -t proc -o "$1" proc "$2" || exit 97; shift 2; exec "$@"`;
  const r = spawnSync(
    hostTool('unshare'),
    ['--mount', '--propagation', 'private', hostTool('sh'), '-c', script, 'sh', option, mountPoint, ...argv],
    {
      env: { ...env, TMPDIR: tmp },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr, out, tmp };
}

/** The real uid (first field of Uid:) of a captured status. */
function realUid(status: string | null): number | null {
  const m = status === null ? null : /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : null;
}

describe.skipIf(g.skip)('a capture as nobody on a procfs mounted with hidepid', () => {
  beforeAll(() => assertGate(g));

  const cases: [string, () => Capture, RegExp][] = [
    [
      'dash, /proc itself remounted with hidepid=invisible',
      () => captureHidden('/proc', 'hidepid=invisible', [], 'dash', process.env),
      /^invisible$/,
    ],
    [
      'busybox, --proc DIR mounted with hidepid=2',
      () => {
        const dir = join(privateDir('hp'), 'proc');
        mkdirSync(dir);
        chmodSync(join(dir, '..'), 0o755);
        const env = busyboxEnv();
        return captureHidden(dir, 'hidepid=2', ['--proc', dir], join(env.PATH as string, 'sh'), env);
      },
      // Kernels since 5.8 show the name, older ones the number.
      /^(invisible|2)$/,
    ],
  ];

  for (const [name, run, shown] of cases) {
    it(`completes, validates, holds only nobody's processes and says so (${name})`, async () => {
      const hostProcesses = livePids().length;
      const c = run();
      expect(c.status, c.stderr).toBe(0);
      // The limitation is said on stderr too, not only in the manifest.
      expect(c.stderr).toMatch(/warning: .* is mounted with hidepid=\S+: processes of other users may be missing/);

      const { snap, problems } = snapshotProblems(c.out);
      expect(problems).toEqual([]);
      const v = await cli('validate', c.out);
      expect(v.stderr).toBe('');
      expect(v.code).toBe(0);

      const m = snap.manifest;
      expect(m.view.uid).toBe(NOBODY);
      expect(m.view.hidepid).toMatch(shown);
      expect((m.view.procfs_mounts ?? []).some((l) => /hidepid=/.test(l))).toBe(true);
      // Only nobody's processes: the collector and the programs it started. The host's
      // (root's) processes are invisible, so they are neither denied nor vanished.
      expect(m.counts.processes).toBeGreaterThanOrEqual(1);
      expect(m.counts.processes).toBeLessThan(hostProcesses);
      const uids = snap.pids.map((p) => realUid(snapFile(snap, `${p}/status`))).filter((u) => u !== null);
      expect(uids.length).toBe(m.counts.processes);
      expect(new Set(uids)).toEqual(new Set([NOBODY]));
      expect(snap.pids).not.toContain(1);
      expect(snap.pids).toContain(m.view.self_pid);
      // Other processes of nobody (another suite's, say) may refuse their ns links; the
      // collector's own never do, and every status was readable.
      expect(m.denied.filter((d) => d.path.startsWith(`proc/${m.view.self_pid}/`))).toEqual([]);
      expect(m.denied.filter((d) => !/^proc\/\d+\/ns\//.test(d.path))).toEqual([]);
      expect(readdirSync(c.tmp)).toEqual([]);
    });
  }
});
