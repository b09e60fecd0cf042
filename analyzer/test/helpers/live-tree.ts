// Real nested PID namespaces for tests, built with `unshare --pid --fork --mount-proc`
// (needs root). The collector is run by ./collector-run.ts; gating is in ./gate.ts.
//
// A tree spec says how many sleepers each namespace holds and which namespaces nest in
// it. Every namespace's init is a `sh` running a generated script (ns-<id>.sh): it
// starts its sleepers, starts one `unshare … sh ns-<child>.sh` per child, marks itself
// ready and waits. The helper then reads the host's /proc to report, for every
// namespace, its inode, its parent's inode, its init and its members (root-view PIDs):
// the facts an oracle such as `lsns -o NS,PNS,NPROCS` reports too.
//
// Cleanup is SIGKILL to the top init: the kernel then kills every process of that
// namespace, nested ones included. The outer unshare ignores SIGTERM and SIGINT while it
// waits, so it gets SIGKILL too. A process 'exit' hook covers tests that crash.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveSkipReason } from './gate.js';

export interface NsSpec {
  /** Sleepers in this namespace besides its init (default 1). */
  sleepers?: number;
  /** Namespaces nested in this one. */
  children?: NsSpec[];
}

export interface LiveNs {
  /** Path in the spec: '0' for the top, '0.1' for its second child, … */
  id: string;
  /** NSpid length of the init minus one, seen from the host: the top is 1. */
  depth: number;
  inode: number;
  parentInode: number;
  /** Root-view PID of the namespace's init (the `sh` of ns-<id>.sh). */
  initPid: number;
  /** Root-view PIDs whose ns/pid is this namespace (init, sleepers, child unshares). */
  members: number[];
  sleepers: number[];
  children: LiveNs[];
}

export interface LiveTree {
  top: LiveNs;
  /** Every namespace, parents before children. */
  namespaces: LiveNs[];
  /** The host's PID namespace inode: the top's parent. */
  hostInode: number;
  /** Every process of the tree, root view: the members of every namespace. */
  pids: number[];
  /** Kills every process of the tree and removes the scripts. Safe to call twice. */
  destroy(): Promise<void>;
}

export const MAX_DEPTH = 5;
export const MAX_FANOUT = 3;

interface SpecNode {
  id: string;
  sleepers: number;
  children: SpecNode[];
}

function normalise(spec: NsSpec, id: string, depth: number): SpecNode {
  if (depth > MAX_DEPTH) throw new Error(`tree spec deeper than ${MAX_DEPTH}`);
  const kids = spec.children ?? [];
  if (kids.length > MAX_FANOUT) throw new Error(`tree spec fan-out above ${MAX_FANOUT}`);
  return {
    id,
    sleepers: spec.sleepers ?? 1,
    children: kids.map((c, i) => normalise(c, `${id}.${i}`, depth + 1)),
  };
}

function flatten(node: SpecNode): SpecNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

// A long, recognisable sleep: the number encodes nothing, it only has to outlive tests.
const SLEEP_SECONDS = 1_000_000;

function initScript(dir: string, node: SpecNode): string {
  const lines = [
    `# init of test namespace ${node.id}`,
    'i=0',
    `while [ "$i" -lt ${node.sleepers} ]; do sleep ${SLEEP_SECONDS} & i=$((i + 1)); done`,
  ];
  for (const child of node.children) {
    lines.push(`unshare --pid --fork --mount-proc --kill-child sh ${join(dir, `ns-${child.id}.sh`)} &`);
  }
  lines.push(`: > ${join(dir, `ready-${node.id}`)}`, 'wait', '');
  return lines.join('\n');
}

interface ProcFacts {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  nspid: number[];
  pidNs: number | null;
}

function readProc(pid: number): ProcFacts | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    let pidNs: number | null = null;
    try {
      pidNs = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1]);
    } catch {
      pidNs = null;
    }
    return {
      pid,
      ppid: Number(field('PPid')),
      comm: field('Name'),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      nspid: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      pidNs,
    };
  } catch {
    return null;
  }
}

/** Root-view PIDs of every live process (the host's /proc). */
export function livePids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^[1-9][0-9]*$/.test(n))
    .map(Number);
}

function descendants(root: number): ProcFacts[] {
  const all = livePids()
    .map(readProc)
    .filter((p): p is ProcFacts => p !== null);
  const byParent = new Map<number, ProcFacts[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcFacts[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

const live = new Set<ChildProcess>();
let exitHook = false;

function killTree(child: ChildProcess): void {
  // The outer unshare passes SIGKILL on to the top init (--kill-child); the kernel then
  // kills the whole namespace, nested ones included.
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Builds the tree and waits until every namespace is up with all its sleepers. Throws
 * (after cleaning up) when it is not up within `timeoutMs`.
 */
export async function buildLiveTree(spec: NsSpec, opts: { timeoutMs?: number } = {}): Promise<LiveTree> {
  const reason = liveSkipReason();
  if (reason !== null) throw new Error(`cannot build PID namespaces: ${reason}`);
  const rootSpec = normalise(spec, '0', 1);
  const nodes = flatten(rootSpec);
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-live-'));
  chmodSync(dir, 0o755);
  for (const node of nodes) writeFileSync(join(dir, `ns-${node.id}.sh`), initScript(dir, node));

  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', join(dir, 'ns-0.sh')], {
    stdio: 'ignore',
  });
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) killTree(c);
    });
  }
  let destroyed = false;
  let initPidSeen = -1;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    killTree(child);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((r) => child.once('exit', () => r()));
    }
    live.delete(child);
    // Wait until the kernel has reaped the namespace's processes.
    for (let i = 0; i < 100 && existsSync(`/proc/${initPidSeen}`); i += 1) await sleep(20);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    const total = nodes.reduce((n, node) => n + node.sleepers, 0);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`unshare exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('the namespace tree did not come up in time');
      if (nodes.every((n) => existsSync(join(dir, `ready-${n.id}`)))) {
        const procs = descendants(child.pid as number);
        const sleepers = procs.filter((p) => p.comm === 'sleep' && p.cmdline === `sleep ${SLEEP_SECONDS}`);
        if (sleepers.length === total) {
          const tree = describeTree(rootSpec, procs, dir);
          initPidSeen = tree.top.initPid;
          return { ...tree, destroy };
        }
      }
      await sleep(25);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
}

function describeTree(rootSpec: SpecNode, procs: ProcFacts[], dir: string): Omit<LiveTree, 'destroy'> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const hostInode = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]);
  const namespaces: LiveNs[] = [];
  const build = (node: SpecNode, parentInode: number): LiveNs => {
    const script = join(dir, `ns-${node.id}.sh`);
    const init = procs.find((p) => p.comm === 'sh' && p.cmdline === `sh ${script}` && p.nspid.at(-1) === 1);
    if (init === undefined || init.pidNs === null) throw new Error(`no init found for namespace ${node.id}`);
    const members = procs.filter((p) => p.pidNs === init.pidNs);
    const ns: LiveNs = {
      id: node.id,
      depth: init.nspid.length - 1,
      inode: init.pidNs,
      parentInode,
      initPid: init.pid,
      members: members.map((p) => p.pid).sort((a, b) => a - b),
      sleepers: members
        .filter((p) => p.comm === 'sleep')
        .map((p) => p.pid)
        .sort((a, b) => a - b),
      children: [],
    };
    const parent = byPid.get(init.ppid);
    if (parent !== undefined && parent.pidNs !== parentInode) {
      throw new Error(`namespace ${node.id}: its init's parent is in pid:[${parent.pidNs}], not pid:[${parentInode}]`);
    }
    namespaces.push(ns);
    ns.children = node.children.map((c) => build(c, ns.inode));
    return ns;
  };
  const top = build(rootSpec, hostInode);
  const pids = namespaces.flatMap((n) => n.members).sort((a, b) => a - b);
  return { top, namespaces, hostInode, pids };
}

/** Runs fn with a live tree and always destroys it, also when fn throws. */
export async function withLiveTree<T>(spec: NsSpec, fn: (tree: LiveTree) => Promise<T>): Promise<T> {
  const tree = await buildLiveTree(spec);
  try {
    return await fn(tree);
  } finally {
    await tree.destroy();
  }
}

/** NSpid of a live process, root view; null when it is gone. */
export function liveNspid(pid: number): number[] | null {
  return readProc(pid)?.nspid ?? null;
}
