// The namespace classes: one per set of identity keys the union-find proved equal, with
// their members, inits, inodes and instances, and the checks that only a whole class
// can make (NS_CONFLICT, NSPID_LENGTH_INCONSISTENT, DUPLICATE_INIT).

import type { DiagnosticSink } from './diagnostics.js';
import { compareInstances, instanceInode } from './pid-instances.js';
import type { ParentCandidate, PidClass } from './pid-types.js';
import type { UnionFind } from './union-find.js';
import type { VProc } from './view-procs.js';

export function collectClasses(
  uf: UnionFind,
  procs: Map<number, VProc>[],
  candidates: ParentCandidate[],
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
