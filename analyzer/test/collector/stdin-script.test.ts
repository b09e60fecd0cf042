// The container pattern of the README: the collector fed to a shell on standard input
// inside the container, the snapshot on standard output, and the snapshot added to a
// bundle. `docker exec -i C sh -s -- -o - < nsnap-collect.sh > c.tar.gz` is played by a
// real PID+mount namespace (unshare), which is what `docker exec` enters; the shell, the
// script on stdin and the tarball on stdout are the same. Needs root; skips outside CI.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readdirSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../../src/source/load.js';
import { busyboxPath } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';

const g = gate(liveSkipReason(), toolMissing('busybox'));
if (g.skip) console.log(`skipping the sh -s container pattern tests: ${g.reason}`);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'nsnap-stdin-'));
  dirs.push(d);
  return d;
}

describe.skipIf(g.skip)('sh -s -- -o - < nsnap-collect.sh inside a container', () => {
  beforeAll(() => assertGate(g));

  for (const shell of ['dash', 'bash', 'busybox']) {
    it(`captures the container's view under ${shell} and adds it to a bundle`, async () => {
      const dir = scratch();
      const snap = join(dir, 'c.tar.gz');
      const argv = shell === 'busybox' ? [join(busyboxPath(), 'sh')] : [shell];
      const input = openSync(resolve('collector/nsnap-collect.sh'), 'r');
      const output = openSync(snap, 'w');
      // The container: its own PID and mount namespaces; its init prints its pid link first.
      const r = spawnSync(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount-proc',
          'sh',
          '-c',
          'readlink /proc/self/ns/pid >&2; exec "$@"',
          'sh',
          ...argv,
          '-s',
          '--',
          '-o',
          '-',
          '--label',
          'c1',
        ],
        { stdio: [input, output, 'pipe'], encoding: 'utf8', timeout: 60_000 },
      );
      closeSync(input);
      closeSync(output);
      expect(r.status, r.stderr).toBe(0);
      const inode = /pid:\[(\d+)\]/.exec(r.stderr)?.[1];
      expect(inode).toBeDefined();

      const routed = await loadInput(snap);
      expect(routed.views).toHaveLength(1);
      const view = routed.views[0];
      expect(view?.problems).toEqual([]);
      expect(view?.label).toBe('c1');
      // PID 1 of the view is the container's init, in the namespace the kernel named.
      expect(view?.procs.get(1)?.ns.pid).toBe(Number(inode));

      // A bundle to add it to: one host-level view, laid out as nsnap-wsl.sh writes it.
      const bdir = join(dir, 'b');
      const top = join(bdir, 'nsnap-bundle-t-20261129T000000Z');
      mkdirSync(top, { recursive: true });
      expect(spawnSync('tar', ['-xzf', resolve('samples/wsl/gui-on/debug-shell.tar.gz'), '-C', top]).status).toBe(0);
      const folder = readdirSync(top)[0] as string;
      writeFileSync(
        join(top, 'nsnap-bundle.json'),
        `{\n  "format": "nsnap-bundle",\n  "format_version": 1,\n  "collector": {"name": "t", "version": "1"},\n  "created": "2026-11-29T00:00:00Z",\n  "host": null,\n  "levels": [\n    {"name": "host", "kind": "host", "distro": null, "status": "captured", "folder": "${folder}"}\n  ]\n}\n`,
      );
      const bundle = join(dir, 'bundle.tar.gz');
      expect(spawnSync('tar', ['-czf', bundle, '-C', bdir, 'nsnap-bundle-t-20261129T000000Z']).status).toBe(0);
      const add = spawnSync('sh', ['collector/nsnap-collect.sh', '--into-bundle', bundle, '--add', snap, '--level', 'c1'], {
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: dir },
      });
      expect(add.status, add.stderr).toBe(0);
      const merged = await loadInput(bundle);
      expect(merged.problems).toEqual([]);
      expect(merged.bundle?.manifest.levels.map((l) => `${l.name}:${l.kind}`)).toEqual(['host:host', 'c1:container']);
      expect(merged.views[1]?.procs.get(1)?.ns.pid).toBe(Number(inode));
      expect(readlinkSync('/proc/self/ns/pid')).not.toBe(`pid:[${inode}]`);
    });
  }
});
