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
// prose version. This file runs the steps in order; each lives in a module of its own:
// pid-instances.ts (which namespace an inode means), pid-placement.ts (identity within a
// view), view-nesting.ts (identity across views), pid-parents.ts (parent edges),
// pid-classes.ts (the classes and their checks) and pid-depths.ts (depth and its checks).

import type { ViewData } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';
import { computeDepths, checkDepths } from './pid-depths.js';
import { collectClasses } from './pid-classes.js';
import { resolveInstances } from './pid-instances.js';
import { decideParents, inferMissingParents, parentCandidates } from './pid-parents.js';
import { placeWithinViews, resolveEntrants } from './pid-placement.js';
import type { NestProof, PidClass } from './pid-types.js';
import { UnionFind } from './union-find.js';
import type { VProc } from './view-procs.js';
import { matchAcrossViews } from './view-nesting.js';

export interface PidModel {
  uf: UnionFind;
  classes: PidClass[];
  classOfKey(key: string): PidClass | undefined;
  nesting: NestProof[];
  /** Processes placed in a namespace by the only-child guess (PID_NS_INFERRED). */
  inferred: Set<VProc>;
}

export function buildPidModel(views: ViewData[], procs: Map<number, VProc>[], diags: DiagnosticSink, processUf: UnionFind): PidModel {
  const uf = new UnionFind();
  const inst = resolveInstances(views, procs, diags);

  // 1. Identity within each view.
  const entrants = placeWithinViews(procs, inst, uf, processUf, diags);

  // 2. Identity across views: the same process seen from an outer and an inner procfs.
  const nesting = matchAcrossViews(procs, inst, uf, processUf, diags);

  // 3. Candidate parent edges.
  const candidates = parentCandidates(views, procs, inst, diags);

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
