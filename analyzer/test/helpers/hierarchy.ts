// Real nested PID namespace hierarchies for kernel-oracle tests, built as root with
// `unshare --pid --fork --mount-proc`. A tree spec becomes one shell script per namespace;
// the init of each namespace starts its sleepers and child namespaces, then waits.
// Killing the outermost init tears the whole tree down (the kernel kills every process of
// a PID namespace when its init dies, and nested inits die with it).

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TreeSpec {
  /** Sleepers started by this namespace's init (the init itself is one more process). */
  sleepers: number;
  children: TreeSpec[];
}

export interface LiveNamespace {
  inode: number;
  /** Root-view PID of the namespace's init. */
  initPid: number;
  depth: number;
}

export interface LiveHierarchy {
  namespaces: LiveNamespace[];
  /** Every root-view PID in the hierarchy, by namespace inode. */
  members: Map<number, number[]>;
  destroy(): void;
}

/** Whether this process may build namespaces; the reason when not. */
export function liveSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create PID namespaces (unshare --pid)';
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  } catch {
    return 'unshare --pid --fork --mount-proc does not work here';
  }
  return null;
}

/** Deterministic random tree: depth up to maxDepth, fan-out up to maxFanout. */
export function randomTree(seed: number, maxDepth = 5, maxFanout = 3): TreeSpec {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let budget = 14; // namespaces in all, to keep the test quick
  const grow = (depth: number): TreeSpec => {
    const node: TreeSpec = { sleepers: 1 + Math.floor(rnd() * 3), children: [] };
    if (depth < maxDepth) {
      const fan = depth === 0 ? 1 + Math.floor(rnd() * maxFanout) : Math.floor(rnd() * (maxFanout + 1));
      for (let i = 0; i < fan && budget > 0; i += 1) {
        budget -= 1;
        node.children.push(grow(depth + 1));
      }
    }
    return node;
  };
  return grow(0);
}

function countNamespaces(t: TreeSpec): number {
  return 1 + t.children.reduce((n, c) => n + countNamespaces(c), 0);
}

function pidNsInode(pid: number): number | null {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1]);
  } catch {
    return null;
  }
}

/** One pass over /proc: parent PID -> child PIDs. */
function childrenMap(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      const list = out.get(ppid) ?? [];
      list.push(Number(name));
      out.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function childrenOf(pid: number, map: Map<number, number[]> = childrenMap()): number[] {
  return map.get(pid) ?? [];
}

function nspidOf(pid: number): number[] {
  const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return (m?.[1] ?? '').trim().split(/\s+/).map(Number);
}

/** Builds the tree and waits until every namespace and sleeper is up. */
export async function buildHierarchy(spec: TreeSpec): Promise<LiveHierarchy> {
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-live-'));
  let n = 0;
  const write = (node: TreeSpec): string => {
    const file = join(dir, `ns${n++}.sh`);
    const lines = ['#!/bin/sh'];
    for (let i = 0; i < node.sleepers; i += 1) lines.push(`sleep 100000 &`);
    for (const child of node.children) lines.push(`unshare --pid --fork --mount-proc sh ${write(child)} &`);
    lines.push('wait');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const top = write(spec);
  const expected = countNamespaces(spec);
  const child: ChildProcess = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', top], { stdio: 'ignore', detached: true });
  const unsharePid = child.pid as number;
  const destroy = (): void => {
    const init = childrenOf(unsharePid)[0];
    try {
      if (init) process.kill(init, 'SIGKILL');
      process.kill(unsharePid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = discover(unsharePid);
    if (found && found.namespaces.length === expected && found.processes === countProcesses(spec)) {
      return { namespaces: found.namespaces, members: found.members, destroy };
    }
    if (Date.now() > deadline) {
      destroy();
      throw new Error(`the hierarchy did not come up: expected ${expected} namespaces, saw ${found?.namespaces.length ?? 0}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Walks the process tree below the top unshare: every process, grouped by namespace. */
function discover(unsharePid: number): { namespaces: LiveNamespace[]; members: Map<number, number[]>; processes: number } | null {
  const kids = childrenMap();
  const init = childrenOf(unsharePid, kids)[0];
  if (init === undefined) return null;
  const namespaces: LiveNamespace[] = [];
  const members = new Map<number, number[]>();
  let processes = 0;
  const visit = (pid: number, parentInode: number | null): void => {
    const inode = pidNsInode(pid);
    if (inode === null) return;
    processes += 1;
    const list = members.get(inode) ?? [];
    list.push(pid);
    members.set(inode, list);
    if (inode !== parentInode) namespaces.push({ inode, initPid: pid, depth: nspidOf(pid).length - 1 });
    for (const k of childrenOf(pid, kids)) visit(k, inode);
  };
  visit(init, null);
  return { namespaces, members, processes };
}

/** Processes a spec runs: per namespace its init, its sleepers and one unshare per child. */
function countProcesses(t: TreeSpec): number {
  return 1 + t.sleepers + t.children.length + t.children.reduce((n, c) => n + countProcesses(c), 0);
}
