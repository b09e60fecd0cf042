// Writer round trip: spec -> tarball -> loadView gives back the same processes, NSpid and
// ns inodes, and the same spec gives the same bytes.
import { scratchDir } from '../helpers/scratch.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../../src/snapshot/manifest.js';
import { writeSnapshot, type SnapshotSpec } from '../../src/snapshot/writer.js';
import { loadView } from '../../src/source/load.js';
import { scenarioFromText } from '../../../tools/generate/scenario.js';
import { renderView } from '../../../tools/generate/view-render.js';
import { writeViews } from '../../../tools/generate/write-views.js';
import { indexModel } from '../../../tools/generate/boot-model.js';

const tmp = (): string => scratchDir('nsnap-gen-');

// Three nested levels, one view per level; the inner view's collector is not root.
const NESTED = `
output: test/nested
boot:
  boot_id: 11111111-2222-4333-8444-555555555555
  kernel: { release: 6.1.0-test, version: '#1 SMP' }
  shared: { net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 }
namespaces:
  - inode: 4026531836
    ns: { mnt: 4026531841, uts: 4026531838, ipc: 4026531839 }
    processes:
      - { pid: 1, ppid: 0, cmd: /sbin/init }
      - { id: c0, pid: 900, ppid: 1, cmd: sh collect, only_in: [outer] }
  - inode: 4026532100
    parent: 4026531836
    ns: { mnt: 4026532101, uts: 4026532102, ipc: 4026532103 }
    processes:
      - { pid: [50, 1], ppid: 1, cmd: /init }
      - { id: c1, pid: [901, 40], ppid: 1, cmd: sh collect, only_in: [middle] }
  - inode: 4026532200
    parent: 4026532100
    ns: { mnt: 4026532201, uts: 4026532202 }
    processes:
      - { pid: [60, ~, 1], ppid: 1, cmd: /init }
      - { pid: [61, ~, 5], ppid: 1, uid: 1000, cmd: bash }
      - { pid: [62, 30, 7], ppid: 5, uid: 1000, cmd: sleep 99 }
      - { id: c2, pid: [902, ~, 8], ppid: 5, uid: 1000, cmd: sh collect, only_in: [inner] }
views:
  - { name: outer, root: 4026531836, collector: c0, hostname: h, capture: 2026-01-01T00:00:00Z, uptime: 100 }
  - { name: middle, root: 4026532100, collector: c1, hostname: h, capture: 2026-01-01T00:00:10Z, uptime: 110 }
  - { name: inner, root: 4026532200, collector: c2, hostname: h, capture: 2026-01-01T00:00:20Z, uptime: 120 }
`;

describe('snapshot writer', () => {
  it('round-trips a spec through loadView', async () => {
    const file = join(tmp(), 'a.tar.gz');
    const spec: SnapshotSpec = {
      topFolder: 'nsnap-h-t-20260101T000000Z',
      manifest: {
        format: 'nsnap-snapshot',
        format_version: 1,
        collector: { name: 'test', version: '1' },
        label: 't',
        capture: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z' },
        source: { live: false },
        view: { boot_id: 'b', self_pid: 7 },
        counts: { processes: 2 },
        denied: [],
        vanished: [],
      },
      view: { bootId: 'b\n', hostname: 'h\n' },
      selfPid: 7,
      processes: (async function* () {
        yield { pid: 1, status: 'Name:\tinit\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nNSpid:\t1\n', ns: { pid: 4026531836, mnt: 5 } };
        yield { pid: 7, status: 'Name:\tsh\nPid:\t7\nPPid:\t1\nUid:\t0\t0\t0\t0\nNSpid:\t7\n', cmdline: 'sh\0x\0' };
      })(),
    };
    await writeSnapshot(file, spec);
    const view = await loadView(file);
    expect(view.problems).toEqual([]);
    expect([...view.procs.keys()]).toEqual([1, 7]);
    expect(view.procs.get(1)?.ns).toEqual({ pid: 4026531836, mnt: 5 });
    expect(view.procs.get(7)?.cmdline).toEqual(['sh', 'x']);
    expect(view.selfPid).toBe(7);
  });

  it('refuses PIDs out of order', async () => {
    const spec = {
      topFolder: 'x',
      manifest: {} as SnapshotSpec['manifest'],
      view: {},
      selfPid: null,
      processes: [{ pid: 5 }, { pid: 3 }],
    };
    await expect(writeSnapshot(join(tmp(), 'b.tar.gz'), spec)).rejects.toThrow(/ascending/);
  });

  it('writes byte-identical files for the same spec', async () => {
    const { model } = scenarioFromText(NESTED, 'nested.yaml');
    const a = await writeViews(model, tmp());
    const b = await writeViews(model, tmp());
    for (let i = 0; i < a.length; i += 1) {
      expect(readFileSync((a[i] as { file: string }).file).equals(readFileSync((b[i] as { file: string }).file))).toBe(true);
    }
  });
});

describe('generated views', () => {
  it('pass the manifest schema and load without problems', async () => {
    const { model } = scenarioFromText(NESTED, 'nested.yaml');
    for (const w of await writeViews(model, tmp())) {
      const view = await loadView(w.file);
      expect(view.problems).toEqual([]);
      expect(checkManifest(view.manifest)).toEqual([]);
    }
  });

  it('translate NSpid and PPid per view: inner NSpid is a suffix of the outer one', async () => {
    const { model } = scenarioFromText(NESTED, 'nested.yaml');
    const [outer, middle, inner] = await Promise.all((await writeViews(model, tmp())).map((w) => loadView(w.file)));
    expect(outer?.procs.get(62)?.status?.nspid).toEqual([62, 30, 7]);
    expect(middle?.procs.get(30)?.status?.nspid).toEqual([30, 7]);
    expect(inner?.procs.get(7)?.status?.nspid).toEqual([7]);
    // The init of the inner namespace: its parent is outside the inner view.
    expect(inner?.procs.get(1)?.status?.ppid).toBe(0);
    expect(middle?.procs.get(1)?.status?.ppid).toBe(0);
    expect(outer?.procs.get(50)?.status?.ppid).toBe(1);
    // Processes of outer namespaces are invisible from inside.
    expect(inner?.procs.has(50)).toBe(false);
    expect(outer?.procs.get(62)?.ns.pid).toBe(4026532200);
    expect(outer?.procs.get(62)?.ns.mnt).toBe(4026532201);
    expect(outer?.procs.get(62)?.ns.ipc).toBe(4026532103);
  });

  it('a non-root view omits and records the ns links of other users', async () => {
    const { model } = scenarioFromText(NESTED, 'nested.yaml');
    const view = model.views[2];
    if (!view) throw new Error('no view');
    const rendered = renderView(model, view, indexModel(model));
    const denied = rendered.spec.manifest.denied.map((d) => d.path);
    expect(denied).toContain('proc/1/ns/pid');
    expect(denied).toContain('proc/1/root/etc/os-release');
    expect(denied.some((p) => p.startsWith('proc/5/'))).toBe(false);
    const loaded = await loadView((await writeViews({ ...model, views: [view] }, tmp()))[0]?.file as string);
    expect(loaded.procs.get(1)?.ns).toEqual({});
    expect(loaded.procs.get(5)?.ns.pid).toBe(4026532200);
    expect(loaded.denied.length).toBe(rendered.spec.manifest.counts.denied);
  });
});
