// Diff within one boot after a container stopped and a new one took its inodes: the PID
// namespace is replaced, its mount/ipc/uts namespaces follow that decision, and each
// side's "with it" list names only that side's namespaces.

import { describe, expect, it } from 'vitest';
import { buildAnalysis } from '../../src/model/build.js';
import { diffAnalyses } from '../../src/diff/index.js';
import type { NamespaceAddedOrRemoved } from '../../src/diff/types.js';
import { memView } from '../helpers/mem-view.js';
import type { FakeProc } from '../helpers/fake-proc.js';

const R = 4026531836;
const X = 4026532300;
const host = { mnt: 4026531840, ipc: 4026531839, uts: 4026531838 };
const own = { mnt: 4026532301, ipc: 4026532302, uts: 4026532303 };

function machine(initStart: number, sleep: string, ownUts: boolean): FakeProc[] {
  const ns = { pid: X, mnt: own.mnt, ipc: own.ipc, uts: ownUts ? own.uts : host.uts };
  return [
    { pid: 1, ppid: 0, comm: 'init', ns: { pid: R, ...host }, starttime: 1 },
    { pid: 60, ppid: 1, comm: 'bash', ns: { pid: R, ...host }, starttime: 50 },
    { pid: initStart, ppid: 60, comm: 'unshare', ns: { ...ns, pid: R }, starttime: initStart },
    { pid: initStart + 1, ppid: initStart, nspid: [initStart + 1, 1], comm: 'sh', cmdline: ['sh'], ns, starttime: initStart + 1 },
    {
      pid: initStart + 2,
      ppid: initStart + 1,
      nspid: [initStart + 2, 2],
      comm: 'sleep',
      cmdline: ['sleep', sleep],
      ns,
      starttime: initStart + 2,
    },
  ];
}

describe('diff in one boot across a reused inode', () => {
  it('reports the PID namespace as replaced, and its other namespaces with it, per side', () => {
    const before = buildAnalysis([memView(machine(5000, '71001', true), { label: 'before' })]);
    const after = buildAnalysis([memView(machine(9000, '72001', false), { label: 'after' })]);
    const d = diffAnalyses(before, after);
    expect(d.matching).toBe('inode');
    // Nothing of the old container is matched to the new one.
    for (const id of [`pid:${X}`, `mnt:${own.mnt}`, `ipc:${own.ipc}`]) expect(d.matches.find((m) => m.before === id)).toBeUndefined();
    const pick = (kind: string, type: string) =>
      d.changes.find((c) => c.kind === kind && 'type' in c && c.type === type) as NamespaceAddedOrRemoved | undefined;
    const removed = pick('namespace-removed', 'pid');
    const added = pick('namespace-added', 'pid');
    expect(removed?.before).toBe(`pid:${X}`);
    expect(added?.after).toBe(`pid:${X}`);
    expect(removed?.replaced).toBe(`pid:${X}`);
    expect(added?.replaced).toBe(`pid:${X}`);
    expect(removed?.processes.map((p) => p.cmdline)).toEqual(['sh', 'sleep 71001']);
    expect(added?.processes.map((p) => p.cmdline)).toEqual(['sh', 'sleep 72001']);
    // BEFORE's container had its own uts namespace, AFTER's shares the host's.
    expect(removed?.with).toEqual([`ipc:${own.ipc}`, `mnt:${own.mnt}`, `uts:${own.uts}`]);
    expect(added?.with).toEqual([`ipc:${own.ipc}`, `mnt:${own.mnt}`]);
    // The host's namespaces are the same namespaces on both sides.
    for (const [type, inode] of Object.entries(host))
      expect(d.matches.find((m) => m.before === `${type}:${inode}`)?.after).toBe(`${type}:${inode}`);
  });

  it('matches a merged side\'s "~2" namespace to the same namespace on the other side', () => {
    const root = memView(machine(5000, '71001', true), { label: 'root' });
    const inner = (label: string) =>
      memView(
        [
          { pid: 1, ppid: 0, comm: 'sh', ns: { pid: X, mnt: own.mnt, ipc: own.ipc, uts: own.uts }, starttime: 9001 },
          {
            pid: 2,
            ppid: 1,
            comm: 'sleep',
            cmdline: ['sleep', '72001'],
            ns: { pid: X, mnt: own.mnt, ipc: own.ipc, uts: own.uts },
            starttime: 9002,
          },
        ],
        { label },
      );
    const before = buildAnalysis([root, inner('inner')]);
    expect(before.namespaces.map((n) => n.id)).toContain(`pid:${X}~2`);
    const after = buildAnalysis([inner('inner-again')]);
    const d = diffAnalyses(before, after);
    expect(d.matches.find((m) => m.before === `pid:${X}~2`)?.after).toBe(`pid:${X}`);
    expect(d.matches.find((m) => m.before === `mnt:${own.mnt}~2`)?.after).toBe(`mnt:${own.mnt}`);
    expect(d.matches.find((m) => m.before === `pid:${X}`)).toBeUndefined();
    expect(d.matches.find((m) => m.before === `mnt:${own.mnt}`)).toBeUndefined();
  });
});
