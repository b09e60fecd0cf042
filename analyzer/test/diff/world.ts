// Small Analysis objects built directly, for diff tests: a PID namespace tree with an init
// and a few processes each, optional ipc/mnt namespaces, and a relabelling that renumbers
// every inode and PID as a reboot would.

import type { Analysis, ConfigModel, NamespaceNode, ProcessNode, Role } from '../../src/model/types.js';
import type { NsType } from '../../src/procfs/ns-link.js';

export interface NsSpec {
  /** Local name, unique in the world. */
  name: string;
  parent: string | null;
  role?: Role;
  label?: string;
  evidence?: string[];
  init: string;
  /** Command lines of the other members; the comm is the first word's base name. */
  procs: string[];
  /** Names of namespaces of other types the members use (default: the parent's, or own at the root). */
  other?: Partial<Record<Exclude<NsType, 'pid'>, string>>;
}

export interface WorldOptions {
  bootId?: string;
  config?: Partial<ConfigModel>;
  /** First inode; inodes follow in spec order. */
  inodeBase?: number;
  pidBase?: number;
}

const commOf = (cmd: string): string => {
  const first = cmd.split(' ')[0] ?? cmd;
  return first.slice(first.lastIndexOf('/') + 1).slice(0, 15);
};

export function world(specs: NsSpec[], opts: WorldOptions = {}): Analysis {
  const inodeBase = opts.inodeBase ?? 4026532000;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const inodes = new Map<string, number>();
  const nsId = (type: NsType, name: string): string => {
    const key = `${type}:${name}`;
    if (!inodes.has(key)) inodes.set(key, inodeBase + inodes.size);
    return `${type}:${inodes.get(key)}`;
  };
  const depthOf = (s: NsSpec): number => (s.parent === null ? 0 : depthOf(byName.get(s.parent) as NsSpec) + 1);
  const otherOf = (s: NsSpec, type: Exclude<NsType, 'pid'>): string => {
    const own = s.other?.[type];
    if (own !== undefined) return own;
    return s.parent === null ? `${type}-root` : otherOf(byName.get(s.parent) as NsSpec, type);
  };
  const rootId = specs[0] ? nsId('pid', specs[0].name) : 'pid:0';
  let nextPid = opts.pidBase ?? 100;
  const processes: ProcessNode[] = [];
  const namespaces: NamespaceNode[] = [];
  const others = new Map<string, NamespaceNode>();
  const initOf = new Map<string, ProcessNode>();
  for (const s of specs) {
    const id = nsId('pid', s.name);
    const depth = depthOf(s);
    const members: string[] = [];
    const cmds = [s.init, ...s.procs];
    cmds.forEach((cmd, i) => {
      const root = nextPid++;
      // PIDs at the inner levels: 1 for the init, then counting up inside the namespace.
      const nspid = [root];
      for (let d = 1; d <= depth; d += 1) nspid.push(d === depth ? i + 1 : root - 90 * d);
      const ns: Partial<Record<NsType, string>> = { pid: id };
      for (const t of ['ipc', 'mnt'] as const) ns[t] = nsId(t, otherOf(s, t));
      const parentInit = s.parent ? initOf.get(s.parent) : undefined;
      const p: ProcessNode = {
        id: `${root}@${rootId}`,
        nspid,
        nspidDepth: 0,
        ppid: 0,
        parent: i === 0 ? (parentInit?.id ?? null) : (initOf.get(s.name)?.id ?? null),
        comm: commOf(cmd),
        cmdline: cmd,
        uid: 0,
        starttime: 1000 + root,
        ns,
        views: [0],
      };
      if (i === 0) initOf.set(s.name, p);
      processes.push(p);
      members.push(p.id);
      for (const t of ['ipc', 'mnt'] as const) {
        const oid = ns[t] as string;
        let o = others.get(oid);
        if (!o) {
          o = node(oid, t, null, null, 'unknown', cmd, []);
          others.set(oid, o);
        }
        o.processes.push(p.id);
      }
    });
    const n = node(id, 'pid', s.parent ? nsId('pid', s.parent) : null, depth, s.role ?? 'unknown', s.label ?? s.init, members);
    n.init = initOf.get(s.name)?.id ?? null;
    n.evidence = s.evidence ?? [];
    namespaces.push(n);
  }
  for (const n of namespaces) if (n.parent) namespaces.find((m) => m.id === n.parent)?.children.push(n.id);
  for (const o of others.values()) {
    const owner = namespaces.find((n) => n.processes.includes(o.processes[0] as string));
    o.role = owner?.role ?? 'unknown';
  }
  const config: ConfigModel = {
    guiApplications: null,
    systemd: null,
    kernel: '6.1.0',
    wslVersion: null,
    hostname: 'box',
    sources: {},
    distros: [],
    ...opts.config,
  };
  return {
    format: 'nsnap-analysis',
    formatVersion: 1,
    views: [
      {
        index: 0,
        source: 'world',
        kind: 'proc-dir',
        label: 'world',
        bootId: opts.bootId ?? 'boot-a',
        hostname: 'box',
        kernel: '6.1.0',
        pidNamespace: rootId,
        privileged: true,
        processes: processes.length,
        deniedReads: 0,
        vanished: 0,
        lsns: false,
        level: null,
        levelEvidence: [],
      },
    ],
    namespaces: [...namespaces, ...others.values()],
    processes,
    config,
    diagnostics: [],
  };
}

function node(
  id: string,
  type: NsType,
  parent: string | null,
  depth: number | null,
  role: Role,
  label: string,
  processes: string[],
): NamespaceNode {
  const inode = Number(id.slice(id.indexOf(':') + 1));
  return {
    id,
    type,
    inode,
    parent,
    parentEvidence: parent ? 'init-parent' : null,
    parentSupport: parent ? ['init-parent'] : [],
    depth,
    label,
    role,
    evidence: [],
    processes,
    init: null,
    seenVia: 'member',
    synthetic: false,
    children: [],
    views: [0],
  };
}

/**
 * The same analysis after a reboot: every inode and PID renumbered through the given
 * permutations (any order), a new boot id. Arrays are re-sorted, since the real model
 * sorts by inode and PID.
 */
export function relabel(a: Analysis, bootId: string, seed: number): Analysis {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const inodeMap = new Map<string, string>();
  const shuffled = a.namespaces.map((n) => n.id).sort(() => rnd() - 0.5);
  shuffled.forEach((id, i) => inodeMap.set(id, `${id.slice(0, id.indexOf(':'))}:${4026540000 + i * 7}`));
  const pidShift = 1000 + Math.floor(rnd() * 50000);
  const root = a.views[0]?.pidNamespace ?? '';
  const procMap = new Map<string, string>();
  const nsOf = (id: string): string => inodeMap.get(id) ?? id;
  for (const p of a.processes) procMap.set(p.id, `${(p.nspid[0] as number) + pidShift}@${nsOf(root)}`);
  const pr = (id: string | null): string | null => (id === null ? null : (procMap.get(id) ?? id));
  const out: Analysis = structuredClone(a);
  out.views = out.views.map((v) => ({ ...v, bootId, pidNamespace: v.pidNamespace ? nsOf(v.pidNamespace) : null }));
  out.processes = out.processes.map((p) => ({
    ...p,
    id: pr(p.id) as string,
    parent: pr(p.parent),
    nspid: p.nspid.map((n, i) => (i === 0 ? n + pidShift : n + 3)),
    starttime: p.starttime === null ? null : p.starttime + 77,
    ns: Object.fromEntries(Object.entries(p.ns).map(([t, id]) => [t, nsOf(id as string)])),
  }));
  out.namespaces = out.namespaces
    .map((n) => ({
      ...n,
      id: nsOf(n.id),
      inode: Number(nsOf(n.id).split(':')[1]),
      parent: n.parent ? nsOf(n.parent) : null,
      children: n.children.map(nsOf).sort(),
      processes: n.processes.map((id) => pr(id) as string),
      init: pr(n.init),
    }))
    .sort((x, y) => (x.type === y.type ? (x.depth ?? 0) - (y.depth ?? 0) || (x.inode ?? 0) - (y.inode ?? 0) : x.type < y.type ? -1 : 1));
  return out;
}

/** Removes a PID namespace and its members; its children move up to its parent (as with guiApplications=false). */
export function removeNamespace(a: Analysis, id: string): Analysis {
  const out: Analysis = structuredClone(a);
  const victim = out.namespaces.find((n) => n.id === id) as NamespaceNode;
  const gone = new Set(victim.processes);
  out.processes = out.processes.filter((p) => !gone.has(p.id));
  const byId = new Map(out.namespaces.map((n) => [n.id, n]));
  const lower = (n: NamespaceNode): void => {
    n.depth = (n.depth ?? 1) - 1;
    for (const c of n.children) lower(byId.get(c) as NamespaceNode);
  };
  for (const c of victim.children) {
    const child = byId.get(c) as NamespaceNode;
    child.parent = victim.parent;
    lower(child);
  }
  const parent = victim.parent ? byId.get(victim.parent) : undefined;
  if (parent) parent.children = [...parent.children.filter((c) => c !== id), ...victim.children].sort();
  out.namespaces = out.namespaces.filter((n) => n.id !== id);
  for (const n of out.namespaces) n.processes = n.processes.filter((p) => !gone.has(p));
  // A namespace of another type left without members was the victim's own: it goes too.
  out.namespaces = out.namespaces.filter((n) => n.type === 'pid' || n.processes.length > 0);
  return out;
}
