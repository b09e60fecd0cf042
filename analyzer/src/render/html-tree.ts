// `nsnap tree --format html`: one self-contained page. The SVG tree and every table are
// static HTML (complete without JavaScript and in print); the inline script adds the
// details panel and the search. Ids and anchors are generated (ns-1, p-1-2), never
// taken from input.

import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import { htmlPage, htmlTable, legend, summaryTable, toolbar, idCode, type TableRowSpec } from './html-page.js';
import type { PanelItem, PanelRow } from './html-script.js';
import { renderSvgTree } from './html-svg.js';
import { summaryRows } from './markdown-tree.js';
import { depthMark, indentOf, processRows, type ProcessRow } from './process-rows.js';
import { namespaceNode, pidNamespacesInTreeOrder, type DiagramNode, type NodeStatus } from './mermaid.js';
import { html, visible } from './report-escape.js';

export const anchorOf = (i: number): string => `ns-${i + 1}`;
export const rowIdOf = (i: number, k: number): string => `p-${i + 1}-${k + 1}`;

/** One namespace to draw, list and search: the shared input of the tree and diff pages. */
export interface PageNamespace {
  ns: NamespaceNode;
  rows: ProcessRow[];
  status: NodeStatus;
  /** Why it is marked (for a diff), our own words plus escaped-later ids. */
  note: string | null;
}

/** The script's panel for each namespace of the tree page. */
export function panelItems(items: PageNamespace[]): PanelItem[] {
  const index = new Map(items.map((it, i) => [it.ns.id, i]));
  return items.map((it, i): PanelItem => {
    const n = it.ns;
    const parentIndex = n.parent === null ? undefined : index.get(n.parent);
    return {
      title: visible(n.id),
      label: visible(n.label),
      anchor: anchorOf(i),
      facts: [
        ['role', n.role],
        ['change', it.status === 'same' ? '' : `${it.status}${it.note ? `: ${visible(it.note)}` : ''}`],
        ['depth', n.depth === null ? '?' : n.depth],
        ['parent', parentIndex !== undefined ? { jump: parentIndex } : n.parent === null ? 'outermost' : visible(n.parent)],
        ['parent evidence', n.parentSupport.join(', ')],
        ['processes', it.rows.length],
      ],
      lists: [{ heading: 'Evidence', items: n.evidence.map(visible), empty: null, className: 'evidence' }],
      tables: [{ heading: 'Processes', rows: panelRows(it.rows, (k) => rowIdOf(i, k)), empty: 'No member process was seen.' }],
      inodes: n.inode === null ? [] : [String(n.inode)],
      labels: [visible(n.label)],
    };
  });
}

/** Process rows for the script, with the ids of the same rows in the full tables. */
export function panelRows(rows: ProcessRow[], idOf: (k: number) => string): PanelRow[] {
  return rows.map(({ p, level }, k) => ({
    r: idOf(k),
    pids: p.nspid,
    ppid: p.ppid,
    uid: p.uid,
    comm: visible(p.comm),
    cmdline: p.cmdline === null ? null : visible(p.cmdline),
    level,
  }));
}

/**
 * A namespace's processes as the reports' full table, one row per process in tree order,
 * indented by level up to INDENT_CAP (deeper rows say their level). Both HTML pages use
 * it; `idOf` gives each row the id the search and the details panel point at.
 */
export function processTable(rows: ProcessRow[], idOf: (k: number) => string): string {
  const specs: TableRowSpec[] = rows.map(({ p, level, pids }, k) => ({
    id: idOf(k),
    cells: [
      { html: `<span class="pids" style="padding-left:${indentOf(level) * 1.1}em">${html(depthMark(level) + pids)}</span>` },
      String(p.ppid),
      p.uid === null ? '?' : String(p.uid),
      { code: p.comm },
      { code: p.cmdline ?? '' },
    ],
  }));
  return htmlTable(['PIDs (outer/…/inner)', 'PPID', 'UID', 'comm', 'cmdline'], specs, 'procs');
}

/** The sections every report page has: legend, tree with details panel, namespace table, per-namespace processes. */
export function namespaceSections(items: PageNamespace[], svgTitle: string): string[] {
  const index = new Map(items.map((it, i) => [it.ns.id, i]));
  const nodes: DiagramNode[] = items.map((it) => namespaceNode(it.ns, it.status, it.ns.parent !== null && index.has(it.ns.parent)));
  const statuses = [...new Set(items.map((it) => it.status))];
  const out: string[] = [];
  out.push(legend(statuses));
  out.push(
    `<div class="layout"><div class="canvas">${renderSvgTree(nodes, { title: svgTitle, anchor: anchorOf })}</div><aside id="details" aria-live="polite" hidden></aside></div>`,
  );

  out.push('<h2>PID namespaces</h2>');
  const nsRows: TableRowSpec[] = items.map((it, i) => {
    const n = it.ns;
    const p = n.parent === null ? undefined : index.get(n.parent);
    return {
      cells: [
        { html: `<a href="#${anchorOf(i)}">${i + 1}</a>` },
        { id: n.id },
        n.depth === null ? '?' : String(n.depth),
        n.parent === null
          ? 'outermost'
          : { html: `${idCode(n.parent)}${p === undefined ? '' : ` (<a href="#${anchorOf(p)}">#${p + 1}</a>)`}` },
        [n.parentEvidence, ...n.parentSupport.filter((e) => e !== n.parentEvidence)].filter(Boolean).join(', '),
        n.role,
        ...(statuses.some((s) => s !== 'same') ? [it.status === 'same' ? '' : `${it.status}${it.note ? `: ${it.note}` : ''}`] : []),
        String(n.processes.length),
        { code: n.label },
      ],
      className: it.status === 'same' ? '' : `status-${it.status}`,
    };
  });
  const head = ['#', 'namespace', 'depth', 'parent', 'parent evidence', 'role'];
  if (statuses.some((s) => s !== 'same')) head.push('change');
  out.push(htmlTable([...head, 'processes', 'label'], nsRows, 'namespaces'));

  out.push('<h2>Processes per PID namespace</h2>');
  items.forEach((it, i) => {
    const n = it.ns;
    out.push(`<section class="ns-section" id="${anchorOf(i)}">`);
    out.push(`<h3>#${i + 1} ${idCode(n.id)} <code>${html(n.label)}</code></h3>`);
    const info = [`role ${n.role}`, `depth ${n.depth ?? '?'}`, `${n.processes.length} processes`];
    if (it.status !== 'same') info.push(`${it.status}${it.note ? `: ${it.note}` : ''}`);
    if (n.seenVia !== 'member') info.push(`seen via ${n.seenVia}`);
    if (n.synthetic) info.push('synthetic id: its links were unreadable');
    out.push(`<p class="nsinfo">${html(info.join(' · '))}</p>`);
    if (n.evidence.length > 0) out.push(`<ul class="evidence">${n.evidence.map((e) => `<li><code>${html(e)}</code></li>`).join('')}</ul>`);
    if (it.rows.length > 0) {
      out.push(processTable(it.rows, (k) => rowIdOf(i, k)));
    }
    out.push('</section>');
  });
  return out;
}

function otherNamespaces(a: Analysis): string[] {
  const others = a.namespaces.filter((n) => n.type !== 'pid');
  if (others.length === 0) return [];
  return [
    '<h2>Other namespaces</h2>',
    htmlTable(
      ['type', 'namespace', 'role', 'processes', 'label'],
      others.map((n) => ({ cells: [n.type, { id: n.id }, n.role, String(n.processes.length), { code: n.label }] })),
      'others',
    ),
  ];
}

export function diagnosticsSection(a: Analysis): string[] {
  if (a.diagnostics.length === 0) return [];
  return [
    '<h2>Diagnostics</h2>',
    htmlTable(
      ['severity', 'code', 'message'],
      a.diagnostics.map((d) => ({ cells: [d.severity, { code: d.code }, d.message], className: `sev-${d.severity}` })),
      'diagnostics',
    ),
  ];
}

export function renderTreeHtml(a: Analysis): string {
  const procs = new Map<string, ProcessNode>(a.processes.map((p) => [p.id, p]));
  const items: PageNamespace[] = pidNamespacesInTreeOrder(a).map((ns) => ({
    ns,
    rows: processRows(a, ns, procs),
    status: 'same',
    note: null,
  }));
  const title = 'nsnap: PID namespace tree';
  const body = [
    `<h1>${html(title)}</h1>`,
    summaryTable(summaryRows(a)),
    toolbar('PID at any level, a namespace inode, or text in a command'),
    ...namespaceSections(items, 'PID namespace tree'),
    ...otherNamespaces(a),
    ...diagnosticsSection(a),
    '<p class="footer">Made by nsnap. This page loads nothing from the network.</p>',
  ];
  return htmlPage({ title, body, data: { kind: 'tree', items: panelItems(items) } });
}
