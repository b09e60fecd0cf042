// Identity across views taken at different moments: reused namespace inodes, reused
// PIDs, parents younger than their children, guessed placements, sibling views that look
// alike, and one kernel behind several boot ids. Small in-memory trees; the live
// counterpart (a real inode reused between two captures) is test/model/reuse-live.test.ts.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { NsnapError } from '../../src/errors.js';
import { memView } from '../helpers/mem-view.js';
import { writeFakeProc, type FakeProc } from '../helpers/fake-proc.js';
import { cli } from '../helpers/run-cli.js';

const R = 4026531836;
const X = 4026532300;
const M0 = 4026531840;
const M = 4026532301;

const pidNs = (a: Analysis) => a.namespaces.filter((n) => n.type === 'pid');
const codes = (a: Analysis) => a.diagnostics.map((d) => d.code);
const byId = (a: Analysis, id: string) => a.namespaces.find((n) => n.id === id);

/** The walk-through: root capture holds X (sleep 71001); X dies; Y takes its inode. */
function reuseViews() {
  const root = memView(
    [
      { pid: 1, ppid: 0, comm: 'init', ns: { pid: R, mnt: M0 }, starttime: 1 },
      { pid: 100, ppid: 1, comm: 'unshare', ns: { pid: R, mnt: M }, starttime: 5000 },
      { pid: 101, ppid: 100, nspid: [101, 1], comm: 'sh', ns: { pid: X, mnt: M }, starttime: 5001 },
      { pid: 102, ppid: 101, nspid: [102, 2], comm: 'sleep', cmdline: ['sleep', '71001'], ns: { pid: X, mnt: M }, starttime: 5002 },
    ],
    { label: 'root' },
  );
  const inner = memView(
    [
      { pid: 1, ppid: 0, comm: 'sh', ns: { pid: X, mnt: M }, starttime: 9001 },
      { pid: 2, ppid: 1, comm: 'sleep', cmdline: ['sleep', '72001'], ns: { pid: X, mnt: M }, starttime: 9002 },
    ],
    { label: 'inner-y' },
  );
  return [root, inner];
}

describe('a reused namespace inode', () => {
  it('keeps the two namespaces apart, each with its own processes, and says so once', () => {
    const a = buildAnalysis(reuseViews());
    const old = byId(a, `pid:${X}`);
    const now = byId(a, `pid:${X}~2`);
    expect(old?.inode).toBe(X);
    expect(now?.inode).toBe(X);
    const cmd = (ids: string[]) =>
      ids.map((id) => a.processes.find((p) => p.id === id)?.cmdline ?? a.processes.find((p) => p.id === id)?.comm);
    expect(cmd(old?.processes ?? [])).toEqual(['sh', 'sleep 71001']);
    expect(cmd(now?.processes ?? [])).toEqual(['sh', 'sleep 72001']);
    const reused = a.diagnostics.filter((d) => d.code === 'NS_REUSED' && d.evidence.inode === X);
    expect(reused).toHaveLength(1);
    expect(reused[0]?.evidence).toMatchObject({ views: [0, 1], ids: [`pid:${X}`, `pid:${X}~2`], initStarttimes: [5001, 9001] });
    expect(reused[0]?.message).toMatch(/view 0 \(root\).*PID 101 \(sh\).*5001.*view 1 \(inner-y\).*PID 1 \(sh\).*9001/);
    // The PIDs were not reused inside one namespace: no PID_REUSED blames them.
    expect(codes(a)).not.toContain('PID_REUSED');
    // The mount namespace travels with its PID namespace: split the same way.
    expect(byId(a, `mnt:${M}`)?.processes.map((id) => a.processes.find((p) => p.id === id)?.comm)).toEqual(['unshare', 'sh', 'sleep']);
    expect(byId(a, `mnt:${M}~2`)?.processes).toEqual(now?.processes);
    expect(new Set(a.processes.map((p) => p.id)).size).toBe(a.processes.length);
  });

  it('leaves ids as they are when the views agree on the init (the common case)', () => {
    const [root] = reuseViews();
    const inner = memView(
      [
        { pid: 1, ppid: 0, comm: 'sh', ns: { pid: X, mnt: M }, starttime: 5001 },
        { pid: 2, ppid: 1, comm: 'sleep', cmdline: ['sleep', '71001'], ns: { pid: X, mnt: M }, starttime: 5002 },
      ],
      { label: 'inner-x' },
    );
    const a = buildAnalysis([root as ReturnType<typeof memView>, inner]);
    expect(pidNs(a).map((n) => n.id)).toEqual([`pid:${R}`, `pid:${X}`]);
    expect(byId(a, `pid:${X}`)?.processes).toEqual(['101@pid:4026531836', '102@pid:4026531836']);
    expect(codes(a)).not.toContain('NS_REUSED');
  });

  it('keeps a host mount namespace whole when both generations live in it', () => {
    const views = reuseViews().map((v) => {
      for (const rec of v.procs.values()) rec.ns.mnt = M0;
      return v;
    });
    const a = buildAnalysis(views);
    expect(a.namespaces.filter((n) => n.type === 'mnt').map((n) => n.id)).toEqual([`mnt:${M0}`]);
  });
});

describe('process ids', () => {
  it('stay unique when one PID of one namespace was reused between two views', () => {
    const first = memView([
      { pid: 1, ppid: 0, comm: 'init', ns: { pid: R }, starttime: 1 },
      { pid: 50, ppid: 1, comm: 'old', starttime: 100 },
    ]);
    const second = memView([
      { pid: 1, ppid: 0, comm: 'init', ns: { pid: R }, starttime: 1 },
      { pid: 50, ppid: 1, comm: 'new', starttime: 900 },
    ]);
    const a = buildAnalysis([first, second]);
    const ids = a.processes.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('50@'))).toEqual([`50@pid:${R}~100`, `50@pid:${R}~900`]);
    const root = byId(a, `pid:${R}`);
    expect(new Set(root?.processes).size).toBe(root?.processes.length);
  });
});

describe('a parent found by PPid', () => {
  it('must have started no later than its child, else the parent is unknown', () => {
    // Links unreadable: the init of the inner namespace names PID 30 as its parent, but
    // PID 30 started after it (the real parent died and 30 took its number).
    const a = buildAnalysis([
      memView([
        { pid: 1, ppid: 0, comm: 'init', starttime: 1 },
        { pid: 30, ppid: 1, nspid: [30], comm: 'late', starttime: 800 },
        { pid: 40, ppid: 30, nspid: [40, 1], comm: 'sh', starttime: 500 },
        { pid: 41, ppid: 40, nspid: [41, 2], comm: 'sleep', starttime: 501 },
      ]),
    ]);
    expect(a.processes.find((p) => p.nspid[0] === 40)?.parent).toBeNull();
    const d = a.diagnostics.find((x) => x.code === 'PARENT_STARTED_LATER');
    expect(d?.evidence).toMatchObject({ pid: 40, ppid: 30 });
    const inner = pidNs(a).find((n) => n.depth === 1);
    expect(inner?.parentEvidence).not.toBe('init-parent');
  });

  it('may have started in the same tick', () => {
    const a = buildAnalysis([
      memView([
        { pid: 1, ppid: 0, comm: 'init', starttime: 1 },
        { pid: 2, ppid: 1, comm: 'twin', starttime: 1 },
      ]),
    ]);
    expect(a.processes.find((p) => p.nspid[0] === 2)?.parent).toBe(`1@pid:?1`);
    expect(codes(a)).not.toContain('PARENT_STARTED_LATER');
  });
});

describe('a setns entrant without readable links', () => {
  it('is placed in the only child namespace as a guess, marked inferred, with a diagnostic', () => {
    const a = buildAnalysis([
      memView([
        { pid: 1, ppid: 0, comm: 'init', ns: { pid: R } },
        { pid: 10, ppid: 1, nspid: [10, 1], comm: 'sh' },
        { pid: 500, ppid: 1, nspid: [500], comm: 'nsenter', ns: { pid: R } },
        { pid: 501, ppid: 500, nspid: [501, 7], comm: 'bash' },
      ]),
    ]);
    const bash = a.processes.find((p) => p.comm === 'bash');
    expect(bash?.placement).toBe('inferred');
    expect(a.processes.filter((p) => p.placement !== undefined).map((p) => p.comm)).toEqual(['bash']);
    expect(a.diagnostics.find((d) => d.code === 'PID_NS_INFERRED')?.evidence).toMatchObject({ pid: 501 });
  });
});

describe('one kernel, several boot ids', () => {
  const host = (boot: string) =>
    memView(
      [
        { pid: 1, ppid: 0, comm: 'init', ns: { pid: R }, starttime: 1 },
        { pid: 300, ppid: 1, comm: 'lxc-start', ns: { pid: R }, starttime: 700 },
        { pid: 301, ppid: 300, nspid: [301, 1], comm: 'systemd', ns: { pid: X }, starttime: 701 },
        { pid: 302, ppid: 301, nspid: [302, 20], comm: 'sshd', ns: { pid: X }, starttime: 750 },
      ],
      { bootId: boot, label: 'host' },
    );
  const container = (boot: string, links: boolean, initStart = 701) =>
    memView(
      [
        { pid: 1, ppid: 0, comm: 'systemd', ns: links ? { pid: X } : {}, starttime: initStart },
        { pid: 20, ppid: 1, comm: 'sshd', ns: links ? { pid: X } : {}, starttime: initStart + 49 },
      ],
      { bootId: boot, label: 'lxc' },
    );

  it('merges on a shared inode whose init started at the same time', () => {
    const a = buildAnalysis([host('aaaa'), container('cccc', true)]);
    expect(codes(a)).toContain('BOOT_ID_VIRTUALISED');
    expect(byId(a, `pid:${X}`)?.processes).toHaveLength(2);
    expect(a.processes.find((p) => p.comm === 'sshd')?.views).toEqual([0, 1]);
  });

  it('merges on a process seen in both views (same start time, NSpid suffix)', () => {
    const a = buildAnalysis([host('aaaa'), container('cccc', false)]);
    expect(codes(a)).toContain('BOOT_ID_VIRTUALISED');
    expect(a.processes.find((p) => p.comm === 'sshd')?.views).toEqual([0, 1]);
  });

  it('refuses without proof, says what is missing, offers --same-boot and not diff', () => {
    let caught: unknown;
    try {
      buildAnalysis([host('aaaa'), container('cccc', false, 9000)]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NsnapError);
    const e = caught as NsnapError;
    expect(e.code).toBe('BOOT_MISMATCH');
    expect(e.message).toMatch(/no namespace inode .* same start time/);
    expect(e.message).toMatch(/no view whose init is exactly one process of another view/);
    expect(e.hint).toContain('--same-boot');
    expect(`${e.message} ${e.hint}`).not.toMatch(/\bdiff\b/);
    const forced = buildAnalysis([host('aaaa'), container('cccc', false, 9000)], { sameBoot: true });
    expect(codes(forced)).toContain('BOOT_FORCED');
  });

  it('nsnap tree refuses without proof (exit 2, naming --same-boot) and merges with --same-boot', async () => {
    const a = writeFakeProc({ procs: [{ pid: 1, ppid: 0, comm: 'init', ns: { pid: R } }], bootId: 'aaaa' });
    const b = writeFakeProc({ procs: [{ pid: 1, ppid: 0, comm: 'systemd' }], bootId: 'cccc' });
    try {
      const refused = await cli('tree', a, b);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--same-boot/);
      expect(refused.stderr).not.toMatch(/\bdiff\b/);
      const forced = await cli('tree', '--same-boot', '--format', 'json', a, b);
      expect(forced.code).toBe(0);
      expect((JSON.parse(forced.stdout) as Analysis).diagnostics.map((d) => d.code)).toContain('BOOT_FORCED');
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('does not take the constant initial inode as proof', () => {
    const other = memView([{ pid: 1, ppid: 0, comm: 'init', ns: { pid: R }, starttime: 1 }], { bootId: 'bbbb' });
    expect(() => buildAnalysis([host('aaaa'), other])).toThrow(NsnapError);
  });
});

/**
 * Two sibling containers seen from inside each, links unreadable (non-root), whose inits
 * started in the same clock tick and whose PIDs collide: nothing proves they are one
 * namespace, so no process and no namespace may hold members of both views.
 */
describe('sibling views (property)', () => {
  const sibling = fc.record({
    tick: fc.integer({ min: 100, max: 10_000 }),
    comm: fc.constantFrom('sh', 'init', 'systemd'),
    // Per process: PID, start offset, comm; PIDs and times may collide across the two views.
    a: fc.uniqueArray(
      fc.record({ pid: fc.integer({ min: 2, max: 12 }), dt: fc.integer({ min: 0, max: 3 }), comm: fc.constantFrom('sleep', 'bash') }),
      {
        selector: (p) => p.pid,
        maxLength: 5,
      },
    ),
    b: fc.uniqueArray(
      fc.record({ pid: fc.integer({ min: 2, max: 12 }), dt: fc.integer({ min: 0, max: 3 }), comm: fc.constantFrom('sleep', 'bash') }),
      {
        selector: (p) => p.pid,
        maxLength: 5,
      },
    ),
    withOuter: fc.boolean(),
  });

  it('never merges two sibling views on a coincidence', () => {
    fc.assert(
      fc.property(sibling, ({ tick, comm, a, b, withOuter }) => {
        const inside = (list: typeof a): FakeProc[] => [
          { pid: 1, ppid: 0, comm, starttime: tick },
          ...list.map((p) => ({ pid: p.pid, ppid: 1, comm: p.comm, starttime: tick + p.dt })),
        ];
        const viewA = memView(inside(a), { label: 'a' });
        const viewB = memView(inside(b), { label: 'b' });
        const views = [viewA, viewB];
        if (withOuter) {
          // A non-root host view that sees both containers: A at host PIDs 1000+, B at 2000+.
          const outer: FakeProc[] = [{ pid: 1, ppid: 0, comm: 'init', starttime: 1 }];
          for (const [base, list] of [
            [1000, a],
            [2000, b],
          ] as const) {
            outer.push({ pid: base, ppid: 1, nspid: [base, 1], comm, starttime: tick });
            for (const p of list)
              outer.push({ pid: base + p.pid, ppid: base, nspid: [base + p.pid, p.pid], comm: p.comm, starttime: tick + p.dt });
          }
          views.unshift(memView(outer, { label: 'outer' }));
        }
        const an = buildAnalysis(views);
        const va = withOuter ? 1 : 0;
        const vb = withOuter ? 2 : 1;
        for (const p of an.processes) expect(p.views.includes(va) && p.views.includes(vb)).toBe(false);
        const viewsOf = new Map(an.processes.map((p) => [p.id, p.views]));
        for (const n of pidNs(an)) {
          const seen = new Set(n.processes.flatMap((id) => viewsOf.get(id) ?? []));
          expect(seen.has(va) && seen.has(vb)).toBe(false);
        }
        expect(new Set(an.processes.map((p) => p.id)).size).toBe(an.processes.length);
        if (withOuter) expect(codes(an)).toContain('VIEW_PLACEMENT_AMBIGUOUS');
      }),
      { numRuns: 200 },
    );
  });
});
