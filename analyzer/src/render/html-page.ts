// The HTML report's document shell: one self-contained file with its style and script
// inline, and a Content-Security-Policy that forbids every network fetch, so a report
// opened from a stranger's bug report cannot call home even if escaping had a hole.
// Shared by the tree report and a diff report.

import { ROLES, type Role } from '../model/types.js';
import { REPORT_SCRIPT } from './html-script.js';
import type { SummaryRow } from './markdown-tree.js';
import { ROLE_COLORS, STATUS_STYLE, type NodeStatus } from './mermaid.js';
import { html, jsonForScript } from './report-escape.js';

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/** A table cell: a plain string is untrusted and escaped; `code` is escaped into <code>; `id` too, never wrapped; `html` is our own markup. */
export type Cell = string | { code: string } | { id: string } | { html: string };

/** A namespace id as code that never breaks inside (pid:4026532257 stays on one line). */
export function idCode(id: string): string {
  return `<code class="id">${html(id)}</code>`;
}

function cell(c: Cell): string {
  if (typeof c === 'string') return html(c);
  if ('id' in c) return idCode(c.id);
  if ('code' in c) return c.code === '' ? '' : `<code>${html(c.code)}</code>`;
  return c.html;
}

export interface TableRowSpec {
  cells: Cell[];
  /** Generated id (never from input), for search highlighting. */
  id?: string;
  /** Generated class names. */
  className?: string;
}

export function htmlTable(head: string[], rows: TableRowSpec[], className = ''): string {
  const th = head.map((h) => `<th scope="col">${html(h)}</th>`).join('');
  const body = rows
    .map((r) => {
      const attrs = `${r.id ? ` id="${html(r.id)}"` : ''}${r.className ? ` class="${html(r.className)}"` : ''}`;
      return `<tr${attrs}>${r.cells.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table${className ? ` class="${html(className)}"` : ''}><thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export function summaryTable(rows: SummaryRow[]): string {
  const body = rows
    .map((r) => `<tr><th scope="row">${html(r.name)}</th><td>${r.values.map((v) => `<code>${html(v)}</code>`).join('<br>')}</td></tr>`)
    .join('\n');
  return `<table class="summary"><tbody>\n${body}\n</tbody></table>`;
}

/** Swatches for every role (drawn or not, so a reader learns the vocabulary) and the statuses in use. */
export function legend(statuses: NodeStatus[]): string {
  const roles = ROLES.map((r: Role) => {
    const c = ROLE_COLORS[r];
    return `<li><svg width="22" height="14" aria-hidden="true"><rect x="1" y="1" width="20" height="12" rx="3" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/></svg>${html(r)}</li>`;
  });
  const marks = statuses
    .filter((s) => s !== 'same')
    .map((s) => {
      const st = STATUS_STYLE[s];
      const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : '';
      return `<li><svg width="22" height="14" aria-hidden="true"><rect x="2" y="2" width="18" height="10" rx="3" fill="#fff" stroke="${st.stroke ?? '#000'}" stroke-width="2.5"${dash}/></svg>${html(st.word)}</li>`;
    });
  return `<ul class="legend" aria-label="Legend">${[...roles, ...marks].join('')}</ul>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --hit: #fff8c5; --hit-line: #d4a72c; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0 auto; padding: 16px 24px 48px; max-width: 1600px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
code, .pids, .cmd, .comm { font-family: var(--mono); font-size: 12.5px; }
code { overflow-wrap: anywhere; }
.id, code.id { white-space: nowrap; overflow-wrap: normal; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
table.summary th { background: #f6f8fa; white-space: nowrap; }
td.cmd, td:last-child { overflow-wrap: anywhere; }
tr.hit td { background: var(--hit); }
.toolbar { position: sticky; top: 0; z-index: 2; background: #fff; padding: 8px 0; display: flex; gap: 12px; align-items: center; border-bottom: 1px solid var(--line); }
.toolbar input { font: inherit; padding: 4px 8px; width: 28em; max-width: 60vw; border: 1px solid #8c959f; border-radius: 6px; }
#qstatus { color: var(--muted); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 10px 0; }
.legend li { display: flex; align-items: center; gap: 6px; }
.layout { display: flex; gap: 16px; align-items: flex-start; }
.canvas { flex: 1 1 auto; overflow: auto; border: 1px solid var(--line); border-radius: 8px; padding: 4px; min-width: 0; }
svg.tree { display: block; }
svg.tree text { font-family: var(--mono); font-size: 12px; }
svg.tree text.title { font-weight: 700; }
svg.tree text.meta { fill-opacity: 0.85; }
svg.tree text.badge { font: 700 10px system-ui, sans-serif; }
svg.tree a.ns { cursor: pointer; }
svg.tree a.ns:hover rect.box, svg.tree a.ns:focus rect.box { filter: brightness(0.95); }
svg.tree a.ns:focus { outline: none; }
svg.tree a.ns:focus rect.box, svg.tree a.ns.selected rect.box { stroke: #0969da; stroke-width: 3; }
svg.tree a.ns.hit rect.box { stroke: var(--hit-line); stroke-width: 4; }
svg.tree a.status-removed { opacity: 0.75; }
#details { flex: 0 0 min(560px, 45%); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; position: sticky; top: 56px; max-height: calc(100vh - 72px); overflow: auto; background: #fff; }
#details h2 { margin-top: 0; font-family: var(--mono); font-size: 15px; border: 0; white-space: nowrap; }
#details .label { font-family: var(--mono); overflow-wrap: anywhere; }
#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
#details dt { color: var(--muted); }
#details dd { margin: 0; overflow-wrap: break-word; }
#details .close { float: right; font-size: 18px; line-height: 1; border: 0; background: none; cursor: pointer; }
#details ul.evidence { font-family: var(--mono); font-size: 12.5px; padding-left: 18px; }
.nsinfo { color: var(--muted); margin: 2px 0 6px; }
.footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
@media print {
  .toolbar, #details { display: none !important; }
  body { max-width: none; padding: 0; font-size: 11px; }
  .canvas { overflow: visible; border: 0; }
  svg.tree { max-width: 100%; height: auto; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, .ns-section h3 { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;

export interface PageParts {
  title: string;
  /** Our own markup, already escaped, in order. */
  body: string[];
  /** Embedded for the script as JSON. */
  data: unknown;
}

export function htmlPage(parts: PageParts): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // First in <head>, before any style or script, so it governs everything after it.
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${html(parts.title)}</title>`,
    // An empty data: icon keeps browsers from asking for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...parts.body,
    `<script type="application/json" id="nsnap-data">${jsonForScript(parts.data)}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The search bar; hidden until the script shows it, so a page without JavaScript has no dead control. */
export function toolbar(placeholder: string): string {
  return `<div class="toolbar" id="toolbar" hidden><label for="q">Search</label><input id="q" type="search" placeholder="${html(placeholder)}" autocomplete="off" spellcheck="false"><span id="qstatus" role="status" aria-live="polite"></span></div>`;
}
