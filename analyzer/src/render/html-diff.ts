// `nsnap diff --format html`: one self-contained page, built from the tree report's parts
// (htmlPage's CSP shell and style, the SVG drawing, the legend, tables). It shows the
// summary, the union of both PID namespace trees with added, removed, moved and changed
// namespaces marked (colour, dash, badge word and a marker in front of the id), the
// full list of changes, and per namespace its changes and its processes before and after.
// Everything is static HTML, complete without JavaScript and in print; the reports' one
// client script (html-script.ts, appended by htmlPage) adds the details panel and the
// search from the panel items this page describes. Ids and anchors are generated, never
// from input.

import type { Change, DiffResult, DiffSide } from '../diff/types.js';
import { plural } from '../diff/words.js';
import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import { STATUS_MARK, unionDiagramNode, unionTree, type DiffSides, type UnionNamespace } from './diff-diagram.js';
import { headline, summaryLines, type Line } from './diff-summary.js';
import { KIND_TITLES } from './diff-text.js';
import { BOX_W, layoutTree } from './html-layout.js';
import { htmlPage, htmlTable, idCode, legend, toolbar, type TableRowSpec } from './html-page.js';
import { renderSvgTree } from './html-svg.js';
import type { PanelItem } from './html-script.js';
import { anchorOf, panelRows, processTable } from './html-tree.js';
import { processRows, type ProcessRow } from './process-rows.js';
import { STATUS_STYLE } from './mermaid.js';
import { html, visible } from './report-escape.js';

type SideName = 'before' | 'after';
const rowId = (i: number, side: SideName, k: number): string => `p-${i + 1}-${side[0]}${k + 1}`;

interface Item {
  u: UnionNamespace;
  rows: Record<SideName, ProcessRow[]>;
}

function titleOf(u: UnionNamespace): string {
  const id = (u.after ?? u.before)?.id ?? '';
  const mark = STATUS_MARK[u.status];
  return mark ? `${mark} ${id}` : id;
}

function inline(line: Line): string {
  return line.map((p) => (typeof p === 'string' ? html(p) : `<code>${html(p.value)}</code>`)).join('');
}

function sideText(name: string, s: DiffSide): string {
  const boot = s.bootIds.length === 0 ? 'boot unknown' : `boot ${s.bootIds.join(', ')}`;
  const hidden = s.hiddenProcesses > 0 ? ` (${s.hiddenProcesses} transient hidden)` : '';
  return `${plural(s.views.length, 'view')} (${s.views.map((v) => v.label).join(', ')}), ${boot}, ${plural(s.pidNamespaces, 'PID namespace')}, ${plural(s.processes, 'process', 'processes')}${hidden}`;
}

/** The SVG with a dashed amber arrow from each moved namespace's old parent to it. */
function drawing(items: Item[]): string {
  const nodes = items.map((it) => unionDiagramNode(it.u));
  const svg = renderSvgTree(nodes, { title: 'PID namespaces before and after', anchor: anchorOf });
  const lay = layoutTree(nodes);
  const index = new Map(items.map((it, i) => [it.u.key, i]));
  const color = STATUS_STYLE.moved.stroke ?? '#000';
  const arrows: string[] = [];
  items.forEach((it, i) => {
    const from = it.u.wasUnder === null ? undefined : lay.placed[index.get(it.u.wasUnder) ?? -1];
    const to = lay.placed[i];
    if (!from || !to) return;
    // Between the tops of both boxes, bowing upwards into the gap above their row.
    const x1 = from.x + BOX_W / 2;
    const x2 = to.x + BOX_W / 2;
    const lift = Math.min(from.y, to.y) - 34;
    arrows.push(`<path d="M${x1} ${from.y}C${x1} ${lift} ${x2} ${lift} ${x2} ${to.y - 2}"/>`);
  });
  if (arrows.length === 0) return svg;
  const layer =
    `<defs><marker id="arrow-moved" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z" fill="${color}"/></marker></defs>` +
    `<g class="moves" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="5 4" marker-end="url(#arrow-moved)"><title>old parent</title>${arrows.join('')}</g>\n`;
  // renderSvgTree draws edges, then nodes; the arrows go between, under the boxes.
  return svg.replace('<g class="nodes">', `${layer}<g class="nodes">`);
}

function sideInfo(name: SideName, ns: NamespaceNode | null): string {
  if (ns === null) return `${name}: not there`;
  return `${name}: ${ns.id}, depth ${ns.depth ?? '?'}, ${ns.parent === null ? 'outermost' : `under ${ns.parent}`}, role ${ns.role}`;
}

function section(it: Item, i: number, items: Item[], index: Map<string, number>): string[] {
  const u = it.u;
  const ns = (u.after ?? u.before) as NamespaceNode;
  const st = STATUS_STYLE[u.status];
  const link = (key: string | null, text: string): string => {
    const k = key === null ? undefined : index.get(key);
    return k === undefined ? '' : ` · ${html(text)} <a href="#${anchorOf(k)}">#${k + 1} ${idCode(titleOf((items[k] as Item).u))}</a>`;
  };
  const out = [`<section class="ns-section status-${u.status}" id="${anchorOf(i)}">`];
  out.push(
    `<h3>#${i + 1} ${idCode(titleOf(u))} <code>${html(ns.label)}</code>${st.word ? ` <span class="mark">${html(st.word.toUpperCase())}</span>` : ''}</h3>`,
  );
  out.push(
    `<p class="nsinfo">${html(sideInfo('before', u.before))}<br>${html(sideInfo('after', u.after))}${link(u.parent, 'parent')}${link(u.wasUnder, 'old parent')}</p>`,
  );
  if (u.changes.length > 0) out.push(`<ul class="changes">${u.changes.map((c) => `<li>${html(c.summary)}</li>`).join('')}</ul>`);
  for (const side of ['before', 'after'] as const) {
    const n = u[side];
    if (n === null) continue;
    const rows = it.rows[side];
    out.push(`<h4>${side}: ${html(plural(rows.length, 'process', 'processes'))} in ${idCode(n.id)}</h4>`);
    if (rows.length > 0) out.push(processTable(rows, (k) => rowId(i, side, k)));
  }
  out.push('</section>');
  return out;
}

function changesTable(d: DiffResult, items: Item[]): string {
  const at: Record<SideName, Map<string, number>> = { before: new Map(), after: new Map() };
  items.forEach((it, i) => {
    if (it.u.before) at.before.set(it.u.before.id, i);
    if (it.u.after) at.after.set(it.u.after.id, i);
  });
  // Other namespace types share the id's number space with nothing drawn: no link.
  const ref = (side: SideName, id: string | null, pid: boolean): TableRowSpec['cells'][number] => {
    if (id === null) return '';
    const k = pid ? at[side].get(id) : undefined;
    return k === undefined ? { id } : { html: `<a href="#${anchorOf(k)}">${idCode(id)}</a>` };
  };
  const rows: TableRowSpec[] = d.changes.map((c: Change) => {
    const pid = 'type' in c && c.type === 'pid';
    return {
      cells: [KIND_TITLES[c.kind], ref('before', c.before, pid), ref('after', c.after, pid), c.summary],
      className: `kind-${c.kind}`,
    };
  });
  return htmlTable(['kind', 'before', 'after', 'change'], rows, 'changes');
}

const EXTRA_STYLE = `<style>
.mark { font: 700 11px system-ui, sans-serif; letter-spacing: 0.04em; }
.status-added .mark { color: #1a7f37; } .status-removed .mark { color: #cf222e; } .status-moved .mark { color: #9a6700; } .status-changed .mark { color: #0969da; }
ul.changes { margin: 4px 0 8px; }
h4 { font-size: 13px; margin: 10px 0 4px; }
#details h3 { font-size: 14px; margin: 12px 0 4px; }
</style>`;

export function renderDiffHtml(d: DiffResult, sides: DiffSides): string {
  const union = unionTree(d, sides);
  const byId = (a: Analysis): Map<string, ProcessNode> => new Map(a.processes.map((p) => [p.id, p]));
  const procs = { before: byId(sides.before), after: byId(sides.after) };
  const items: Item[] = union.map((u) => ({
    u,
    rows: {
      before: u.before ? processRows(sides.before, u.before, procs.before) : [],
      after: u.after ? processRows(sides.after, u.after, procs.after) : [],
    },
  }));
  const index = new Map(union.map((u, i) => [u.key, i]));
  const statuses = [...new Set(union.map((u) => u.status))];

  const title = 'nsnap diff: PID namespaces before and after';
  const body: string[] = [EXTRA_STYLE, `<h1>${html(title)}</h1>`];
  body.push(
    `<table class="summary"><tbody>\n<tr><th scope="row">result</th><td>${html(headline(d))}</td></tr>\n` +
      `<tr><th scope="row">before</th><td>${html(sideText('before', d.before))}</td></tr>\n` +
      `<tr><th scope="row">after</th><td>${html(sideText('after', d.after))}</td></tr>\n</tbody></table>`,
  );
  const lines = summaryLines(d);
  if (lines.length > 0)
    body.push('<h2>Summary</h2>', `<ul class="summary-lines">${lines.map((l) => `<li>${inline(l)}</li>`).join('')}</ul>`);
  body.push(
    '<h2>PID namespaces, before and after</h2>',
    toolbar('PID at any level, a namespace inode, or text in a command'),
    legend(statuses),
  );
  const marks = statuses.filter((s) => s !== 'same').map((s) => `${STATUS_MARK[s]} ${STATUS_STYLE[s].word}`);
  if (union.some((u) => u.wasUnder !== null)) marks.push('dashed arrow: from a moved namespace’s old parent');
  body.push(
    `<p class="nsinfo">${html(`${plural(union.length, 'PID namespace')} in both captures together${marks.length > 0 ? `. ${marks.join(' · ')}` : ''}. A box is placed where its namespace is after the change; a removed one where it was.`)}</p>`,
  );
  body.push(`<div class="layout"><div class="canvas">${drawing(items)}</div><aside id="details" aria-live="polite" hidden></aside></div>`);
  body.push(`<h2>Changes (${d.changes.length})</h2>`);
  body.push(d.changes.length > 0 ? changesTable(d, items) : '<p>No differences.</p>');
  body.push('<h2>Processes per PID namespace, before and after</h2>');
  items.forEach((it, i) => body.push(...section(it, i, items, index)));
  body.push(
    '<p class="footer">Made by nsnap. The process tables list every captured process, the transient ones the comparison leaves out included. This page loads nothing from the network.</p>',
  );

  const data: PanelItem[] = items.map((it, i): PanelItem => {
    const u = it.u;
    const ns = (u.after ?? u.before) as NamespaceNode;
    const jumpTo = (key: string | null): { jump: number } | '' => {
      const k = key === null ? undefined : index.get(key);
      return k === undefined ? '' : { jump: k };
    };
    const sides = (['before', 'after'] as const).map((side) => ({ side, n: u[side] }));
    return {
      title: visible(titleOf(u)),
      label: visible(ns.label),
      anchor: anchorOf(i),
      facts: [
        ['change', STATUS_STYLE[u.status].word || 'none'],
        ['role', ns.role],
        ...sides.map(({ side, n }): [string, string] => [
          side,
          n === null ? 'not there' : visible(`${n.id}, depth ${n.depth ?? '?'}, ${n.parent === null ? 'outermost' : `under ${n.parent}`}`),
        ]),
        ['parent', jumpTo(u.parent)],
        ['old parent', jumpTo(u.wasUnder)],
      ],
      lists: [
        {
          heading: `Changes (${u.changes.length})`,
          items: u.changes.map((c) => visible(c.summary)),
          empty: 'No change concerns this namespace.',
          className: 'changes',
        },
      ],
      tables: sides.flatMap(({ side, n }) =>
        n === null
          ? []
          : [
              {
                heading: visible(`${side}: ${plural(it.rows[side].length, 'process', 'processes')} in ${n.id}`),
                rows: panelRows(it.rows[side], (k) => rowId(i, side, k)),
                empty: null,
              },
            ],
      ),
      inodes: sides.flatMap(({ n }) => (n === null || n.inode === null ? [] : [String(n.inode)])),
      labels: sides.flatMap(({ n }) => (n === null ? [] : [visible(n.label)])),
    };
  });
  return htmlPage({ title, body, data: { kind: 'diff', items: data } });
}
