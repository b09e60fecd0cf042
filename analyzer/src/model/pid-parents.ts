// Where the parent of a PID namespace is decided. Candidates come from every kind of
// evidence (lsns PNS, an init's parent, a process one NSpid level below its parent,
// pid_for_children); decideParents takes the strongest (PARENT_EVIDENCE order) and
// reports disagreements; inferMissingParents guesses only when one namespace is possible
// (marked 'inferred'). docs/parent-edges.md is the prose version.

import type { ViewData } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { Instances, ParentCandidate, PidClass } from './pid-types.js';
import { PARENT_EVIDENCE, type ParentEvidence } from './types.js';
import type { VProc } from './view-procs.js';

/** Every parent edge some evidence suggests, between identity keys (not yet classes). */
export function parentCandidates(
  views: ViewData[],
  procs: Map<number, VProc>[],
  inst: Instances,
  diags: DiagnosticSink,
): ParentCandidate[] {
  const candidates: ParentCandidate[] = [];
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
  return candidates;
}

export function decideParents(
  classes: PidClass[],
  candidates: ParentCandidate[],
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

export function inferMissingParents(
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
