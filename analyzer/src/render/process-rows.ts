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
  const visit = (p: ProcessNode, level: number): void => {
    if (seen.has(p.id)) return;
    seen.add(p.id);
    rows.push({ p, level, pids: p.nspid.join('/') });
    for (const k of kids.get(p.id) ?? []) visit(k, level + 1);
  };
  for (const r of roots) visit(r, 0);
  // Members only reachable through a PPid cycle still get a row.
  for (const id of n.processes) {
    const p = procs.get(id);
    if (p) visit(p, 0);
  }
  return rows;
}
