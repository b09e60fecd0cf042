// Placing each view's processes in namespace classes: by their own ns/pid link, by
// NSpid length 1 (the view's own namespace), and by a PPid within one NSpid level. What
// stays unplaced are setns entrants whose links were denied; resolveEntrants places one
// only when a single child namespace is possible there, and marks that as a guess.

import type { DiagnosticSink } from './diagnostics.js';
import type { Instances, ParentCandidate } from './pid-types.js';
import type { UnionFind } from './union-find.js';
import type { VProc } from './view-procs.js';

/**
 * Identity within each view; returns the entrants: processes one or more NSpid levels
 * below their parent that are no init and have no readable link.
 */
export function placeWithinViews(
  procs: Map<number, VProc>[],
  inst: Instances,
  uf: UnionFind,
  processUf: UnionFind,
  diags: DiagnosticSink,
): VProc[] {
  const entrants: VProc[] = [];
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
  return entrants;
}

export function resolveEntrants(entrants: VProc[], candidates: ParentCandidate[], uf: UnionFind, diags: DiagnosticSink): Set<VProc> {
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
