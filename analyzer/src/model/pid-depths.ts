// Depth of every PID namespace from the decided parent edges, and the checks against the
// kernel's facts: no cycle, at most 32 levels, one tree, and in every view a member's
// NSpid length equal to its namespace's depth below the view's root, plus one.

import type { DiagnosticSink } from './diagnostics.js';
import type { PidClass } from './pid-types.js';
import type { VProc } from './view-procs.js';

const MAX_DEPTH = 32;

export function computeDepths(classes: PidClass[], diags: DiagnosticSink): void {
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
export function checkDepths(procs: Map<number, VProc>[], classOfKey: (key: string) => PidClass | undefined, diags: DiagnosticSink): void {
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
