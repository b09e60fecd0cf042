// The union of the BEFORE and AFTER PID namespace trees, for the diff reports' pictures.
// A DiffResult names namespaces only by id, so the trees themselves come from the two
// analyses the diff was computed from. Every PID namespace of either side appears exactly
// once: a matched pair is one node (placed where it is AFTER), an unmatched BEFORE
// namespace is "removed" and hangs under its old parent's match, an unmatched AFTER one
// is "added". A moved namespace also remembers its old parent, so a picture can draw
// where it came from.

import type { Change, DiffResult } from '../diff/types.js';
import type { Analysis, NamespaceNode, Role } from '../model/types.js';
import { renderDot } from './dot.js';
import { LABEL_MAX, MERMAID_MAX_NODES, pidNamespacesInTreeOrder, renderMermaid, type DiagramNode, type NodeStatus } from './mermaid.js';
import { short } from './report-escape.js';

/** The two analyses a DiffResult was computed from. */
export interface DiffSides {
  before: Analysis;
  after: Analysis;
}

export interface UnionNamespace {
  /** `before:<id>` for a removed namespace, otherwise `after:<id>`; never shown. */
  key: string;
  before: NamespaceNode | null;
  after: NamespaceNode | null;
  status: NodeStatus;
  /** Union key of the parent, or null for a root. */
  parent: string | null;
  /** For a moved namespace: union key of its BEFORE parent, when that is drawn. */
  wasUnder: string | null;
  /** The PID-namespace changes that name this namespace on either side, in diff order. */
  changes: Change[];
}

/**
 * A marker in front of the id, so the status reads without colour (and survives a
 * copy as text); the word itself comes from STATUS_STYLE. Common glyphs only: the
 * full-width ＋ and － are missing from the fonts of a plain Linux desktop and show as boxes.
 */
export const STATUS_MARK: Record<NodeStatus, string> = {
  same: '',
  added: '+',
  removed: '−',
  moved: '→',
  changed: 'Δ',
};

/** Union of both PID namespace trees, parents before children (depth first). */
export function unionTree(d: DiffResult, sides: DiffSides): UnionNamespace[] {
  const before = pidNamespacesInTreeOrder(sides.before);
  const after = pidNamespacesInTreeOrder(sides.after);
  const fwd = new Map<string, string>();
  const back = new Map<string, string>();
  for (const m of d.matches) {
    if (m.type !== 'pid') continue;
    fwd.set(m.before, m.after);
    back.set(m.after, m.before);
  }
  const beforeById = new Map(before.map((n) => [n.id, n]));
  const afterIds = new Set(after.map((n) => n.id));
  const pidChanges = d.changes.filter((c) => 'type' in c && c.type === 'pid');
  const concerning = (b: string | null, a: string | null): Change[] =>
    pidChanges.filter((c) => (b !== null && c.before === b) || (a !== null && c.after === a));
  // Where a BEFORE namespace is in the union: its match, or itself when removed.
  const keyOfBefore = (id: string): string | null => {
    const m = fwd.get(id);
    if (m !== undefined) return afterIds.has(m) ? `after:${m}` : null;
    return beforeById.has(id) ? `before:${id}` : null;
  };

  const nodes: UnionNamespace[] = [];
  for (const a of after) {
    const bId = back.get(a.id) ?? null;
    const b = bId === null ? null : (beforeById.get(bId) ?? null);
    const changes = concerning(bId, a.id);
    const moved = changes.some((c) => c.kind === 'namespace-moved');
    const status: NodeStatus = b === null ? 'added' : moved ? 'moved' : changes.length > 0 ? 'changed' : 'same';
    nodes.push({
      key: `after:${a.id}`,
      before: b,
      after: a,
      status,
      parent: a.parent !== null && afterIds.has(a.parent) ? `after:${a.parent}` : null,
      wasUnder: moved && b?.parent ? keyOfBefore(b.parent) : null,
      changes,
    });
  }
  for (const b of before) {
    if (fwd.has(b.id)) continue;
    nodes.push({
      key: `before:${b.id}`,
      before: b,
      after: null,
      status: 'removed',
      parent: b.parent === null ? null : keyOfBefore(b.parent),
      wasUnder: null,
      changes: concerning(b.id, null),
    });
  }
  return inTreeOrder(nodes);
}

/** Depth-first: roots in input order (AFTER first), then each node's children in input order. */
function inTreeOrder(nodes: UnionNamespace[]): UnionNamespace[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const kids = new Map<string, UnionNamespace[]>();
  const roots: UnionNamespace[] = [];
  for (const n of nodes) {
    if (n.parent === null || !byKey.has(n.parent) || n.parent === n.key) roots.push(n);
    else kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
  }
  const out: UnionNamespace[] = [];
  const seen = new Set<string>();
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const n = stack.pop() as UnionNamespace;
    if (seen.has(n.key)) continue;
    seen.add(n.key);
    out.push(n);
    stack.push(...beside(kids.get(n.key) ?? []).reverse());
  }
  // Only reachable through a parent cycle (a hostile snapshot): still drawn, as roots.
  for (const n of nodes) if (!seen.has(n.key)) out.push({ ...n, parent: null });
  return out;
}

/**
 * Siblings in input order, except that a removed namespace goes just before the first
 * sibling that moved out of it (a user distro whose system distro is gone), so the
 * "old parent" arrow between them is short and crosses nothing.
 */
function beside(kids: UnionNamespace[]): UnionNamespace[] {
  const pos = new Map(kids.map((k, i) => [k.key, i]));
  const rank = (k: UnionNamespace): number => {
    const child = k.status === 'removed' ? kids.find((c) => c.wasUnder === k.key) : undefined;
    return child ? (pos.get(child.key) as number) - 0.5 : (pos.get(k.key) as number);
  };
  return [...kids].sort((a, b) => rank(a) - rank(b));
}

const procs = (n: number): string => `${n} proc${n === 1 ? '' : 's'}`;

/** One union namespace as a diagram node: marker and id, label, role and process counts. */
export function unionDiagramNode(u: UnionNamespace): DiagramNode {
  const ns = (u.after ?? u.before) as NamespaceNode;
  const nb = u.before?.processes.length;
  const na = u.after?.processes.length;
  const count = nb !== undefined && na !== undefined && nb !== na ? `${nb} → ${procs(na)}` : procs(na ?? nb ?? 0);
  const role: Role = ns.role;
  const mark = STATUS_MARK[u.status];
  const lines = [short(ns.label, LABEL_MAX), `${role} · ${count}`];
  if (u.before && u.after && u.before.id !== u.after.id) lines.push(`before: ${u.before.id}`);
  return {
    key: u.key,
    parent: u.parent,
    title: mark ? `${mark} ${ns.id}` : ns.id,
    lines,
    label: ns.label,
    role,
    status: u.status,
    processCount: na ?? nb ?? 0,
  };
}

/**
 * The union as a Mermaid `flowchart TD`: renderMermaid's boxes and tree edges, plus a
 * dotted "old parent" arrow from each moved namespace's old parent. Those arrows use
 * renderMermaid's position ids (n1, n2 …), which is why the nodes are passed in order.
 */
export function renderDiffMermaid(union: UnionNamespace[], maxNodes = MERMAID_MAX_NODES): string {
  const text = renderMermaid(union.map(unionDiagramNode), maxNodes);
  const index = new Map(union.slice(0, maxNodes).map((u, i) => [u.key, i + 1]));
  const extra: string[] = [];
  for (const u of union) {
    const from = u.wasUnder === null ? undefined : index.get(u.wasUnder);
    const to = index.get(u.key);
    if (from !== undefined && to !== undefined) extra.push(`  n${from} -.->|old parent| n${to}`);
  }
  return extra.length === 0 ? text : `${text}${extra.join('\n')}\n`;
}

/** The union as a Graphviz digraph (status as border colour, width and dashes). */
export function renderDiffDot(d: DiffResult, sides: DiffSides): string {
  return renderDot(unionTree(d, sides).map(unionDiagramNode), 'nsnap diff: PID namespaces');
}
