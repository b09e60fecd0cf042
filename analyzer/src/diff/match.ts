// Which namespace of BEFORE is which namespace of AFTER. Same boot: the same inode is the
// same namespace (unless its init is another process: an inode reused after a death).
// Different boots: every number is new, so namespaces match by structure, as a global
// best assignment per type (assignment.ts), in rounds of ever coarser buckets:
//   1. same role and init command, 2. same role, 3. anything of the type (higher bar).
// PID namespaces go first, and repeat until stable (at most MAX_PASSES), because the
// score of a pair includes whether their parents are matched to each other; other types
// then match through the PID namespaces their members live in.

import type { NsType } from '../procfs/ns-link.js';
import type { ProcessNode } from '../model/types.js';
import { assign } from './assignment.js';
import { multisetSimilarity, type NsFeatures, type Side } from './features.js';

export interface Matching {
  forward: Map<string, string>;
  backward: Map<string, string>;
  /** Score per before id. */
  score: Map<string, number>;
}

const MAX_PASSES = 4;
const MIN_SCORE = 0.5;
const MIN_SCORE_ANY = 0.6;

function emptyMatching(): Matching {
  return { forward: new Map(), backward: new Map(), score: new Map() };
}

function add(m: Matching, before: string, after: string, score: number): void {
  m.forward.set(before, after);
  m.backward.set(after, before);
  m.score.set(before, Math.round(score * 1000) / 1000);
}

function identity(p: ProcessNode | undefined): string | null {
  return p && p.starttime !== null ? `${p.nspid[p.nspid.length - 1]}/${p.starttime}` : null;
}

export function matchNamespaces(before: Side, after: Side, sameBoot: boolean): Matching {
  const m = emptyMatching();
  const types = [...new Set([...before.byType.keys(), ...after.byType.keys()])];
  if (sameBoot) matchByInode(before, after, m);
  // Whatever is left (everything, across boots; synthetic ids, in one boot) by structure.
  const unmatched = (side: Side, type: NsType, done: Map<string, string>): NsFeatures[] =>
    (side.byType.get(type) ?? []).filter((f) => !done.has(f.node.id) && (!sameBoot || f.node.synthetic));
  const pidLeft = unmatched(before, 'pid', m.forward);
  const pidRight = unmatched(after, 'pid', m.backward);
  let prev: Matching | null = null;
  let pidPairs = new Map<string, { after: string; score: number }>();
  for (let pass = 0; pass < MAX_PASSES && pidLeft.length > 0 && pidRight.length > 0; pass += 1) {
    const current = pidRounds(pidLeft, pidRight, before, after, combine(m, prev));
    const next = new Map(current.map((x) => [x.a.node.id, { after: x.b.node.id, score: x.score }]));
    const stable = prev !== null && sameMap(next, pidPairs);
    pidPairs = next;
    prev = emptyMatching();
    for (const [b, x] of next) add(prev, b, x.after, x.score);
    if (stable) break;
  }
  for (const [b, x] of pidPairs) add(m, b, x.after, x.score);
  for (const type of types) {
    if (type === 'pid') continue;
    for (const x of otherRounds(unmatched(before, type, m.forward), unmatched(after, type, m.backward), m))
      add(m, x.a.node.id, x.b.node.id, x.score);
  }
  return m;
}

/**
 * One boot: a namespace is the one with the same inode, unless that inode now names
 * another namespace. A PID namespace whose init is another process (PID in its own
 * namespace plus start time) was replaced; the same init under another id (a side that
 * merged views and named a reused inode's later namespace "~2") is the same namespace.
 * The other types follow their PID namespaces: a mount namespace whose members lived in
 * a replaced PID namespace, and in none matched to the other side's, was replaced too.
 */
function matchByInode(before: Side, after: Side, m: Matching): void {
  const initOf = (side: Side, f: NsFeatures): string | null => identity(f.node.init ? side.procs.get(f.node.init) : undefined);
  const byInode = new Map<string, NsFeatures[]>();
  for (const g of after.ns.values()) {
    if (g.node.synthetic || g.node.inode === null) continue;
    const key = `${g.node.type}:${g.node.inode}`;
    byInode.set(key, [...(byInode.get(key) ?? []), g]);
  }
  const free = (f: NsFeatures): NsFeatures[] =>
    (byInode.get(`${f.node.type}:${f.node.inode}`) ?? []).filter((g) => !m.backward.has(g.node.id));
  const known = (f: NsFeatures): boolean => !f.node.synthetic && f.node.inode !== null;
  const pids = [...before.ns.values()].filter((f) => f.node.type === 'pid' && known(f));
  // PID namespaces: the same init first (whatever the ids), then the same id when an init is unknown.
  for (const f of pids) {
    const i = initOf(before, f);
    const g = i === null ? undefined : free(f).find((c) => initOf(after, c) === i);
    if (g) add(m, f.node.id, g.node.id, 1);
  }
  for (const f of pids) {
    if (m.forward.has(f.node.id)) continue;
    const i = initOf(before, f);
    const g = free(f).find((c) => c.node.id === f.node.id && (i === null || initOf(after, c) === null));
    if (g) add(m, f.node.id, g.node.id, 1);
  }
  // Replaced: unmatched, and its inode names a namespace on the other side.
  const replaced = new Set(pids.filter((f) => !m.forward.has(f.node.id) && byInode.has(`pid:${f.node.inode}`)).map((f) => f.node.id));
  // A namespace of another type went with a replaced PID namespace when every member is in
  // one, or is the creator (the parent of its init) — as the model splits them.
  const creators = new Set<string>();
  for (const id of replaced) {
    const init = before.ns.get(id)?.node.init;
    const parent = init ? before.procs.get(init)?.parent : null;
    if (parent) creators.add(parent);
  }
  const wentWith = (f: NsFeatures): boolean =>
    f.members.length > 0 && f.members.every((p) => (p.ns.pid !== undefined && replaced.has(p.ns.pid)) || creators.has(p.id));
  for (const f of before.ns.values()) {
    if (f.node.type === 'pid' || !known(f) || wentWith(f)) continue;
    const owners = new Set(f.owners.map((o) => m.forward.get(o)).filter((o): o is string => o !== undefined));
    const g = free(f).find((c) => c.owners.some((o) => owners.has(o))) ?? free(f).find((c) => c.node.id === f.node.id);
    if (g) add(m, f.node.id, g.node.id, 1);
  }
}

/** The fixed matches plus the previous pass's structural ones, for the parent term. */
function combine(fixed: Matching, prev: Matching | null): Matching {
  if (prev === null) return fixed;
  const out = emptyMatching();
  for (const [b, a] of fixed.forward) add(out, b, a, fixed.score.get(b) ?? 1);
  for (const [b, a] of prev.forward) add(out, b, a, prev.score.get(b) ?? 0);
  return out;
}

function sameMap(x: Map<string, { after: string }>, y: Map<string, { after: string }>): boolean {
  if (x.size !== y.size) return false;
  for (const [k, v] of x) if (y.get(k)?.after !== v.after) return false;
  return true;
}

function pidRounds(left: NsFeatures[], right: NsFeatures[], before: Side, after: Side, known: Matching) {
  // Before the first pass nothing is known about parents; compare what the parents look like.
  const firstPass = known.forward.size === 0;
  const parentKey = (side: Side, id: string | null): string => {
    const p = id ? side.ns.get(id) : undefined;
    return p ? `${p.node.role}|${p.init ?? ''}|${p.node.label}` : '(none)';
  };
  const parentSim = (a: NsFeatures, b: NsFeatures): number => {
    if (a.node.parent === null || b.node.parent === null) return a.node.parent === b.node.parent ? 1 : 0;
    if (!firstPass && known.forward.has(a.node.parent)) return known.forward.get(a.node.parent) === b.node.parent ? 1 : 0;
    return parentKey(before, a.node.parent) === parentKey(after, b.node.parent) ? 1 : 0;
  };
  const score = (a: NsFeatures, b: NsFeatures): number => {
    let s = 0;
    let w = 0;
    const eq = (weight: number, same: boolean): void => {
      w += weight;
      if (same) s += weight;
    };
    eq(2, a.node.role === b.node.role);
    eq(2, a.node.label === b.node.label);
    if (a.distro !== null || b.distro !== null) eq(3, a.distro === b.distro);
    eq(2, a.init === b.init);
    w += 1;
    if (a.node.depth !== null && b.node.depth !== null) s += Math.max(0, 1 - Math.abs(a.node.depth - b.node.depth) / 2);
    else if (a.node.depth === b.node.depth) s += 1;
    w += 2;
    s += 2 * parentSim(a, b);
    eq(1, a.subtree === b.subtree);
    // What runs inside is the strongest sign of identity across boots.
    w += 5;
    s += 5 * multisetSimilarity(a.commands, b.commands, a.memberCount, b.memberCount);
    return s / w;
  };
  const base = (f: NsFeatures): string => [f.node.role, f.node.label, f.init, f.distro, f.node.depth, f.commandsHash, f.subtree].join('|');
  const printA = (f: NsFeatures): string => {
    const parent =
      f.node.parent === null ? '(root)' : firstPass ? parentKey(before, f.node.parent) : (known.forward.get(f.node.parent) ?? '?');
    return `${base(f)}|${parent}`;
  };
  const printB = (f: NsFeatures): string => {
    const parent = f.node.parent === null ? '(root)' : firstPass ? parentKey(after, f.node.parent) : f.node.parent;
    return `${base(f)}|${parent}`;
  };
  const fine = (f: NsFeatures): string => `${f.node.label}|${f.node.depth}`;
  return rounds(left, right, [(f) => `${f.node.role}|${f.init ?? ''}`, (f) => f.node.role, () => ''], (l, r, round) =>
    assign({
      left: l,
      right: r,
      score,
      minScore: round === 2 ? MIN_SCORE_ANY : MIN_SCORE,
      fingerprintA: printA,
      fingerprintB: printB,
      fineKeyA: fine,
      fineKeyB: fine,
    }),
  );
}

function otherRounds(left: NsFeatures[], right: NsFeatures[], pid: Matching) {
  // A namespace of another type is known by the PID namespaces its members live in.
  const ownersA = new Map(left.map((f) => [f, f.owners.map((id) => pid.forward.get(id)).filter((x): x is string => x !== undefined)]));
  const ownersB = new Map(right.map((f) => [f, f.owners.filter((id) => pid.backward.has(id))]));
  const score = (a: NsFeatures, b: NsFeatures): number => {
    let s = 0;
    let w = 0;
    const oa = ownersA.get(a) as string[];
    const ob = ownersB.get(b) as string[];
    if (oa.length > 0 || ob.length > 0) {
      const setB = new Set(ob);
      const common = oa.filter((id) => setB.has(id)).length;
      w += 4;
      s += (4 * common) / (oa.length + ob.length - common);
    }
    w += 3;
    s += 3 * multisetSimilarity(a.commands, b.commands, a.memberCount, b.memberCount);
    w += 2;
    if (a.node.role === b.node.role) s += 1;
    if (a.node.label === b.node.label) s += 1;
    return s / w;
  };
  const printA = (f: NsFeatures): string => [f.node.role, f.node.label, f.commandsHash, (ownersA.get(f) ?? []).join(',')].join('|');
  const printB = (f: NsFeatures): string => [f.node.role, f.node.label, f.commandsHash, (ownersB.get(f) ?? []).join(',')].join('|');
  return rounds(
    left,
    right,
    [(f) => (ownersA.get(f) ?? ownersB.get(f) ?? [])[0] ?? `(unowned ${f.node.role})`, (f) => f.node.role, () => ''],
    (l, r, round) =>
      assign({
        left: l,
        right: r,
        score,
        minScore: round === 2 ? MIN_SCORE_ANY : MIN_SCORE,
        fingerprintA: printA,
        fingerprintB: printB,
        fineKeyA: (f) => f.node.label,
        fineKeyB: (f) => f.node.label,
      }),
  );
}

type Pair = { a: NsFeatures; b: NsFeatures; score: number };

/** Runs the assignment per bucket, round after round, on what is still unmatched. */
function rounds(
  left: NsFeatures[],
  right: NsFeatures[],
  keys: Array<(f: NsFeatures) => string>,
  run: (l: NsFeatures[], r: NsFeatures[], round: number) => Pair[],
): Pair[] {
  const out: Pair[] = [];
  let l = left;
  let r = right;
  keys.forEach((key, round) => {
    if (l.length === 0 || r.length === 0) return;
    const buckets = new Map<string, { l: NsFeatures[]; r: NsFeatures[] }>();
    const bucket = (k: string): { l: NsFeatures[]; r: NsFeatures[] } => {
      let b = buckets.get(k);
      if (!b) buckets.set(k, (b = { l: [], r: [] }));
      return b;
    };
    for (const f of l) bucket(key(f)).l.push(f);
    for (const f of r) bucket(key(f)).r.push(f);
    const usedL = new Set<NsFeatures>();
    const usedR = new Set<NsFeatures>();
    for (const b of buckets.values()) {
      for (const p of run(b.l, b.r, round)) {
        out.push(p);
        usedL.add(p.a);
        usedR.add(p.b);
      }
    }
    l = l.filter((f) => !usedL.has(f));
    r = r.filter((f) => !usedR.has(f));
  });
  return out;
}
