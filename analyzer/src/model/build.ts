// Assembles the analysis from views of one boot: processes merged across views, the PID
// namespace tree (pid-namespaces.ts), the other seven namespace types, and the wire ids.

import { INITIAL_INODES, NS_TYPES, type NsType } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import { checkBoots, type BuildOptions } from './boots.js';
import { DiagnosticSink } from './diagnostics.js';
import { compareInstances, instanceInode } from './pid-instances.js';
import { buildPidModel } from './pid-namespaces.js';
import type { PidClass } from './pid-types.js';
import type { Analysis, ConfigModel, NamespaceNode, ProcessNode, ViewSummary } from './types.js';
import { otherInstances } from './other-instances.js';
import { UnionFind } from './union-find.js';
import { viewProcs, type VProc } from './view-procs.js';

interface GlobalProc {
  rep: VProc;
  records: VProc[];
  id: string;
}

export function buildAnalysis(views: ViewData[], options: BuildOptions = {}): Analysis {
  const diags = new DiagnosticSink();
  const procs = views.map((view, v) => viewProcs(view, v, diags));
  views.forEach((view, v) => {
    if (view.denied.length > 0 || view.vanished.length > 0) {
      diags.add(
        'VIEW_PARTIAL',
        `view ${v} (${view.label}): ${view.denied.length} reads failed, ${view.vanished.length} processes vanished during capture`,
        { denied: view.denied.length, vanished: view.vanished.length },
        v,
      );
    }
  });
  const processUf = new UnionFind();
  const pid = buildPidModel(views, procs, diags, processUf);
  checkBoots(views, pid.nesting, diags, options);

  // Wire ids for PID namespaces: real inodes, then synthetic ones in a stable order.
  const ids = new Map<PidClass, string>();
  const sortKeyOf = (c: PidClass): string => {
    let best: string | null = null;
    for (const m of c.members) {
      const root = pid.classOfKey(`r:${m.view}`);
      const k = `${String(root?.depth ?? 0).padStart(3, '0')}|${m.nspid.map((n) => String(n).padStart(8, '0')).join('/')}`;
      if (best === null || k < best) best = k;
    }
    return best ?? '~';
  };
  const synthetic = pid.classes.filter((c) => c.instances.length === 0);
  synthetic.sort((a, b) => a.depth - b.depth || cmp(sortKeyOf(a), sortKeyOf(b)) || a.rep - b.rep);
  for (const c of pid.classes) if (c.instances.length > 0) ids.set(c, `pid:${c.instances[0]}`);
  synthetic.forEach((c, i) => ids.set(c, `pid:?${i + 1}`));

  // Merge process records across views; the outermost record represents the process.
  const globals = new Map<number, GlobalProc>();
  for (const m of procs) {
    for (const p of m.values()) {
      const rep = processUf.findKey(p.pkey);
      const g = globals.get(rep);
      if (!g) globals.set(rep, { rep: p, records: [p], id: '' });
      else {
        g.records.push(p);
        if (p.len > g.rep.len) g.rep = p;
      }
    }
  }
  const rootOfView = views.map((_, v) => pid.classOfKey(`r:${v}`));
  const recordToGlobal = new Map<VProc, GlobalProc>();
  for (const g of globals.values()) {
    const root = rootOfView[g.rep.view];
    g.id = `${g.rep.nspid[0]}@${root ? ids.get(root) : `view${g.rep.view}`}`;
    for (const r of g.records) recordToGlobal.set(r, g);
  }
  uniqueProcessIds([...globals.values()]);

  const processes: ProcessNode[] = [];
  const nsMembers = new Map<string, string[]>();
  const addMember = (nsId: string, procId: string): void => {
    const list = nsMembers.get(nsId);
    if (list) list.push(procId);
    else nsMembers.set(nsId, [procId]);
  };
  interface OtherNs {
    id: string;
    type: NsType;
    inode: number;
    seenVia: 'member' | 'for-children' | 'lsns';
    views: Set<number>;
    lastView: number;
  }
  const otherNs = new Map<string, OtherNs>();
  // Found by inode per type: the id string is made once per namespace, not once per
  // member (70k memberships at 10k processes).
  const byInode = new Map<NsType, Map<number, OtherNs>>(NS_TYPES.map((t) => [t, new Map()]));
  const noteOther = (type: NsType, inode: number, via: 'member' | 'for-children' | 'lsns', view: number, instanceId?: string): string => {
    const known = byInode.get(type) as Map<number, OtherNs>;
    const split = instanceId === undefined ? otherIds.idInView(type, inode, view) : instanceId;
    let o = split === null ? known.get(inode) : otherNs.get(split);
    if (!o) {
      o = { id: split ?? `${type}:${inode}`, type, inode, seenVia: via, views: new Set(), lastView: -1 };
      if (split === null) known.set(inode, o);
      otherNs.set(o.id, o);
    }
    if (via === 'member') o.seenVia = 'member';
    if (o.lastView !== view) {
      o.views.add(view);
      o.lastView = view;
    }
    return o.id;
  };
  // The other types' links, read from the first record (in view order) that could read
  // each; then which instance of a reused inode each member is in (otherInstances).
  const otherLinks = new Map<GlobalProc, Partial<Record<NsType, { inode: number; view: number }>>>();
  for (const g of globals.values()) {
    const links: Partial<Record<NsType, { inode: number; view: number }>> = {};
    for (const type of OTHER_TYPES) {
      for (const r of g.records) {
        const inode = r.rec.ns[type];
        if (inode === undefined) continue;
        links[type] = { inode, view: r.view };
        break;
      }
    }
    otherLinks.set(g, links);
  }
  const reusedPid = new Map<number, number>();
  for (const c of pid.classes)
    if (c.instances[0] !== undefined) reusedPid.set(c.inodes[0] as number, (reusedPid.get(c.inodes[0] as number) ?? 0) + 1);
  const classById = new Map(pid.classes.map((c) => [ids.get(c) as string, c]));
  const otherIds = otherInstances(
    globals.values(),
    {
      links: (g) => otherLinks.get(g) ?? {},
      era: (g) => {
        const c = pid.classOfKey(g.rep.gkey);
        return c && c.inodes.length === 1 && (reusedPid.get(c.inodes[0] as number) ?? 0) > 1 ? ids.get(c) : undefined;
      },
      eraInit: (era) => {
        const init = classById.get(era)?.inits[0];
        return init ? recordToGlobal.get(init) : undefined;
      },
      parent: (g) => (g.rep.parent ? (recordToGlobal.get(g.rep.parent) ?? null) : null),
      views: (g) => g.records.map((r) => r.view),
    },
    diags,
  );
  for (const g of globals.values()) {
    const rep = g.rep;
    const cls = pid.classOfKey(rep.gkey);
    const root = rootOfView[rep.view];
    const ns: Partial<Record<NsType, string>> = {};
    if (cls) ns.pid = ids.get(cls) as string;
    for (const type of OTHER_TYPES) {
      const seen = otherLinks.get(g)?.[type];
      if (seen) ns[type] = noteOther(type, seen.inode, 'member', seen.view, otherIds.idOf(g, type));
    }
    for (const r of g.records) {
      const tfc = r.rec.ns.time_for_children;
      if (tfc !== undefined && tfc !== r.rec.ns.time) noteOther('time', tfc, 'for-children', r.view);
    }
    const withCmd = g.records.find((r) => r.rec.cmdline !== null);
    const parentRec = rep.parent;
    const node: ProcessNode = {
      id: g.id,
      nspid: [...rep.nspid],
      nspidDepth: root ? root.depth : 0,
      ppid: rep.ppid,
      parent: parentRec ? (recordToGlobal.get(parentRec)?.id ?? null) : null,
      comm: rep.comm,
      cmdline: withCmd ? (withCmd.rec.cmdline as string[]).join(' ') : null,
      uid: rep.rec.status?.uid ?? null,
      starttime: rep.starttime,
      ns,
      ...(g.records.some((r) => pid.inferred.has(r)) ? { placement: 'inferred' as const } : {}),
      views: g.records.length === 1 ? [rep.view] : [...new Set(g.records.map((r) => r.view))].sort((a, b) => a - b),
    };
    processes.push(node);
  }
  // Sorted once here, so every member list below comes out in process order unsorted.
  processes.sort(compareProcesses);
  for (const node of processes) for (const id of Object.values(node.ns)) addMember(id, node.id);
  const procById = new Map(processes.map((p) => [p.id, p]));

  // lsns rows of the other types add namespaces without visible members, and user parents.
  const userParent = new Map<string, string>();
  views.forEach((view, v) => {
    for (const row of view.lsns ?? []) {
      if (row.type === 'pid' || !(NS_TYPES as readonly string[]).includes(row.type)) continue;
      const id = noteOther(row.type as NsType, row.ns, 'lsns', v);
      if (row.type === 'user' && row.pns) userParent.set(id, noteOther('user', row.pns, 'lsns', v));
    }
  });

  const namespaces: NamespaceNode[] = [];
  for (const c of pid.classes) {
    const id = ids.get(c) as string;
    const init = c.inits.map((p) => recordToGlobal.get(p)).find((g) => g !== undefined);
    const initNode = init ? procById.get(init.id) : undefined;
    namespaces.push({
      id,
      type: 'pid',
      inode: c.instances[0] !== undefined ? instanceInode(c.instances[0]) : null,
      parent: c.parent ? (ids.get(c.parent) as string) : null,
      parentEvidence: c.parentEvidence,
      parentSupport: c.parentSupport,
      depth: c.depth,
      label: initNode
        ? commandLabel(initNode)
        : c.seenVia === 'for-children'
          ? '(no process yet: seen as pid_for_children)'
          : '(init not visible)',
      role: 'unknown',
      evidence: [],
      processes: nsMembers.get(id) ?? [],
      init: initNode ? initNode.id : null,
      seenVia: c.seenVia,
      synthetic: c.instances.length === 0,
      children: c.children.map((k) => ids.get(k) as string).sort(),
      views: [...new Set(c.members.map((m) => m.view).concat(c.rootOf))].sort((a, b) => a - b),
    });
  }
  for (const [id, o] of otherNs) {
    const members = nsMembers.get(id) ?? [];
    const first = members[0] ? procById.get(members[0]) : undefined;
    const parent = o.type === 'user' ? (userParent.get(id) ?? null) : null;
    namespaces.push({
      id,
      type: o.type,
      inode: o.inode,
      parent,
      parentEvidence: parent ? 'kernel' : null,
      parentSupport: parent ? ['kernel'] : [],
      depth: null,
      label: first
        ? commandLabel(first)
        : o.seenVia === 'for-children'
          ? '(no process yet: seen as time_for_children)'
          : '(no visible process)',
      role: 'unknown',
      evidence: [],
      processes: members,
      init: null,
      seenVia: o.seenVia,
      synthetic: false,
      children: [],
      views: [...o.views].sort((a, b) => a - b),
    });
  }
  userDepths(namespaces);

  const summaries: ViewSummary[] = views.map((view, v) => {
    const root = pid.classOfKey(`r:${v}`);
    return {
      index: v,
      source: view.source,
      kind: view.kind,
      label: view.label,
      bootId: view.bootId,
      hostname: view.hostname,
      kernel: view.kernelRelease,
      pidNamespace: root ? (ids.get(root) ?? null) : null,
      privileged: view.euid === 0,
      processes: (procs[v] as Map<number, VProc>).size,
      deniedReads: view.denied.length,
      vanished: view.vanished.length,
      lsns: view.lsns !== null,
      level: null,
      levelEvidence: [],
    };
  });

  const typeRank = (t: NsType): number => (t === 'pid' ? -1 : NS_TYPES.indexOf(t));
  namespaces.sort((a, b) => typeRank(a.type) - typeRank(b.type) || (a.depth ?? 0) - (b.depth ?? 0) || cmpNsId(a, b));
  const config: ConfigModel = {
    guiApplications: null,
    systemd: null,
    kernel: views.find((v) => v.kernelRelease !== null)?.kernelRelease ?? null,
    wslVersion: null,
    hostname: views.find((v) => v.hostname !== null)?.hostname ?? null,
    sources: {},
    distros: [],
  };
  return { format: 'nsnap-analysis', formatVersion: 1, views: summaries, namespaces, processes, config, diagnostics: diags.sorted() };
}

/**
 * A process id is "<PID in the outermost view that sees it>@<that view's PID namespace>".
 * Within one boot a process is its PID plus its start time, so when the merged views hold
 * two processes under one such id (the PID was reused between the captures), each gets
 * its start time appended: "<pid>@<ns>~<starttime>" (then, only if even that repeats,
 * "~v<view>.<pid>").
 */
function uniqueProcessIds(globals: GlobalProc[]): void {
  const byId = new Map<string, GlobalProc[]>();
  for (const g of globals) push(byId, g.id, g);
  for (const [base, list] of byId) {
    if (list.length < 2) continue;
    for (const g of list) g.id = `${base}~${g.rep.starttime ?? `v${g.rep.view}.${g.rep.pid}`}`;
    const again = new Map<string, GlobalProc[]>();
    for (const g of list) push(again, g.id, g);
    for (const [id, same] of again) if (same.length > 1) for (const g of same) g.id = `${id}~v${g.rep.view}.${g.rep.pid}`;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const OTHER_TYPES = NS_TYPES.filter((t): t is Exclude<NsType, 'pid'> => t !== 'pid');

function commandLabel(p: ProcessNode): string {
  const text = p.cmdline && p.cmdline.length > 0 ? p.cmdline : p.comm;
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function userDepths(namespaces: NamespaceNode[]): void {
  const users = new Map(namespaces.filter((n) => n.type === 'user').map((n) => [n.id, n]));
  const initial = `user:${INITIAL_INODES.user}`;
  for (const n of users.values()) {
    let d = 0;
    let cur: NamespaceNode | undefined = n;
    while (cur && cur.parent && d < 64) {
      cur = users.get(cur.parent);
      d += 1;
    }
    if (cur && cur.id === initial) n.depth = d;
  }
  for (const n of users.values()) if (n.parent) users.get(n.parent)?.children.push(n.id);
  for (const n of users.values()) n.children.sort();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNsId(a: NamespaceNode, b: NamespaceNode): number {
  if (a.inode !== null && b.inode !== null) return compareInstances(a.id.slice(a.id.indexOf(':') + 1), b.id.slice(b.id.indexOf(':') + 1));
  if (a.inode !== null) return -1;
  if (b.inode !== null) return 1;
  return Number(a.id.slice(a.id.indexOf('?') + 1)) - Number(b.id.slice(b.id.indexOf('?') + 1));
}

export function compareProcesses(a: ProcessNode, b: ProcessNode): number {
  if (a.nspidDepth !== b.nspidDepth) return a.nspidDepth - b.nspidDepth;
  const n = Math.min(a.nspid.length, b.nspid.length);
  for (let i = 0; i < n; i += 1) {
    const d = (a.nspid[i] as number) - (b.nspid[i] as number);
    if (d !== 0) return d;
  }
  return a.nspid.length - b.nspid.length || cmp(a.id, b.id);
}
