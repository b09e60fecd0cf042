// The PID namespace tree as diagram nodes, and the Mermaid flowchart of any such nodes.
// DiagramNode is the building block every picture shares: the Markdown report's Mermaid
// block, the HTML report's SVG and the DOT graph draw a tree of these, and a diff report
// draws the same nodes with a status (added, removed, moved, changed).

import type { Analysis, NamespaceNode, Role } from '../model/types.js';
import { mermaidText, short } from './report-escape.js';

export type NodeStatus = 'same' | 'added' | 'removed' | 'moved' | 'changed';

export interface DiagramNode {
  /** Stable key of the thing drawn (a namespace id); never written into diagram syntax. */
  key: string;
  /** Key of the parent node, or null for a root (also when the parent is not drawn). */
  parent: string | null;
  /** First line, e.g. "pid:4026532257". Untrusted: renderers escape it. */
  title: string;
  /** Further lines (label, role, counts). Untrusted: renderers escape them. */
  lines: string[];
  /** The whole label, which lines[0] may shorten: the HTML drawing wraps it and shows it in full as a tooltip. */
  label?: string;
  role: Role;
  status: NodeStatus;
  processCount: number;
}

/** Longest label kept in a diagram box; the tables carry the full text. */
export const LABEL_MAX = 40;

/** PID namespaces in depth-first tree order (roots in model order, children as listed). */
export function pidNamespacesInTreeOrder(a: Analysis): NamespaceNode[] {
  const nodes = a.namespaces.filter((n) => n.type === 'pid');
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: NamespaceNode[] = [];
  const seen = new Set<string>();
  const walk = (n: NamespaceNode): void => {
    if (seen.has(n.id)) return; // the model cuts cycles; this guards the renderer anyway
    seen.add(n.id);
    out.push(n);
    for (const c of n.children) {
      const k = byId.get(c);
      if (k) walk(k);
    }
  };
  for (const n of nodes) if (n.parent === null || !byId.has(n.parent)) walk(n);
  for (const n of nodes) walk(n); // anything left only in a cycle
  return out;
}

export function namespaceNode(n: NamespaceNode, status: NodeStatus = 'same', parentDrawn = true): DiagramNode {
  const count = n.processes.length;
  return {
    key: n.id,
    parent: parentDrawn ? n.parent : null,
    title: n.id,
    lines: [short(n.label, LABEL_MAX), `${n.role} · ${count} proc${count === 1 ? '' : 's'}`],
    label: n.label,
    role: n.role,
    status,
    processCount: count,
  };
}

/** The PID namespace tree as diagram nodes, parents before children. */
export function pidTreeNodes(a: Analysis): DiagramNode[] {
  const ordered = pidNamespacesInTreeOrder(a);
  const ids = new Set(ordered.map((n) => n.id));
  return ordered.map((n) => namespaceNode(n, 'same', n.parent !== null && ids.has(n.parent)));
}

/** Fill, stroke and text colour per role; the type checker keeps it complete. */
export const ROLE_COLORS: Record<Role, { fill: string; stroke: string; text: string }> = {
  host: { fill: '#e1e4e8', stroke: '#57606a', text: '#1f2328' },
  'wsl-vm': { fill: '#ddf4ff', stroke: '#0969da', text: '#0a3069' },
  'wsl-system-distro': { fill: '#fbefff', stroke: '#8250df', text: '#3e1f79' },
  'wsl-user-distro': { fill: '#dafbe1', stroke: '#1a7f37', text: '#0f3d1e' },
  container: { fill: '#fff1e5', stroke: '#bc4c00', text: '#5c2200' },
  sandbox: { fill: '#fff8c5', stroke: '#9a6700', text: '#4d2d00' },
  unknown: { fill: '#f6f8fa', stroke: '#8c959f', text: '#1f2328' },
};

/** How a diff status is drawn: border colour, width and dash pattern, and a word for it. */
export const STATUS_STYLE: Record<NodeStatus, { stroke: string | null; width: number; dash: string | null; word: string }> = {
  same: { stroke: null, width: 1.5, dash: null, word: '' },
  added: { stroke: '#1a7f37', width: 4, dash: null, word: 'added' },
  removed: { stroke: '#cf222e', width: 4, dash: '6 4', word: 'removed' },
  moved: { stroke: '#bf8700', width: 4, dash: '2 3', word: 'moved' },
  changed: { stroke: '#0969da', width: 3, dash: null, word: 'changed' },
};

/** Mermaid's text size limit is 50 000 characters by default; stay well below it. */
export const MERMAID_MAX_NODES = 250;

const cls = (s: string): string => s.replace(/[^a-z]/g, '_');

/**
 * A `flowchart TD` of the nodes. Node ids are n1, n2 … by position, never derived from
 * input; every label is quoted and escaped by mermaidText. Nodes past MERMAID_MAX_NODES
 * are summarised in one note node so the block still renders.
 */
export function renderMermaid(nodes: DiagramNode[], maxNodes = MERMAID_MAX_NODES): string {
  const drawn = nodes.slice(0, maxNodes);
  const ids = new Map(drawn.map((n, i) => [n.key, `n${i + 1}`]));
  const out = ['flowchart TD'];
  drawn.forEach((n, i) => {
    const word = STATUS_STYLE[n.status].word;
    const lines = [n.title, ...n.lines, ...(word ? [word.toUpperCase()] : [])];
    out.push(`  n${i + 1}["${lines.map(mermaidText).join('<br/>')}"]`);
  });
  for (const n of drawn) {
    const from = n.parent === null ? undefined : ids.get(n.parent);
    const to = ids.get(n.key);
    if (from && to) out.push(`  ${from} --> ${to}`);
  }
  if (nodes.length > drawn.length) out.push(`  more["${mermaidText(`… ${nodes.length - drawn.length} more not drawn`)}"]`);
  const roles = [...new Set(drawn.map((n) => n.role))].sort();
  for (const r of roles) {
    const c = ROLE_COLORS[r];
    out.push(`  classDef role_${cls(r)} fill:${c.fill},stroke:${c.stroke},color:${c.text}`);
    const members = drawn.flatMap((n, i) => (n.role === r ? [`n${i + 1}`] : []));
    out.push(`  class ${members.join(',')} role_${cls(r)}`);
  }
  // Status after role, so its border wins where both set one.
  const statuses = [...new Set(drawn.map((n) => n.status))].filter((s) => s !== 'same').sort();
  for (const s of statuses) {
    const st = STATUS_STYLE[s];
    const dash = st.dash ? `,stroke-dasharray:${st.dash}` : '';
    out.push(`  classDef status_${s} stroke:${st.stroke ?? '#000'},stroke-width:${st.width}px${dash}`);
    const members = drawn.flatMap((n, i) => (n.status === s ? [`n${i + 1}`] : []));
    out.push(`  class ${members.join(',')} status_${s}`);
  }
  return `${out.join('\n')}\n`;
}
