// Assembles the analysis from views of one boot: processes merged across views, the PID
// namespace tree (pid-namespaces.ts), the other seven namespace types, and the wire ids.

import { NsnapError } from '../errors.js';
import { INITIAL_INODES, NS_TYPES, type NsType } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import { DiagnosticSink } from './diagnostics.js';
import { buildPidModel, type PidClass } from './pid-namespaces.js';
import type { Analysis, ConfigModel, NamespaceNode, ProcessNode, ViewSummary } from './types.js';
import { UnionFind } from './union-find.js';
import { viewProcs, type VProc } from './view-procs.js';

/** Refuses views of different boots; that comparison is `nsnap diff`'s job. */
export function checkSameBoot(views: ViewData[], diags?: DiagnosticSink): void {
  const known = views.filter((v) => v.bootId !== null);
  const boots = new Set(known.map((v) => v.bootId));
  if (boots.size > 1) {
    const list = known.map((v) => `${v.source}: ${v.bootId}`).join('; ');
    throw new NsnapError('BOOT_MISMATCH', `these views come from different boots (${list}), so they cannot be merged`, {
      hint: "to compare captures from different boots, use 'nsnap diff BEFORE AFTER'",
    });
  }
  if (views.length > 1) {
    views.forEach((v, i) => {
      if (v.bootId === null) diags?.add('BOOT_UNKNOWN', `view ${i} (${v.source}) has no boot_id; it is merged on trust`, {}, i);
    });
    const kernels = new Set(views.map((v) => v.kernelRelease).filter((k) => k !== null));
    if (kernels.size > 1)
      diags?.add('VIEWS_CONTRADICT', `views of one boot report different kernels: ${[...kernels].join(', ')}`, {
        kernels: [...kernels] as string[],
      });
  }
}

interface GlobalProc {
  rep: VProc;
  records: VProc[];
  id: string;
}

export function buildAnalysis(views: ViewData[]): Analysis {
  const diags = new DiagnosticSink();
  checkSameBoot(views, diags);
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
  const synthetic = pid.classes.filter((c) => c.inodes.length === 0);
  synthetic.sort((a, b) => a.depth - b.depth || cmp(sortKeyOf(a), sortKeyOf(b)) || a.rep - b.rep);
  for (const c of pid.classes) if (c.inodes.length > 0) ids.set(c, `pid:${c.inodes[0]}`);
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
  const noteOther = (type: NsType, inode: number, via: 'member' | 'for-children' | 'lsns', view: number): string => {
    const known = byInode.get(type) as Map<number, OtherNs>;
    let o = known.get(inode);
    if (!o) {
      o = { id: `${type}:${inode}`, type, inode, seenVia: via, views: new Set(), lastView: -1 };
      known.set(inode, o);
      otherNs.set(o.id, o);
    }
    if (via === 'member') o.seenVia = 'member';
    if (o.lastView !== view) {
      o.views.add(view);
      o.lastView = view;
    }
    return o.id;
  };
  for (const g of globals.values()) {
    const rep = g.rep;
    const cls = pid.classOfKey(rep.gkey);
    const root = rootOfView[rep.view];
    const ns: Partial<Record<NsType, string>> = {};
    if (cls) ns.pid = ids.get(cls) as string;
    for (const type of OTHER_TYPES) {
      // The first record (in view order) that could read this link.
      for (const r of g.records) {
        const inode = r.rec.ns[type];
        if (inode === undefined) continue;
        ns[type] = noteOther(type, inode, 'member', r.view);
        break;
      }
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
      views: g.records.length === 1 ? [rep.view] : [...new Set(g.records.map((r) => r.view))].sort((a, b) => a - b),
    };
    processes.push(node);
  }
  // Sorted once here, so every member list below comes out in process order unsorted.
  processes.sort(compareProcesses);
  for (const node of processes) for (const [type, id] of Object.entries(node.ns)) if (type !== 'pid' || id) addMember(id, node.id);
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
      inode: c.inodes[0] ?? null,
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
      synthetic: c.inodes.length === 0,
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
  if (a.inode !== null && b.inode !== null) return a.inode - b.inode;
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
