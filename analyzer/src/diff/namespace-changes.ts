// Changes of the namespaces themselves, once matched: added, removed, moved, depth, role,
// label, sharing with the parent, and the processes in each matched PID namespace.

import type { ProcessNode } from '../model/types.js';
import { commandKey, splitCommandKey, type NsFeatures, type Side } from './features.js';
import type { Matching } from './match.js';
import type { Change, CommandCount, NamespaceAddedOrRemoved, Sharing } from './types.js';
import { commandList, commList, nsName, nsWord, plural } from './words.js';

/** Counts of a command multiset, most frequent first, then by command. */
export function countsOf(commands: Map<string, number>): CommandCount[] {
  return [...commands.entries()]
    .map(([k, count]) => ({ ...splitCommandKey(k), count }))
    .sort((a, b) => b.count - a.count || cmpStr(a.comm, b.comm) || cmpStr(a.cmdline ?? '', b.cmdline ?? ''));
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Members in init-first order, so a namespace's summary starts with what it runs as PID 1. */
function initFirst(f: NsFeatures, side: Side): CommandCount[] {
  const counts = countsOf(f.commands);
  const init = f.node.init ? side.procs.get(f.node.init) : undefined;
  if (!init) return counts;
  const k = commandKey(init, side.acrossBoots);
  const i = counts.findIndex((c) => `${c.comm}\u0000${c.cmdline ?? ''}` === k);
  if (i > 0) counts.unshift(...counts.splice(i, 1));
  return counts;
}

export function namespaceChanges(before: Side, after: Side, m: Matching, sameBoot: boolean): Change[] {
  const changes: Change[] = [];
  // One list per side: in one boot both sides can hold a namespace under the same id (an
  // inode that died and was reused), and each side's "with it" names only its own.
  const ownership = (side: Side, matched: Map<string, string>): { withOf: Map<string, string[]>; owned: Set<string> } => {
    const withOf = new Map<string, string[]>();
    const owned = new Set<string>();
    for (const [child, owner] of ownedNamespaces(side, matched)) {
      owned.add(child);
      withOf.set(owner, [...(withOf.get(owner) ?? []), child]);
    }
    return { withOf, owned };
  };
  const ownedBefore = ownership(before, m.forward);
  const ownedAfter = ownership(after, m.backward);
  // Unmatched namespaces by type and inode, to say when one replaced the other.
  const unmatchedInodes = (side: Side, matched: Map<string, string>): Map<string, string> => {
    const out = new Map<string, string>();
    for (const f of side.ns.values())
      if (!matched.has(f.node.id) && f.node.inode !== null && !out.has(`${f.node.type}:${f.node.inode}`))
        out.set(`${f.node.type}:${f.node.inode}`, f.node.id);
    return out;
  };
  const goneInodes = sameBoot ? unmatchedInodes(before, m.forward) : new Map<string, string>();
  const newInodes = sameBoot ? unmatchedInodes(after, m.backward) : new Map<string, string>();
  const addedOrRemoved = (f: NsFeatures, side: Side, other: Map<string, string>, kind: 'namespace-added' | 'namespace-removed'): void => {
    const { withOf, owned } = kind === 'namespace-removed' ? ownedBefore : ownedAfter;
    if (owned.has(f.node.id)) return;
    const n = f.node;
    const parent = n.parent ? side.ns.get(n.parent) : undefined;
    const processes = initFirst(f, side);
    const withIds = (withOf.get(n.id) ?? []).sort();
    const inodeKey = `${n.type}:${n.inode}`;
    const replacedBy = kind === 'namespace-removed' && n.inode !== null ? (newInodes.get(inodeKey) ?? null) : null;
    const replaces = kind === 'namespace-added' && n.inode !== null ? (goneInodes.get(inodeKey) ?? null) : null;
    const where = parent ? ` under ${nsName(parent.node.label, parent.node.id)}` : '';
    const what =
      kind === 'namespace-removed'
        ? `${nsWord(n.type)} ${nsName(n.label, n.id)} is gone`
        : `new ${nsWord(n.type)} ${nsName(n.label, n.id)}${where}`;
    const procs = f.memberCount > 0 ? `, ${plural(f.memberCount, 'process', 'processes')}: ${commList(processes)}` : '';
    const also = withIds.length > 0 ? `; with it ${withIds.join(', ')}` : '';
    const reuse =
      replacedBy !== null
        ? `; replaced: its inode now names a new namespace (${replacedBy} in AFTER)`
        : replaces !== null
          ? `; it replaces ${replaces} of BEFORE, which is gone, under the same inode`
          : '';
    const c: NamespaceAddedOrRemoved = {
      kind,
      before: kind === 'namespace-removed' ? n.id : null,
      after: kind === 'namespace-added' ? n.id : null,
      summary: `${what}${procs}${also}${reuse}`,
      type: n.type,
      role: n.role,
      label: n.label,
      depth: n.depth,
      parent: n.parent,
      parentMatch: n.parent ? (other.get(n.parent) ?? null) : null,
      processes,
      with: withIds,
      replaced: replacedBy ?? replaces,
    };
    changes.push(c);
  };
  for (const f of before.ns.values()) if (!m.forward.has(f.node.id)) addedOrRemoved(f, before, m.forward, 'namespace-removed');
  for (const f of after.ns.values()) if (!m.backward.has(f.node.id)) addedOrRemoved(f, after, m.backward, 'namespace-added');

  for (const [bId, aId] of m.forward) {
    const b = before.ns.get(bId) as NsFeatures;
    const a = after.ns.get(aId) as NsFeatures;
    const score = m.score.get(bId) ?? 0;
    const ids = { before: bId, after: aId, type: a.node.type, label: a.node.label, score };
    const name = nsName(a.node.label, aId);
    const moved = isMoved(b, a, m);
    if (moved) {
      const pb = b.node.parent ? before.ns.get(b.node.parent) : undefined;
      const pa = a.node.parent ? after.ns.get(a.node.parent) : undefined;
      const was = pb ? `was under ${nsName(pb.node.label, pb.node.id)}` : 'was outermost';
      const now = pa ? `is now a direct child of ${nsName(pa.node.label, pa.node.id)}` : 'is now outermost';
      const depth = b.node.depth !== a.node.depth ? ` (depth ${b.node.depth ?? '?'} → ${a.node.depth ?? '?'})` : '';
      changes.push({
        kind: 'namespace-moved',
        ...ids,
        summary: `${name} ${now}${depth}; it ${was}`,
        parentBefore: b.node.parent,
        parentAfter: a.node.parent,
        parentBeforeLabel: pb?.node.label ?? null,
        parentAfterLabel: pa?.node.label ?? null,
        depthBefore: b.node.depth,
        depthAfter: a.node.depth,
      });
    } else if (b.node.depth !== a.node.depth && !depthExplained(b, a, before, after, m)) {
      changes.push({
        kind: 'depth-changed',
        ...ids,
        summary: `${name}: depth ${b.node.depth ?? 'unknown'} → ${a.node.depth ?? 'unknown'}`,
        from: b.node.depth,
        to: a.node.depth,
      });
    }
    if (a.node.type !== 'pid') continue; // other types take role and label from their PID namespace
    if (b.node.role !== a.node.role)
      changes.push({
        kind: 'role-changed',
        ...ids,
        summary: `${name}: role ${b.node.role} → ${a.node.role}`,
        from: b.node.role,
        to: a.node.role,
      });
    if (b.node.label !== a.node.label)
      changes.push({
        kind: 'label-changed',
        ...ids,
        summary: `${bId} "${b.node.label}" is now labelled "${a.node.label}"`,
        from: b.node.label,
        to: a.node.label,
      });
    for (const [type, from] of Object.entries(b.sharing) as Array<[keyof typeof b.sharing, Sharing]>) {
      const to = a.sharing[type];
      if (to === undefined || from === to || from === 'unknown' || to === 'unknown') continue;
      const says = to === 'own' ? `now has its own ${type} namespace` : `now shares its parent's ${type} namespace`;
      changes.push({ kind: 'sharing-changed', ...ids, summary: `${name} ${says} (${from} → ${to})`, nsType: type, from, to });
    }
    const { removed, added } = sameBoot ? identityDiff(b, a) : multisetDiff(b.commands, a.commands);
    for (const [kind, list] of [
      ['processes-removed', removed],
      ['processes-added', added],
    ] as const) {
      if (list.length === 0) continue;
      const total = list.reduce((n, c) => n + c.count, 0);
      const verb = kind === 'processes-removed' ? 'no longer runs' : 'now runs';
      changes.push({
        kind,
        ...ids,
        summary: `${name} ${verb} ${plural(total, 'process', 'processes')}: ${commandList(list)}`,
        total,
        processes: list,
      });
    }
  }
  return changes;
}

/** Moved: the parent is not the match of the old parent. */
function isMoved(b: NsFeatures, a: NsFeatures, m: Matching): boolean {
  if (b.node.parent === null && a.node.parent === null) return false;
  if (b.node.parent === null || a.node.parent === null) return true;
  return m.forward.get(b.node.parent) !== a.node.parent;
}

/** A depth change that the parent's own depth change accounts for is not reported again. */
function depthExplained(b: NsFeatures, a: NsFeatures, before: Side, after: Side, m: Matching): boolean {
  if (b.node.parent === null || a.node.parent === null || b.node.depth === null || a.node.depth === null) return false;
  const pb = before.ns.get(b.node.parent)?.node.depth;
  const pa = after.ns.get(a.node.parent)?.node.depth;
  if (pb === null || pa === null || pb === undefined || pa === undefined) return false;
  return m.forward.get(b.node.parent) === a.node.parent && a.node.depth - b.node.depth === pa - pb;
}

function multisetDiff(b: Map<string, number>, a: Map<string, number>): { removed: CommandCount[]; added: CommandCount[] } {
  const removed = new Map<string, number>();
  const added = new Map<string, number>();
  for (const [k, n] of b) {
    const d = n - (a.get(k) ?? 0);
    if (d > 0) removed.set(k, d);
  }
  for (const [k, n] of a) {
    const d = n - (b.get(k) ?? 0);
    if (d > 0) added.set(k, d);
  }
  return { removed: countsOf(removed), added: countsOf(added) };
}

/** In one boot a process is its PID in its own namespace plus its start time. */
function identityDiff(b: NsFeatures, a: NsFeatures): { removed: CommandCount[]; added: CommandCount[] } {
  const key = (p: ProcessNode): string => `${p.nspid[p.nspid.length - 1]}/${p.starttime ?? commandKey(p)}`;
  const inA = new Set(a.members.map(key));
  const inB = new Set(b.members.map(key));
  const tally = (list: ProcessNode[], other: Set<string>): CommandCount[] => {
    const counts = new Map<string, number>();
    for (const p of list) {
      if (other.has(key(p))) continue;
      const k = commandKey(p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return countsOf(counts);
  };
  return { removed: tally(b.members, inA), added: tally(a.members, inB) };
}

/**
 * Unmatched namespaces of other types that came or went with an unmatched PID namespace
 * are listed in that PID namespace's change, not on their own: every member lives in an
 * unmatched PID namespace, or is an ancestor of the init of the outermost one (the
 * creator: `unshare --pid --fork --mount-proc` is itself in the new mount namespace).
 * Returns [namespace id, owning PID namespace id] pairs.
 */
function ownedNamespaces(side: Side, matched: Map<string, string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of side.ns.values()) {
    if (f.node.type === 'pid' || matched.has(f.node.id) || f.members.length === 0) continue;
    const owner = f.owners.find((id) => !matched.has(id));
    if (owner === undefined) continue;
    const creators = new Set<string>();
    let cur = side.ns.get(owner)?.node.init ?? null;
    for (let i = 0; cur !== null && i < 4096; i += 1) {
      creators.add(cur);
      cur = side.procs.get(cur)?.parent ?? null;
    }
    const ok = f.members.every((p) => (p.ns.pid !== undefined && !matched.has(p.ns.pid)) || creators.has(p.id));
    if (ok) out.push([f.node.id, owner]);
  }
  return out;
}
