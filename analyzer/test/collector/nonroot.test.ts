// Captures without privileges and into targets that cannot take the snapshot: denials
// are recorded and the snapshot stays valid; an unwritable or full target fails cleanly,
// before any work in the first case, and leaves no partial file in either.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxEnv, privateDir, removeScratch, runCollector, AS_NOBODY, NOBODY } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { livePids } from '../helpers/live-tree.js';
import { snapshotProblems } from '../helpers/snapshot-check.js';
import { snapLink } from '../helpers/snapshot-files.js';

afterAll(removeScratch);

const g = gate(liveSkipReason(), toolMissing('setpriv'));

describe.skipIf(g.skip)('a capture as nobody', () => {
  beforeAll(() => assertGate(g));

  const variants: [string, () => { shell: string; env: NodeJS.ProcessEnv }, string | null][] = [
    ['dash', () => ({ shell: 'dash', env: process.env }), toolMissing('dash')],
    [
      'busybox',
      () => {
        const env = busyboxEnv();
        return { shell: join(env.PATH as string, 'sh'), env };
      },
      toolMissing('busybox'),
    ],
  ];
  for (const [name, setup, missing] of variants) {
    it.skipIf(missing !== null && !process.env.CI)(`records denials and keeps every status (${name})`, () => {
      const { shell, env } = setup();
      const tmp = privateDir('tmp', NOBODY);
      const outDir = privateDir('out', NOBODY);
      const out = join(outDir, 'nobody.tar.gz');
      const before = new Set(livePids());
      const r = runCollector(['-o', out], { prefix: AS_NOBODY, shell, env: { ...env, TMPDIR: tmp } });
      const after = new Set(livePids());
      expect(r.stderr).toMatch(/^nsnap-collect: \d+ processes, \d+ namespaces, [1-9]\d* denied/m);
      expect(r.status).toBe(0);
      const { snap, problems } = snapshotProblems(out);
      expect(problems).toEqual([]);
      const m = snap.manifest;
      expect(m.view.uid).toBe(NOBODY);
      expect(m.denied).toContainEqual({ path: 'proc/1/ns/pid', error: 'EACCES' });
      // status stays world-readable: every process alive throughout is there.
      const throughout = [...before].filter((p) => after.has(p));
      const missingStatus = throughout.filter((p) => !existsSync(join(snap.top, 'proc', String(p), 'status')));
      expect(missingStatus).toEqual([]);
      // Each captured process has its pid link, or the manifest says why not.
      const explained = new Set([...m.denied, ...(m.errors ?? [])].map((d) => d.path));
      for (const pid of snap.pids) {
        if (snapLink(snap, pid, 'pid') === null && !m.vanished.includes(pid)) {
          expect(explained.has(`proc/${pid}/ns/pid`), `proc/${pid}/ns/pid`).toBe(true);
        }
      }
      // Its own links are readable.
      expect(snapLink(snap, m.view.self_pid as number, 'pid')).toMatch(/^pid:\[\d+\]$/);
      expect(readdirSync(tmp)).toEqual([]);
    });
  }
});

describe.skipIf(g.skip)('a target that cannot take the snapshot', () => {
  const mounts: string[] = [];
  beforeAll(() => assertGate(g));
  afterEach(() => {
    for (const m of mounts.splice(0)) spawnSync('umount', [m]);
  });

  it('fails before any work when the folder is not writable', () => {
    const tmp = privateDir('tmp', NOBODY);
    const rootOwned = privateDir('rootdir');
    chmodSync(rootOwned, 0o755);
    const started = Date.now();
    const r = runCollector(['-o', join(rootOwned, 'snap.tar.gz')], { prefix: AS_NOBODY, env: { ...process.env, TMPDIR: tmp } });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot write to folder '.*rootdir.*'/);
    expect(readdirSync(rootOwned)).toEqual([]);
    // Nothing was staged: the check comes first.
    expect(readdirSync(tmp)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails clearly and leaves no partial file when the target is full', () => {
    const tmp = privateDir('tmp');
    const mnt = privateDir('full');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    mounts.push(mnt);
    // Leave a few KiB: the empty temporary file fits, the tarball does not.
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(56 * 1024));
    const r = runCollector(['-o', join(mnt, 'snap.tar.gz')], { env: { ...process.env, TMPDIR: tmp } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write the snapshot to '.*full.*'.*No space left on device.*nothing was written/);
    expect(readdirSync(mnt)).toEqual(['filler']);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
