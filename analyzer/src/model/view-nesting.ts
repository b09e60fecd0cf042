// Identity across views: which views nest (an inner view's namespace seen in an outer
// view through a readable link, or its init found as exactly one process of the outer
// view), and then the same process matched in both (equal start time, comm and last
// NSpid entry, one NSpid a suffix of the other), which puts their namespaces together.
// Also proves PID reuse between captures (PID_REUSED).

import { INITIAL_INODES } from '../procfs/ns-link.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { Instances, NestProof } from './pid-types.js';
import type { UnionFind } from './union-find.js';
import type { VProc } from './view-procs.js';

export function matchAcrossViews(
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
