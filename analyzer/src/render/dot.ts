// `nsnap tree --format dot`: the PID namespace tree as a Graphviz digraph, for `dot -Tsvg`.
// Node ids are n1, n2 … by position; every label goes through dotString.

import type { Analysis } from '../model/types.js';
import { pidTreeNodes, ROLE_COLORS, STATUS_STYLE, type DiagramNode } from './mermaid.js';
import { dotString } from './report-escape.js';

/** A digraph of any diagram nodes; the diff report can pass nodes with a status. */
export function renderDot(nodes: DiagramNode[], title: string): string {
  const ids = new Map(nodes.map((n, i) => [n.key, `n${i + 1}`]));
  const out = [
    `digraph ${dotString(title)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    '  edge [color="#57606a"];',
  ];
  nodes.forEach((n, i) => {
    const c = ROLE_COLORS[n.role];
    const st = STATUS_STYLE[n.status];
    // Lines are joined with the escString newline after each part is escaped, so an
    // input backslash can never combine with it.
    const label = [n.title, ...n.lines, ...(st.word ? [st.word.toUpperCase()] : [])].map((l) => dotString(l).slice(1, -1)).join('\\n');
    const attrs = [`label="${label}"`, `fillcolor="${c.fill}"`, `color="${st.stroke ?? c.stroke}"`, `fontcolor="${c.text}"`];
    if (st.width > STATUS_STYLE.same.width) attrs.push(`penwidth=${st.width / 1.5}`);
    if (st.dash) attrs.push('style="rounded,filled,dashed"');
    out.push(`  n${i + 1} [${attrs.join(', ')}];`);
  });
  for (const n of nodes) {
    const from = n.parent === null ? undefined : ids.get(n.parent);
    const to = ids.get(n.key);
    if (from && to) out.push(`  ${from} -> ${to};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function renderTreeDot(a: Analysis): string {
  return renderDot(pidTreeNodes(a), 'nsnap PID namespaces');
}
