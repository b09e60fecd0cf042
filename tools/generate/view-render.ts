// One view of a boot model, as the collector would have captured it: which processes the
// view's procfs shows, their PIDs translated into that namespace (NSpid outermost = view
// root, PPid 0 for parents outside), which reads a non-root collector is refused, and the
// manifest that goes with it. The result is a SnapshotSpec for the writer.

import { NS_LINK_NAMES, type NsLinkName } from '../../analyzer/src/procfs/ns-link.js';
import type { FailedReadJson, Manifest } from '../../analyzer/src/snapshot/manifest.js';
import type { ProcEntry, SnapshotSpec } from '../../analyzer/src/snapshot/writer.js';
import {
  ModelError,
  OTHER_NS_TYPES,
  indexModel,
  type BootModel,
  type ModelIndex,
  type ModelProcess,
  type ViewModel,
} from './boot-model.js';
import { cgroupText, cmdlineBytes, commText, kernelComm, statText, statusText } from './procfs-text.js';

export const GENERATOR_NAME = 'nsnap-generate';
export const GENERATOR_VERSION = '0.1.0';

const FULL_CAPS = '000001ffffffffff';
const NO_CAPS = '0000000000000000';
const PROC_MOUNT = '22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw';

interface Visible {
  proc: ModelProcess;
  /** Index into proc.nspid of the view root's level. */
  level: number;
  pid: number;
}

/** The processes a view shows, ascending by their PID in the view. */
export function visibleProcesses(model: BootModel, index: ModelIndex, view: ViewModel): Visible[] {
  const rootChain = index.chain.get(view.rootNs);
  if (!rootChain) throw new ModelError(`view '${view.name}': root PID namespace ${view.rootNs} is not declared`);
  const level = rootChain.length - 1;
  const out: Visible[] = [];
  for (const proc of model.processes) {
    if (proc.onlyIn !== undefined && !proc.onlyIn.includes(view.name)) continue;
    const chain = index.chain.get(proc.pidNs) as number[];
    if (chain[level] !== view.rootNs) continue;
    out.push({ proc, level, pid: proc.nspid[level] as number });
  }
  out.sort((a, b) => a.pid - b.pid);
  return out;
}

/** A leader's PID at each level of `p` from `level` inwards; 0 where the leader is not a member. */
function leaderPids(p: ModelProcess, leader: ModelProcess | undefined, level: number, index: ModelIndex): number[] {
  const chain = index.chain.get(p.pidNs) as number[];
  const out: number[] = [];
  const lchain = leader ? (index.chain.get(leader.pidNs) as number[]) : [];
  for (let i = level; i < chain.length; i += 1) {
    out.push(leader && lchain[i] === chain[i] ? (leader.nspid[i] as number) : 0);
  }
  return out;
}

function present(p: ModelProcess, view: ViewModel): boolean {
  return p.onlyIn === undefined || p.onlyIn.includes(view.name);
}

function procEntry(v: Visible, index: ModelIndex, view: ViewModel, readable: boolean): ProcEntry {
  const p = v.proc;
  const parent = p.parent === null ? undefined : index.byKey.get(p.parent);
  let ppid = 0;
  if (parent && present(parent, view)) {
    const pchain = index.chain.get(parent.pidNs) as number[];
    if (pchain[v.level] === view.rootNs) ppid = parent.nspid[v.level] as number;
  }
  const comm = kernelComm(p.comm);
  const text = {
    comm,
    argv: p.argv,
    state: p.state,
    uid: p.uid,
    gid: p.gid,
    kthread: p.kthread,
    starttime: p.starttime,
    cgroup: p.cgroup,
    nspid: p.nspid.slice(v.level),
    ppid,
    nspgid: leaderPids(p, p.pgrp === null ? undefined : index.byKey.get(p.pgrp), v.level, index),
    nssid: leaderPids(p, p.session === null ? undefined : index.byKey.get(p.session), v.level, index),
  };
  const entry: ProcEntry = {
    pid: v.pid,
    status: statusText(text),
    stat: statText(text),
    cmdline: cmdlineBytes(p.argv),
    comm: commText(comm),
    cgroup: cgroupText(p.cgroup),
  };
  const isInit = p.nspid[p.nspid.length - 1] === 1;
  const isSelf = p.key === view.collector;
  if (readable) {
    const ns: Partial<Record<NsLinkName, number>> = { pid: p.pidNs, pid_for_children: p.pidForChildren ?? p.pidNs };
    for (const t of OTHER_NS_TYPES) ns[t] = p.ns[t];
    ns.time_for_children = p.ns.time;
    entry.ns = ns;
    if (isInit || isSelf) {
      if (p.osRelease !== undefined) entry.osRelease = p.osRelease;
      if (p.wslConf !== undefined) entry.wslConf = p.wslConf;
    }
  }
  // Unreadable: the links and root/etc files are simply absent; renderView lists the
  // refused reads in the manifest.
  return entry;
}

function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
}

function addSeconds(iso: string, seconds: number): string {
  const t = new Date(iso).getTime() + Math.ceil(seconds) * 1000;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** lsns -J rows for every namespace a privileged view's processes are members of. */
function lsnsJson(view: ViewModel, visible: Visible[], index: ModelIndex, pidOf: Map<string, number>, ppidOf: Map<string, number>): string {
  interface Row {
    ns: number;
    type: string;
    path: string;
    nprocs: number;
    pid: number;
    ppid: number;
    pns: number;
    ons: number;
    command: string;
  }
  const rows = new Map<string, Row>();
  const viewChain = index.chain.get(view.rootNs) as number[];
  for (const v of visible) {
    const p = v.proc;
    const links: [string, number][] = [['pid', p.pidNs], ...OTHER_NS_TYPES.map((t): [string, number] => [t, p.ns[t]])];
    for (const [type, inode] of links) {
      const key = `${type}:${inode}`;
      const row = rows.get(key);
      if (row) {
        row.nprocs += 1;
        continue;
      }
      let pns = 0;
      if (type === 'pid') {
        const chain = index.chain.get(p.pidNs) as number[];
        // NS_GET_PARENT refuses (EPERM) a parent outside the caller's namespace.
        pns = chain.length - 1 > viewChain.length - 1 ? (chain[chain.length - 2] as number) : 0;
      }
      rows.set(key, {
        ns: inode,
        type,
        path: `/proc/${v.pid}/ns/${type}`,
        nprocs: 1,
        pid: pidOf.get(p.key) as number,
        ppid: ppidOf.get(p.key) ?? 0,
        pns,
        ons: p.ns.user,
        command: p.argv.length > 0 ? p.argv.join(' ') : p.comm,
      });
    }
  }
  const list = [...rows.values()].sort((a, b) => a.ns - b.ns || (a.type < b.type ? -1 : 1));
  return `${JSON.stringify({ namespaces: list }, null, 3)}\n`;
}

export interface RenderedView {
  spec: SnapshotSpec;
  /** Processes in the snapshot. */
  processes: number;
}

/** Builds the snapshot spec of one view; processes are produced lazily in PID order. */
export function renderView(model: BootModel, view: ViewModel, index: ModelIndex = indexModel(model)): RenderedView {
  const found = index.byKey.get(view.collector);
  if (!found) throw new ModelError(`view '${view.name}': collector '${view.collector}' is not a process of the boot`);
  const collector = found;
  const visible = visibleProcesses(model, index, view);
  const self = visible.find((v) => v.proc.key === view.collector);
  if (!self) throw new ModelError(`view '${view.name}': collector '${view.collector}' is not visible in the view`);
  const privileged = collector.uid === 0;

  // Denials and namespace counts need one pass before the manifest can be written first.
  const denied: FailedReadJson[] = [];
  const inodes = new Set<string>();
  const pidOf = new Map<string, number>();
  for (const v of visible) pidOf.set(v.proc.key, v.pid);
  const ppidOf = new Map<string, number>();
  for (const v of visible) {
    const readable = privileged || v.proc.uid === collector.uid;
    const parentKey = v.proc.parent;
    if (parentKey !== null && pidOf.has(parentKey)) ppidOf.set(v.proc.key, pidOf.get(parentKey) as number);
    if (!readable) {
      // ptrace-read access is needed for ns links and /proc/PID/root; status, stat,
      // cmdline, comm and cgroup stay world-readable (no hidepid). The collector tries
      // every link and each init's root files, and records each refusal.
      for (const name of NS_LINK_NAMES) denied.push({ path: `proc/${v.pid}/ns/${name}`, error: 'EACCES' });
      if (v.proc.nspid[v.proc.nspid.length - 1] === 1) {
        denied.push({ path: `proc/${v.pid}/root/etc/os-release`, error: 'EACCES' });
        denied.push({ path: `proc/${v.pid}/root/etc/wsl.conf`, error: 'EACCES' });
      }
      continue;
    }
    const p = v.proc;
    inodes.add(`pid:${p.pidNs}`);
    inodes.add(`pid:${p.pidForChildren ?? p.pidNs}`);
    for (const t of OTHER_NS_TYPES) inodes.add(`${t}:${p.ns[t]}`);
  }

  const start = view.captureStart;
  const manifest: Manifest = {
    format: 'nsnap-snapshot',
    format_version: 1,
    collector: { name: GENERATOR_NAME, version: GENERATOR_VERSION, shell: 'generator', copy_mode: 'generator', cmdline: true },
    label: view.label,
    capture: { start, end: addSeconds(start, view.captureSeconds), seconds: view.captureSeconds },
    source: { proc: model.origin, live: false },
    view: {
      self_pid: self.pid,
      boot_id: model.bootId,
      hostname: view.hostname,
      kernel: { release: model.kernelRelease, version: model.kernelVersion },
      uptime_seconds: view.uptimeSeconds,
      procfs_mounts: [PROC_MOUNT],
      uid: collector.uid,
      euid: collector.uid,
      cap_eff: privileged ? FULL_CAPS : NO_CAPS,
    },
    env: { ...view.env },
    wsl: {
      wsl_conf: collector.wslConf !== undefined,
      wslconfig: { given: view.wslconfig !== null, captured: view.wslconfig !== null },
    },
    lsns: view.lsns
      ? { ran: true, command: view.lsns.command, version: view.lsns.version, exit_code: 0, file: 'lsns.json' }
      : { ran: false, file: null },
    counts: { processes: visible.length, namespaces: inodes.size, denied: denied.length, vanished: 0, errors: 0 },
    denied,
    vanished: [],
    errors: [],
  };
  manifest.view.cap_prm = privileged ? FULL_CAPS : NO_CAPS;
  manifest.view.cap_bnd = FULL_CAPS;

  const lsns = view.lsns && privileged ? lsnsJson(view, visible, index, pidOf, ppidOf) : null;
  function* processes(): Generator<ProcEntry> {
    for (const v of visible) yield procEntry(v, index, view, privileged || v.proc.uid === collector.uid);
  }
  const host = view.hostname.replace(/[^A-Za-z0-9._-]/g, '_');
  const label = view.label.replace(/[^A-Za-z0-9._-]/g, '_');
  const uptime = view.uptimeSeconds.toFixed(2);
  return {
    processes: visible.length,
    spec: {
      topFolder: `nsnap-${host}-${label}-${compactTime(start)}`,
      manifest,
      view: {
        uptime: `${uptime} ${(view.uptimeSeconds * 7.3).toFixed(2)}\n`,
        hostname: `${view.hostname}\n`,
        osrelease: `${model.kernelRelease}\n`,
        version: `${model.kernelVersion}\n`,
        bootId: `${model.bootId}\n`,
      },
      selfPid: self.pid,
      lsns,
      wslconfig: view.wslconfig,
      processes: processes(),
    },
  };
}
