// Synthetic boots for benchmarks and property tests: a random PID namespace tree (depth up
// to 32, all eight namespace types), processes spread over it, and a root view. Every
// choice comes from a seeded PRNG, so one set of options always gives the same bytes.
//
// The shape (which namespace nests where, which process runs what under whom) comes from
// `seed`; the numbers (inodes, PIDs, start times, boot id) also depend on `boot`, so boot 1
// is "the same machine after a reboot" for diff benchmarks.

import {
  OTHER_NS_TYPES,
  ModelError,
  type BootModel,
  type ModelProcess,
  type OtherNsType,
  type PidNamespace,
  type ViewModel,
} from './boot-model.js';
import { fakeUuid, mulberry32 } from './prng.js';

export interface SyntheticOptions {
  /** Total processes, collectors included. */
  processes: number;
  pidNamespaces: number;
  /** Deepest level below the root namespace, at most 32. */
  maxDepth: number;
  seed: number;
  bootId?: string;
  /** 0 for the first boot; another value renumbers the same shape. */
  boot?: number;
  /** Extra views rooted at inner namespaces (all of one boot), for merge benchmarks. */
  innerViews?: number;
}

const INITIAL = { user: 4026531837, uts: 4026531838, ipc: 4026531839, cgroup: 4026531835, time: 4026531834 };
const NEW_NS_CHANCE: Record<OtherNsType, number> = { mnt: 1, uts: 0.6, ipc: 0.6, net: 0.4, user: 0.3, cgroup: 0.3, time: 0.15 };
const PROGRAMS: string[][] = [
  ['bash'],
  ['sleep', '1000'],
  ['nginx: worker process'],
  ['python3', '/srv/app.py', '--port', '8080'],
  ['node', 'server.js'],
  ['/usr/sbin/sshd', '-D'],
  ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'f00d'],
  ['postgres: checkpointer'],
  ['/usr/bin/dbus-daemon', '--system'],
  ['cat'],
];
const INITS: string[][] = [['/sbin/init'], ['/init'], ['/usr/bin/tini', '--', 'app'], ['/pause'], ['/bin/sh', '-c', 'exec app']];
const UIDS = [0, 0, 0, 1000, 33, 65534];

interface NsShape {
  parent: number;
  depth: number;
  fresh: Record<OtherNsType, boolean>;
}

export function generateSynthetic(opts: SyntheticOptions): BootModel {
  const { processes, pidNamespaces, seed } = opts;
  const maxDepth = Math.min(opts.maxDepth, 32);
  const boot = opts.boot ?? 0;
  const inner = opts.innerViews ?? 0;
  if (pidNamespaces < 1 || processes < pidNamespaces + 1 + inner) {
    throw new ModelError('need at least one PID namespace and more processes than namespaces plus collectors');
  }
  const shape = mulberry32(seed);
  const nums = mulberry32((seed ^ 0x9e3779b9) + boot * 7919);

  // 1. The namespace tree: a spine to maxDepth first, the rest under random eligible parents.
  const nsShapes: NsShape[] = [{ parent: -1, depth: 0, fresh: freshAll(true) }];
  const eligible: number[] = maxDepth > 0 ? [0] : [];
  for (let i = 1; i < pidNamespaces; i += 1) {
    if (eligible.length === 0) throw new ModelError('maxDepth 0 allows only the root PID namespace');
    const parent = i <= maxDepth ? i - 1 : shape.pick(eligible);
    const depth = (nsShapes[parent] as NsShape).depth + 1;
    const fresh = freshAll(false);
    for (const t of OTHER_NS_TYPES) fresh[t] = i === 1 || shape.chance(NEW_NS_CHANCE[t]);
    nsShapes.push({ parent, depth, fresh });
    if (depth < maxDepth) eligible.push(i);
  }

  // 2. Inodes: one counter for the boot, with small gaps, like the kernel's proc inode ida.
  let nextInode = 4026532000 + boot * 1733 + nums.int(200);
  const inode = (): number => (nextInode += 1 + (nums.chance(0.3) ? nums.int(4) : 0));
  const pidInodes: number[] = [];
  const otherInodes: Record<OtherNsType, number>[] = [];
  nsShapes.forEach((s, i) => {
    if (i === 0) {
      pidInodes.push(4026531836);
      otherInodes.push({ ...INITIAL, mnt: 4026531841, net: 4026531840 + 100 + nums.int(100) });
      return;
    }
    pidInodes.push(inode());
    const parentNs = otherInodes[s.parent] as Record<OtherNsType, number>;
    const own = { ...parentNs };
    for (const t of OTHER_NS_TYPES) if (s.fresh[t]) own[t] = inode();
    otherInodes.push(own);
  });

  // 3. Processes: namespace inits interleaved with ordinary processes, parents chosen
  //    among the processes already in the namespace.
  const nextPid = pidInodes.map(() => 1);
  const members: number[][] = pidInodes.map(() => []);
  const nsOf: number[] = [];
  const chains: number[][] = nsShapes.map(() => []);
  nsShapes.forEach((s, i) => (chains[i] = i === 0 ? [0] : [...(chains[s.parent] as number[]), i]));
  const procs: ModelProcess[] = [];
  let tick = 100 + nums.int(50);
  const make = (ns: number, parent: number | null, argv: string[], uid: number, key?: string): number => {
    const chain = chains[ns] as number[];
    const nspid = chain.map((level) => {
      const pid = nextPid[level] as number;
      nextPid[level] = pid + 1 + (nums.chance(0.2) ? nums.int(5) : 0);
      return pid;
    });
    tick += 1 + nums.int(3);
    const idx = procs.length;
    const init = (members[ns] as number[]).length === 0 ? idx : ((members[ns] as number[])[0] as number);
    const p: ModelProcess = {
      key: key ?? `p${idx}`,
      pidNs: pidInodes[ns] as number,
      nspid,
      parent: parent === null ? null : `p${parent}`,
      comm: commOf(argv),
      argv,
      uid,
      gid: uid,
      starttime: tick,
      state: 'S',
      ns: { ...(otherInodes[ns] as Record<OtherNsType, number>) },
      session: `p${init}`,
      pgrp: `p${init}`,
      cgroup: ns === 0 ? '/' : `/ns${ns}`,
      kthread: false,
    };
    procs.push(p);
    (members[ns] as number[]).push(idx);
    nsOf.push(ns);
    return idx;
  };
  make(0, null, ['/sbin/init'], 0);
  const regular = processes - 1 - inner - 1; // root init, inner collectors, root collector
  let nextNs = 1;
  let events = regular;
  for (let e = 0; e < regular; e += 1, events -= 1) {
    const remainingNs = pidNamespaces - nextNs;
    if (remainingNs > 0 && shape.next() < remainingNs / events) {
      const s = nsShapes[nextNs] as NsShape;
      const parent = shape.pick(members[s.parent] as number[]);
      make(nextNs, parent, shape.pick(INITS), 0);
      nextNs += 1;
    } else {
      const ns = shape.int(nextNs);
      const parent = shape.pick(members[ns] as number[]);
      make(ns, parent, shape.pick(PROGRAMS), shape.pick(UIDS));
    }
  }
  const views: ViewModel[] = [];
  const bootId = opts.bootId ?? fakeUuid(mulberry32(seed * 31 + boot + 1));
  const addView = (ns: number, name: string): void => {
    const key = `collector-${name}`;
    make(ns, (members[ns] as number[])[0] as number, ['sh', 'nsnap-collect.sh', '--label', name], 0, key);
    (procs[procs.length - 1] as ModelProcess).onlyIn = [name];
    views.push({
      name,
      label: name,
      rootNs: pidInodes[ns] as number,
      collector: key,
      hostname: `synthetic-${seed}`,
      env: {},
      wslconfig: null,
      lsns: null,
      captureStart: new Date(Date.UTC(2026, 0, 1, 0, 0, boot * 3600)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      captureSeconds: 1,
      uptimeSeconds: Math.ceil(tick / 100) + 10,
    });
  };
  addView(0, 'root');
  for (let i = 1; i <= inner; i += 1) addView(Math.min(i, pidNamespaces - 1), `inner-${i}`);
  const namespaces: PidNamespace[] = nsShapes.map((s, i) => ({
    inode: pidInodes[i] as number,
    parent: i === 0 ? null : (pidInodes[s.parent] as number),
  }));
  return {
    bootId,
    kernelRelease: '6.6.87.2-microsoft-standard-WSL2',
    kernelVersion: '#1 SMP PREEMPT_DYNAMIC Thu Jun  5 18:30:46 UTC 2025',
    namespaces,
    processes: procs,
    views,
    origin: `synthetic seed=${seed} boot=${boot} processes=${processes} pidns=${pidNamespaces} depth=${maxDepth}`,
  };
}

function freshAll(v: boolean): Record<OtherNsType, boolean> {
  return { cgroup: v, ipc: v, mnt: v, net: v, time: v, user: v, uts: v };
}

function commOf(argv: string[]): string {
  const first = argv[0] ?? '?';
  const base = first.includes(' ') ? first : (first.split('/').pop() ?? first);
  return base.slice(0, 15);
}

/** Deepest level of a model's PID namespace tree (root = 0). */
export function modelDepth(model: BootModel): number {
  const parent = new Map(model.namespaces.map((n) => [n.inode, n.parent]));
  let max = 0;
  for (const n of model.namespaces) {
    let d = 0;
    for (let cur = n.parent; cur !== null; cur = parent.get(cur) ?? null) d += 1;
    max = Math.max(max, d);
  }
  return max;
}
