// The boot model: one boot of one kernel, described by its PID namespaces, its processes
// (with their PID at every level, root first) and the views captured from it. Scenario
// files and the synthetic generator both produce this; view-render.ts turns a view of it
// into snapshot entries.

import { NS_TYPES, type NsType } from '../../analyzer/src/procfs/ns-link.js';

export type OtherNsType = Exclude<NsType, 'pid'>;
export const OTHER_NS_TYPES: readonly OtherNsType[] = NS_TYPES.filter((t): t is OtherNsType => t !== 'pid');

export interface PidNamespace {
  inode: number;
  /** Inode of the parent PID namespace; null for the root. */
  parent: number | null;
}

export interface ModelProcess {
  /** Unique within the boot. */
  key: string;
  /** Inode of the process's own PID namespace. */
  pidNs: number;
  /** PID at every level, root namespace first; the last entry is the PID in pidNs. */
  nspid: number[];
  /** Key of the parent process; null for the root init and kthreadd. */
  parent: string | null;
  comm: string;
  /** Empty for kernel threads (their cmdline is empty). */
  argv: string[];
  uid: number;
  gid: number;
  /** Clock ticks since boot (stat field 22). */
  starttime: number;
  /** One-letter state, as in stat field 3. */
  state: string;
  ns: Record<OtherNsType, number>;
  /** pid_for_children when it differs from the own PID namespace. */
  pidForChildren?: number;
  /** Key of the session leader, or null for none (kernel threads: 0). */
  session: string | null;
  /** Key of the process-group leader, or null for none. */
  pgrp: string | null;
  /** cgroup v2 path, e.g. "/". */
  cgroup: string;
  kthread: boolean;
  /** Files under proc/<pid>/root/etc, for namespace inits and collectors. */
  osRelease?: string;
  wslConf?: string;
  /** Names of the views in which the process exists; undefined: every view. */
  onlyIn?: string[];
}

export interface LsnsSpec {
  version: string;
  command: string;
}

export interface ViewModel {
  /** File name without .tar.gz. */
  name: string;
  label: string;
  /** Inode of the PID namespace whose procfs the collector read. */
  rootNs: number;
  /** Key of the collector process (proc/self). */
  collector: string;
  hostname: string;
  env: Record<string, string | boolean>;
  /** Text of the captured .wslconfig, or null when none was given. */
  wslconfig: string | null;
  /** When set, lsns ran and lsns.json holds the model's namespaces (privileged views only). */
  lsns: LsnsSpec | null;
  /** UTC, second precision, e.g. 2026-11-29T03:40:00Z. */
  captureStart: string;
  captureSeconds: number;
  uptimeSeconds: number;
}

export interface BootModel {
  bootId: string;
  kernelRelease: string;
  kernelVersion: string;
  namespaces: PidNamespace[];
  processes: ModelProcess[];
  views: ViewModel[];
  /** Where the model came from, for the manifest's source.proc. */
  origin: string;
}

export class ModelError extends Error {
  readonly code = 'BOOT_MODEL';
}

/** Indexes of a boot model shared by every view rendering. */
export interface ModelIndex {
  /** PID namespace inode -> its ancestors, root first, itself last. */
  chain: Map<number, number[]>;
  byKey: Map<string, ModelProcess>;
}

export function indexModel(model: BootModel): ModelIndex {
  const nsByInode = new Map(model.namespaces.map((n) => [n.inode, n]));
  const chain = new Map<number, number[]>();
  const chainOf = (inode: number, seen: Set<number>): number[] => {
    const known = chain.get(inode);
    if (known) return known;
    const ns = nsByInode.get(inode);
    if (!ns) throw new ModelError(`PID namespace ${inode} is not declared`);
    if (seen.has(inode)) throw new ModelError(`PID namespace ${inode} is its own ancestor`);
    seen.add(inode);
    const list = ns.parent === null ? [inode] : [...chainOf(ns.parent, seen), inode];
    if (list.length > 33) throw new ModelError(`PID namespace ${inode} is nested deeper than 32 levels`);
    chain.set(inode, list);
    return list;
  };
  for (const ns of model.namespaces) chainOf(ns.inode, new Set());
  if (model.namespaces.filter((n) => n.parent === null).length !== 1) throw new ModelError('a boot has exactly one root PID namespace');
  const byKey = new Map<string, ModelProcess>();
  for (const p of model.processes) {
    if (byKey.has(p.key)) throw new ModelError(`process key '${p.key}' is used twice`);
    byKey.set(p.key, p);
  }
  return { chain, byKey };
}

/**
 * Checks the kernel's invariants: NSpid length matches the namespace depth, PIDs are
 * unique at every level, and a namespace init's parent is a member of the parent namespace.
 */
export function checkModel(model: BootModel, index: ModelIndex = indexModel(model)): void {
  const used = new Map<number, Map<number, string>>();
  for (const p of model.processes) {
    const chain = index.chain.get(p.pidNs);
    if (!chain) throw new ModelError(`process '${p.key}' is in undeclared PID namespace ${p.pidNs}`);
    if (p.nspid.length !== chain.length) {
      throw new ModelError(`process '${p.key}' has ${p.nspid.length} PIDs but its namespace ${p.pidNs} is at depth ${chain.length - 1}`);
    }
    chain.forEach((ns, i) => {
      const pid = p.nspid[i] as number;
      let m = used.get(ns);
      if (!m) used.set(ns, (m = new Map()));
      const other = m.get(pid);
      if (other !== undefined) throw new ModelError(`PID ${pid} in namespace ${ns} is used by both '${other}' and '${p.key}'`);
      m.set(pid, p.key);
    });
    if (p.parent === null) continue;
    const parent = index.byKey.get(p.parent);
    if (!parent) throw new ModelError(`process '${p.key}' names unknown parent '${p.parent}'`);
    const pchain = index.chain.get(parent.pidNs) as number[];
    const isInit = p.nspid[p.nspid.length - 1] === 1;
    if (isInit && pchain.length !== chain.length - 1) {
      throw new ModelError(`init '${p.key}' of namespace ${p.pidNs}: its parent '${parent.key}' must be in the parent namespace`);
    }
    if (pchain.length > chain.length || pchain[pchain.length - 1] !== chain[pchain.length - 1]) {
      throw new ModelError(`process '${p.key}': its parent '${parent.key}' is not in its namespace or an ancestor`);
    }
  }
}
