// Real nested PID namespaces: the snapshot holds every process of the hierarchy exactly
// as the kernel shows it (NSpid, ns links), and a capture from inside an inner namespace
// sees that level and below only.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, removeScratch, runCollector } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { buildLiveTree, liveNspid, withLiveTree } from '../helpers/live-tree.js';
import { NS_LINKS, snapshotProblems } from '../helpers/snapshot-check.js';
import { nspidOf, snapFile, snapLink } from '../helpers/snapshot-files.js';
import type { LiveNs, LiveTree, NsSpec } from '../helpers/live-tree.js';

afterAll(removeScratch);

const g = gate(liveSkipReason(), toolMissing('nsenter'));

describe.skipIf(g.skip)('a real 3-level PID namespace hierarchy', () => {
  let tree: LiveTree;

  beforeAll(async () => {
    assertGate(g);
    // top (depth 1) -> 0.0 (depth 2) -> 0.0.0 (depth 3), and a sibling 0.1 at depth 2.
    tree = await buildLiveTree({ sleepers: 2, children: [{ sleepers: 2, children: [{ sleepers: 2 }] }, { sleepers: 1 }] });
  });

  afterAll(async () => {
    await tree?.destroy();
  });

  it('builds what the spec says', () => {
    expect(tree.namespaces.map((n) => [n.id, n.depth, n.sleepers.length])).toEqual([
      ['0', 1, 2],
      ['0.0', 2, 2],
      ['0.0.0', 3, 2],
      ['0.1', 2, 1],
    ]);
    const byId = new Map(tree.namespaces.map((n) => [n.id, n]));
    expect(byId.get('0.0.0')?.parentInode).toBe(byId.get('0.0')?.inode);
    expect(byId.get('0')?.parentInode).toBe(tree.hostInode);
  });

  it('captures every process of the hierarchy with its live NSpid and ns links', () => {
    const out = join(privateDir('out'), 'root.tar.gz');
    const r = runCollector(['-o', out, '--quiet'], { env: { ...process.env, TMPDIR: privateDir('tmp') } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { snap, problems } = snapshotProblems(out);
    expect(problems).toEqual([]);
    for (const pid of tree.pids) {
      const status = snapFile(snap, `${pid}/status`);
      expect(nspidOf(status), `NSpid of ${pid}`).toEqual(liveNspid(pid));
      for (const type of NS_LINKS) {
        expect(snapLink(snap, pid, type), `${pid}/ns/${type}`).toBe(readlinkSync(`/proc/${pid}/ns/${type}`));
      }
      expect(snapFile(snap, `${pid}/stat`)).toBe(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      expect(snapFile(snap, `${pid}/cmdline`)).toBe(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    }
    // Each init's /etc/os-release is a relative symlink on Debian; it is resolved
    // inside the init's root and copied.
    for (const ns of tree.namespaces) {
      expect(snapFile(snap, `${ns.initPid}/root/etc/os-release`)).toBe(readFileSync('/etc/os-release', 'utf8'));
    }
    // The kernel's own answer, kept in lsns.json, agrees with the hierarchy.
    const lsns = JSON.parse(readFileSync(join(snap.top, 'lsns.json'), 'utf8')) as {
      namespaces: { ns: number; type: string; pns: number }[];
    };
    for (const ns of tree.namespaces) {
      const row = lsns.namespaces.find((n) => Number(n.ns) === ns.inode && n.type === 'pid');
      expect(Number(row?.pns), `lsns PNS of ${ns.id}`).toBe(ns.parentInode);
    }
  });

  it('captured from inside namespace 0.0 (nsenter), sees that level and below only', () => {
    const inner = tree.namespaces.find((n) => n.id === '0.0') as LiveNs;
    const subtree = tree.namespaces.filter((n) => n.id === '0.0' || n.id.startsWith('0.0.'));
    const tmp = privateDir('tmp');
    const r = runCollector(['-o', '-'], {
      prefix: ['nsenter', '--target', String(inner.initPid), '--pid', '--mount'],
      env: { ...process.env, TMPDIR: tmp },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote the snapshot to stdout/);
    const file = join(privateDir('out'), 'inner.tar.gz');
    writeFileSync(file, r.stdout);
    const { snap, problems } = snapshotProblems(file);
    expect(problems).toEqual([]);

    const depth = inner.depth;
    const expectedSleepers: number[] = [];
    for (const ns of subtree) {
      for (const pid of ns.members) {
        const outer = liveNspid(pid) as number[];
        const view = outer.slice(depth);
        const status = snapFile(snap, `${view[0]}/status`);
        expect(nspidOf(status), `root-view ${pid} as ${view[0]}`).toEqual(view);
        for (const type of NS_LINKS) {
          expect(snapLink(snap, view[0] as number, type)).toBe(readlinkSync(`/proc/${pid}/ns/${type}`));
        }
        if (ns.sleepers.includes(pid)) expectedSleepers.push(view[0] as number);
      }
    }
    // Nothing from above: no NSpid longer than the subtree's depth, no kernel threads,
    // and exactly the subtree's sleepers.
    const statuses = snap.pids.map((p) => snapFile(snap, `${p}/status`)).filter((s): s is string => s !== null);
    const deepest = Math.max(...subtree.map((n) => n.depth)) - depth + 1;
    for (const s of statuses) expect((nspidOf(s) as number[]).length).toBeLessThanOrEqual(deepest);
    expect(statuses.some((s) => /^Name:\s+kthreadd$/m.test(s))).toBe(false);
    const sleepers = snap.pids.filter((p) => /^Name:\s+sleep$/m.test(snapFile(snap, `${p}/status`) ?? ''));
    expect(sleepers).toEqual(expectedSleepers.sort((a, b) => a - b));
    // The collector ran in the inner namespace: its own NSpid has one entry there, and
    // its procfs is the inner one mounted by unshare --mount-proc.
    const self = snap.manifest.view.self_pid as number;
    expect(nspidOf(snapFile(snap, `${self}/status`))).toHaveLength(1);
    expect(snapLink(snap, self, 'pid')).toBe(`pid:[${inner.inode}]`);
    expect(snap.manifest.view.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    // PID 1 of this view is the namespace's init, and its os-release was copied.
    expect(snapFile(snap, '1/cmdline')).toContain('ns-0.0.sh');
    expect(snapFile(snap, '1/root/etc/os-release')).toBe(readFileSync('/etc/os-release', 'utf8'));
  });
});

describe.skipIf(g.skip)('the tree helper', () => {
  beforeAll(() => assertGate(g));

  it('builds 5 levels with fan-out 3 and 2, and lsns agrees on every parent and count', async () => {
    const leaf = (): NsSpec => ({ sleepers: 1 });
    const spec: NsSpec = {
      sleepers: 2,
      children: [
        { sleepers: 0, children: [{ children: [{ children: [leaf(), leaf()] }] }] },
        { sleepers: 3, children: [leaf(), { children: [leaf()] }] },
        leaf(),
      ],
    };
    await withLiveTree(spec, async (t) => {
      expect(t.namespaces).toHaveLength(11);
      expect(Math.max(...t.namespaces.map((n) => n.depth))).toBe(5);
      const r = spawnSync('lsns', ['-J', '-t', 'pid', '-o', 'NS,PNS,NPROCS'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const rows = (JSON.parse(r.stdout) as { namespaces: { ns: number; pns: number; nprocs: number }[] }).namespaces;
      for (const ns of t.namespaces) {
        const row = rows.find((x) => Number(x.ns) === ns.inode);
        expect([Number(row?.pns), Number(row?.nprocs)], ns.id).toEqual([ns.parentInode, ns.members.length]);
        // init + sleepers + one unshare per child namespace
        expect(ns.members).toHaveLength(1 + ns.sleepers.length + ns.children.length);
      }
    });
  });
});
