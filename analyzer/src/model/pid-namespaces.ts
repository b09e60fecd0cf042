// Reconstruction of the PID namespace tree from one or more views of one boot.
//
// Namespace identity is proven by union: a readable ns/pid link gives the inode, and the
// start time of the namespace's init in that view says which instance of the inode it is
// (inodes are reused lowest-free first, so two views minutes apart can mean two
// namespaces by one number); two processes of one view with equal NSpid length linked by
// PPid share a namespace; a process with NSpid length 1 is in the view's own namespace;
// the same process seen in two views that are proven to nest (equal starttime and comm,
// one NSpid a suffix of the other) is in the same namespace in both. What remains
// without an inode gets a synthetic id.
//
// Parent edges are then collected as candidates from every kind of evidence and decided
// in one place (decideParents), which reports disagreements. docs/parent-edges.md is the
// prose version of this file.

import { INITIAL_INODES } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';
import { PARENT_EVIDENCE, type ParentEvidence } from './types.js';
import { UnionFind } from './union-find.js';
import type { VProc } from './view-procs.js';

export interface PidClass {
  rep: number;
  inodes: number[];
  /** Instance names, "4026532257" or "4026532257~2" for a reused inode's later instance. */
  instances: string[];
  members: VProc[];
  /** View indexes whose root this namespace is. */
  rootOf: number[];
  inits: VProc[];
  seenVia: 'member' | 'for-children' | 'lsns';
  parent: PidClass | null;
  parentEvidence: ParentEvidence | null;
  parentSupport: ParentEvidence[];
  depth: number;
  children: PidClass[];
}

interface Candidate {
  child: string;
  parent: string;
  evidence: ParentEvidence;
  note: string;
}

/** Evidence that view `inner`'s namespace is view `outer`'s or nested `offset` levels below it. */
export interface NestProof {
  outer: number;
  inner: number;
  offset: number;
  kind: 'inode' | 'process';
  /**
   * Also proves one kernel (used when boot ids differ): a namespace inode other than the
   * constant initial one with the same init start time in both views, or the inner
   * view's init matched to exactly one process of the outer view.
   */
  kernel: boolean;
  note: string;
}

export interface PidModel {
  uf: UnionFind;
  classes: PidClass[];
  classOfKey(key: string): PidClass | undefined;
  nesting: NestProof[];
  /** Processes placed in a namespace by the only-child guess (PID_NS_INFERRED). */
  inferred: Set<VProc>;
}

/** Which instance of an inode a view means: see resolveInstances. */
export interface Instances {
  key(v: number, inode: number): string;
  /** Start time of the init of `inode`'s namespace as view v shows it, when seen. */
  witness(v: number, inode: number): number | null;
}

const MAX_DEPTH = 32;

export function buildPidModel(views: ViewData[], procs: Map<number, VProc>[], diags: DiagnosticSink, processUf: UnionFind): PidModel {
  const uf = new UnionFind();
  const candidates: Candidate[] = [];
  const entrants: VProc[] = [];
  const inst = resolveInstances(views, procs, diags);

  // 1. Identity within each view.
  procs.forEach((m, v) => {
    uf.id(`r:${v}`);
    for (const p of m.values()) {
      uf.id(p.gkey);
      processUf.id(p.pkey);
      if (p.len === 1) uf.union(p.gkey, `r:${v}`);
      const inode = p.rec.ns.pid;
      if (inode !== undefined) uf.union(p.gkey, inst.key(v, inode));
      const q = p.parent;
      if (q === null) continue;
      if (q.len === p.len) {
        if (p.last === 1) {
          diags.add(
            'DEPTH_MISMATCH',
            `PID ${p.pid} (${p.comm}) in view ${v} is an init but its parent ${q.pid} has the same NSpid length`,
            { pid: p.pid, ppid: q.pid },
            v,
          );
        } else {
          uf.union(p.gkey, q.gkey);
        }
      } else if (q.len < p.len && p.last !== 1 && inode === undefined) {
        entrants.push(p);
      }
    }
  });

  // 2. Identity across views: the same process seen from an outer and an inner procfs.
  const nesting = matchAcrossViews(procs, inst, uf, processUf, diags);

  // 3. Candidate parent edges.
  procs.forEach((m, v) => {
    for (const p of m.values()) {
      const fc = p.rec.ns.pid_for_children;
      const own = p.rec.ns.pid;
      if (fc !== undefined && own !== undefined && fc !== own) {
        candidates.push({
          child: inst.key(v, fc),
          parent: p.gkey,
          evidence: 'for-children',
          note: `pid_for_children of PID ${p.pid} in view ${v}`,
        });
      }
      if (p.len < 2) continue;
      const q = p.parent;
      if (q !== null && q.len === p.len) continue;
      if (q !== null && q.len === p.len - 1) {
        if (p.last === 1)
          candidates.push({
            child: p.gkey,
            parent: q.gkey,
            evidence: 'init-parent',
            note: `init PID ${p.pid} has parent PID ${q.pid} in view ${v}`,
          });
        else
          candidates.push({
            child: p.gkey,
            parent: q.gkey,
            evidence: 'view',
            note: `PID ${p.pid} (entered with setns) has parent PID ${q.pid} one NSpid level up in view ${v}`,
          });
      } else if (q !== null && p.last === 1) {
        diags.add(
          'DEPTH_MISMATCH',
          `init PID ${p.pid} (${p.comm}) in view ${v} has NSpid length ${p.len} but its parent ${q.pid} has ${q.len}`,
          { pid: p.pid, ppid: q.pid },
          v,
        );
      } else if (q === null && p.len === 2) {
        candidates.push({ child: p.gkey, parent: `r:${v}`, evidence: 'view', note: `PID ${p.pid} has 2 NSpid levels in view ${v}` });
      }
    }
  });
  views.forEach((view, v) => {
    for (const row of view.lsns ?? []) {
      if (row.type === 'pid' && row.pns !== null && row.pns !== 0) {
        candidates.push({
          child: inst.key(v, row.ns),
          parent: inst.key(v, row.pns),
          evidence: 'kernel',
          note: `lsns PNS in ${view.source}`,
        });
      }
    }
  });

  // Namespaces named only by pid_for_children or lsns get identity nodes of their own.
  for (const c of candidates) {
    uf.id(c.child);
    uf.id(c.parent);
  }

  // 4. Entrants whose links were denied: place them when the parent namespace has exactly
  // one child namespace at that level; otherwise say it cannot be told.
  const inferred = resolveEntrants(entrants, candidates, uf, diags);

  // 5. Classes.
  const { classes, byRep } = collectClasses(uf, procs, candidates, diags);
  const classOfKey = (key: string): PidClass | undefined => (uf.has(key) ? byRep.get(uf.findKey(key)) : undefined);

  // 6. Parents and depth.
  decideParents(classes, candidates, classOfKey, diags);
  inferMissingParents(classes, procs, classOfKey, diags);
  computeDepths(classes, diags);
  checkDepths(procs, classOfKey, diags);
  return { uf, classes, classOfKey, nesting, inferred };
}

/**
 * An inode names one namespace only while that namespace lives; the kernel hands the
 * number out again at once. So each view's readable ns/pid links are grouped by inode,
 * and the start time of the group's init (PID 1 inside, stat field 22) witnesses which
 * instance it is. Views whose witnesses differ see different namespaces: the oldest
 * keeps the key `i:<inode>`, the others become `i:<inode>~2`, `~3`, … by start time,
 * and NS_REUSED names them. A view that sees members but not their init is placed by
 * elimination (members start no earlier than their init); when that does not decide,
 * it gets an instance of its own, `i:<inode>~v<view>`.
 */
export function resolveInstances(views: ViewData[], procs: Map<number, VProc>[], diags: DiagnosticSink): Instances {
  interface Group {
    members: VProc[];
    init: VProc | null;
  }
  const perView = procs.map((m) => {
    const groups = new Map<number, Group>();
    for (const p of m.values()) {
      const inode = p.rec.ns.pid;
      if (inode === undefined) continue;
      let g = groups.get(inode);
      if (!g) groups.set(inode, (g = { members: [], init: null }));
      g.members.push(p);
      if (p.last === 1 && g.init === null && p.starttime !== null) g.init = p;
    }
    return groups;
  });
  const keys = new Map<string, string>();
  const reused = new Set<number>();
  const inodes = [...new Set(perView.flatMap((g) => [...g.keys()]))].sort((a, b) => a - b);
  for (const inode of inodes) {
    const seen: { v: number; g: Group }[] = [];
    perView.forEach((groups, v) => {
      const g = groups.get(inode);
      if (g) seen.push({ v, g });
    });
    const witnesses = [...new Set(seen.map((s) => s.g.init?.starttime).filter((t): t is number => t !== undefined && t !== null))].sort(
      (a, b) => a - b,
    );
    if (witnesses.length <= 1) continue;
    reused.add(inode);
    const keyOf = new Map(witnesses.map((w, i) => [w, i === 0 ? `i:${inode}` : `i:${inode}~${i + 1}`]));
    const lines: string[] = [];
    const shown = new Set<number>();
    for (const { v, g } of seen) {
      let key: string;
      if (g.init !== null) {
        key = keyOf.get(g.init.starttime as number) as string;
        if (!shown.has(g.init.starttime as number)) {
          shown.add(g.init.starttime as number);
          lines.push(
            `in view ${v} (${views[v]?.label ?? '?'}) its init is PID ${g.init.pid} (${g.init.comm}) started at ${g.init.starttime}: pid:${key.slice(2)}`,
          );
        }
      } else {
        const starts = g.members.map((p) => p.starttime).filter((t): t is number => t !== null);
        const earliest = starts.length > 0 ? Math.min(...starts) : null;
        const possible = earliest === null ? [] : witnesses.filter((w) => w <= earliest);
        key = possible.length === 1 ? (keyOf.get(possible[0] as number) as string) : `i:${inode}~v${v}`;
        lines.push(`view ${v} (${views[v]?.label ?? '?'}) sees members but not the init: pid:${key.slice(2)}`);
      }
      keys.set(`${v}|${inode}`, key);
    }
    diags.add(
      'NS_REUSED',
      `inode ${inode} names ${witnesses.length} different PID namespaces, whose inits started at different times (the namespace died and the kernel reused its inode between the captures); they are kept apart: ${lines.join('; ')}`,
      {
        inode,
        views: seen.map((s) => s.v),
        ids: [...new Set([...keys.entries()].filter(([k]) => k.endsWith(`|${inode}`)).map(([, key]) => `pid:${key.slice(2)}`))].sort(),
        initStarttimes: witnesses,
      },
    );
  }
  return {
    key(v, inode) {
      return keys.get(`${v}|${inode}`) ?? (reused.has(inode) ? `i:${inode}~v${v}` : `i:${inode}`);
    },
    witness(v, inode) {
      return perView[v]?.get(inode)?.init?.starttime ?? null;
    },
  };
}

function matchAcrossViews(
  procs: Map<number, VProc>[],
  inst: Instances,
  uf: UnionFind,
  processUf: UnionFind,
  diags: DiagnosticSink,
): NestProof[] {
  const proofs: NestProof[] = [];
  if (procs.length < 2) return proofs;
  // A match needs equal start time, comm and last NSpid entry, so those make the key: the
  // buckets stay tiny even when thousands of namespaces each have a PID 1 called sh.
  const byIdentity = procs.map((m) => {
    const idx = new Map<string, VProc[]>();
    for (const p of m.values()) {
      if (p.starttime === null) continue;
      push(idx, `${p.starttime}|${p.last}|${p.comm}`, p);
    }
    return idx;
  });
  // Per view: the instance key of every readable ns/pid link, with the shortest NSpid
  // seen for it, and the view's own namespace when one of its processes shows it.
  const levels = procs.map((m, v) => {
    const out = new Map<string, { len: number; inode: number }>();
    for (const p of m.values()) {
      const inode = p.rec.ns.pid;
      if (inode === undefined) continue;
      const key = inst.key(v, inode);
      const known = out.get(key);
      if (!known || p.len < known.len) out.set(key, { len: p.len, inode });
    }
    return out;
  });
  const rootOf = procs.map((m, v) => {
    for (const p of m.values())
      if (p.len === 1 && p.rec.ns.pid !== undefined) return { key: inst.key(v, p.rec.ns.pid), inode: p.rec.ns.pid };
    return null;
  });
  const slotCache = new Map<number, Map<string, VProc[]>>();
  const linksDisagree = (a: VProc, p: VProc): boolean =>
    a.rec.ns.pid !== undefined && p.rec.ns.pid !== undefined && inst.key(a.view, a.rec.ns.pid) !== inst.key(p.view, p.rec.ns.pid);

  // The inner view's namespace is seen in the outer view through a readable link.
  const inodeProof = (outer: number, inner: number): (NestProof & { anchor: string }) | null => {
    const root = rootOf[inner];
    if (!root) return null;
    const there = levels[outer]?.get(root.key);
    if (!there) return null;
    const wi = inst.witness(inner, root.inode);
    const wo = inst.witness(outer, root.inode);
    const agree = wi !== null && wi === wo;
    return {
      outer,
      inner,
      offset: there.len - 1,
      kind: 'inode',
      kernel: agree && root.inode !== INITIAL_INODES.pid,
      note: `pid:${root.key.slice(2)}, the namespace of view ${inner}, is seen in view ${outer}${agree ? ` with the same init start time (${wi})` : ''}`,
      anchor: root.key,
    };
  };
  // Without links: the inner view's init (PID 1 of its procfs) is one process of the
  // outer view, same start time and comm, some levels down. Only a unique candidate
  // proves it: sibling namespaces whose inits started in the same tick look alike.
  const initCandidates = (outer: number, inner: number): { outer: number; inner: number; a: VProc; init: VProc }[] => {
    const init = (procs[inner] as Map<number, VProc>).get(1);
    if (!init || init.len !== 1 || init.starttime === null) return [];
    return ((byIdentity[outer] as Map<string, VProc[]>).get(`${init.starttime}|1|${init.comm}`) ?? [])
      .filter((a) => a.len >= 2 && !linksDisagree(a, init))
      .map((a) => ({ outer, inner, a, init }));
  };

  for (let v = 0; v < procs.length; v += 1) {
    for (let w = v + 1; w < procs.length; w += 1) {
      let proof: (NestProof & { anchor: string }) | null = inodeProof(v, w) ?? inodeProof(w, v);
      if (proof === null) {
        const found = [...initCandidates(v, w), ...initCandidates(w, v)];
        if (found.length === 1) {
          const { outer, inner, a, init } = found[0] as (typeof found)[number];
          proof = {
            outer,
            inner,
            offset: a.len - 1,
            kind: 'process',
            kernel: true,
            note: `the init of view ${inner} (${init.comm}, started at ${init.starttime}) is PID ${a.pid} of view ${outer}, ${a.len - 1} levels down, and no other process there matches it`,
            anchor: a.gkey,
          };
        } else if (found.length > 1) {
          diags.add(
            'VIEW_PLACEMENT_AMBIGUOUS',
            `the init of one view matches ${found.length} processes of the other (views ${v} and ${w}: same start time and comm, e.g. sibling containers started in one clock tick); without a readable ns/pid link nothing tells which, so the views are not merged`,
            { views: [v, w], pids: found.map((f) => f.a.pid) },
          );
        }
      }
      if (proof === null) continue;
      const { anchor, ...plain } = proof;
      proofs.push(plain);
      matchProcesses(proof.outer, proof.inner, proof.offset, anchor);
    }
  }
  return proofs;

  /** Per view, once: processes by (namespace instance, PID inside it). */
  function slotsOf(v: number): Map<string, VProc[]> {
    let slots = slotCache.get(v);
    if (slots) return slots;
    slots = new Map();
    for (const a of (procs[v] as Map<number, VProc>).values())
      if (a.rec.ns.pid !== undefined) push(slots, `${inst.key(v, a.rec.ns.pid)}|${a.last}`, a);
    slotCache.set(v, slots);
    return slots;
  }

  function matchProcesses(outer: number, inner: number, offset: number, anchor: string): void {
    const idx = byIdentity[outer] as Map<string, VProc[]>;
    const anchorSet = uf.findKey(anchor);
    // The outer process must live in the inner view's namespace or below it: its
    // ancestor at the inner root's level is in the anchor's namespace.
    const inside = (a: VProc): boolean => {
      let q: VProc | null = a;
      while (q !== null && q.len > offset + 1) q = q.parent;
      return q !== null && q.len === offset + 1 && uf.findKey(q.gkey) === anchorSet;
    };
    const matchedInner = new Set<VProc>();
    for (const p of (procs[inner] as Map<number, VProc>).values()) {
      if (p.starttime === null) continue;
      for (const a of idx.get(`${p.starttime}|${p.last}|${p.comm}`) ?? []) {
        if (a.len - p.len !== offset || !isSuffixEither(a.nspid, p.nspid) || linksDisagree(a, p) || !inside(a)) continue;
        matchedInner.add(p);
        uf.union(a.gkey, p.gkey);
        processUf.union(a.pkey, p.pkey);
        break;
      }
    }
    // Reuse of a PID is provable for the same PID slot of the same namespace instance:
    // same instance, same last NSpid entry, different start time.
    const slots = slotsOf(outer);
    for (const p of (procs[inner] as Map<number, VProc>).values()) {
      if (matchedInner.has(p) || p.rec.ns.pid === undefined) continue;
      const key = inst.key(inner, p.rec.ns.pid);
      for (const a of slots.get(`${key}|${p.last}`) ?? []) {
        if (a.starttime !== null && p.starttime !== null && a.starttime !== p.starttime) {
          diags.add(
            'PID_REUSED',
            `PID ${p.last} of pid:${key.slice(2)} is ${p.comm} started at ${p.starttime} in view ${inner}, but ${a.comm} started at ${a.starttime} in view ${outer}: the PID was reused between the captures`,
            { views: [outer, inner].sort((x, y) => x - y), pid: p.pid },
            inner,
          );
        }
      }
    }
  }
}

/** "4026532257~2" -> 4026532257. */
export function instanceInode(instance: string): number {
  const i = instance.indexOf('~');
  return Number(i === -1 ? instance : instance.slice(0, i));
}

/** By inode, then the first instance (no suffix), then "~2" < "~3" < … < "~v0" < "~v1". */
export function compareInstances(a: string, b: string): number {
  const d = instanceInode(a) - instanceInode(b);
  if (d !== 0) return d;
  const rank = (s: string): [number, number] => {
    const i = s.indexOf('~');
    if (i === -1) return [0, 0];
    const tail = s.slice(i + 1);
    return tail.startsWith('v') ? [2, Number(tail.slice(1))] : [1, Number(tail)];
  };
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isSuffixEither(a: number[], b: number[]): boolean {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const off = long.length - short.length;
  for (let i = 0; i < short.length; i += 1) if (long[off + i] !== short[i]) return false;
  return true;
}

function resolveEntrants(entrants: VProc[], candidates: Candidate[], uf: UnionFind, diags: DiagnosticSink): Set<VProc> {
  const inferred = new Set<VProc>();
  if (entrants.length === 0) return inferred;
  // Which classes are anchored: they hold an inode, a view root or an init.
  const anchored = new Set<number>();
  for (const [rep, keys] of uf.groups()) {
    if (keys.some((k) => k.startsWith('i:') || k.startsWith('r:'))) anchored.add(rep);
  }
  // parent set -> (child set -> one key of the child set)
  const childrenOf = new Map<number, Map<number, string>>();
  for (const c of candidates) {
    if (c.evidence !== 'init-parent' && c.evidence !== 'kernel') continue;
    const child = uf.findKey(c.child);
    anchored.add(child);
    const parent = uf.findKey(c.parent);
    let map = childrenOf.get(parent);
    if (!map) childrenOf.set(parent, (map = new Map()));
    map.set(child, c.child);
  }
  for (const p of entrants) {
    if (anchored.has(uf.findKey(p.gkey))) continue;
    // Walk up to the namespace one level above the entrant.
    let up: VProc | null = p.parent;
    while (up !== null && up.len > p.len - 1) up = up.parent;
    const siblings = up === null || up.len !== p.len - 1 ? undefined : childrenOf.get(uf.findKey(up.gkey));
    if (siblings && siblings.size === 1) {
      // A guess: the entrant may be in a child namespace that no init or link shows.
      uf.union(p.gkey, [...siblings.values()][0] as string);
      inferred.add(p);
      diags.add(
        'PID_NS_INFERRED',
        `PID ${p.pid} (${p.comm}) in view ${p.view} entered a child namespace with setns and its ns links are unreadable; it is placed in the only child namespace seen there, a guess (placement: inferred)`,
        { pid: p.pid },
        p.view,
      );
    } else {
      diags.add(
        'PID_NS_AMBIGUOUS',
        `PID ${p.pid} (${p.comm}) in view ${p.view} entered a child namespace with setns and its ns links are unreadable; it gets a namespace of its own`,
        { pid: p.pid },
        p.view,
      );
    }
  }
  return inferred;
}

function collectClasses(
  uf: UnionFind,
  procs: Map<number, VProc>[],
  candidates: Candidate[],
  diags: DiagnosticSink,
): { classes: PidClass[]; byRep: Map<number, PidClass> } {
  const byRep = new Map<number, PidClass>();
  const get = (key: string): PidClass => {
    const rep = uf.findKey(key);
    let c = byRep.get(rep);
    if (!c) {
      c = {
        rep,
        inodes: [],
        instances: [],
        members: [],
        rootOf: [],
        inits: [],
        seenVia: 'lsns',
        parent: null,
        parentEvidence: null,
        parentSupport: [],
        depth: 0,
        children: [],
      };
      byRep.set(rep, c);
    }
    return c;
  };
  procs.forEach((m, v) => {
    get(`r:${v}`).rootOf.push(v);
    for (const p of m.values()) {
      const c = get(p.gkey);
      c.members.push(p);
      c.seenVia = 'member';
      if (p.last === 1) c.inits.push(p);
    }
  });
  for (const [rep, keys] of uf.groups()) {
    const instances = keys.filter((k) => k.startsWith('i:')).map((k) => k.slice(2));
    if (instances.length === 0) continue;
    const c = byRep.get(rep) ?? get(keys[0] as string);
    c.instances = instances.sort(compareInstances);
    c.inodes = [...new Set(c.instances.map(instanceInode))];
  }
  // Namespaces seen only as pid_for_children.
  for (const cand of candidates) {
    if (cand.evidence === 'for-children') {
      const c = get(cand.child);
      if (c.seenVia === 'lsns' && c.members.length === 0) c.seenVia = 'for-children';
    }
    if (cand.evidence === 'kernel') {
      get(cand.child);
      get(cand.parent);
    }
  }
  const classes = [...byRep.values()];
  for (const c of classes) {
    if (c.instances.length > 1) {
      diags.add('NS_CONFLICT', `one PID namespace is proven equal to ${c.instances.map((i) => `pid:${i}`).join(' and ')}`, {
        inodes: c.inodes,
        ids: c.instances.map((i) => `pid:${i}`),
      });
    }
    const lengths = new Map<number, Set<number>>();
    for (const p of c.members) {
      let s = lengths.get(p.view);
      if (!s) lengths.set(p.view, (s = new Set()));
      s.add(p.len);
    }
    for (const [v, s] of lengths) {
      if (s.size > 1) {
        diags.add(
          'NSPID_LENGTH_INCONSISTENT',
          `members of one PID namespace${c.inodes.length ? ` (pid:${c.inodes[0]})` : ''} have NSpid lengths ${[...s].sort().join(', ')} in view ${v}`,
          { lengths: [...s].sort() },
          v,
        );
      }
    }
    const distinctInits = new Map<string, VProc>();
    for (const p of c.inits) distinctInits.set(`${p.view}:${p.pid}`, p);
    const perView = new Map<number, number>();
    for (const p of distinctInits.values()) perView.set(p.view, (perView.get(p.view) ?? 0) + 1);
    for (const [v, n] of perView) {
      if (n > 1)
        diags.add(
          'DUPLICATE_INIT',
          `${n} processes claim PID 1 in one namespace in view ${v}`,
          { pids: c.inits.filter((p) => p.view === v).map((p) => p.pid) },
          v,
        );
    }
  }
  return { classes, byRep };
}

function decideParents(
  classes: PidClass[],
  candidates: Candidate[],
  classOfKey: (key: string) => PidClass | undefined,
  diags: DiagnosticSink,
): void {
  const byChild = new Map<PidClass, { parent: PidClass; evidence: ParentEvidence; note: string }[]>();
  for (const cand of candidates) {
    const child = classOfKey(cand.child);
    const parent = classOfKey(cand.parent);
    if (!child || !parent) continue;
    if (child === parent) {
      if (cand.evidence !== 'for-children')
        diags.add('PARENT_CONFLICT', `${cand.note}: the evidence makes a namespace its own parent`, { evidence: cand.evidence });
      continue;
    }
    let list = byChild.get(child);
    if (!list) byChild.set(child, (list = []));
    list.push({ parent, evidence: cand.evidence, note: cand.note });
  }
  const rank = (e: ParentEvidence): number => PARENT_EVIDENCE.indexOf(e);
  const deferred: { parent: PidClass; chosen: PidClass; message: string }[] = [];
  for (const [child, list] of byChild) {
    list.sort((a, b) => rank(a.evidence) - rank(b.evidence));
    const best = list[0] as (typeof list)[number];
    const strong = list.filter((c) => c.evidence !== 'for-children');
    const chosen = strong[0] ?? best;
    child.parent = chosen.parent;
    child.parentEvidence = chosen.evidence;
    child.parentSupport = [...new Set(list.filter((c) => c.parent === chosen.parent).map((c) => c.evidence))].sort(
      (a, b) => rank(a) - rank(b),
    );
    const disagreeing = list.filter((c) => c.parent !== chosen.parent);
    for (const d of disagreeing) {
      if (d.evidence === 'for-children') {
        deferred.push({ parent: d.parent, chosen: chosen.parent, message: `${d.note} and ${chosen.evidence} evidence (${chosen.note})` });
        continue;
      }
      diags.add(
        'PARENT_CONFLICT',
        `${chosen.evidence} evidence (${chosen.note}) and ${d.evidence} evidence (${d.note}) name different parents`,
        { chosen: chosen.evidence, other: d.evidence },
      );
    }
  }
  // A pid_for_children that points to a grandchild or deeper is a setns entrant (nsenter
  // does this), which the kernel allows; only a contradiction beyond that is a conflict.
  for (const d of deferred) {
    if (isAncestor(d.parent, d.chosen))
      diags.add('FOR_CHILDREN_SETNS', `${d.message} differ: a setns entrant, the stronger evidence decides`, {});
    else diags.add('PARENT_CONFLICT', `${d.message} name different parents`, { other: 'for-children' });
  }
}

/** True when `a` is a proper ancestor of `b` along the parent edges decided so far. */
function isAncestor(a: PidClass, b: PidClass): boolean {
  let cur = b.parent;
  for (let i = 0; cur !== null && i < 64; i += 1) {
    if (cur === a) return true;
    cur = cur.parent;
  }
  return false;
}

function inferMissingParents(
  classes: PidClass[],
  procs: Map<number, VProc>[],
  classOfKey: (key: string) => PidClass | undefined,
  diags: DiagnosticSink,
): void {
  for (const c of classes) {
    if (c.parent !== null || c.members.length === 0) continue;
    const p = c.members.find((m) => m.len >= 2);
    if (!p) continue;
    const level = new Set<PidClass>();
    for (const q of (procs[p.view] as Map<number, VProc>).values()) {
      if (q.len === p.len - 1) {
        const qc = classOfKey(q.gkey);
        if (qc) level.add(qc);
      }
    }
    if (level.size === 1) {
      c.parent = [...level][0] as PidClass;
      c.parentEvidence = 'inferred';
      c.parentSupport = ['inferred'];
    } else {
      diags.add(
        'PARENT_UNKNOWN',
        `no evidence names the parent of the namespace of PID ${p.pid} (${p.comm}) in view ${p.view}`,
        { pid: p.pid },
        p.view,
      );
    }
  }
}

function computeDepths(classes: PidClass[], diags: DiagnosticSink): void {
  // Cut cycles first (only a contradictory input can make one).
  const state = new Map<PidClass, 1 | 2>();
  for (const start of classes) {
    const path: PidClass[] = [];
    let cur: PidClass | null = start;
    while (cur !== null && !state.has(cur)) {
      state.set(cur, 1);
      path.push(cur);
      cur = cur.parent;
    }
    if (cur !== null && state.get(cur) === 1) {
      diags.add('PARENT_CYCLE', `the parent edges of ${path.length - path.indexOf(cur)} PID namespaces form a cycle; it is cut`, {});
      cur.parent = null;
      cur.parentEvidence = null;
      cur.parentSupport = [];
    }
    for (const p of path) state.set(p, 2);
  }
  for (const c of classes) c.children = [];
  for (const c of classes) if (c.parent) c.parent.children.push(c);
  const depthOf = new Map<PidClass, number>();
  const walk = (c: PidClass): number => {
    const known = depthOf.get(c);
    if (known !== undefined) return known;
    const chain: PidClass[] = [];
    let cur: PidClass | null = c;
    while (cur !== null && !depthOf.has(cur)) {
      chain.push(cur);
      cur = cur.parent;
    }
    let d = cur === null ? -1 : (depthOf.get(cur) as number);
    for (let i = chain.length - 1; i >= 0; i -= 1) {
      d += 1;
      depthOf.set(chain[i] as PidClass, d);
    }
    return depthOf.get(c) as number;
  };
  let reportedDeep = false;
  for (const c of classes) {
    c.depth = walk(c);
    if (c.depth > MAX_DEPTH && !reportedDeep) {
      reportedDeep = true;
      diags.add('DEPTH_EXCEEDED', `a PID namespace is ${c.depth} levels deep; the kernel allows ${MAX_DEPTH}`, { depth: c.depth });
    }
  }
  const roots = classes.filter((c) => c.parent === null && c.members.length > 0);
  if (roots.length > 1) {
    diags.add('DISCONNECTED', `${roots.length} PID namespaces have no known parent; the views do not connect into one tree`, {
      count: roots.length,
    });
  }
}

/** In every view, a member's NSpid length must equal its depth below the view's root, plus one. */
function checkDepths(procs: Map<number, VProc>[], classOfKey: (key: string) => PidClass | undefined, diags: DiagnosticSink): void {
  const reported = new Set<PidClass>();
  procs.forEach((m, v) => {
    const root = classOfKey(`r:${v}`);
    if (!root) return;
    for (const p of m.values()) {
      const c = classOfKey(p.gkey);
      if (!c || reported.has(c)) continue;
      if (c.depth - root.depth !== p.len - 1) {
        reported.add(c);
        diags.add(
          'DEPTH_MISMATCH',
          `PID ${p.pid} (${p.comm}) has ${p.len} NSpid levels in view ${v}, but its namespace is ${c.depth - root.depth} levels below the view's root`,
          { pid: p.pid },
          v,
        );
      }
    }
  });
}
