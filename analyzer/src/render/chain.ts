// PID translation: a process's PID at every level, from the outermost known namespace
// down to its own. The model gives the namespace ids; NSpid gives the numbers.

import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';

export interface ChainLevel {
  ns: string;
  depth: number;
  pid: number;
}

export function namespaceIndex(a: Analysis): Map<string, NamespaceNode> {
  return new Map(a.namespaces.map((n) => [n.id, n]));
}

export function pidChain(p: ProcessNode, nsById: Map<string, NamespaceNode>): ChainLevel[] {
  const levels: ChainLevel[] = [];
  let ns = p.ns.pid ? nsById.get(p.ns.pid) : undefined;
  for (let i = p.nspid.length - 1; i >= 0; i -= 1) {
    levels.push({ ns: ns?.id ?? '?', depth: p.nspidDepth + i, pid: p.nspid[i] as number });
    ns = ns?.parent ? nsById.get(ns.parent) : undefined;
  }
  return levels.reverse();
}
