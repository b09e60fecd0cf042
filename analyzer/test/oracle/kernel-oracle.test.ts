// The reconstruction checked against the kernel's own answer. Random live hierarchies are
// built with unshare; lsns (NS_GET_PARENT) gives each PID namespace's parent and process
// count. nsnap must agree, from a root capture, from a root capture with lsns removed
// from PATH (so the init-parent and NSpid rules face the kernel alone: with lsns in the
// snapshot its PNS column is the strongest evidence and the check would compare lsns with
// itself), from captures taken inside inner levels with nsenter and merged, and from a
// non-root capture that cannot read the links.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis, NamespaceNode } from '../../src/model/types.js';
import { loadView } from '../../src/source/load.js';
import type { ViewData } from '../../src/snapshot/view-data.js';
import { removeScratch, COLLECTOR } from '../helpers/collector-run.js';
import { liveSkipReason } from '../helpers/gate.js';
import { buildLiveTree, MAX_DEPTH, MAX_FANOUT, type LiveTree, type NsSpec } from '../helpers/live-tree.js';

// Absolute: nsenter --mount changes the working directory to the namespace's root.
const skip = liveSkipReason();
if (skip && process.env.CI) throw new Error(`kernel-oracle tests must run in CI: ${skip}`);
if (skip) console.warn(`skipped: ${skip}`);
afterAll(removeScratch);

interface LsnsRow {
  ns: number;
  pns: number;
  nprocs: number;
}

function lsnsPid(): Map<number, LsnsRow> {
  const out = execFileSync('lsns', ['-J', '-t', 'pid', '-o', 'NS,PNS,NPROCS'], { encoding: 'utf8' });
  const rows = (JSON.parse(out) as { namespaces: { ns: number | string; pns: number | string; nprocs: number | string }[] }).namespaces;
  return new Map(rows.map((r) => [Number(r.ns), { ns: Number(r.ns), pns: Number(r.pns), nprocs: Number(r.nprocs) }]));
}

let work: string;
function capture(name: string, argv: string[] = [], prefix: string[] = [], env?: NodeJS.ProcessEnv): string {
  const file = join(work, `${name}.tar.gz`);
  const cmd = [...prefix, 'sh', COLLECTOR, '--quiet', '-o', '-', ...argv];
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { maxBuffer: 1 << 28, ...(env ? { env } : {}) });
  if (r.status !== 0) throw new Error(`capture ${name} failed (${r.status}): ${r.stderr.toString()}`);
  writeFileSync(file, r.stdout);
  return file;
}

async function load(files: string[]): Promise<ViewData[]> {
  const views: ViewData[] = [];
  for (const f of files) {
    const v = await loadView(f);
    expect(v.problems, `${f} is valid`).toEqual([]);
    views.push(v);
  }
  return views;
}

/**
 * A PATH without lsns: one folder of links to every program on the current PATH except
 * lsns (the collector runs lsns only when `command -v lsns` finds it).
 */
function pathWithoutLsns(): string {
  const dir = join(work, 'path-without-lsns');
  mkdirSync(dir);
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (n === 'lsns' || existsSync(join(dir, n))) continue;
      try {
        if (statSync(join(d, n)).isFile()) symlinkSync(join(d, n), join(dir, n));
      } catch {
        // a dangling link or a race with a package install: not a program we need
      }
    }
  }
  return dir;
}

/** Process ids of every collector run and its descendants: transient, not in lsns's count. */
function transient(a: Analysis, views: ViewData[]): Set<string> {
  const out = new Set<string>();
  const byView = a.processes;
  views.forEach((v, i) => {
    if (v.selfPid === null) return;
    const rootNs = a.views[i]?.pidNamespace;
    const self = byView.find((p) => p.views.includes(i) && chainPidIn(a, p, rootNs) === v.selfPid);
    if (self) out.add(self.id);
  });
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of a.processes) {
      if (!out.has(p.id) && p.parent !== null && out.has(p.parent)) {
        out.add(p.id);
        grew = true;
      }
    }
  }
  return out;
}

function chainPidIn(a: Analysis, p: Analysis['processes'][number], ns: string | null | undefined): number | undefined {
  if (!ns) return undefined;
  const target = a.namespaces.find((n) => n.id === ns);
  if (!target || target.depth === null) return undefined;
  return p.nspid[target.depth - p.nspidDepth];
}

function pidNamespaces(a: Analysis): Map<number, NamespaceNode> {
  return new Map(a.namespaces.filter((n) => n.type === 'pid' && n.inode !== null).map((n) => [n.inode as number, n]));
}

/** For every namespace of the hierarchy: parent equals lsns PNS, count equals NPROCS. */
function expectKernelAgreement(a: Analysis, views: ViewData[], h: LiveTree, kernel: Map<number, LsnsRow>, outermost?: number): void {
  const ns = pidNamespaces(a);
  const skipIds = transient(a, views);
  for (const live of h.namespaces) {
    const node = ns.get(live.inode);
    const truth = kernel.get(live.inode);
    expect(node, `namespace ${live.inode} is in the model`).toBeDefined();
    expect(truth).toBeDefined();
    if (live.inode === outermost) expect(node?.parent).toBeNull();
    else expect(node?.parent, `parent of ${live.inode}`).toBe(`pid:${truth?.pns}`);
    const stable = (node?.processes ?? []).filter((id) => !skipIds.has(id));
    expect(stable.length, `process count of ${live.inode}`).toBe(truth?.nprocs);
  }
}

describe.skipIf(skip !== null)('kernel oracle (live, root)', () => {
  const seeds = [7, 1234, 99, 2026];
  const hierarchies: LiveTree[] = [];
  let noLsnsPath = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nsnap-oracle-'));
    chmodSync(work, 0o777);
    noLsnsPath = pathWithoutLsns();
  });
  afterAll(async () => {
    for (const h of hierarchies) await h.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  for (const seed of seeds) {
    it(`agrees with lsns on a random hierarchy (seed ${seed}): root capture, inner merges, non-root`, async () => {
      expect(existsSync(COLLECTOR)).toBe(true);
      const h = await buildLiveTree(randomTree(seed));
      hierarchies.push(h);
      const kernel = lsnsPid();

      // 1. One capture from the root.
      const root = capture(`root-${seed}`);
      const rootViews = await load([root]);
      const a = buildAnalysis(rootViews);
      expectKernelAgreement(a, rootViews, h, kernel);
      for (const live of h.namespaces) expect(pidNamespaces(a).get(live.inode)?.depth).toBe(live.depth);

      // 1b. The same without lsns: nsnap's own rules against the kernel's answer.
      const noLsns = capture(`root-nolsns-${seed}`, [], [], { ...process.env, PATH: noLsnsPath });
      const noLsnsViews = await load([noLsns]);
      expect(noLsnsViews[0]?.lsns, 'the capture ran without lsns').toBeNull();
      const bare = buildAnalysis(noLsnsViews);
      expectKernelAgreement(bare, noLsnsViews, h, kernel);
      for (const live of h.namespaces) {
        const node = pidNamespaces(bare).get(live.inode);
        expect(node?.depth).toBe(live.depth);
        expect(node?.parentEvidence, `parent of ${live.inode} decided without lsns`).toBe('init-parent');
      }

      // 2. Captures inside inner levels (nsenter into their pid and mount namespaces),
      // merged with each other, and with the root capture.
      const inner = [...h.namespaces].sort((x, y) => x.depth - y.depth).slice(0, 3);
      // Without lsns too, so that inner merges also rest on nsnap's rules alone.
      const innerFiles = inner.map((ns, i) =>
        capture(`inner-${seed}-${i}`, [], ['nsenter', '-t', String(ns.initPid), '-p', '-m'], { ...process.env, PATH: noLsnsPath }),
      );
      const innerViews = await load(innerFiles);
      const merged = buildAnalysis(innerViews);
      const outermost = inner[0] as (typeof inner)[number];
      const inScope = { ...h, namespaces: h.namespaces.filter((n) => isInside(h, n.inode, outermost.inode)) };
      expectKernelAgreement(merged, innerViews, inScope, kernel, outermost.inode);
      for (const n of merged.namespaces) if (n.type === 'pid') expect(n.parentEvidence).not.toBe('kernel');
      const all = await load([root, ...innerFiles]);
      expectKernelAgreement(buildAnalysis(all), all, h, kernel);
      const allBare = await load([noLsns, ...innerFiles]);
      const mergedBare = buildAnalysis(allBare);
      expectKernelAgreement(mergedBare, allBare, h, kernel);
      for (const n of mergedBare.namespaces) if (n.type === 'pid') expect(n.parentEvidence).not.toBe('kernel');
      expect(mergedBare.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

      // 3. A non-root capture: no links readable, the grouping must still be the truth.
      const nobody = capture(`nobody-${seed}`, [], ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups']);
      const nbViews = await load([nobody]);
      expect(nbViews[0]?.denied.length).toBeGreaterThan(0);
      const nb = buildAnalysis(nbViews);
      expectSameGrouping(nb, a, h);
      // Seven captures of a live tree: on two shared cores that can take minutes.
    }, 300_000);
  }
});

/** Whether namespace `inode` is `outer` or nested below it, by the tree's parent inodes. */
function isInside(h: LiveTree, inode: number, outer: number): boolean {
  let cur = h.namespaces.find((n) => n.inode === inode);
  while (cur) {
    if (cur.inode === outer) return true;
    const parent = cur.parentInode;
    cur = h.namespaces.find((n) => n.inode === parent);
  }
  return false;
}

/** Deterministic random tree spec within the helper's bounds (depth and fan-out). */
function randomTree(seed: number): NsSpec {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let budget = 14; // namespaces in all, to keep the test quick
  const grow = (level: number): NsSpec => {
    const node: NsSpec = { sleepers: 1 + Math.floor(rnd() * 3), children: [] };
    if (level < MAX_DEPTH) {
      const fan = level === 1 ? 1 + Math.floor(rnd() * MAX_FANOUT) : Math.floor(rnd() * (MAX_FANOUT + 1));
      for (let i = 0; i < fan && budget > 0; i += 1) {
        budget -= 1;
        node.children?.push(grow(level + 1));
      }
    }
    return node;
  };
  return grow(1);
}

/** The non-root model partitions the hierarchy's processes exactly as the kernel does. */
function expectSameGrouping(nonRoot: Analysis, truth: Analysis, h: LiveTree): void {
  const rootPid = (id: string): number => Number(id.split('@')[0]);
  const groupsOf = (a: Analysis): Map<string, string> => {
    const m = new Map<string, string>();
    for (const n of a.namespaces) if (n.type === 'pid') for (const p of n.processes) m.set(String(rootPid(p)), n.id);
    return m;
  };
  const nbGroups = groupsOf(nonRoot);
  const parentOf = new Map(nonRoot.namespaces.filter((n) => n.type === 'pid').map((n) => [n.id, n.parent]));
  const truthNs = pidNamespaces(truth);
  for (const live of h.namespaces) {
    const members = live.members.map(String);
    const ids = new Set(members.map((pid) => nbGroups.get(pid)));
    expect(ids.size, `members of ${live.inode} share one namespace in the non-root model`).toBe(1);
    const id = [...ids][0] as string;
    const nbMembers = nonRoot.namespaces
      .find((n) => n.id === id)
      ?.processes.map((p) => String(rootPid(p)))
      .sort();
    expect(nbMembers).toEqual([...members].sort());
    // Its parent is the namespace that holds the true parent's init.
    const trueParent = truth.namespaces.find((n) => n.id === truthNs.get(live.inode)?.parent);
    expect(trueParent?.init).toBeTruthy();
    expect(nbGroups.get(String(rootPid(trueParent?.init as string)))).toBe(parentOf.get(id));
  }
}
