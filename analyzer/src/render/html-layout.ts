// A tidy layout for a tree of diagram nodes, computed here so the HTML report needs no
// layout library. Each subtree gets its own band of columns (leaves take consecutive
// columns, left to right in child order), and a parent sits centred over its first and
// last child. Subtrees never overlap, edges never cross, and equal subtrees look equal;
// it is wider than Reingold–Tilford on ragged trees, which the few levels of a PID
// namespace tree do not mind.

import type { DiagramNode } from './mermaid.js';

export const BOX_W = 236;
export const BOX_H = 98;
const GAP_X = 20;
const GAP_Y = 46;
const MARGIN = 12;

export interface Placed {
  node: DiagramNode;
  index: number;
  x: number;
  y: number;
  depth: number;
}

export interface Layout {
  placed: Placed[];
  /** Parent and child index into placed, one per drawn edge. */
  edges: [number, number][];
  width: number;
  height: number;
}

export function layoutTree(nodes: DiagramNode[]): Layout {
  const byKey = new Map(nodes.map((n, i) => [n.key, i]));
  const kids = new Map<number, number[]>();
  const roots: number[] = [];
  nodes.forEach((n, i) => {
    const p = n.parent === null ? undefined : byKey.get(n.parent);
    if (p === undefined || p === i) roots.push(i);
    else kids.set(p, [...(kids.get(p) ?? []), i]);
  });

  const column = new Map<number, number>();
  const depthOf = new Map<number, number>();
  const edges: [number, number][] = [];
  let next = 0;
  // Iterative post-order walk: a hostile diff could hand us a deep chain.
  const place = (root: number): void => {
    const stack: { i: number; d: number; open: boolean }[] = [{ i: root, d: 0, open: false }];
    while (stack.length > 0) {
      const top = stack.pop() as { i: number; d: number; open: boolean };
      if (!top.open) {
        if (depthOf.has(top.i)) continue; // reached twice: a cycle in the parent keys
        depthOf.set(top.i, top.d);
        const children = (kids.get(top.i) ?? []).filter((c) => !depthOf.has(c));
        stack.push({ ...top, open: true });
        for (let k = children.length - 1; k >= 0; k -= 1) stack.push({ i: children[k] as number, d: top.d + 1, open: false });
        continue;
      }
      const placedKids = (kids.get(top.i) ?? []).filter((c) => column.has(c) && depthOf.get(c) === top.d + 1);
      for (const c of placedKids) edges.push([top.i, c]);
      if (placedKids.length === 0) column.set(top.i, next++);
      else
        column.set(
          top.i,
          ((column.get(placedKids[0] as number) as number) + (column.get(placedKids[placedKids.length - 1] as number) as number)) / 2,
        );
    }
  };
  for (const r of roots) place(r);
  // Nodes only on a parent cycle have no root; start from each so all are drawn.
  nodes.forEach((_, i) => {
    if (!depthOf.has(i)) place(i);
  });

  const placed: Placed[] = nodes.map((node, index) => {
    const depth = depthOf.get(index) ?? 0;
    return { node, index, depth, x: MARGIN + (column.get(index) ?? 0) * (BOX_W + GAP_X), y: MARGIN + depth * (BOX_H + GAP_Y) };
  });
  const maxDepth = Math.max(0, ...placed.map((p) => p.depth));
  return {
    placed,
    edges,
    width: Math.max(1, next) * (BOX_W + GAP_X) - GAP_X + 2 * MARGIN,
    height: (maxDepth + 1) * (BOX_H + GAP_Y) - GAP_Y + 2 * MARGIN,
  };
}
