// The SVG drawing of a tree of diagram nodes, inline in the HTML report. Colours are
// attributes, not CSS, so the picture is right without the stylesheet and in print.
// Each box is a link to its section of the tables: without JavaScript a click still
// shows the namespace's processes; the script turns the click into the details panel.

import { BOX_H, BOX_W, layoutTree } from './html-layout.js';
import { ROLE_COLORS, STATUS_STYLE, type DiagramNode } from './mermaid.js';
import { html, short, visible } from './report-escape.js';

/** Characters that fit on one line of a box at the font size below. */
const LINE_CHARS = 31;
/** Lines of text under a box's title: the wrapped label, then the meta lines. */
const TEXT_ROWS = 4;
const ROW_Y0 = 38;
const ROW_DY = 17;

/**
 * Text cut into at most `max` lines of `width` characters, at spaces. A word longer than a
 * line is cut, but never inside a run of digits (a namespace id or PID) when it can be cut
 * before it. When the text does not fit, the last line ends in "…".
 */
export function wrapLines(text: string, width: number, max: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let cur = '';
  let i = 0;
  while (i < words.length && lines.length < max) {
    const w = words[i] as string;
    const chars = Array.from(w);
    if (cur === '' && chars.length > width) {
      let cut = width;
      while (cut > 0 && /[0-9]/.test(chars[cut - 1] as string) && /[0-9]/.test(chars[cut] as string)) cut -= 1;
      if (cut === 0) cut = width;
      lines.push(chars.slice(0, cut).join(''));
      words[i] = chars.slice(cut).join('');
      continue;
    }
    const next = cur === '' ? w : `${cur} ${w}`;
    if (Array.from(next).length <= width) {
      cur = next;
      i += 1;
    } else {
      lines.push(cur);
      cur = '';
    }
  }
  if (cur !== '' && lines.length < max) lines.push(cur);
  if (i < words.length && lines.length > 0) {
    const last = Array.from(lines[lines.length - 1] as string);
    lines[lines.length - 1] = `${last.slice(0, Math.min(last.length, width - 1)).join('')}…`;
  }
  return lines;
}

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
    const label = n.label ?? n.lines[0] ?? '';
    const meta = n.lines.slice(1, TEXT_ROWS - 1);
    // One escaped line per tooltip line, joined by real newlines (the tooltip shows them).
    const full = [n.title, label, ...n.lines.slice(1), ...(st.word ? [st.word] : [])].map(html).join('\n');
    const badge = st.word
      ? `<text x="${BOX_W - 8}" y="16" text-anchor="end" class="badge" fill="${st.stroke ?? c.text}">${html(st.word.toUpperCase())}</text>`
      : '';
    const rows = [
      ...wrapLines(visible(label), LINE_CHARS, TEXT_ROWS - meta.length).map((l) => ({ l, cls: 'label' })),
      ...meta.map((l) => ({ l: short(l, LINE_CHARS), cls: 'meta' })),
    ];
    const lines = rows.map((r, k) => `<text x="10" y="${ROW_Y0 + k * ROW_DY}" class="${r.cls}">${html(r.l)}</text>`).join('');
    out.push(
      `<a href="#${opts.anchor(p.index)}" class="ns status-${n.status}${p.depth === 0 ? ' root' : ''}" data-i="${p.index}" id="svg-${opts.anchor(p.index)}" transform="translate(${p.x} ${p.y})">` +
        `<title>${full}</title>` +
        `<rect class="box" width="${BOX_W}" height="${BOX_H}" rx="8" fill="${c.fill}" stroke="${st.stroke ?? c.stroke}" stroke-width="${st.width}"${dash}/>` +
        `<g fill="${c.text}"><text x="10" y="19" class="title">${html(short(n.title, LINE_CHARS - (st.word ? 9 : 0)))}</text>${lines}</g>${badge}</a>`,
    );
  }
  out.push('</g></svg>');
  return out.join('\n');
}
