// `nsnap diff --format markdown`: a GitHub-flavoured summary, a Mermaid diagram of both
// PID namespace trees in one (when the two analyses are at hand), and one table of
// changes, to paste into an issue. Every untrusted string goes through report-escape.ts
// (code spans; `|` escaped in cells; newlines and control characters made visible;
// Mermaid labels entity-escaped).

import type { Change, DiffResult } from '../diff/types.js';
import { commandList, commList, plural } from '../diff/words.js';
import { renderDiffMermaid, STATUS_MARK, unionTree, type DiffSides } from './diff-diagram.js';
import { detailLines, headline, summaryLines, type Line } from './diff-summary.js';
import { KIND_TITLES } from './diff-text.js';
import { STATUS_STYLE, type NodeStatus } from './mermaid.js';
import { mdCell, mdCode, mdRow, mdText } from './report-escape.js';

function inline(line: Line): string {
  return line.map((p) => (typeof p === 'string' ? mdText(p) : mdCode(p.value))).join('');
}

function ids(c: Change): [string, string] {
  return [c.before === null ? '' : mdCell(c.before), c.after === null ? '' : mdCell(c.after)];
}

/** The "what changed" cell: our words as text, values as code spans, one line. */
function what(c: Change): string {
  const v = (s: string): string => mdCell(s);
  switch (c.kind) {
    case 'config-changed':
      return `${v(c.key)}: ${v(String(c.from))} → ${v(String(c.to))}`;
    case 'view-changed':
      return `${mdText(`${plural(c.viewsBefore.length, 'view')} → ${plural(c.viewsAfter.length, 'view')}:`)} ${v(c.summary)}`;
    case 'namespace-added':
    case 'namespace-removed': {
      const head = `${mdText(`${c.type} namespace, ${c.role}, depth ${c.depth ?? '?'}`)} ${v(c.label)}`;
      const procs =
        c.processes.length > 0
          ? `${mdText(
              `; ${plural(
                c.processes.reduce((n, p) => n + p.count, 0),
                'process',
                'processes',
              )}:`,
            )} ${v(commList(c.processes))}`
          : '';
      const also = c.with.length > 0 ? `${mdText('; with it')} ${v(c.with.join(', '))}` : '';
      return `${head}${procs}${also}`;
    }
    case 'namespace-moved':
      return `${v(c.label)} ${mdText('now under')} ${v(c.parentAfter ?? '(outermost)')}${mdText(`, was under`)} ${v(c.parentBefore ?? '(outermost)')}${mdText(`; depth ${c.depthBefore ?? '?'} → ${c.depthAfter ?? '?'}`)}`;
    case 'depth-changed':
      return `${v(c.label)} ${mdText(`depth ${c.from ?? '?'} → ${c.to ?? '?'}`)}`;
    case 'role-changed':
      return `${v(c.label)} ${mdText(`role ${c.from} → ${c.to}`)}`;
    case 'label-changed':
      return `${v(c.from)} → ${v(c.to)}`;
    case 'sharing-changed':
      return `${v(c.label)} ${mdText(`${c.nsType}: ${c.from} → ${c.to}`)}`;
    case 'processes-added':
    case 'processes-removed':
      return `${v(c.label)}${mdText(`: ${c.kind === 'processes-added' ? '+' : '-'}${c.total}`)} ${v(commandList(c.processes))}`;
  }
}

/** How each status is drawn, in words, for the line above the diagram. */
const STATUS_LOOK: Record<Exclude<NodeStatus, 'same'>, string> = {
  added: 'green',
  removed: 'red, dashed',
  moved: 'amber, dotted',
  changed: 'blue',
};

/** The union of both PID namespace trees as a fenced Mermaid block, with a one-line key. */
function diagram(d: DiffResult, sides: DiffSides): string[] {
  const union = unionTree(d, sides);
  const used = (Object.keys(STATUS_LOOK) as Array<keyof typeof STATUS_LOOK>).filter((s) => union.some((u) => u.status === s));
  const key = used.map((s) => `${STATUS_MARK[s]} ${STATUS_STYLE[s].word} (${STATUS_LOOK[s]})`);
  if (union.some((u) => u.wasUnder !== null)) key.push('a dotted arrow leads from a moved namespace’s old parent');
  const out = ['### PID namespaces, before and after', ''];
  out.push(mdText(`${union.length} PID namespaces in both captures together${key.length > 0 ? `: ${key.join('; ')}` : ''}.`), '');
  out.push('```mermaid', renderDiffMermaid(union).trimEnd(), '```', '');
  return out;
}

/**
 * With `sides` (the analyses the diff was computed from) the report also draws the
 * union of both PID namespace trees; a DiffResult alone names namespaces only by id.
 */
export function renderDiffMarkdown(d: DiffResult, sides?: DiffSides): string {
  const out: string[] = ['## nsnap diff', '', `**${mdText(headline(d))}**`, ''];
  const side = (name: string, s: DiffResult['before']): string =>
    mdText(
      `${name}: ${plural(s.views.length, 'view')}, ${plural(s.pidNamespaces, 'PID namespace')}, ${plural(s.processes, 'process', 'processes')}${s.hiddenProcesses > 0 ? ` (${s.hiddenProcesses} transient hidden)` : ''}`,
    ) + (s.bootIds.length > 0 ? `${mdText(', boot')} ${mdCode(s.bootIds.join(', '))}` : '');
  out.push(`- ${side('before', d.before)}`, `- ${side('after', d.after)}`, '');
  if (d.changes.length === 0) return `${[...out, ...(sides ? diagram(d, sides) : [])].join('\n')}\n`;
  out.push('### Summary', '');
  for (const line of summaryLines(d)) out.push(`- ${inline(line)}`);
  out.push('');
  if (sides) out.push(...diagram(d, sides));
  out.push('### Changes', '');
  out.push(mdRow(['kind', 'before', 'after', 'what changed']), mdRow(['---', '---', '---', '---']));
  for (const c of d.changes) out.push(mdRow([mdText(KIND_TITLES[c.kind]), ...ids(c), what(c)]));
  const withDetails = d.changes.filter((c) => detailLines(c).length > commandListLimit);
  if (withDetails.length > 0) {
    out.push('', '<details><summary>every command</summary>', '');
    for (const c of withDetails) {
      out.push(`- ${mdText(c.kind)} ${mdCode(c.after ?? c.before ?? '')}`);
      for (const line of detailLines(c)) out.push(`  - ${inline(line)}`);
    }
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}

/** commandList shows this many commands; longer lists get the folded section. */
const commandListLimit = 6;
