// The SVG drawing of a tree of diagram nodes, inline in the HTML report. Colours are
// attributes, not CSS, so the picture is right without the stylesheet and in print.
// Each box is a link to its section of the tables: without JavaScript a click still
// shows the namespace's processes; the script turns the click into the details panel.

import { BOX_H, BOX_W, layoutTree } from './html-layout.js';
import { ROLE_COLORS, STATUS_STYLE, type DiagramNode } from './mermaid.js';
import { html, short } from './report-escape.js';

/** Characters that fit on one line of a box at the font size below. */
const LINE_CHARS = 31;

export interface SvgOptions {
  /** Accessible name of the picture. */
  title: string;
  /** Fragment each box links to, by node index ("ns-1"). */
  anchor: (index: number) => string;
}

export function renderSvgTree(nodes: DiagramNode[], opts: SvgOptions): string {
  const lay = layoutTree(nodes);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="tree" viewBox="0 0 ${lay.width} ${lay.height}" width="${lay.width}" height="${lay.height}" role="group" aria-label="${html(opts.title)}">`,
  );
  out.push('<g class="edges" fill="none" stroke="#8c959f" stroke-width="1.5">');
  for (const [from, to] of lay.edges) {
    const a = lay.placed[from];
    const b = lay.placed[to];
    if (!a || !b) continue;
    const x1 = a.x + BOX_W / 2;
    const y1 = a.y + BOX_H;
    const x2 = b.x + BOX_W / 2;
    const y2 = b.y;
    const my = (y1 + y2) / 2;
    out.push(`<path d="M${x1} ${y1}C${x1} ${my} ${x2} ${my} ${x2} ${y2}"/>`);
  }
  out.push('</g>');
  out.push('<g class="nodes">');
  for (const p of lay.placed) {
    const n = p.node;
    const c = ROLE_COLORS[n.role];
    const st = STATUS_STYLE[n.status];
    const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : '';
    const full = [n.title, ...n.lines, ...(st.word ? [st.word] : [])].join('\n');
    const badge = st.word
      ? `<text x="${BOX_W - 8}" y="16" text-anchor="end" class="badge" fill="${st.stroke ?? c.text}">${html(st.word.toUpperCase())}</text>`
      : '';
    const lines = n.lines
      .slice(0, 2)
      .map((l, k) => `<text x="10" y="${40 + k * 18}" class="${k === 0 ? 'label' : 'meta'}">${html(short(l, LINE_CHARS))}</text>`)
      .join('');
    out.push(
      `<a href="#${opts.anchor(p.index)}" class="ns status-${n.status}" data-i="${p.index}" id="svg-${opts.anchor(p.index)}" transform="translate(${p.x} ${p.y})">` +
        `<title>${html(full)}</title>` +
        `<rect class="box" width="${BOX_W}" height="${BOX_H}" rx="8" fill="${c.fill}" stroke="${st.stroke ?? c.stroke}" stroke-width="${st.width}"${dash}/>` +
        `<g fill="${c.text}"><text x="10" y="19" class="title">${html(short(n.title, LINE_CHARS - (st.word ? 9 : 0)))}</text>${lines}</g>${badge}</a>`,
    );
  }
  out.push('</g></svg>');
  return out.join('\n');
}
