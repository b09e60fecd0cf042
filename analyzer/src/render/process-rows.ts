// The process tree inside one namespace, parents before children: shared by the text,
// Markdown and HTML renderers.

import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';

export interface ProcessRow {
  p: ProcessNode;
  /** Depth in the namespace's own process tree (0 for its roots). */
  level: number;
  /** PIDs outermost known level first: "48950/4578/4419". */
  pids: string;
}

/**
 * Indentation stops growing at this level: a hostile snapshot can chain 100,000 PPids, and
 * indenting each row by its level makes output quadratic (gigabytes). Deeper rows carry
 * their level as text instead (`depthMark`).
 */
export const INDENT_CAP = 32;

export function indentOf(level: number): number {
  return Math.min(level, INDENT_CAP);
}

/** "" up to the cap, then "[level 1234] " so the depth is still visible. */
export function depthMark(level: number): string {
  return level > INDENT_CAP ? `[level ${level}] ` : '';
}

/** The members of a namespace in process-tree order (parents before children). */
export function processRows(a: Analysis, n: NamespaceNode, byId?: Map<string, ProcessNode>): ProcessRow[] {
  const procs = byId ?? new Map(a.processes.map((p) => [p.id, p]));
  const members = new Set(n.processes);
  const kids = new Map<string, ProcessNode[]>();
  const roots: ProcessNode[] = [];
  for (const id of n.processes) {
    const p = procs.get(id);
    if (!p) continue;
    if (p.parent && p.parent !== p.id && members.has(p.parent)) {
      const list = kids.get(p.parent);
      if (list) list.push(p);
      else kids.set(p.parent, [p]);
    } else roots.push(p);
  }
  const rows: ProcessRow[] = [];
  const seen = new Set<string>();
  // An explicit stack, not recursion: a hostile snapshot can chain 100,000 PPids.
  const visit = (start: ProcessNode, startLevel: number): void => {
    const stack: Array<[ProcessNode, number]> = [[start, startLevel]];
    while (stack.length > 0) {
      const [p, level] = stack.pop() as [ProcessNode, number];
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      rows.push({ p, level, pids: p.nspid.join('/') });
      const children = kids.get(p.id) ?? [];
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push([children[i] as ProcessNode, level + 1]);
    }
  };
  for (const r of roots) visit(r, 0);
  // Members only reachable through a PPid cycle still get a row.
  for (const id of n.processes) {
    const p = procs.get(id);
    if (p) visit(p, 0);
  }
  return rows;
}
