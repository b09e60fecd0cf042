// diffAnalyses on Analysis objects built in the test: identity, reboot relabelling and
// removal as properties, and the guiApplications on → off layout change.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffAnalyses } from '../../src/diff/index.js';
import type { Change, ChangeOf } from '../../src/diff/types.js';
import { diffSchemaErrors } from './schema.js';
import { relabel, removeNamespace, world, type NsSpec } from './world.js';

const of = <K extends Change['kind']>(changes: Change[], kind: K): Array<ChangeOf<K>> =>
  changes.filter((c): c is ChangeOf<K> => c.kind === kind);

const INITS = ['/init', '/sbin/init', 'sh -c app', '/pause'];
const PROGS = ['sleep 1000', 'bash', 'nginx: worker process', 'python3 app.py', 'cat'];

/**
 * A random PID namespace tree: parent indexes, an init and up to four members each. With
 * `distinct`, every namespace also runs a workload of its own, as real ones mostly do;
 * without, look-alike namespaces (same init, same members) are common.
 */
const treeOf = (distinct: boolean) =>
  fc
    .array(fc.record({ parent: fc.nat(), init: fc.nat(INITS.length - 1), procs: fc.array(fc.nat(PROGS.length - 1), { maxLength: 4 }) }), {
      minLength: 2,
      maxLength: 14,
    })
    .map((rows): NsSpec[] =>
      rows.map((r, i) => ({
        name: `n${i}`,
        parent: i === 0 ? null : `n${r.parent % i}`,
        // Distinct trees give every namespace its own init command line and workload, so
        // the truth is the only best match; look-alikes are tested separately.
        init: distinct ? `${INITS[r.init] as string} --ns ${i}` : (INITS[r.init] as string),
        procs: [...r.procs.map((k) => PROGS[k] as string), ...(distinct ? [`worker --job ${i}`] : [])],
      })),
    );
const treeArb = treeOf(false);

describe('diffAnalyses: identity', () => {
  it('finds no change between an analysis and itself', () => {
    fc.assert(
      fc.property(treeArb, (specs) => {
        const a = world(specs);
        const d = diffAnalyses(a, a);
        expect(d.matching).toBe('inode');
        expect(d.changes).toEqual([]);
        expect(d.matches.every((m) => m.score === 1 && m.before === m.after)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('finds no change after a reboot that renumbers every inode and PID', () => {
    fc.assert(
      fc.property(treeArb, fc.integer({ min: 1, max: 1e9 }), (specs, seed) => {
        const a = world(specs);
        const b = relabel(a, 'boot-b', seed);
        const d = diffAnalyses(a, b);
        expect(d.matching).toBe('structure');
        expect(d.changes).toEqual([]);
        expect(d.matches.filter((m) => m.type === 'pid')).toHaveLength(specs.length);
        expect(diffSchemaErrors(d)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('diffAnalyses: one namespace removed', () => {
  for (const reboot of [false, true]) {
    it(`reports exactly one namespace-removed and moves its children${reboot ? ' (across a reboot)' : ''}`, () => {
      fc.assert(
        fc.property(treeOf(true), fc.nat(), fc.integer({ min: 1, max: 1e9 }), (specs, k, seed) => {
          const a = world(specs);
          const pids = a.namespaces.filter((n) => n.type === 'pid' && n.parent !== null);
          const victim = pids[k % pids.length] as (typeof pids)[number];
          let b = removeNamespace(a, victim.id);
          if (reboot) b = relabel(b, 'boot-b', seed);
          const d = diffAnalyses(a, b);
          expect(d.changes.filter((c) => c.kind === 'namespace-removed').map((c) => c.before)).toEqual([victim.id]);
          const moved = of(d.changes, 'namespace-moved');
          expect(moved.map((c) => c.before).sort()).toEqual([...victim.children].sort());
          const match = new Map(d.matches.map((m) => [m.before, m.after]));
          for (const c of moved) {
            expect(c.parentAfter).toBe(match.get(victim.parent as string));
            expect(c.depthAfter).toBe((c.depthBefore as number) - 1);
          }
          expect(d.changes.filter((c) => !['namespace-removed', 'namespace-moved'].includes(c.kind))).toEqual([]);
          expect(diffSchemaErrors(d)).toEqual([]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('explains a removal among look-alikes with one namespace-removed and moves only', () => {
    // When namespaces look the same (same init, same members), structure cannot tell which
    // one went; the diff then picks the explanation with the best total match.
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.integer({ min: 1, max: 1e9 }), (specs, k, seed) => {
        const a = world(specs);
        const pids = a.namespaces.filter((n) => n.type === 'pid' && n.parent !== null);
        const victim = pids[k % pids.length] as (typeof pids)[number];
        const d = diffAnalyses(a, relabel(removeNamespace(a, victim.id), 'boot-b', seed));
        expect(of(d.changes, 'namespace-removed').filter((c) => c.type === 'pid')).toHaveLength(1);
        expect(of(d.changes, 'namespace-added').filter((c) => c.type === 'pid')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

/** VM root → (system distro → user distro) per distro, or VM root → user distro with GUI apps off. */
function wsl(gui: boolean, bootId: string, inodeBase: number): ReturnType<typeof world> {
  const specs: NsSpec[] = [
    {
      name: 'vm',
      parent: null,
      role: 'wsl-vm',
      label: 'WSL utility VM (mini_init): gns',
      init: '/init',
      procs: ['/gns --socket 5', 'plan9 --control-socket 5'],
    },
  ];
  for (const distro of ['Ubuntu-20.04', 'Ubuntu-18.04']) {
    const user: NsSpec = {
      name: distro,
      parent: gui ? `sys-${distro}` : 'vm',
      role: 'wsl-user-distro',
      label: `user distro ${distro}, systemd off`,
      evidence: [`rule wsl-user-distro: distro ${distro} from WSL_DISTRO_NAME in view 0`],
      init: '/init',
      procs: ['-bash', 'sleep 680001'],
      other: { mnt: `mnt-${distro}`, ipc: gui ? `ipc-${distro}` : `ipc-own-${distro}` },
    };
    if (gui)
      specs.push({
        name: `sys-${distro}`,
        parent: 'vm',
        role: 'wsl-system-distro',
        label: `system distro (WSLg) paired with ${distro}: contains WSLGd, weston, Xwayland`,
        init: '/init',
        procs: ['/usr/bin/WSLGd', '/usr/bin/weston --backend=rdp-backend.so', '/usr/bin/Xwayland :0', '/usr/bin/pulseaudio'],
        other: { mnt: `mnt-sys-${distro}`, ipc: `ipc-${distro}` },
      });
    specs.push(user);
  }
  return world(specs, {
    bootId,
    inodeBase,
    config: { guiApplications: gui, sources: { guiApplications: '.wslconfig [wsl2] guiApplications (view 0)' } },
  });
}

describe('diffAnalyses: guiApplications on → off', () => {
  const on = wsl(true, 'boot-1', 4026532000);
  const off = wsl(false, 'boot-2', 4026533000);
  const d = diffAnalyses(on, off);
  const pidOf = (a: typeof on, label: string): string =>
    a.namespaces.find((n) => n.type === 'pid' && n.label.startsWith(label))?.id as string;

  it('removes each system distro, with its own mount namespace', () => {
    const removed = of(d.changes, 'namespace-removed');
    expect(removed.map((c) => c.label).sort()).toEqual([
      'system distro (WSLg) paired with Ubuntu-18.04: contains WSLGd, weston, Xwayland',
      'system distro (WSLg) paired with Ubuntu-20.04: contains WSLGd, weston, Xwayland',
    ]);
    for (const c of removed) {
      expect(c.with).toHaveLength(1);
      expect(c.with[0]).toMatch(/^mnt:/);
      expect(c.processes.map((p) => p.comm)).toEqual(expect.arrayContaining(['WSLGd', 'weston', 'Xwayland', 'pulseaudio']));
    }
    expect(of(d.changes, 'namespace-added')).toEqual([]);
  });

  it('moves each user distro to the VM root, depth 2 → 1', () => {
    const moved = of(d.changes, 'namespace-moved');
    expect(moved).toHaveLength(2);
    for (const distro of ['Ubuntu-20.04', 'Ubuntu-18.04']) {
      const c = moved.find((m) => m.label.includes(distro));
      expect(c?.before).toBe(pidOf(on, `user distro ${distro}`));
      expect(c?.after).toBe(pidOf(off, `user distro ${distro}`));
      expect(c?.parentAfter).toBe(pidOf(off, 'WSL utility VM'));
      expect([c?.depthBefore, c?.depthAfter]).toEqual([2, 1]);
    }
    expect(of(d.changes, 'depth-changed')).toEqual([]);
  });

  it('reports guiApplications true → false, and each user distro getting its own ipc namespace', () => {
    expect(of(d.changes, 'config-changed').map((c) => [c.key, c.from, c.to])).toEqual([['guiApplications', true, false]]);
    const sharing = of(d.changes, 'sharing-changed');
    expect(sharing.map((c) => [c.label, c.nsType, c.from, c.to]).sort()).toEqual([
      ['user distro Ubuntu-18.04, systemd off', 'ipc', 'shared', 'own'],
      ['user distro Ubuntu-20.04, systemd off', 'ipc', 'shared', 'own'],
    ]);
    expect(
      d.changes
        .map((c) => c.kind)
        .filter((k) => !['namespace-removed', 'namespace-moved', 'config-changed', 'sharing-changed'].includes(k)),
    ).toEqual([]);
  });

  it('matches with scores, and validates against the schema', () => {
    expect(d.matching).toBe('structure');
    for (const m of d.matches) expect(m.score).toBeGreaterThanOrEqual(0.5);
    expect(diffSchemaErrors(d)).toEqual([]);
  });

  it('prefers the global best assignment to first-come pairing', () => {
    // Two look-alike namespaces: greedy in list order would pair the first with the first.
    const mk = (first: string[], second: string[], boot: string, base: number) =>
      world(
        [
          { name: 'root', parent: null, init: '/init', procs: [] },
          { name: 'x', parent: 'root', init: 'sh -c app', procs: first },
          { name: 'y', parent: 'root', init: 'sh -c app', procs: second },
        ],
        { bootId: boot, inodeBase: base },
      );
    const before = mk(['bash', 'cat', 'sleep 1000'], ['bash'], 'b1', 4026532000);
    const after = mk(['bash', 'cat'], ['bash', 'cat', 'sleep 1000'], 'b2', 4026534000);
    const r = diffAnalyses(before, after);
    const pair = new Map(r.matches.map((m) => [m.before, m.after]));
    const idOf = (a: typeof before, n: number): string =>
      a.namespaces.find((x) => x.type === 'pid' && x.processes.length === n)?.id as string;
    // x (bash, cat, sleep) is y' (identical); y (bash) takes x' (bash, cat).
    expect(pair.get(idOf(before, 4))).toBe(idOf(after, 4));
    expect(pair.get(idOf(before, 2))).toBe(idOf(after, 3));
    expect(of(r.changes, 'processes-added').map((c) => c.processes.map((p) => p.cmdline))).toEqual([['cat']]);
  });
});

describe('diffAnalyses: transient processes', () => {
  const base: NsSpec[] = [{ name: 'root', parent: null, init: '/init', procs: ['sleep 1000'] }];
  const withCollector = world([
    { name: 'root', parent: null, init: '/init', procs: ['sleep 1000', 'sh /tmp/nsnap-collect.sh -o out.tar.gz', 'ps -e', 'lsns -J'] },
  ]);

  it('hides the collector, ps and capture helpers by default, and shows them with all', () => {
    const a = world(base);
    const b = structuredClone(withCollector);
    const lsns = b.processes.find((p) => p.comm === 'lsns');
    const collector = b.processes.find((p) => p.cmdline?.includes('nsnap-collect')) as (typeof b.processes)[number];
    if (lsns) lsns.parent = collector.id; // started by the collector
    const d = diffAnalyses(a, b);
    expect(d.changes).toEqual([]);
    expect(d.after.hiddenProcesses).toBe(3);
    const all = diffAnalyses(a, b, { all: true });
    const added = of(all.changes, 'processes-added')[0];
    expect(added?.processes.map((p) => p.comm).sort()).toEqual(['lsns', 'ps', 'sh']);
  });

  it('hides more with --ignore, by substring or glob', () => {
    const a = world(base);
    const b = world([{ name: 'root', parent: null, init: '/init', procs: ['sleep 1000', 'vim notes.txt', 'less log'] }]);
    expect(of(diffAnalyses(a, b).changes, 'processes-added')[0]?.total).toBe(2);
    expect(diffAnalyses(a, b, { ignore: ['notes', 'l?ss *'] }).changes).toEqual([]);
    expect(of(diffAnalyses(a, b, { ignore: ['vi[m]'] }).changes, 'processes-added')[0]?.total).toBe(1);
  });
});
