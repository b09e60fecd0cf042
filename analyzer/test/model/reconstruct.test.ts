// Corner cases of the PID namespace reconstruction, on small fake /proc trees.

import { describe, expect, it } from 'vitest';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { loadView } from '../../src/source/load.js';
import { namespaceIndex, pidChain } from '../../src/render/chain.js';
import { NsnapError } from '../../src/errors.js';
import { writeFakeProc, writeFakeSnapshot, type FakeProc } from '../helpers/fake-proc.js';

const R = 4026531836;
const A = 4026532245;
const B = 4026532257;

/** The source post's machine, seen from the VM root: R > A (system distro) > B (Ubuntu). */
function postWorld(linksFor: (p: FakeProc) => boolean = () => true): FakeProc[] {
  const procs: FakeProc[] = [
    { pid: 1, ppid: 0, nspid: [1], comm: 'init', cmdline: ['/init'], ns: { pid: R } },
    { pid: 221, ppid: 1, nspid: [221, 1], comm: 'init', cmdline: ['/init'], ns: { pid: A } },
    { pid: 225, ppid: 221, nspid: [225, 3], comm: 'WSLGd', cmdline: ['/usr/bin/WSLGd'], uid: 1000, ns: { pid: A } },
    { pid: 226, ppid: 221, nspid: [226, 5, 1], comm: 'systemd', cmdline: ['/sbin/init'], ns: { pid: B } },
    { pid: 227, ppid: 226, nspid: [227, 6, 2], comm: 'init', cmdline: ['/init'], ns: { pid: B } },
    { pid: 48950, ppid: 227, nspid: [48950, 4578, 4419], comm: 'sleep', cmdline: ['sleep', '680001'], uid: 1000, ns: { pid: B } },
    { pid: 60000, ppid: 1, nspid: [60000], comm: 'sh', uid: 65534, ns: { pid: R } },
  ];
  return procs.map((p) => (linksFor(p) ? p : { ...p, ns: {} }));
}

async function analyse(...dirs: string[]): Promise<Analysis> {
  const views = [];
  for (const d of dirs) views.push(await loadView(d));
  for (const v of views) expect(v.problems).toEqual([]);
  return buildAnalysis(views);
}

const pidNs = (a: Analysis) => a.namespaces.filter((n) => n.type === 'pid');
const codes = (a: Analysis) => a.diagnostics.map((d) => d.code);

describe('one privileged view', () => {
  it('rebuilds the nesting from init parents, with depth and PID translation', async () => {
    const a = await analyse(writeFakeProc({ procs: postWorld(), self: 60000 }));
    const ns = Object.fromEntries(pidNs(a).map((n) => [n.id, n]));
    expect(ns[`pid:${R}`]?.parent).toBeNull();
    expect(ns[`pid:${R}`]?.depth).toBe(0);
    expect(ns[`pid:${A}`]).toMatchObject({ parent: `pid:${R}`, parentEvidence: 'init-parent', depth: 1 });
    expect(ns[`pid:${B}`]).toMatchObject({ parent: `pid:${A}`, parentEvidence: 'init-parent', depth: 2 });
    expect(ns[`pid:${B}`]?.processes).toEqual([`226@pid:${R}`, `227@pid:${R}`, `48950@pid:${R}`]);
    const sleep = a.processes.find((p) => p.comm === 'sleep');
    expect(sleep).toBeDefined();
    expect(pidChain(sleep!, namespaceIndex(a))).toEqual([
      { ns: `pid:${R}`, depth: 0, pid: 48950 },
      { ns: `pid:${A}`, depth: 1, pid: 4578 },
      { ns: `pid:${B}`, depth: 2, pid: 4419 },
    ]);
    expect(codes(a).filter((c) => c !== 'VIEW_PARTIAL')).toEqual([]);
  });
});

describe('partial permissions', () => {
  it('groups a non-root view by NSpid and PPid under synthetic ids', async () => {
    const a = await analyse(writeFakeProc({ procs: postWorld((p) => p.uid === 65534), self: 60000 }));
    const ids = pidNs(a).map((n) => [n.id, n.parent, n.depth, n.synthetic, n.processes.length]);
    expect(ids).toEqual([
      [`pid:${R}`, null, 0, false, 2],
      ['pid:?1', `pid:${R}`, 1, true, 2],
      ['pid:?2', 'pid:?1', 2, true, 3],
    ]);
  });

  it('resolves synthetic ids to real inodes when merged with a privileged inner view', async () => {
    const outer = writeFakeProc({ procs: postWorld((p) => p.uid === 65534), self: 60000 });
    // Ubuntu's own view: the same processes, NSpid a suffix of the outer one, same start times.
    const inner = writeFakeProc({
      self: 4419,
      procs: [
        { pid: 1, ppid: 0, nspid: [1], comm: 'systemd', cmdline: ['/sbin/init'], ns: { pid: B }, starttime: 1000 + 226 },
        { pid: 2, ppid: 1, nspid: [2], comm: 'init', cmdline: ['/init'], ns: { pid: B }, starttime: 1000 + 227 },
        { pid: 4419, ppid: 2, nspid: [4419], comm: 'sleep', ns: { pid: B }, starttime: 1000 + 48950 },
      ],
    });
    const a = await analyse(outer, inner);
    const b = pidNs(a).find((n) => n.inode === B);
    expect(b).toMatchObject({ parent: 'pid:?1', depth: 2, synthetic: false });
    expect(b?.processes).toHaveLength(3);
    expect(a.processes).toHaveLength(7);
    expect(a.views.map((v) => v.pidNamespace)).toEqual([`pid:${R}`, `pid:${B}`]);
    const sleep = a.processes.find((p) => p.comm === 'sleep');
    expect(sleep?.nspid).toEqual([48950, 4578, 4419]);
    expect(sleep?.views).toEqual([0, 1]);
  });

  it('places a setns entrant in the only child namespace, and says when it cannot', async () => {
    const base: FakeProc[] = [
      { pid: 1, ppid: 0, nspid: [1], comm: 'init', ns: { pid: R } },
      { pid: 10, ppid: 1, nspid: [10, 1], comm: 'sh' },
      { pid: 500, ppid: 1, nspid: [500], comm: 'nsenter', ns: { pid: R } },
      { pid: 501, ppid: 500, nspid: [501, 7], comm: 'bash' },
    ];
    const one = await analyse(writeFakeProc({ procs: base }));
    const child = pidNs(one).find((n) => n.depth === 1);
    expect(child?.processes).toEqual(['10@pid:4026531836', '501@pid:4026531836']);
    expect(codes(one)).not.toContain('PID_NS_AMBIGUOUS');

    const two = await analyse(writeFakeProc({ procs: [...base, { pid: 20, ppid: 1, nspid: [20, 1], comm: 'sh' }] }));
    expect(codes(two)).toContain('PID_NS_AMBIGUOUS');
  });
});

describe('diagnostics as data', () => {
  it('reports NSpid lengths that differ inside one namespace', async () => {
    const a = await analyse(
      writeFakeProc({
        procs: [
          { pid: 1, ppid: 0, nspid: [1], ns: { pid: R } },
          { pid: 5, ppid: 1, nspid: [5, 1], ns: { pid: A } },
          { pid: 6, ppid: 5, nspid: [6, 2, 9], ns: { pid: A } },
        ],
      }),
    );
    expect(codes(a)).toContain('NSPID_LENGTH_INCONSISTENT');
  });

  it('cuts a PPid cycle instead of looping', async () => {
    const a = await analyse(
      writeFakeProc({
        procs: [
          { pid: 1, ppid: 0, ns: { pid: R } },
          // Equal start times: the start-time check (PARENT_STARTED_LATER) cannot cut it.
          { pid: 10, ppid: 11, starttime: 500 },
          { pid: 11, ppid: 10, starttime: 500 },
          { pid: 12, ppid: 12 },
        ],
      }),
    );
    expect(codes(a)).toContain('PPID_CYCLE');
    expect(codes(a)).toContain('INIT_SELF_PARENT');
    expect(a.processes).toHaveLength(4);
  });

  it('places processes without NSpid in the view namespace and says so', async () => {
    const a = await analyse(
      writeFakeProc({
        procs: [
          { pid: 1, ppid: 0, nspid: null },
          { pid: 2, ppid: 1, nspid: null },
        ],
      }),
    );
    expect(codes(a)).toContain('MISSING_NSPID');
    expect(pidNs(a)).toHaveLength(1);
  });

  it('reports two inits in one namespace', async () => {
    const a = await analyse(
      writeFakeProc({
        procs: [
          { pid: 1, ppid: 0, ns: { pid: R } },
          { pid: 5, ppid: 1, nspid: [5, 1], ns: { pid: A } },
          { pid: 6, ppid: 1, nspid: [6, 1], ns: { pid: A } },
        ],
      }),
    );
    expect(codes(a)).toContain('DUPLICATE_INIT');
  });

  it('reports a reused PID between views of one boot', async () => {
    const outer = writeFakeProc({
      procs: [
        { pid: 1, ppid: 0, ns: { pid: R } },
        { pid: 5, ppid: 1, nspid: [5, 1], comm: 'sh', ns: { pid: A }, starttime: 50 },
        { pid: 6, ppid: 5, nspid: [6, 2], comm: 'sleep', ns: { pid: A }, starttime: 60 },
      ],
    });
    const inner = writeFakeProc({
      procs: [
        { pid: 1, ppid: 0, comm: 'sh', ns: { pid: A }, starttime: 50 },
        { pid: 2, ppid: 1, comm: 'sleep', ns: { pid: A }, starttime: 99 },
      ],
    });
    const a = await analyse(outer, inner);
    expect(codes(a)).toContain('PID_REUSED');
  });

  it('includes a namespace seen only as pid_for_children', async () => {
    const a = await analyse(writeFakeProc({ procs: [{ pid: 1, ppid: 0, ns: { pid: R, pid_for_children: 4026532999 } }] }));
    expect(pidNs(a).find((n) => n.inode === 4026532999)).toMatchObject({
      seenVia: 'for-children',
      parent: `pid:${R}`,
      parentEvidence: 'for-children',
      depth: 1,
      processes: [],
    });
  });

  it('uses lsns PNS as kernel evidence and reports a disagreement', async () => {
    const procs: FakeProc[] = [
      { pid: 1, ppid: 0, ns: { pid: R } },
      { pid: 5, ppid: 1, nspid: [5, 1], ns: { pid: A } },
      { pid: 6, ppid: 5, nspid: [6, 2, 1], ns: { pid: B } },
    ];
    const agree = await analyse(
      writeFakeSnapshot(
        { procs },
        {
          lsns: [
            { ns: B, type: 'pid', pns: A },
            { ns: A, type: 'pid', pns: R },
          ],
        },
      ),
    );
    expect(pidNs(agree).find((n) => n.inode === B)).toMatchObject({ parentEvidence: 'kernel', parentSupport: ['kernel', 'init-parent'] });
    const disagree = await analyse(writeFakeSnapshot({ procs }, { lsns: [{ ns: B, type: 'pid', pns: R }] }));
    expect(codes(disagree)).toContain('PARENT_CONFLICT');
  });

  it('refuses views of different boots without proof of one kernel, and offers --same-boot, not diff', async () => {
    const a = await loadView(writeFakeProc({ procs: [{ pid: 1, ppid: 0 }], bootId: 'aaaa' }));
    const b = await loadView(writeFakeProc({ procs: [{ pid: 1, ppid: 0 }], bootId: 'bbbb' }));
    let caught: unknown;
    try {
      buildAnalysis([a, b]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NsnapError);
    expect((caught as NsnapError).code).toBe('BOOT_MISMATCH');
    expect((caught as NsnapError).hint).toContain('--same-boot');
    expect((caught as NsnapError).hint).not.toContain('diff');
    expect((caught as NsnapError).message).toContain('nothing proves');
    const forced = buildAnalysis([a, b], { sameBoot: true });
    expect(forced.diagnostics.map((d) => d.code)).toContain('BOOT_FORCED');
  });
});

describe('determinism', () => {
  it('gives identical JSON for the same input', async () => {
    const dir = writeFakeProc({ procs: postWorld((p) => p.uid !== 1000), self: 60000 });
    const one = JSON.stringify(await analyse(dir));
    const two = JSON.stringify(await analyse(dir));
    expect(one).toBe(two);
  });
});
